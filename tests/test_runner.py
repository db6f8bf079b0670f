"""Runner code that stamps (MG301): the incident's shape, the fixed one, and the others seen in practice."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import script_directory_without_versions, write_project
from miglint.cli import main
from miglint.model import Diagnostic
from miglint.pipeline import Options, lint_paths

SEED_SHAPE = """
import subprocess

BASELINE_REVISION = "a"

async def run_migrations():
    table_count = await count_tables(conn)
    has_alembic_version = await alembic_version_exists(conn)
    if table_count == 0:
        await apply_sql_file(conn, "00_init.sql")
        subprocess.run(["alembic", "stamp", BASELINE_REVISION], check=True)
        subprocess.run(["alembic", "upgrade", "head"], check=True)
        return 0
    if table_count > 0 and not has_alembic_version:
        if table_count < 30:
            stamp_revision = "head"  # v1.0.6 had full schema for its time
        elif table_count < 60:
            stamp_revision = BASELINE_REVISION
        else:
            stamp_revision = "b"
        subprocess.run(["alembic", "stamp", stamp_revision], check=True)
        subprocess.run(["alembic", "upgrade", "head"], check=True)
"""


def lint_runner(tmp_path: Path, runner: str, baseline: str | None = "a") -> list[Diagnostic]:
    settings = f'[tool.miglint]\nbaseline = "{baseline}"\n' if baseline else "[tool.miglint]\n"
    (tmp_path / "pyproject.toml").write_text(settings)
    write_project(
        tmp_path,
        ["a", "b<-a", "c<-b"],
        files={
            "0009_d.py": "revision = 'd'\ndown_revision = 'c'\ndef upgrade():\n    op.execute(\"CREATE TABLE IF NOT EXISTS t (id int)\")\n"
        },
    )
    scripts = tmp_path / "scripts"
    scripts.mkdir(exist_ok=True)
    (scripts / "run_migrations.py").write_text(textwrap.dedent(runner))
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG301"]))
    return [d for r in reports for d in r.diagnostics]


def test_the_incident_shape_is_reported_with_lines_and_skipped_revisions(tmp_path: Path) -> None:
    (found,) = lint_runner(tmp_path, SEED_SHAPE)
    assert (Path(found.path).name, found.span.line, found.span.column) == ("run_migrations.py", 16, 29)
    assert found.message == (
        "stamps 'head' (line 21) where the database has tables but no Alembic version "
        "(line 14: `table_count > 0 and (not has_alembic_version)`): 3 revisions after a would be "
        "marked applied without running, 1 creating tables (d)"
    )
    assert found.revisions == ("a",)
    assert found.fix is not None and found.fix.safe  # [tool.miglint] baseline names it
    assert (found.fix.edits[0].replacement, found.fix.edits[0].literal) == ("a", True)


def test_the_fixed_shape_is_clean(tmp_path: Path) -> None:
    assert (
        lint_runner(
            tmp_path, SEED_SHAPE.replace('stamp_revision = "head"', "stamp_revision = BASELINE_REVISION")
        )
        == []
    )


@pytest.mark.parametrize(
    "runner",
    [
        # alembic.command.stamp inside "'alembic_version' not in tables"
        """
        from alembic import command
        def migrate(cfg, inspector):
            tables = inspector.get_table_names()
            if tables and 'alembic_version' not in tables:
                command.stamp(cfg, "head")
        """,
        # an imported, aliased stamp and the else of a fresh-database test
        """
        from alembic.command import stamp as alembic_stamp
        def migrate(cfg, inspector):
            if not inspector.get_table_names():
                create_schema()
            else:
                alembic_stamp(cfg, revision="heads")
        """,
        # a shell string through subprocess and os.system
        """
        import os, subprocess
        def migrate(engine):
            if engine.dialect.has_table(engine.connect(), "users"):
                os.system("alembic -c alembic.ini stamp head")
        """,
    ],
    ids=["command-stamp", "aliased-else-branch", "os-system-shell"],
)
def test_stamping_head_on_a_legacy_path_is_reported(tmp_path: Path, runner: str) -> None:
    assert [d.code for d in lint_runner(tmp_path, runner)] == ["MG301"]


@pytest.mark.parametrize(
    "runner",
    [
        # the documented fresh-database pattern
        """
        from alembic import command
        def init_db(cfg, engine, inspector):
            if not inspector.get_table_names():
                Base.metadata.create_all(engine)
                command.stamp(cfg, "head")
        """,
        # create_all then stamp head, with no table test at all
        """
        from alembic import command
        def init_db(cfg, engine):
            Base.metadata.create_all(engine)
            command.stamp(cfg, "head")
        """,
        # stamping the baseline on the legacy path, then upgrading
        """
        import subprocess
        def migrate(table_count):
            if table_count > 0:
                subprocess.run(["alembic", "stamp", "a"], check=True)
                subprocess.run(["alembic", "upgrade", "head"], check=True)
        """,
    ],
    ids=["create-all-fresh", "create-all-only", "stamp-baseline"],
)
def test_correct_patterns_are_not_reported(tmp_path: Path, runner: str) -> None:
    assert lint_runner(tmp_path, runner) == []


def test_fix_writes_the_baseline_in_place_of_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lint_runner(tmp_path, SEED_SHAPE)
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG301", "--fix"])
    assert result.exit_code == 0 and result.stderr == "Fixed 1 finding in 1 file.\n"
    text = (tmp_path / "scripts" / "run_migrations.py").read_text()
    # the literal keeps its double quotes
    assert '            stamp_revision = "a"  # v1.0.6 had full schema for its time\n' in text


def test_fix_follows_the_quotes_of_each_literal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = SEED_SHAPE.replace('stamp_revision = "head"', "stamp_revision = 'head'")
    lint_runner(tmp_path, runner)
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG301", "--fix"])
    assert result.exit_code == 0 and result.stderr == "Fixed 1 finding in 1 file.\n"
    text = (tmp_path / "scripts" / "run_migrations.py").read_text()
    assert "            stamp_revision = 'a'  # v1.0.6 had full schema for its time\n" in text


def test_without_a_configured_baseline_the_fix_is_unsafe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (found,) = lint_runner(tmp_path, SEED_SHAPE, baseline=None)
    assert found.fix is not None and not found.fix.safe  # the single base is a guess
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG301", "--fix"])
    assert result.exit_code == 1 and result.stderr == ""
    assert result.stdout.endswith("1 fixable with --fix --unsafe-fixes (none with --fix alone).\n")
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG301", "--fix", "--unsafe-fixes"])
    assert result.exit_code == 0 and result.stderr == "Fixed 1 finding in 1 file.\n"
    assert 'stamp_revision = "a"' in (tmp_path / "scripts" / "run_migrations.py").read_text()


def test_without_a_baseline_the_single_base_is_used(tmp_path: Path) -> None:
    (found,) = lint_runner(tmp_path, SEED_SHAPE, baseline=None)
    assert found.revisions == ("a",) and "3 revisions after a" in found.message


def lint_codes(
    tmp_path: Path, runner: str, *codes: str, history: tuple[str, ...] = ("a", "b<-a", "c<-b")
) -> list[Diagnostic]:
    (tmp_path / "pyproject.toml").write_text(f'[tool.miglint]\nbaseline = "{history[0]}"\n')
    write_project(tmp_path, history)
    scripts = tmp_path / "scripts"
    scripts.mkdir(exist_ok=True)
    (scripts / "run_migrations.py").write_text(textwrap.dedent(runner))
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=list(codes)))
    return [d for r in reports for d in r.diagnostics]


QUICKSTART_BEFORE_THE_FIX = """
import subprocess
BASELINE_REVISION = "a"
def run(table_count):
    if table_count == 0:
        apply_sql("00_init.sql")
        subprocess.run(["alembic", "stamp", BASELINE_REVISION], check=True)
        return 0
    subprocess.run(["alembic", "upgrade", "head"], check=True)
"""


def test_stamp_then_return_without_upgrade_is_mg302(tmp_path: Path) -> None:
    (found,) = lint_codes(tmp_path, QUICKSTART_BEFORE_THE_FIX, "MG302")
    assert (found.span.line, found.span.column) == (7, 8)
    assert found.message == (
        "stamps 'a' and then returns at line 8 without running `alembic upgrade`: "
        "the revisions after it stay missing until something else upgrades"
    )


def test_stamp_then_upgrade_is_not_mg302(tmp_path: Path) -> None:
    fixed = QUICKSTART_BEFORE_THE_FIX.replace(
        "        return 0\n",
        '        subprocess.run(["alembic", "upgrade", "head"], check=True)\n        return 0\n',
    )
    assert lint_codes(tmp_path, fixed, "MG302") == []


def test_stamp_at_the_end_of_a_function_is_mg302(tmp_path: Path) -> None:
    runner = """
    from alembic import command
    def adopt(cfg):
        command.stamp(cfg, "b")
    """
    (found,) = lint_codes(tmp_path, runner, "MG302")
    assert "and then the function ends without running" in found.message


def test_stamp_base_after_dropping_every_table_is_not_mg302(tmp_path: Path) -> None:
    # zou's clear_db and reset_migrations: `stamp base` deletes the version row, skips nothing
    runner = """
    from alembic import command
    from alembic.config import Config
    def clear_db(engine, metadata):
        metadata.drop_all(engine)
        command.stamp(Config("alembic.ini"), "base")
    def reset_migrations():
        command.stamp(Config("alembic.ini"), "base")
        command.stamp(Config("alembic.ini"), "b")
    """
    (found,) = lint_codes(tmp_path, runner, "MG302")
    assert (found.span.line, found.message.split(" and then")[0]) == (9, "stamps 'b'")


def test_unknown_stamp_target_is_mg303_with_a_suggestion(tmp_path: Path) -> None:
    runner = """
    import subprocess
    def run():
        subprocess.run(["alembic", "stamp", "20251011_baseline_v160"], check=True)
        subprocess.run(["alembic", "-c", "alembic.ini", "upgrade", "head"], check=True)
    """
    history = ("20251011_baseline_v106", "9c23e4e81011<-20251011_baseline_v106")
    (found,) = lint_codes(tmp_path, runner, "MG303", history=history)
    assert (found.span.line, found.revisions) == (4, ("20251011_baseline_v160",))
    assert found.message == (
        "`alembic stamp` target '20251011_baseline_v160' is not a revision, prefix or branch label of this history"
    )
    assert found.help == "did you mean '20251011_baseline_v106' (the closest revision id)?"


def test_a_revision_no_version_location_covers_is_not_mg303(tmp_path: Path) -> None:
    """Version locations set in code (lsst's daf_butler_migrate): the revision a runner
    stamps is in a directory MG004 names, which miglint does not read - not unknown."""
    script_directory_without_versions(tmp_path)
    (tmp_path / "migrations" / "core").mkdir()
    (tmp_path / "migrations" / "core" / "aaa111.py").write_text(
        "revision = 'aaa111'\ndown_revision = None\nbranch_labels = ('core',)\n"
    )
    (tmp_path / "bootstrap.py").write_text(
        "from alembic import command\n\n\ndef main(cfg):\n"
        "    command.stamp(cfg, 'aaa111')\n    command.stamp(cfg, 'aaa')\n"
        "    command.stamp(cfg, 'core')\n    command.stamp(cfg, 'zzz999')\n    command.upgrade(cfg, 'heads')\n"
    )
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG004", "MG303"]))
    found = sorted((d.code, Path(d.path).name, d.span.line) for r in reports for d in r.diagnostics)
    assert found == [("MG004", "aaa111.py", 1), ("MG303", "bootstrap.py", 8)]


def test_known_targets_are_not_mg303(tmp_path: Path) -> None:
    runner = """
    import subprocess
    from alembic import command
    def run(cfg):
        subprocess.run(["alembic", "stamp", "a"], check=True)
        command.upgrade(cfg, "heads")
        command.upgrade(cfg, "+1")
    """
    assert lint_codes(tmp_path, runner, "MG303") == []


def test_a_shell_string_stamp_gets_no_fix(tmp_path: Path) -> None:
    runner = """
    import os
    def migrate(inspector):
        if 'alembic_version' not in inspector.get_table_names():
            os.system("alembic stamp head")
    """
    (found,) = lint_codes(tmp_path, runner, "MG301")
    assert found.fix is None  # its span is the whole command string


ENTRYPOINT = """#!/bin/sh
set -e
TABLES=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
HAS_VERSION=$(psql "$DATABASE_URL" -tAc "SELECT to_regclass('public.alembic_version') IS NOT NULL")
if [ "$TABLES" -eq 0 ]; then
    psql "$DATABASE_URL" -f /app/sql/00_init.sql
    alembic stamp a
    alembic upgrade head
elif [ "$HAS_VERSION" = "f" ]; then
    echo "legacy database without alembic_version: adopting it"
    alembic -c /app/alembic.ini stamp head
fi
exec "$@"
"""


def lint_entrypoint(tmp_path: Path, text: str, *codes: str) -> list[Diagnostic]:
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\n')
    write_project(tmp_path, ["a", "b<-a", "c<-b"])
    (tmp_path / "docker-entrypoint.sh").write_text(text)
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=list(codes)))
    return [d for r in reports for d in r.diagnostics]


def test_docker_entrypoint_stamping_head_after_a_table_check(tmp_path: Path) -> None:
    (found,) = lint_entrypoint(tmp_path, ENTRYPOINT, "MG301", "MG302", "MG303")
    assert (found.code, Path(found.path).name, found.span.line, found.span.column) == (
        "MG301", "docker-entrypoint.sh", 11, 38,
    )  # fmt: skip
    assert found.message.startswith(
        "stamps 'head' where the database has tables but no Alembic version "
        '(line 9: `[ "$HAS_VERSION" = "f" ]`): 2 revisions after a would be marked applied without running'
    )
    fixed = ENTRYPOINT.replace("stamp head", "stamp a\n    alembic upgrade head")
    assert lint_entrypoint(tmp_path, fixed, "MG301", "MG302", "MG303") == []


def test_fix_in_a_shell_script_writes_a_bare_word(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lint_entrypoint(tmp_path, ENTRYPOINT, "MG301")
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG301", "--fix"])
    assert result.exit_code == 0 and result.stderr == "Fixed 1 finding in 1 file.\n"
    fixed = (tmp_path / "docker-entrypoint.sh").read_text()
    assert fixed == ENTRYPOINT.replace("alembic.ini stamp head", "alembic.ini stamp a")


def test_shell_stamp_then_exit_is_mg302(tmp_path: Path) -> None:
    text = "#!/bin/sh\nalembic stamp a\nexit 0\nalembic upgrade head\n"
    (found,) = lint_entrypoint(tmp_path, text, "MG302")
    assert found.message.startswith("stamps 'a' and then exits at line 3 without running `alembic upgrade`")


@pytest.mark.parametrize(
    ("runner", "expected"),
    [
        (
            """
            from flask_migrate import stamp
            def init(tables):
                if 'alembic_version' not in tables:
                    stamp()
            """,
            # a test of the version alone: an empty database passes it too
            "stamps 'head' (flask_migrate.stamp's default revision) where the database has no Alembic version",
        ),
        (
            """
            import flask_migrate
            def init(tables):
                if 'alembic_version' not in tables:
                    flask_migrate.stamp(revision='heads')
            """,
            "stamps 'heads' where the database has no Alembic version",
        ),
        (
            """
            import subprocess
            def stamp_database(revision="head"):
                subprocess.run(["alembic", "stamp", revision], check=True)
            def migrate(inspector):
                if inspector.get_table_names() and not inspector.has_table("alembic_version"):
                    stamp_database()
            """,
            "stamps 'head' (line 7) where the database has tables",
        ),
        (
            """
            def migrate(conn, tables):
                if tables and 'alembic_version' not in tables:
                    conn.execute("INSERT INTO alembic_version (version_num) VALUES ('heads')")
            """,
            "stamps 'heads' where the database has tables",
        ),
    ],
    ids=["flask-implicit-head", "flask-module-heads", "wrapper-default-head", "version-row-sql"],
)
def test_other_stamp_shapes(tmp_path: Path, runner: str, expected: str) -> None:
    (found,) = lint_codes(tmp_path, runner, "MG301")
    assert found.message.startswith(expected), found.message


def test_wrapper_default_is_fixed_at_the_default(tmp_path: Path) -> None:
    runner = """
    import subprocess
    def stamp_database(revision="head"):
        subprocess.run(["alembic", "stamp", revision], check=True)
    def migrate(table_count):
        if table_count > 0:
            stamp_database()
    """
    (found,) = lint_codes(tmp_path, runner, "MG301")
    assert found.fix is not None and (found.span.line, found.span.column) == (3, 28)


def test_runners_are_the_files_git_knows(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    from miglint.reading.discover import discover
    from miglint.reading.runnerfiles import find_runners

    write_project(tmp_path, ["a"])
    runner = "import subprocess\nsubprocess.run(['alembic', 'stamp', 'head'])\n"
    (tmp_path / "deploy.py").write_text(runner)
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "copy.py").write_text(runner)
    (tmp_path / ".gitignore").write_text("generated/\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert [p.name for p in find_runners(discover([str(tmp_path)], tmp_path))] == ["deploy.py"]


@pytest.mark.parametrize(
    ("runner", "codes"),
    [
        (
            """
            import subprocess
            LABEL = "core"
            def migrate(tables):
                if tables and 'alembic_version' not in tables:
                    subprocess.run(["alembic", "stamp", f"{LABEL}@head"], check=True)
            """,
            ["MG301", "MG303"],  # label@head is a head; and this history has no branch "core"
        ),
        (
            """
            import subprocess
            BASE = "a"
            def migrate(tables):
                if tables and 'alembic_version' not in tables:
                    subprocess.run(["alembic", "stamp", f"{BASE}"], check=True)
                    subprocess.run("alembic upgrade head", shell=True, check=True)
            """,
            [],
        ),
    ],
    ids=["fstring-label-head", "fstring-baseline"],
)
def test_fstring_targets_are_resolved(tmp_path: Path, runner: str, codes: list) -> None:
    assert [d.code for d in lint_codes(tmp_path, runner, "MG301", "MG302", "MG303")] == codes


def test_fstring_shell_command(tmp_path: Path) -> None:
    runner = """
    import subprocess
    REV = "head"
    def migrate(tables):
        if tables and 'alembic_version' not in tables:
            subprocess.run(f"alembic -c alembic.ini stamp {REV}", shell=True, check=True)
    """
    (found,) = lint_codes(tmp_path, runner, "MG301")
    assert found.message.startswith("stamps 'head' where the database has tables")
    assert (found.span.line, found.fix) == (6, None)  # reported at the f-string, which is never rewritten


def test_each_runner_is_checked_against_the_environment_beside_it(tmp_path: Path) -> None:
    runner = "import subprocess\nsubprocess.run(['alembic', 'stamp', '{rev}'])\nsubprocess.run(['alembic', 'upgrade', 'head'])\n"
    for name, history in (("alpha", ["a1", "a2<-a1"]), ("beta", ["b1", "b2<-b1"])):
        write_project(tmp_path / name, history)
        (tmp_path / name / "deploy.py").write_text(runner.format(rev=history[0]))
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG303"]))
    assert [d for r in reports for d in r.diagnostics] == []  # a1 and b1 each exist beside their runner


def test_one_constant_used_by_several_stamps_is_reported_once(tmp_path: Path) -> None:
    runner = """
    import subprocess
    REV = "nope_nope_nope"
    def a():
        subprocess.run(["alembic", "stamp", REV])
        subprocess.run(["alembic", "upgrade", "head"])
    def b():
        subprocess.run(["alembic", "stamp", REV])
        subprocess.run(["alembic", "upgrade", "head"])
    """
    assert [(d.code, d.span.line) for d in lint_codes(tmp_path, runner, "MG303")] == [("MG303", 3)]


# -- runner facts are cached by content --------------------------------------------------


def _lint_with_cache(tmp_path: Path) -> list[tuple[str, int, str]]:
    reports = lint_paths([str(tmp_path)], tmp_path, Options(cache_dir=tmp_path / "cache", select=["MG301"]))
    return [(d.code, d.span.line, Path(d.path).name) for r in reports for d in r.diagnostics]


def test_unchanged_runners_are_not_read_again_when_a_version_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from miglint import pipeline

    lint_runner(tmp_path, SEED_SHAPE)
    first = _lint_with_cache(tmp_path)
    assert first == [("MG301", 16, "run_migrations.py")]
    read: list[list[str]] = []
    real = pipeline.read_runner_facts
    monkeypatch.setattr(
        pipeline, "read_runner_facts", lambda paths: read.append([p.name for p in paths]) or real(paths)
    )
    version = tmp_path / "migrations" / "versions" / "0009_d.py"
    version.write_text(version.read_text() + "# changed\n")
    assert _lint_with_cache(tmp_path) == first  # the same finding, from the cached facts
    assert read == []
    runner = tmp_path / "scripts" / "run_migrations.py"
    runner.write_text(runner.read_text().replace('stamp_revision = "head"', 'stamp_revision = "a"'))
    assert _lint_with_cache(tmp_path) == []  # a changed runner is read again
    assert read == [["run_migrations.py"]]


def test_cached_runner_facts_name_the_path_they_are_found_at(tmp_path: Path) -> None:
    lint_runner(tmp_path, SEED_SHAPE)
    assert _lint_with_cache(tmp_path) == [("MG301", 16, "run_migrations.py")]
    (tmp_path / "scripts" / "run_migrations.py").rename(tmp_path / "scripts" / "migrate.py")
    assert _lint_with_cache(tmp_path) == [("MG301", 16, "migrate.py")]


def test_a_damaged_runner_cache_is_read_as_nothing(tmp_path: Path) -> None:
    import pickle

    lint_runner(tmp_path, SEED_SHAPE)
    first = _lint_with_cache(tmp_path)
    (stored,) = (tmp_path / "cache").glob("runners-*.pickle")
    header = pickle.loads(stored.read_bytes())
    header["value"] = {key: ("not", "facts", "at all") for key in header["value"]}
    stored.write_bytes(pickle.dumps(header))
    version = tmp_path / "migrations" / "versions" / "0009_d.py"
    version.write_text(version.read_text() + "# changed\n")  # so that the results are not replayed
    assert _lint_with_cache(tmp_path) == first


FRESH_INSTALL_BY_HAND = """
import subprocess
from sqlalchemy import inspect, text
def head_revision():
    return subprocess.check_output(["alembic", "heads"]).decode().split()[0]
def init(engine, session, metadata):
    db_exists = len(inspect(engine).get_table_names()) > 0
    metadata.create_all(bind=engine)
    if not db_exists:
        rev = head_revision()
        session.execute(text("INSERT INTO alembic_version (version_num) VALUES ('{}');".format(rev)))
        session.commit()
"""


def test_a_version_row_filled_in_by_format_is_a_revision_miglint_cannot_name(tmp_path: Path) -> None:
    # nbgrader's fresh install: create_all, then the head from `alembic heads` written by hand
    assert lint_codes(tmp_path, FRESH_INSTALL_BY_HAND, "MG301", "MG302", "MG303") == []
    result = cli_runner().invoke(main, ["scenarios", "--no-cache", "--format", "json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = [row for row in json.loads(result.stdout) if row["where"]]
    assert [(row["where"], row["stamp"], row["problem"]) for row in rows] == [
        (
            "scripts/run_migrations.py:11",
            "(computed)",
            "the revision is computed at run time; miglint cannot tell which",
        )
    ]


@pytest.mark.parametrize(
    ("write", "stamped"),
    [
        ("\"INSERT INTO alembic_version VALUES ('{}')\".format(REV)", "b"),
        ("\"INSERT INTO alembic_version VALUES ('{0}')\".format(REV)", "b"),
        ("\"/* {} */ INSERT INTO alembic_version VALUES ('{}')\".format('adopt', REV)", "b"),
        ("\"INSERT INTO alembic_version VALUES ('{rev}')\".format(rev=REV)", "b"),
        ("\"INSERT INTO alembic_version VALUES ('%s')\" % REV", "b"),
        ("\"INSERT INTO alembic_version VALUES ('%s')\" % (REV,)", "b"),
        ("\"INSERT INTO alembic_version VALUES ('%(rev)s')\" % {'rev': REV}", "b"),
        ("f\"INSERT INTO alembic_version VALUES ('{REV}')\"", "b"),
        ("f\"INSERT INTO alembic_version VALUES ('{REV}_x')\"", "b_x"),
    ],
    ids=["format", "format-index", "format-second", "format-keyword", "percent", "percent-tuple",
         "percent-keyword", "fstring", "fstring-part"],
)  # fmt: skip
def test_a_version_row_filled_in_is_the_value_that_fills_it(tmp_path: Path, write: str, stamped: str) -> None:
    runner = f"""
    REV = "b"
    def adopt(conn):
        conn.execute({write})
    """
    (found,) = lint_codes(tmp_path, runner, "MG302")
    assert (found.span.line, found.message.split(" and then")[0]) == (4, f"stamps {stamped!r}")


def test_a_version_row_filled_in_with_head_on_a_legacy_path_is_mg301(tmp_path: Path) -> None:
    runner = """
    def migrate(conn, tables, rev="head"):
        if tables and 'alembic_version' not in tables:
            conn.execute("INSERT INTO alembic_version VALUES ('%s')" % "head")
            conn.execute("INSERT INTO alembic_version VALUES ('{}')".format(rev))
    """
    found = lint_codes(tmp_path, runner, "MG301")
    assert [(d.span.line, d.message.split(" where")[0], d.fix) for d in found] == [(4, "stamps 'head'", None)]


@pytest.mark.parametrize(
    "write",
    [
        "\"INSERT INTO alembic_version VALUES ('{}')\".format(*revisions)",
        "\"INSERT INTO alembic_version VALUES ('{}-{}')\".format(REV, REV)",
        "\"INSERT INTO alembic_version VALUES ('%s')\" % revisions",
        "\"INSERT INTO alembic_version VALUES ('{}')\"",
        "f\"INSERT INTO alembic_version VALUES ('{revisions[0]}')\"",
    ],
    ids=["spread", "two-placeholders", "percent-computed", "unfilled", "fstring-computed"],
)
def test_a_version_row_miglint_cannot_fill_in_is_not_its_placeholder(tmp_path: Path, write: str) -> None:
    runner = f"""
    REV = "b"
    def adopt(conn, revisions):
        conn.execute({write})
    """
    assert lint_codes(tmp_path, runner, "MG301", "MG302", "MG303") == []
