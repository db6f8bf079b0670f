"""Generate a synthetic Alembic project for benchmarking miglint.

The project imitates the version files measured in ``../shared/REAL-WORLD.md``: an
older part written from the classic template (plain ``revision = '...'``, about half of
those files without ``branch_labels``/``depends_on``), a newer part from the current
annotated template, autogenerate-style ``op.*`` bodies of 2-4 KB, and a graph that is
linear except for a two-revision branch closed by a merge revision every ~40 revisions.
Exactly one base and one head.  The same ``seed`` always gives the same bytes.

    python benchmarks/generate.py /tmp/bench-1000 --count 1000 [--sql-heavy] [--seed 0]
    python benchmarks/generate.py /tmp/forest --shape forest --size 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ALEMBIC_INI = """\
# A generic, single database configuration.

[alembic]
# path to migration scripts, relative to the token %(here)s
# which refers to the location of this ini file
script_location = %(here)s/migrations

# template used to generate migration file names
# file_template = %%(rev)s_%%(slug)s

prepend_sys_path = .
path_separator = os

sqlalchemy.url = postgresql://app:app@localhost/app


[post_write_hooks]

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""

ENV_PY = '''\
from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
target_metadata = None


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
'''

DOMAINS = (
    "billing", "auth", "catalog", "crm", "chat", "analytics", "inventory", "shipping",
    "support", "content", "search", "notify", "hr", "audit", "payments", "scheduling",
    "reporting", "identity", "media", "workflow",
)  # fmt: skip
NOUNS = (
    "accounts", "invoices", "events", "settings", "tokens", "sessions", "items", "orders",
    "messages", "tags", "comments", "attachments", "subscriptions", "webhooks", "jobs",
    "notes", "contacts", "addresses", "rules", "templates", "reports", "snapshots",
    "profiles", "preferences", "memberships", "roles", "permissions", "exports", "imports",
    "limits",
)  # fmt: skip

# (python type expression, SQL type, column names that suit it)
COLUMN_KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("sa.String(length=255)", "VARCHAR(255)",
     ("name", "title", "email", "display_name", "external_ref", "source_url")),
    ("sa.String(length=32)", "VARCHAR(32)",
     ("status", "kind", "code", "locale", "timezone", "currency", "channel")),
    ("sa.Text()", "TEXT", ("description", "notes", "body", "summary", "error_message")),
    ("sa.Integer()", "INTEGER", ("position", "retries", "quantity", "priority", "version")),
    ("sa.BigInteger()", "BIGINT", ("amount_cents", "size_bytes", "total_count")),
    ("sa.Boolean()", "BOOLEAN", ("is_active", "enabled", "archived", "is_default")),
    ("sa.DateTime(timezone=True)", "TIMESTAMPTZ",
     ("updated_at", "deleted_at", "expires_at", "last_seen_at", "processed_at")),
    ("postgresql.JSONB(astext_type=sa.Text())", "JSONB",
     ("metadata", "settings", "payload", "extra", "attributes")),
    ("postgresql.UUID(as_uuid=True)", "UUID", ("public_id", "correlation_id")),
    ("sa.Numeric(precision=12, scale=2)", "NUMERIC(12, 2)", ("price", "balance", "rate")),
    ("sa.Date()", "DATE", ("due_date", "starts_on", "ends_on")),
)  # fmt: skip

NON_ASCII_COMMENTS = (
    "# ✅ verified on staging before release",
    "# NB: backfill is done by the worker — keep this migration schema-only",
    "# 🚀 part of the v2 rollout",
    "# café/naïve names are fine here, the column is UTF-8",
)
MERGE_MESSAGES = ("merge heads", "merge branches", "empty message", "merge migrations")
BRANCH_EVERY = (30, 50)  # a branch + merge starts after this many linear revisions
LEGACY_SHARE = 0.55  # the first 55 % of the history uses the classic, unannotated template
START_DATE = dt.datetime(2019, 3, 4, 9, 30, 0)


@dataclass
class Column:
    name: str
    type_expr: str
    sql_type: str
    nullable: bool = True
    server_default: str | None = None  # SQL text, rendered as sa.text('...')


@dataclass
class Table:
    name: str
    columns: list[Column]
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (index name, column)


@dataclass
class Change:
    """One operation: lines for upgrade(), lines for downgrade(), a commit message."""

    message: str
    up: list[str]
    down: list[str]


class Writer:
    """Produces the version files of one project, drawing everything from one RNG."""

    def __init__(self, rng: random.Random, sql_heavy: bool) -> None:
        self.rng = rng
        self.sql_heavy = sql_heavy
        self.tables: list[Table] = []
        self.table_names: dict[str, None] = {}
        self.ids: dict[str, None] = {}
        self.q = "'"  # quote character of the file being written

    # -- names -------------------------------------------------------------------------

    def new_revision_id(self) -> str:
        while True:
            rev = f"{self.rng.getrandbits(48):012x}"
            if rev not in self.ids:
                self.ids[rev] = None
                return rev

    def new_table_name(self) -> str:
        rng = self.rng
        name = f"{rng.choice(DOMAINS)}_{rng.choice(NOUNS)}"
        if name in self.table_names:
            name = f"{name}_v{len(self.table_names)}"
        self.table_names[name] = None
        return name

    def s(self, text: str) -> str:
        return f"{self.q}{text}{self.q}"

    # -- columns -----------------------------------------------------------------------

    def random_column(self, taken: Sequence[str]) -> Column:
        rng = self.rng
        for _ in range(20):
            type_expr, sql_type, names = rng.choice(COLUMN_KINDS)
            name = rng.choice(names)
            if name not in taken:
                break
        else:
            name = f"{name}_{len(taken)}"
        default: str | None = None
        nullable = rng.random() < 0.6
        if sql_type == "BOOLEAN":
            default, nullable = rng.choice(("false", "true")), False
        elif name == "status":
            default = "'" + rng.choice(("pending", "active", "draft")) + "'"
        return Column(name, type_expr, sql_type, nullable, default)

    def column_expr(self, col: Column) -> str:
        default = ""
        if col.server_default is not None:
            value = col.server_default
            quoted = repr(value) if "'" in value else self.s(value)
            default = f"server_default=sa.text({quoted}), "
        return f"sa.Column({self.s(col.name)}, {col.type_expr}, {default}nullable={col.nullable})"

    # -- operations --------------------------------------------------------------------

    def create_table(self) -> Change:
        rng, s = self.rng, self.s
        name = self.new_table_name()
        cols = [Column("id", "sa.Integer()", "SERIAL", nullable=False)]
        parent = rng.choice(self.tables) if self.tables and rng.random() < 0.7 else None
        if parent is not None:
            fk = _fk_column(parent)
            cols.append(Column(fk, "sa.Integer()", "INTEGER", nullable=False))
        target = rng.randint(4, 6)
        while len(cols) < target:
            cols.append(self.random_column([c.name for c in cols]))
        cols.append(Column("created_at", "sa.DateTime(timezone=True)", "TIMESTAMPTZ", False, "now()"))
        if rng.random() < 0.5:
            cols.append(self.random_column([c.name for c in cols]))
        table = Table(name, cols)
        up = ["    op.create_table(", f"        {s(name)},"]
        up += [f"        {self.column_expr(c)}," for c in cols]
        if parent is not None:
            up.append(
                f"        sa.ForeignKeyConstraint([{s(cols[1].name)}], "
                f"[{s(parent.name + '.id')}], ondelete={s('CASCADE')}),"
            )
        up += [f"        sa.PrimaryKeyConstraint({s('id')}),", "    )"]
        down = [f"    op.drop_table({s(name)})"]
        indexed = cols[1:3]
        for col in indexed:
            idx_up, idx_down = self.index_lines(table, col.name)
            up += idx_up
            down = idx_down + down
        self.tables.append(table)
        return Change(f"create {name} table", up, down)

    def index_lines(self, table: Table, column: str) -> tuple[list[str], list[str]]:
        s = self.s
        index = f"ix_{table.name}_{column}"
        table.indexes.append((index, column))
        unique = "True" if column in ("email", "code", "public_id") else "False"
        up = [f"    op.create_index(op.f({s(index)}), {s(table.name)}, [{s(column)}], unique={unique})"]
        down = [f"    op.drop_index(op.f({s(index)}), table_name={s(table.name)})"]
        return up, down

    def add_columns(self) -> Change:
        rng, s = self.rng, self.s
        table = rng.choice(self.tables)
        up: list[str] = []
        down: list[str] = []
        added: list[str] = []
        for _ in range(rng.randint(1, 3)):
            col = self.random_column([c.name for c in table.columns])
            table.columns.append(col)
            added.append(col.name)
            up.append(f"    op.add_column({s(table.name)}, {self.column_expr(col)})")
            down.insert(0, f"    op.drop_column({s(table.name)}, {s(col.name)})")
        if rng.random() < 0.5:
            idx_up, idx_down = self.index_lines(table, added[0])
            up += idx_up
            down = idx_down + down
        return Change(f"add {', '.join(added)} to {table.name}", up, down)

    def add_index(self) -> Change:
        table = self.rng.choice(self.tables)
        indexed = {name for name, _ in table.indexes}
        candidates = [c for c in table.columns[1:] if f"ix_{table.name}_{c.name}" not in indexed]
        if not candidates:
            return self.add_columns()
        col = self.rng.choice(candidates)
        up, down = self.index_lines(table, col.name)
        return Change(f"add index on {table.name}.{col.name}", up, down)

    def alter_column(self) -> Change:
        rng, s = self.rng, self.s
        table = rng.choice(self.tables)
        col = rng.choice(table.columns[1:])
        if col.sql_type.startswith("VARCHAR"):
            old, new = col.type_expr, "sa.String(length=512)"
            up = [
                f"    op.alter_column({s(table.name)}, {s(col.name)},",
                f"               existing_type={old.replace('sa.String', 'sa.VARCHAR')},",
                f"               type_={new},",
                f"               existing_nullable={col.nullable})",
            ]
            down = [
                f"    op.alter_column({s(table.name)}, {s(col.name)},",
                f"               existing_type={new.replace('sa.String', 'sa.VARCHAR')},",
                f"               type_={old},",
                f"               existing_nullable={col.nullable})",
            ]
            col.type_expr, col.sql_type = new, "VARCHAR(512)"
            return Change(f"widen {table.name}.{col.name}", up, down)
        existing = col.type_expr.replace("sa.Integer()", "sa.INTEGER()")
        up = [
            f"    op.alter_column({s(table.name)}, {s(col.name)},",
            f"               existing_type={existing},",
            f"               nullable={not col.nullable})",
        ]
        down = [
            f"    op.alter_column({s(table.name)}, {s(col.name)},",
            f"               existing_type={existing},",
            f"               nullable={col.nullable})",
        ]
        col.nullable = not col.nullable
        verb = "allow null in" if col.nullable else "require"
        return Change(f"{verb} {table.name}.{col.name}", up, down)

    def add_constraint(self) -> Change:
        rng, s = self.rng, self.s
        table = rng.choice(self.tables)
        col = rng.choice(table.columns[1:])
        if len(self.tables) > 1 and rng.random() < 0.5:
            other = rng.choice([t for t in self.tables if t is not table])
            name = f"fk_{table.name}_{col.name}_{other.name}"[:63]
            columns = f"[{s(col.name)}], [{s('id')}]"
            up = [f"    op.create_foreign_key({s(name)}, {s(table.name)}, {s(other.name)}, {columns})"]
            down = [f"    op.drop_constraint({s(name)}, {s(table.name)}, type_={s('foreignkey')})"]
            return Change(f"link {table.name} to {other.name}", up, down)
        name = f"uq_{table.name}_{col.name}"
        up = [f"    op.create_unique_constraint({s(name)}, {s(table.name)}, [{s(col.name)}])"]
        down = [f"    op.drop_constraint({s(name)}, {s(table.name)}, type_={s('unique')})"]
        return Change(f"add unique constraint on {table.name}.{col.name}", up, down)

    def drop_column(self) -> Change:
        rng, s = self.rng, self.s
        table = rng.choice(self.tables)
        indexed = {column for _, column in table.indexes}
        candidates = [c for c in table.columns[1:] if c.name not in indexed and c.name != "created_at"]
        if len(table.columns) < 5 or not candidates:
            return self.add_columns()
        col = rng.choice(candidates)
        table.columns.remove(col)
        up = [f"    op.drop_column({s(table.name)}, {s(col.name)})"]
        down = [f"    op.add_column({s(table.name)}, {self.column_expr(col)})"]
        return Change(f"drop {col.name} from {table.name}", up, down)

    def drop_index(self) -> Change:
        rng, s = self.rng, self.s
        with_indexes = [t for t in self.tables if t.indexes]
        if not with_indexes:
            return self.add_index()
        table = rng.choice(with_indexes)
        index, column = table.indexes.pop(rng.randrange(len(table.indexes)))
        up = [f"    op.drop_index({s(index)}, table_name={s(table.name)})"]
        down = [f"    op.create_index({s(index)}, {s(table.name)}, [{s(column)}], unique=False)"]
        return Change(f"drop index {index}", up, down)

    def drop_table(self) -> Change:
        rng, s = self.rng, self.s
        if len(self.tables) < 6:
            return self.create_table()
        table = self.tables.pop(rng.randrange(len(self.tables)))
        up = [f"    op.drop_table({s(table.name)})"]
        down = ["    op.create_table(", f"        {s(table.name)},"]
        down += [f"        {self.column_expr(c)}," for c in table.columns]
        down += [f"        sa.PrimaryKeyConstraint({s('id')}),", "    )"]
        return Change(f"drop legacy {table.name} table", up, down)

    def random_change(self) -> Change:
        if len(self.tables) < 3:
            return self.create_table()
        kinds: list[tuple[float, Callable[[], Change]]] = [
            (0.32, self.create_table),
            (0.24, self.add_columns),
            (0.12, self.add_index),
            (0.10, self.alter_column),
            (0.09, self.add_constraint),
            (0.06, self.drop_column),
            (0.05, self.drop_index),
            (0.02, self.drop_table),
        ]
        pick = self.rng.random()
        for weight, make in kinds:
            pick -= weight
            if pick < 0:
                return make()
        return self.create_table()

    def schema_changes(self) -> list[Change]:
        """Autogenerate-style operations until the body reaches 1.2-2.9 KB (2-4 KB files)."""
        target = self.rng.randint(1200, 2900)
        changes: list[Change] = []
        size = 0
        while size < target and len(changes) < 8:
            change = self.random_change()
            changes.append(change)
            size += sum(len(line) + 1 for line in change.up + change.down)
        return changes

    # -- raw SQL (sql_heavy) -----------------------------------------------------------

    def sql_changes(self) -> list[Change]:
        """Hand-written SQL of the kind REAL-WORLD.md counts, guarded and unguarded."""
        rng = self.rng
        changes = [self.sql_ddl_block()]
        if rng.random() < 0.6:
            changes.append(self.sql_insert_block())
        if rng.random() < 0.2:
            changes.append(self.sql_do_block())
        if rng.random() < 0.5:
            changes.append(self.sql_text_bind())
        if rng.random() < 0.4:
            changes.append(self.sql_get_bind())
        return changes

    def sql_ddl_block(self) -> Change:
        rng = self.rng
        name = self.new_table_name()
        parent = rng.choice(self.tables)
        fk = _fk_column(parent)
        cols = [Column(fk, "sa.Integer()", "INTEGER", nullable=False)]
        target = rng.randint(3, 5)
        while len(cols) < target:
            cols.append(self.random_column([c.name for c in cols]))
        guarded = rng.random() < 0.8
        body = [
            f"CREATE TABLE {'IF NOT EXISTS ' if guarded else ''}{name} (",
            "    id BIGSERIAL PRIMARY KEY,",
            f"    {fk} INTEGER NOT NULL REFERENCES {parent.name}(id) ON DELETE CASCADE,",
        ]
        body += [f"    {c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}," for c in cols[1:]]
        body += ["    created_at TIMESTAMPTZ NOT NULL DEFAULT now()", ");"]
        body.append(f"CREATE INDEX IF NOT EXISTS ix_{name}_{fk} ON {name} ({fk});")
        # REAL-WORLD.md: 40 unguarded CREATE INDEX next to 80 IF NOT EXISTS
        body.append(
            f"CREATE INDEX {'IF NOT EXISTS ' if rng.random() < 0.6 else ''}"
            f"ix_{name}_created_at ON {name} (created_at);"
        )
        self.tables.append(Table(name, [Column("id", "sa.BigInteger()", "BIGINT", False), *cols]))
        drop_guard = "IF EXISTS " if rng.random() < 0.5 else ""
        return Change(
            f"create {name} with raw sql",
            self.triple_quoted(body),
            [f'    op.execute("DROP TABLE {drop_guard}{name}")'],
        )

    def sql_insert_block(self) -> Change:
        rng = self.rng
        name = self.new_table_name()
        keys = rng.sample(("enabled", "max_items", "retention_days", "default_locale",
                           "beta_access", "digest_hour", "export_format"), 3)  # fmt: skip
        rows = ",\n".join(f"    ('{k}', '{rng.randint(0, 500)}')" for k in keys)
        guarded = rng.random() < 0.75
        body = [
            f"CREATE TABLE IF NOT EXISTS {name} (",
            "    key VARCHAR(64) PRIMARY KEY,",
            "    value TEXT NOT NULL",
            ");",
            f"INSERT INTO {name} (key, value) VALUES",
            rows + ("\nON CONFLICT (key) DO NOTHING;" if guarded else ";"),
        ]
        key = Column("key", "sa.String(length=64)", "VARCHAR(64)", nullable=False)
        self.tables.append(Table(name, [key, Column("value", "sa.Text()", "TEXT", False)]))
        return Change(f"seed {name}", self.triple_quoted(body), [f'    op.execute("DROP TABLE {name}")'])

    def sql_do_block(self) -> Change:
        rng = self.rng
        table = rng.choice(self.tables)
        if rng.random() < 0.5:
            enum = f"{table.name}_state"
            values = ", ".join(f"'{v}'" for v in ("new", "running", "done", "failed"))
            body = [
                "DO $$",
                "BEGIN",
                f"    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '{enum}') THEN",
                f"        CREATE TYPE {enum} AS ENUM ({values});",
                "    END IF;",
                "END",
                "$$;",
            ]
            return Change(f"add {enum} type", self.triple_quoted(body),
                          [f'    op.execute("DROP TYPE IF EXISTS {enum}")'])  # fmt: skip
        func = f"{table.name}_touch_updated_at"
        body = [
            f"CREATE OR REPLACE FUNCTION {func}() RETURNS trigger AS $$",
            "BEGIN",
            "    NEW.updated_at = now();",
            "    RETURN NEW;",
            "END;",
            "$$ LANGUAGE plpgsql;",
            # REAL-WORLD.md: 24 unguarded CREATE TRIGGER
            f"CREATE TRIGGER trg_{func} BEFORE UPDATE ON {table.name}",
            f"    FOR EACH ROW EXECUTE FUNCTION {func}();",
        ]
        down = [
            f'    op.execute("DROP TRIGGER IF EXISTS trg_{func} ON {table.name}")',
            f'    op.execute("DROP FUNCTION {func}()")',
        ]
        return Change(f"touch {table.name}.updated_at", self.triple_quoted(body), down)

    def sql_text_bind(self) -> Change:
        rng = self.rng
        table = rng.choice(self.tables)
        col = rng.choice(table.columns[1:] or table.columns)
        value = rng.choice(("active", "pending", "legacy", "unknown"))
        up = [
            "    op.execute(",
            "        sa.text(",
            f'            "UPDATE {table.name} SET {col.name} = :value "',
            f'            "WHERE {col.name} IS NULL AND id > :after"',
            f'        ).bindparams(value="{value}", after={rng.randint(0, 10000)})',
            "    )",
        ]
        return Change(f"backfill {table.name}.{col.name}", up, [])

    def sql_get_bind(self) -> Change:
        rng = self.rng
        table = rng.choice([t for t in self.tables if t.columns[0].name == "id"])
        up = ["    conn = op.get_bind()"]
        if rng.random() < 0.5:
            up += [
                "    count = conn.execute(",
                f'        sa.text("SELECT count(*) FROM {table.name} WHERE id >= :start"),',
                f'        {{"start": {rng.randint(1, 1000)}}},',
                "    ).scalar()",
                "    if count:",
                "        conn.execute(",
                f'            sa.text("DELETE FROM {table.name} WHERE id < :start"),',
                f'            {{"start": {rng.randint(1, 1000)}}},',
                "        )",
            ]
        else:
            guard = " ON CONFLICT DO NOTHING" if rng.random() < 0.5 else ""
            up += [
                "    op.get_bind().execute(",
                "        sa.text(",
                f'            "INSERT INTO {table.name} (id) VALUES (:id){guard}"',
                "        ),",
                f'        [{{"id": {rng.randint(1, 99)}}}, {{"id": {rng.randint(100, 199)}}}],',
                "    )",
            ]
        return Change(f"clean up {table.name}", up, [])

    @staticmethod
    def triple_quoted(sql: list[str]) -> list[str]:
        lines = "\n".join(sql).split("\n")
        return (
            ["    op.execute(", '        """']
            + [f"        {line}" if line else "" for line in lines]
            + ['        """', "    )"]
        )

    # -- files -------------------------------------------------------------------------

    def revision_file(
        self,
        rev: str,
        parents: tuple[str, ...],
        created: dt.datetime,
        legacy: bool,
    ) -> tuple[str, str]:
        """Return (file name, file text) for one revision."""
        rng = self.rng
        self.q = "'" if legacy and rng.random() < 0.75 else '"'
        s = self.s
        merge = len(parents) > 1
        if merge:
            message = rng.choice(MERGE_MESSAGES)
            up_body, down_body = ["    pass"], ["    pass"]
        else:
            changes = self.schema_changes()
            message = changes[0].message
            hand_written = self.sql_changes() if self.sql_heavy else []
            up_body, down_body = self.bodies(changes, hand_written)

        down_repr: str
        if not parents:
            down_repr = "None"
        elif merge:
            down_repr = "(" + ", ".join(s(p) for p in parents) + ")"
        else:
            down_repr = s(parents[0])
        text = self.header(message, rev, parents, created, legacy, down_repr)
        uses_pg = any("postgresql." in line for line in up_body + down_body)
        if uses_pg:
            text = text.replace(
                "import sqlalchemy as sa\n",
                "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n",
                1,
            )
        doc = "" if legacy else '    """Upgrade schema."""\n'
        ann = "" if legacy else " -> None"
        text += f"\n\ndef upgrade(){ann}:\n{doc}" + "\n".join(up_body) + "\n"
        doc = "" if legacy else '    """Downgrade schema."""\n'
        text += f"\n\ndef downgrade(){ann}:\n{doc}" + "\n".join(down_body) + "\n"

        slug = "_".join(re.findall(r"\w+", message)).lower()
        if len(slug) > 40:
            slug = slug[:40].rsplit("_", 1)[0] + "_"
        return f"{rev}_{slug}.py", text

    def header(
        self,
        message: str,
        rev: str,
        parents: tuple[str, ...],
        created: dt.datetime,
        legacy: bool,
        down_repr: str,
    ) -> str:
        s = self.s
        lines = [
            f'"""{message}',
            "",
            f"Revision ID: {rev}",
            f"Revises: {', '.join(parents)}",
            f"Create Date: {created.isoformat(' ')}",
            "",
            '"""',
        ]
        if legacy:
            lines += ["from alembic import op", "import sqlalchemy as sa", "", ""]
            lines += [
                "# revision identifiers, used by Alembic.",
                f"revision = {s(rev)}",
                f"down_revision = {down_repr}",
            ]
            # REAL-WORLD.md: a third of all files lack these two lines
            if self.rng.random() >= 0.55:
                lines += ["branch_labels = None", "depends_on = None"]
        else:
            lines += [
                "from typing import Sequence, Union",
                "",
                "from alembic import op",
                "import sqlalchemy as sa",
                "",
                "",
                "# revision identifiers, used by Alembic.",
                f"revision: str = {s(rev)}",
                f"down_revision: Union[str, Sequence[str], None] = {down_repr}",
                "branch_labels: Union[str, Sequence[str], None] = None",
                "depends_on: Union[str, Sequence[str], None] = None",
            ]
        return "\n".join(lines) + "\n"

    def bodies(self, generated: list[Change], hand_written: list[Change]) -> tuple[list[str], list[str]]:
        """upgrade() and downgrade() bodies; hand-written SQL goes after the generated block."""
        rng = self.rng
        up: list[str] = [line for change in generated for line in change.up]
        down: list[str] = [line for change in reversed(generated) for line in change.down]
        if rng.random() < 0.7:  # most files keep autogenerate's markers
            start = "    # ### commands auto generated by Alembic - please adjust! ###"
            end = "    # ### end Alembic commands ###"
            up, down = [start, *up, end], [start, *down, end]
        if rng.random() < 0.05:  # REAL-WORLD.md: non-ASCII text in ~5 % of files
            up.insert(0, "    " + rng.choice(NON_ASCII_COMMENTS))
        up += [line for change in hand_written for line in change.up]
        down = [line for change in reversed(hand_written) for line in change.down] + down
        return up, down or ["    pass"]


def plan_graph(rng: random.Random, count: int) -> list[tuple[int, ...]]:
    """For each of `count` revisions in creation order, the indices of its parents.

    Linear, except that every ~40 revisions two siblings branch from the head and a
    merge revision joins them, so the history always ends in exactly one head.
    """
    parents: list[tuple[int, ...]] = []
    head = -1
    next_branch = rng.randint(*BRANCH_EVERY)
    while len(parents) < count:
        remaining = count - len(parents)
        if head >= 0 and len(parents) >= next_branch and remaining >= 3:
            b1, b2, merge = len(parents), len(parents) + 1, len(parents) + 2
            parents += [(head,), (head,), (b1, b2)]
            head = merge
            next_branch = len(parents) + rng.randint(*BRANCH_EVERY)
        else:
            parents.append(() if head < 0 else (head,))
            head = len(parents) - 1
    return parents


def _skeleton(root: Path) -> Path:
    """An empty Alembic environment at `root` (absent or empty): its versions directory."""
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} exists and is not empty")
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    _write(root / "alembic.ini", ALEMBIC_INI)
    _write(root / "migrations" / "env.py", ENV_PY)
    _write(root / "migrations" / "script.py.mako", SCRIPT_MAKO)
    return versions


def generate_project(root: Path, count: int, *, sql_heavy: bool = False, seed: int = 0) -> None:
    """Write an Alembic project with `count` revisions at `root` (absent or empty)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    root = Path(root)
    versions = _skeleton(root)
    _write(root / "migrations" / "README", "Generic single-database configuration.\n")

    # One stream, graph and ids drawn first: --sql-heavy keeps the seed's graph and ids.
    rng = random.Random(seed)
    writer = Writer(rng, sql_heavy)
    plan = plan_graph(rng, count)
    ids = [writer.new_revision_id() for _ in plan]
    created = START_DATE
    for index, parent_indices in enumerate(plan):
        created += dt.timedelta(seconds=rng.randint(600, 90_000), microseconds=rng.randint(0, 999_999))
        name, text = writer.revision_file(
            ids[index],
            tuple(ids[p] for p in parent_indices),
            created,
            legacy=index < count * LEGACY_SHARE,
        )
        _write(versions / name, text)


def _fk_column(parent: Table) -> str:
    noun = parent.name.split("_", 1)[1]  # billing_addresses_v12 -> addresses_v12
    noun, _, version = noun.partition("_")
    singular = noun[:-2] if noun.endswith("sses") else noun[:-1]
    return f"{singular}_{version}_id" if version else f"{singular}_id"


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


# -- pathological shapes (benchmarks/pathological.py) ------------------------------------

SHAPES = ("forest", "merge", "helpers", "fanout", "executes", "op-calls", "big-sql", "deployed-chain")
SHAPE_HELP = {
    "forest": "N unrelated roots: N revisions, none with a parent",
    "merge": "N roots and one merge revision whose down_revision names all of them",
    "helpers": "one revision whose upgrade() reaches SQL through a chain of N helper "
    "functions, and a runner whose stamp goes through a chain of N functions",
    "fanout": "one revision whose upgrade() calls N helper functions, each running an f-string "
    "of a module constant (N constants): the SQL guards and f-string reading over many functions",
    "executes": "one revision whose upgrade() makes N op.execute calls",
    "op-calls": "one revision whose upgrade() and downgrade() make N steps of 9 kinds: a Column "
    "bound to a name then added, a batch_alter_table block, a row-count guard, an ENUM created "
    "by its method, a DROP then CREATE and a DELETE then INSERT of SQL (unsafe alone), a loop "
    "over two table names, an op function imported by name, a CONCURRENTLY build on an "
    "AUTOCOMMIT connection, an if/else making one table in both branches under a test other steps "
    "repeat, SQL written with str.format()",
    "big-sql": "one revision whose upgrade() executes one SQL string of N kilobytes",
    "deployed-chain": "a chain of N revisions, each creating a table and indexing the one before "
    "it, with `deployed` set to the first: every revision is undeployed (the MG4xx scope)",
}


def generate_shape(root: Path, shape: str, size: int) -> None:
    """Write an Alembic project of one pathological `shape` and `size` at `root`.

    Each shape stresses one stage with input no real project has, to show that no
    stage is super-linear: the graph rules (forest, merge), the SQL reader following
    helpers and the runner reader following calls (helpers), the SQL reader on one
    huge upgrade() (executes) and on one huge statement (big-sql).
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; one of {', '.join(SHAPES)}")
    if size < 1:
        raise ValueError("size must be at least 1")
    root = Path(root)
    versions = _skeleton(root)
    if shape in ("forest", "merge"):
        # hashed, not counted: 000000000001 reads as a hand-made placeholder id (MG111)
        roots = [hashlib.sha1(b"%d" % i).hexdigest()[:12] for i in range(size)]
        for rev in roots:
            _write(versions / f"{rev}_root.py", _shape_revision(rev, None, f"root {rev}", "    pass\n"))
        if shape == "merge":
            merged = "(\n" + "".join(f"    {r!r},\n" for r in roots) + ")"
            text = _shape_revision("fe3f5b8c9d2a", merged, "merge", "    pass\n", revises=", ".join(roots))
            _write(versions / "fe3f5b8c9d2a_merge.py", text)
        return
    if shape == "helpers":
        body = "    helper_0()\n\n\n" + "".join(
            f"def helper_{i}():\n"
            f'    op.execute("CREATE TABLE IF NOT EXISTS t_{i} (id integer)")\n'
            + (f"    helper_{i + 1}()\n" if i + 1 < size else "")
            + "\n\n"
            for i in range(size)
        )
        _write(versions / "5d1c2e3f4a6b_helpers.py", _shape_revision("5d1c2e3f4a6b", None, "helpers", body))
        _write(root / "run_migrations.py", _runner_chain(size))
        return
    if shape == "fanout":
        constants = "".join(f"TABLE_{i} = 't_{i}'\n" for i in range(size))
        helpers = "".join(
            f"def drop_{i}():\n    op.execute(f'DROP TABLE {{TABLE_{i}}}')\n\n\n" for i in range(size)
        )
        body = "".join(f"    drop_{i}()\n" for i in range(size)) + "\n\n" + helpers
        text = _shape_revision("7f3e4a5b6c8d", None, "fanout", body)
        _write(
            versions / "7f3e4a5b6c8d_fanout.py", text.replace("\nrevision = ", f"\n{constants}revision = ", 1)
        )
        return
    if shape == "executes":
        body = "".join(
            f'    op.execute("ALTER TABLE t ADD COLUMN IF NOT EXISTS c_{i} integer")\n' for i in range(size)
        )
        _write(versions / "6e2d3f4a5b7c_executes.py", _shape_revision("6e2d3f4a5b7c", None, "executes", body))
        return
    if shape == "op-calls":
        kinds = (
            "    c{i} = sa.Column('x{i}', sa.Integer(), nullable=True)\n    op.add_column('t', c{i})\n",
            "    with op.batch_alter_table('t{i}') as batch_op:\n"
            "        batch_op.add_column(sa.Column('c', sa.Integer()))\n",
            "    if count{i} < 10:\n        op.drop_column('t', 'c{i}')\n",
            "    e{i} = postgresql.ENUM('a', name='e{i}')\n    e{i}.create(op.get_bind())\n",
            "    op.execute('DROP TABLE IF EXISTS x{i}')\n    op.execute('CREATE TABLE x{i} (id int)')\n",
            "    op.execute('DELETE FROM a{i}')\n    op.execute(\"INSERT INTO b{i} (a) VALUES (1)\")\n",
            "    for table in ('l{i}a', 'l{i}b'):\n        op.create_index('ix_l{i}', table, ['x'])\n",
            "    bare_create_index('ix_b{i}', 'tb{i}', ['x'])\n",
            "    with bind.execution_options(isolation_level='AUTOCOMMIT') as c{i}:\n"
            "        c{i}.exec_driver_sql('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_c{i} ON t (x)')\n",
            # an if/else whose branches make the same table, under a test other steps repeat
            "    if flag{i7}:\n        op.execute('CREATE TABLE y{i} (id int)')\n    else:\n"
            "        op.execute('CREATE TABLE y{i} (id int)')\n    op.execute('INSERT INTO y{i} VALUES (1)')\n",
            "    op.execute('DROP TABLE {{t}}'.format(t='z{i}'))\n",
        )
        body = "".join(kinds[i % len(kinds)].format(i=i, i7=i % 7) for i in range(size))
        text = _shape_revision("8a4f5b6c7d9e", None, "op calls", body).replace(
            "from alembic import op\n",
            "import sqlalchemy as sa\nfrom alembic import op\nfrom alembic.op import create_index as bare_create_index\n"
            "from sqlalchemy.dialects import postgresql\n",
        )
        text = text.replace("def downgrade():\n    pass\n", "def downgrade():\n" + body)
        _write(versions / "8a4f5b6c7d9e_op_calls.py", text)
        return
    if shape == "deployed-chain":
        chain = [hashlib.sha1(b"chain %d" % i).hexdigest()[:12] for i in range(size)]
        for i, rev in enumerate(chain):
            body = f'    op.create_table("t_{i}", sa.Column("id", sa.Integer(), primary_key=True))\n'
            if i:
                body += f'    op.create_index("ix_t_{i - 1}", "t_{i - 1}", ["id"])\n'
            down = repr(chain[i - 1]) if i else None
            text = _shape_revision(rev, down, f"step {i}", body, revises=chain[i - 1] if i else "")
            _write(
                versions / f"{rev}_step.py",
                text.replace("from alembic import op\n", "import sqlalchemy as sa\nfrom alembic import op\n"),
            )
        _write(root / "pyproject.toml", f'[tool.miglint]\ndeployed = "{chain[0]}"\n')
        return
    statement = "INSERT INTO t (id, name) VALUES (1, 'x') ON CONFLICT DO NOTHING;\n"
    sql = statement * (size * 1024 // len(statement) + 1)
    body = f'    op.execute("""\n{sql}""")\n'
    _write(versions / "7f3e4a5b6c8d_big_sql.py", _shape_revision("7f3e4a5b6c8d", None, "big sql", body))


def _shape_revision(rev: str, down: str | None, message: str, upgrade_body: str, revises: str = "") -> str:
    down_value = repr(down) if down is None else down
    return (
        f'"""{message}\n\nRevision ID: {rev}\nRevises: {revises}\nCreate Date: 2024-01-01 00:00:00\n\n"""\n'
        "from alembic import op\n\n"
        f"revision = {rev!r}\ndown_revision = {down_value}\nbranch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n{upgrade_body}\n\ndef downgrade():\n    pass\n"
    )


def _runner_chain(size: int) -> str:
    """A runner whose `alembic stamp` is reached through `size` nested calls."""
    calls = "".join(
        f"def step_{i}(revision):\n    return step_{i + 1}(revision)\n\n\n" for i in range(size - 1)
    )
    return (
        "import subprocess\n\n\n"
        + calls
        + f"def step_{size - 1}(revision):\n"
        + '    subprocess.run(["alembic", "stamp", revision], check=True)\n\n\n'
        + 'if __name__ == "__main__":\n    step_0("head")\n'
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="directory to create (absent or empty)")
    parser.add_argument("--count", type=int, help="number of revisions (not with --shape)")
    parser.add_argument("--sql-heavy", action="store_true", help="raw SQL in every upgrade()")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    parser.add_argument(
        "--shape", choices=SHAPES,
        help="a pathological project instead: " + "; ".join(f"{k}: {v}" for k, v in SHAPE_HELP.items()),
    )  # fmt: skip
    parser.add_argument("--size", type=int, help="the shape's N (with --shape)")
    args = parser.parse_args(argv)
    if (args.shape is None) == (args.count is None):
        parser.error("give either --count or --shape (with --size)")
    if args.shape is not None and args.size is None:
        parser.error("--shape needs --size")
    try:
        if args.shape is not None:
            generate_shape(args.root, args.shape, args.size)
        else:
            generate_project(args.root, args.count, sql_heavy=args.sql_heavy, seed=args.seed)
    except (ValueError, OSError) as exc:
        print(f"generate.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
