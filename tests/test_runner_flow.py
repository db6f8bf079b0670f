"""Runner analysis by data flow: tests are classified by what their names query, Alembic's
API is found through every import shape, and a stamp in a helper is on the path of its callers."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from histories import write_project
from miglint.model import Diagnostic
from miglint.pipeline import Options, lint_paths
from miglint.runners.flow import DbFacts, Flow
from miglint.runners.python import _functions, analyze_runner

RUNNER_CODES = ("MG301", "MG302", "MG303")


def lint(tmp_path: Path, runner: str, *codes: str, name: str = "run_migrations.py") -> list[Diagnostic]:
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\n')
    write_project(tmp_path, ["a", "b<-a", "c<-b"])
    scripts = tmp_path / "scripts"
    scripts.mkdir(exist_ok=True)
    (scripts / name).write_text(textwrap.dedent(runner).lstrip("\n"))
    reports = lint_paths(
        [str(tmp_path)], tmp_path, Options(use_cache=False, select=list(codes or RUNNER_CODES))
    )
    return [d for r in reports for d in r.diagnostics]


def found(diagnostics: list[Diagnostic]) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(d.code, d.span.line, d.revisions) for d in diagnostics]


# -- what a test says about the database, followed through names --------------------------

COUNT = "n = conn.execute(text(\"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'\")).scalar()"
REGCLASS = "versioned = conn.execute(\"select to_regclass('alembic_version')\").scalar() is not None"
REVISION = "rev = MigrationContext.configure(conn).get_current_revision()"
NAMES = "tables = set(inspect(engine).get_table_names())"
EXISTS = "any_table = conn.execute(\"select exists (select 1 from information_schema.tables where table_schema = 'public')\").scalar()"
SQLITE = "names = [r[0] for r in conn.execute(\"SELECT name FROM sqlite_master WHERE type='table'\")]"


@pytest.mark.parametrize(
    ("setup", "test", "when_true", "when_false"),
    [
        (COUNT, "n > 0", DbFacts(tables=True), DbFacts(tables=False)),
        (COUNT, "n == 0", DbFacts(tables=False), DbFacts(tables=True)),
        (COUNT, "0 < n", DbFacts(tables=True), DbFacts(tables=False)),
        (COUNT, "n < 30", DbFacts(), DbFacts(tables=True)),  # the else of `< 30` is "30 or more"
        (COUNT, "n", DbFacts(tables=True), DbFacts(tables=False)),
        (REGCLASS, "not versioned", DbFacts(versioned=False), DbFacts(versioned=True)),
        (f"{COUNT}\n{REGCLASS}", "n > 0 and not versioned", DbFacts(True, False), DbFacts()),
        (f"{COUNT}\n{REGCLASS}", "n == 0 or versioned", DbFacts(), DbFacts(True, False)),
        (REVISION, "rev is None", DbFacts(versioned=False), DbFacts(versioned=True)),
        (NAMES, "'alembic_version' not in tables", DbFacts(versioned=False), DbFacts(versioned=True)),
        (NAMES, "'users' in tables", DbFacts(tables=True), DbFacts()),  # one table missing: no news
        (NAMES, "len(tables) >= 1", DbFacts(tables=True), DbFacts(tables=False)),
        (NAMES, "tables == []", DbFacts(tables=False), DbFacts(tables=True)),
        (EXISTS, "any_table", DbFacts(tables=True), DbFacts(tables=False)),
        (SQLITE, "not names", DbFacts(), DbFacts()),  # a comprehension is not followed
        (
            "names = conn.execute(\"SELECT name FROM sqlite_master WHERE type='table'\").fetchall()",
            "not names",
            DbFacts(tables=False),
            DbFacts(tables=True),
        ),
        ("rows = conn.execute('select count(*) from users').scalar()", "rows > 0", DbFacts(), DbFacts()),
        ("tables = ['users', 'alembic_version']", "'alembic_version' in tables", DbFacts(), DbFacts()),
        (
            "",
            "(k := conn.execute('select count(*) from pg_tables').scalar()) > 0",
            DbFacts(True),
            DbFacts(False),
        ),
        ("", "inspector.has_table('alembic_version')", DbFacts(versioned=True), DbFacts(versioned=False)),
        ("", "engine.dialect.has_table(conn, 'users')", DbFacts(tables=True), DbFacts()),
        # functions from elsewhere, read from their names and the table they are given
        ("", "table_exists(conn, 'alembic_version')", DbFacts(versioned=True), DbFacts(versioned=False)),
        ("", "table_exists(conn, 'users')", DbFacts(tables=True), DbFacts()),
        ("", "has_tables(engine)", DbFacts(tables=True), DbFacts(tables=False)),
    ],
)
def test_facts_of_a_test(setup: str, test: str, when_true: DbFacts, when_false: DbFacts) -> None:
    source = f"def check(conn, engine, inspector):\n{textwrap.indent(setup, '    ')}\n    if {test}:\n        pass\n"
    tree = ast.parse(source)
    functions, _ = _functions(tree)
    info = functions["check"]
    condition = next(n for n in ast.walk(tree) if isinstance(n, ast.If)).test
    flow = Flow(tree, functions)
    assert (flow.facts(condition, True, info), flow.facts(condition, False, info)) == (when_true, when_false)


def test_a_helper_that_returns_a_query_is_followed() -> None:
    source = """
def count_tables(conn):
    sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    return conn.execute(text(sql)).scalar()

def has_version(conn):
    return conn.execute(text("select exists(select 1 from information_schema.tables "
                             "where table_name = 'alembic_version')")).scalar()

def main(conn):
    n = count_tables(conn)
    ok = has_version(conn)
    if n and not ok:
        pass
"""
    tree = ast.parse(source)
    functions, _ = _functions(tree)
    test = next(n for n in ast.walk(tree) if isinstance(n, ast.If)).test
    assert Flow(tree, functions).facts(test, True, functions["main"]) == DbFacts(tables=True, versioned=False)


# -- the shapes, end to end ----------------------------------------------------------

NAMES_NOT_WORDS = """
import subprocess
import sys

def main(conn):
    n = conn.execute("select count(*) from information_schema.tables where table_schema = 'public'").scalar()
    versioned = conn.execute("select to_regclass('alembic_version')").scalar() is not None
    target = "a"
    if n > 0 and not versioned:
        target = "heads"
    subprocess.check_call([sys.executable, "-m", "alembic", "stamp", target])
    subprocess.check_call([sys.executable, "-m", "alembic", "upgrade", "head"])
"""


def test_a_test_written_through_names_is_read_by_what_they_query(tmp_path: Path) -> None:
    (finding,) = lint(tmp_path, NAMES_NOT_WORDS)
    assert (finding.code, finding.span.line, finding.span.column, finding.revisions) == (
        "MG301",
        9,
        17,
        ("a",),
    )
    assert finding.message == (
        "stamps 'heads' (line 10) where the database has tables but no Alembic version "
        "(line 8: `n > 0 and (not versioned)`): 2 revisions after a would be marked applied without running"
    )
    assert finding.fix is not None and (finding.fix.edits[0].replacement, finding.fix.edits[0].literal) == (
        "a",
        True,
    )


def test_names_with_table_words_that_query_nothing_are_not_a_legacy_test(tmp_path: Path) -> None:
    runner = """
    from alembic import command
    EXPORTED_TABLES = ["users", "orders"]
    def main(cfg, table_style):
        tables = list(EXPORTED_TABLES)
        if tables and "alembic_version" not in tables:
            command.stamp(cfg, "head")
        if table_style == "wide":
            command.stamp(cfg, "heads")
    """
    assert lint(tmp_path, runner, "MG301") == []


ALIASES = [
    ("from alembic import command as alembic_command", "alembic_command.stamp(cfg, 'head')"),
    ("import alembic.command as ac", "ac.stamp(cfg, 'head')"),
    ("from alembic.command import stamp", "stamp(cfg, 'head')"),
    ("from alembic.command import stamp as mark", "mark(cfg, revision='head')"),
    ("import alembic", "alembic.command.stamp(cfg, 'head')"),
    ("import alembic.command", "alembic.command.stamp(cfg, 'heads')"),
    ("from alembic import command as cmd", "getattr(cmd, 'stamp')(cfg, 'head')"),
    # alembic/config.py imports the command module: RootTheBox's `from alembic.config import Config, command`
    ("from alembic.config import Config, command", "command.stamp(cfg, 'head')"),
    ("import alembic.config", "alembic.config.command.stamp(cfg, 'head')"),
]


@pytest.mark.parametrize(("imports", "call"), ALIASES, ids=[a[1].split("(")[0] for a in ALIASES])
def test_every_import_shape_of_alembic_command(tmp_path: Path, imports: str, call: str) -> None:
    runner = f"""
    {imports}
    from alembic.config import Config

    CFG = Config("alembic.ini")

    def main(inspector):
        cfg = CFG
        if inspector.get_table_names() and not inspector.has_table("alembic_version"):
            {call}
    """
    assert found(lint(tmp_path, runner, "MG301")) == [("MG301", 9, ("a",))]


@pytest.mark.parametrize(
    "imports",
    ["from myapp.db import migration as command", "from myapp import command"],
    ids=["project-module-named-command", "project-command-module"],
)
def test_a_project_function_named_stamp_is_not_alembic(tmp_path: Path, imports: str) -> None:
    runner = f"""
    {imports}
    def main(inspector):
        if inspector.get_table_names() and not inspector.has_table("alembic_version"):
            command.stamp(cfg, "head")
    """
    assert lint(tmp_path, runner) == []


def test_aliased_stamps_reach_mg302_and_mg303(tmp_path: Path) -> None:
    runner = """
    import alembic.command as ac
    def adopt(cfg):
        ac.stamp(cfg, "a")

    def pin(cfg):
        ac.stamp(cfg, "nope_nope_nope")
        ac.upgrade(cfg, "head")
    """
    assert found(lint(tmp_path, runner)) == [("MG302", 3, ()), ("MG303", 6, ("nope_nope_nope",))]


HELPER = """
from alembic import command as ac

def adopt(cfg):
    ac.stamp(cfg, "head")

def main(cfg, conn):
    n = conn.execute("select count(*) from information_schema.tables").scalar()
    versioned = conn.execute("select to_regclass('alembic_version')").scalar()
    if n > 0 and versioned is None:
        adopt(cfg)
    ac.upgrade(cfg, "head")
"""


def test_a_stamp_in_a_helper_called_under_the_legacy_test(tmp_path: Path) -> None:
    (finding,) = lint(tmp_path, HELPER)
    assert (finding.code, finding.span.line, finding.span.column) == ("MG301", 4, 18)
    assert finding.message.startswith(
        "stamps 'head' (line 4 in adopt(), called at line 10) where the database has tables but no "
        "Alembic version (line 9: `n > 0 and versioned is None`): 2 revisions after a"
    )
    assert [(r.span.line, r.note) for r in finding.related] == [(4, "the stamp"), (10, "the call of adopt()")]
    assert finding.fix is not None and (finding.fix.edits[0].replacement, finding.fix.edits[0].literal) == (
        "a",
        True,
    )


def test_a_helper_also_called_on_the_fresh_path_is_reported_without_a_fix(tmp_path: Path) -> None:
    runner = HELPER.replace(
        '    ac.upgrade(cfg, "head")\n',
        '    else:\n        Base.metadata.create_all(engine)\n        adopt(cfg)\n    ac.upgrade(cfg, "head")\n',
    )
    (finding,) = lint(tmp_path, runner, "MG301")
    assert (finding.span.line, finding.fix) == (4, None)  # 'a' would be wrong for the fresh install


def test_a_helper_chain_and_a_method_helper(tmp_path: Path) -> None:
    runner = """
    from alembic.command import stamp as alembic_stamp

    class Command(BaseCommand):  # a Django management command
        def handle(self, *args, **options):
            tables = connection.introspection.table_names()
            if tables and "alembic_version" not in tables:
                self.adopt()

        def adopt(self):
            self.mark()

        def mark(self):
            alembic_stamp(self.config, "heads")
    """
    (finding,) = lint(tmp_path, runner, "MG301", name="manage.py")
    assert (finding.span.line, finding.span.column) == (13, 35)
    assert finding.message.startswith(
        "stamps 'heads' (line 13 in Command.mark(), reached by the calls at lines 7 and 10) where the database "
        "has tables but "
        "no Alembic version (line 6: `tables and 'alembic_version' not in tables`)"
    )
    assert [r.span.line for r in finding.related] == [13, 7, 10]


def test_cli_commands_are_runner_code(tmp_path: Path) -> None:
    runner = """
    import click
    import typer
    from alembic import command
    from sqlalchemy import inspect

    app = typer.Typer()

    @click.command()
    def init_db():
        insp = inspect(engine)
        if insp.get_table_names() and not insp.has_table("alembic_version"):
            command.stamp(cfg, "head")

    @app.command()
    def adopt(revision: str = "a"):
        command.stamp(cfg, revision)
        command.upgrade(cfg, "head")
    """
    assert found(lint(tmp_path, runner)) == [("MG301", 12, ("a",))]


def test_a_cli_that_stamps_what_the_user_asks_is_not_a_legacy_stamp(tmp_path: Path) -> None:
    runner = """
    import argparse
    from alembic import command as alembic_cmd
    from alembic import config as alembic_cfg

    def do_alembic_command(config, cmd, *args, **kwargs):
        getattr(alembic_cmd, cmd)(config, *args, **kwargs)

    def do_stamp(config, cmd):
        do_alembic_command(config, cmd, CONF.command.revision, sql=CONF.command.sql)

    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("command", choices=["stamp", "upgrade"])
        parser.add_argument("revision", default="head")
        args = parser.parse_args()
        config = alembic_cfg.Config("alembic.ini")
        if args.command == "stamp":
            alembic_cmd.stamp(config, args.revision)
        else:
            alembic_cmd.upgrade(config, args.revision)
    """
    assert lint(tmp_path, runner) == []


@pytest.mark.parametrize(
    "runner",
    [
        # create_all, then stamp head, with an aliased import and the legacy test above
        """
        from alembic.command import stamp as alembic_stamp
        def init(cfg, inspector, engine):
            if not inspector.has_table("alembic_version"):
                Base.metadata.create_all(engine)
                alembic_stamp(cfg, "head")
        """,
        # create_all in a `with`, in a method; the stamp in another method, both called in turn
        """
        from alembic.command import stamp as alembic_stamp
        from alembic.config import Config as AlembicConfig
        class Repository:
            def create_db(self):
                with engine.begin() as conn:
                    self.metadata.create_all(conn)
            def stamp_alembic_head(self):
                alembic_stamp(AlembicConfig(self._ini), "head")
            def init(self, tables):
                if tables and "alembic_version" not in tables:
                    self.create_db()
                    self.stamp_alembic_head()
        """,
        # a dump loaded with psql, then stamp heads
        """
        import subprocess
        def restore(tables):
            if tables and "alembic_version" not in tables:
                subprocess.run(["psql", "-f", "schema.sql"], check=True)
                subprocess.run(["alembic", "stamp", "heads"], check=True)
        """,
        # create_all once, before the test, then stamp head (the ironic shape, through a wrapper)
        """
        import alembic
        def stamp(revision, config=None):
            return alembic.command.stamp(config, revision=revision)
        def create_schema(engine, tables):
            models.Base.metadata.create_all(engine)
            if "alembic_version" not in tables:
                stamp('head')
        """,
    ],
    ids=["aliased-create-all", "create-in-a-method", "psql-dump", "wrapper-after-create-all"],
)
def test_creating_the_schema_then_stamping_head_stays_quiet(tmp_path: Path, runner: str) -> None:
    assert lint(tmp_path, runner, "MG301") == []


JUPYTERHUB_SHAPE = """
import alembic.command
import alembic.config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

def check_db_revision(engine):
    current_table_names = set(inspect(engine).get_table_names())
    my_table_names = set(Base.metadata.tables.keys())
    cfg = alembic.config.Config("alembic.ini")
    scripts = ScriptDirectory.from_config(cfg)
    head = scripts.get_heads()[0]
    base = scripts.get_base()
    if not my_table_names.intersection(current_table_names):
        alembic.command.stamp(cfg, head)
        return
    if 'alembic_version' not in current_table_names:
        if 'spawners' in current_table_names:
            rev = head
        elif 'services' in current_table_names:
            rev = 'b'
        else:
            rev = base
        alembic.command.stamp(cfg, rev)
    with engine.begin() as connection:
        alembic_revision = connection.execute(text('SELECT version_num FROM alembic_version')).first()[0]
    if alembic_revision != head:
        raise DatabaseSchemaMismatch("run upgrade-db")

def new_session_factory(engine):
    check_db_revision(engine)
    Base.metadata.create_all(engine)  # fills in missing tables, never missing columns
"""


def test_stamping_a_computed_head_on_a_legacy_path(tmp_path: Path) -> None:
    (finding,) = lint(tmp_path, JUPYTERHUB_SHAPE)
    assert (finding.code, finding.span.line, finding.fix) == ("MG301", 18, None)
    assert finding.message.startswith(
        "stamps 'head' (`scripts.get_heads()[0]`, line 23) where the database has tables but no Alembic "
        "version (line 16: `'alembic_version' not in current_table_names`)"
    )  # the fresh path (line 14) is quiet, and the revision check after line 23 is no silent stop (MG302)


def test_a_stamp_followed_by_a_return_is_still_mg302_when_no_check_follows(tmp_path: Path) -> None:
    runner = JUPYTERHUB_SHAPE.replace("raise DatabaseSchemaMismatch", "log.warning")
    assert found(lint(tmp_path, runner, "MG302")) == [("MG302", 23, ())]


def test_long_helper_chains_stay_bounded() -> None:
    count = 1000
    helpers = ["def f0(conn):\n    return conn.execute('select count(*) from pg_tables').scalar()\n"]
    helpers += [f"def f{i}(conn):\n    return f{i - 1}(conn)\n" for i in range(1, count)]
    stampers = ["def g0(cfg):\n    command.stamp(cfg, 'head')\n"]
    stampers += [f"def g{i}(cfg):\n    g{i - 1}(cfg)\n" for i in range(1, count)]
    main = (
        "def main(cfg, conn):\n"
        f"    if f{count - 1}(conn) > 0 and not has_alembic_version:\n        g{count - 1}(cfg)\n"
        "    if f3(conn) > 0 and not has_alembic_version:\n        g3(cfg)\n"
        "def loop(cfg):\n    if loop(cfg) > 0:\n        loop(cfg)\n"
    )
    text = "from alembic import command\n" + "".join(helpers + stampers) + main
    (site,) = analyze_runner("run.py", text)
    (target,) = site.targets
    found_path = site.legacy_path(target)
    assert found_path is not None  # through g3 .. g0 and f3 .. f0, within the bounds
    condition, context = found_path
    assert context is not None and [name for _, name in context.calls] == ["g3", "g2", "g1", "g0"]
    assert condition.text == "f3(conn) > 0 and (not has_alembic_version)"


def test_an_early_return_puts_its_negation_on_the_rest_of_the_block(tmp_path: Path) -> None:
    runner = """
    from alembic import command
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    def migrate(cfg, conn):
        current = MigrationContext.configure(conn).get_current_revision()
        if current is not None:
            command.upgrade(cfg, "head")
            return
        if not inspect(conn).get_table_names():
            Base.metadata.create_all(conn)
            command.stamp(cfg, "head")
            return
        command.stamp(cfg, "head")
        command.upgrade(cfg, "head")
    """
    (finding,) = lint(tmp_path, runner)
    assert (finding.code, finding.span.line) == ("MG301", 14)
    assert (
        "where the database has tables but no Alembic version (line 7: `current is not None`)"
        in finding.message
    )


def test_the_incident_runner_is_read_by_data_flow_whatever_its_names(tmp_path: Path) -> None:
    seed = (
        Path(__file__).resolve().parents[1] / "examples" / "seed-chain" / "scripts" / "run_migrations.py"
    ).read_text()
    renamed = (
        seed.replace("table_count", "n")
        .replace("has_alembic_version", "ok")
        .replace("count_tables", "probe_a")
        .replace("alembic_version_exists", "probe_b")
    )
    assert "table" not in "".join(
        line for line in renamed.splitlines() if line.lstrip().startswith(("if ", "n =", "ok ="))
    )
    (finding,) = lint(tmp_path, renamed, "MG301")
    assert (finding.span.line, finding.message.split(":")[0]) == (
        119,
        "stamps 'head' (line 129) where the database has tables but no Alembic version (line 113",
    )


def test_stamping_heads_then_creating_the_schema_is_the_fresh_pattern(tmp_path: Path) -> None:
    runner = """
    from flask_migrate import stamp

    def prepare_db(db):
        tables = get_all_tables(db)
        if 'alembic_version' not in tables['public']:
            stamp(directory='migrations', revision='heads')
            tables = get_all_tables(db)
        if any(tables.values()):
            return False
        create_all_tables(db)
        return True

    def check_db_revision(engine, cfg):
        names = set(inspect(engine).get_table_names())
        if 'alembic_version' not in names:
            command.stamp(cfg, 'head')

    def new_session_factory(engine, cfg):
        check_db_revision(engine, cfg)
        Base.metadata.create_all(engine)
    """
    assert lint(tmp_path, runner, "MG301") == []
    legacy = runner.replace("        create_all_tables(db)\n", "").replace(
        "        Base.metadata.create_all(engine)\n", ""
    )
    assert found(lint(tmp_path, legacy, "MG301")) == [("MG301", 6, ("a",)), ("MG301", 15, ("a",))]


SHELL_NAMES = """#!/bin/sh
set -e
N=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
V=$(psql "$DATABASE_URL" -tAc "SELECT to_regclass('public.alembic_version') IS NOT NULL")
MODE=legacy
if [ "$N" -gt 0 ] && [ "$V" = "f" ]; then
    alembic stamp heads
fi
if [ "$N" -eq 0 ]; then
    psql "$DATABASE_URL" -f /app/schema.sql
    alembic stamp head
fi
if [ "$MODE" = "legacy" ] || [ -z "$TABLE_LIST" ]; then
    alembic stamp head
fi
alembic upgrade head
"""


def test_shell_tests_are_read_through_their_variables(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\n')
    write_project(tmp_path, ["a", "b<-a"])
    (tmp_path / "entrypoint.sh").write_text(SHELL_NAMES)
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=list(RUNNER_CODES)))
    (finding,) = [d for r in reports for d in r.diagnostics]
    assert (finding.code, finding.span.line, finding.span.column) == ("MG301", 7, 18)
    assert '(line 6: `[ "$N" -gt 0 ] && [ "$V" = "f" ]`)' in finding.message


@pytest.mark.parametrize(
    ("after_stamp", "main", "expected"),
    [
        ("", "    adopt(cfg)\n    ac.upgrade(cfg, 'head')\n", []),
        ("", "    adopt(cfg)\n    migrate(cfg)\n", []),  # an upgrade through a helper of the module
        ("", "    adopt(cfg)\n    log.info('stamped')\n", [("MG302", 4, ())]),
        ("    sys.exit(0)\n", "    adopt(cfg)\n    ac.upgrade(cfg, 'head')\n", [("MG302", 4, ())]),
    ],
    ids=["caller-upgrades", "caller-upgrades-through-a-helper", "nobody-upgrades", "helper-exits"],
)
def test_a_stamp_in_a_helper_is_judged_with_its_callers_for_mg302(
    tmp_path: Path, after_stamp: str, main: str, expected: list[tuple[str, int, tuple[str, ...]]]
) -> None:
    runner = (
        "import sys\nimport alembic.command as ac\ndef adopt(cfg):\n    ac.stamp(cfg, 'a')\n"
        + after_stamp
        + "def migrate(cfg):\n    ac.upgrade(cfg, 'heads')\n"
        + "def main(cfg):\n"
        + main
    )
    assert found(lint(tmp_path, runner, "MG302")) == expected


def test_scenarios_show_the_tests_around_the_call_of_a_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from conftest import cli_runner
    from miglint.cli import main

    lint(tmp_path, HELPER)
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["scenarios", "--no-cache", "--format", "json"])
    rows = [r for r in json.loads(result.stdout) if r["where"]]
    assert [(r["scenario"], r["where"], r["stamp"], r["condition"]) for r in rows] == [
        ("legacy database", "scripts/run_migrations.py:4", "head", "n > 0 and versioned is None")
    ]
    fixed = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG301", "--fix"])
    assert fixed.exit_code == 0 and fixed.stderr == "Fixed 1 finding in 1 file.\n"
    # the literal keeps its double quotes
    assert '    ac.stamp(cfg, "a")\n' in (tmp_path / "scripts" / "run_migrations.py").read_text()


def test_a_form_feed_line_does_not_shift_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import cli_runner
    from miglint.cli import main

    runner = (
        "import subprocess\n\x0c\ndef migrate(tables):\n"
        "    if tables and 'alembic_version' not in tables:\n"
        "        subprocess.run(['alembic', 'stamp', 'head'], check=True)\n"
    )
    (finding,) = lint(tmp_path, runner, "MG301")
    assert (finding.span.line, finding.span.column) == (5, 44) and finding.fix is not None
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG301", "--fix"])
    assert result.stderr == "Fixed 1 finding in 1 file.\n"
    assert "stamp', 'a'], check=True)\n" in (tmp_path / "scripts" / "run_migrations.py").read_text()


REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="the real-world corpus is not beside the repository")
@pytest.mark.parametrize("project", ["ckan__ckan", "openstack__ironic", "openstack__octavia"])
def test_real_runners_that_stamp_correctly_stay_quiet(project: str) -> None:
    # ckan: create_all then `stamp as alembic_stamp` head (in two methods); ironic: create_all
    # then a stamp('head') wrapper, a dbsync CLI; octavia: an argparse `stamp` the user drives
    reports = lint_paths(
        [str(REALWORLD / project)], REALWORLD / project, Options(use_cache=False, select=list(RUNNER_CODES))
    )
    assert [d for r in reports for d in r.diagnostics] == []


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="the real-world corpus is not beside the repository")
def test_jupyterhub_stamps_its_current_head_on_a_pre_0_8_database() -> None:
    orm = REALWORLD / "jupyterhub__jupyterhub" / "jupyterhub" / "orm.py"
    sites = [s for s in analyze_runner(str(orm), orm.read_text()) if s.command == "stamp"]
    legacy = [(s.span.line, t.value, t.span.line) for s in sites for t in s.targets if s.legacy_path(t)]
    # 'spawners' present, no alembic_version: stamped at today's head, though only 0.8's
    # schema is there; 'services' -> af4cbdb2d13c and the base are below head (MG301 is
    # about head), and the empty-database stamp (line 1486) is the fresh-install path
    assert legacy == [(1508, "head", 1498), (1508, "af4cbdb2d13c", 1502), (1508, "base", 1506)]
    assert [s.checked_at for s in sites] == [None, 1516]  # the revision check that raises: no MG302


def test_a_test_too_deep_to_unparse_does_not_hide_the_other_stamps() -> None:
    deep = " + ".join("x" for _ in range(600))
    text = (
        "from alembic import command\n"
        f"if {deep} > 0:\n    command.stamp(cfg, 'b')\n"
        "if tables and 'alembic_version' not in tables:\n    command.stamp(cfg, 'head')\n"
    )
    first, second = analyze_runner("run.py", text)
    assert first.conditions[0].text == "<expression at line 2>"
    assert second.legacy_condition(second.targets[0]) is not None


def test_module_scope_names_and_a_config_built_inline(tmp_path: Path) -> None:
    runner = """
    import alembic.command
    import alembic.config
    from sqlalchemy import create_engine, inspect

    ENGINE = create_engine("postgresql://")
    EXISTING = inspect(ENGINE).get_table_names()
    VERSIONED = "alembic_version" in EXISTING

    def adopt():
        if EXISTING and not VERSIONED:
            alembic.command.stamp(alembic.config.Config("alembic.ini"), revision="heads")
    """
    assert found(lint(tmp_path, runner)) == [("MG301", 11, ("a",))]


IRONIC_SHAPE = """
import alembic
import alembic.migration as alembic_migration

def version(config=None, engine=None):
    with engine.connect() as conn:
        context = alembic_migration.MigrationContext.configure(conn)
        return context.get_current_revision()

def stamp(revision, config=None):
    return alembic.command.stamp(config, revision=revision)

def create_schema(config=None, engine=None):
    if version(engine=engine) is not None:
        raise DBMigrationError("DB schema is already under version control. Use upgrade() instead")
    models.Base.metadata.create_all(engine)
    stamp('head', config=config)
"""


def test_create_schema_behind_a_version_check_is_quiet_and_without_create_all_it_is_not(
    tmp_path: Path,
) -> None:
    assert lint(tmp_path, IRONIC_SHAPE) == []
    without_create = IRONIC_SHAPE.replace("    models.Base.metadata.create_all(engine)\n", "")
    (finding,) = lint(tmp_path, without_create)
    assert (finding.code, finding.span.line, finding.span.column) == ("MG301", 15, 10)
    assert finding.message.startswith(
        "stamps 'head' where the database has no Alembic version (line 13: "
        "`version(engine=engine) is not None`)"
    )  # version() returns the current revision: None means no alembic_version; tables are not asked


CIRCULATION_SHAPE = """
from alembic import command
from sqlalchemy import inspect
from palace.sessions import SessionManager


def initialize_database_schema(engine, config):
    with engine.begin() as connection:
        SessionManager.initialize_schema(connection)
        command.stamp(config, "head")


def initialize_database(engine, config):
    if inspect(engine).has_table("alembic_version"):
        command.upgrade(config, "head")
    else:
        initialize_database_schema(engine, config)
"""


@pytest.mark.parametrize(
    ("creating", "line"),
    [("SessionManager.initialize_schema(connection)", None), ("SessionManager.load_defaults(connection)", 9)],
)
def test_a_function_of_another_module_named_for_the_schema_creates_it(
    tmp_path: Path, creating: str, line: int | None
) -> None:
    """circulation's initialization script: `SessionManager.initialize_schema(connection)` (of
    another module, not read) before stamping head is the fresh-install pattern; a call named
    for something else leaves the stamp on the path where no version table was found."""
    runner = CIRCULATION_SHAPE.replace("SessionManager.initialize_schema(connection)", creating)
    assert found(lint(tmp_path, runner, "MG301")) == ([] if line is None else [("MG301", line, ("a",))])


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="the real-world corpus is not beside the repository")
def test_jupyterhub_linted_whole_has_that_one_runner_finding() -> None:
    root = REALWORLD / "jupyterhub__jupyterhub"
    reports = lint_paths([str(root)], root, Options(use_cache=False, select=list(RUNNER_CODES)))
    assert [
        (d.code, Path(d.path).name, d.span.line, d.revisions, d.fix) for r in reports for d in r.diagnostics
    ] == [("MG301", "orm.py", 1498, ("19c0846f6344",), None)]


def test_one_skipped_revision_is_counted_in_the_singular(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\n')
    write_project(tmp_path, ["a", "b<-a"])
    (tmp_path / "manage.py").write_text(
        "from alembic.config import Config, command\n"
        "def main(inspector):\n"
        "    if inspector.get_table_names() and not inspector.has_table('alembic_version'):\n"
        "        command.stamp(Config('alembic.ini'), 'head')\n"
    )
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG301"]))
    (stamp,) = [d for r in reports for d in r.diagnostics]
    assert (stamp.code, stamp.span.line, stamp.revisions) == ("MG301", 4, ("a",))
    assert stamp.message.endswith("`): 1 revision after a would be marked applied without running")
