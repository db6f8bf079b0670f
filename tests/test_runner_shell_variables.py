"""Shell runners that stamp a revision held in a variable: `$REV` and `${REV}` are followed to
a literal the script assigns, and are otherwise a revision computed at run time, which no
rule claims anything about. What follows a stamp is read along the stamp's own path."""

from __future__ import annotations

import textwrap
from pathlib import Path

from histories import write_project
from miglint.pipeline import Options, lint_paths
from miglint.runners.shell import analyze_shell

CODES = ("MG301", "MG302", "MG303")


def lint_script(tmp_path: Path, text: str) -> list[tuple[str, int, int, str]]:
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\n')
    write_project(tmp_path, ["a", "b<-a", "c<-b"])
    (tmp_path / "entrypoint.sh").write_text(textwrap.dedent(text))
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=list(CODES)))
    return sorted(
        (d.code, d.span.line, d.span.column, d.message)
        for r in reports
        for d in r.diagnostics
        if Path(d.path).name == "entrypoint.sh"
    )


COMPUTED = """\
#!/bin/sh
REVISION=$(find migrations/versions -name "*_${DB_VERSION}.py" -exec basename {} \\; | cut -d_ -f1)
if [ -n "$REVISION" ]; then
    alembic stamp "$REVISION"
    alembic upgrade head
fi
alembic stamp ${OTHER_REV}
alembic stamp $THIRD
"""


def test_a_variable_the_script_cannot_name_is_a_computed_revision(tmp_path: Path) -> None:
    sites = analyze_shell("entrypoint.sh", COMPUTED)
    assert [(s.span.line, [t.value for t in s.targets]) for s in sites if s.command == "stamp"] == [
        (4, [None]),
        (7, [None]),
        (8, [None]),
    ]
    # neither "not a revision" (MG303) nor "a revision other than head" (MG302): the target is unknown
    assert lint_script(tmp_path, COMPUTED) == []


def test_braced_and_bare_spellings_are_read_alike(tmp_path: Path) -> None:
    bare = lint_script(tmp_path, "#!/bin/sh\nREV=zzz\nalembic stamp $REV\nalembic upgrade head\n")
    braced = lint_script(tmp_path, '#!/bin/sh\nREV=zzz\nalembic stamp "${REV}"\nalembic upgrade head\n')
    message = "`alembic stamp` target 'zzz' is not a revision, prefix or branch label of this history"
    assert bare == braced == [("MG303", 2, 4, message)]


def test_a_literal_assigned_in_the_script_is_followed(tmp_path: Path) -> None:
    script = """\
    #!/bin/sh
    REV=head
    REV="b"
    alembic stamp "$REV"
    """
    assert lint_script(tmp_path, script) == [
        (
            "MG302", 4, 0,
            "stamps 'b' and then the script ends without running `alembic upgrade`: "
            "the revisions after it stay missing until something else upgrades",
        ),
    ]  # fmt: skip


def test_a_head_assigned_on_a_legacy_branch_is_mg301_without_a_fix(tmp_path: Path) -> None:
    script = """\
    #!/bin/sh
    HAS_VERSION=$(psql "$DATABASE_URL" -tAc "SELECT to_regclass('public.alembic_version') IS NOT NULL")
    TARGET=a
    if [ "$HAS_VERSION" = "f" ]; then
        TARGET="head"
    fi
    alembic stamp "$TARGET"
    alembic upgrade head
    """
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\n')
    write_project(tmp_path, ["a", "b<-a", "c<-b"])
    (tmp_path / "entrypoint.sh").write_text(textwrap.dedent(script))
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=list(CODES)))
    (found,) = [d for r in reports for d in r.diagnostics]
    assert (found.code, found.span.line, found.span.column) == ("MG301", 5, 11)
    assert found.message.startswith(
        "stamps 'head' (line 7) where the database has no Alembic version "
        '(line 4: `[ "$HAS_VERSION" = "f" ]`): 2 revisions after a would be marked applied'
    )
    assert found.fix is None  # the assignment may have other uses: never rewritten in place


def test_an_upgrade_after_the_stamp_on_its_path_is_an_upgrade(tmp_path: Path) -> None:
    # the exit is on the path where the stamp failed, or on another branch
    failed = """\
    #!/bin/sh
    if ! alembic stamp b; then
        echo "stamp failed"
        exit 1
    fi
    alembic upgrade head
    """
    other_branch = """\
    #!/bin/sh
    if [ -n "$FRESH" ]; then
        alembic stamp b
    else
        exit 1
    fi
    alembic upgrade head
    """
    succeeded = """\
    #!/bin/sh
    if alembic stamp b; then
        alembic upgrade head
    else
        exit 1
    fi
    """
    assert lint_script(tmp_path, failed) == []
    assert lint_script(tmp_path, other_branch) == []
    assert lint_script(tmp_path, succeeded) == []


def test_a_stamp_whose_path_ends_without_upgrade_is_still_mg302(tmp_path: Path) -> None:
    exits = """\
    #!/bin/sh
    alembic stamp b
    if [ -n "$QUICK" ]; then
        exit 0
    fi
    alembic upgrade head
    """
    upgrade_on_failure_only = """\
    #!/bin/sh
    if ! alembic stamp b; then
        alembic upgrade head
    else
        echo "stamped"
    fi
    """
    missing = "the revisions after it stay missing until something else upgrades"
    assert lint_script(tmp_path, exits) == [
        ("MG302", 2, 0, f"stamps 'b' and then exits at line 4 without running `alembic upgrade`: {missing}")
    ]
    assert lint_script(tmp_path, upgrade_on_failure_only) == [
        ("MG302", 2, 5, f"stamps 'b' and then the script ends without running `alembic upgrade`: {missing}")
    ]
    assert lint_script(tmp_path, "#!/bin/sh\nalembic stamp zzz\nalembic upgrade head\n") == [
        (
            "MG303",
            2,
            14,
            "`alembic stamp` target 'zzz' is not a revision, prefix or branch label of this history",
        )
    ]


def test_a_python_shell_string_with_a_variable_names_no_revision(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\n')
    write_project(tmp_path, ["a", "b<-a", "c<-b"])
    (tmp_path / "migrate.py").write_text('import os\nos.system("alembic stamp $REVISION")\n')
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=list(CODES)))
    assert [d for r in reports for d in r.diagnostics] == []


LEGACY = "psql -tAc \"select 1 from information_schema.tables where table_name='users'\" | grep -q 1"


def test_a_one_line_if_holds_only_its_own_line() -> None:
    """`if TEST; then A; fi` on one line closed nothing before: every later line was read
    as under TEST (a false MG301 on an unconditional stamp after a legacy check's echo)."""
    script = (
        "#!/bin/sh\n"
        f'if {LEGACY}; then echo "legacy database"; fi\n'
        "alembic upgrade head\n"
        "alembic stamp head\n"
        f"if {LEGACY}; then alembic stamp head; else alembic upgrade head; fi\n"
    )
    sites = analyze_shell("entrypoint.sh", script)
    shown = [(s.span.line, s.command, [(c.text, c.holds) for c in s.conditions]) for s in sites]
    assert shown == [
        (3, "upgrade", []),
        (4, "stamp", []),
        (5, "stamp", [(LEGACY, True)]),
        (5, "upgrade", [(LEGACY, False)]),
    ]


def test_a_legacy_check_on_one_line_is_still_seen(tmp_path: Path) -> None:
    found = lint_script(
        tmp_path, f"#!/bin/sh\nif {LEGACY}; then alembic stamp head; fi\nalembic upgrade head\n"
    )
    assert [(code, line) for code, line, _, _ in found] == [("MG301", 2)]
    assert f"(line 2: `{LEGACY}`)" in found[0][3]
