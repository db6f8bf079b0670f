"""add conversation summaries

Revision ID: 20251019_conv_summaries
Revises: d73eddc70e8e
Create Date: 2025-10-19 08:05:22.417390

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20251019_conv_summaries'
down_revision = 'd73eddc70e8e'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE IF NOT EXISTS conversation_summaries (
            id SERIAL PRIMARY KEY,
            user_id VARCHAR(255) NOT NULL,
            bot_name VARCHAR(100) NOT NULL,
            summary_text TEXT NOT NULL,
            start_timestamp TIMESTAMPTZ NOT NULL,
            end_timestamp TIMESTAMPTZ NOT NULL,
            created_at TIMESTAMPTZ DEFAULT NOW()
        )
    """)


def downgrade():
    op.execute("DROP TABLE IF EXISTS conversation_summaries")
