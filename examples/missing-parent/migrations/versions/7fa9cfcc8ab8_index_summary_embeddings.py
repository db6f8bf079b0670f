"""index summary embeddings

Revision ID: 7fa9cfcc8ab8
Revises: 3346d959ee68
Create Date: 2025-10-20 14:58:09.713540

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7fa9cfcc8ab8'
down_revision: Union[str, Sequence[str], None] = '3346d959ee68'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute(
        "CREATE INDEX IF NOT EXISTS idx_conv_summaries_embedding "
        "ON conversation_summaries USING hnsw (embedding vector_cosine_ops)"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP INDEX IF EXISTS idx_conv_summaries_embedding")
