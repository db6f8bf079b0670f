"""add conversation summaries for enrichment

Revision ID: 20251019_conv_summaries
Revises: 20251011_baseline_v106
Create Date: 2025-10-19 08:05:22.417390

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20251019_conv_summaries'
down_revision = '20251011_baseline_v106'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE IF NOT EXISTS conversation_summaries (
            id SERIAL PRIMARY KEY,
            user_id VARCHAR(255) NOT NULL,
            bot_name VARCHAR(100) NOT NULL,
            summary_text TEXT NOT NULL,
            start_timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
            end_timestamp TIMESTAMP WITH TIME ZONE NOT NULL,
            message_count INTEGER NOT NULL DEFAULT 0,
            key_topics TEXT,
            emotional_tone VARCHAR(50),
            compression_ratio REAL,
            created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
            UNIQUE (user_id, bot_name, start_timestamp, end_timestamp)
        )
    """)
    op.execute("""
        CREATE INDEX IF NOT EXISTS idx_conv_summaries_user_bot
            ON conversation_summaries (user_id, bot_name, end_timestamp DESC)
    """)


def downgrade():
    op.execute("DROP TABLE IF EXISTS conversation_summaries")
