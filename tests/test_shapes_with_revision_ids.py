"""The shapes real projects taught in sessions 12 and 13, failing and passing, asserted by code,
line and revision ids (the other tests of each shape assert its message and its facts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from histories import write_project
from miglint.pipeline import Options, lint_paths

HEAD = "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = {rev!r}\ndown_revision = {down!r}\n\n\n"
BASE = HEAD.format(rev="r1", down=None) + (
    "def upgrade():\n"
    "    op.create_table('users', sa.Column('id', sa.Integer()))\n"
    "    op.create_table('customers', sa.Column('id', sa.Integer()))\n"
)


def second(body: str, top: str = "") -> str:
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return HEAD.format(rev="r2", down="r1") + top + "def upgrade():\n" + lines


def found(tmp_path: Path, code: str, source: str) -> list[tuple[str, int, tuple[str, ...]]]:
    write_project(tmp_path, files={"0001_r1.py": BASE, "0002_r2.py": source})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=[code]))
    return [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics]


# code, upgrade() of r2, the line reported (None: nothing); upgrade()'s first line is 9
CASES = [
    pytest.param("MG404", "op.add_column('users', sa.Column('n', sa.Integer(), sa.Sequence('s'), nullable=False))",
                 9, id="mg404-sequence"),
    pytest.param("MG404", "op.add_column('users', sa.Column('n', sa.Integer(), primary_key=True, nullable=False))",
                 None, id="mg404-serial"),
    pytest.param("MG405", "op.add_column('users', sa.Column('n', sa.Integer(), sa.Identity()))", 9,
                 id="mg405-identity"),
    pytest.param("MG405", "op.add_column('users', sa.Column('n', sa.Integer()))", None, id="mg405-plain"),
    pytest.param("MG409", "op.execute('ALTER TABLE users ADD COLUMN slug text UNIQUE')", 9,
                 id="mg409-sql-unique"),
    pytest.param("MG409", "op.execute('ALTER TABLE users ADD COLUMN slug text')", None, id="mg409-sql-plain"),
    pytest.param("MG408", "op.add_column('users', sa.Column('c', sa.Integer(), sa.ForeignKey('customers.id')))",
                 9, id="mg408-add-column-foreign-key"),
    pytest.param("MG408", "op.add_column('users', sa.Column('c', sa.Integer()))", None,
                 id="mg408-add-column-plain"),
    pytest.param("MG401", "op.create_index('ix_users_id', 'users', ['id'])", 9, id="mg401-existing"),
    pytest.param("MG401", "op.create_entity(PGMaterializedView(signature='mv', definition='SELECT 1'))\n"
                 "op.create_index('ix_mv', 'mv', ['id'])", None, id="mg401-materialized-view-made-here"),
    pytest.param("MG204", "op.execute('CREATE TABLE tmp (id int)')\nop.execute('INSERT INTO tmp SELECT id FROM users')",
                 10, id="mg204-helper-kept"),
    pytest.param("MG204", "op.execute('CREATE TABLE tmp (id int)')\nop.execute('INSERT INTO tmp SELECT id FROM users')\n"
                 "op.execute('DROP TABLE tmp')", None, id="mg204-helper-dropped-later"),
    # session 13
    pytest.param("MG201", "op.execute(\"ALTER TYPE mood ADD VALUE 'ok'\")", 9, id="mg201-add-value"),
    pytest.param("MG201", "op.execute(\"ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'\")", None,
                 id="mg201-add-value-if-not-exists"),
    pytest.param("MG403", "op.drop_index('ix_u', table_name='users')", 9, id="mg403-alone"),
    pytest.param("MG403", "op.execute('ALTER TABLE users RENAME CONSTRAINT a TO b')\n"
                 "op.drop_index('ix_u', table_name='users')", None, id="mg403-after-rename-constraint"),
    pytest.param("MG403", "for old, new in get_renames():\n    op.drop_index(f'ix_{old}', table_name=new)", 10,
                 id="mg403-loop-without-rename"),
    pytest.param("MG403", "for old, new in get_renames():\n    op.rename_table(old, new)\n"
                 "    op.drop_index(f'ix_{old}', table_name=new)", None, id="mg403-loop-after-rename"),
    pytest.param("MG408", "op.create_foreign_key('fk', 'users', 'customers', ['c'], ['id'], postgresql_not_valid=True)\n"
                 "op.execute('ALTER TABLE users VALIDATE CONSTRAINT fk')", 10, id="mg408-validate-same-transaction"),
    pytest.param("MG408", "op.create_foreign_key('fk', 'users', 'customers', ['c'], ['id'], postgresql_not_valid=True)\n"
                 "with op.get_context().autocommit_block():\n    op.execute('ALTER TABLE users VALIDATE CONSTRAINT fk')",
                 None, id="mg408-validate-after-commit"),
    pytest.param("MG402", "idx = 'CREATE INDEX CONCURRENTLY ix ON users (id)'\nop.execute(idx)", 9,
                 id="mg402-concurrently-in-transaction"),
    pytest.param("MG402", "idx = 'CREATE INDEX CONCURRENTLY ix ON users (id)'\nop.execute('COMMIT')\nop.execute(idx)",
                 10, id="mg402-commit-is-the-finding"),
    pytest.param("MG401", "op.create_index('ix_users_id', 'users', ['id'])", 9, id="mg401-postgresql"),
    pytest.param("MG401", "op.add_column('users', sa.Column('b', mysql.MEDIUMTEXT()))\n"
                 "op.create_index('ix_users_id', 'users', ['id'])", None, id="mg401-mysql-only-history"),
    pytest.param("MG406", "for table, key in (('users', 'uq_u'),):\n"
                 "    op.alter_column(table, 'id', nullable=False)", 10, id="mg406-tuple-loop"),
    pytest.param("MG406", "op.create_table('t3', sa.Column('id', sa.Integer()))\n"
                 "for table, key in (('t3', 'uq_t3'),):\n    op.alter_column(table, 'id', nullable=False)", None,
                 id="mg406-tuple-loop-over-a-new-table"),
    pytest.param("MG407", "op.execute('ALTER TABLE users ALTER COLUMN id TYPE text[]')", 9, id="mg407-raw-array"),
    pytest.param("MG407", "op.alter_column('users', 'id', existing_type=sa.String(10), type_=sa.String(20))", None,
                 id="mg407-longer-varchar"),
    pytest.param("MG409", "op.execute('ALTER TABLE users ADD PRIMARY KEY (id)')", 9, id="mg409-raw-primary-key"),
    pytest.param("MG409", "op.execute('CREATE TABLE t (id int)')\nop.execute('ALTER TABLE t ADD PRIMARY KEY (id)')",
                 None, id="mg409-raw-primary-key-new-table"),
    pytest.param("MG410", "op.execute('ALTER TABLE users RENAME COLUMN id TO uid')", 9, id="mg410-raw-rename"),
    pytest.param("MG410", "op.add_column('users', sa.Column('x', sa.Integer()))\n"
                 "op.execute('ALTER TABLE users RENAME COLUMN x TO y')", None, id="mg410-raw-rename-of-a-new-column"),
    # session 14: str.format() read (emergency-alerts-api)
    pytest.param("MG203", "tmp = 'tmp_mood'\nop.execute('ALTER TYPE {e} RENAME TO {t}'.format(e='mood', t=tmp))\n"
                 "op.execute('DROP TYPE ' + tmp)", None, id="mg203-format-rename-then-drop"),
    pytest.param("MG203", "op.execute('DROP TABLE {t}'.format(t='users'))", 9, id="mg203-format-drop"),
    pytest.param("MG204", "op.execute(\"INSERT INTO users VALUES ('{}')\".format('a'))", 9, id="mg204-format-insert"),
    pytest.param("MG204", "op.execute(\"INSERT INTO users VALUES ('{}') ON CONFLICT DO NOTHING\".format('a'))", None,
                 id="mg204-format-insert-on-conflict"),
    # session 14: a DROP frees a name for a CREATE of its own kind only
    pytest.param("MG201", "op.execute('DROP VIEW IF EXISTS stats')\n"
                 "op.execute('CREATE MATERIALIZED VIEW stats AS SELECT 1')", 10, id="mg201-drop-view-create-matview"),
    pytest.param("MG201", "op.execute('DROP MATERIALIZED VIEW IF EXISTS stats')\n"
                 "op.execute('CREATE MATERIALIZED VIEW stats AS SELECT 1')", None, id="mg201-drop-matview-create-matview"),
    pytest.param("MG201", "op.execute('DROP TABLE IF EXISTS t3')\nop.execute('CREATE VIEW t3 AS SELECT 1')", 10,
                 id="mg201-drop-table-create-view"),
    pytest.param("MG201", "op.execute('ALTER TABLE v RENAME TO v_old')\nop.execute('CREATE VIEW v AS SELECT 1')", None,
                 id="mg201-alter-table-renames-a-view-away"),
    pytest.param("MG203", "op.execute('CREATE INDEX ix_t ON users (id)')\nop.execute('DROP INDEX ix_t')", None,
                 id="mg203-drop-an-index-made-before"),
    # session 14: MySQL's / SQLite's BEGIN ... END routine bodies (superset, airflow)
    pytest.param("MG402", "op.execute('CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW BEGIN "
                 "IF OLD.id != NEW.id THEN SET NEW.id = CASE WHEN 1 THEN OLD.id END; END IF; END;')", None,
                 id="mg402-end-of-a-trigger-body-is-no-commit"),
    pytest.param("MG402", "op.execute('CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW BEGIN "
                 "SET NEW.id = OLD.id; END; COMMIT;')", 9, id="mg402-commit-after-a-trigger-body"),
    pytest.param("MG203", "op.execute('CREATE PROCEDURE touch() BEGIN UPDATE users SET id = id; END; "
                 "CALL touch(); DROP PROCEDURE touch;')", None, id="mg203-drop-a-procedure-made-before"),
    pytest.param("MG203", "op.execute('CREATE PROCEDURE touch() BEGIN UPDATE users SET id = id; END; "
                 "CALL touch(); DROP PROCEDURE other;')", 9, id="mg203-drop-another-procedure"),
    pytest.param("MG402", "bind = op.get_bind()\nbind.commit()", 10, id="mg402-commit-of-the-bind"),
    pytest.param("MG402", "session = Session(bind=op.get_bind())\nsession.commit()", None,
                 id="mg402-commit-of-a-session"),
    # session 14: a table named by an expression upgrade() created it by (mlflow)
    pytest.param("MG401", "op.create_table(\n    Hook.__tablename__,\n    sa.Column('id', sa.Integer()),  # the key\n)\n"
                 "op.create_index('ix_hook', Hook.__tablename__, ['id'])", None, id="mg401-expression-table-made-here"),
    pytest.param("MG401", "op.create_table(Hook.__tablename__, sa.Column('id', sa.Integer()))\n"
                 "with op.batch_alter_table(Hook.__tablename__) as batch_op:\n"
                 "    batch_op.create_index('ix_hook', ['id'])", None, id="mg401-batch-on-expression-table-made-here"),
    pytest.param("MG401", "op.create_table(Hook.__tablename__, sa.Column('id', sa.Integer()))\n"
                 "with op.batch_alter_table(Other.__tablename__) as batch_op:\n"
                 "    batch_op.create_index('ix_other', ['id'])", 11, id="mg401-batch-on-another-expression"),
    # session 14: what both branches of an if/else do is done after it (letta)
    pytest.param("MG204", "if op.get_bind().dialect.name == 'sqlite':\n    op.create_table('links', sa.Column('a', sa.Integer()))\n"
                 "else:\n    op.create_table('links', sa.Column('a', sa.Integer()))\n"
                 "op.execute('INSERT INTO links (a) SELECT id FROM users')", None, id="mg204-created-in-both-branches"),
    pytest.param("MG204", "if op.get_bind().dialect.name == 'sqlite':\n    op.create_table('links', sa.Column('a', sa.Integer()))\n"
                 "op.execute('INSERT INTO links (a) SELECT id FROM users')", 11, id="mg204-created-in-one-branch"),
    pytest.param("MG204", "if a:\n    op.create_table('links', sa.Column('a', sa.Integer()))\nelif b:\n"
                 "    op.create_table('links', sa.Column('a', sa.Integer()))\n"
                 "op.execute('INSERT INTO links (a) SELECT id FROM users')", 13, id="mg204-elif-without-else"),
    pytest.param("MG204", "if a:\n    op.create_table('links', sa.Column('a', sa.Integer()))\nelif b:\n"
                 "    op.create_table('links', sa.Column('a', sa.Integer()))\nelse:\n"
                 "    op.create_table('links', sa.Column('a', sa.Integer()))\n"
                 "op.execute('INSERT INTO links (a) SELECT id FROM users')", None, id="mg204-elif-with-else"),
    pytest.param("MG204", "lite = op.get_bind().dialect.name == 'sqlite'\nif lite:\n"
                 "    op.create_table('links', sa.Column('a', sa.Integer()))\nif lite:\n"
                 "    op.execute('INSERT INTO links (a) SELECT id FROM users')", None, id="mg204-same-test-twice"),
    pytest.param("MG204", "lite = op.get_bind().dialect.name == 'sqlite'\nif lite:\n"
                 "    op.create_table('links', sa.Column('a', sa.Integer()))\nlite = False\nif lite:\n"
                 "    op.execute('INSERT INTO links (a) SELECT id FROM users')", 14, id="mg204-same-name-bound-again"),
    pytest.param("MG204", "if ready():\n    op.create_table('links', sa.Column('a', sa.Integer()))\n"
                 "if ready():\n    op.execute('INSERT INTO links (a) SELECT id FROM users')", 12,
                 id="mg204-same-call-twice"),
    pytest.param("MG201", "if a:\n    op.execute('DROP TABLE IF EXISTS t')\nelse:\n    op.execute('DROP TABLE IF EXISTS t')\n"
                 "op.execute('CREATE TABLE t (id int)')", None, id="mg201-dropped-in-both-branches"),
    # session 14: an AUTOCOMMIT connection kept in a name (letta)
    pytest.param("MG402", "connection = op.get_bind()\n"
                 "ac = connection.execution_options(isolation_level='AUTOCOMMIT')\n"
                 "ac.exec_driver_sql('CREATE INDEX CONCURRENTLY ix ON users (id)')", None,
                 id="mg402-autocommit-connection-in-a-name"),
    pytest.param("MG402", "op.execute('CREATE INDEX CONCURRENTLY ix ON users (id)')\n"
                 "ac = op.get_bind().execution_options(isolation_level='AUTOCOMMIT')", 9,
                 id="mg402-concurrently-before-the-autocommit-name"),
    # session 16: an enum type made again from an f-string whose values a call gives (rucio)
    pytest.param("MG203", "op.execute('DROP TYPE \"STATE_CHK\"')\n"
                 "op.execute(f'CREATE TYPE \"STATE_CHK\" AS ENUM({labels(values)})')", None,
                 id="mg203-enum-made-again-from-an-f-string"),
    pytest.param("MG203", "op.execute('DROP TYPE \"STATE_CHK\"')\n"
                 "op.execute(f'CREATE TYPE \"OTHER_CHK\" AS ENUM({labels(values)})')", 9,
                 id="mg203-another-enum-made-from-an-f-string"),
    # session 16: MySQL's DROP INDEX ... ON t before the index is made again (aurweb)
    pytest.param("MG201", "for ix in ('ix_a',):\n    op.execute(f'DROP INDEX IF EXISTS {ix} ON users')\n"
                 "    op.execute(f'CREATE UNIQUE INDEX {ix} ON users (id)')", None,
                 id="mg201-index-made-again-after-mysql-s-drop"),
    pytest.param("MG201", "for ix in ('ix_a',):\n    op.execute(f'DROP INDEX IF EXISTS ix_b ON users')\n"
                 "    op.execute(f'CREATE UNIQUE INDEX {ix} ON users (id)')", 11,
                 id="mg201-another-index-dropped-before"),
    pytest.param("MG201", "op.execute('DROP INDEX ix_b ON users')\nop.execute('DROP TABLE IF EXISTS t2')\n"
                 "op.execute('CREATE TABLE t2 (id int)')", None, id="mg201-table-made-again-after-mysql-s-drop"),
    # session 16: rows copied out of a table the revision then drops (ctms-api)
    pytest.param("MG204", "op.execute(\"INSERT INTO users (id) SELECT id FROM customers\")\n"
                 "op.drop_table('customers')", None, id="mg204-rows-moved-out-of-a-dropped-table"),
    pytest.param("MG204", "op.drop_table('customers')\nop.create_table('customers', sa.Column('id', sa.Integer()))\n"
                 "op.execute(\"INSERT INTO users (id) SELECT id FROM customers\")", 11,
                 id="mg204-rows-of-a-table-made-again-before"),
    pytest.param("MG204", "op.execute(\"INSERT INTO users (id) SELECT id FROM customers\")\n"
                 "op.drop_table('orders')", 9, id="mg204-another-table-dropped-after"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "body", "line"), CASES)
def test_code_line_and_revision_ids(tmp_path: Path, code: str, body: str, line: int | None) -> None:
    assert found(tmp_path, code, second(body)) == ([] if line is None else [(code, line, ("r2",))])


@pytest.mark.parametrize(
    ("called_with", "line"), [("'users'", None), ("'customers'", 9), ("table_of()", 9), ("table", None)]
)
def test_a_helper_s_parameter_names_the_table_its_calls_pass(
    tmp_path: Path, called_with: str, line: int | None
) -> None:
    # networking-sfc: `op.alter_column` on t, then `recreate_index(index, "t")` drops an index
    # of t through `def recreate_index(index, table_name)`: the lock is already held
    helper = "def drop_ix(table_name):\n    op.drop_index('ix_x', table_name=table_name)\n\n\n"
    body = f"op.add_column('users', sa.Column('y', sa.Integer()))\ndrop_ix({called_with})"
    if called_with == "table":  # neutron's sub-projects: a loop variable passed to two helpers
        body = "for table in ['users']:\n    add_y(table)\n    drop_ix(table)"
        helper += "def add_y(t):\n    op.add_column(t, sa.Column('y', sa.Integer()))\n\n\n"
    assert found(tmp_path, "MG403", second(body, top=helper)) == (
        [] if line is None else [("MG403", line, ("r2",))]
    )


@pytest.mark.parametrize(("filled", "line"), [("under_a_lookup", None), ("always", 15)])
def test_a_list_a_lookup_fills_guards_what_follows_its_emptiness_test(
    tmp_path: Path, filled: str, line: int | None
) -> None:
    # securedrop 2e24fc7536e8: the tables with NULL rows are collected, `if not needs: return`,
    # then a placeholder row is inserted: on a second run no table has any, and nothing runs
    probe = "conn.execute(sa.text(f'SELECT 1 FROM {t} WHERE owner IS NULL')).first() is not None"
    collect = (
        f"    for t in ('customers',):\n        if {probe}:\n            needs.append(t)\n"
        if filled == "under_a_lookup"
        else "    for t in ('customers',):\n        needs.append(t)\n"
    )
    helper = (
        "def migrate():\n    conn = op.get_bind()\n    needs = []\n"
        + collect
        + '    if not needs:\n        return\n    op.execute("INSERT INTO users (id) VALUES (0)")\n\n\n'
    )
    assert found(tmp_path, "MG204", second("migrate()", top=helper)) == (
        [] if line is None else [("MG204", line, ("r2",))]
    )


@pytest.mark.parametrize(("code", "line"), [("MG410", None), ("MG408", 14)])
def test_a_column_a_module_function_returns_is_read_as_that_column(
    tmp_path: Path, code: str, line: int | None
) -> None:
    # gnocchi: `type` renamed away, then `op.add_column(table, type_string_col("type", table))`
    helper = (
        "def type_col(name):\n    return sa.Column(name, sa.String(255), sa.ForeignKey('customers.id'))\n\n\n"
    )
    body = (
        "op.alter_column('users', 'type', new_column_name='old_type')\n"
        "op.add_column('users', type_col('type'))\nop.drop_column('users', 'old_type')"
    )
    assert found(tmp_path, code, second(body, top=helper)) == (
        [] if line is None else [(code, line, ("r2",))]
    )


@pytest.mark.parametrize(
    ("module", "index_table", "line"),
    [
        ("app.migrations.shared.utils", "alerts", None),  # superset: the helper made it here
        ("app.migrations.shared.utils", "users", 11),
        ("app.models", "alerts", 11),  # not a migrations helper: its create_table is not read
    ],
)
def test_a_table_made_by_the_migrations_create_table_helper_is_new(
    tmp_path: Path, module: str, index_table: str, line: int | None
) -> None:
    body = (
        "create_table('alerts', sa.Column('id', sa.Integer()))\n"
        f"op.create_index('ix_{index_table}', '{index_table}', ['id'])"
    )
    source = second(body, top=f"from {module} import create_table\n\n\n")
    assert found(tmp_path, "MG401", source) == ([] if line is None else [("MG401", line + 2, ("r2",))])


def test_an_innodb_name_silences_postgresql_rules_only_where_the_history_did_not_write_it(
    tmp_path: Path,
) -> None:
    drop = "op.drop_constraint('users_ibfk_1', 'users', type_='foreignkey')\nop.create_index('ix_u', 'users', ['id'])"
    assert found(tmp_path, "MG401", second(drop)) == []
    named = BASE.replace(
        "sa.Column('id', sa.Integer()))\n",
        "sa.Column('id', sa.Integer()), sa.ForeignKeyConstraint(['id'], ['customers.id'], name='users_ibfk_1'))\n",
        1,
    )
    write_project(tmp_path, files={"0001_r1.py": named, "0002_r2.py": second(drop)})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG401"]))
    assert [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics] == [
        ("MG401", 10, ("r2",))
    ]


@pytest.mark.parametrize(("revises", "flagged"), [("<None>", False), ("r0", True)])
def test_mg106_revises_none_in_angle_brackets(tmp_path: Path, revises: str, flagged: bool) -> None:
    source = f'"""first\n\nRevision ID: r1\nRevises: {revises}\n"""\n' + BASE
    write_project(tmp_path, files={"0001_r1.py": source})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG106"]))
    result = [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics]
    assert result == ([("MG106", 4, ("r1",))] if flagged else [])


def test_a_helper_written_below_upgrade_runs_where_upgrade_calls_it(tmp_path: Path) -> None:
    """FlexMeasures: the helper makes the table, so the NOT NULL after its call is on a new table;
    appointment: a helper's drop_index after upgrade()'s alter_column waits for nothing."""
    helper = "\n\ndef make():\n    op.create_table('t2', sa.Column('id', sa.Integer()))\n"
    body = (
        "make()\nop.alter_column('t2', 'id', nullable=False)\nop.alter_column('users', 'id', nullable=False)"
    )
    assert found(tmp_path, "MG406", second(body) + helper) == [("MG406", 11, ("r2",))]
    dropper = "\n\ndef drop():\n    op.drop_index('ix_u', table_name='users')\n"
    assert found(tmp_path, "MG403", second("drop()") + dropper) == [("MG403", 13, ("r2",))]
    locked = second("op.alter_column('users', 'id', nullable=True)\ndrop()") + dropper
    assert found(tmp_path, "MG403", locked) == []


@pytest.mark.parametrize(
    ("upgrade", "downgrade", "flagged"),
    [
        ("op.create_table('t', sa.Column('s', sa.Enum('a', name='mood')))", "op.drop_table('t')", [9]),
        (
            "op.create_table('t',\n    # sa.Column('s', sa.Enum('a', name='mood')),\n    sa.Column('id', sa.Integer()))",
            "op.drop_table('t')",
            [],
        ),
    ],
)
def test_mg501_an_enum_in_a_comment_is_none(
    tmp_path: Path, upgrade: str, downgrade: str, flagged: list[int]
) -> None:
    source = second(upgrade) + "\n\ndef downgrade():\n    " + downgrade + "\n"
    assert found(tmp_path, "MG501", source) == [("MG501", line, ("r2",)) for line in flagged]


@pytest.mark.parametrize(
    ("upgrade", "downgrade", "flagged"),
    [
        (
            "op.create_index('uq_e', 'users', ['id'], unique=True)",
            "op.drop_constraint('other', 'users')",
            [9],
        ),
        (
            "op.create_index('uq_e', 'users', ['id'], unique=True)\n"
            "op.execute('ALTER TABLE users ADD CONSTRAINT uq_e UNIQUE USING INDEX uq_e')",
            "op.drop_constraint('uq_e', 'users')",
            [],
        ),
    ],
)
def test_mg504_an_index_made_into_a_constraint_goes_with_it(
    tmp_path: Path, upgrade: str, downgrade: str, flagged: list[int]
) -> None:
    source = second(upgrade) + "\n\ndef downgrade():\n    " + downgrade + "\n"
    assert found(tmp_path, "MG504", source) == [("MG504", line, ("r2",)) for line in flagged]


def test_mg201_in_a_multidb_engine_function(tmp_path: Path) -> None:
    engines = (
        HEAD.format(rev="r2", down="r1")
        + "def upgrade(engine_name=''):\n    globals()[f'upgrade_{engine_name}']()\n\n\n"
        "def upgrade_geo():\n    op.create_table('geo', sa.Column('id', sa.Integer()))\n"
        "    op.execute('CREATE INDEX ix_geo ON geo (id)')\n\n\n"
        "def upgrade_other():\n    op.execute('CREATE INDEX ix_geo2 ON geo (id)')\n"
    )
    assert found(tmp_path, "MG201", engines) == [("MG201", 18, ("r2",))]


@pytest.mark.parametrize(
    ("ini", "flagged"),
    [("[alembic]\n", []), ("[alembic]\nscript_location = %(here)s\n", [("MG103", 13, ("b", "x9"))])],
)
def test_mg103_depends_on_where_code_gives_the_script_location(
    tmp_path: Path, ini: str, flagged: list[tuple[str, int, tuple[str, ...]]]
) -> None:
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "alembic.ini").write_text(ini)
    (migrations / "env.py").write_text("from alembic import context\n")
    (migrations / "versions" / "a_rev.py").write_text("revision = 'a'\ndown_revision = None\n")
    (migrations / "versions" / "b_rev.py").write_text(
        "revision = 'b'\ndown_revision = 'a'\nbranch_labels = None\n" + "\n" * 9 + "depends_on = 'x9'\n"
    )
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG103"]))
    assert [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics] == flagged


@pytest.mark.parametrize(
    ("script", "flagged"),
    [
        ("#!/bin/sh\nflask db stamp r9\nflask db upgrade\n", [("MG303", 2, ("r9",))]),
        ("#!/bin/sh\nflask db stamp r1\nflask db upgrade\n", []),
        ("#!/bin/sh\nalembic stamp r1\n", [("MG302", 2, ())]),
        ("#!/bin/sh\nalembic stamp r1\nflask db upgrade\n", []),
    ],
)
def test_flask_migrates_command_line_by_code_line_and_revision_ids(
    tmp_path: Path, script: str, flagged: list[tuple[str, int, tuple[str, ...]]]
) -> None:
    write_project(tmp_path, files={"0001_r1.py": BASE})
    (tmp_path / "entrypoint.sh").write_text(script)
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG302", "MG303"]))
    assert [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics] == flagged


@pytest.mark.parametrize(
    ("test", "fixed"),
    [
        ("op.get_context().dialect.name == 'mysql'", False),
        ("op.get_context().dialect.name == 'postgresql'", True),
    ],
)
def test_no_postgresql_fix_in_a_branch_for_another_database(tmp_path: Path, test: str, fixed: bool) -> None:
    # airflow 0086: `CREATE INDEX` in a branch for MySQL is still not safe to run twice, but
    # IF NOT EXISTS is PostgreSQL's: MySQL's CREATE INDEX refuses it
    source = second(f"if {test}:\n    op.execute('CREATE INDEX ix_u ON users (id DESC)')")
    write_project(tmp_path, files={"0001_r1.py": BASE, "0002_r2.py": source})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG201"]))
    (finding,) = [d for r in reports for d in r.diagnostics]
    assert (finding.code, finding.span.line, finding.revisions) == ("MG201", 10, ("r2",))
    assert (finding.fix is not None) is fixed
