"""Shared helpers for revision scripts (not a revision)."""
from alembic import op
import sqlalchemy as sa


def table_exists(name: str) -> bool:
    bind = op.get_bind()
    return name in sa.inspect(bind).get_table_names()


def column_exists(table: str, column: str) -> bool:
    bind = op.get_bind()
    return any(c["name"] == column for c in sa.inspect(bind).get_columns(table))


def add_column_if_missing(table: str, column: sa.Column) -> None:
    if not column_exists(table, column.name):
        op.add_column(table, column)


def drop_column_if_present(table: str, column: str) -> None:
    if column_exists(table, column):
        op.drop_column(table, column)
