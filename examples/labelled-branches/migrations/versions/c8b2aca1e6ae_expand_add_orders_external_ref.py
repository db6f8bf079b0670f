"""expand: add orders external_ref

Revision ID: c8b2aca1e6ae
Revises: 3d50ea533005
Create Date: 2025-10-07 14:48:06.317258

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c8b2aca1e6ae'
down_revision: Union[str, Sequence[str], None] = '3d50ea533005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('orders', sa.Column('external_ref', sa.String(length=64), nullable=True))
    op.execute("UPDATE orders SET external_ref = legacy_ref WHERE external_ref IS NULL")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('orders', 'external_ref')
