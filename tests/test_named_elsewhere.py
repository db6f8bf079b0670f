"""Names written elsewhere than in the call: a table named by an f-string of module
constants (`op.create_table(f"{TABLE}_new")`), and SQL run on a connection of Python's
sqlite3 module rather than Alembic's (`sqlite3.connect(path).execute(...)`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli_runner
from histories import write_project
from miglint.cli import main
from miglint.model import OpFact
from miglint.reading.parse import parse_revision_file
from miglint.sql.literal import extract_literal_sql
from miglint.sql.source import extract_sql


def revision(body: str, *, top: str = "", after: str = "") -> str:
    lines = "\n".join(f"    {line}" if line else "" for line in body.splitlines())
    return (
        f"from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'r1'\ndown_revision = None\n{top}\n\n"
        f"def upgrade():\n{lines}\n{after}"
    )


def facts(source: str) -> list[OpFact]:
    return list(parse_revision_file("v.py", source.encode()).operations)


def lint(root: Path, *args: str) -> tuple[int, str]:
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", *args, str(root)])
    return result.exit_code, result.stdout


def findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": MG" in line]


REBUILD = (
    'op.create_table(f"{TABLE}_new", sa.Column("id", sa.Integer, primary_key=True))\n'
    'op.execute(f"INSERT INTO {TABLE}_new (id) SELECT id FROM {TABLE}")\n'
    "op.drop_table(TABLE)\n"
    'op.rename_table(f"{TABLE}_new", TABLE)'
)


# -- f-strings of module constants in op calls ------------------------------------------


def test_an_f_string_of_module_constants_names_the_table() -> None:
    found = facts(revision(REBUILD, top='TABLE = "widgets"\nSUFFIX = "new"'))
    assert [(f.name, f.table, f.option("new_table_name")) for f in found if f.via == "op"] == [
        ("create_table", "widgets_new", None),
        ("drop_table", "widgets", None),
        ("rename_table", "widgets_new", "widgets"),
    ]
    body = 'op.create_index(f"ix_{TABLE}_{COLUMN}", F\'{TABLE}\', ["a"])'
    (index,) = facts(revision(body, top="TABLE = 'widgets'\nCOLUMN = 'a'"))
    assert (index.table, index.target, index.options) == ("widgets", "ix_widgets_a", ())


@pytest.mark.parametrize(
    ("argument", "top"),
    [
        ('f"{TABLE!s}_old"', 'TABLE = "widgets"'),  # a conversion
        ('f"{TABLE:>9}_old"', 'TABLE = "widgets"'),  # a format spec
        ('f"{TABLE.upper()}_old"', 'TABLE = "widgets"'),  # an expression
        ('f"{ TABLE }_old"', 'TABLE = "widgets"'),  # spaces inside the braces
        ('f"{{TABLE}}_old"', 'TABLE = "widgets"'),  # doubled braces
        ('f"{TABLE}_old"', 'TABLE = "widgets"\nTABLE = "gadgets"'),  # bound twice
        ('f"{TABLE}_old"', 'TABLE = "widgets"\n\n\ndef name():\n    global TABLE'),  # declared global
        ('f"{TABLE}_old"', "TABLE = get_name()"),  # not a literal
        ('f"{TABLE}_{other}"', 'TABLE = "widgets"'),  # one field is not a constant
        ('rf"{TABLE}_old"', 'TABLE = "widgets"'),  # another prefix
    ],
    ids=[
        "conversion",
        "spec",
        "expression",
        "spaces",
        "braces",
        "twice",
        "global",
        "call",
        "one-unknown",
        "raw",
    ],
)
def test_other_f_strings_stay_as_written(argument: str, top: str) -> None:
    (rename,) = facts(revision(f"op.rename_table({argument}, 'gadgets')", top=top))
    assert (rename.table, rename.option("table_as_written"), rename.option("new_table_name")) == (
        "",
        argument,
        "gadgets",
    )


def test_a_new_table_name_given_by_a_module_constant_is_read() -> None:
    (rename,) = facts(revision("op.rename_table('users', NEW)", top="NEW = 'accounts'"))
    assert (rename.table, rename.option("new_table_name")) == ("users", "accounts")


def test_a_rebuild_named_by_f_strings_is_clean(tmp_path: Path) -> None:
    # the SQLite-style rebuild: create the new shape, copy, drop the old, rename the copy into place
    write_project(tmp_path, files={"0001_r1.py": revision(REBUILD, top='TABLE = "widgets"')})
    assert lint(tmp_path) == (0, "All checks passed: 1 revision in 1 environment.\n")


def test_a_rename_named_by_f_strings_is_reported_with_its_names(tmp_path: Path) -> None:
    body = 'op.rename_table(f"{TABLE}_old", TABLE)'
    write_project(tmp_path, files={"0001_r1.py": revision(body, top='TABLE = "widgets"')})
    _, output = lint(tmp_path, "--select", "MG410")
    assert [line.split("0001_r1.py:", 1)[1] for line in findings(output)] == [
        "9:5: MG410 op.rename_table('widgets_old') renames table widgets_old to widgets: the release "
        "still running during the deploy uses the old name, and its queries fail until the new code is out"
    ]


@pytest.mark.parametrize(
    ("create", "flagged"),
    [
        ('op.create_table(f"{TABLE}_new", sa.Column("id", sa.Integer))', False),
        ('op.create_table(f"{TABLE}_new", sa.Column("id", sa.Integer), if_not_exists=True)', True),
        ('op.create_table(f"{TABLE!s}_new", sa.Column("id", sa.Integer))', True),  # not read
        ('op.create_table(f"{TABLE}_other", sa.Column("id", sa.Integer))', True),  # another table
        ("op.create_table(NEW, sa.Column('id', sa.Integer))", False),  # a module constant alone
        ("", True),
    ],
    ids=["f-string", "if-not-exists", "conversion", "other-table", "constant", "no-create"],
)
def test_an_insert_into_a_table_created_by_an_f_string_runs_once(
    tmp_path: Path, create: str, flagged: bool
) -> None:
    body = f'{create}\nop.execute(f"INSERT INTO {{TABLE}}_new (id) SELECT id FROM {{TABLE}}")'
    top = 'TABLE = "widgets"\nNEW = "widgets_new"'
    write_project(tmp_path, files={"0001_r1.py": revision(body, top=top)})
    _, output = lint(tmp_path, "--select", "MG204")
    assert [line.split(": ", 1)[1].split(" is ")[0] for line in findings(output)] == (
        ["MG204 INSERT widgets_new"] if flagged else []
    )


def test_an_insert_written_out_into_a_table_created_by_an_f_string_runs_once(tmp_path: Path) -> None:
    body = (
        'op.create_table(\n    table_name=f"{TABLE}_new",\n)\n'
        'op.execute("INSERT INTO widgets_new (id) SELECT id FROM widgets")'
    )
    write_project(tmp_path, files={"0001_r1.py": revision(body, top='TABLE = "widgets"')})
    assert lint(tmp_path, "--select", "MG204") == (0, "All checks passed: 1 revision in 1 environment.\n")


# -- SQL run on a connection of Python's sqlite3 module ------------------------------------


def upgrade_running(body: str, *, helpers: str = "") -> str:
    lines = "\n".join(f"    {line}" if line else "" for line in body.splitlines())
    return f"import sqlite3\nfrom alembic import op\n\n{helpers}\ndef upgrade():\n{lines}\n"


@pytest.mark.parametrize(
    "body",
    [
        "connection = sqlite3.connect(PATH, timeout=30)\nconnection.execute('CREATE INDEX ix_k ON cache (k)')",
        "with sqlite3.connect(PATH) as cache:\n    cache.execute('CREATE INDEX ix_k ON cache (k)')",
        "with closing(sqlite3.connect(PATH)) as cache:\n    cache.execute('CREATE INDEX ix_k ON cache (k)')",
        "connection = sqlite3.connect(PATH)\ncursor = connection.cursor()\ncursor.execute('CREATE INDEX ix_k ON cache (k)')",
        "connection = sqlite3.connect(PATH)\nconnection.cursor().execute('CREATE INDEX ix_k ON cache (k)')",
        "sqlite3.connect(PATH).execute('CREATE INDEX ix_k ON cache (k)')",
        "connection = sqlite3.connect(PATH)\nconnection.execute(statement_for('cache'))",  # not even read
    ],
    ids=["assigned", "with", "closing", "cursor", "cursor-call", "on-the-spot", "computed"],
)
def test_sql_on_a_sqlite3_connection_is_not_the_migrations(body: str) -> None:
    source = upgrade_running(f"op.execute('DROP TABLE old')\n{body}")
    extraction = extract_sql(source)
    assert ([s.text for s in extraction.sources], extraction.unresolved) == (["DROP TABLE old"], ())
    code = compile(source, "v.py", "exec")
    assert extract_literal_sql(source, code, ("upgrade",)) is None  # handed to the AST reader


@pytest.mark.parametrize(
    "body",
    [
        # bound to Alembic's connection too: which one runs it is not known
        "connection = sqlite3.connect(PATH)\nif OTHER:\n    connection = op.get_bind()\n"
        "connection.execute('CREATE INDEX ix_k ON cache (k)')",
        "with op.get_bind().connect() as connection:\n    connection.execute('CREATE INDEX ix_k ON cache (k)')\n"
        "connection = sqlite3.connect(PATH)",
        # another connection than the one bound to sqlite3
        "cache = sqlite3.connect(PATH)\nconnection = op.get_bind()\nconnection.execute('CREATE INDEX ix_k ON cache (k)')",
        # a cursor of Alembic's connection
        "cache = sqlite3.connect(PATH)\ncursor = op.get_bind().connection.cursor()\n"
        "cursor.execute('CREATE INDEX ix_k ON cache (k)')",
    ],
    ids=["bound-twice", "with-then-bound", "another-name", "alembic-cursor"],
)
def test_sql_on_another_connection_stays(body: str) -> None:
    source = upgrade_running(body)
    assert [s.text for s in extract_sql(source).sources] == ["CREATE INDEX ix_k ON cache (k)"]


def test_a_sqlite3_connection_of_another_function_or_a_parameter_is_not_this_ones() -> None:
    helpers = (
        "def heal(path):\n    connection = sqlite3.connect(path)\n    connection.execute('DELETE FROM cache')\n\n\n"
        "def index(connection):\n    connection.execute('CREATE INDEX ix_k ON cache (k)')\n    "
        "connection = sqlite3.connect(PATH)\n\n\n"
    )
    source = upgrade_running("heal(PATH)\nindex(op.get_bind())", helpers=helpers)
    assert [(s.text, s.function) for s in extract_sql(source).sources] == [
        ("CREATE INDEX ix_k ON cache (k)", "index")
    ]


def test_an_index_on_a_sqlite3_file_takes_no_postgresql_lock(tmp_path: Path) -> None:
    helpers = (
        "def heal(path):\n    connection = sqlite3.connect(path)\n    try:\n"
        "        connection.execute('CREATE INDEX IF NOT EXISTS ix_k ON cache (k)')\n"
        "        connection.commit()\n    finally:\n        connection.close()\n\n\n"
    )
    body = "op.get_bind().execute('CREATE INDEX ix_k ON cache (k)')\nheal(PATH)"
    source = "revision = 'r1'\ndown_revision = None\n" + upgrade_running(body, helpers=helpers)
    write_project(tmp_path, files={"0001_r1.py": source})
    _, output = lint(tmp_path, "--select", "MG401")
    assert [line.split(": ", 1)[1][:30] for line in findings(output)] == ["MG401 CREATE INDEX ix_k builds"]
    assert ":17:28: MG401" in output  # the one on Alembic's connection, not the helper's


# -- a name bound once, to a string, earlier in the same function --------------------------


def test_a_name_bound_once_to_a_string_in_the_function_names_the_table() -> None:
    body = (
        "TABLE = 'data'\n"
        'INDEX: str = "ix_data_tenant"  # annotated\n'
        "op.create_index(INDEX, TABLE, ['tenant_id'])\n"
        "op.rename_table(f'{TABLE}_old', TABLE)"
    )
    found = facts(revision(body))
    assert [(f.name, f.table, f.target, f.option("new_table_name")) for f in found] == [
        ("create_index", "data", "ix_data_tenant", None),
        ("rename_table", "data_old", "data_old", "data"),
    ]


@pytest.mark.parametrize(
    ("body", "helpers"),
    [
        ("op.create_index('ix', TABLE, ['a'])\nTABLE = 'data'", ""),  # bound after the call
        ("TABLE = 'data'\nif OTHER:\n    TABLE = 'other'\nop.create_index('ix', TABLE, ['a'])", ""),
        ("TABLE = 'data'\nTABLE += '_v2'\nop.create_index('ix', TABLE, ['a'])", ""),
        ("for TABLE in NAMES:\n    pass\nTABLE = 'data'\nop.create_index('ix', TABLE, ['a'])", ""),
        ("TABLE = 'data'\ndel TABLE\nTABLE = f()\nop.create_index('ix', TABLE, ['a'])", ""),
        (
            "op.create_index('ix', TABLE, ['a'])",
            "def other():\n    TABLE = 'data'\n\n\n",
        ),  # another function's
        (
            "TABLE = 'data'\nop.create_index('ix', TABLE, ['a'])",
            "def other():\n    global TABLE\n    TABLE = 'x'\n\n\n",
        ),
        # a closure over it, which may rebind it
        ("TABLE = 'data'\nrename = lambda: TABLE\nop.create_index('ix', TABLE, ['a'])", ""),
        ("x = 1\nop.create_index('ix', TABLE, ['a'])", ""),  # a global nothing binds
        ("x = '''\n    TABLE = 'data'\n'''\nop.create_index('ix', TABLE, ['a'])", ""),  # in a string
    ],
    ids=[
        "after",
        "twice",
        "augmented",
        "loop",
        "deleted",
        "elsewhere",
        "global",
        "closure",
        "unbound",
        "in-a-string",
    ],
)
def test_other_local_names_stay_as_written(body: str, helpers: str) -> None:
    source = revision(body, after=f"\n\n{helpers}" if helpers else "")
    (index,) = [f for f in facts(source) if f.name == "create_index"]
    assert (index.table, index.option("table_as_written")) == ("", "TABLE")


def test_a_local_of_another_function_is_another_variable() -> None:
    """neutron's rename recipe: `old_name = "tenant_id"` in one helper, `old_name = index["name"]`
    in another: each function's name is its own (a `global` would make them one: above)."""
    source = revision(
        "TABLE = 'data'\nop.create_index('ix', TABLE, ['a'])", after="\n\ndef other():\n    TABLE = 'other'\n"
    )
    (index,) = [f for f in facts(source) if f.name == "create_index"]
    assert (index.table, index.option("table_as_written")) == ("data", None)


def test_a_parameter_is_no_local_string() -> None:
    source = revision(
        "add_index('data')",
        after="\n\ndef add_index(TABLE):\n    TABLE = 'other'\n    op.create_index('ix', TABLE, ['a'])\n",
    )
    (index,) = facts(source)
    assert (index.table, index.option("table_as_written")) == ("", "TABLE")


def test_a_local_string_names_the_table_in_the_message(tmp_path: Path) -> None:
    body = "DATA_TABLE = 'data'\nop.create_index('ix_data_size', DATA_TABLE, ['size'])"
    write_project(tmp_path, files={"0001_r1.py": revision(body)})
    _, output = lint(tmp_path, "--select", "MG401")
    assert [line.split("0001_r1.py:", 1)[1] for line in findings(output)] == [
        "10:5: MG401 op.create_index('ix_data_size', 'data') builds the index under a SHARE lock on data: "
        "every INSERT, UPDATE and DELETE waits for the whole build"
    ]


def test_results_read_on_a_sqlite3_connection_need_no_alembic_database(tmp_path: Path) -> None:
    helpers = (
        "def heal(path):\n    connection = sqlite3.connect(path)\n"
        "    found = connection.execute('SELECT 1 FROM sqlite_master').fetchone()\n"
        "    for row in connection.execute('SELECT k FROM cache'):\n        print(row, found)\n\n\n"
    )
    body = "heal(PATH)\nop.get_bind().execute('SELECT 1').fetchone()"
    source = "revision = 'r1'\ndown_revision = None\n" + upgrade_running(body, helpers=helpers)
    write_project(tmp_path, files={"0001_r1.py": source})
    _, output = lint(tmp_path, "--select", "MG505")
    assert [line.split("0001_r1.py:", 1)[1][:30] for line in findings(output)] == [
        "16:5: MG505 .fetchone() in upg"
    ]


def test_a_new_column_name_bound_once_to_a_string_is_read(tmp_path: Path) -> None:
    """neutron's sub-projects' tenant-to-project rename: a helper binds `old_name` and
    `new_name` to strings and renames the column by them (tap-as-a-service 4086b3cffc01)."""
    helper = (
        "\n\ndef alter_column(table):\n"
        "    old_name = 'tenant_id'\n"
        "    new_name = 'project_id'\n"
        "    op.alter_column(table_name=table, column_name=old_name, new_column_name=new_name,\n"
        "                    existing_type=sa.String(255))\n"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("alter_column('taps')", after=helper)})
    _, output = lint(tmp_path, "--select", "MG410")
    (line,) = findings(output)
    # the table is the one upgrade()'s only call passes for `table`
    assert ": MG410 op.alter_column('taps', 'tenant_id') renames column taps.tenant_id to project_id:" in line
    (call,) = [f for f in facts(revision("alter_column('taps')", after=helper)) if f.name == "alter_column"]
    assert call.option("new_column_name") == "'project_id'"
