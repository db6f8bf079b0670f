"""add document tags

Revision ID: 2ad5e1a59b19
Revises: c8c95ab1c68a
Create Date: 2025-10-06 14:33:29.870216

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2ad5e1a59b19'
down_revision = 'c8c95ab1c68a'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('documents', sa.Column('tags', sa.ARRAY(sa.String(length=40)), server_default='{}', nullable=False))
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_tags ON documents USING gin (tags)")


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_documents_tags")
    op.drop_column('documents', 'tags')
