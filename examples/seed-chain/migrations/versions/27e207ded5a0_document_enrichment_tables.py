"""document enrichment tables

Revision ID: 27e207ded5a0
Revises: a71d62f22c10
Create Date: 2025-10-19 09:47:30.622845

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '27e207ded5a0'
down_revision = 'a71d62f22c10'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        COMMENT ON TABLE conversation_summaries IS
            'Written by the enrichment worker; one row per summarized time window';
        COMMENT ON COLUMN conversation_summaries.key_topics IS 'JSONB array of topic strings';
        COMMENT ON COLUMN conversation_summaries.compression_ratio IS 'summary length / source length';
    """)


def downgrade():
    op.execute("""
        COMMENT ON TABLE conversation_summaries IS NULL;
        COMMENT ON COLUMN conversation_summaries.key_topics IS NULL;
        COMMENT ON COLUMN conversation_summaries.compression_ratio IS NULL;
    """)
