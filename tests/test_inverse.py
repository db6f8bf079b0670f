"""Downgrade integrity (MG501, MG502, MG504): the facts they read, and revisions of real shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from histories import write_project
from miglint.pipeline import Options, lint_paths
from miglint.reading.parse import parse_revision_file

ENUMS = b"""import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "a1"
down_revision = None

status = postgresql.ENUM("a", "b", name="status", create_type=False)


def upgrade():
    status.create(op.get_bind(), checkfirst=True)
    op.create_table("t", sa.Column("s", status), sa.Column("k", sa.Enum("p", name="kind")))
    op.add_column("u", sa.Column("c", sa.Enum("x", name="colour")))
    op.execute("CREATE TYPE mood AS ENUM ('r')")


def downgrade():
    sa.Enum(name="kind").drop(op.get_bind())
    op.execute("DROP TYPE mood; ALTER TABLE t DROP CONSTRAINT ck")
    op.drop_table("t")
    raise NotImplementedError()
"""


def test_enum_facts_and_raises() -> None:
    record = parse_revision_file("v.py", ENUMS)
    found = [(e.entry, e.name, e.table, e.target, e.span.line) for e in record.enums]
    # add_column creates no type: the ALTER TABLE needs it to exist already
    assert found == [
        ("upgrade", "create_enum", "", "status", 12),
        ("upgrade", "create_enum", "t", "kind", 13),
        ("upgrade", "create_enum", "", "mood", 15),
        ("downgrade", "drop_enum", "", "kind", 19),
        ("downgrade", "drop_enum", "", "mood", 20),
    ]
    assert record.raises == ("downgrade",)
    assert ("downgrade", "drop_constraint", "t", "ck") in [
        (o.entry, o.name, o.table, o.target) for o in record.operations
    ]
    assert not any(o.name in ("create_enum", "drop_enum", "raise") for o in record.operations)


def test_unnamed_constraint_options() -> None:
    source = b"""from alembic import op
revision = "a1"
down_revision = None
def upgrade():
    op.create_foreign_key(None, "posts", "users", ["author_id"], ["id"])
    with op.batch_alter_table("t", naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch_op:
        batch_op.create_unique_constraint(None, ["a", "b"])
def downgrade():
    op.drop_constraint(None, "posts", type_="foreignkey")
"""
    options = [dict(o.options) for o in parse_revision_file("v.py", source).operations]
    assert options[0] == {"unnamed": "True", "columns": "author_id", "referent": "users"}
    assert options[1] == {"unnamed": "True", "naming_convention": "True", "columns": "a,b"}
    assert options[2] == {"type_": '"foreignkey"', "unnamed": "True"}  # keywords keep their source text


def _lint(tmp_path: Path, source: str, codes: str) -> list[tuple[str, int, str]]:
    write_project(tmp_path, (), {"0001_r1.py": source})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=codes.split(",")))
    return [(d.code, d.span.line, d.message) for r in reports for d in r.diagnostics]


# autogenerate's shape: the columns it adds are not the ones it drops (a model edited
# between two autogenerate runs), and the foreign keys are unnamed on both sides
AUTOGENERATE = """import sqlalchemy as sa
from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    op.add_column("incident", sa.Column("participants_team", sa.String(), nullable=True))
    op.add_column("incident", sa.Column("reporter_id", sa.Integer(), nullable=True))
    op.create_foreign_key(None, "incident", "participant", ["reporter_id"], ["id"])


def downgrade():
    op.drop_constraint(None, "incident", type_="foreignkey")
    op.drop_column("incident", "reporter_id")
    op.drop_column("incident", "primary_team")
"""


def test_autogenerate_shape(tmp_path: Path) -> None:
    found = _lint(tmp_path, AUTOGENERATE, "MG502,MG504")
    assert found == [
        ("MG504", 9, "upgrade() creates column participants_team of table incident and downgrade() does not drop it"),
        ("MG502", 15, "op.drop_constraint(None, 'incident') in downgrade() fails: Alembic cannot drop a constraint without its name"),
    ]  # fmt: skip
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG502"]))
    (drop,) = [d for r in reports for d in r.diagnostics]
    assert [(r.span.line, r.note) for r in drop.related] == [(11, "created here without a name")]
    assert drop.help == (
        'name it in both places, e.g. op.f("fk_incident_reporter_id_participant") (line 11 creates it); '
        "databases that already ran it hold it as incident_reporter_id_fkey on PostgreSQL"
    )


def test_partitions_go_with_their_parent_and_conventions_prefix_names(tmp_path: Path) -> None:
    source = """import sqlalchemy as sa
from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    op.create_table("prefs", sa.Column("id", sa.Integer()), postgresql_partition_by="LIST (id)")
    op.execute("CREATE TABLE prefs_current PARTITION OF prefs FOR VALUES IN (1)")
    op.create_check_constraint("valid_state", "abstracts", "state IN (1, 2)")


def downgrade():
    op.drop_constraint("ck_abstracts_valid_state", "abstracts")
    op.drop_table("prefs")
"""
    assert _lint(tmp_path, source, "MG504") == []


# a type made by a variable, then used by add_column (its ALTER TABLE needs the type first):
# downgrade() drops the column and leaves the type
VARIABLE_ENUM = """import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "r1"
down_revision = None


def upgrade():
    worker_status = sa.Enum("ONLINE", "OFFLINE", name="worker_status")
    worker_status.create(op.get_bind())
    op.add_column("worker", sa.Column("status", worker_status, server_default="OFFLINE", nullable=False))


def downgrade():
    op.drop_column("worker", "status")
"""


def test_enum_made_by_a_variable_and_left_behind(tmp_path: Path) -> None:
    assert _lint(tmp_path, VARIABLE_ENUM, "MG501,MG504") == [
        (
            "MG501", 11,
            'upgrade() creates the ENUM type worker_status and downgrade() does not drop it: after a downgrade '
            'the next upgrade fails with `type "worker_status" already exists`',
        ),
    ]  # fmt: skip
    # prefect's shape: postgresql.ENUM's create() asks the database first (checkfirst=True by
    # default), so the next upgrade does not fail on the type left behind
    checked = VARIABLE_ENUM.replace("sa.Enum(", "postgresql.ENUM(")
    assert _lint(tmp_path / "checked", checked, "MG501") == []


def test_enum_dropped_by_a_new_enum_of_the_same_name_or_in_another_dialect(tmp_path: Path) -> None:
    dropped = VARIABLE_ENUM.replace(
        '    op.drop_column("worker", "status")\n',
        '    op.drop_column("worker", "status")\n    sa.Enum("ONLINE", "OFFLINE", name="worker_status").drop(op.get_bind())\n',
    )
    assert _lint(tmp_path / "dropped", dropped, "MG501") == []
    (tmp_path / "sqlite").mkdir()
    (tmp_path / "sqlite" / "pyproject.toml").write_text('[tool.miglint]\ndialect = "sqlite"\n')
    assert _lint(tmp_path / "sqlite", VARIABLE_ENUM, "MG501") == []


def test_a_constraint_restored_under_another_name_is_restored(tmp_path: Path) -> None:
    source = """from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    op.drop_constraint("files_ibfk_3", "files", type_="foreignkey")
    op.drop_constraint("files_slug_key", "files", type_="unique")


def downgrade():
    op.create_foreign_key("fk_files_solution_id_solutions", "files", "solutions", ["solution_id"], ["id"])
"""
    assert _lint(tmp_path, source, "MG504") == [
        (
            "MG504",
            9,
            "upgrade() drops constraint files_slug_key of table files and downgrade() does not restore it",
        )
    ]


def test_the_facts_come_back_from_the_cache(tmp_path: Path) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    raising = VARIABLE_ENUM.replace("    op.drop_column", "    raise NotImplementedError\n    op.drop_column")
    second = AUTOGENERATE.replace('"r1"', '"r2"').replace("down_revision = None", 'down_revision = "r1"')
    written = write_project(project, (), {"0001_r1.py": raising, "0002_r2.py": second})

    def run() -> list[tuple[str, str, int]]:
        options = Options(cache_dir=cache, select=["MG501", "MG502", "MG504"])
        reports = lint_paths([str(project)], project, options)
        return [(d.code, Path(d.path).name, d.span.line) for r in reports for d in r.diagnostics]

    first = run()
    # a file changes: the records come from the cache's records, not from its stored results
    written["0002_r2.py"].write_text(second + "\n")
    # r1's downgrade() raises: its enum is not reported, from the parse or from the cache
    assert first == run() == [("MG504", "0002_r2.py", 9), ("MG502", "0002_r2.py", 15)]


def test_batch_op_f_names_what_it_wraps(tmp_path: Path) -> None:
    """Alembic's batch autogenerate writes `batch_op.f("name")` (Prefect's SQLite revisions):
    a constraint dropped and made again by that name is neither created nor dropped."""
    source = """from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    with op.batch_alter_table("block_document") as batch_op:
        batch_op.drop_constraint("fk_block__block_schema_id__block_schema")
    with op.batch_alter_table("block_document") as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_block__block_schema_id__block_schema"), "block_schema", ["block_schema_id"], ["id"]
        )


def downgrade():
    op.drop_table("block_type")
"""
    assert _lint(tmp_path, source, "MG504") == []


@pytest.mark.parametrize(
    "text",
    [
        "t = sa.Enum('a', name='mood')", "postgresql.ENUM ('a', name='m')", "a.b.Enum\t(", "MyEnum('a')",
        "x.MyEnum(", "1x.Enum(", "_Enum(", ".Enum(", "(Enum(Enum(", "é.Enum(", "sa.Enumerated(", "",
    ],
)  # fmt: skip
def test_enum_calls_are_found_as_the_qualified_pattern_finds_them(text: str) -> None:
    import re

    from miglint.facts.ops import _enum_calls

    pattern = re.compile(r"(?<![\w.])(?:[^\W\d]\w*\.)*(?:Enum|ENUM)[ \t]*\(")
    assert list(_enum_calls(text)) == [(m.start(), m.end()) for m in pattern.finditer(text)]


def test_a_batch_drop_column_naming_the_table_too_is_called_out(tmp_path: Path) -> None:
    """`batch_op.drop_column("pageviews", "version")` (knowledge-repo, keylime): a batch
    operation takes the column alone, so the call raises TypeError and the column stays.
    The author reads a drop of the column in downgrade(): the message says why it is none."""
    source = """import sqlalchemy as sa
from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    with op.batch_alter_table("pageviews") as batch_op:
        batch_op.add_column(sa.Column("version", sa.String(100), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(100), nullable=True))


def downgrade():
    with op.batch_alter_table("pageviews") as batch_op:
        batch_op.drop_column("pageviews", "version")
        batch_op.drop_column("source")
"""
    write_project(tmp_path, (), {"0001_r1.py": source})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG504"]))
    (found,) = [d for r in reports for d in r.diagnostics]
    assert (found.code, found.span.line, found.span.column) == ("MG504", 10, 8)
    assert found.message == (
        "upgrade() creates column version of table pageviews and downgrade() does not drop it: "
        "downgrade()'s batch_op.drop_column() at line 16 names the table too, and a batch operation "
        "takes the column alone (TypeError when it runs)"
    )
    assert found.help == "drop_column('version') inside the batch_alter_table('pageviews') block"
    (call,) = [
        o for o in parse_revision_file("v.py", source.encode()).operations if o.option("second_argument")
    ]
    assert call.option("second_argument") == "version"


def test_an_enum_column_commented_out_of_a_create_table_creates_no_type() -> None:
    """osparc: `# sa.Column('state', sa.Enum(..., name='statetype'))` inside op.create_table,
    the column added by raw SQL of a type an older revision made: MG501 read the comment."""
    source = (
        "revision = 'r2'\ndown_revision = 'r1'\n\n\ndef upgrade():\n"
        "    op.create_table(\n"
        "        'snapshots',\n"
        "        sa.Column('id', sa.Integer(), primary_key=True),\n"
        "        # sa.Column('state', sa.Enum('a', 'b', name='statetype'), nullable=True),\n"
        "        sa.Column('kind', sa.Enum('x', name='kind'), comment='# not a comment'),\n"
        "    )\n\n\ndef downgrade():\n    op.drop_table('snapshots')\n"
    )
    record = parse_revision_file("v.py", source.encode(), downgrade="facts")
    assert [(e.name, e.target) for e in record.enums] == [("create_enum", "kind")]


UNNAMED = """import sqlalchemy as sa
from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    op.create_unique_constraint(None, "members", ["team_id", "user_id"])
    op.create_check_constraint(None, "teams", "id > 0")


def downgrade():
    op.drop_constraint("members_team_id_key", "members", type_="unique")
    op.drop_constraint(None, "members", type_="check")
"""


@pytest.mark.parametrize("where", ["env.py", "models", "nowhere"])
def test_unnamed_creates_under_the_naming_convention_env_py_imports(tmp_path: Path, where: str) -> None:
    """Pagure: env.py's target_metadata comes from the models, whose MetaData has the
    convention {"uq": "%(table_name)s_%(column_0_name)s_key", ...}: Alembic names the unique
    by it. The check constraint, which the convention does not name, is still reported, and
    so is a drop by None (Alembic refuses it whatever the convention)."""
    convention = 'CONVENTION = {"uq": "%(table_name)s_%(column_0_name)s_key", "fk": "fk_%(table_name)s"}\n'
    env = "from alembic import context\nfrom myapp.models import BASE\ntarget_metadata = BASE.metadata\n"
    if where == "env.py":
        env += convention
    elif where == "models":
        (tmp_path / "myapp").mkdir()
        (tmp_path / "myapp" / "__init__.py").write_text("")
        (tmp_path / "myapp" / "models.py").write_text("from myapp.base import BASE\n")
        (tmp_path / "myapp" / "base.py").write_text(
            "import sqlalchemy as sa\n" + convention + "BASE = sa.MetaData(naming_convention=CONVENTION)\n"
        )
    write_project(tmp_path, (), {"0001_r1.py": UNNAMED})
    (tmp_path / "migrations" / "env.py").write_text(env)
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG502"]))
    found = [(d.span.line, d.message.split(" ")[0]) for r in reports for d in r.diagnostics]
    unique = [] if where != "nowhere" else [(9, "op.create_unique_constraint(None,")]
    assert found == [*unique, (10, "op.create_check_constraint(None,"), (15, "op.drop_constraint(None,")]


FLASK_ENV = """from flask import current_app
from alembic import context

target_db = current_app.extensions["migrate"].db


def get_metadata():
    return target_db.metadata


context.configure(target_metadata=get_metadata())
"""


@pytest.mark.parametrize("db_modules", ["one", "none", "two that disagree"])
def test_a_flask_migrate_env_takes_the_convention_of_the_app_s_sqlalchemy(
    tmp_path: Path, db_modules: str
) -> None:
    """hushline: Flask-Migrate's env.py hands Alembic `current_app.extensions["migrate"].db`'s
    metadata, known only when the app runs; hushline/db.py makes `db = SQLAlchemy(metadata=
    MetaData(naming_convention=...))`. One such module with a convention is the app's; two that
    disagree leave it unknown (MG502 reports as before)."""
    app = tmp_path / "myapp"
    app.mkdir()
    (app / "__init__.py").write_text("")
    convention = '{"uq": "uq_%(table_name)s_%(column_0_name)s", "fk": "fk_%(table_name)s"}'
    db = "from flask_sqlalchemy import SQLAlchemy\nfrom sqlalchemy import MetaData\n\n"
    if db_modules != "none":
        (app / "db.py").write_text(
            f"{db}db = SQLAlchemy(metadata=MetaData(naming_convention={convention}))\n"
        )
    if db_modules == "two that disagree":
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "extensions.py").write_text(
            f'{db}db = SQLAlchemy(metadata=MetaData(naming_convention={{"ck": "ck_%(table_name)s"}}))\n'
        )
    write_project(tmp_path, (), {"0001_r1.py": UNNAMED})
    (tmp_path / "migrations" / "env.py").write_text(FLASK_ENV)
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG502"]))
    found = [d.span.line for r in reports for d in r.diagnostics]
    assert found == ([10, 15] if db_modules == "one" else [9, 10, 15])


def test_cached_results_follow_the_naming_convention(tmp_path: Path) -> None:
    """The modules read for the convention decide the results: the cache knows them."""
    (tmp_path / "myapp").mkdir()
    (tmp_path / "myapp" / "__init__.py").write_text("")
    base = tmp_path / "myapp" / "models.py"
    base.write_text(
        'import sqlalchemy as sa\nBASE = sa.MetaData(naming_convention={"uq": "uq_%(table_name)s"})\n'
    )
    write_project(tmp_path, (), {"0001_r1.py": UNNAMED})
    (tmp_path / "migrations" / "env.py").write_text("from myapp.models import BASE\ntarget_metadata = BASE\n")
    options = Options(cache_dir=tmp_path / ".cache", select=["MG502"])

    def lines() -> list[int]:
        return [d.span.line for r in lint_paths([str(tmp_path)], tmp_path, options) for d in r.diagnostics]

    assert lines() == [10, 15]
    base.write_text("import sqlalchemy as sa\nBASE = sa.MetaData()\n")
    assert lines() == [9, 10, 15]
    assert lines() == [9, 10, 15]  # from the cached results


def test_the_convention_is_followed_from_target_metadata_through_imports(tmp_path: Path) -> None:
    """Pagure's shape: env.py imports the models inside a try and names
    `pagure.lib.model.BASE.metadata`; model.py imports BASE from model_base.py, which builds
    it with the convention. A module env.py imports but target_metadata does not name is
    not read for one (it may be anything: a settings module with its own templates)."""
    from miglint.facts.convention import naming_convention

    lib = tmp_path / "pagure" / "lib"
    lib.mkdir(parents=True)
    for package in (tmp_path / "pagure", lib):
        (package / "__init__.py").write_text("")
    (lib / "model.py").write_text(
        "import os\n\nfrom pagure.lib.model_base import BASE\n\n\nclass User(BASE):\n    pass\n"
    )
    (lib / "model_base.py").write_text(
        "import sqlalchemy\nfrom sqlalchemy.orm import declarative_base\n\n"
        'CONVENTION = {\n    "ix": "ix_%(table_name)s_%(column_0_label)s",\n'
        '    "uq": "%(table_name)s_%(column_0_name)s_key",\n}\n'
        "BASE = declarative_base(metadata=sqlalchemy.MetaData(naming_convention=CONVENTION))\n"
    )
    (lib / "settings.py").write_text('naming_convention = {"ck": "ck_%(table_name)s"}\n')
    env = tmp_path / "alembic" / "env.py"
    env.parent.mkdir()
    env.write_text(
        "from alembic import context\nimport pagure.lib.settings\ntry:\n    import pagure.lib.model\n"
        "except ImportError:\n    pass\n\ntarget_metadata = pagure.lib.model.BASE.metadata\n"
    )
    kinds, consulted = naming_convention(env, tmp_path)
    assert kinds == {"ix", "uq"}
    assert {str(lib / "model.py"), str(lib / "model_base.py")} <= consulted
    assert str(lib / "settings.py") not in consulted
    env.write_text("import pagure.lib.model\ntarget_metadata = None\n")
    assert naming_convention(env, tmp_path)[0] == frozenset()
