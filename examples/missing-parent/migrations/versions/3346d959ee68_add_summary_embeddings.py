"""add summary embeddings

Revision ID: 3346d959ee68
Revises: 20251019_conversation_summaries
Create Date: 2025-10-20 10:37:51.226084

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3346d959ee68'
down_revision: Union[str, Sequence[str], None] = '20251019_conversation_summaries'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute("ALTER TABLE conversation_summaries ADD COLUMN IF NOT EXISTS embedding vector(384)")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("ALTER TABLE conversation_summaries DROP COLUMN IF EXISTS embedding")
