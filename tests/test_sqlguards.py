"""Statements that look unsafe alone but are safe where they stand (lint/sql/guards.py,
lint/facts/pyguards.py), and the look-alikes that stay reported.

Each passing case is a shape seen in real projects, written anew here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from histories import write_project
from miglint.pipeline import Options, lint_paths

HEADER = "import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy import text\n\nrevision = 'r1'\ndown_revision = None\n\n"
SQL_RULES = ["MG201", "MG202", "MG203", "MG204", "MG205", "MG206"]


def findings(root: Path, body: str, *select: str) -> list[tuple[str, int, tuple[str, ...]]]:
    write_project(root, files={"0001_r1.py": HEADER + body})
    reports = lint_paths([str(root)], root, Options(use_cache=False, select=list(select or SQL_RULES)))
    return [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics]


def line_of(body: str, snippet: str) -> int:
    """The line of the version file on which `snippet` first appears in `body`."""
    return HEADER.count("\n") + body[: body.index(snippet)].count("\n") + 1


P = pytest.param

STEPS = (
    "def upgrade():\n"
    "    add_plans_1()\n"
    "    seed_plans_2()\n"
    "\n\ndef add_plans_1(upgrade=True):\n"
    "    if upgrade:\n"
    "        op.create_table('plans', sa.Column('name', sa.String()), schema='billing')\n"
    "    else:\n"
    "        op.drop_table('plans', schema='billing')\n"
    "\n\ndef seed_plans_2(upgrade=True):\n"
    "    if upgrade:\n"
    "        op.execute(\"INSERT INTO billing.plans (name) VALUES ('free')\")\n"
)  # steps called from upgrade() with their `upgrade` parameter left True: no branch

SAFE = [
    P(STEPS, id="insert-into-a-table-created-by-an-earlier-step-with-a-true-parameter"),
    P(STEPS.replace("    add_plans_1()", "    add_plans_1(upgrade=True)"), id="parameter-passed-true"),
    P("def upgrade():\n"
      "    op.execute('DROP INDEX IF EXISTS ix_orders_day')\n"
      "    op.execute('CREATE INDEX ix_orders_day ON orders (day)')\n",
      id="drop-index-if-exists-then-create"),
    P("def upgrade():\n"
      "    op.execute('''\n"
      "        ALTER TABLE shop.orders DROP CONSTRAINT ck_orders_state;\n"
      "        ALTER TABLE shop.orders ADD CONSTRAINT ck_orders_state CHECK (state IN (1, 2, 3));\n"
      "    ''')\n",
      id="drop-and-re-add-constraint"),
    P("def upgrade():\n"
      "    op.execute('ALTER TABLE orders DROP CONSTRAINT IF EXISTS uq_orders_ref')\n"
      "    op.execute('ALTER TABLE orders ADD CONSTRAINT uq_orders_ref UNIQUE (ref)')\n",
      id="drop-constraint-if-exists-then-add"),
    P("def upgrade():\n"
      "    op.execute('DROP VIEW IF EXISTS open_orders')\n"
      "    op.execute('DROP MATERIALIZED VIEW IF EXISTS order_totals')\n"
      "    op.execute('CREATE MATERIALIZED VIEW order_totals AS SELECT 1 AS n')\n",
      id="drop-matview-if-exists-then-create"),
    P("def upgrade():\n"
      "    op.execute('CREATE FUNCTION tmp_fill() RETURNS void AS $$ UPDATE orders SET n = 0 $$ LANGUAGE sql')\n"
      "    op.execute('SELECT tmp_fill()')\n"
      "    op.execute('DROP FUNCTION tmp_fill()')\n",
      id="temporary-function"),
    P("def upgrade():\n"
      "    op.execute('CREATE TABLE tmp_ids AS SELECT id FROM orders WHERE n > 1')\n"
      "    op.execute('UPDATE orders SET n = 1 WHERE id IN (SELECT id FROM tmp_ids)')\n"
      "    op.execute('DROP TABLE tmp_ids')\n",
      id="temporary-table"),
    P("def upgrade():\n"
      "    op.execute('ALTER TYPE order_state RENAME TO order_state_old')\n"
      "    op.execute(\"CREATE TYPE order_state AS ENUM ('new', 'paid', 'sent')\")\n"
      "    op.execute('ALTER TABLE orders ALTER COLUMN state TYPE order_state USING state::text::order_state')\n"
      "    op.execute('DROP TYPE order_state_old')\n",
      id="enum-swap-through-rename"),
    P("def upgrade():\n"
      "    op.execute(\"DELETE FROM settings WHERE key = 'theme'\")\n"
      "    op.execute(\"INSERT INTO settings (key, value) VALUES ('theme', 'dark')\")\n",
      id="delete-then-insert"),
    P("def upgrade():\n"
      "    op.execute('TRUNCATE countries')\n"
      "    op.execute(\"INSERT INTO countries VALUES ('fr'), ('de')\")\n",
      id="truncate-then-insert"),
    P("def upgrade():\n"
      "    op.execute('DROP TABLE IF EXISTS daily_report')\n"
      "    op.execute('CREATE TABLE daily_report (day date, total int)')\n"
      "    op.execute('CREATE INDEX ix_daily_report_day ON daily_report (day)')\n"
      "    op.execute('INSERT INTO daily_report SELECT day, count(*) FROM orders GROUP BY day')\n",
      id="table-dropped-earlier-is-new"),
    P("def upgrade():\n"
      "    refresh_views(True)\n"
      "\n\ndef refresh_views(upgrade):\n"
      "    conn = op.get_bind()\n"
      "    if upgrade:\n"
      "        conn.execute(text('DROP MATERIALIZED VIEW IF EXISTS shop.order_totals'))\n"
      "        conn.execute(text('CREATE MATERIALIZED VIEW shop.order_totals AS SELECT 1 AS n'))\n",
      id="drop-and-create-in-one-branch-of-a-helper"),
    P("def upgrade():\n"
      "    op.create_table('flows', sa.Column('id', sa.Integer()))\n"
      "    op.execute('INSERT INTO flows (id) SELECT id FROM legacy_flows')\n",
      id="insert-into-table-op-create-table-made"),
    P("def upgrade():\n"
      "    op.execute('ALTER TABLE orders DROP CONSTRAINT orders_pkey CASCADE')\n"
      "    op.alter_column(table_name='orders', column_name='id', type_=sa.String(255))\n"
      "    op.create_primary_key(table_name='orders', constraint_name='orders_pkey', columns=['id'])\n",
      id="drop-then-op-re-create-by-keywords"),
    P("def upgrade():\n"
      "    op.execute('ALTER TABLE parcels DROP CONSTRAINT parcels_pkey CASCADE')\n"
      "    op.create_primary_key(None, 'parcels', ['uuid'])\n",
      id="drop-then-unnamed-op-primary-key"),
    P("def upgrade():\n"
      "    op.execute('ALTER TABLE issues DROP COLUMN reporter_id CASCADE')\n"
      "    op.add_column('issues', sa.Column('reporter_id', sa.BigInteger(), nullable=True))\n",
      id="drop-column-then-op-add-column"),
    P("def upgrade():\n"
      "    op.execute('''\n"
      "        CREATE TEMPORARY TABLE id_map AS SELECT id, merged_into FROM users;\n"
      "        CREATE INDEX ix_id_map_merged_into ON id_map (merged_into);\n"
      "        UPDATE orders SET user_id = m.merged_into FROM id_map m WHERE m.id = orders.user_id;\n"
      "    ''')\n",
      id="index-on-a-temporary-table"),
    P("def upgrade():\n"
      "    conn = op.get_bind()\n"
      "    clear_seeded(conn)\n"
      "    seed(conn)\n"
      "\n\ndef clear_seeded(conn):\n"
      "    conn.execute(text(\"DELETE FROM plans WHERE origin = 'seed'\"))\n"
      "\n\ndef seed(conn):\n"
      "    conn.execute(text(\"INSERT INTO plans (name, origin) VALUES ('free', 'seed')\"))\n",
      id="delete-and-insert-in-two-helpers"),
    P("def upgrade():\n"
      "    migrate(op.get_bind())\n"
      "\n\ndef migrate(conn):\n"
      "    def fill():\n"
      "        conn.execute(text(\"INSERT INTO plans (name) VALUES ('free')\"))\n"
      "\n"
      "    def clear():\n"
      "        conn.execute(text('DELETE FROM plans'))\n"
      "\n"
      "    clear()\n"
      "    fill()\n",
      id="nested-functions-run-in-the-order-they-are-called"),
    P("def _left(conn):\n"
      "    return conn.execute(text('SELECT count(*) FROM logins WHERE ip_id IS NULL')).scalar_one()\n"
      "\n\ndef upgrade():\n"
      "    conn = op.get_bind()\n"
      "    while _left(conn) > 0:\n"
      "        conn.execute(text('INSERT INTO ips (ip) SELECT ip FROM logins WHERE ip_id IS NULL LIMIT 1000'))\n",
      id="while-a-helper-lookup-finds-work"),
    P("def upgrade():\n"
      "    op.create_table('events', sa.Column('id', sa.BigInteger()), postgresql_partition_by='LIST (kind)')\n"
      "    op.execute('CREATE TABLE events_login PARTITION OF events FOR VALUES IN (1)')\n",
      id="partition-of-a-table-op-made"),
    P("def upgrade():\n"
      "    op.create_table('households', sa.Column('id', sa.Integer()))\n"
      "    fill_households()\n"
      "\n\ndef fill_households():\n"
      "    op.execute('INSERT INTO households (id) SELECT id FROM groups')\n",
      id="helper-fills-a-table-op-made-before-the-call"),
    P("def upgrade():\n"
      "    op.execute('CREATE INDEX ON orders (day)')\n",
      id="unnamed-index-never-collides"),
    P("def upgrade():\n"
      "    conn = op.get_bind()\n"
      "    has_mood = conn.execute(text(\"SELECT 1 FROM pg_type WHERE typname = 'mood'\")).scalar()\n"
      "    if not has_mood:\n"
      "        op.execute(\"CREATE TYPE mood AS ENUM ('calm', 'busy')\")\n",
      id="pg-type-lookup-in-a-name"),
    P("def upgrade():\n"
      "    conn = op.get_bind()\n"
      "    existing = conn.execute(sa.select(sa.column('id')).select_from(sa.table('plans'))).first()\n"
      "    if not existing:\n"
      "        conn.execute(text(\"INSERT INTO plans (name) VALUES ('free')\"))\n",
      id="first-of-a-select"),
    P("def upgrade():\n"
      "    conn = op.get_bind()\n"
      "    try:\n"
      "        conn.execute(text(\"SELECT id FROM plans WHERE name = 'free'\")).fetchall()[0]\n"
      "    except IndexError:\n"
      "        conn.execute(text(\"INSERT INTO plans (name) VALUES ('free')\"))\n",
      id="insert-in-except-index-error"),
    P("def upgrade():\n"
      "    inspector = sa.inspect(op.get_bind())\n"
      "    names = [index['name'] for index in inspector.get_indexes('orders')]\n"
      "    if 'ix_orders_ref' not in names:\n"
      "        op.execute('CREATE INDEX ix_orders_ref ON orders (ref)')\n",
      id="inspector-get-indexes"),
    P("def upgrade():\n"
      "    if not column_exists('orders', 'ref'):\n"
      "        op.execute('ALTER TABLE orders ADD COLUMN ref text')\n"
      "\n\ndef column_exists(table, column):\n"
      "    rows = op.get_bind().execute(text('SELECT 1 FROM information_schema.columns WHERE table_name = :t'))\n"
      "    return rows.first() is not None\n",
      id="exists-helper"),
    P("def upgrade():\n"
      "    count = op.get_bind().execute(text('SELECT count(*) FROM plans')).scalar()\n"
      "    if count > 0:\n"
      "        return\n"
      "    op.execute(\"INSERT INTO plans (name) VALUES ('free')\")\n",
      id="early-return-after-lookup"),
    P("def upgrade():\n"
      "    try:\n"
      "        op.execute('ALTER TABLE orders RENAME COLUMN reference TO ref')\n"
      "    except sa.exc.ProgrammingError:\n"
      "        pass\n",
      id="try-swallows-database-error"),
    P("def upgrade():\n"
      "    inspector = sa.inspect(op.get_bind())\n"
      "    for column in inspector.get_columns('records'):\n"
      "        name = column['name']\n"
      "        if not name.startswith('__tc_'):\n"
      "            continue\n"
      "        op.execute(f'ALTER TABLE records RENAME COLUMN \"{name}\" TO \"old_{name}\"')\n"
      "        op.execute(f'ALTER TABLE records DROP COLUMN \"old_{name}\"')\n",
      id="rename-and-drop-of-what-a-loop-over-a-lookup-found"),  # tracecat b5fc4168fe22
    P("def _index_state(conn):\n"
      "    row = conn.execute(sa.text('SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:n)'),\n"
      "                       {'n': 'ix_m'}).one_or_none()\n"
      "    return row[0] if row is not None else None\n"
      "\n\ndef upgrade():\n"
      "    conn = op.get_bind()\n"
      "    state = _index_state(conn)\n"
      "    if state is True:\n"
      "        return\n"
      "    if state is False:\n"
      "        conn.exec_driver_sql('DROP INDEX ix_m')\n"
      "    conn.exec_driver_sql('CREATE INDEX ix_m ON message (session_id)')\n",
      id="helper-returns-what-its-own-lookup-found"),  # onyx f57f35403f6c
    P("NAME = 'template_type'\nTMP = 'tmp_' + NAME\n\n\n"
      "def upgrade():\n"
      "    op.execute(f'ALTER TYPE {NAME} RENAME TO {TMP}')\n"
      "    op.execute(f\"CREATE TYPE {NAME} AS ENUM ('sms', 'email')\")\n"
      "    op.execute(f'DROP TYPE {TMP}')\n",
      id="enum-swap-written-with-fstrings-of-constants"),  # notifications-api 0323
    P("def upgrade():\n"
      "    op.drop_constraint('user_session_pkey', 'user_session')\n"
      "    op.execute('CREATE UNIQUE INDEX user_session_pkey ON user_session (public_id)')\n"
      "    op.execute('ALTER TABLE user_session ADD CONSTRAINT user_session_pkey PRIMARY KEY USING INDEX user_session_pkey')\n",
      id="primary-key-dropped-with-its-index-then-rebuilt"),  # QCFractal 8738641e0b90
    P("def upgrade():\n"
      "    op.execute('ALTER TABLE users DROP CONSTRAINT users_email_key')\n"
      "    op.execute('CREATE UNIQUE INDEX users_email_key ON users (lower(email))')\n",
      id="unique-constraint-dropped-with-its-index"),
    P("def upgrade():\n"
      "    conn = op.get_bind()\n"
      "    spaces = conn.execute(sa.text(\"\"\"\n"
      "        SELECT ss.id FROM spaces ss\n"
      "        WHERE NOT EXISTS (\n"
      "            SELECT 1 FROM roles r WHERE r.space_id = ss.id\n"
      "        )\n"
      "    \"\"\")).fetchall()\n"
      "    for (space_id,) in spaces:\n"
      "        for role in ('Owner', 'Viewer'):\n"
      "            conn.execute(sa.text('INSERT INTO roles (name, space_id) VALUES (:n, :s)'), {'n': role, 's': space_id})\n",
      id="insert-in-a-loop-over-rows-the-table-lacks"),  # SurfSense 41
    P("def upgrade():\n"
      "    conn = op.get_bind()\n"
      "    for row in conn.execute(sa.text('SELECT u.id FROM users u LEFT JOIN settings s ON s.user_id = u.id WHERE s.user_id IS NULL')):\n"
      "        add_settings(conn, row.id)\n"
      "\n\ndef add_settings(conn, user_id):\n"
      "    conn.execute(sa.text('INSERT INTO settings (user_id) VALUES (:u)'), {'u': user_id})\n",
      id="insert-in-a-helper-called-in-a-loop-over-a-left-join-is-null"),
    P("from migrations.helpers import table_has_column\n\n\n"
      "def upgrade():\n"
      "    if not table_has_column('notes', 'directory_id'):\n"
      "        op.execute('INSERT INTO note_directory (id) SELECT group_id FROM notes_group')\n",
      id="imported-helper-named-for-a-lookup"),  # iris-web c29ef01617f5
    P("def upgrade():\n"
      "    for model_id in (1, 2):\n"
      "        table = f'model_{model_id}_versions'\n"
      "        op.create_table(table, sa.Column('sample_id', sa.Text))\n"
      "        op.execute(sa.text(f'INSERT INTO {table} SELECT sample_id FROM samples'))\n",
      id="insert-into-a-table-op-create-table-made-under-the-same-variable"),  # deepchecks cc61786f5880
    P("from migrations.history_utils import create_history_table\n\n\n"
      "def upgrade():\n"
      "    op.execute('ALTER TABLE network_hx RENAME TO network_hx_old')\n"
      "    create_history_table('network')\n"
      "    op.execute('INSERT INTO network_hx SELECT * FROM network_hx_old')\n"
      "    op.execute('DROP TABLE network_hx_old')\n",
      id="rename-away-made-again-by-an-imported-helper-then-dropped"),  # pycds 33179b5ae85a
    P("def upgrade():\n"
      "    op.execute('CREATE TABLE user_workspace_tmp (user_id int)')\n"
      "    op.execute('INSERT INTO user_workspace_tmp SELECT user_id FROM user_workspace')\n"
      "    op.execute('DROP TABLE user_workspace_tmp')\n",
      id="insert-into-a-temporary-helper-made-bare-and-dropped-later"),  # tracim 2cfb200caf44
    P("def upgrade():\n"
      "    condition, key = \"dag_id = 'x'\", 'value'\n"
      "    conn = op.get_bind()\n"
      "    conn.execute(text(f'INSERT INTO archive (id, {key}) SELECT id, {key} FROM xcom WHERE value IS NOT NULL AND {condition}'))\n"
      "    conn.execute(text(f'DELETE FROM xcom WHERE value IS NOT NULL AND {condition}'))\n",
      id="rows-moved-then-deleted"),  # airflow 0049: a second run finds nothing to copy
    P("def upgrade():\n"
      "    connection = op.get_bind()\n"
      "    try:\n"
      "        connection.execute(sa.text('ALTER TABLE build RENAME CONSTRAINT build_new_pkey TO build_pkey'))\n"
      "    except sa.exc.ProgrammingError as err:\n"
      "        if 'does not exist' not in str(err):\n"
      "            raise\n",
      id="handler-raising-every-error-but-the-second-runs"),  # zuul 268b2da7a66e
    P("def upgrade():\n"
      "    op.execute('DROP MATERIALIZED VIEW IF EXISTS taxons')\n"
      "    op.execute('CREATE MATERIALIZED VIEW taxons AS SELECT 1 AS cd_nom')\n"
      "    op.execute('CREATE INDEX i_taxons_cd_nom ON taxons (cd_nom)')\n",
      id="index-on-a-materialized-view-dropped-and-made-again"),  # TaxHub
]  # fmt: skip


@pytest.mark.parametrize("body", SAFE)
def test_safe_where_it_stands(body: str, tmp_path: Path) -> None:
    assert findings(tmp_path, body) == []


REPORTED = [
    P("def upgrade():\n"
      "    if op.get_context().dialect.name == 'postgresql':\n"
      "        op.execute('DROP INDEX IF EXISTS ix_orders_day')\n"
      "    op.execute('CREATE INDEX ix_orders_day ON orders (day)')\n",
      [("MG201", "CREATE INDEX ix_orders_day")], id="drop-in-another-branch"),
    P("def upgrade():\n"
      "    op.execute('ALTER TABLE orders DROP CONSTRAINT ck_orders_state')\n"
      "\n\ndef downgrade():\n"
      "    op.execute('ALTER TABLE orders ADD CONSTRAINT ck_orders_state CHECK (state > 0)')\n",
      [("MG203", "DROP CONSTRAINT ck_orders_state")], id="re-added-only-in-downgrade"),
    P("def upgrade():\n"
      "    op.execute('ALTER TABLE orders DROP CONSTRAINT IF EXISTS ck_state')\n"
      "    op.execute('ALTER TABLE invoices ADD CONSTRAINT ck_state CHECK (state > 0)')\n",
      [("MG205", "ADD CONSTRAINT ck_state")], id="same-name-other-table"),
    P("def upgrade():\n"
      "    if op.get_context().dialect.name == 'postgresql':\n"
      "        op.execute(\"CREATE TYPE mood AS ENUM ('calm')\")\n",
      [("MG201", "CREATE TYPE mood")], id="dialect-test-is-no-lookup"),
    P("def upgrade():\n"
      "    op.execute('DELETE FROM audit_log')\n"
      "    op.execute(\"INSERT INTO settings (key) VALUES ('theme')\")\n",
      [("MG204", "INSERT INTO settings")], id="delete-from-another-table"),
    P("def upgrade():\n"
      "    op.execute(\"INSERT INTO archive (id) SELECT id FROM logs WHERE level = 'debug'\")\n"
      "    op.execute(\"DELETE FROM logs WHERE level = 'info'\")\n",
      [("MG204", "INSERT INTO archive")], id="rows-copied-others-deleted"),
    P("def upgrade():\n"
      "    try:\n"
      "        op.execute('ALTER TABLE build RENAME CONSTRAINT build_new_pkey TO build_pkey')\n"
      "    except sa.exc.ProgrammingError as err:\n"
      "        if 'does not exist' in str(err):\n"
      "            raise\n",
      [("MG206", "RENAME CONSTRAINT build_new_pkey")], id="handler-raising-the-second-runs-error"),
    P("def upgrade():\n"
      "    op.execute(\"INSERT INTO archive (id) SELECT id FROM logs l WHERE l.level = 'debug'\")\n"
      "    op.execute(\"DELETE FROM logs WHERE level = 'debug'\")\n",
      [("MG204", "INSERT INTO archive")], id="rows-copied-through-an-alias"),

    P("def upgrade():\n"
      "    op.execute('ALTER INDEX ix_old RENAME TO ix_new')\n"
      "    op.execute('CREATE INDEX ix_old ON orders (day)')\n",
      [("MG206", "ALTER INDEX ix_old")], id="rename-whose-new-name-stays"),
    P("def upgrade():\n"
      "    op.execute('CREATE TABLE flows (id int)')\n"
      "    op.execute('INSERT INTO flows (id) SELECT id FROM legacy_flows')\n",
      [("MG201", "CREATE TABLE flows"), ("MG204", "INSERT INTO flows")],
      id="insert-after-a-fixable-create-table"),
    P("def upgrade():\n"
      "    op.execute('CREATE TABLE IF NOT EXISTS flows_tmp (id int)')\n"
      "    op.execute('INSERT INTO flows_tmp (id) SELECT id FROM legacy_flows')\n"
      "    op.execute('DROP TABLE flows_tmp')\n",
      [("MG204", "INSERT INTO flows_tmp")],
      id="insert-into-a-helper-a-failed-run-may-have-left-with-rows"),
    P("def upgrade():\n"
      "    try:\n"
      "        op.execute(\"INSERT INTO plans (name) VALUES ('free')\")\n"
      "    except sa.exc.IntegrityError as error:\n"
      "        raise RuntimeError('seeding failed') from error\n",
      [("MG204", "INSERT INTO plans")], id="try-that-re-raises"),
    P("def upgrade():\n"
      "    if op.get_context().dialect.name == 'postgresql':\n"
      "        clear_seeded()\n"
      "    op.execute(\"INSERT INTO plans (name) VALUES ('free')\")\n"
      "\n\ndef clear_seeded():\n"
      "    op.execute('DELETE FROM plans')\n",
      [("MG204", "INSERT INTO plans")], id="helper-that-empties-runs-only-in-a-branch"),
    P("def upgrade():\n"
      "    seed()\n"
      "    op.execute('DELETE FROM plans')\n"
      "    seed()\n"
      "\n\ndef seed():\n"
      "    op.execute(\"INSERT INTO plans (name) VALUES ('free')\")\n",
      [("MG204", "INSERT INTO plans")], id="helper-safe-at-one-call-only"),
    P(STEPS.replace("    add_plans_1()", "    add_plans_1(op.get_context().dialect.name == 'postgresql')"),
      [("MG204", "INSERT INTO billing.plans")], id="parameter-passed-a-value-not-known"),
    P(STEPS.replace("    if upgrade:\n        op.create_table", "    upgrade = is_new()\n    if upgrade:\n        op.create_table"),
      [("MG204", "INSERT INTO billing.plans")], id="parameter-assigned-in-the-step"),
    P(STEPS.replace("def add_plans_1(upgrade=True)", "def add_plans_1(upgrade=False)"),
      [("MG204", "INSERT INTO billing.plans")], id="parameter-false-by-default"),
    P("def upgrade():\n"
      "    for table in sa.inspect(op.get_bind()).get_table_names():\n"
      "        op.execute(f'CREATE INDEX ix_{table}_day ON {table} (day)')\n"
      "    for name in ('a', 'b'):\n"
      "        op.execute(f'ALTER TABLE {name} DROP COLUMN legacy')\n",
      [("MG201", "CREATE INDEX ix_"), ("MG203", "ALTER TABLE {name} DROP")],
      id="create-in-a-loop-over-a-lookup-and-drop-in-a-loop-over-names"),
    P("def upgrade():\n"
      "    op.drop_constraint('fk_orders_user', 'orders')\n"
      "    op.execute('CREATE INDEX fk_orders_user ON orders (user_id)')\n",
      [("MG201", "CREATE INDEX fk_orders_user")],
      id="a-foreign-key-has-no-index-to-take-with-it"),
    P("def upgrade():\n"
      "    conn = op.get_bind()\n"
      "    spaces = conn.execute(sa.text('SELECT id FROM spaces s WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.s = s.id)'))\n"
      "    for (space_id,) in spaces:\n"
      "        conn.execute(sa.text('INSERT INTO roles (space_id) VALUES (:s)'), {'s': space_id})\n"
      "    conn.execute(sa.text(\"INSERT INTO owners (name) VALUES ('x')\"))\n",
      [("MG204", "conn.execute(sa.text('INSERT INTO roles"), ("MG204", "conn.execute(sa.text(\"INSERT INTO owners")],
      id="loop-rows-lack-another-table-and-an-insert-after-the-loop"),
    P("from migrations.helpers import needs_seeding\n\n\n"
      "def upgrade():\n"
      "    if needs_seeding():\n"
      "        op.execute(\"INSERT INTO plans (name) VALUES ('free')\")\n",
      [("MG204", "op.execute(\"INSERT INTO plans")],
      id="imported-helper-whose-name-says-nothing"),
    P("def upgrade():\n"
      "    for model_id in (1, 2):\n"
      "        table = f'model_{model_id}_versions'\n"
      "        op.create_table(name, sa.Column('sample_id', sa.Text))\n"
      "        op.execute(sa.text(f'INSERT INTO {table} SELECT sample_id FROM samples'))\n",
      [("MG204", "op.execute(sa.text(f'INSERT INTO {table}")],
      id="insert-into-a-table-another-variable-names"),
    P("def upgrade():\n"
      "    op.execute('ALTER TABLE network_hx RENAME TO network_hx_old')\n"
      "    op.execute('INSERT INTO network_hx_old SELECT 1')\n",
      [("MG206", "op.execute('ALTER TABLE network_hx RENAME"), ("MG204", "op.execute('INSERT INTO network_hx_old")],
      id="rename-whose-old-name-nothing-writes-again"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "expected"), REPORTED)
def test_still_reported(body: str, expected: list[tuple[str, str]], tmp_path: Path) -> None:
    assert findings(tmp_path, body) == [(code, line_of(body, snippet), ("r1",)) for code, snippet in expected]


def test_redundant_parent_leaves_a_cycle_to_mg101(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "b<-a,c", "c<-b"])
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG101", "MG107"]))
    assert sorted((d.code, d.revisions[0]) for r in reports for d in r.diagnostics) == [("MG101", "b")]


def test_code_too_deep_to_read_in_order_is_judged_statement_by_statement(tmp_path: Path) -> None:
    # an `if` whose test reads a name bound to a 2,000-term sum: ast.dump cannot walk it
    deep = " + ".join(["x"] * 2000)
    body = (
        f"def upgrade():\n    y = {deep}\n    if y:\n        op.execute(\"CREATE TYPE mood AS ENUM ('a')\")\n"
    )
    assert findings(tmp_path, body) == [("MG201", line_of(body, "CREATE TYPE"), ("r1",))]


@pytest.mark.parametrize(
    ("body", "flagged"),
    [
        P("def upgrade():\n"
          "    exists = sa.inspect(op.get_bind()).has_table('flows')\n"
          "    if not exists:\n"
          "        op.create_table('flows', sa.Column('id', sa.Integer()))\n",
          False, id="inspector-answer-in-a-name"),
        P("def upgrade():\n"
          "    if sa.inspect(op.get_bind()).has_table('flows'):\n"
          "        return\n"
          "    op.create_table('flows', sa.Column('id', sa.Integer()))\n",
          False, id="early-return-after-the-inspector"),
        P("def upgrade():\n"
          "    if op.get_context().dialect.name == 'postgresql':\n"
          "        op.create_table('flows', sa.Column('id', sa.Integer()))\n",
          True, id="dialect-test-is-no-lookup"),
    ],
)  # fmt: skip
def test_op_calls_read_the_python_around_them(body: str, flagged: bool, tmp_path: Path) -> None:
    expected = [("MG211", line_of(body, "op.create_table"), ("r1",))] if flagged else []
    assert findings(tmp_path, body, "MG211") == expected


def test_walk_statements_is_ast_walk_without_expressions() -> None:
    """The statements come in ast.walk's order (sqlguards keeps the last nested function
    of a name; pyguards reads a helper's returns in order)."""
    import ast
    import sys
    from pathlib import Path

    from miglint.facts.pyguards import walk_statements

    sources = [
        "def f():\n    def g(): pass\n    if x:\n        def g(): return 1\n    try:\n        pass\n"
        "    except E:\n        def h(): raise\n    else:\n        return 2\n    finally:\n        class C:\n"
        "            def g(self): pass\n    with a:\n        for i in x:\n            while y:\n"
        "                return [lambda: 1 for _ in z]\n",
        "match v:\n    case 1:\n        def m(): pass\n    case _:\n        return\n"
        if sys.version_info >= (3, 10)
        else "pass\n",
    ]
    root = Path(__file__).resolve().parents[1]
    sources += [p.read_text(encoding="utf-8") for p in sorted(root.glob("examples/**/*.py"))]
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # the examples of MG008
            continue
        wanted = [n for n in ast.walk(tree) if isinstance(n, (ast.stmt, ast.excepthandler))]
        got = [n for n in walk_statements(tree) if isinstance(n, (ast.stmt, ast.excepthandler))]
        assert got == wanted
