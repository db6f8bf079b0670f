"""add full text search

Revision ID: 44a1a45d7c2e
Revises: c8c95ab1c68a
Create Date: 2025-10-06 11:05:52.491337

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '44a1a45d7c2e'
down_revision = '2ad5e1a59b19'
branch_labels = None
depends_on = None


def upgrade():
    # a plain column: GENERATED ALWAYS AS (...) STORED would compute it for every row under an
    # ACCESS EXCLUSIVE lock (MG405); the application fills it
    op.execute("ALTER TABLE documents ADD COLUMN IF NOT EXISTS search_vector tsvector")
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_documents_search ON documents USING gin (search_vector)")


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_documents_search")
    op.execute("ALTER TABLE documents DROP COLUMN IF EXISTS search_vector")
