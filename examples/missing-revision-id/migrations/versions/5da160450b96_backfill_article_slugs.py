"""backfill article slugs

Revision ID: 5da160450b96
Revises: 49b78c7ce5d5
Create Date: 2025-10-09 16:04:37.815290

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
down_revision = '49b78c7ce5d5'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        UPDATE articles
        SET slug = trim(both '-' from regexp_replace(lower(title), '[^a-z0-9]+', '-', 'g')) || '-' || id
        WHERE slug IS NULL
    """)
    op.alter_column('articles', 'slug', existing_type=sa.String(length=200), nullable=False)


def downgrade():
    op.alter_column('articles', 'slug', existing_type=sa.String(length=200), nullable=True)
