"""MG503 downgrade-missing, MG505 offline-unsafe, MG506 imports-application-code (issue 14),
on revisions shaped like the real ones in /work/corpus (fides, indico, prefect, manila,
dispatch, neutron, openstack): each fixture below is written here, reproducing a shape."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import write_project
from miglint.cli import main
from miglint.config import ConfigError
from miglint.model import EntryBody
from miglint.pipeline import Options, lint_paths
from miglint.reading.parse import parse_revision_file

HEADER = (
    "from alembic import context, op\nimport sqlalchemy as sa\n\nrevision = 'r1'\ndown_revision = None\n\n\n"
)


def found(root: Path, code: str, select: bool = True) -> list[tuple[str, int, str]]:
    """(file name, line, message) of every `code` finding, linting root."""
    options = Options(use_cache=False, select=[code] if select else ())
    return sorted(
        (Path(d.path).name, d.span.line, d.message)
        for report in lint_paths([str(root)], root, options)
        for d in report.diagnostics
        if d.code == code
    )


def revision(body: str, header: str = HEADER) -> str:
    return header + textwrap.dedent(body)


# -- MG503: entry bodies, read from the code object -----------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("pass", "empty"),
        ("...", "empty"),
        ('"""Nothing to undo."""', "empty"),
        ("# cannot downgrade since we can't restore a deleted connectionconfig\n    pass", "empty"),
        ("return", "empty"),
        ("raise NotImplementedError", "raises"),
        ("raise NotImplementedError('irreversible')", "raises"),
        ("raise RuntimeError(f'cannot undo {revision}')", "raises"),
        ("op.drop_table('t')", "work"),
        ("op.drop_table('t')\n    raise NotImplementedError", "work"),
        ("if context.is_offline_mode():\n        raise NotImplementedError", "work"),
        ("if False:\n        raise NotImplementedError", "empty"),  # compiled away, as by the import
        ("x = 1", "work"),
    ],
)
def test_entry_body_kinds(body: str, expected: str) -> None:
    source = f"revision = 'r1'\ndown_revision = None\n\ndef upgrade():\n    op.f()\n\ndef downgrade():\n    {body}\n"
    record = parse_revision_file("r1.py", source.encode())
    assert record.entry_bodies == (EntryBody("upgrade", 4, "work"), EntryBody("downgrade", 7, expected))


def test_helpers_named_like_multidb_entries_are_not_entries() -> None:
    # fides: `from ..helpers import downgrade_custom_reports, upgrade_custom_reports`, called directly
    source = revision(
        """\
        from migrations.helpers import downgrade_custom_reports, upgrade_custom_reports


        def upgrade():
            upgrade_custom_reports(op.get_bind())


        def downgrade():
            downgrade_custom_reports(op.get_bind())
        """
    )
    record = parse_revision_file("r1.py", source.encode())
    assert [(e.name, e.body) for e in record.entry_bodies] == [("upgrade", "work"), ("downgrade", "work")]


def test_downgrade_bound_another_way_is_unknown() -> None:
    source = revision("from migrations.common import downgrade\n\n\ndef upgrade():\n    op.f()\n")
    record = parse_revision_file("r1.py", source.encode())
    assert [(e.name, e.body) for e in record.entry_bodies] == [("downgrade", "unknown"), ("upgrade", "work")]


def test_downgrade_missing_on_real_shapes(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        files={
            # fides: a comment saying why, then pass
            "0001_a.py": revision(
                """\
                def upgrade():
                    op.execute("DELETE FROM connectionconfig WHERE connection_type = 'saas'")


                def downgrade():
                    # cannot downgrade since we can't restore a deleted connectionconfig
                    pass
                """
            ).replace("'r1'", "'a'"),
            # openstack (neutron, octavia, ironic): no downgrade() at all
            "0002_b.py": revision("def upgrade():\n    op.add_column('t', sa.Column('c', sa.Integer()))\n")
            .replace("'r1'", "'b'")
            .replace("down_revision = None", "down_revision = 'a'"),
            # an explicit, documented decision: not a finding
            "0003_c.py": revision(
                "def upgrade():\n    op.drop_table('t')\n\n\n"
                "def downgrade():\n    raise NotImplementedError('the data is gone')\n"
            )
            .replace("'r1'", "'c'")
            .replace("down_revision = None", "down_revision = 'b'"),
            # a merge revision: nothing either way
            "0004_m.py": revision("def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n")
            .replace("'r1'", "'m'")
            .replace("down_revision = None", "down_revision = 'c'"),
        },
    )
    assert found(tmp_path, "MG503") == [
        (
            "0001_a.py",
            12,
            "downgrade() does nothing, but upgrade() changes the database: `alembic downgrade` would report it undone",
        ),
        ("0002_b.py", 8, "upgrade() changes the database but the revision has no downgrade()"),
    ]
    assert found(tmp_path, "MG503", select=False) == []  # off by default


def test_downgrade_missing_reads_multidb_pairs(tmp_path: Path) -> None:
    source = revision(
        """\
        def upgrade(engine_name: str) -> None:
            globals()[f"upgrade_{engine_name}"]()


        def downgrade(engine_name: str) -> None:
            globals()[f"downgrade_{engine_name}"]()


        def upgrade_engine1():
            op.create_table("a")


        def downgrade_engine1():
            op.drop_table("a")


        def upgrade_engine2():
            op.create_table("b")


        def upgrade_engine3():
            pass


        def downgrade_engine3():
            pass
        """
    )
    write_project(tmp_path, files={"0001_r1.py": source})
    assert found(tmp_path, "MG503") == [
        (
            "0001_r1.py",
            24,
            "upgrade_engine2() changes the database but the revision has no downgrade_engine2()",
        )
    ]


# -- MG505: offline-unsafe -------------------------------------------------------------


def _offline(tmp_path: Path, body: str) -> list[tuple[int, str]]:
    write_project(tmp_path, files={"0001_r1.py": revision(body)})
    return [(line, message.split(" needs ")[0]) for _, line, message in found(tmp_path, "MG505")]


def test_offline_unsafe_reports_each_read_at_its_call(tmp_path: Path) -> None:
    body = """\
        def _ids(conn):
            result = conn.execute(sa.text("SELECT id FROM share_types"))
            return [row.id for row in result.fetchall()]


        def upgrade():
            bind = op.get_bind()
            if bind.dialect.name != "postgresql":  # the mock connection knows its dialect
                return
            insp = sa.inspect(bind)
            version = bind.execute("SHOW server_version;").fetchone()[0]
            for share_id, status in bind.execute(sa.text("SELECT id, status FROM shares")):
                op.execute("UPDATE shares SET status = 'x'")
            for row in op.execute("SELECT 1") or ():
                pass
            ids = _ids(bind)
            table = sa.Table("shares", sa.MetaData(), autoload_with=bind)
        """
    assert _offline(tmp_path, body) == [
        (10, ".fetchall() in _ids() (run by upgrade())"),
        (17, "sa.inspect() in upgrade()"),
        (18, ".fetchone() in upgrade()"),
        (19, "iterating over .execute() in upgrade()"),
        (24, "autoload_with= in upgrade()"),
    ]


def test_offline_unsafe_orm_query_is_reported_once(tmp_path: Path) -> None:
    # dispatch: a Session on the bind, `.all()` then a loop over the list
    body = """\
        def upgrade():
            session = sa.orm.Session(bind=op.get_bind())
            instances = session.query(Feedback).all()
            for instance in instances:
                instance.project_id = 1
        """
    assert _offline(tmp_path, body) == [(10, ".all() in upgrade()")]


@pytest.mark.parametrize(
    "guard",
    [
        # indico
        "if context.is_offline_mode():\n        raise Exception('This upgrade is only possible in online mode')\n",
        "if context.is_offline_mode():\n        return\n",
        "assert not context.is_offline_mode()\n",
        "offline = context.is_offline_mode()\n    if offline:\n        return\n",
        "if op.get_context().as_sql:\n        return\n",
    ],
)
def test_offline_unsafe_stops_after_an_early_exit(guard: str, tmp_path: Path) -> None:
    body = (
        "def _backfill(conn):\n    for row in conn.execute('SELECT id FROM t'):\n        pass\n\n\n"
        f"def upgrade():\n    {guard}    conn = op.get_bind()\n    _backfill(conn)\n"
        "    n = conn.execute('SELECT count(*) FROM t').scalar()\n"
    )
    assert _offline(tmp_path, body) == []


def test_offline_unsafe_guarded_branches_and_helpers(tmp_path: Path) -> None:
    # prefect: `migration_context = op.get_context()` ... `if not migration_context.as_sql:`
    body = """\
        def _backfill(conn):
            return conn.execute(sa.text("SELECT 1")).scalar()


        def upgrade():
            migration_context = op.get_context()
            with migration_context.autocommit_block():
                if not migration_context.as_sql:
                    invalid = op.get_bind().exec_driver_sql("SELECT 1 FROM pg_class").scalar()
                    _backfill(op.get_bind())
                op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (c)")
            n = None if context.is_offline_mode() else op.get_bind().execute(sa.text("SELECT 1")).scalar()


        def downgrade():
            _backfill(op.get_bind())
        """
    assert _offline(tmp_path, body) == [(9, ".scalar() in _backfill() (run by downgrade())")]


def test_offline_unsafe_follows_multidb_entries_and_reflection(tmp_path: Path) -> None:
    body = """\
        def upgrade(engine_name):
            globals()["upgrade_%s" % engine_name]()


        def upgrade_engine1():
            meta = sa.MetaData()
            meta.reflect(bind=op.get_bind())
            insp = sa.engine.reflection.Inspector.from_engine(op.get_bind())
        """
    assert _offline(tmp_path, body) == [
        (14, "meta.reflect() in upgrade_engine1()"),
        (15, "sa.engine.reflection.Inspector.from_engine() in upgrade_engine1()"),
    ]


def test_offline_unsafe_reads_inspect_imported_from_sqlalchemy_only(tmp_path: Path) -> None:
    header = HEADER.replace(
        "import sqlalchemy as sa\n", "import inspect as pyinspect\nfrom sqlalchemy import inspect\n"
    )
    write_project(
        tmp_path,
        files={
            "0001_r1.py": header
            + "def upgrade():\n    pyinspect.signature(upgrade)\n    inspect(op.get_bind()).get_table_names()\n"
        },
    )
    assert [(line, m.split(" needs ")[0]) for _, line, m in found(tmp_path, "MG505")] == [
        (11, "inspect() in upgrade()")
    ]


def test_offline_setting_turns_mg505_on(tmp_path: Path) -> None:
    write_project(tmp_path, files={"0001_r1.py": revision("def upgrade():\n    sa.inspect(op.get_bind())\n")})
    assert found(tmp_path, "MG505", select=False) == []
    (tmp_path / "pyproject.toml").write_text("[tool.miglint]\noffline = true\n")
    assert [line for _, line, _ in found(tmp_path, "MG505", select=False)] == [9]
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\noffline = true\nignore = ["offline-unsafe"]\n')
    assert found(tmp_path, "MG505", select=False) == []
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\noffline = "yes"\n')
    with pytest.raises(ConfigError, match="offline must be true or false"):
        found(tmp_path, "MG505", select=False)


def test_offline_facts_survive_a_chain_of_helpers() -> None:
    helpers = "".join(f"def h{i}():\n    h{i + 1}()\n\n" for i in range(1500))
    source = f"{HEADER}{helpers}def h1500():\n    sa.inspect(op.get_bind())\n\ndef upgrade():\n    h0()\n"
    record = parse_revision_file("r1.py", source.encode(), ops=True)
    assert [(u.function, u.entry) for u in record.offline_uses] == [("h1500", "upgrade")]


def test_offline_facts_are_read_only_for_the_rules_that_need_them() -> None:
    # a syntax tree for each file that may ask the database: a tenth of onyx's parse stage,
    # for MG505, which is off unless `offline = true` (pipeline.OP_RULES)
    source = f"{HEADER}def upgrade():\n    sa.inspect(op.get_bind())\n"
    assert parse_revision_file("r1.py", source.encode()).offline_uses == ()
    assert [u.span.line for u in parse_revision_file("r1.py", source.encode(), ops=True).offline_uses] == [9]


# -- MG506: imports-application-code ----------------------------------------------------


def _app_project(tmp_path: Path, imports: str, body: str = "def upgrade():\n    pass\n") -> Path:
    write_project(
        tmp_path, files={"0001_r1.py": HEADER.replace("\n\nrevision", f"\n{imports}\nrevision") + body}
    )
    return tmp_path


def _messages(root: Path) -> list[str]:
    return [message for _, _, message in found(root, "MG506", select=False)]


def test_application_imports_at_the_top_and_inside_functions(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "models.py").write_text("class User: ...\n")
    (tmp_path / "myapp.py").write_text("")
    root = _app_project(
        tmp_path,
        "from app.models import User, Group\nimport myapp\nimport sqlalchemy_utils\nimport geoalchemy2\nimport json\n",
        "def upgrade():\n    from app import enums\n    op.f()\n",
    )
    assert found(root, "MG506", select=False) == [
        ("0001_r1.py", 3, "imports the application's own code: app.models (User, Group)"),
        ("0001_r1.py", 4, "imports the application's own code: myapp"),
        ("0001_r1.py", 14, "imports the application's own code in upgrade(): app (enums)"),
    ]


def test_a_src_layout_and_a_package_holding_the_migrations(tmp_path: Path) -> None:
    # fides: src/fides/api/alembic/migrations; indico: indico/migrations (no __init__.py in the export)
    (tmp_path / "src" / "fides" / "api").mkdir(parents=True)
    (tmp_path / "src" / "fides" / "__init__.py").write_text("")
    (tmp_path / "src" / "fides" / "config.py").write_text("CONFIG = None\n")
    root = _app_project(tmp_path, "from fides.config import CONFIG\nfrom migrations.fixtures import load\n")
    assert _messages(root) == ["imports the application's own code: fides.config (CONFIG)"]


def test_the_migration_tree_and_relative_imports_are_not_the_application(tmp_path: Path) -> None:
    (tmp_path / "migrations" / "helpers.py").parent.mkdir(parents=True)
    (tmp_path / "migrations" / "helpers.py").write_text("")
    root = _app_project(
        tmp_path,
        "from migrations.helpers import enum_values\nfrom ..helpers import x\nfrom . import _utils\n",
    )
    assert _messages(root) == []


def _manila_layout(root: Path) -> None:
    """manila/db/migrations/{alembic.ini,utils.py,alembic/versions}: a revision importing the
    migrations' own helper and the application's constants."""
    package = root / "manila" / "db" / "migrations"
    versions = package / "alembic" / "versions"
    versions.mkdir(parents=True)
    (package / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    (package / "__init__.py").write_text("")
    (package / "utils.py").write_text("def load_table(name, conn): ...\n")
    (root / "manila" / "common").mkdir()
    (root / "manila" / "common" / "constants.py").write_text("STATUS_AVAILABLE = 'available'\n")
    (versions / "0001_r1.py").write_text(
        HEADER.replace(
            "\n\nrevision",
            "\nfrom manila.db.migrations import utils\nfrom manila.common import constants\nrevision",
        )
        + "def upgrade():\n    pass\n"
    )


def test_the_package_beside_alembic_ini_holds_migration_helpers(tmp_path: Path) -> None:
    # manila: manila/db/migrations/{alembic.ini,utils.py,alembic/versions}; neutron likewise
    _manila_layout(tmp_path)
    assert _messages(tmp_path) == ["imports the application's own code: manila.common (constants)"]


def test_package_dir_settings_and_the_allowed_setting(tmp_path: Path) -> None:
    (tmp_path / "lib" / "shop").mkdir(parents=True)
    (tmp_path / "lib" / "shop" / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text('[tool.setuptools]\npackage-dir = {"" = "lib"}\n')
    root = _app_project(tmp_path, "from shop.models import Order\nfrom shop.db.migration_utils import f\n")
    assert _messages(root) == [
        "imports the application's own code: shop.models (Order)",
        "imports the application's own code: shop.db.migration_utils (f)",
    ]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.setuptools]\npackage-dir = {"" = "lib"}\n\n[tool.miglint.rules.MG506]\nallowed = ["shop.db"]\n'
    )
    assert _messages(root) == ["imports the application's own code: shop.models (Order)"]
    (tmp_path / "pyproject.toml").write_text('[tool.miglint.rules.MG506]\nallowed = "shop"\n')
    with pytest.raises(ConfigError, match="allowed must be a list"):
        _messages(root)


def test_nothing_above_the_repository_is_the_application(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    _app_project(repository, "from app.models import User\n")
    assert _messages(repository) == []


def test_outside_a_repository_the_target_does_not_change_what_is_the_application(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openstack mistral exported without .git: linting the ini finds what linting `.` finds."""
    package = tmp_path / "mistral"
    (package / "db").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "db" / "__init__.py").write_text("")
    (package / "db" / "types.py").write_text("JsonDict = None\n")
    scripts = package / "db" / "migration"
    write_project(
        scripts,
        files={
            "0001_r1.py": HEADER.replace("\n\nrevision", "\nfrom mistral.db import types\nrevision")
            + "def upgrade():\n    pass\n"
        },
    )
    monkeypatch.chdir(tmp_path)
    for target in (".", "mistral/db/migration/alembic.ini", "mistral/db/migration/migrations"):
        result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "--select", "MG506", target])
        assert "MG506 imports the application's own code: mistral.db (types)" in result.stdout, (
            target,
            result.stdout,
        )


def test_results_follow_the_application_appearing(tmp_path: Path) -> None:
    root = _app_project(tmp_path, "from app.models import User\n")
    options = Options(cache_dir=tmp_path / ".cache")

    def codes() -> list[str]:
        return [d.code for r in lint_paths([str(root)], root, options) for d in r.diagnostics]

    assert codes() == []
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    assert codes() == ["MG506"]
    assert codes() == ["MG506"]  # from the cached results


def test_import_facts_come_from_the_code_not_the_text() -> None:
    source = (
        '"""Revision ID: r1\n\nfrom app.models import InDocstring\n"""\n'
        "from alembic import op\nimport json, app.db as db\n"
        "from app.models import (\n    User,\n    Group,\n)\nfrom app.legacy import *\nfrom . import _utils\n"
        "revision = 'r1'\ndown_revision = None\n\n\n"
        "class Shape:\n    from app.shapes import Circle\n\n\n"
        "def upgrade():\n    import app.helpers.backfill\n"
    )
    record = parse_revision_file("r1.py", source.encode())
    assert [(f.module, f.names, f.span.line, f.function) for f in record.imports] == [
        ("app.db", (), 6, ""),
        ("app.models", ("User", "Group"), 7, ""),
        ("app.legacy", ("*",), 11, ""),
        ("app.shapes", ("Circle",), 18, "Shape"),
        ("app.helpers.backfill", (), 22, "upgrade"),
    ]


def test_a_top_level_package_shipping_its_alembic_ini_is_the_application(tmp_path: Path) -> None:
    # jupyterhub: jupyterhub/{alembic.ini,alembic/versions,orm.py}
    package = tmp_path / "jupyterhub"
    versions = package / "alembic" / "versions"
    versions.mkdir(parents=True)
    (package / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    (package / "__init__.py").write_text("")
    (package / "orm.py").write_text("class JSONDict: ...\n")
    (versions / "0001_r1.py").write_text(
        HEADER.replace("\n\nrevision", "\nfrom jupyterhub.orm import JSONDict\nrevision")
        + "def upgrade():\n    pass\n"
    )
    assert _messages(tmp_path) == ["imports the application's own code: jupyterhub.orm (JSONDict)"]


def test_offline_unsafe_reads_a_chain_broken_after_its_dot(tmp_path: Path) -> None:
    # manila: `(session.query(es_table).\n    filter(...).\n    all())`
    body = """\
        def upgrade():
            session = sa.orm.Session(bind=op.get_bind())
            existing = (session.query(es_table).
                        filter(es_table.c.deleted == 0).
                        all())
        """
    assert _offline(tmp_path, body) == [(10, ".all() in upgrade()")]


def test_imports_for_type_checkers_only_are_not_facts() -> None:
    source = (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from app.models import User\n"
        "    # the models are not imported at run time\n\n    from app.enums import Role\n"
        "else:\n    from app.runtime import Thing\n"
        "revision = 'r1'\ndown_revision = None\n\ndef upgrade():\n    pass\n"
    )
    record = parse_revision_file("r1.py", source.encode())
    assert [(f.module, f.span.line) for f in record.imports] == [("app.runtime", 9)]


def test_downgrade_sql_read_for_its_facts_only_gets_no_fix_proved() -> None:
    """The MG5xx rules need downgrade()'s facts; the SQL rules check it only with
    include-downgrade: reading it as they do would cost every cold run fix proofs."""
    from miglint.reading.parse import parse_revision_file

    source = (
        b"from alembic import op\nrevision = 'a'\ndown_revision = None\n\n"
        b"def upgrade():\n    op.execute('CREATE TABLE t (id int)')\n\n"
        b"def downgrade():\n    op.execute('DROP TABLE t')\n"
    )
    checked = parse_revision_file("v.py", source, downgrade=True)
    facts_only = parse_revision_file("v.py", source, downgrade="facts")
    by_entry = {s.entry: s for s in checked.sql}
    assert by_entry["upgrade"].insert is not None and by_entry["downgrade"].insert is not None
    only = {s.entry: s for s in facts_only.sql}
    assert only["upgrade"].insert == by_entry["upgrade"].insert
    assert only["downgrade"].insert is None and only["downgrade"].kind == "DROP TABLE"
    assert [o.name for o in facts_only.operations if o.entry == "downgrade"] == ["drop_table"]


def test_a_script_directory_imported_as_a_namespace_package_is_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ckan: `from ckan.migration import skip_based_on_legacy_engine_version`, where
    ckan/migration (the script directory, no __init__.py in an export) is imported as a
    namespace package: part of the migrations, not the application."""
    package = tmp_path / "ckan"
    package.mkdir()
    (package / "__init__.py").write_text("")
    scripts = package / "migration"
    (scripts / "versions").mkdir(parents=True)
    (scripts / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s\n")
    (scripts / "env.py").write_text("from alembic import context\n")
    (scripts / "versions" / "0001_r1.py").write_text(
        HEADER.replace("\n\nrevision", "\nfrom ckan.migration import skip_legacy\nrevision")
        + "def upgrade():\n    pass\n"
    )
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "--select", "MG506", "."])
    assert "MG506" not in result.stdout, result.stdout


def _lint_mg506(target: str) -> list[str]:
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "--select", "MG506", target])
    return [line for line in result.stdout.splitlines() if " MG506 " in line]


def test_a_versions_directory_linted_alone_judges_imports_as_the_root_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # aiida-core: src/aiida/storage/psql_dos/migrations/{env.py,utils/,versions/}; no alembic.ini
    (tmp_path / ".git").mkdir()
    package = tmp_path / "src" / "pkg"
    scripts = package / "migrations"
    (scripts / "versions").mkdir(parents=True)
    (package / "common").mkdir()
    for name in ("__init__.py", "common/__init__.py", "migrations/__init__.py", "migrations/script.py.mako"):
        (package / name).write_text("")
    (scripts / "env.py").write_text("from alembic import context\n")
    (scripts / "utils.py").write_text("def helper(): ...\n")
    (scripts / "versions" / "0001_r1.py").write_text(
        HEADER.replace(
            "\n\nrevision", "\nfrom pkg.migrations.utils import helper\nfrom pkg.common import tz\nrevision"
        )
        + "def upgrade():\n    helper()\n"
    )
    monkeypatch.chdir(tmp_path)
    expected = [
        "src/pkg/migrations/versions/0001_r1.py:4:1: MG506 imports the application's own code: pkg.common (tz)"
    ]
    for target in (
        ".",
        "src/pkg/migrations",
        "src/pkg/migrations/versions",
        "src/pkg/migrations/versions/0001_r1.py",
    ):
        assert _lint_mg506(target) == expected, target


def test_the_package_beside_alembic_ini_is_the_migrations_whatever_is_linted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # manila in a checkout: linting the package holding alembic.ini finds what linting the root finds
    (tmp_path / ".git").mkdir()
    _manila_layout(tmp_path)
    monkeypatch.chdir(tmp_path)
    expected = [
        "manila/db/migrations/alembic/versions/0001_r1.py:4:1: MG506 imports the application's own code: "
        "manila.common (constants)"
    ]
    for target in (
        ".",
        "manila/db/migrations",
        "manila/db/migrations/alembic.ini",
        "manila/db/migrations/alembic/versions",
    ):
        assert _lint_mg506(target) == expected, target


def test_a_sub_project_holding_alembic_ini_is_the_application(tmp_path: Path) -> None:
    # a monorepo: services/api/{pyproject.toml,alembic.ini,alembic/,api/}: api is the application
    (tmp_path / ".git").mkdir()
    project = tmp_path / "services" / "api"
    versions = project / "alembic" / "versions"
    versions.mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'api'\n")
    (project / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    (project / "api").mkdir()
    (project / "api" / "__init__.py").write_text("")
    (project / "api" / "models.py").write_text("class User: ...\n")
    (versions / "0001_r1.py").write_text(
        HEADER.replace("\n\nrevision", "\nfrom api.models import User\nrevision")
        + "def upgrade():\n    pass\n"
    )
    expected = ["imports the application's own code: api.models (User)"]
    assert _messages(tmp_path) == expected
    assert _messages(project) == expected


def test_a_sub_package_named_like_an_installed_package_is_not_the_application(tmp_path: Path) -> None:
    """group-based-policy: gbpservice/neutron/db/migration/alembic_migrations imports the
    installed `neutron`; gbpservice/ is a package, so its neutron/ is `gbpservice.neutron`,
    never the top-level `neutron`. The project's own `gbpservice.common` is still reported."""
    (tmp_path / ".git").mkdir()
    package = tmp_path / "gbpservice"
    migration = package / "neutron" / "db" / "migration"
    versions = migration / "alembic_migrations" / "versions"
    versions.mkdir(parents=True)
    for directory in (package, package / "neutron", package / "neutron" / "db", migration):
        (directory / "__init__.py").write_text("")
    (package / "neutron" / "db" / "models_v2.py").write_text("class Port: ...\n")
    (package / "common.py").write_text("X = 1\n")
    (migration / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic_migrations\n")
    (versions / "0001_r1.py").write_text(
        HEADER.replace(
            "\n\nrevision", "\nfrom neutron.db import models_v2\nfrom gbpservice import common\nrevision"
        )
        + "def upgrade():\n    pass\n"
    )
    assert _messages(tmp_path) == ["imports the application's own code: gbpservice (common)"]
