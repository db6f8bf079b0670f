"""What is read as a runner stamp, and how it is named: `MigrationContext.stamp()` (env.py's
`context.get_context().stamp(...)`), scripts without an extension read by their `#!` line,
runners that do not parse (a note, never a traceback), and `scenarios` naming each runner
by its path in the project."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import write_project
from miglint.cli import main


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    """a -> b -> c (b and c change data), baseline a, and the given files (dedented)."""
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\n')
    write_project(
        tmp_path,
        ["a"],
        files={
            "0001_b.py": "revision = 'b'\ndown_revision = 'a'\ndef upgrade():\n    op.execute(\"UPDATE t SET x = 1\")\n",
            "0002_c.py": "revision = 'c'\ndown_revision = 'b'\ndef upgrade():\n    op.execute(\"UPDATE t SET y = 2\")\n",
        },
    )
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return tmp_path


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return cli_runner().invoke(main, list(args))


def findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codes: str = "MG301,MG302,MG303") -> list[str]:
    result = run(tmp_path, monkeypatch, "lint", "--no-cache", "--concise", "--select", codes)
    return [line for line in result.stdout.splitlines() if ": MG" in line]


def where_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str | None]]:
    result = run(tmp_path, monkeypatch, "scenarios", "--no-cache", "--format", "json")
    assert result.exit_code == 0, result.output
    return [(r["scenario"], r["where"], r["stamp"]) for r in json.loads(result.stdout) if r["where"]]


# -- MigrationContext.stamp() ----------------------------------------------------------------

# SurfSense's env.py: a database whose tables a create_all at boot made is "adopted" by stamping head.
ENV_ADOPTS_BY_STAMPING_HEAD = """
import sqlalchemy as sa
from alembic import context
from alembic.script import ScriptDirectory

config = context.config


def _stamp_head(connection, script):
    context.get_context().stamp(script, script.get_current_head())


def _adopt_bootstrapped_schema(connection):
    marker = connection.execute(sa.text("SELECT to_regclass(:t)"), {"t": "workspaces"}).scalar()
    if marker is None:
        return False
    if connection.execute(sa.text("SELECT to_regclass('alembic_version')")).scalar():
        return False
    _stamp_head(connection, ScriptDirectory.from_config(config))
    return True


def run_migrations_online():
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection)
        if not _adopt_bootstrapped_schema(connection):
            with context.begin_transaction():
                context.run_migrations()


run_migrations_online()
"""


def test_env_py_stamping_head_through_its_migration_context_is_mg301(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, {"migrations/env.py": ENV_ADOPTS_BY_STAMPING_HEAD})
    assert findings(tmp_path, monkeypatch) == [
        "migrations/env.py:9:41: MG301 stamps 'head' (`script.get_current_head()`, line 9 in _stamp_head(), "
        "called at line 18) where the database has tables but no Alembic version (line 14: `marker is None`): "
        "2 revisions after a would be marked applied without running, 2 changing data (b, c)"
    ]
    assert where_rows(tmp_path, monkeypatch) == [("legacy database", "migrations/env.py:9", "head")]


@pytest.mark.parametrize(
    ("query", "table", "found"),
    [
        ("SELECT to_regclass(:name)", "alembic_version", "has no Alembic version"),
        ("SELECT to_regclass(%(name)s)", "alembic_version", "has no Alembic version"),
        # one other table missing says nothing of the others
        ("SELECT to_regclass(:name)", "workspaces", None),
        # a cast is no parameter
        ("SELECT to_regclass(:name)::text", "alembic_version", "has no Alembic version"),
    ],
)
def test_a_bound_parameter_names_the_table_a_test_asks_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str, table: str, found: str | None
) -> None:
    runner = f"""
    import sqlalchemy as sa
    from alembic import command

    TABLE = "{table}"

    def adopt(connection, cfg):
        marker = connection.execute(sa.text("{query}"), {{"name": TABLE}}).scalar()
        if marker is None:
            command.stamp(cfg, "head")
    """
    project(tmp_path, {"scripts/adopt.py": runner})
    expected = (
        [
            f"scripts/adopt.py:9:28: MG301 stamps 'head' where the database {found} (line 8: `marker is None`): "
            "2 revisions after a would be marked applied without running, 2 changing data (b, c)"
        ]
        if found
        else []
    )
    assert findings(tmp_path, monkeypatch, "MG301") == expected


def test_env_py_stamping_head_after_create_all_is_not_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = """
    import sqlalchemy as sa
    from alembic import context
    from alembic.script import ScriptDirectory

    from app.models import Base

    def fast_forward(connection):
        if connection.execute(sa.text("SELECT to_regclass('workspaces')")).scalar():
            return False
        Base.metadata.create_all(bind=connection)
        script = ScriptDirectory.from_config(context.config)
        context.get_context().stamp(script, script.get_current_head())
        return True
    """
    project(tmp_path, {"migrations/env.py": fresh})
    assert findings(tmp_path, monkeypatch) == []
    # created before the stamp: the fresh-install pattern (what test found it empty is not known)
    assert where_rows(tmp_path, monkeypatch) == [("runner stamp", "migrations/env.py:12", "head")]


RUNNER_WITH_ITS_OWN_CONTEXT = """
import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

cfg = Config("alembic.ini")


def adopt(conn):
    names = sa.inspect(conn).get_table_names()
    if names and "alembic_version" not in names:
        MigrationContext.configure(conn).stamp(ScriptDirectory.from_config(cfg), ScriptDirectory.from_config(cfg).get_heads())
    elif not names:
        ctx: MigrationContext = MigrationContext.configure(conn)
        ctx.stamp(ScriptDirectory.from_config(cfg), revision="a")


def mark(ctx: "MigrationContext", script):
    ctx.stamp(script, "heads")
"""


def test_a_runners_migration_context_stamps_like_command_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, {"scripts/boot.py": RUNNER_WITH_ITS_OWN_CONTEXT})
    assert findings(tmp_path, monkeypatch) == [
        "scripts/boot.py:12:82: MG301 stamps 'heads' (`ScriptDirectory.from_config(cfg).get_heads()`) "
        "where the database has tables but no Alembic version (line 11: `names and 'alembic_version' not in names`): "
        "2 revisions after a would be marked applied without running, 2 changing data (b, c)",
        "scripts/boot.py:15:9: MG302 stamps 'a' and then the function ends without running `alembic upgrade`: "
        "the revisions after it stay missing until something else upgrades",
    ]
    assert where_rows(tmp_path, monkeypatch) == [
        ("legacy database", "scripts/boot.py:12", "heads"),
        ("fresh database", "scripts/boot.py:15", "a"),
        ("runner stamp", "scripts/boot.py:19", "heads"),
    ]


def test_env_py_running_the_migrations_after_its_stamp_upgrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = """
    from alembic import context
    from alembic.script import ScriptDirectory

    def run_migrations_online(connection):
        context.configure(connection=connection)
        migration_context = context.get_context()
        if migration_context.get_current_revision() is None:
            migration_context.stamp(ScriptDirectory.from_config(context.config), "a")
        with context.begin_transaction():
            context.run_migrations()
    """
    project(tmp_path, {"migrations/env.py": env})
    assert findings(tmp_path, monkeypatch) == []
    project(tmp_path, {"migrations/env.py": env.replace("context.run_migrations()", "pass")})
    assert findings(tmp_path, monkeypatch) == [
        "migrations/env.py:8:9: MG302 stamps 'a' and then the function ends without running `alembic upgrade`: "
        "the revisions after it stay missing until something else upgrades"
    ]


def test_other_stamp_methods_are_not_alembic_stamps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = """
    import alembic
    from alembic import context

    def run(ledger, names):
        if names and "alembic_version" not in names:
            ledger.stamp(context, "head")
            context.get_context().stamp_revision("head")
    """
    project(tmp_path, {"scripts/ledger.py": other})
    assert findings(tmp_path, monkeypatch) == []
    assert where_rows(tmp_path, monkeypatch) == []


# -- runner files without an extension ---------------------------------------------------------

CREATE_DB = """
#!/usr/bin/env python
import alembic.command
import alembic.config


def main(engine, tables):
    if tables and "alembic_version" not in tables:
        cfg = alembic.config.Config("alembic.ini")
        alembic.command.stamp(cfg, "head")
"""

BOOT = """
#!/bin/sh
set -e
alembic stamp a
alembic upgrade head
"""


def test_scripts_without_an_extension_are_read_by_their_shebang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(
        tmp_path,
        {
            "bin/create-db": CREATE_DB,
            "bin/boot": BOOT,
            "bin/boot-bash": BOOT.replace("#!/bin/sh", "#!/usr/bin/env bash"),
            # neither Python nor a POSIX shell, or no `#!` line: not read
            "bin/perl-boot": BOOT.replace("#!/bin/sh", "#!/usr/bin/perl"),
            "bin/notes": BOOT.replace("#!/bin/sh\n", ""),
            "bin/boot.txt": BOOT,
            # a fixture of the tests is not the project's runner, with or without extension
            "tests/bin/create-db": CREATE_DB,
        },
    )
    assert findings(tmp_path, monkeypatch) == [
        "bin/create-db:9:36: MG301 stamps 'head' where the database has tables but no Alembic version "
        "(line 7: `tables and 'alembic_version' not in tables`): "
        "2 revisions after a would be marked applied without running, 2 changing data (b, c)"
    ]
    assert where_rows(tmp_path, monkeypatch) == [
        ("runner stamp", "bin/boot:3", "a"),
        ("runner stamp", "bin/boot-bash:3", "a"),
        ("legacy database", "bin/create-db:9", "head"),
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_git_ignored_script_without_an_extension_is_not_a_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, {"bin/boot": BOOT, "build/boot": BOOT, ".gitignore": "build/\n"})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert where_rows(tmp_path, monkeypatch) == [("runner stamp", "bin/boot:3", "a")]


# -- runners that do not parse ------------------------------------------------------------------

PYTHON_2_RUNNER = """
#!/usr/bin/env python
import alembic.command


def main(cfg):
    print "Initializing database."
    alembic.command.stamp(cfg, "head")
"""

NOTE = (
    "miglint: bin/create_db.py:6: not read: Missing parentheses in call to 'print'. Did you mean print(...)?; "
    "runner stamps there are not followed\n"
)


def test_a_runner_that_does_not_parse_gets_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, {"bin/create_db.py": PYTHON_2_RUNNER, "bin/stamp-db": PYTHON_2_RUNNER})
    cold = run(tmp_path, monkeypatch, "lint", "--concise")
    assert (cold.exit_code, cold.stdout) == (0, "All checks passed: 3 revisions in 1 environment.\n")
    assert cold.stderr == NOTE + NOTE.replace("create_db.py", "stamp-db")
    warm = run(tmp_path, monkeypatch, "lint", "--concise")  # the report comes from the cache
    assert (warm.stdout, warm.stderr) == (cold.stdout, cold.stderr)
    scenarios = run(tmp_path, monkeypatch, "scenarios", "--no-cache")
    assert scenarios.exit_code == 0 and scenarios.stderr == cold.stderr


def test_a_file_that_is_no_runner_gets_no_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a configured glob matches a Python 2 file that has nothing to do with Alembic
    project(tmp_path, {"scripts/old.py": 'print "hello"\n', "scripts/deploy.py": PYTHON_2_RUNNER})
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\nrunners = ["scripts/*.py"]\n')
    result = run(tmp_path, monkeypatch, "lint", "--no-cache", "--concise")
    assert result.stderr == NOTE.replace("bin/create_db.py", "scripts/deploy.py")
    # discovered for its words, newer Python than this one: a model with a timestamp, not a runner
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "a"\n')
    (tmp_path / "scripts" / "deploy.py").unlink()
    model = "from alembic_utils.pg_function import PGFunction\ncreated = 'timestamp'\nprint 'a'\n"
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "model.py").write_text(model)
    result = run(tmp_path, monkeypatch, "lint", "--no-cache", "--concise")
    assert (result.exit_code, result.stderr) == (0, "")


# -- scenarios: where -------------------------------------------------------------------------


def test_scenarios_name_each_runner_by_its_path_in_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(
        tmp_path,
        {
            "bin/boot.sh": "alembic upgrade head\nalembic stamp c\n",
            "deploy/boot.sh": "alembic upgrade head\nalembic stamp a\n",
        },
    )
    text = run(tmp_path, monkeypatch, "scenarios", "--no-cache")
    assert text.exit_code == 0, text.output
    rows = [line.split()[:5] for line in text.stdout.splitlines() if line.startswith("runner stamp")]
    assert rows == [
        ["runner", "stamp", "bin/boot.sh:2", "c", "0"],
        ["runner", "stamp", "deploy/boot.sh:2", "a", "0"],
    ]
    assert where_rows(tmp_path, monkeypatch) == [
        ("runner stamp", "bin/boot.sh:2", "c"),
        ("runner stamp", "deploy/boot.sh:2", "a"),
    ]
    # from elsewhere: still the path in the project, which the last line names
    above = run(tmp_path.parent, monkeypatch, "scenarios", "--no-cache", tmp_path.name)
    assert "  bin/boot.sh:2 " in above.stdout and above.stdout.endswith(f"project: {tmp_path.name}\n")


def test_the_editor_reads_a_script_without_an_extension_by_its_shebang(tmp_path: Path) -> None:
    from miglint.editor.live import Session

    project(tmp_path, {})
    runner = "#!/usr/bin/env python\nfrom alembic import command\n\ncommand.stamp(cfg, '{target}')\ncommand.upgrade(cfg, 'head')\n"
    saved = tmp_path / "bin" / "stamp-db"
    saved.parent.mkdir()
    saved.write_text(runner.format(target="nope"))
    session = Session(use_cache=False)
    session.open(str(saved), saved.read_text())
    session.lint(str(saved))
    assert [(d.code, d.span.line) for d in session.findings(str(saved))] == [("MG303", 4)]
    unsaved = tmp_path / "bin" / "adopt-db"
    session.open(str(unsaved), runner.format(target="bb"))
    session.lint(str(unsaved))
    assert [(d.code, d.span.line) for d in session.findings(str(unsaved))] == [("MG303", 4)]
    other = tmp_path / "bin" / "notes"  # no `#!` line: not a runner
    session.open(str(other), runner.format(target="bb").replace("#!/usr/bin/env python\n", "\n"))
    session.lint(str(other))
    assert session.findings(str(other)) == ()


def test_scenarios_run_the_upgrade_that_follows_the_call_of_a_stamping_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mindsdb's checkpoint: a helper stamps, its caller upgrades
    runner = """
    from alembic import command

    def adopt(cfg):
        command.stamp(cfg, "a")

    def main(cfg, tables):
        if tables and "alembic_version" not in tables:
            adopt(cfg)
            command.upgrade(cfg, "head")

    def reset(cfg):
        adopt(cfg)
    """
    project(tmp_path, {"scripts/boot.py": runner})
    result = run(tmp_path, monkeypatch, "scenarios", "--no-cache", "--format", "json")
    rows = [
        (r["scenario"], r["where"], r["when"], r["runs"]) for r in json.loads(result.stdout) if r["where"]
    ]
    assert rows == [
        ("legacy database", "scripts/boot.py:4", "tables and 'alembic_version' not in tables", ["b", "c"])
    ]


def test_a_path_that_found_tables_but_not_whether_they_are_versioned_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SurfSense's adoption: tables, and no version or one older than a given revision
    runner = """
    from alembic import command
    from sqlalchemy import text

    OLD = {"a", "b"}

    def adopt(conn, cfg):
        if conn.execute(text("SELECT to_regclass('workspaces')")).scalar() is None:
            return
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if current is not None and current not in OLD:
            return
        command.stamp(cfg, "head")
    """
    project(tmp_path, {"scripts/adopt.py": runner})
    assert findings(tmp_path, monkeypatch, "MG301") == [
        "scripts/adopt.py:12:24: MG301 stamps 'head' where the database has tables "
        "(line 7: `conn.execute(text(\"SELECT to_regclass('workspaces')\")).scalar() is None`): "
        "2 revisions after a would be marked applied without running, 2 changing data (b, c)"
    ]


# -- oslo.db's migration_cli -------------------------------------------------------------------

# monasca-api's `monasca_db stamp`: openstack's migration_cli wraps Alembic's commands
OSLO_RUNNER = """
from oslo_db.sqlalchemy.migration_cli import manager
from oslo_db.sqlalchemy.migration_cli.ext_alembic import AlembicExtension

CONFIG = {"alembic_ini_path": "alembic.ini"}


def legacy(engine, tables):
    if tables and "alembic_version" not in tables:
        AlembicExtension(engine, CONFIG).stamp("head")
    ext = AlembicExtension(engine, CONFIG)
    ext.upgrade("head")


def fresh(engine):
    manager.MigrationManager(CONFIG, engine).stamp(revision="a")
"""


def test_oslo_db_migration_cli_stamps_like_command_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, {"tools/manage_db.py": OSLO_RUNNER})
    assert where_rows(tmp_path, monkeypatch) == [
        ("legacy database", "tools/manage_db.py:9", "head"),
        ("runner stamp", "tools/manage_db.py:15", "a"),
    ]
    assert findings(tmp_path, monkeypatch) == [
        "tools/manage_db.py:9:48: MG301 stamps 'head' where the database has tables but no Alembic version "
        "(line 8: `tables and 'alembic_version' not in tables`): 2 revisions after a would be marked applied "
        "without running, 2 changing data (b, c)",
        "tools/manage_db.py:15:5: MG302 stamps 'a' and then the function ends without running `alembic upgrade`: "
        "the revisions after it stay missing until something else upgrades",
    ]


def test_a_runner_above_the_ini_of_a_flask_migrate_layout_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """knowledge-repo: alembic.ini inside app/migrations, the app that stamps beside it; no
    pyproject.toml. The path linted is where runners are looked for, not the ini's directory."""
    write_project(tmp_path / "app", ["a", "b<-a"])  # app/alembic.ini, app/migrations/
    (tmp_path / "app" / "alembic.ini").unlink()
    (tmp_path / "app" / "migrations" / "alembic.ini").write_text("[alembic]\n")  # Flask-Migrate's
    (tmp_path / "app" / "app.py").write_text(
        "from alembic import command\n\n\ndef db_init(db, config):\n"
        "    db.create_all()\n    command.stamp(config, 'head')\n"
    )
    assert where_rows(tmp_path, monkeypatch) == [("runner stamp", "app/app.py:6", "head")]


def test_a_runner_of_a_project_with_its_own_settings_is_not_read_for_a_neighbour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """examples/: seed-chain has its own [tool.miglint] and a runner; clean has none. Linted
    together, the runner is seed-chain's only (it was read for clean too: 4 false findings)."""
    from histories import copy_bundled_example

    examples = Path(__file__).resolve().parents[1] / "examples"
    for name in ("clean", "seed-chain"):
        copy_bundled_example(examples / name, tmp_path / name)
    result = run(tmp_path, monkeypatch, "lint", "--no-cache", ".")
    assert "clean/alembic.ini: 8 revisions, ok\n" in result.stdout
    assert "seed-chain/alembic.ini: 24 revisions, 1 error, 1 warning\n" in result.stdout


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # corpus 23 (thermostart, CostHive): Flask-Migrate's command line never says "alembic"
        (
            {"entrypoint.sh": "#!/bin/sh\nflask db stamp aa\nflask db upgrade\n"},
            [
                "entrypoint.sh:2:16: MG303 `flask db stamp` target 'aa' is not a revision, prefix or branch label of this history"
            ],
        ),
        (
            {"boot.sh": "#!/bin/sh\npython manage.py db stamp a\n"},
            [
                "boot.sh:2:8: MG302 stamps 'a' and then the script ends without running `alembic upgrade`: the revisions after it stay missing until something else upgrades"
            ],
        ),
        # the stamp of the baseline, then Flask-Migrate's upgrade: nothing to say
        ({"boot.sh": "#!/bin/sh\nalembic stamp a\nflask --app app db upgrade\n"}, []),
        ({"boot.sh": "#!/bin/sh\nflask db stamp a\npython manage.py db upgrade\n"}, []),
        # a Python runner through flask_migrate, which never says "alembic" either
        (
            {
                "manage.py": "from flask_migrate import stamp, upgrade\n\n\ndef adopt():\n    stamp(revision='zz')\n    upgrade()\n"
            },
            [
                "manage.py:5:20: MG303 `flask_migrate.stamp()` target 'zz' is not a revision, prefix or branch label of this history"
            ],
        ),
        (
            {
                "run.py": "import subprocess\nsubprocess.run(['flask', 'db', 'stamp', 'zz'])\nsubprocess.run(['flask', 'db', 'upgrade'])\n"
            },
            [
                "run.py:2:41: MG303 `flask db stamp` target 'zz' is not a revision, prefix or branch label of this history"
            ],
        ),
    ],
)
def test_flask_migrates_command_line_stamps_and_upgrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], expected: list[str]
) -> None:
    project(tmp_path, files)
    assert findings(tmp_path, monkeypatch) == expected
