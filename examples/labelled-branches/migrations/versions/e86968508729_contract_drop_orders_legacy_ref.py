"""contract: drop orders legacy_ref

Revision ID: e86968508729
Revises: bfc60d91c265
Create Date: 2025-10-07 14:55:19.430981

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'e86968508729'
down_revision: Union[str, Sequence[str], None] = 'bfc60d91c265'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = 'c8b2aca1e6ae'


def upgrade() -> None:
    """Upgrade schema."""
    op.drop_column('orders', 'legacy_ref')


def downgrade() -> None:
    """Downgrade schema."""
    op.add_column('orders', sa.Column('legacy_ref', sa.String(length=40), nullable=True))
    op.execute("UPDATE orders SET legacy_ref = external_ref")
