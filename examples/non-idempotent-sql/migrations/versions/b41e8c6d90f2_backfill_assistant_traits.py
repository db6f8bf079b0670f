"""backfill assistant traits

Revision ID: b41e8c6d90f2
Revises: 7d3f0a9c2e41
Create Date: 2025-10-19 11:40:02.554017

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b41e8c6d90f2'
down_revision = '7d3f0a9c2e41'
branch_labels = None
depends_on = None

TRAITS = [("warmth", "high"), ("humour", "dry")]


def _seed(conn, name, value):
    conn.execute(
        sa.text(
            "INSERT INTO personality_traits (character_id, trait_name, trait_value) "
            "SELECT id, :name, :value FROM characters WHERE normalized_name = 'assistant'"
        ),
        {"name": name, "value": value},
    )


def upgrade():
    conn = op.get_bind()
    for name, value in TRAITS:
        _seed(conn, name, value)
    op.execute("ALTER TABLE characters RENAME COLUMN persona TO personality")
    op.execute("DROP INDEX ix_characters_persona")


def downgrade():
    op.execute("ALTER TABLE characters RENAME COLUMN personality TO persona")
