"""Which fixes --fix may apply on its own (safe) and which need --unsafe-fixes; fixes that
follow the file's style; two --fix runs at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import write_project
from miglint.cli import main
from miglint.fix import CHANGED, plan_fixes, write_fixes
from miglint.model import Diagnostic
from miglint.pipeline import Options, lint_paths


def findings(root: Path, *codes: str) -> list[Diagnostic]:
    reports = lint_paths([str(root)], root, Options(use_cache=False, select=list(codes)))
    return [d for r in reports for d in r.diagnostics]


def revision(rev: str, down: str | None, body: str, doc: str = "") -> str:
    return f'"""{doc}"""\nrevision = {rev!r}\ndown_revision = {down!r}\n\n\ndef upgrade():\n{body}\n'


SEED = "    op.execute(\"INSERT INTO personality_traits (character_id, trait_name) VALUES (1, 'warm')\")"


# -- MG204: ON CONFLICT DO NOTHING is safe only with a key that makes a second run conflict


@pytest.mark.parametrize(
    ("table", "safe"),
    [
        (
            "    op.create_table('personality_traits', sa.Column('id', sa.Integer(), primary_key=True),"
            " sa.Column('character_id', sa.Integer()), sa.Column('trait_name', sa.Text()))",
            False,
        ),
        (
            "    op.create_table('personality_traits', sa.Column('id', sa.Integer(), primary_key=True),"
            " sa.Column('character_id', sa.Integer()), sa.Column('trait_name', sa.Text()),"
            " sa.UniqueConstraint('character_id', 'trait_name'))",
            True,
        ),
        (
            "    op.create_table('personality_traits', sa.Column('character_id', sa.Integer(), primary_key=True),"
            " sa.Column('trait_name', sa.Text(), primary_key=True))",
            True,
        ),
        (
            "    op.create_table('personality_traits', sa.Column('character_id', sa.Integer(), primary_key=True),"
            " sa.Column('trait_name', sa.Text(), primary_key=True), sa.Column('weight', sa.Integer(), primary_key=True))",
            False,
        ),
        (
            "    op.create_table('personality_traits', sa.Column('id', sa.Integer(), primary_key=True),"
            " sa.Column('trait_name', sa.Text(), unique=True))",
            True,
        ),
        (
            "    op.create_unique_constraint('uq', 'personality_traits', ['trait_name', 'character_id'])",
            True,
        ),
        ("    op.create_index('ix', 'personality_traits', ['character_id'], unique=True)", True),
        (
            "    op.create_index('ix', 'personality_traits', ['character_id'], unique=True,"
            " postgresql_where=sa.text('trait_name IS NULL'))",
            False,
        ),
        ("    op.execute('CREATE TABLE personality_traits (id serial PRIMARY KEY, character_id int, trait_name text)')", False),
        (
            "    op.execute('CREATE TABLE personality_traits (id serial PRIMARY KEY, character_id int, trait_name text,"
            " UNIQUE (character_id, trait_name))')",
            True,
        ),
        ("    op.execute('ALTER TABLE personality_traits ADD PRIMARY KEY (trait_name)')", True),
        ("    op.execute('CREATE UNIQUE INDEX ix ON personality_traits (lower(trait_name))')", False),
        ("    op.create_table('other', sa.Column('trait_name', sa.Text(), primary_key=True))", False),
    ],
    ids=[
        "serial-id-only", "unique-constraint", "composite-primary-key", "wider-primary-key",
        "unique-column", "create-unique-constraint", "unique-index", "partial-unique-index",
        "sql-serial-id-only", "sql-unique", "sql-add-primary-key", "expression-index", "other-table",
    ],
)  # fmt: skip
def test_on_conflict_is_safe_only_with_a_covering_key(tmp_path: Path, table: str, safe: bool) -> None:
    write_project(
        tmp_path,
        files={
            "0001_a.py": revision("a", None, table),
            "0002_b.py": revision("b", "a", SEED),
        },
    )
    (found,) = findings(tmp_path, "MG204")
    assert found.revisions == ("b",)
    assert found.fix is not None and found.fix.safe is safe
    if safe:
        assert found.help is not None and found.help.startswith("add ON CONFLICT DO NOTHING: the key (")
    else:
        assert found.help == (
            "miglint sees no primary key or unique constraint of personality_traits within the inserted "
            "columns (character_id, trait_name), and without one ON CONFLICT DO NOTHING does not stop a "
            "second run: insert with INSERT INTO personality_traits (...) SELECT ... WHERE NOT EXISTS "
            "(SELECT 1 FROM personality_traits WHERE <key columns> = <values>)"
        )


def test_a_key_column_given_null_does_not_count(tmp_path: Path) -> None:
    table = "    op.create_table('t', sa.Column('a', sa.Integer()), sa.UniqueConstraint('a'))"
    write_project(
        tmp_path,
        files={
            "0001_a.py": revision("a", None, table),
            "0002_b.py": revision("b", "a", "    op.execute('INSERT INTO t (a, b) VALUES (NULL, 1)')"),
            "0003_c.py": revision("c", "b", "    op.execute('INSERT INTO t (a, b) VALUES (2, 1)')"),
        },
    )
    assert [(f.revisions, f.fix.safe if f.fix else None) for f in findings(tmp_path, "MG204")] == [
        (("b",), False),  # NULL never conflicts: a second run inserts the row again
        (("c",), True),
    ]


def test_a_key_made_only_in_downgrade_does_not_count(tmp_path: Path) -> None:
    body = (
        "    op.drop_table('t')\n\n\ndef downgrade():\n"
        "    op.create_table('t', sa.Column('a', sa.Integer(), primary_key=True))"
    )
    write_project(
        tmp_path,
        files={
            "0001_a.py": revision("a", None, body),
            "0002_b.py": revision("b", "a", "    op.execute('INSERT INTO t (a) VALUES (1)')"),
        },
    )
    (found,) = findings(tmp_path, "MG204")
    assert found.fix is not None and not found.fix.safe


@pytest.mark.parametrize(
    ("body", "safe"),
    [
        ("    _tables()\n\n\ndef _tables():\n    op.create_table('t', sa.Column('a', sa.Integer(), primary_key=True))", True),
        ("    # op.create_table('t', sa.Column('a', sa.Integer(), primary_key=True))\n    pass", False),
        ('    """op.create_table(\'t\', sa.Column(\'a\', sa.Integer(), primary_key=True))"""', False),
        ("    op.create_table(\n        't',  # (\n        sa.Column('a', sa.Integer(), primary_key=True),\n    )", True),
    ],
    ids=["helper-called-by-upgrade", "comment", "string", "comment-with-parenthesis"],
)  # fmt: skip
def test_only_calls_that_upgrade_runs_make_keys(tmp_path: Path, body: str, safe: bool) -> None:
    write_project(
        tmp_path,
        files={
            "0001_a.py": revision("a", None, body),
            "0002_b.py": revision("b", "a", "    op.execute('INSERT INTO t (a) VALUES (1)')"),
        },
    )
    (found,) = findings(tmp_path, "MG204")
    assert found.fix is not None and found.fix.safe is safe


def test_fix_applies_on_conflict_only_where_it_is_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyed = "    op.create_table('keyed', sa.Column('a', sa.Integer(), primary_key=True))"
    paths = write_project(
        tmp_path,
        files={
            "0001_a.py": revision("a", None, keyed),
            "0002_b.py": revision(
                "b",
                "a",
                "    op.execute('INSERT INTO keyed (a) VALUES (1)')\n    op.execute('INSERT INTO plain (a) VALUES (1)')",
            ),
        },
    )
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG204", "--fix", "--concise"])
    assert result.stderr == "Fixed 1 finding in 1 file.\n"
    assert result.stdout == (
        "migrations/versions/0002_b.py:8:17: MG204 INSERT plain is not safe to run twice: it duplicates "
        "its rows, or fails on a unique key, when run again\n"
        "\n"
        "Found 1 error in 2 revisions in 1 environment.\n"
        "1 fixable with --fix --unsafe-fixes (none with --fix alone).\n"
    )
    assert paths["0002_b.py"].read_text() == revision(
        "b",
        "a",
        "    op.execute('INSERT INTO keyed (a) VALUES (1) ON CONFLICT DO NOTHING')\n"
        "    op.execute('INSERT INTO plain (a) VALUES (1)')",
    )


def test_json_and_sarif_say_which_fixes_are_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyed = "    op.create_table('keyed', sa.Column('a', sa.Integer(), primary_key=True))"
    write_project(
        tmp_path,
        files={
            "0001_a.py": revision("a", None, keyed),
            "0002_b.py": revision(
                "b",
                "a",
                "    op.execute('INSERT INTO keyed (a) VALUES (1)')\n    op.execute('INSERT INTO plain (a) VALUES (1)')",
            ),
        },
    )
    monkeypatch.chdir(tmp_path)
    payload = json.loads(
        cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG204", "--format", "json"]).stdout
    )
    fixes = [(d["line"], d["fix"]["safe"], d["fix"]["applicability"]) for d in payload["diagnostics"]]
    assert fixes == [(7, True, "safe"), (8, False, "unsafe")]
    assert (payload["summary"]["fixable"], payload["summary"]["unsafe_fixable"]) == (1, 1)
    sarif = json.loads(
        cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG204", "--format", "sarif"]).stdout
    )
    results = sarif["runs"][0]["results"]
    assert [r["fixes"][0]["properties"]["applicability"] for r in results] == ["safe", "unsafe"]


# -- MG201: OR REPLACE may overwrite a newer definition


def test_or_replace_is_unsafe_and_if_not_exists_safe(tmp_path: Path) -> None:
    body = "    op.execute('CREATE TABLE t (a int)')\n    op.execute('CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql')"
    write_project(tmp_path, files={"0001_a.py": revision("a", None, body)})
    assert [(d.fix.description, d.fix.safe) for d in findings(tmp_path, "MG201") if d.fix] == [
        ("insert 'IF NOT EXISTS'", True),
        ("insert 'OR REPLACE'", False),
    ]


# -- MG106 / MG103: a missing parent is never copied into the docstring


def test_a_missing_parent_is_not_copied_into_the_docstring(tmp_path: Path) -> None:
    paths = write_project(
        tmp_path,
        ["a"],
        files={
            "0002_b.py": revision("b", "20251015_gone", "    pass", doc="b\n\nRevision ID: b\nRevises: a\n")
        },
    )
    (found,) = findings(tmp_path, "MG106")
    assert found.help == (
        "`down_revision` names '20251015_gone', which is no revision here (see MG103); "
        "the docstring's 'a' is one: set down_revision = 'a'"
    )
    assert found.fix is not None and not found.fix.safe
    assert found.fix.description == "set down_revision to the docstring's 'a'"
    assert plan_fixes([found]) == []  # --fix alone leaves it
    (plan,) = plan_fixes([found], unsafe=True)
    assert plan.problem is None and "down_revision = 'a'\n" in plan.after and "Revises: a\n" in plan.after
    assert write_fixes([plan]) == [plan]
    assert "down_revision = 'a'\n" in paths["0002_b.py"].read_text()
    assert findings(tmp_path, "MG103", "MG106") == []


def test_the_down_revision_fix_keeps_double_quotes(tmp_path: Path) -> None:
    source = '"""b\n\nRevision ID: b\nRevises: a\n"""\nrevision = "b"\ndown_revision = "gone"\n'
    paths = write_project(tmp_path, ["a"], files={"0002_b.py": source})
    write_fixes(plan_fixes(findings(tmp_path, "MG106"), unsafe=True))
    assert paths["0002_b.py"].read_text() == source.replace('"gone"', '"a"')


def test_no_fix_when_neither_names_a_revision(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        ["a"],
        files={
            "0002_b.py": revision("b", "gone", "    pass", doc="b\n\nRevision ID: b\nRevises: also_gone\n")
        },
    )
    (found,) = findings(tmp_path, "MG106")
    assert (found.fix, found.help) == (
        None,
        "`down_revision` names 'gone', which is no revision here (see MG103)",
    )


def test_with_an_unreadable_revision_the_parent_may_exist(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        ["a"],
        files={
            "0002_b.py": revision("b", "gone", "    pass", doc="b\n\nRevision ID: b\nRevises: a\n"),
            # the error is in the header itself: its revision is not read
            "0003_broken.py": "revision = 'gone'\ndown_revision = ('a'\ndef upgrade():\n    pass\n",
        },
    )
    (found,) = findings(tmp_path, "MG106")
    assert (found.fix, found.help) == (
        None,
        "`down_revision` names 'gone', which no revision miglint could read is",
    )


def test_a_revision_whose_body_does_not_compile_is_still_a_parent(tmp_path: Path) -> None:
    """Its header compiles on its own (a Python 2 print below it): 'gone' is a revision."""
    write_project(
        tmp_path,
        ["a"],
        files={
            "0002_b.py": revision("b", "gone", "    pass", doc="b\n\nRevision ID: b\nRevises: a\n"),
            "0003_broken.py": "revision = 'gone'\ndown_revision = 'a'\ndef upgrade():\n    print 'x'\n",
        },
    )
    (found,) = findings(tmp_path, "MG106")
    assert found.fix is not None and found.fix.edits[0].replacement == "gone"


def test_a_name_bound_down_revision_is_not_replaced(tmp_path: Path) -> None:
    source = (
        '"""b\n\nRevision ID: b\nRevises: a\n"""\nPARENT = "gone"\nrevision = "b"\ndown_revision = PARENT\n'
    )
    paths = write_project(tmp_path, ["a"], files={"0002_b.py": source})
    (found,) = findings(tmp_path, "MG106")
    assert found.fix is not None  # offered; but the text at the span is a name, not the literal
    assert write_fixes(plan_fixes([found], unsafe=True)) == []
    assert paths["0002_b.py"].read_text() == source


def test_mg103_help_points_at_the_docstring(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        ["a"],
        files={"0002_b.py": revision("b", "gone", "    pass", doc="b\n\nRevision ID: b\nRevises: a\n")},
    )
    (found,) = findings(tmp_path, "MG103")
    assert found.help == (
        "point down_revision at an existing revision (`alembic heads` lists them); the docstring says "
        "Revises: a, which exists: `miglint lint --fix --unsafe-fixes` sets down_revision to it (MG106)"
    )


def test_mg103_suggests_the_file_whose_name_ends_with_the_missing_value(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        files={
            "20251015_1200_add_x.py": revision("4f2a9c1b7d3e", None, "    pass"),
            "20251016_0900_add_y.py": revision("9b8c7d6e5f4a", "1200_add_x", "    pass"),
        },
    )
    (found,) = findings(tmp_path, "MG103")
    assert found.help == (
        "did you mean '4f2a9c1b7d3e' (the revision in 20251015_1200_add_x.py, whose name ends with '1200_add_x')?"
    )


# -- fixes follow the file: where a new keyword argument goes


@pytest.mark.parametrize(
    ("call", "fixed"),
    [
        ("    op.create_table('t', sa.Column('id', sa.Integer()))", "    op.create_table('t', sa.Column('id', sa.Integer()), if_not_exists=True)"),
        (
            "    op.create_table(\n        't',\n        sa.Column('id', sa.Integer()),  # the key\n    )",
            "    op.create_table(\n        't',\n        sa.Column('id', sa.Integer()),  # the key\n        if_not_exists=True,\n    )",
        ),
        (
            "    op.create_table(\n        't',\n        sa.Column('id', sa.Integer())\n    )",
            "    op.create_table(\n        't',\n        sa.Column('id', sa.Integer()),\n        if_not_exists=True\n    )",
        ),
        (
            "    op.create_table('t',\n                    sa.Column('id', sa.Integer()))",
            "    op.create_table('t',\n                    sa.Column('id', sa.Integer()), if_not_exists=True)",
        ),
    ],
    ids=["inline", "one-per-line-trailing-comma", "one-per-line-no-trailing-comma", "hanging"],
)  # fmt: skip
def test_keyword_argument_follows_the_call_layout(tmp_path: Path, call: str, fixed: str) -> None:
    paths = write_project(tmp_path, files={"0001_a.py": revision("a", None, call)})
    written = write_fixes(plan_fixes(findings(tmp_path, "MG211"), unsafe=True))
    assert len(written) == 1
    assert paths["0001_a.py"].read_text() == revision("a", None, fixed)


# -- two --fix runs at once


CREATE = revision("a", None, "    op.execute('CREATE TABLE t (a int)')")
CREATED = revision("a", None, "    op.execute('CREATE TABLE IF NOT EXISTS t (a int)')")


def test_a_file_changed_after_it_was_linted_is_not_edited(tmp_path: Path) -> None:
    path = write_project(tmp_path, files={"0001_a.py": CREATE})["0001_a.py"]
    digests: dict[str, str] = {}
    reports = lint_paths(
        [str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG201"]), digests=digests
    )
    path.write_text(CREATED)  # another --fix got there first
    (plan,) = plan_fixes([d for r in reports for d in r.diagnostics], digests=digests)
    assert plan.problem == CHANGED
    assert write_fixes([plan]) == []
    assert path.read_text() == CREATED  # one IF NOT EXISTS, not two


def test_a_file_changed_between_planning_and_writing_is_not_replaced(tmp_path: Path) -> None:
    path = write_project(tmp_path, files={"0001_a.py": CREATE})["0001_a.py"]
    plans = plan_fixes(findings(tmp_path, "MG201"))
    path.write_text(CREATED)
    skipped: list = []
    assert write_fixes(plans, skipped) == []
    assert [s.problem for s in skipped] == [CHANGED]
    assert path.read_text() == CREATED
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_two_fix_runs_at_once_apply_each_fix_once(tmp_path: Path) -> None:
    paths = write_project(
        tmp_path,
        files={
            f"000{i}_r{i}.py": revision(
                f"r{i}", f"r{i - 1}" if i else None, f"    op.execute('CREATE TABLE t{i} (a int)')"
            )
            for i in range(4)
        },
    )
    command = [sys.executable, "-m", "miglint", "lint", "--no-cache", "--select", "MG201", "--fix"]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    for path in paths.values():
        text = path.read_text()
        assert text.count("IF NOT EXISTS") == 1, text
    assert sorted(err.decode() for _, err in outputs) == ["", "Fixed 4 findings in 4 files.\n"]


def test_a_temporary_file_left_by_a_killed_run_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_project(tmp_path, files={"0001_a.py": CREATE})["0001_a.py"]
    stale = path.parent / ".0001_a.py.k3j4h5g6.tmp"
    stale.write_text(CREATED[:20])  # killed halfway through writing
    unrelated = path.parent / ".0001_a.py.notes.tmp"
    unrelated.write_text("mine")
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG201", "--fix"])
    assert (result.exit_code, result.stderr) == (0, "Fixed 1 finding in 1 file.\n")
    assert not stale.exists() and unrelated.exists()
    assert path.read_text() == CREATED


def test_an_old_temporary_file_is_removed_even_without_the_lock(tmp_path: Path) -> None:
    from miglint.atomic import remove_stale_temporaries

    path = write_project(tmp_path, files={"0001_a.py": CREATE})["0001_a.py"]
    young, old = path.parent / ".0001_a.py.aaaaaaaa.tmp", path.parent / ".0001_a.py.bbbbbbbb.tmp"
    young.write_text("x")
    old.write_text("x")
    os.utime(old, (1, 1))
    assert remove_stale_temporaries(path) == 1
    assert young.exists() and not old.exists()


def test_a_statement_ending_with_a_bind_is_fixed_after_the_bind(tmp_path: Path) -> None:
    body = (
        "    op.get_bind().execute(sa.text('INSERT INTO t (a) SELECT a FROM s WHERE id = :source_id'), "
        "{'source_id': 1})"
    )
    table = "    op.create_table('t', sa.Column('a', sa.Integer(), primary_key=True))"
    paths = write_project(
        tmp_path, files={"0001_a.py": revision("a", None, table), "0002_b.py": revision("b", "a", body)}
    )
    (found,) = findings(tmp_path, "MG204")
    assert (found.span.end_line, found.span.end_column) == (7, 90)  # the end of `:source_id`
    assert write_fixes(plan_fixes([found]))
    assert "WHERE id = :source_id ON CONFLICT DO NOTHING')" in paths["0002_b.py"].read_text()
    assert findings(tmp_path, "MG204", "MG209") == []


def test_every_fixable_rule_says_which_of_its_fixes_are_safe() -> None:
    from miglint.rule import all_rules

    fixable = {code for code, rule in all_rules().items() if rule.fixable}
    documented = {code for code, rule in all_rules().items() if "## Fix safety" in rule.docs()}
    safe_documented = {"MG106", "MG120", "MG201", "MG202", "MG203", "MG204", "MG211", "MG212", "MG301"}
    assert fixable == documented == safe_documented | {"MG401", "MG402", "MG403"}


@pytest.mark.parametrize(
    ("rename", "safe"),
    [
        ("    op.rename_table('warehouse_admin_flag', 'admin_flags')", True),
        ("    op.execute('ALTER TABLE warehouse_admin_flag RENAME TO admin_flags')", True),
        ("    op.rename_table('other', 'admin_flags')", False),
        ("    pass\n\n\ndef downgrade():\n    op.rename_table('warehouse_admin_flag', 'admin_flags')", False),
    ],
    ids=["op-rename", "sql-rename", "another-table", "in-downgrade"],
)  # fmt: skip
def test_keys_follow_a_renamed_table(tmp_path: Path, rename: str, safe: bool) -> None:
    table = "    op.create_table('warehouse_admin_flag', sa.Column('id', sa.Text(), primary_key=True))"
    write_project(
        tmp_path,
        files={
            "0001_a.py": revision("a", None, table),
            "0002_b.py": revision("b", "a", rename),
            "0003_c.py": revision(
                "c", "b", "    op.execute(\"INSERT INTO admin_flags (id) VALUES ('read-only')\")"
            ),
        },
    )
    (found,) = findings(tmp_path, "MG204")
    assert found.fix is not None and found.fix.safe is safe


def test_a_python2_body_leaves_the_chain_whole(tmp_path: Path) -> None:
    """nylas: 26 revisions with Python 2 prints dropped out of the graph: every child got a
    missing parent (MG103) and a head of its own. Now only the files themselves are reported."""
    write_project(
        tmp_path,
        ["a"],
        files={
            "0002_b.py": "revision = 'b'\ndown_revision = 'a'\n\n\ndef upgrade():\n    print 'b'\n",
            "0003_c.py": "revision = 'c'\ndown_revision = 'b'\n\n\ndef upgrade():\n    pass\n",
        },
    )
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False))
    found = [(d.code, Path(d.path).name, d.span.line) for r in reports for d in r.diagnostics]
    assert found == [("MG001", "0002_b.py", 6)]
    assert (reports[0].revisions, reports[0].heads, reports[0].bases) == (3, ("c",), ("a",))


def test_no_postgresql_fix_in_a_history_that_never_runs_on_postgresql(tmp_path: Path) -> None:
    """nylas: read as PostgreSQL's (the default dialect), MG202 offered `ADD COLUMN IF NOT
    EXISTS`, which MySQL 8 refuses; one revision's MODIFY COLUMN says the history is MySQL's."""
    plain = "revision = '{rev}'\ndown_revision = {down!r}\n\nfrom alembic import op\n\n\ndef upgrade():\n    op.execute({sql!r})\n"
    files = {
        "0001_a.py": plain.format(
            rev="a", down=None, sql="ALTER TABLE thread ADD COLUMN subject VARCHAR(255)"
        ),
        "0002_b.py": plain.format(
            rev="b", down="a", sql="ALTER TABLE thread MODIFY COLUMN subject VARCHAR(191)"
        ),
    }
    write_project(tmp_path, files=files)
    (found,) = findings(tmp_path, "MG202")
    assert (Path(found.path).name, found.span.line, found.fix) == ("0001_a.py", 8, None)
    write_project(tmp_path, files={"0002_b.py": plain.format(rev="b", down="a", sql="SELECT 1")})
    (found,) = findings(tmp_path, "MG202")
    assert found.fix is not None  # a history PostgreSQL runs: the fix is offered


def test_the_fix_is_withheld_when_another_revision_shows_the_history_is_mysqls(tmp_path: Path) -> None:
    """The cached findings of the first file (lint/memo.py) depend on the others here."""
    plain = "revision = '{rev}'\ndown_revision = {down!r}\n\nfrom alembic import op\n\n\ndef upgrade():\n    op.execute({sql!r})\n"
    project = tmp_path / "project"
    write_project(
        project, files={"0001_a.py": plain.format(rev="a", down=None, sql="ALTER TABLE t ADD COLUMN c int")}
    )
    options = Options(select=["MG202"], cache_dir=tmp_path / "cache")

    def fixes() -> list[bool]:
        return [
            d.fix is not None for r in lint_paths([str(project)], project, options) for d in r.diagnostics
        ]

    assert fixes() == [True]
    write_project(
        project,
        files={"0002_b.py": plain.format(rev="b", down="a", sql="ALTER TABLE t MODIFY COLUMN c bigint")},
    )
    assert fixes() == [False]
