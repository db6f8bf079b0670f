"""Deploy safety (MG401-MG413): the op-call fact layer, what is deployed, context, fixes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import write_project
from miglint.cli import main
from miglint.config import ConfigError, load_settings
from miglint.model import OpFact, RevisionFile, Span
from miglint.reading.parse import parse_revision_file


def revision(rev: str, down: str | None, body: str, *, after: str = "") -> str:
    lines = "\n".join(f"    {line}" if line else "" for line in body.splitlines())
    return f"revision = {rev!r}\ndown_revision = {down!r}\n\n\ndef upgrade():\n{lines}\n{after}"


def facts(source: str, **kwargs: object) -> list[OpFact]:
    return list(parse_revision_file("v.py", source.encode(), **kwargs).operations)  # type: ignore[arg-type]


def lint(root: Path, *args: str) -> tuple[int, str]:
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", *args, str(root)])
    return result.exit_code, result.stdout


def codes(output: str) -> list[tuple[str, int, str]]:
    """(file name, line, code) of each finding in --concise output."""
    found = []
    for line in output.splitlines():
        if ": MG" in line:
            where, _, rest = line.partition(": ")
            path, row, _ = where.rsplit(":", 2)
            found.append((Path(path).name, int(row), rest.split()[0]))
    return found


# -- the fact layer -------------------------------------------------------------------


def test_op_calls_become_facts_with_arguments_blocks_and_tables() -> None:
    source = revision(
        "r1",
        None,
        "op.create_index(op.f('ix_a'), 'users', ['a'], unique=False)\n"
        "with op.get_context().autocommit_block():\n"
        "    op.create_index(\n"
        "        'ix_b',\n"
        "        'users',\n"
        "        ['b'],\n"
        "        postgresql_concurrently=True,\n"
        "    )\n"
        "with op.batch_alter_table('orders', schema='shop') as batch:\n"
        "    batch.add_column(sa.Column('paid', sa.Boolean(), nullable=False, server_default=sa.false()))\n"
        "    batch.alter_column('note', existing_type=sa.String(20), type_=sa.Text())\n"
        "op.alter_column('users', 'name', new_column_name='full_name')",
    )
    found = facts(source)
    assert [(f.name, f.table, f.target, f.via, f.blocks, f.span.line) for f in found] == [
        ("create_index", "users", "ix_a", "op", (), 6),
        ("create_index", "users", "ix_b", "op", ("autocommit_block",), 8),
        ("add_column", "shop.orders", "paid", "batch_op", ("batch_alter_table",), 15),
        ("alter_column", "shop.orders", "note", "batch_op", ("batch_alter_table",), 16),
        ("alter_column", "users", "name", "op", (), 17),
    ]
    assert found[1].options == (("postgresql_concurrently", "True"),)
    assert found[1].span == Span(8, 8, 13, 9)
    assert found[1].wrap == (8, 13, 8)
    assert found[2].options == (
        ("nullable", "False"),
        ("server_default", "sa.false()"),
        ("column_type", "sa.Boolean()"),
    )
    assert found[3].options == (("existing_type", "sa.String(20)"), ("type_", "sa.Text()"))
    assert found[4].option("new_column_name") == "'full_name'"


@pytest.mark.parametrize(
    ("imports", "calls"),
    [
        # rucio: 128 of its 133 revisions call the functions it imports from alembic.op
        ("from alembic.op import create_index, add_column as add_col", ("create_index", "add_col")),
        ("from alembic import op as alembic_op", ("alembic_op.create_index", "alembic_op.add_column")),
        ("import alembic.op as aop", ("aop.create_index", "aop.add_column")),
        ("from alembic.op import *", ("create_index", "add_column")),
    ],
)
def test_op_functions_imported_by_name_or_under_another_name_are_op_calls(
    imports: str, calls: tuple[str, str]
) -> None:
    index, add = calls
    source = (
        f"{imports}\nimport sqlalchemy as sa\nrevision = 'r1'\ndown_revision = None\n\n\ndef upgrade():\n"
        f"    {index}('ix_a', 'users', ['a'])\n"
        f"    {add}('users', sa.Column('b', sa.Integer(), nullable=False))\n"
        "    create_index_later = 1\n"
        "    helper.create_index('ix_x', 'users', ['x'])\n"
    )
    found = facts(source)
    assert [(f.name, f.table, f.target, f.via, f.span.line, f.span.column) for f in found] == [
        ("create_index", "users", "ix_a", "op", 8, 4),
        ("add_column", "users", "b", "op", 9, 4),
    ]
    assert found[0].wrap is None  # the fix's `with op.get_context()` would name an `op` the file lacks
    assert found[0].insert is not None
    assert [f.option("called_as") for f in found] == list(calls)  # for the messages


def test_op_functions_imported_by_name_are_linted(tmp_path: Path) -> None:
    source = (
        "from alembic.op import create_index, add_column\nimport sqlalchemy as sa\n"
        "revision = 'r1'\ndown_revision = None\n\n\ndef upgrade():\n"
        "    create_index('ix_a', 'users', ['a'])\n"
        "    add_column('users', sa.Column('b', sa.Integer(), nullable=False))\n"
    )
    write_project(tmp_path, files={"0001_r1.py": source})
    output = lint(tmp_path, "--select", "MG401,MG404")[1]
    assert codes(output) == [("0001_r1.py", 8, "MG401"), ("0001_r1.py", 9, "MG404")]
    assert "MG401 create_index('ix_a', 'users') builds the index" in output
    assert "MG404 add_column('users', 'b') adds users.b NOT NULL" in output


def test_raw_sql_gives_the_same_facts() -> None:
    source = revision(
        "r1",
        None,
        'op.execute("CREATE INDEX CONCURRENTLY ix_c ON users (c)")\n'
        'op.execute("ALTER TABLE users ALTER COLUMN x SET NOT NULL, ADD COLUMN y int NOT NULL DEFAULT random()")\n'
        "op.execute(\"SET lock_timeout = '5s'\")\n"
        'op.execute("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID")\n'
        'op.execute("COMMIT")',
    )
    assert [(f.name, f.table, f.target, f.options, f.via) for f in facts(source)] == [
        ("create_index", "users", "ix_c", (("postgresql_concurrently", "True"),), "sql"),
        ("alter_column", "users", "x", (("nullable", "False"),), "sql"),
        (
            "add_column",
            "users",
            "y",
            (("nullable", "False"), ("server_default", "<SQL expression>"), ("volatile", "True")),
            "sql",
        ),
        ("set", "", "lock_timeout", (), "sql"),
        ("create_foreign_key", "orders", "fk", (("postgresql_not_valid", "True"),), "sql"),
        ("commit", "", "", (), "sql"),
    ]


def test_calls_that_never_run_are_not_facts() -> None:
    source = (
        '"""op.create_index("ix_doc", "t", ["a"])"""\n'
        "revision = 'r1'\ndown_revision = None\n\n\n"
        "def helper():\n    op.create_index('ix_helper', 't', ['a'])\n\n\n"
        "def unused():\n    op.drop_table('never')\n\n\n"
        "def upgrade():\n    # op.drop_table('commented')\n    helper()\n\n\n"
        "def downgrade():\n    op.drop_index('ix_helper', table_name='t')\n"
    )
    # downgrade() is read for MG211/MG212 (`ops`) and MG501/MG502/MG504 (`downgrade`, on by
    # default): the deploy rules look at upgrades
    found = facts(source, ops=True)
    assert [(f.name, f.target, f.function, f.entry) for f in found] == [
        ("create_index", "ix_helper", "helper", "upgrade"),
        ("drop_index", "ix_helper", "downgrade", "downgrade"),
    ]
    assert [f.name for f in facts(source, ops=True, downgrade=False)] == ["create_index"]
    assert [f.name for f in facts(source, downgrade=False)] == ["create_index"]
    assert [f.name for f in facts(source)] == ["create_index", "drop_index"]


def test_multidb_upgrade_functions_are_read() -> None:
    source = (
        "revision = 'r1'\ndown_revision = None\n\n\n"
        "def upgrade(engine_name):\n    globals()['upgrade_%s' % engine_name]()\n\n\n"
        "def upgrade_engine1():\n    op.create_index('ix', 't', ['a'])\n"
    )
    assert [(f.function, f.entry) for f in facts(source)] == [("upgrade_engine1", "upgrade")]


def test_crlf_and_lf_files_give_the_same_facts() -> None:
    source = revision("r1", None, "op.create_index(\n    'ix',\n    't',\n    ['a'],\n)")
    assert facts(source.replace("\n", "\r\n")) == facts(source)
    assert facts(source)[0].insert == (9, 14, "\n        {}=True,")


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id'), nullable=True)",
         [("foreign_key", "customers.id")]),
        # imported by name, given by keyword
        ("Column('customer_id', Integer, ForeignKey(column='customers.id'))", [("foreign_key", "customers.id")]),
        ("sa.Column('customer_id', sa.Integer(), sa.schema.ForeignKey('shop.customers.id', name='fk_oc'))",
         [("foreign_key", "shop.customers.id"), ("foreign_key_name", "fk_oc")]),
        # onyx: over several lines, with a comment inside (read by `ast`)
        ("sa.Column(\n    'customer_id',\n    sa.Integer(),\n    # who ordered\n"
         "    sa.ForeignKey('customers.id', ondelete='SET NULL'),\n    nullable=True,\n)",
         [("foreign_key", "customers.id")]),
        ("sa.Column('customer_id', sa.Integer(), sa.ForeignKey(CUSTOMER_ID))", [("foreign_key", "")]),
        # NOT VALID already: nothing to report
        ("sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id', postgresql_not_valid=True))", []),
        ("sa.Column('customer_id', sa.Integer(), nullable=True)", []),
        ("sa.Column('customer_id', MyForeignKey(), comment='ForeignKey(customers.id)')", []),
    ],
)  # fmt: skip
def test_a_foreign_key_given_to_add_columns_column_is_kept(
    column: str, expected: list[tuple[str, str]]
) -> None:
    found = facts(revision("r1", None, f"op.add_column('orders', {column})"))
    assert [(f.name, f.table, f.target) for f in found] == [("add_column", "orders", "customer_id")]
    assert [o for o in found[0].options if o[0].startswith("foreign_key")] == expected


def test_a_foreign_key_of_a_column_bound_before_add_column_is_kept() -> None:
    body = "ref = sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id'))\nop.add_column('orders', ref)"
    assert facts(revision("r1", None, body))[0].option("foreign_key") == "customers.id"


def test_records_from_the_cache_keep_their_facts(tmp_path: Path) -> None:
    write_project(
        tmp_path, files={"0001_r1.py": revision("r1", None, "op.create_index('ix', 'users', ['a'])")}
    )
    cache = ["--cache-dir", str(tmp_path / "cache")]
    first = cli_runner().invoke(main, ["lint", "--concise", "--select", "MG1", *cache, str(tmp_path)])
    assert first.exit_code == 0
    again = cli_runner().invoke(main, ["lint", "--concise", "--select", "MG401", *cache, str(tmp_path)])
    assert codes(again.stdout) == [("0001_r1.py", 6, "MG401")]


# -- what is new, what is deployed ---------------------------------------------------


HISTORY = {
    "0001_a.py": revision(
        "a", None, "op.create_table('users')\nop.create_index('ix_users_a', 'users', ['a'])"
    ),
    "0002_b.py": revision(
        "b", "a", "op.create_table('audit')\nop.create_index('ix_audit_a', 'audit', ['a'])"
    ),
    "0003_c.py": revision(
        "c",
        "b",
        "op.create_index('ix_audit_b', 'audit', ['b'])\nop.create_index('ix_users_b', 'users', ['b'])",
    ),
}


def test_without_knowing_what_is_deployed_every_revision_is_read(tmp_path: Path) -> None:
    write_project(tmp_path, files=HISTORY)
    result = cli_runner().invoke(main, ["lint", "--no-cache", str(tmp_path)])
    # a's index follows its table: new; c's indexes are on tables of earlier revisions
    assert codes(result.stdout.replace("\n  help", "\nhelp")) == [
        ("0003_c.py", 6, "MG401"),
        ("0003_c.py", 7, "MG401"),
    ]
    assert "pass --against <the deployed branch> or set [tool.miglint] deployed" in result.stdout


def test_deployed_setting_reads_only_later_revisions_and_their_tables_are_new(tmp_path: Path) -> None:
    write_project(tmp_path, files=HISTORY)
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\ndeployed = "a"\n')
    _code, output = lint(tmp_path)
    # audit is created by b, which is not deployed yet: an index on it blocks nobody
    assert codes(output) == [("0003_c.py", 7, "MG401")]
    assert "deployed" not in output.split("MG401", 2)[-1]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_against_ref_reads_only_what_ref_lacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
    for key, value in (("user.name", "Test"), ("user.email", "t@example.com"), ("commit.gpgsign", "false")):
        git(repo, "config", key, value)
    write_project(repo, files={"0001_a.py": HISTORY["0001_a.py"]})
    versions = repo / "migrations" / "versions"
    (versions / "0002_x.py").write_text(revision("x", "a", "op.create_index('ix_users_x', 'users', ['x'])"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "deployed")
    git(repo, "checkout", "-q", "-b", "feature")
    (versions / "0003_b.py").write_text(
        HISTORY["0002_b.py"].replace("down_revision = 'a'", "down_revision = 'x'")
    )
    (versions / "0004_c.py").write_text(HISTORY["0003_c.py"].replace("0003", "0004"))
    monkeypatch.chdir(repo)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "--against", "main"])
    # x (on main) is deployed: its index is history; b, c are not: audit is new
    assert codes(result.stdout) == [("0004_c.py", 7, "MG401")]
    assert "pass --against" not in result.stdout
    unknown = cli_runner().invoke(main, ["lint", "--no-cache", "--concise"])
    assert codes(unknown.stdout) == [
        ("0002_x.py", 6, "MG401"),
        ("0004_c.py", 6, "MG401"),
        ("0004_c.py", 7, "MG401"),
    ]


# -- context ------------------------------------------------------------------------


def test_other_dialects_get_no_postgresql_findings_but_renames_still_count(tmp_path: Path) -> None:
    body = "op.create_index('ix', 'users', ['a'])\nop.rename_table('users', 'accounts')"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\ndialect = "sqlite"\n')
    assert codes(lint(tmp_path)[1]) == [("0001_r1.py", 7, "MG410")]
    (tmp_path / "pyproject.toml").unlink()
    assert codes(lint(tmp_path)[1]) == [("0001_r1.py", 6, "MG401"), ("0001_r1.py", 7, "MG410")]


def test_a_literal_sqlite_url_in_the_ini_is_taken_for_a_placeholder(tmp_path: Path) -> None:
    # keystone, nova, aodh and trove write `sqlite:///x.db` there and pass the connection in code
    body = "op.create_index('ix', 'users', ['a'])"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    ini = tmp_path / "alembic.ini"
    ini.write_text(ini.read_text() + "sqlalchemy.url = sqlite:///keystone.db\n")
    assert codes(lint(tmp_path)[1]) == [("0001_r1.py", 6, "MG401")]


@pytest.mark.parametrize(
    ("pragma", "postgres"),
    [
        ('op.get_bind().execute("PRAGMA legacy_alter_table=ON")', False),  # securedrop's shape
        ('op.execute("pragma foreign_keys = OFF; DROP INDEX ix_old")', False),
        ('if op.get_bind().dialect.name == "sqlite":\n    op.execute("PRAGMA foreign_keys=OFF")', True),
        ('op.execute("SELECT 1")', True),
    ],
)
def test_a_pragma_that_upgrade_runs_proves_the_history_never_runs_on_postgresql(
    tmp_path: Path, pragma: str, postgres: bool
) -> None:
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, "op.create_index('ix', 'users', ['a'])"),
            "0002_r2.py": revision("r2", "r1", pragma),
        },
    )
    found = codes(lint(tmp_path, "--select", "MG401,MG403")[1])
    if postgres:
        assert found[0] == ("0001_r1.py", 6, "MG401")
    else:
        assert found == []


@pytest.mark.parametrize(
    ("statement", "postgres"),
    [
        ('op.execute("ALTER TABLE thread MODIFY COLUMN subject VARCHAR(255)")', False),  # nylas
        ('op.execute("ALTER TABLE thread CHANGE subject title VARCHAR(255)")', False),
        (
            'op.execute("UPDATE message INNER JOIN thread ON message.t = thread.id SET message.n = thread.n")',
            False,
        ),
        ('op.execute("UPDATE message m JOIN thread t ON m.t = t.id SET m.n = t.n")', False),
        ('op.execute("ALTER TABLE `thread` ADD COLUMN `x` INT")', False),
        ('op.execute("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB")', False),
        (
            'if op.get_bind().dialect.name == "mysql":\n    op.execute("ALTER TABLE t MODIFY COLUMN a INT")',
            True,
        ),
        ('op.execute(f"ALTER TABLE {name} MODIFY COLUMN a INT")', True),  # not the SQL that runs
        ('op.execute("ALTER TABLE t ALTER COLUMN a TYPE bigint")', True),
        ('op.execute("UPDATE message SET n = thread.n FROM thread WHERE message.t = thread.id")', True),
        ('op.execute("ALTER TABLE t MODIFY")', False),
        ('op.execute("SELECT 1;\\nALTER TABLE t MODIFY COLUMN a INT")', False),  # not the first statement
        ('op.execute("ALTER TABLE penalty DROP FOREIGN KEY penalty_ibfk_1")', False),
        ('op.execute("DROP INDEX ix_penalty_team ON penalty")', False),  # MySQL's DROP INDEX (aurweb)
        ('op.execute(f"DROP INDEX {name} ON penalty")', True),  # not the SQL that runs
        # the name InnoDB gives an unnamed foreign key: no PostgreSQL database has it (RootTheBox)
        ('op.drop_constraint("penalty_ibfk_1", "penalty", type_="foreignkey")', False),
        (
            'with op.batch_alter_table("penalty") as batch_op:\n    batch_op.drop_constraint("penalty_ibfk_12")',
            False,
        ),
        (
            'op.create_foreign_key("penalty_ibfk_1", "penalty", "team", ["team_id"], ["id"])',
            True,
        ),  # runs there
        ('op.drop_constraint("penalty_ibfk_fk", "penalty", type_="foreignkey")', True),
        ('op.drop_constraint("penalty_team_id_fkey", "penalty", type_="foreignkey")', True),
        (
            'if op.get_bind().dialect.name == "mysql":\n    op.drop_constraint("penalty_ibfk_1", "penalty", type_="foreignkey")',
            True,
        ),
    ],
)
def test_a_statement_in_mysql_syntax_proves_the_history_never_runs_on_postgresql(
    tmp_path: Path, statement: str, postgres: bool
) -> None:
    """PostgreSQL refuses it, as a PRAGMA: such a history never gets past that revision there."""
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, "op.create_index('ix', 'users', ['a'])"),
            "0002_r2.py": revision("r2", "r1", statement),
        },
    )
    found = codes(lint(tmp_path, "--select", "MG401")[1])
    assert found == ([("0001_r1.py", 6, "MG401")] if postgres else [])


def test_a_pragma_is_read_not_reported_unread() -> None:
    record = parse_revision_file(
        "v.py", revision("r1", None, 'op.execute("PRAGMA foreign_keys=OFF")').encode(), "postgresql"
    )
    assert [(s.kind, s.span.line, s.ops) for s in record.sql] == [("PRAGMA", 6, (("pragma", "", "", ()),))]
    assert record.sql_problems == ()
    assert [(o.name, o.via) for o in record.operations] == [("pragma", "sql")]


def test_lock_timeout_in_env_py_covers_every_revision(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        files={"0001_r1.py": revision("r1", None, "op.add_column('users', sa.Column('a', sa.Text()))")},
    )
    assert codes(lint(tmp_path, "--select", "MG412")[1]) == [("0001_r1.py", 6, "MG412")]
    (tmp_path / "migrations" / "env.py").write_text(
        "def run_migrations_online():\n"
        "    with connectable.connect() as connection:\n"
        "        connection.execute(text(\"SET lock_timeout = '4s'\"))\n"
    )
    assert codes(lint(tmp_path, "--select", "MG412")[1]) == []


def test_lock_timeout_set_in_the_revision_through_the_connection(tmp_path: Path) -> None:
    body = "conn = op.get_bind()\nconn.execute(sa.text(\"SET lock_timeout = '4s'\"))\nop.add_column('users', sa.Column('a', sa.Text()))"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG412")[1]) == []


def test_env_py_without_a_transaction_silences_mg402(tmp_path: Path) -> None:
    body = "op.create_index('ix', 'users', ['a'], postgresql_concurrently=True)"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG402")[1]) == [("0001_r1.py", 6, "MG402")]
    # Alembic 1.5+ runs each migration in a transaction of its own under transactional_ddl=False
    env = tmp_path / "migrations" / "env.py"
    env.write_text("context.configure(connection=c, transactional_ddl=False)\n")
    assert codes(lint(tmp_path, "--select", "MG402")[1]) == [("0001_r1.py", 6, "MG402")]
    env.write_text("connectable.execution_options(isolation_level='AUTOCOMMIT')\n")
    assert codes(lint(tmp_path, "--select", "MG402")[1]) == []


def test_postgres_version_below_11_flags_constant_defaults(tmp_path: Path) -> None:
    body = "op.add_column('users', sa.Column('n', sa.Integer(), server_default='0'))"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG405")[1]) == []
    (tmp_path / "pyproject.toml").write_text("[tool.miglint]\npostgres-version = 10\n")
    _code, output = lint(tmp_path, "--select", "MG405")
    assert codes(output) == [("0001_r1.py", 6, "MG405")]
    assert "a default (PostgreSQL 10 < 11)" in output


@pytest.mark.parametrize("value", ['"16"', "true", "7"])
def test_postgres_version_must_be_a_major_version(tmp_path: Path, value: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.miglint]\npostgres-version = {value}\n")
    with pytest.raises(ConfigError, match="postgres-version must be a major version number"):
        load_settings(tmp_path, tmp_path / "pyproject.toml")


@pytest.mark.parametrize(
    ("old", "new", "flagged"),
    [
        ("sa.String(length=100)", "sa.String(200)", False),
        ("sa.VARCHAR(100)", "sa.Text()", False),
        ("sa.Numeric(10, 2)", "sa.Numeric(12, 2)", False),
        ("sa.Numeric(10, 2)", "sa.Numeric(12, 3)", True),
        ("sa.String(100)", "sa.String(50)", True),
        ("sa.Integer()", "sa.BigInteger()", True),
        ("sa.Text()", "sa.String(20)", True),
    ],
)  # fmt: skip
def test_type_changes_known_not_to_rewrite_pass(tmp_path: Path, old: str, new: str, flagged: bool) -> None:
    body = f"op.alter_column('users', 'c', type_={new}, existing_type={old})"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG407")[1]) == ([("0001_r1.py", 6, "MG407")] if flagged else [])


def test_messages_name_the_lock_what_it_blocks_and_the_recipe(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        files={"0001_r1.py": revision("r1", None, "op.alter_column('users', 'email', nullable=False)")},
    )
    result = cli_runner().invoke(main, ["lint", "--no-cache", str(tmp_path)])
    assert (
        "MG406 op.alter_column('users', 'email') sets users.email NOT NULL: PostgreSQL scans the whole table "
        "under an ACCESS EXCLUSIVE lock that blocks every read and write\n"
        "  help: add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later revision, "
        "then SET NOT NULL (no scan on PostgreSQL 12+) and drop the check\n"
    ) in result.stdout


def test_a_rename_in_sql_is_named_as_the_statement_says(tmp_path: Path) -> None:
    body = 'op.execute("ALTER TABLE characters RENAME COLUMN persona TO personality")'
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG410", str(tmp_path)])
    assert (
        "0001_r1.py:6:17: MG410 ALTER TABLE characters RENAME COLUMN persona TO personality: "
        "the release still running"
    ) in result.stdout


def test_an_f_string_table_is_named_as_the_f_string_writes_it(tmp_path: Path) -> None:
    # indico's shape: one ALTER per schema and table of a loop, through an f-string
    body = (
        "for schema, table in (('events', 'ratings'), ('papers', 'ratings')):\n"
        "    op.execute(f'ALTER TABLE {schema}.{table} ALTER COLUMN \"value\" TYPE JSON USING to_json(value)')\n"
        "    op.execute(f'CREATE INDEX ix_v ON {schema}.{table} (value)')"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", str(tmp_path)])
    assert "__miglint" not in result.stdout
    assert (
        "0001_r1.py:7:20: MG407 ALTER COLUMN value changes {schema}.{table}.value to json: " in result.stdout
    )
    assert (
        "0001_r1.py:8:20: MG401 CREATE INDEX ix_v builds the index under the ACCESS EXCLUSIVE lock an earlier statement of the revision took on {schema}.{table}"
        in (result.stdout)
    )


# -- fixes ----------------------------------------------------------------------------


def test_mg401_and_mg403_fixes_build_concurrently_in_an_autocommit_block(tmp_path: Path) -> None:
    body = (
        "op.create_index('ix_a', 'users', ['a'])\n"
        "if True:\n"
        "    op.drop_index(\n"
        "        'ix_old',\n"
        "        table_name='users',\n"
        "    )  # gone\n"
        "op.create_index('ix_q', 'users', [sa.text('''lower(\n  q)''')])"
    )
    path = write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})["0001_r1.py"]
    args = ["--select", "MG401,MG403", "--fix", "--unsafe-fixes"]
    assert codes(lint(tmp_path, "--select", "MG401,MG403", "--fix")[1]) == [
        ("0001_r1.py", 6, "MG401"),
        ("0001_r1.py", 8, "MG403"),
        ("0001_r1.py", 12, "MG401"),
    ]  # unsafe: --fix alone leaves them
    assert "autocommit_block" not in path.read_text()
    cli_runner().invoke(main, ["lint", "--no-cache", *args, str(tmp_path)])
    assert path.read_text() == revision(
        "r1",
        None,
        "with op.get_context().autocommit_block():\n"
        "    op.create_index('ix_a', 'users', ['a'], postgresql_concurrently=True)\n"
        "if True:\n"
        "    with op.get_context().autocommit_block():\n"
        "        op.drop_index(\n"
        "            'ix_old',\n"
        "            table_name='users',\n"
        "            postgresql_concurrently=True,\n"
        "        )  # gone\n"
        # a multi-line string would change if re-indented: reported, not fixed
        "op.create_index('ix_q', 'users', [sa.text('''lower(\n  q)''')])",
    )
    before = path.read_text()
    cli_runner().invoke(main, ["lint", "--no-cache", *args, str(tmp_path)])
    assert path.read_text() == before
    assert codes(lint(tmp_path, "--select", "MG401,MG402,MG403")[1]) == [("0001_r1.py", 15, "MG401")]


def test_fix_runs_until_no_fix_is_left(tmp_path: Path) -> None:
    # the second drop of a table runs under the first one's lock (MG403 is silent there)
    # until the fix wraps the first in an autocommit block: one --fix reaches both
    body = "op.drop_index('ix_a', table_name='users')\nop.drop_index('ix_b', table_name='users')"
    path = write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})["0001_r1.py"]
    assert codes(lint(tmp_path, "--select", "MG403")[1]) == [("0001_r1.py", 6, "MG403")]
    args = [
        "lint",
        "--no-cache",
        "--select",
        "MG403",
        "--fix",
        "--unsafe-fixes",
        "--show-fixes",
        str(tmp_path),
    ]
    result = cli_runner().invoke(main, args)
    assert result.stderr.splitlines()[0] == "Fixed 2 findings in 1 file."
    assert [line.split(": ")[0].rsplit(":", 2)[-2] for line in result.stderr.splitlines()[1:]] == ["6", "8"]
    assert path.read_text().count("autocommit_block()") == 2
    assert "postgresql_concurrently=True" in path.read_text().split("ix_b")[1]
    assert codes(result.stdout) == []


def test_mg402_fix_wraps_the_call_and_keeps_crlf(tmp_path: Path) -> None:
    body = "op.create_index('ix', 'users', ['a'], postgresql_concurrently=True)"
    source = revision("r1", None, body).replace("\n", "\r\n")
    path = write_project(tmp_path, files={"0001_r1.py": source.encode()})["0001_r1.py"]
    cli_runner().invoke(
        main, ["lint", "--no-cache", "--select", "MG402", "--fix", "--unsafe-fixes", str(tmp_path)]
    )
    assert (
        path.read_bytes()
        == revision("r1", None, "with op.get_context().autocommit_block():\n    " + body)
        .replace("\n", "\r\n")
        .encode()
    )
    assert codes(lint(tmp_path, "--select", "MG4")[1]) == []


def test_batch_op_calls_are_reported_but_not_wrapped(tmp_path: Path) -> None:
    body = "with op.batch_alter_table('users') as batch_op:\n    batch_op.create_index('ix', ['a'])"
    path = write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})["0001_r1.py"]
    before = path.read_text()
    _code, output = lint(tmp_path, "--select", "MG401", "--fix", "--unsafe-fixes")
    assert codes(output) == [("0001_r1.py", 7, "MG401")]
    assert "batch_op.create_index('ix')" in output and "on users" in output
    assert path.read_text() == before


# -- shapes of real projects ------------------------------------------------------------


def test_an_index_built_only_below_a_row_count_is_not_reported(tmp_path: Path) -> None:
    body = (
        "connection = op.get_bind()\n"
        'rows = connection.execute(sa.text("SELECT COUNT(*) FROM identities")).scalar()\n'
        "if rows < ROW_COUNT_THRESHOLD:  # a big table gets its index at startup instead\n"
        "    op.create_index(op.f('ix_identities_request_id'), 'identities', ['request_id'], unique=False)\n"
        "else:\n"
        "    op.create_index('ix_identities_other', 'identities', ['other'])"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG401")[1]) == [("0001_r1.py", 11, "MG401")]


def test_branches_for_another_database_take_no_postgresql_lock(tmp_path: Path) -> None:
    """CTFd writes one branch per database: only the PostgreSQL one is read by MG4xx."""
    body = (
        "url = str(op.get_bind().engine.url)\n"
        'if url.startswith("mysql"):\n'
        "    op.create_foreign_key('awards_ibfk_1', 'awards', 'teams', ['team_id'], ['id'])\n"
        "    op.execute('CREATE INDEX ix_a ON awards (team_id)')\n"
        'elif url.startswith("postgres"):\n'
        "    op.create_foreign_key('awards_team_id_fkey', 'awards', 'teams', ['team_id'], ['id'])\n"
        "else:  # sqlite\n"
        "    op.create_index('ix_awards_team', 'awards', ['team_id'])\n"
        'if op.get_bind().dialect.name != "sqlite":\n'
        "    op.create_index('ix_awards_user', 'awards', ['user_id'])\n"
        'if op.get_bind().dialect.name == "postgresql":\n'
        "    pass\n"
        "else:\n"
        "    op.create_index('ix_awards_date', 'awards', ['date'])\n"
        'if url.startswith("mysql") or url.startswith("sqlite"):\n'
        "    op.create_index('ix_awards_kind', 'awards', ['kind'])\n"
        'if url.startswith("postgres") and FULL_TEXT:\n'
        "    op.create_index('ix_awards_text', 'awards', ['text'])\n"
        "else:\n"
        "    op.create_index('ix_awards_name', 'awards', ['name'])"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    found = codes(lint(tmp_path, "--select", "MG401,MG408")[1])
    # line 11: the postgres branch; line 15: `!= "sqlite"` runs on PostgreSQL too; lines 23
    # and 25: a test on more than the database may hold on PostgreSQL, or not
    assert found == [
        ("0001_r1.py", 11, "MG408"),
        ("0001_r1.py", 15, "MG401"),
        ("0001_r1.py", 23, "MG401"),
        ("0001_r1.py", 25, "MG401"),
    ]


@pytest.mark.parametrize(
    ("guard", "taken"),
    [
        # compair: `if not conn.dialect.name == 'mysql': return` - the rest never runs on PostgreSQL
        ("if not conn.dialect.name == 'mysql':\n    return", False),
        ('if conn.dialect.name != "mysql":\n    # MySQL only\n    return', False),
        ('if conn.dialect.name != "mysql": return', False),
        ("if conn.dialect.name == 'sqlite':\n    raise NotImplementedError('not on SQLite')", True),
        ('if conn.dialect.name != "postgresql":\n    return', True),  # the rest is PostgreSQL's
        ("if not conn.dialect.name == 'mysql':\n    log('skipped')", True),  # no exit
        ("if not conn.dialect.name == 'mysql':\n    if quiet:\n        return", True),  # not always
        # true on PostgreSQL whatever `force` is
        ("if not conn.dialect.name == 'mysql' or force:\n    return", False),
        ("if not (conn.dialect.name == 'mysql' or force):\n    return", True),  # not read
    ],
)
def test_an_early_return_for_another_database_leaves_the_rest_to_it(
    guard: str, taken: bool, tmp_path: Path
) -> None:
    body = f"conn = op.get_bind()\n{guard}\nop.create_index('ix_a', 'awards', ['team_id'])"
    line = 6 + body.count("\n")  # the body starts on line 6
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    found = codes(lint(tmp_path, "--select", "MG401")[1])
    assert found == ([("0001_r1.py", line, "MG401")] if taken else [])


def test_a_branch_for_another_database_or_a_flag_may_run_on_postgresql(tmp_path: Path) -> None:
    body = (
        "if op.get_bind().dialect.name == 'mysql' or REBUILD:\n"
        "    op.create_index('ix_a', 'a', ['x'])\n"
        "if op.get_bind().dialect.name == 'mysql' or op.get_bind().dialect.name == 'sqlite':\n"
        "    op.create_index('ix_b', 'b', ['x'])"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG401")[1]) == [("0001_r1.py", 7, "MG401")]


def test_an_early_return_inside_a_loop_leaves_only_the_loop_to_it(tmp_path: Path) -> None:
    body = (
        "for table in ('a', 'b'):\n"
        "    if op.get_bind().dialect.name != 'mysql':\n"
        "        return\n"
        "    op.create_index('ix_' + table, table, ['x'])\n"
        "op.create_index('ix_c', 'c', ['x'])"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    # line 9 follows the return in the loop's body; line 10, after the loop, is read as
    # running on PostgreSQL (the return leaves the whole function there: the rest of the
    # enclosing block is what is surely skipped)
    assert codes(lint(tmp_path, "--select", "MG401")[1]) == [("0001_r1.py", 10, "MG401")]


def test_autogenerated_drop_of_a_table_and_its_indexes_is_one_lock(tmp_path: Path) -> None:
    body = (
        "op.drop_index(op.f('ix_served_feature'), table_name='served')\n"
        "op.drop_table('served')\n"
        "op.drop_index('ix_kept_a', table_name='kept')"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG403")[1]) == [("0001_r1.py", 8, "MG403")]


def test_a_concurrent_index_after_closing_the_transaction_is_clean(tmp_path: Path) -> None:
    body = (
        "conn = op.get_bind()\n"
        'conn.execute(sa.text("SET statement_timeout = 120000"))\n'
        "op.add_column(\n"
        "    'files',\n"
        "    sa.Column(\n"
        "        'archived',\n"
        "        sa.Boolean(),\n"
        "        server_default=sa.text('false'),\n"
        "        nullable=False,\n"
        "    ),\n"
        ")\n"
        "with op.get_context().autocommit_block():\n"
        "    op.create_index(\n"
        "        'files_archived_idx',\n"
        "        'files',\n"
        "        ['archived'],\n"
        "        unique=False,\n"
        "        postgresql_concurrently=True,\n"
        "    )"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path)[1]) == []


def test_schema_keywords_name_the_tables(tmp_path: Path) -> None:
    body = (
        "op.add_column('principals', sa.Column('role_id', sa.Integer()), schema='events')\n"
        "op.create_index(None, 'principals', ['role_id'], schema='events')\n"
        "op.create_foreign_key(None, 'principals', 'roles', ['role_id'], ['id'],\n"
        "                      source_schema='events', referent_schema='events')"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    _code, output = lint(tmp_path)
    assert codes(output) == [
        ("0001_r1.py", 7, "MG401"),
        ("0001_r1.py", 8, "MG408"),
        ("0001_r1.py", 8, "MG502"),
    ]
    assert (
        "op.create_index(None, 'events.principals') builds the index under the ACCESS EXCLUSIVE lock an earlier statement of the revision took on events.principals"
        in output
    )
    assert "op.create_foreign_key(None, 'events.principals') checks every row of events.principals" in output


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("sa.DateTime()", "sa.DateTime(timezone=True)"),
        ("sa.DateTime(timezone=True)", "sa.DateTime()"),  # and back (exodus-gw 5bd0b38df850)
    ],
)
def test_timestamp_to_timestamptz_names_its_condition(tmp_path: Path, old: str, new: str) -> None:
    body = f"op.alter_column('runs', 'started', existing_type={old}, type_={new})"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    _code, output = lint(tmp_path, "--select", "MG407")
    assert codes(output) == [("0001_r1.py", 6, "MG407")]
    assert "unless the session time zone is UTC (PostgreSQL 12+ then skips it)" in output


def test_add_column_with_a_foreign_key_adds_it_valid_after_the_column(tmp_path: Path) -> None:
    """Alembic runs `ALTER TABLE orders ADD COLUMN customer_id INTEGER`, then `ALTER TABLE
    orders ADD FOREIGN KEY(customer_id) REFERENCES customers (id)`: a full scan of orders."""
    body = (
        "op.add_column('orders', sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id'), nullable=True))\n"
        "op.add_column(\n"
        "    'chat_session',\n"
        "    sa.Column(\n"
        "        'last_summarized_message_id',\n"
        "        sa.Integer(),\n"
        "        sa.ForeignKey('chat_message.id', ondelete='SET NULL'),\n"
        "        nullable=True,\n"
        "    ),\n"
        ")\n"
        "with op.batch_alter_table('invoices', schema='billing') as batch_op:\n"
        "    batch_op.add_column(sa.Column('order_id', sa.Integer(), ForeignKey('orders.id', name='fk_invoice_order')))\n"
        "op.create_table('refunds', sa.Column('id', sa.Integer(), primary_key=True))\n"
        "op.add_column('refunds', sa.Column('order_id', sa.Integer(), sa.ForeignKey('orders.id')))\n"
        "with op.get_context().autocommit_block():\n"
        "    op.add_column('payments', sa.Column('order_id', sa.Integer(), sa.ForeignKey('orders.id')))"
    )
    after = (
        "\n\ndef downgrade():\n"
        "    op.drop_column('payments', 'order_id')\n"
        "    op.drop_table('refunds')\n"
        "    with op.batch_alter_table('invoices', schema='billing') as batch_op:\n"
        "        batch_op.drop_column('order_id')\n"
        "    op.drop_column('chat_session', 'last_summarized_message_id')\n"
        "    op.drop_column('orders', 'customer_id')\n"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body, after=after)})
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--format", "json", str(tmp_path)])
    found = [
        (d["code"], Path(d["path"]).name, d["line"], d["column"], d["revisions"], d["message"], d["help"])
        for d in json.loads(result.stdout)["diagnostics"]
    ]
    # MG502 stays quiet: dropping the column drops its unnamed key with it (rules/unnamed_constraint.py);
    # the table the revision creates is new
    assert found == [
        (
            "MG408", "0001_r1.py", 6, 5, ["r1"],
            "op.add_column('orders', 'customer_id') adds a foreign key to customers.id in a statement of its"
            " own after the column, which checks every row of orders under the ACCESS EXCLUSIVE lock ADD"
            " COLUMN took and SHARE ROW EXCLUSIVE on customers: reads and writes of orders, and writes of"
            " customers, wait for the whole scan",
            "add the column without the ForeignKey, then op.create_foreign_key("
            "op.f('fk_orders_customer_id_customers'), 'orders', 'customers', ['customer_id'], ['id'],"
            " postgresql_not_valid=True), then VALIDATE CONSTRAINT in a later revision",
        ),
        (
            "MG408", "0001_r1.py", 7, 5, ["r1"],
            "op.add_column('chat_session', 'last_summarized_message_id') adds a foreign key to"
            " chat_message.id in a statement of its own after the column, which checks every row of"
            " chat_session under the ACCESS EXCLUSIVE lock ADD COLUMN took and SHARE ROW EXCLUSIVE on"
            " chat_message: reads and writes of chat_session, and writes of chat_message, wait for the whole scan",
            "add the column without the ForeignKey, then op.create_foreign_key("
            "op.f('fk_chat_session_last_summarized_message_id_chat_message'), 'chat_session', 'chat_message',"
            " ['last_summarized_message_id'], ['id'], postgresql_not_valid=True), then VALIDATE CONSTRAINT in a"
            " later revision",
        ),
        (
            "MG408", "0001_r1.py", 17, 9, ["r1"],
            "batch_op.add_column('order_id') adds a foreign key to orders.id in a statement of its own after"
            " the column, which checks every row of billing.invoices under the ACCESS EXCLUSIVE lock ADD"
            " COLUMN took and SHARE ROW EXCLUSIVE on orders: reads and writes of billing.invoices, and writes"
            " of orders, wait for the whole scan",
            "add the column without the ForeignKey, then batch_op.create_foreign_key('fk_invoice_order',"
            " 'orders', ['order_id'], ['id'], postgresql_not_valid=True), then VALIDATE CONSTRAINT in a later"
            " revision",
        ),
        (
            "MG408", "0001_r1.py", 21, 9, ["r1"],
            "op.add_column('payments', 'order_id') adds a foreign key to orders.id in a statement of its own"
            " after the column, which checks every row of payments under SHARE ROW EXCLUSIVE locks on it and"
            " orders: writes wait for the whole scan",
            "add the column without the ForeignKey, then op.create_foreign_key("
            "op.f('fk_payments_order_id_orders'), 'payments', 'orders', ['order_id'], ['id'],"
            " postgresql_not_valid=True), then VALIDATE CONSTRAINT in a later revision",
        ),
    ]  # fmt: skip


def test_add_column_with_a_foreign_key_to_its_own_table_names_one_lock(tmp_path: Path) -> None:
    """onyx's chat_message.last_summarized_message_id, dropbox/changes' jobstep.replacement_id."""
    body = "op.add_column('jobstep', sa.Column('replacement_id', sa.Integer(), sa.ForeignKey('jobstep.id')))"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    _code, output = lint(tmp_path, "--select", "MG408")
    assert output.splitlines()[0].endswith(
        "0001_r1.py:6:5: MG408 op.add_column('jobstep', 'replacement_id') adds a foreign key to jobstep.id in a"
        " statement of its own after the column, which checks every row of jobstep under the ACCESS EXCLUSIVE"
        " lock ADD COLUMN took: reads and writes of jobstep wait for the whole scan"
    )


def test_sql_add_column_references_is_reported_only_when_a_default_fills_the_column(tmp_path: Path) -> None:
    """Checked on PostgreSQL 15: `ADD COLUMN c int REFERENCES t (id)` adds the key valid without
    reading the table (every row holds NULL); a DEFAULT, even NULL, or serial's makes it check them."""
    body = (
        'op.execute("ALTER TABLE orders ADD COLUMN customer_id integer REFERENCES customers (id)")\n'
        'op.execute("ALTER TABLE orders ADD COLUMN shop_id integer DEFAULT NULL REFERENCES shop.shops (id)")\n'
        'op.execute("ALTER TABLE jobs ADD COLUMN parent_id bigserial REFERENCES jobs")'
    )
    source = revision("r1", None, body)
    assert [(f.name, f.target, f.option("foreign_key")) for f in facts(source)] == [
        ("add_column", "customer_id", None),
        ("add_column", "shop_id", "shop.shops.id"),
        ("add_column", "parent_id", "jobs."),
    ]
    write_project(tmp_path, files={"0001_r1.py": source})
    _code, output = lint(tmp_path, "--select", "MG408")
    assert [line.split("/")[-1] for line in output.splitlines() if ": MG" in line] == [
        "0001_r1.py:7:36: MG408 ADD COLUMN shop_id adds a foreign key to shop.shops.id on a column its DEFAULT"
        " fills, which checks every row of orders under ACCESS EXCLUSIVE and SHARE ROW EXCLUSIVE on shop.shops:"
        " reads and writes of orders, and writes of shop.shops, wait for the whole scan",
        "0001_r1.py:8:34: MG408 ADD COLUMN parent_id adds a foreign key to jobs on a column its DEFAULT fills,"
        " which checks every row of jobs under ACCESS EXCLUSIVE: reads and writes of jobs wait for the whole"
        " scan",
    ]


def test_add_column_with_a_foreign_key_in_a_sqlite_history_is_not_reported(tmp_path: Path) -> None:
    """batch_alter_table rebuilds the table on SQLite: no PostgreSQL lock is taken there."""
    body = (
        "with op.batch_alter_table('orders') as batch_op:\n"
        "    batch_op.add_column(sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id')))"
    )
    write_project(tmp_path, files={"sqlite/0001_r1.py": revision("r1", None, body)})
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\nversion_locations = migrations/versions/sqlite\n"
    )
    assert codes(lint(tmp_path, "--select", "MG408")[1]) == []
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\nversion_locations = migrations/versions/postgresql\n"
    )
    (tmp_path / "migrations" / "versions" / "sqlite").rename(
        tmp_path / "migrations" / "versions" / "postgresql"
    )
    assert codes(lint(tmp_path, "--select", "MG408")[1]) == [("0001_r1.py", 7, "MG408")]


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("sa.Column('folder_id', sa.Integer(), index=True)", [("index", "True")]),
        ("sa.Column('folder_id', sa.Integer(), index=False, unique=True)", [("unique", "True"), ("index", "False")]),
        ("Column('folder_id', Integer, unique=True, index=True)", [("unique", "True"), ("index", "True")]),
        # SurfSense 109: over several lines, with a comment inside (read by `ast`)
        ("sa.Column(\n    'folder_id',\n    sa.Integer(),\n    # the folder\n"
         "    sa.ForeignKey('folders.id', ondelete='SET NULL'),\n    nullable=True,\n    index=True,\n)",
         [("index", "True")]),
        ("sa.Column('folder_id', sa.Integer(), index=INDEXED)", [("index", "INDEXED")]),
        ("sa.Column('folder_id', sa.Integer(), comment='index=True')", []),
    ],
)  # fmt: skip
def test_the_index_and_unique_keywords_of_add_columns_column_are_kept(
    column: str, expected: list[tuple[str, str]]
) -> None:
    found = facts(revision("r1", None, f"op.add_column('documents', {column})"))
    assert [(f.name, f.table, f.target) for f in found] == [("add_column", "documents", "folder_id")]
    assert [o for o in found[0].options if o[0] in ("index", "unique")] == expected


def test_add_column_with_index_or_unique_builds_it_after_the_column(tmp_path: Path) -> None:
    """Alembic (1.20, offline, PostgreSQL) runs `ALTER TABLE documents ADD COLUMN folder_id
    INTEGER`, then `CREATE INDEX ix_documents_folder_id ON documents (folder_id)` for
    index=True, `ALTER TABLE documents ADD UNIQUE (slug)` for unique=True, `CREATE UNIQUE
    INDEX ix_documents_code ON documents (code)` for both; batch_op the same on PostgreSQL."""
    body = (
        "op.add_column(\n"
        "    'documents',\n"
        "    sa.Column(\n"
        "        'folder_id',\n"
        "        sa.Integer(),\n"
        "        sa.ForeignKey('folders.id', ondelete='SET NULL'),\n"
        "        nullable=True,\n"
        "        index=True,\n"
        "    ),\n"
        ")\n"
        "op.add_column('documents', sa.Column('slug', sa.String(), unique=True))\n"
        "op.add_column('documents', sa.Column('code', sa.String(), unique=True, index=True), schema='app')\n"
        "op.add_column('documents', sa.Column('title', sa.String(), index=False, unique=False))\n"
        "with op.batch_alter_table('pages') as batch_op:\n"
        "    batch_op.add_column(sa.Column('folder_id', sa.Integer(), index=True))\n"
        "    batch_op.add_column(sa.Column('slug', sa.String(), unique=True))\n"
        "op.create_table('folders', sa.Column('id', sa.Integer(), primary_key=True))\n"
        "op.add_column('folders', sa.Column('slug', sa.String(), unique=True, index=True))\n"
        "with op.get_context().autocommit_block():\n"
        "    op.add_column('notes', sa.Column('folder_id', sa.Integer(), index=True))\n"
        "    op.add_column('notes', sa.Column('slug', sa.String(), unique=True))"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    result = cli_runner().invoke(
        main, ["lint", "--no-cache", "--format", "json", "--select", "MG401,MG408,MG409", str(tmp_path)]
    )
    found = [
        (d["code"], Path(d["path"]).name, d["line"], d["column"], d["revisions"], d["message"], d["help"])
        for d in json.loads(result.stdout)["diagnostics"]
    ]
    autocommit = " inside `with op.get_context().autocommit_block():`"
    unique_recipe = (
        " build a unique index with postgresql_concurrently=True"
        + autocommit
        + ", then ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name"
    )
    assert found == [
        (
            "MG401", "0001_r1.py", 6, 5, ["r1"],
            "op.add_column('documents', 'folder_id') with index=True builds an index by a CREATE INDEX of its own"
            " after the column, under the ACCESS EXCLUSIVE lock ADD COLUMN took: every read and write of"
            " documents waits for the whole build",
            "add the column without index=True, then op.create_index(op.f('ix_documents_folder_id'),"
            " 'documents', ['folder_id'], postgresql_concurrently=True)" + autocommit,
        ),
        (
            "MG408", "0001_r1.py", 6, 5, ["r1"],
            "op.add_column('documents', 'folder_id') adds a foreign key to folders.id in a statement of its own"
            " after the column, which checks every row of documents under the ACCESS EXCLUSIVE lock ADD COLUMN"
            " took and SHARE ROW EXCLUSIVE on folders: reads and writes of documents, and writes of folders,"
            " wait for the whole scan",
            "add the column without the ForeignKey, then op.create_foreign_key("
            "op.f('fk_documents_folder_id_folders'), 'documents', 'folders', ['folder_id'], ['id'],"
            " postgresql_not_valid=True), then VALIDATE CONSTRAINT in a later revision",
        ),
        (
            "MG409", "0001_r1.py", 16, 5, ["r1"],
            "op.add_column('documents', 'slug') with unique=True adds a unique constraint by an ALTER TABLE ..."
            " ADD UNIQUE of its own after the column, which builds its unique index under the ACCESS EXCLUSIVE"
            " lock ADD COLUMN took: every read and write of documents waits for the whole build",
            "add the column without unique=True, then" + unique_recipe,
        ),
        (
            "MG401", "0001_r1.py", 17, 5, ["r1"],
            "op.add_column('app.documents', 'code') with index=True builds a unique index by a CREATE UNIQUE"
            " INDEX of its own after the column, under the ACCESS EXCLUSIVE lock ADD COLUMN took: every read"
            " and write of app.documents waits for the whole build",
            "add the column without index=True, then op.create_index(op.f('ix_app_documents_code'), 'documents',"
            " ['code'], schema='app', unique=True, postgresql_concurrently=True)" + autocommit,
        ),
        (
            "MG401", "0001_r1.py", 20, 9, ["r1"],
            "batch_op.add_column('folder_id') with index=True builds an index by a CREATE INDEX of its own after"
            " the column, under the ACCESS EXCLUSIVE lock ADD COLUMN took: every read and write of pages waits"
            " for the whole build",
            "add the column without index=True, then, after the batch_alter_table block, op.create_index("
            "op.f('ix_pages_folder_id'), 'pages', ['folder_id'], postgresql_concurrently=True)" + autocommit,
        ),
        (
            "MG409", "0001_r1.py", 21, 9, ["r1"],
            "batch_op.add_column('slug') with unique=True adds a unique constraint by an ALTER TABLE ... ADD"
            " UNIQUE of its own after the column, which builds its unique index under the ACCESS EXCLUSIVE lock"
            " ADD COLUMN took: every read and write of pages waits for the whole build",
            "add the column without unique=True, then, after the batch_alter_table block," + unique_recipe,
        ),
        (
            "MG401", "0001_r1.py", 25, 9, ["r1"],
            "op.add_column('notes', 'folder_id') with index=True builds an index by a CREATE INDEX of its own"
            " after the column, under a SHARE lock on notes: every INSERT, UPDATE and DELETE waits for the whole"
            " build",
            "add the column without index=True, then op.create_index(op.f('ix_notes_folder_id'), 'notes',"
            " ['folder_id'], postgresql_concurrently=True)" + autocommit,
        ),
        (
            "MG409", "0001_r1.py", 26, 9, ["r1"],
            "op.add_column('notes', 'slug') with unique=True adds a unique constraint by an ALTER TABLE ... ADD"
            " UNIQUE of its own after the column, which builds its unique index under an ACCESS EXCLUSIVE lock:"
            " every read and write of notes waits for the whole build",
            "add the column without unique=True, then" + unique_recipe,
        ),
    ]  # fmt: skip


def test_add_column_with_index_on_a_table_an_undeployed_revision_created_is_not_reported(
    tmp_path: Path,
) -> None:
    files = {
        "0001_r1.py": revision("r1", None, "op.create_table('users')"),
        "0002_r2.py": revision("r2", "r1", "op.create_table('documents')"),
        "0003_r3.py": revision(
            "r3",
            "r2",
            "op.add_column('documents', sa.Column('folder_id', sa.Integer(), index=True))\n"
            "op.add_column('documents', sa.Column('slug', sa.String(), unique=True))\n"
            "op.add_column('users', sa.Column('folder_id', sa.Integer(), index=True))\n"
            "op.add_column('users', sa.Column('slug', sa.String(), unique=True))",
        ),
    }
    write_project(tmp_path, files=files)
    everything = [
        ("0003_r3.py", 6, "MG401"), ("0003_r3.py", 7, "MG409"), ("0003_r3.py", 8, "MG401"), ("0003_r3.py", 9, "MG409")
    ]  # fmt: skip
    assert codes(lint(tmp_path, "--select", "MG401,MG409")[1]) == everything
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\ndeployed = "r1"\n')
    assert codes(lint(tmp_path, "--select", "MG401,MG409")[1]) == everything[2:]


def test_add_column_with_index_or_unique_in_a_sqlite_history_is_not_reported(tmp_path: Path) -> None:
    body = (
        "with op.batch_alter_table('documents') as batch_op:\n"
        "    batch_op.add_column(sa.Column('folder_id', sa.Integer(), index=True))\n"
        "    batch_op.add_column(sa.Column('slug', sa.String(), unique=True))"
    )
    write_project(tmp_path, files={"sqlite/0001_r1.py": revision("r1", None, body)})
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\nversion_locations = migrations/versions/sqlite\n"
    )
    assert codes(lint(tmp_path, "--select", "MG401,MG409")[1]) == []
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\nversion_locations = migrations/versions/postgresql\n"
    )
    (tmp_path / "migrations" / "versions" / "sqlite").rename(
        tmp_path / "migrations" / "versions" / "postgresql"
    )
    assert codes(lint(tmp_path, "--select", "MG401,MG409")[1]) == [
        ("0001_r1.py", 7, "MG401"), ("0001_r1.py", 8, "MG409")
    ]  # fmt: skip


# -- the quick reader agrees with Python's parser on real files ---------------------------

REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"


def _real_calls():  # type: ignore[no-untyped-def]
    from miglint.facts.ops import _CALL

    if not REALWORLD.is_dir():
        pytest.skip(f"the real-world corpus is not at {REALWORLD} (it comes with ../shared)")
    for path in sorted(REALWORLD.rglob("*.py")):
        if "versions" not in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "\r" in text:
            continue
        for match in _CALL.finditer(text):
            yield path, text, match


def test_the_argument_reader_agrees_with_the_parser_on_every_real_call() -> None:
    """opfacts splits arguments with a regular expression (a parse per call would cost a
    quarter of the parse stage): wherever it answers, `ast` must find the same arguments,
    and the place of a new keyword argument must be the one opcalls._keyword_insert gives."""
    from miglint.facts.opcalls import _keyword_insert
    from miglint.facts.ops import _from_tree, _insert_after, _parse_call, _read

    read = inserts = 0
    for path, text, match in _real_calls():
        lines = text.splitlines(keepends=True)
        line = text.count("\n", 0, match.start()) + 1
        start = text.rfind("\n", 0, match.start()) + 1
        receiver = len(text[start : match.start()]) - len(text[start : match.start()].lstrip())
        call = _parse_call(text, lines, start + receiver, match.end() - 1, line)
        quick = _read(text, match.end() - 1)
        if call is None or quick is None or text[start + receiver : match.start()].strip() != "op":
            continue
        tree = _from_tree(call, text, lines, line)
        assert (quick.positional, quick.keywords, quick.end) == (tree.positional, tree.keywords, tree.end), (
            path,
            line,
        )
        read += 1
        if quick.last is not None:
            assert _insert_after(text, quick.last, quick.end - 1) == _keyword_insert(call, "{}", lines), (
                path,
                line,
            )
            inserts += 1
    assert read > 1000 and inserts > 1000


def test_new_tables_are_those_the_ancestor_walk_finds() -> None:
    """deploy_scope's new tables are what walking every revision's ancestors gives (the
    quadratic way it replaced), on random histories with merges and cycles."""
    import random

    from miglint.history import deploy

    class Graph:
        def __init__(self, parents: dict[str, tuple[str, ...]], tables: dict[str, str]) -> None:
            self.parents = parents
            self.revisions = {
                r: RevisionFile(path=r, operations=(OpFact("create_table", tables[r], tables[r], Span.point(1), "upgrade", "upgrade", "op"),) if tables[r] else ())
                for r in parents
            }  # fmt: skip

        def down_revisions(self, rev: str) -> tuple[str, ...]:
            return self.parents[rev]

        def children(self, rev: str) -> list[str]:
            return [c for c, ps in self.parents.items() for p in ps if p == rev]

        def is_ancestor(self, candidate: str, rev: str) -> bool:
            return candidate in self.ancestors(rev)

        def ancestors(self, rev: str) -> set[str]:
            seen: set[str] = set()
            stack = list(self.parents[rev])
            while stack:
                current = stack.pop()
                if current not in seen:
                    seen.add(current)
                    stack.extend(self.parents[current])
            return seen

    rng = random.Random(7)
    for _ in range(200):
        names = [f"r{i}" for i in range(rng.randint(1, 14))]
        parents = {
            n: tuple(rng.sample(names[:i], min(i, rng.choice([0, 1, 1, 2])))) for i, n in enumerate(names)
        }
        if rng.random() < 0.2 and len(names) > 2:  # a cycle, and a parent named twice
            parents[names[0]] = (names[-1],)
            parents[names[1]] = (names[0], names[0])
        tables = {n: rng.choice(["", "t1", "t2", f"t_{n}"]) for n in names}
        graph = Graph(parents, tables)
        undeployed = {n for n in names if rng.random() < 0.6}
        undeployed = deploy._with_descendants(graph, undeployed)  # type: ignore[arg-type]
        created = {r: deploy.created_tables(graph.revisions[r]) for r in undeployed}  # type: ignore[arg-type]
        expected = {
            r: frozenset(t for a in graph.ancestors(r) if a in created for t in created[a])
            for r in undeployed
        }
        found = deploy._new_tables(graph, undeployed)  # type: ignore[arg-type]
        every = {t for t in tables.values() if t} | {"elsewhere"}
        assert {r: frozenset(t for t in every if t in found[r]) for r in undeployed} == expected


# -- steps written once for both directions (chaoss/augur) ----------------------------

STEPS = """revision = "r2"
down_revision = "r1"


def upgrade():
    widen_keys_1()
    rename_2(upgrade=True)


def downgrade():
    upgrade = False
    rename_2(upgrade)
    widen_keys_1(upgrade)


def widen_keys_1(upgrade=True):
    if upgrade:
        op.create_index("ix_a_b", "a", ["b"])
    else:
        op.alter_column("a", "b", nullable=False)
        op.create_foreign_key(None, "a", "c", ["c_id"], ["id"])


def rename_2(upgrade=True):
    for _ in range(1):
        if not upgrade:
            op.drop_index("ix_a_c", table_name="a")
        elif READY:
            op.rename_table("a", "b")
"""


def test_a_step_runs_only_the_branch_its_flag_takes(tmp_path: Path) -> None:
    """upgrade() calls the steps with upgrade=True (by default or by name), downgrade() with
    a name it bound to False: the `else:` of `if upgrade:` is downgrade's alone."""
    first = revision("r1", None, "op.create_table('a', sa.Column('id', sa.Integer()))")
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": STEPS})
    found = codes(lint(tmp_path, "--select", "MG401,MG403,MG406,MG408,MG410,MG502")[1])
    assert found == [
        ("0002_r2.py", 18, "MG401"),  # the `if upgrade:` body: upgrade() runs it
        ("0002_r2.py", 21, "MG502"),  # downgrade() creates an unnamed foreign key
        ("0002_r2.py", 29, "MG410"),  # `elif READY:` may run: READY is not known
    ]
    # the same when downgrade() is not read (MG5xx not selected): downgrade() still calls the steps
    assert found[:1] + found[2:] == codes(lint(tmp_path, "--select", "MG401,MG406,MG408,MG410")[1])
    by_line = {(f.span.line, f.entry) for f in facts(STEPS)}
    assert by_line == {
        (18, "upgrade"),
        (20, "downgrade"),
        (21, "downgrade"),
        (27, "downgrade"),
        (29, "upgrade"),
    }


@pytest.mark.parametrize(
    ("calls", "flagged"),
    [
        ("step()\n    step(False)", True),  # the calls disagree: both branches may run
        ("step(flag)", True),  # a name upgrade() does not bind to a literal
        ("flag = False\n    flag = True\n    step(flag)", True),  # bound twice
        ("step(*args)", True),
        ("step(True)", False),
        ("step(upgrade=False)", True),  # the else branch runs
    ],
)
def test_a_flag_not_known_on_every_call_leaves_both_branches(calls: str, flagged: bool) -> None:
    source = (
        "revision = 'r1'\ndown_revision = None\n\n\n"
        f"def upgrade():\n    {calls}\n\n\n"
        "def step(upgrade=True):\n    if upgrade:\n        pass\n    else:\n"
        "        op.alter_column('a', 'b', nullable=False)\n"
    )
    assert bool(facts(source)) is flagged


@pytest.mark.parametrize(
    "elsewhere",
    [
        "def other():\n    step(False)\n",  # called by a function that is not an entry point
        "STEPS = [step]\n",  # referred to otherwise than by a call
        "step(False)\n",  # called at module level
    ],
)
def test_a_step_run_from_elsewhere_keeps_both_branches(elsewhere: str) -> None:
    source = (
        "revision = 'r1'\ndown_revision = None\n\n\n"
        "def upgrade():\n    step()\n\n\n"
        "def step(upgrade=True):\n    if upgrade:\n        pass\n    else:\n"
        "        op.alter_column('a', 'b', nullable=False)\n\n\n"
        f"{elsewhere}"
    )
    assert [f.name for f in facts(source)] == ["alter_column"]


CONVERT = """revision = "r2"
down_revision = "r1"


def _convert(conn, aware):
    if aware:
        op.execute("ALTER TABLE docs ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC'")
    else:
        op.execute("ALTER TABLE docs ALTER COLUMN created_at TYPE timestamp")


def upgrade():
    _convert(op.get_bind(), aware=True)


def downgrade():
    _convert(op.get_bind(), False)
"""


def test_a_flag_without_a_default_passed_by_each_entry_decides_the_branch(tmp_path: Path) -> None:
    """langflow 8d9e0f1a2b3c: `_convert(conn, timezone_aware)` has no default; upgrade()
    passes True, downgrade() False. The `else:` is downgrade()'s alone, SQL and op call alike."""
    first = revision("r1", None, "op.create_table('docs', sa.Column('created_at', sa.DateTime()))")
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": CONVERT})
    assert codes(lint(tmp_path, "--select", "MG407")[1]) == [("0002_r2.py", 7, "MG407")]
    assert statements(CONVERT) == {(7, "upgrade"), (9, "downgrade")}
    # passed the same by both: each runs the `if` body alone
    both = CONVERT.replace("_convert(op.get_bind(), False)", "_convert(op.get_bind(), True)")
    assert statements(both) == {(7, "upgrade"), (7, "downgrade")}
    # a flag upgrade() passes by a name it does not bind: both branches may run there
    named = CONVERT.replace("aware=True", "aware=AWARE")
    assert statements(named) == {(7, "upgrade"), (9, "upgrade"), (9, "downgrade")}


def statements(source: str) -> set[tuple[int, str]]:
    """(line, entry point) of each SQL statement the file runs."""
    return {(s.span.line, s.entry) for s in parse_revision_file("v.py", source.encode()).sql}


def test_concurrently_after_a_commit_is_the_commit_finding(tmp_path: Path) -> None:
    """hypothesis/h commits Alembic's transaction, then builds indexes CONCURRENTLY: with
    psycopg2 they run outside any transaction and succeed, with psycopg 3 they fail. The
    COMMIT is reported; what follows it in the same function is not reported again."""
    body = (
        "op.create_index('ix_before', 'a', ['x'], postgresql_concurrently=True)\n"
        'op.execute("COMMIT")\n'
        "op.create_index('ix_a_b', 'a', ['b'], postgresql_concurrently=True)\n"
        'op.execute("CREATE UNIQUE INDEX CONCURRENTLY ix_a_c ON a (c)")\n'
        "op.drop_index('ix_a_d', 'a', postgresql_concurrently=True)\n"
        "helper()"
    )
    after = "\n\ndef helper():\n    op.create_index('ix_h', 'a', ['h'], postgresql_concurrently=True)\n"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body, after=after)})
    assert codes(lint(tmp_path, "--select", "MG402")[1]) == [
        ("0001_r1.py", 6, "MG402"),  # before the COMMIT: inside Alembic's transaction
        ("0001_r1.py", 7, "MG402"),  # the COMMIT
        ("0001_r1.py", 15, "MG402"),  # another function: the order of calls is not followed
    ]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            "batch_op.create_foreign_key(None, 'users', ['user_id'], ['id'])",
            "batch_op.create_foreign_key(None)",
        ),
        (
            "batch_op.create_foreign_key('fk_a', 'users', ['user_id'], ['id'])",
            "batch_op.create_foreign_key('fk_a')",
        ),
        ("batch_op.alter_column('b', nullable=False)", "batch_op.alter_column('b')"),
        (
            "op.create_foreign_key(None, 'a', 'users', ['user_id'], ['id'])",
            "op.create_foreign_key(None, 'a')",
        ),
        # openstack neutron and manila: a name and a table the code computes, as written
        (
            "op.create_unique_constraint(constraint_name=unique_name, table_name=TABLE_NAME, columns=['a'])",
            "op.create_unique_constraint(unique_name, TABLE_NAME)",
        ),
        ("op.alter_column(EL_TABLE_NAME, 'uuid', nullable=False)", "op.alter_column(EL_TABLE_NAME, 'uuid')"),
    ],
)
def test_messages_name_the_call_as_written(call: str, expected: str) -> None:
    """google/timesketch: an unnamed batch_op constraint is shown with its None; a name or
    table the code computes is shown as written, not as None (neutron, manila)."""
    from miglint.rules._deploy_rule import shown

    body = f"with op.batch_alter_table('a') as batch_op:\n    {call}" if call.startswith("batch") else call
    (operation,) = facts(revision("r1", None, body))
    assert shown(operation) == expected


def test_a_step_s_sql_is_read_one_branch_per_direction(tmp_path: Path) -> None:
    """The SQL rules read the branch upgrade() takes: the `else:` SQL is downgrade()'s."""
    source = (
        'revision = "r1"\ndown_revision = None\n\n\n'
        "def upgrade():\n    step()\n\n\n"
        "def downgrade():\n    step(upgrade=False)\n\n\n"
        "def step(upgrade=True):\n"
        "    if upgrade:\n"
        '        op.execute("CREATE TABLE a (x int)")\n'
        "    else:\n"
        '        op.execute("CREATE TABLE b (x int)")\n'
        '        op.execute("INSERT INTO c (x) VALUES (1)")\n'
        "        op.execute(sql_built_elsewhere)\n"
    )
    write_project(tmp_path, files={"0001_r1.py": source})
    # not MG201 on b, MG204 on c nor MG209 on the unread SQL: downgrade() runs them (and
    # MG504 says nothing of a downgrade() whose SQL it cannot read)
    assert codes(lint(tmp_path, "--select", "MG201,MG204,MG209,MG504")[1]) == [("0001_r1.py", 15, "MG201")]


def test_a_table_named_by_an_expression_is_new_after_its_create_table(tmp_path: Path) -> None:
    """fief names its tables with a prefix (`f"{table_prefix}audit_logs"`): an index on the
    table that the same expression named in an earlier create_table is on a new table."""
    body = (
        'op.create_table(f"{table_prefix}audit_logs", sa.Column("id", sa.Integer()))\n'
        'op.create_index("ix_logs_id", f"{table_prefix}audit_logs", ["id"])\n'
        'op.create_index("ix_users_id", f"{table_prefix}users", ["id"])\n'
        'op.create_index("ix_logs_again", table_name=f"{table_prefix}audit_logs", columns=["id"])'
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    # only the table no create_table of this revision names
    assert codes(lint(tmp_path, "--select", "MG401")[1]) == [("0001_r1.py", 8, "MG401")]


def test_a_mysql_test_guarded_by_another_condition_is_still_mysql_only(tmp_path: Path) -> None:
    """openstack/aodh: `if bind and bind.engine.name == "mysql":` never holds on PostgreSQL."""
    body = (
        "bind = op.get_bind()\n"
        'if bind and bind.engine.name == "mysql":\n'
        "    op.alter_column('alarm', 'timestamp', type_=sa.DateTime())\n"
        'if bind and bind.engine.name == "postgresql":\n'
        "    op.alter_column('alarm', 'state', type_=sa.Text())"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG407")[1]) == [("0001_r1.py", 10, "MG407")]


def test_a_table_made_by_create_table_as_select_is_new(tmp_path: Path) -> None:
    """openstack/blazar: CREATE TABLE tmp AS SELECT ..., DROP TABLE old, then tmp renamed."""
    body = (
        "op.execute('CREATE TABLE tmp_leases AS SELECT id, project_id FROM leases')\n"
        "op.execute('DROP TABLE leases')\n"
        "op.execute('ALTER TABLE tmp_leases RENAME TO leases')"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    facts_of = [(f.name, f.table) for f in facts(revision("r1", None, body)) if f.name == "create_table"]
    assert facts_of == [("create_table", "tmp_leases")]
    assert codes(lint(tmp_path, "--select", "MG410")[1]) == []


def test_a_module_constant_names_the_table(tmp_path: Path) -> None:
    """openstack/ironic-inspector: `ATTRIBUTES = 'attributes'`, then
    `op.batch_alter_table(ATTRIBUTES)`: the table is attributes, whose name column an
    earlier revision made its primary key (so already NOT NULL)."""
    first = revision(
        "r1", None, "op.create_table('attributes', sa.Column('name', sa.String(), primary_key=True))"
    )
    second = (
        'revision = "r2"\ndown_revision = "r1"\nATTRIBUTES = "attributes"\nINDEX = "ix_attributes_value"\n\n\n'
        "def upgrade():\n"
        "    with op.batch_alter_table(ATTRIBUTES) as batch_op:\n"
        "        batch_op.alter_column('name', nullable=False)\n"
        "    op.create_index(INDEX, ATTRIBUTES, ['value'])\n"
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    _, output = lint(tmp_path, "--select", "MG401,MG406")
    assert codes(output) == [("0002_r2.py", 10, "MG401")]
    assert (
        "op.create_index('ix_attributes_value', 'attributes') builds the index under the ACCESS EXCLUSIVE lock an earlier statement of the revision took on attributes"
        in output
    )


def test_a_column_created_not_null_is_not_scanned_again(tmp_path: Path) -> None:
    """openstack/cyborg: the column was created nullable=False; a later revision passes
    nullable=False again (with a type change): PostgreSQL checks nothing. Made nullable
    again in between (by SQL here), it is scanned."""
    first = revision(
        "r1",
        None,
        "op.create_table('devices', sa.Column('id', sa.Integer(), primary_key=True),\n"
        "    sa.Column('type', sa.Enum('A', 'B', name='device_type'), nullable=False),\n"
        "    sa.Column('state', sa.String(), nullable=False))",
    )
    second = revision(
        "r2",
        "r1",
        "op.alter_column('devices', 'type', existing_type=sa.Enum('A', name='device_type'), nullable=False)\n"
        'op.execute("ALTER TABLE devices ALTER COLUMN state DROP NOT NULL")',
    )
    third = revision("r3", "r2", "op.alter_column('devices', 'state', nullable=False)")
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second, "0003_r3.py": third})
    assert codes(lint(tmp_path, "--select", "MG406")[1]) == [("0003_r3.py", 6, "MG406")]


def test_a_column_added_through_a_variable_then_renamed_is_new(tmp_path: Path) -> None:
    """openstack/ironic-inspector: `temp = sa.Column("temp_started_at", ...)`, added, filled,
    the old column dropped, the new one renamed to the old name: the running release never
    knew `temp_started_at`. A name bound to the Column again before the call, or in another
    function, is not followed; a required column added through a variable is MG404's."""
    body = (
        'temp_started_at = sa.Column("temp_started_at", sa.DateTime, nullable=True)\n'
        'op.add_column("nodes", temp_started_at)\n'
        'temp_started_at = sa.Column("temp_started_at", sa.DateTime, nullable=True)\n'
        "with op.batch_alter_table('nodes') as batch_op:\n"
        "    batch_op.drop_column('started_at')\n"
        "    batch_op.alter_column('temp_started_at', new_column_name='started_at')\n"
        "other = sa.Column('other', sa.Integer())\n"
        "other = sa.Column('renamed_later', sa.Integer())\n"
        "op.alter_column('nodes', 'other', new_column_name='kept')\n"
        "required = sa.Column('size', sa.Integer(), nullable=False)\n"
        "op.add_column('nodes', required)"
    )
    facts_of = [(f.name, f.target) for f in facts(revision("r1", None, body)) if f.name == "add_column"]
    assert facts_of == [("add_column", "temp_started_at"), ("add_column", "size")]
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG404,MG410")[1]) == [
        ("0001_r1.py", 14, "MG410"),  # `other` was never added by this revision
        ("0001_r1.py", 16, "MG404"),
    ]
    helper = revision(
        "r1",
        None,
        "op.add_column('nodes', column)",
        after="\n\ndef helper():\n    column = sa.Column('x', sa.Integer())\n",
    )
    assert [f.target for f in facts(helper) if f.name == "add_column"] == [""]


def test_not_null_columns_behind_a_quoting_comment_and_in_add_column_files(tmp_path: Path) -> None:
    """openstack/cyborg: a comment holding an apostrophe ("don't") among create_table's
    arguments: the argument pattern cannot split them, the parsed call can; the column is
    NOT NULL from its creation, and passing nullable=False again scans nothing. The same
    for a column added NOT NULL in a file that declares no key."""
    first = revision(
        "r1",
        None,
        "op.create_table(\n"
        "    'requests',\n"
        "    sa.Column('id', sa.Integer(), nullable=False),\n"
        "    # we don't have project constraints yet\n"
        "    sa.Column('state', sa.Enum('A', 'B', name='state'), nullable=False),\n"
        "    sa.Column('note', sa.Text(), nullable=True),\n"
        "    sa.PrimaryKeyConstraint('id'),\n"
        ")",
    )
    second = revision(
        "r2",
        "r1",
        "op.alter_column('requests', 'state', existing_type=sa.Enum('A', name='state'), nullable=False)\n"
        "op.alter_column('requests', 'note', nullable=False)",
    )
    # a file whose only hint is a column added NOT NULL
    third = revision(
        "r3",
        "r2",
        "op.add_column('requests', sa.Column('size', sa.Integer(), nullable=False, server_default='0'))",
    )
    fourth = revision("r4", "r3", "op.alter_column('requests', 'size', nullable=False)")
    files = {"0001_r1.py": first, "0002_r2.py": second, "0003_r3.py": third, "0004_r4.py": fourth}
    write_project(tmp_path, files=files)
    assert codes(lint(tmp_path, "--select", "MG406")[1]) == [("0002_r2.py", 7, "MG406")]


def test_a_type_change_without_existing_type_reads_the_old_type_from_history(tmp_path: Path) -> None:
    """openstack/zun, tacker: `op.alter_column(..., type_=...)` without existing_type. The
    column's last ancestor says what it was: the same type again (zun's volume_id) and a
    longer varchar are not flagged; Integer to BigInteger is, naming the revision; a type
    named by a variable is flagged with the hedge; raw SQL to one of PostgreSQL's own types
    reads the history too (the same varchar(36)), with USING it does not."""
    first = revision(
        "r1",
        None,
        "op.create_table('devices', sa.Column('id', sa.Integer(), primary_key=True),\n"
        "    sa.Column('volume_id', sa.String(36), nullable=False),\n"
        "    sa.Column('min_ram', sa.Integer),\n"
        "    sa.Column('value', sa.String(length=4096)))",
    )
    second = revision(
        "r2",
        "r1",
        "op.alter_column('devices', 'volume_id', type_=sa.String(length=36))\n"
        "op.alter_column('devices', 'min_ram', type_=sa.BigInteger)\n"
        "op.alter_column('devices', 'value', type_=text_type_maxlen)\n"
        'op.execute("ALTER TABLE devices ALTER COLUMN volume_id TYPE varchar(36)")\n'
        'op.execute("ALTER TABLE devices ALTER COLUMN volume_id TYPE varchar(36) USING trim(volume_id)")',
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    _, output = lint(tmp_path, "--select", "MG407")
    assert codes(output) == [
        ("0002_r2.py", 7, "MG407"),
        ("0002_r2.py", 8, "MG407"),
        ("0002_r2.py", 10, "MG407"),
    ]
    assert (
        "changes devices.min_ram from sa.Integer (as revision r1 made it) to sa.BigInteger: PostgreSQL rewrites"
        in output
    )
    assert (
        "changes devices.value from sa.String(length=4096) (as revision r1 made it) to text_type_maxlen: "
        "unless the change is binary-compatible, PostgreSQL rewrites" in output
    )
    assert "ALTER COLUMN volume_id changes devices.volume_id to varchar(36): unless" in output


def test_history_types_other_dialects_and_computed_tables(tmp_path: Path) -> None:
    """keephq/keep: `existing_type=mysql.TINYTEXT()` says nothing of PostgreSQL, whose column
    the history made TEXT: not flagged. openstack/tacker: a loop retypes `device_id` on
    tables it names at run time (a loop over names written out is read per name): what an
    earlier create said is no longer known."""
    first = revision(
        "r1",
        None,
        "op.create_table('incident', sa.Column('id', sa.Integer(), primary_key=True),\n"
        "    sa.Column('fingerprint', sa.TEXT()),\n"
        "    sa.Column('device_id', sa.String(255)))",
    )
    second = revision(
        "r2",
        "r1",
        "for table in _tables_with_devices():\n    op.alter_column(table, 'device_id', type_=types.Uuid)",
    )
    third = revision(
        "r3",
        "r2",
        "with op.batch_alter_table('incident') as batch_op:\n"
        "    batch_op.alter_column('fingerprint', existing_type=mysql.TINYTEXT(), type_=sa.TEXT())\n"
        "op.alter_column('incident', 'device_id', type_=sa.String(64))",
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second, "0003_r3.py": third})
    _, output = lint(tmp_path, "--select", "MG407")
    assert codes(output) == [("0002_r2.py", 7, "MG407"), ("0003_r3.py", 8, "MG407")]
    assert "changes incident.device_id to sa.String(64): unless the change is binary-compatible" in output


def test_mg403_only_where_the_revision_does_not_already_hold_the_lock(tmp_path: Path) -> None:
    # fides 2736c942faa2: add_column and alter_column lock messaging_template before the drop
    body = (
        "op.drop_index('ix_a', table_name='users')\n"  # 6: takes the lock
        "op.drop_index('ix_b', table_name='users')\n"  # 7: already held
        "op.add_column('accounts', sa.Column('c', sa.Boolean()))\n"
        "op.drop_index('ix_c', table_name='accounts')\n"  # 9: held since line 8
        "with op.get_context().autocommit_block():\n"  # commits: every lock is let go
        "    op.create_index('ix_d', 'orders', ['d'], postgresql_concurrently=True)\n"
        "op.drop_index('ix_e', table_name='accounts')\n"  # 12: taken again
        "if op.get_bind().dialect.name == 'mysql':\n"
        "    op.add_column('orders', sa.Column('e', sa.Boolean()))\n"  # never on PostgreSQL
        "op.drop_index('ix_f', table_name='orders')\n"  # 15
        "op.execute('COMMIT')\n"
        "op.drop_index('ix_g', table_name='users')\n"  # 17: after the COMMIT
        "op.rename_table('block_spec', 'block_schema')\n"
        "op.drop_index('ix_h', table_name='block_schema')"  # 19: the rename holds it (prefect)
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG403")[1]) == [
        ("0001_r1.py", line, "MG403") for line in (6, 12, 15, 17)
    ]
    env = tmp_path / "migrations" / "env.py"
    env.write_text("context.configure(connection=connection, transactional_ddl=False)\n")  # per migration
    assert [line for _, line, _ in codes(lint(tmp_path, "--select", "MG403")[1])] == [6, 12, 15, 17]
    env.write_text("connection.execution_options(isolation_level='AUTOCOMMIT')\n")  # each statement commits
    assert [line for _, line, _ in codes(lint(tmp_path, "--select", "MG403")[1])] == [6, 7, 9, 12, 15, 17, 19]


def test_a_rename_of_a_table_already_locked_carries_the_lock_to_its_new_name(tmp_path: Path) -> None:
    # iib 7573241a5156: indexes dropped in a batch, the table renamed, indexes built on the new
    # name: the build holds the ACCESS EXCLUSIVE lock the drop took, and every read waits too
    body = (
        "op.drop_index('ix_a', table_name='bundle_deprecation')\n"  # 6: takes the lock
        "op.rename_table('bundle_deprecation', 'request_bundle')\n"
        "op.create_index('ix_b', 'request_bundle', ['b'])\n"  # 8: under that lock
        "op.create_index('ix_c', 'other', ['c'])"  # 9: SHARE on another table
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    output = lint(tmp_path, "--select", "MG401")[1]
    assert codes(output) == [("0001_r1.py", 8, "MG401"), ("0001_r1.py", 9, "MG401")]
    assert "'ix_b', 'request_bundle') builds the index under the ACCESS EXCLUSIVE lock an earlier" in output
    assert "'ix_c', 'other') builds the index under a SHARE lock on other" in output


def test_mg410_names_a_table_the_code_computes_as_written(tmp_path: Path) -> None:
    body = "for old_name, new_name in RENAMES:\n    op.rename_table(old_name, new_name)"
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    output = lint(tmp_path, "--select", "MG410")[1]
    assert (
        "0001_r1.py:7:9: MG410 op.rename_table(old_name) renames the table `old_name` names to a new name: "
        in output
    )


def test_a_column_with_a_comment_among_its_arguments_is_read() -> None:
    # fides 2f6aa5fe797a: the pattern cannot split a call holding a comment; it is parsed alone
    body = (
        "op.add_column(\n"
        "    'messagingconfig',\n"
        "    sa.Column(\n"
        "        'service_type',\n"
        "        sa.Text(),\n"
        "        nullable=True,  # allow it to be nullable temporarily\n"
        "    ),\n"
        ")"
    )
    (found,) = facts(revision("r1", None, body))
    assert (found.name, found.table, found.target) == ("add_column", "messagingconfig", "service_type")
    assert found.options == (("nullable", "True"), ("column_type", "sa.Text()"))


def test_a_connection_opened_in_autocommit_is_outside_the_revisions_transaction(tmp_path: Path) -> None:
    # onyx: CREATE INDEX CONCURRENTLY on its own AUTOCOMMIT connection
    body = (
        "bind = op.get_bind()\n"
        "with bind.engine.connect().execution_options(isolation_level='AUTOCOMMIT') as conn:  # why\n"
        "    conn.exec_driver_sql('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON users (a)')\n"
        "op.execute('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_b ON users (b)')"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert [(f.name, f.target, f.blocks) for f in facts(revision("r1", None, body))] == [
        ("create_index", "ix_a", ("autocommit_block",)),
        ("create_index", "ix_b", ()),
    ]
    assert codes(lint(tmp_path, "--select", "MG401,MG402")[1]) == [("0001_r1.py", 9, "MG402")]


def test_a_call_in_a_loop_over_table_names_is_one_fact_per_table(tmp_path: Path) -> None:
    # gnocchi: `for table in ("instance", "instance_history"): op.alter_column(table, ...)`
    first = revision(
        "r1",
        None,
        "op.create_table('instance', sa.Column('id', sa.Integer(), primary_key=True),"
        " sa.Column('flavor_id', sa.Integer(), nullable=False))\n"
        "op.create_table('instance_history', sa.Column('id', sa.Integer(), primary_key=True),"
        " sa.Column('flavor_id', sa.Integer(), nullable=False))",
    )
    body = (
        "for table in ('instance', 'instance_history'):\n"
        "    op.alter_column(table, 'flavor_id', type_=sa.String(255), nullable=False)\n"
        "for table in TABLES:\n"
        "    op.create_index('ix_' + table, table, ['a'])"
    )
    second = revision("r2", "r1", body).replace("def upgrade", "TABLES = ('orders',)\n\n\ndef upgrade")
    found = facts(second)
    assert [(f.name, f.table, f.target, f.span.line, f.insert is not None) for f in found] == [
        ("alter_column", "instance", "flavor_id", 10, False),
        ("alter_column", "instance_history", "flavor_id", 10, False),
        ("create_index", "orders", "", 12, True),
    ]
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    output = lint(tmp_path, "--select", "MG406,MG407,MG401")[1]
    assert codes(output) == [
        ("0002_r2.py", 10, "MG407"),
        ("0002_r2.py", 10, "MG407"),
        ("0002_r2.py", 12, "MG401"),
    ]
    assert (
        "changes instance_history.flavor_id from sa.Integer() (as revision r1 made it) to sa.String(255)"
        in (output)
    )


def test_a_batch_block_in_a_loop_over_a_module_list_is_one_fact_per_table(tmp_path: Path) -> None:
    # mindsdb: `TABLES_WITH_USER_ID = [` one name a line `]`, then `for table_name in ...:
    # with op.batch_alter_table(table_name) as batch_op:`; predictor's lock is held after it
    first = revision(
        "r1",
        None,
        "op.create_table('predictor', sa.Column('id', sa.Integer()))\n"
        "op.create_table('project', sa.Column('id', sa.Integer()))",
    )
    body = (
        "for table_name in TABLES:\n"
        "    with op.batch_alter_table(table_name, schema=None) as batch_op:\n"
        "        batch_op.alter_column('company_id', existing_type=sa.String(), nullable=False)\n"
        "with op.batch_alter_table('predictor', schema=None) as batch_op:\n"
        "    batch_op.drop_index('predictor_index')"
    )
    listed = 'TABLES = [\n    "predictor",\n    "project",  # a comment\n]\n\n\ndef upgrade'
    second = revision("r2", "r1", body).replace("def upgrade", listed)
    found = facts(second)
    assert [(f.name, f.table, f.target, f.span.line) for f in found] == [
        ("alter_column", "predictor", "company_id", 14),
        ("alter_column", "project", "company_id", 14),
        ("drop_index", "predictor", "predictor_index", 16),
    ]
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    output = lint(tmp_path, "--select", "MG403,MG406")[1]
    # no MG403: the loop's ALTER of predictor already holds its ACCESS EXCLUSIVE lock
    assert codes(output) == [("0002_r2.py", 14, "MG406"), ("0002_r2.py", 14, "MG406")]
    assert "sets project.company_id NOT NULL" in output
    # a list bound again, or a variable that is not the loop's, is not read per name
    rebound = second.replace("\n\n\ndef upgrade", "\nTABLES += ['other']\n\n\ndef upgrade", 1)
    assert [f.table for f in facts(rebound)][:2] == ["", "predictor"]


def test_python_2_string_prefixes_are_names(tmp_path: Path) -> None:
    # koschei, security_monkey, skylines: autogenerate once wrote u"name"
    first = revision(
        "r1",
        None,
        "op.create_table(u'users', sa.Column(u'id', sa.Integer(), primary_key=True),"
        " sa.Column(u'email', sa.String(), nullable=False))\n"
        "op.create_index('ix_users_email', u'users', [u'email'])",
    )
    second = revision(
        "r2", "r1", "op.alter_column('users', u'email', existing_type=sa.String(), nullable=False)"
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    assert codes(lint(tmp_path, "--select", "MG401,MG406")[1]) == []
    (found,) = facts(second)
    assert (found.table, found.target) == ("users", "email")


def test_tab_indented_branches_and_a_pragma_in_an_else(tmp_path: Path) -> None:
    # helper-33: tabs were measured one way by the branch reader and another by the block's end,
    # and a PRAGMA in the else of a PostgreSQL test made every PostgreSQL rule silent
    tabbed = (
        "revision = 'r1'\ndown_revision = None\n\n\ndef upgrade():\n"
        "\tif op.get_bind().dialect.name == 'sqlite':\n"
        "\t\top.execute('PRAGMA foreign_keys=OFF')\n"
        "\top.create_index('ix_t', 'users', ['x'])\n"
    )
    in_else = (
        "revision = 'r2'\ndown_revision = 'r1'\n\n\ndef upgrade():\n"
        "    if op.get_bind().dialect.name == 'postgresql':\n        pass\n"
        "    else:\n        op.execute('PRAGMA foreign_keys=OFF')\n"
        "    op.create_index('ix_u', 'users', ['y'])\n"
    )
    write_project(tmp_path, files={"0001_r1.py": tabbed, "0002_r2.py": in_else})
    assert codes(lint(tmp_path, "--select", "MG401")[1]) == [
        ("0001_r1.py", 8, "MG401"),
        ("0002_r2.py", 10, "MG401"),
    ]
    # and the fix, which indents with spaces, is not offered in a file indented with tabs
    assert [f.wrap for f in facts(tabbed) if f.name == "create_index"] == [None]


def test_names_a_message_cannot_show_on_one_line_are_no_names() -> None:
    body = "op.create_index('ix_f', '''us\ners''', ['x'])\nop.create_index('ix_g', r'users', ['x'])"
    found = facts(revision("r1", None, body))
    assert [(f.table, f.option("table_as_written")) for f in found] == [("", None), ("users", None)]


def test_many_module_constants_are_read_in_one_pass() -> None:
    # helper-33: a search per constant made 10,000 of them take 39 s
    constants = "".join(f"T{i} = 't{i}'\n" for i in range(3000)) + "T5 = 'other'\n"
    source = revision("r1", None, "op.create_index(None, T7, ['x'])\nop.create_index(None, T5, ['x'])")
    found = facts(source.replace("revision = ", constants + "revision = ", 1))
    assert [f.table for f in found] == ["t7", ""]  # T5 is bound twice: either could hold


def test_an_op_function_bound_again_at_the_top_is_no_longer_alembics() -> None:
    # helper-33: `from alembic.op import create_index` then `def create_index(...)`
    source = (
        "from alembic.op import create_index, add_column\nfrom alembic import op as o\nimport mymod as o\n"
        "revision = 'r1'\ndown_revision = None\n\n\ndef create_index(*args, **kwargs):\n    pass\n\n\n"
        "def upgrade():\n    create_index('ix_a', 'users', ['a'])\n    o.create_index('ix_b', 'users', ['b'])\n"
        "    add_column('users', sa.Column('c', sa.Integer()))\n"
    )
    assert [(f.name, f.target) for f in facts(source)] == [("add_column", "c")]


def test_a_loop_whose_names_may_change_is_not_read_per_name() -> None:
    # helper-33: the variable bound again inside, a nested loop reusing it, a local shadowing the tuple
    source = revision(
        "r1",
        None,
        "for table in ('a', 'b'):\n"
        "    table = table + '_history'\n"
        "    op.create_index('ix_1', table, ['x'])\n"
        "for table in ('c', 'd'):\n"
        "    for table in ('e',):\n"
        "        op.create_index('ix_2', table, ['x'])\n"
        "    op.create_index('ix_3', table, ['x'])\n"
        "TABLES = ('q',)\n"
        "for name in TABLES:\n"
        "    op.create_index('ix_4', name, ['x'])",
    ).replace("revision = ", "TABLES = ('f', 'g')\nrevision = ", 1)
    assert [(f.target, f.table, f.option("table_as_written")) for f in facts(source)] == [
        ("ix_1", "", "table"),
        ("ix_2", "e", None),
        ("ix_3", "", "table"),
        ("ix_4", "", "name"),
    ]


def test_a_message_that_quotes_source_over_several_lines_is_one_line(tmp_path: Path) -> None:
    # warehouse 70f918653fc6, magnum: the new type written over lines put line breaks into
    # `--concise`, whose readers take one finding a line
    first = revision(
        "r1", None, "op.create_table('roles', sa.Column('role_name', sa.Text(), nullable=False))"
    )
    second = revision(
        "r2",
        "r1",
        "op.alter_column(\n"
        "    'roles',\n"
        "    'role_name',\n"
        "    type_=sa.Enum(\n"
        "        'Owner',\n"
        "        'Manager',\n"
        "        name='rolename',\n"
        "    ),\n"
        "    existing_type=sa.Text(),\n"
        ")",
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    output = lint(tmp_path, "--select", "MG407", "--concise")[1]
    (finding,) = [line for line in output.splitlines() if "MG407" in line]
    assert "/migrations/versions/0002_r2.py:6:5: MG407 " in finding
    assert "to sa.Enum('Owner', 'Manager', name='rolename'): PostgreSQL rewrites" in finding


def test_a_helper_called_only_inside_autocommit_block_runs_there(tmp_path: Path) -> None:
    # Skyvern 0b0bd1875c6e: `with ...autocommit_block(): _short_transaction(sql)`, the helper
    # running its own BEGIN ... COMMIT: no COMMIT of Alembic's transaction
    helper = (
        "revision = 'r1'\ndown_revision = None\n\n\n"
        "def _short_transaction(statement):\n"
        "    op.execute('BEGIN')\n"
        "    op.execute(statement)\n"
        "    op.execute('COMMIT')\n\n\n"
        "def _also_outside(statement):\n"
        "    op.execute('COMMIT')\n\n\n"
        "def upgrade():\n"
        "    with op.get_context().autocommit_block():\n"
        "        _short_transaction('ALTER TABLE items ADD COLUMN note text')\n"
        "        _also_outside('x')\n"
        "    _also_outside('y')\n"
    )
    found = facts(helper)
    assert [(f.name, f.span.line, f.blocks) for f in found if f.name in ("begin", "commit")] == [
        ("begin", 6, ("autocommit_block",)),
        ("commit", 8, ("autocommit_block",)),
        ("commit", 12, ()),
    ]
    write_project(tmp_path, files={"0001_r1.py": helper})
    assert codes(lint(tmp_path, "--select", "MG402")[1]) == [("0001_r1.py", 12, "MG402")]


REBUILD_HELPER = """
def _rebuild_tenants():
    op.create_table("tenants_new", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO tenants_new (id) SELECT id FROM tenants")
    op.drop_table("tenants")
    op.rename_table("tenants_new", "tenants")
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # cognee: the rebuild runs on SQLite only; PostgreSQL's path indexes the existing table
        (
            'if op.get_context().dialect.name == "sqlite":\n    _rebuild_tenants()\n    return\n'
            'op.create_index("ix_tenants_name", "tenants", ["name"])',
            [("0002_r2.py", 17, "MG401")],
        ),
        # called on every database: the table is new when the index is built
        ('_rebuild_tenants()\nop.create_index("ix_tenants_name", "tenants", ["name"])', []),
        # called on SQLite and again on PostgreSQL's path: new there too
        (
            'if op.get_context().dialect.name == "sqlite":\n    _rebuild_tenants()\n    return\n'
            '_rebuild_tenants()\nop.create_index("ix_tenants_name", "tenants", ["name"])',
            [],
        ),
    ],
)
def test_a_helper_called_only_in_a_branch_for_another_database_runs_there(
    tmp_path: Path, body: str, expected: list[tuple[str, int, str]]
) -> None:
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, 'op.create_table("tenants", sa.Column("id", sa.Integer))'),
            # the helper first, as cognee writes it
            "0002_r2.py": "import sqlalchemy as sa\nfrom alembic import op\n"
            + REBUILD_HELPER
            + revision("r2", "r1", body),
        },
    )
    assert codes(lint(tmp_path, "--select", "MG401")[1]) == expected


def test_a_column_typed_by_its_foreign_key_has_no_known_type(tmp_path: Path) -> None:
    """`Column("owner_id", sa.ForeignKey("users.id"))` takes the type of the column it references
    (SQLAlchemy): the history does not know it, and MG407 says the change without a `from`,
    not "from sa.ForeignKey('users.id')"."""
    first = revision(
        "r1",
        None,
        "op.create_table('posts', sa.Column('id', sa.Integer(), primary_key=True),\n"
        "    sa.Column('owner_id', sa.ForeignKey('users.id')))\n"
        "op.add_column('accounts', sa.Column('editor_id', sa.ForeignKey('users.id')))",
    )
    second = revision(
        "r2",
        "r1",
        "op.alter_column('posts', 'owner_id', type_=sa.BigInteger())\n"
        "op.alter_column('accounts', 'editor_id', type_=sa.BigInteger())",
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    _, output = lint(tmp_path, "--select", "MG407")
    assert codes(output) == [("0002_r2.py", 6, "MG407"), ("0002_r2.py", 7, "MG407")]
    assert "ForeignKey" not in output
    assert "changes posts.owner_id to sa.BigInteger(): unless the change is binary-compatible" in output
    assert "changes accounts.editor_id to sa.BigInteger(): unless the change is binary-compatible" in output


@pytest.mark.parametrize(
    ("column", "flagged"),
    [
        # onyx b156fa702355: SERIAL NOT NULL (Alembic renders it so): a sequence fills every row
        ("sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True, nullable=False)", False),
        ("sa.Column('id', sa.BigInteger, primary_key=True, nullable=False)", False),
        ("sa.Column('id', sa.Integer(), primary_key=True, autoincrement=False, nullable=False)", True),
        ("sa.Column('id', sa.String(), primary_key=True, nullable=False)", True),
        ("sa.Column('id', sa.Integer(), nullable=False)", True),
    ],
)
def test_a_serial_column_is_filled_by_its_sequence(tmp_path: Path, column: str, flagged: bool) -> None:
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, "op.create_table('users', sa.Column('a', sa.Integer()))"),
            "0002_r2.py": revision("r2", "r1", f"op.add_column('users', {column})"),
        },
    )
    assert codes(lint(tmp_path, "--select", "MG404")[1]) == ([("0002_r2.py", 6, "MG404")] if flagged else [])


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        # Alembic 1.20 renders ADD COLUMN ... GENERATED BY DEFAULT AS IDENTITY / BIGSERIAL: every row filled
        ("sa.Column('n', sa.Integer(), sa.Identity(), nullable=False)", [("0002_r2.py", 6, "MG405")]),
        ("sa.Column('n', sa.BigInteger(), primary_key=True)", [("0002_r2.py", 6, "MG405")]),
        # a Sequence is fired at INSERT and left out of the DDL: ADD COLUMN n INTEGER NOT NULL fails
        ("sa.Column('n', sa.Integer(), sa.Sequence('s'), nullable=False)", [("0002_r2.py", 6, "MG404")]),
        ("sa.Column('n', sa.Integer(), sa.Sequence('s'))", []),
    ],
)
def test_columns_a_sequence_or_identity_fills(
    tmp_path: Path, column: str, expected: list[tuple[str, int, str]]
) -> None:
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, "op.create_table('users', sa.Column('a', sa.Integer()))"),
            "0002_r2.py": revision("r2", "r1", f"op.add_column('users', {column})"),
        },
    )
    assert codes(lint(tmp_path, "--select", "MG404,MG405")[1]) == expected


@pytest.mark.parametrize(
    ("first", "second", "postgres"),
    [
        # RootTheBox: MySQL named the key; the drop fails on PostgreSQL
        ("op.create_table('data_doc', sa.Column('a', sa.Integer()))", "", False),
        # querybook: the history names its keys so itself, and drops them on PostgreSQL too
        (
            "op.create_table('data_doc', sa.Column('a', sa.Integer()),\n"
            "    sa.ForeignKeyConstraint(['a'], ['b.id'], name='data_doc_ibfk_1'))",
            "",
            True,
        ),
        (
            "op.create_table('data_doc', sa.Column('a', sa.Integer()))",
            "if op.get_bind().dialect.name == 'postgresql':\n    op.execute('SELECT 1')",
            True,
        ),
    ],
)
def test_an_innodb_name_proves_mysql_only_where_the_history_did_not_give_it(
    tmp_path: Path, first: str, second: str, postgres: bool
) -> None:
    drop = "op.drop_constraint('data_doc_ibfk_1', 'data_doc', type_='foreignkey')"
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, first),
            "0002_r2.py": revision(
                "r2", "r1", f"{drop}\nop.create_index('ix_a', 'data_doc', ['a'])\n{second}"
            ),
        },
    )
    found = codes(lint(tmp_path, "--select", "MG401")[1])
    assert found == ([("0002_r2.py", 7, "MG401")] if postgres else [])


def test_a_history_type_of_the_projects_own_is_not_known(tmp_path: Path) -> None:
    """tracim: the column was added as `ShortUploadField()`, a class of a library's type that is
    varchar(3000) on PostgreSQL: the change to TEXT is hedged, not said to rewrite."""
    first = revision("r1", None, "op.create_table('users', sa.Column('id', sa.Integer()))")
    second = revision(
        "r2",
        "r1",
        "op.add_column('users', sa.Column('avatar', ShortUploadField(), nullable=True))\n"
        "op.add_column('users', sa.Column('bio', sa.String(30), nullable=True))",
    )
    third = revision(
        "r3",
        "r2",
        "op.alter_column('users', 'avatar', type_=sa.TEXT)\nop.alter_column('users', 'bio', type_=sa.Integer())",
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second, "0003_r3.py": third})
    _, output = lint(tmp_path, "--select", "MG407")
    assert codes(output) == [("0003_r3.py", 6, "MG407"), ("0003_r3.py", 7, "MG407")]
    assert (
        "changes users.avatar to sa.TEXT: unless the change is binary-compatible, PostgreSQL rewrites"
        in output
    )
    assert (
        "changes users.bio from sa.String(30) (as revision r2 made it) to sa.Integer(): PostgreSQL rewrites"
        in output
    )


def test_the_type_list_is_sqlalchemys() -> None:
    import sqlalchemy
    import sqlalchemy.types as types
    from miglint.rules.column_type_change import SQLALCHEMY_TYPES
    from sqlalchemy.dialects import postgresql

    concrete = {
        name
        for module in (types, postgresql, sqlalchemy)
        for name in dir(module)
        if isinstance(getattr(module, name), type)
        and issubclass(getattr(module, name), types.TypeEngine)
        and not name.startswith(("_", "Abstract"))
        and name not in ("TypeDecorator", "TypeEngine", "UserDefinedType", "Variant", "NullType", "MatchType")
        and name not in ("TupleType", "NamedType")
    }
    assert concrete <= SQLALCHEMY_TYPES


@pytest.mark.parametrize(
    ("named", "expected"),
    [
        ("'variant_stats_mv'", []),
        ("SIGNATURE", []),  # a module constant
        ("signature", []),  # imported from the application (mavedb): the same expression
        ("other", [("0002_r2.py", 12, "MG401")]),  # another relation than the one indexed
    ],
)
def test_a_materialized_view_alembic_utils_makes_is_new(
    tmp_path: Path, named: str, expected: list[tuple[str, int, str]]
) -> None:
    """mavedb: `op.create_entity(PGMaterializedView(signature=...))`, then indexes on it in the
    same upgrade(): no one else sees the view before the revision commits."""
    source = (
        "from alembic import op\n"
        "from alembic_utils.pg_materialized_view import PGMaterializedView\n"
        "from app.views import signature, other\n"
        "SIGNATURE = 'variant_stats_mv'\n"
        "revision = 'r2'\n"
        "down_revision = 'r1'\n\n\n"
        "def upgrade():\n"
        "    op.create_entity(\n"
        f"        PGMaterializedView(schema='public', signature={named}, definition='SELECT 1', with_data=True))\n"
        f"    op.create_index('ix_mv_id', {'signature' if named in ('signature', 'other') else repr('variant_stats_mv')}, ['id'])\n"
    )
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, "op.create_table('variants', sa.Column('id', sa.Integer()))"),
            "0002_r2.py": source,
        },
    )
    assert codes(lint(tmp_path, "--select", "MG401")[1]) == expected


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ('op.execute("ALTER TABLE documents ADD COLUMN slug text UNIQUE")', [("0002_r2.py", 6, "MG409")]),
        ('op.execute("ALTER TABLE documents ADD COLUMN slug text")', []),
        # a table this revision made: nobody reads it yet
        (
            'op.execute("CREATE TABLE pages (id int)")\nop.execute("ALTER TABLE pages ADD COLUMN slug text UNIQUE")',
            [],
        ),
    ],
)
def test_sql_add_column_unique_builds_its_index(
    tmp_path: Path, statement: str, expected: list[tuple[str, int, str]]
) -> None:
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, "op.create_table('documents', sa.Column('id', sa.Integer()))"),
            "0002_r2.py": revision("r2", "r1", statement),
        },
    )
    _, output = lint(tmp_path, "--select", "MG409")
    assert codes(output) == expected
    if expected:
        assert (
            "ADD COLUMN slug UNIQUE builds its unique index over every row of documents under the statement's"
            " ACCESS EXCLUSIVE lock" in output
        )


def test_a_foreign_key_after_add_column_names_the_lock_already_held(tmp_path: Path) -> None:
    """autogenerate writes add_column then create_foreign_key: in the revision's transaction the
    key's scan runs under the ACCESS EXCLUSIVE lock ADD COLUMN took, so reads wait too."""
    body = (
        "op.add_column('orders', sa.Column('customer_id', sa.Integer()))\n"
        "op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'])\n"
        "op.create_foreign_key('fk_items_order', 'items', 'orders', ['order_id'], ['id'])"
    )
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, "op.create_table('orders')\nop.create_table('items')"),
            "0002_r2.py": revision("r2", "r1", body),
        },
    )
    _, output = lint(tmp_path, "--select", "MG408")
    assert codes(output) == [("0002_r2.py", 7, "MG408"), ("0002_r2.py", 8, "MG408")]
    first, second = [line for line in output.splitlines() if ": MG408" in line]
    assert "under the ACCESS EXCLUSIVE lock an earlier statement of the revision took on it" in first
    assert "under SHARE ROW EXCLUSIVE locks on it and the referenced table: writes wait" in second


@pytest.mark.parametrize(
    ("first", "postgres"),
    [
        # okpy: a column typed by MySQL's own type in a plain create_table; PostgreSQL's
        # compiler refuses it ("can't render element of type MEDIUMTEXT")
        ("op.create_table('notes', sa.Column('body', mysql.MEDIUMTEXT(), nullable=True))", False),
        ("op.add_column('notes', sa.Column('body', sa.dialects.mysql.LONGTEXT()))", False),
        (
            "with op.batch_alter_table('notes') as batch_op:\n    batch_op.add_column(sa.Column('b', mysql.TINYINT(1)))",
            False,
        ),
        ("op.alter_column('notes', 'body', type_=mysql.MEDIUMTEXT)", False),
        # never rendered, or rendered as another type on PostgreSQL
        ("op.alter_column('notes', 'body', existing_type=mysql.TINYTEXT(), nullable=True)", True),
        (
            "op.create_table('notes', sa.Column('b', sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')))",
            True,
        ),
        (
            "op.create_table('notes', sa.Column('b', mysql.LONGBLOB().with_variant(sa.LargeBinary(), 'postgresql')))",
            True,
        ),
        # PostgreSQL renders these mysql types (INTEGER, VARCHAR...): no proof
        ("op.create_table('notes', sa.Column('b', mysql.INTEGER(display_width=11)))", True),
        # a table object of a data migration is never created from it
        ("notes = sa.table('notes', sa.column('body', mysql.MEDIUMTEXT()))\nop.bulk_insert(notes, [])", True),
        # only where MySQL runs it (quay)
        (
            "if op.get_bind().engine.name == 'mysql':\n    op.alter_column('notes', 'b', type_=mysql.MEDIUMTEXT())",
            True,
        ),
    ],
)
def test_a_mysql_only_column_type_proves_the_history_never_runs_on_postgresql(
    tmp_path: Path, first: str, postgres: bool
) -> None:
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision(
                "r1", None, f"op.create_table('users', sa.Column('a', sa.Integer()))\n{first}"
            ),
            "0002_r2.py": revision("r2", "r1", "op.create_index('ix_a', 'users', ['a'])"),
        },
    )
    found = codes(lint(tmp_path, "--select", "MG401")[1])
    assert found == ([("0002_r2.py", 6, "MG401")] if postgres else [])


def test_the_mysql_type_fact_names_its_type_and_place() -> None:
    source = revision(
        "r1",
        None,
        "op.create_table(\n    'notes',\n    sa.Column('body', mysql.MEDIUMTEXT(), nullable=True),\n)",
    )
    (fact,) = [f for f in facts(source, downgrade="facts") if f.name == "mysql_only"]
    assert (fact.span, fact.entry, fact.option("mysql_type")) == (Span(8, 26, 8, 42), "upgrade", "MEDIUMTEXT")


def test_a_raw_rename_constraint_is_a_fact_that_takes_access_exclusive() -> None:
    """honcho: RENAME CONSTRAINT opens its table with ACCESS EXCLUSIVE (PostgreSQL's
    RenameConstraint), so a drop_index of the same table after it waits for nothing."""
    from miglint.history.deploy import DeployContext
    from miglint.rules._deploy_rule import exclusively_locked

    source = revision(
        "r1",
        None,
        'op.execute("ALTER TABLE jobs RENAME CONSTRAINT jobs_key_unique TO uq_jobs_key")\n'
        "op.drop_index('ix_jobs_key', table_name='jobs')",
    )
    operations = facts(source)
    assert [(o.name, o.table, o.target, o.option("new_name")) for o in operations] == [
        ("rename_constraint", "jobs", "jobs_key_unique", "uq_jobs_key"),
        ("drop_index", "jobs", "ix_jobs_key", None),
    ]
    assert exclusively_locked(operations, DeployContext()) == {(7, 4)}


def test_facts_of_module_functions_are_in_the_order_upgrade_runs_them() -> None:
    """appointment: `_drop_old_index()` is written above upgrade() and called after its
    alter_column; a helper of a helper runs inside it; a second call adds no second fact."""
    source = (
        "revision = 'r1'\ndown_revision = None\n\n\n"
        "def _inner():\n    op.drop_column('jobs', 'b')\n\n\n"
        "def _drop_old_index():\n    op.drop_index('ix_jobs_key', table_name='jobs')\n    _inner()\n\n\n"
        "def upgrade():\n"
        "    op.add_column('jobs', sa.Column('a', sa.Integer()))\n"
        "    _drop_old_index()\n"
        "    op.alter_column('jobs', 'owner_id', nullable=False)\n"
        "    _drop_old_index()\n\n\n"
        "def downgrade():\n    op.drop_column('jobs', 'a')\n"
    )
    assert [(o.name, o.span.line, o.function, o.entry) for o in facts(source, downgrade="facts")] == [
        ("add_column", 15, "upgrade", "upgrade"),
        ("drop_index", 10, "_drop_old_index", "upgrade"),
        ("drop_column", 6, "_inner", "upgrade"),
        ("alter_column", 17, "upgrade", "upgrade"),
        ("drop_column", 22, "downgrade", "downgrade"),
    ]


def test_a_validate_in_the_transaction_that_added_the_key_not_valid_is_mg408(tmp_path: Path) -> None:
    """honcho: ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in the same revision: the
    ADD's SHARE ROW EXCLUSIVE locks are held through the scan. After a COMMIT it is not."""
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision(
                "r1",
                None,
                'op.execute("ALTER TABLE orders ADD CONSTRAINT fk_q FOREIGN KEY (q) REFERENCES queue (id) NOT VALID")\n'
                'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_q")\n'
                'op.execute("ALTER TABLE jobs ADD CONSTRAINT fk_w FOREIGN KEY (w) REFERENCES work (id) NOT VALID")\n'
                'op.execute("COMMIT")\n'
                'op.execute("ALTER TABLE jobs VALIDATE CONSTRAINT fk_w")',
            )
        },
    )
    _, output = lint(tmp_path, "--select", "MG408")
    assert codes(output) == [("0001_r1.py", 7, "MG408")]
    assert (
        "MG408 VALIDATE CONSTRAINT fk_q on orders runs in the transaction whose ADD CONSTRAINT fk_q (line 6) added"
        " it NOT VALID, so the scan runs under the SHARE ROW EXCLUSIVE locks it took on the table and the"
        " referenced one: writes of both wait for all of it" in output
    )


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("TEXT[]", "text[]"),  # drone-tm: was shown `text`, the array lost
        ("finaloutput[]", "finaloutput[]"),
        ("geometry(POINT, 3857)", "geometry(point, 3857)"),  # openbikesensor: was `geometry(3857)`
        ("numeric(10,2)", "numeric(10, 2)"),
        ("varchar(0)", "varchar(0)"),  # pglast leaves a 0 out of its tree: was `varchar()`
        ("int[3]", "int4[3]"),
    ],
)
def test_a_raw_type_change_names_the_type_as_written(written: str, shown: str) -> None:
    source = revision("r1", None, f'op.execute("ALTER TABLE t ALTER COLUMN c TYPE {written}")')
    (fact,) = facts(source)
    assert (fact.name, fact.option("type_")) == ("alter_column", shown)


def test_a_table_made_by_a_helper_written_below_upgrade_is_new_where_upgrade_calls_it(tmp_path: Path) -> None:
    """FlexMeasures: upgrade() calls upgrade_schema() (written below it, creating
    generic_asset), then sets a column of that table NOT NULL: the table is new there. The
    column of `sensor`, a table of an earlier revision, is still reported."""
    body = (
        "revision = 'r2'\ndown_revision = 'r1'\n\n\n"
        "def upgrade():\n"
        "    upgrade_schema()\n"
        "    op.alter_column('generic_asset', 'type_id', nullable=False)\n"
        "    op.alter_column('sensor', 'asset_id', nullable=False)\n\n\n"
        "def upgrade_schema():\n"
        "    op.create_table('generic_asset', sa.Column('type_id', sa.Integer()))\n"
        "    op.add_column('sensor', sa.Column('asset_id', sa.Integer()))\n"
    )
    first = revision("r1", None, "op.create_table('sensor', sa.Column('id', sa.Integer()))")
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": body})
    assert codes(lint(tmp_path, "--select", "MG406")[1]) == [("0002_r2.py", 8, "MG406")]


@pytest.mark.parametrize(
    ("loop", "tables"),
    [
        # aiida: a tuple per table, unpacked
        ("for table, unique in (('comments', 'uq_c'), ('groups', None)):", ["comments", "groups"]),
        ("for (table, unique) in [('comments', 'uq_c'), ('groups', None)]:", ["comments", "groups"]),
        # one variable over a literal written over several lines, a comment and a ')' in a string among them
        (
            "for table in (\n    'comments',  # the first (of two)\n    'gro)ups',\n):",
            ["comments", "gro)ups"],
        ),
        (
            "for table, unique in (\n    ('comments', 'uq_c'),\n    ('groups', None),\n):",
            ["comments", "groups"],
        ),
        # not every tuple holds a string there: not expanded
        ("for table, unique in (('comments', 'uq_c'), (None, 'x')):", ["table"]),
    ],
)
def test_a_loop_unpacking_tuples_or_written_over_lines_names_each_table(loop: str, tables: list[str]) -> None:
    source = revision("r1", None, f"{loop}\n    op.alter_column(table, 'uuid', nullable=False)")
    assert [o.table or o.option("table_as_written") for o in facts(source)] == tables


def test_a_call_under_if_on_another_variable_of_the_tuple_runs_for_the_tuples_that_set_it() -> None:
    """aiida: `if unique:` creates the key only for the tables given one (not db_dbnode's None)."""
    source = revision(
        "r1",
        None,
        "for table, unique in (\n"
        "    ('db_dbcomment', 'db_dbcomment_uuid_uniq'),\n"
        "    ('db_dbnode', None),\n"
        "):\n"
        "    op.alter_column(table, 'uuid', nullable=False)\n"
        "    if unique:\n"
        "        op.create_unique_constraint(unique, table, ['uuid'])",
    )
    assert [(o.name, o.table) for o in facts(source)] == [
        ("alter_column", "db_dbcomment"),
        ("alter_column", "db_dbnode"),
        ("create_unique_constraint", "db_dbcomment"),
    ]


def test_a_column_not_null_since_an_earlier_revision_is_known_through_a_tuple_loop(tmp_path: Path) -> None:
    """Re-sample #47 (aiida): the columns were created NOT NULL; the loop over (table, key)
    tuples no longer hides which tables, so MG406 knows there is nothing to scan."""
    first = revision(
        "a1",
        None,
        "op.create_table('comments', sa.Column('id', sa.Integer(), primary_key=True),\n"
        "    sa.Column('uuid', sa.String(36), nullable=False))\n"
        "op.create_table('groups', sa.Column('id', sa.Integer(), primary_key=True),\n"
        "    sa.Column('uuid', sa.String(36), nullable=False))",
    )
    second = revision(
        "b2",
        "a1",
        "for table, unique in (('comments', 'uq_c'), ('groups', None)):\n"
        "    op.alter_column(table, 'uuid', existing_type=sa.String(36), nullable=False)",
    )
    write_project(tmp_path, files={"0001_a1.py": first, "0002_b2.py": second})
    assert codes(lint(tmp_path, "--select", "MG406")[1]) == []


def test_an_index_built_after_an_alter_of_its_table_names_the_access_exclusive_lock(tmp_path: Path) -> None:
    """Re-sample #29: autogenerate's add_column then create_index: the build runs under the
    ACCESS EXCLUSIVE lock ADD COLUMN took, so reads wait too, not writes alone."""
    write_project(
        tmp_path,
        files={
            "0001_r1.py": revision("r1", None, "op.create_table('users', sa.Column('id', sa.Integer()))"),
            "0002_r2.py": revision(
                "r2",
                "r1",
                "op.add_column('users', sa.Column('email', sa.String()))\n"
                "op.create_index('ix_users_email', 'users', ['email'])\n"
                "op.create_index('ix_orders_email', 'orders', ['email'])",
            ),
        },
    )
    _, output = lint(tmp_path, "--select", "MG401")
    assert [line.split(": ", 1)[1] for line in output.splitlines() if ": MG401" in line] == [
        "MG401 op.create_index('ix_users_email', 'users') builds the index under the ACCESS EXCLUSIVE lock an"
        " earlier statement of the revision took on users: every read and write waits for the whole build",
        "MG401 op.create_index('ix_orders_email', 'orders') builds the index under a SHARE lock on orders:"
        " every INSERT, UPDATE and DELETE waits for the whole build",
    ]


def test_a_table_named_by_an_expression_keeps_the_lock_its_rename_took(tmp_path: Path) -> None:
    """skyportal: `for old, new in TABLES: op.rename_table(old, new); op.drop_index(...,
    table_name=new)`: the rename holds ACCESS EXCLUSIVE on the table `new` names."""
    first = revision("r1", None, "op.create_table('a_old', sa.Column('id', sa.Integer()))")
    second = revision(
        "r2",
        "r1",
        "for old, new in get_renames():\n"
        "    op.rename_table(old, new)\n"
        "    op.drop_index(f'ix_{old}_id', table_name=new)\n"
        "    op.drop_index(f'ix_{old}_other', table_name=audit_table)",
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    assert [c for c in codes(lint(tmp_path, "--select", "MG403")[1])] == [("0002_r2.py", 9, "MG403")]


def test_sql_written_before_the_call_that_runs_it_is_ordered_at_the_call(tmp_path: Path) -> None:
    """emergency-alerts / notifications-api: `index = "CREATE ... CONCURRENTLY ..."`, then
    `op.execute("COMMIT")`, then `op.execute(index)`: the CONCURRENTLY statement runs after the
    COMMIT, whose finding is the one (MG402's docs); written inline it already was."""
    body = (
        'index = "CREATE UNIQUE INDEX CONCURRENTLY uix_email ON accounts (email)"\n'
        'op.execute("COMMIT")\n'
        "op.execute(index)"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG402")[1]) == [("0001_r1.py", 7, "MG402")]
    operations = facts(revision("r1", None, body))
    assert [(o.name, o.span.line, o.option("run_line")) for o in operations] == [
        ("commit", 7, None),
        ("create_index", 6, "8"),
    ]


def test_raw_messages_name_a_primary_key_and_a_qualified_type_as_such(tmp_path: Path) -> None:
    """corpus 22: `ADD PRIMARY KEY (id)` was shown `ADD CONSTRAINT`; a type `public.x` read as a table."""
    body = (
        'op.execute("ALTER TABLE t ADD PRIMARY KEY (id)")\n'
        'op.execute("ALTER TABLE t ALTER COLUMN a TYPE public.followup_apis USING a::text::public.followup_apis")'
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    _, output = lint(tmp_path, "--select", "MG407,MG409")
    assert "MG409 ADD PRIMARY KEY builds a unique index on t under an ACCESS EXCLUSIVE lock" in output
    assert "MG407 ALTER COLUMN a changes t.a to the type public.followup_apis: unless" in output


def test_sql_in_sa_ddl_is_read_like_sa_text(tmp_path: Path) -> None:
    """osparc: `op.execute(sa.DDL("ALTER TABLE ... TYPE ..."))` (39 statements) was only MG209's,
    and a CREATE OR REPLACE FUNCTION in sa.DDL did not make a later DROP safe (a false MG203)."""
    body = (
        'op.execute(sa.DDL("ALTER TABLE comp_tasks ALTER COLUMN state TYPE statetype USING state::statetype"))\n'
        'ddl = sa.DDL("CREATE OR REPLACE FUNCTION notify() RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql")\n'
        "op.execute(ddl)\n"
        'op.execute("DROP FUNCTION notify()")'
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG203,MG407,MG209")[1]) == [("0001_r1.py", 6, "MG407")]


def test_a_name_bound_to_several_tables_is_not_one_table_for_the_locks(tmp_path: Path) -> None:
    """ask-a-question: `table_name = "a"` ... drop_index(..., table_name=table_name), then
    `table_name = "b"` ... the same call: the second drop is on another table, not yet locked."""
    body = (
        "bind = op.get_bind()\n"
        "table_name = get_first()\n"
        "op.drop_index('ix_a', table_name=table_name)\n"
        "table_name = get_second()\n"
        "op.drop_index('ix_b', table_name=table_name)"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG403")[1]) == [
        ("0001_r1.py", 8, "MG403"),
        ("0001_r1.py", 10, "MG403"),
    ]


def test_a_multidb_engine_function_is_read_in_order_on_a_path_of_its_own(tmp_path: Path) -> None:
    """funnel's upgrade_geoname(): op.create_table makes the table, then a raw CREATE INDEX on
    it (new on each run: MG201 leaves it alone, as in upgrade()); another engine's function does
    not see that table made."""
    source = (
        "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'r1'\ndown_revision = None\n\n\n"
        "def upgrade(engine_name=''):\n    globals().get(f'upgrade_{engine_name}', lambda: None)()\n\n\n"
        "def upgrade_geo():\n"
        "    op.create_table('geo', sa.Column('id', sa.Integer()))\n"
        "    op.execute(sa.DDL('CREATE INDEX ix_geo_title ON geo (lower(title))'))\n\n\n"
        "def upgrade_plain():\n"
        "    op.execute(sa.text('CREATE INDEX ix_geo_other ON geo (lower(title))'))\n"
    )
    write_project(tmp_path, files={"0001_r1.py": source})
    assert codes(lint(tmp_path, "--select", "MG201")[1]) == [("0001_r1.py", 18, "MG201")]


def test_each_loop_binding_a_name_is_its_own_table_for_the_locks(tmp_path: Path) -> None:
    """skyportal: two loops `for old, new in ...`: the first renames then drops on `new` (the
    lock is held); the second drops on `new` without a rename first (another table, not held)."""
    body = (
        "for old, new in get_renames():\n"
        "    op.rename_table(old, new)\n"
        "    op.drop_index(f'ix_{old}_id', table_name=new)\n"
        "for old, new in get_others():\n"
        "    op.drop_index(f'ix_{old}_x', table_name=new)"
    )
    write_project(tmp_path, files={"0001_r1.py": revision("r1", None, body)})
    assert codes(lint(tmp_path, "--select", "MG403")[1]) == [("0001_r1.py", 10, "MG403")]
    source = revision("r1", None, body)
    assert [(o.name, o.option("bound_at"), o.option("new_bound_at")) for o in facts(source)] == [
        ("rename_table", "6", "6"),
        ("drop_index", "6", None),
        ("drop_index", "9", None),
    ]


RENAME_RECIPE = """revision = "r2"
down_revision = "r1"


def get_tables():
    inspector = sa.inspect(op.get_bind())
    return [t for t in ["pools", "members"] if inspector.has_table(t)]


def rename_column(table):
    old_name = "tenant_id"
    new_name = "project_id"
    op.alter_column(table_name=table, column_name=old_name, new_column_name=new_name)


def recreate_index(index, table_name):
    old_name = index["name"]
    new_name = old_name.replace("tenant", "project")
    op.drop_index(old_name, table_name)
    op.create_index(new_name, table_name, ["project_id"])


def upgrade():
    for table in get_tables():
        rename_column(table)
        recreate_index({"name": "ix_tenant_id"}, table)
"""


def test_helpers_called_in_one_loop_name_the_table_their_caller_passes(tmp_path: Path) -> None:
    """neutron's "rename tenant to project" recipe (neutron-lbaas, group-based-policy,
    networking-cisco): two helpers, their parameters named otherwise (`table`, `table_name`),
    called with the loop's `table`: the drop_index runs under the lock the rename took (no
    MG403), and each helper's own `old_name` is its own (MG410 names the literal columns)."""
    first = revision("r1", None, "op.create_table('pools', sa.Column('tenant_id', sa.Text()))")
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": RENAME_RECIPE})
    output = lint(tmp_path, "--select", "MG401,MG403,MG410")[1]
    assert codes(output) == [("0002_r2.py", 13, "MG410"), ("0002_r2.py", 20, "MG401")]
    assert "renames column tenant_id to project_id" in output
    assert (
        "ACCESS EXCLUSIVE lock an earlier statement of the revision took on the table `table` names" in output
    )
    # a helper called from two places keeps its own name for the table
    twice = RENAME_RECIPE.replace(
        '        recreate_index({"name": "ix_tenant_id"}, table)',
        '        recreate_index({"name": "ix_tenant_id"}, table)\n    recreate_index({"name": "ix_b"}, "b")',
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": twice})
    assert ("0002_r2.py", 19, "MG403") in codes(lint(tmp_path, "--select", "MG403")[1])


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("table_prefix + EVENT_TABLE", "{table_prefix}zz_event"),
        ("f'{table_prefix}zz_event'", "{table_prefix}zz_event"),
        ("table_prefix + 'zz_event'", "{table_prefix}zz_event"),
        ("tmp", "{tmp}"),
        ("EVENT_TABLE", "zz_event"),
        ("model.Solr.__tablename__", ""),
        ("f'{prefix!r}x'", ""),
        ("names[0]", ""),
    ],
)
def test_a_computed_table_name_has_one_spelling(written: str, key: str) -> None:
    from miglint.facts.ops import table_key

    assert table_key(written, {"EVENT_TABLE": "zz_event"}.get) == key  # type: ignore[arg-type]


ZUUL = """revision = "r2"
down_revision = "r1"

EVENT_TABLE = "zz_event"
T = "zz_build"


def upgrade(table_prefix=""):
    op.create_table(table_prefix + EVENT_TABLE, sa.Column("id", sa.Integer, primary_key=True))
    op.create_index(f"{table_prefix}zz_event_tenant_idx", f"{table_prefix}zz_event", ["tenant"])
    prefixed = table_prefix + T
    prefixed_new = table_prefix + T + "_new"
    op.create_table(prefixed_new, sa.Column("id", sa.Integer, primary_key=True))
    op.drop_table(prefixed)
    op.rename_table(prefixed_new, prefixed)
    op.create_index(f"{prefixed}_uuid_idx", prefixed, ["uuid"])
    op.create_index("ix_other", other_table, ["x"])
"""


def test_tables_named_by_code_are_new_under_every_spelling(tmp_path: Path) -> None:
    """zuul: `op.create_table(table_prefix + EVENT_TABLE)` then an index on
    `f'{table_prefix}zz_event'`, the same table; a copy made under `prefixed_new`, renamed
    to `prefixed` and indexed: new tables, no lock on anyone's table. A table the revision
    did not make (`other_table`) is still reported."""
    first = revision("r1", None, "op.create_table('zz_build', sa.Column('id', sa.Integer()))")
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": ZUUL})
    assert codes(lint(tmp_path, "--select", "MG401,MG410")[1]) == [("0002_r2.py", 17, "MG401")]


def test_a_materialized_view_dropped_is_a_table_dropped(tmp_path: Path) -> None:
    """TaxHub, xivo-manage-db: CREATE MATERIALIZED VIEW is create_table's fact, so DROP
    MATERIALIZED VIEW is drop_table's: an index dropped before its view is (MG403), and a
    view dropped and made again in upgrade() is no object upgrade() creates (MG504)."""
    first = revision("r1", None, "op.execute('CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a')")
    second = revision(
        "r2",
        "r1",
        "op.drop_index('ix_mv_a', 'mv')\n"
        "op.execute('DROP MATERIALIZED VIEW mv')\n"
        "op.execute('CREATE MATERIALIZED VIEW mv AS SELECT 2 AS a')",
        after="\n\ndef downgrade():\n    op.execute('DROP MATERIALIZED VIEW mv')\n"
        "    op.execute('CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a')\n",
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    assert codes(lint(tmp_path, "--select", "MG403,MG504")[1]) == []


def test_an_index_on_a_materialized_view_blocks_its_refresh(tmp_path: Path) -> None:
    """TaxHub, gn_module_monitoring: CREATE INDEX on a materialized view holds SHARE on it:
    nothing writes to a view; a REFRESH waits. A table's index keeps its message."""
    first = revision(
        "r1",
        None,
        "op.execute('CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a')\nop.create_table('t', sa.Column('a', sa.Integer()))",
    )
    second = revision(
        "r2", "r1", "op.create_index('ix_mv_a', 'mv', ['a'])\nop.create_index('ix_t_a', 't', ['a'])"
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": second})
    output = lint(tmp_path, "--select", "MG401")[1]
    assert codes(output) == [("0002_r2.py", 6, "MG401"), ("0002_r2.py", 7, "MG401")]
    assert "a SHARE lock on the materialized view mv: every REFRESH of it waits" in output
    assert "a SHARE lock on t: every INSERT, UPDATE and DELETE waits" in output


def test_a_batch_that_copies_the_table_runs_no_alter_of_it(tmp_path: Path) -> None:
    """langflow: inside batch_alter_table(recreate="always") Alembic copies the table, on
    PostgreSQL too: no ALTER of the live table holds its lock (MG401, MG406, MG409 silent);
    a rename still breaks the running release's queries (MG410), and the same calls in a
    plain batch are reported."""
    first = revision(
        "r1", None, "op.create_table('docs', sa.Column('id', sa.Integer()), sa.Column('name', sa.Text()))"
    )
    body = (
        "with op.batch_alter_table('docs', recreate='always') as batch_op:\n"
        "    batch_op.create_index('ix_docs_name', ['name'])\n"
        "    batch_op.alter_column('name', nullable=False)\n"
        "    batch_op.create_unique_constraint('uq_docs_name', ['name'])\n"
        "    batch_op.alter_column('id', new_column_name='doc_id')"
    )
    write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": revision("r2", "r1", body)})
    assert codes(lint(tmp_path, "--select", "MG401,MG406,MG409,MG410")[1]) == [("0002_r2.py", 10, "MG410")]
    plain = body.replace(", recreate='always'", "")
    write_project(tmp_path, files={"0002_r2.py": revision("r2", "r1", plain)})
    assert codes(lint(tmp_path, "--select", "MG401,MG406,MG409,MG410")[1]) == [
        ("0002_r2.py", 7, "MG401"),
        ("0002_r2.py", 8, "MG406"),
        ("0002_r2.py", 9, "MG409"),
        ("0002_r2.py", 10, "MG410"),
    ]
