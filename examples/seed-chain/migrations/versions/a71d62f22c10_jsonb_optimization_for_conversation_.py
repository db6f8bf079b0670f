"""JSONB optimization for conversation summaries

Revision ID: a71d62f22c10
Revises: b06ced8ecd14
Create Date: 2025-10-19 09:12:48.054173

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a71d62f22c10'
down_revision = 'b06ced8ecd14'
branch_labels = None
depends_on = None


def upgrade():
    # key_topics was TEXT holding a JSON array; make it real JSONB so it can be indexed
    op.execute("""
        ALTER TABLE conversation_summaries
            ALTER COLUMN key_topics TYPE JSONB USING COALESCE(key_topics, '[]')::jsonb
    """)
    op.execute("""
        CREATE INDEX IF NOT EXISTS idx_conv_summaries_key_topics
            ON conversation_summaries USING GIN (key_topics jsonb_path_ops)
    """)


def downgrade():
    op.execute("DROP INDEX IF EXISTS idx_conv_summaries_key_topics")
    op.execute("ALTER TABLE conversation_summaries ALTER COLUMN key_topics TYPE TEXT USING key_topics::text")
