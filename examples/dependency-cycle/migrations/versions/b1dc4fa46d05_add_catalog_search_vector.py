"""add catalog search vector

Revision ID: b1dc4fa46d05
Revises: f9a67864fd92
Create Date: 2025-10-08 10:22:36.915550

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b1dc4fa46d05'
down_revision: Union[str, Sequence[str], None] = 'f9a67864fd92'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = '274cedc4a5d9'


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("ALTER TABLE catalog_items ADD COLUMN IF NOT EXISTS search_vector tsvector")
    op.execute("CREATE INDEX IF NOT EXISTS ix_catalog_items_search ON catalog_items USING gin (search_vector)")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP INDEX IF EXISTS ix_catalog_items_search")
    op.execute("ALTER TABLE catalog_items DROP COLUMN IF EXISTS search_vector")
