"""add order status

Revision ID: 635477c386e3
Revises: dce3b63094de
Create Date: 2025-10-08 11:52:30.447915

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '635477c386e3'
down_revision: Union[str, Sequence[str], None] = 'dce3b63094de'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

order_status = sa.Enum('pending', 'paid', 'shipped', 'cancelled', name='order_status')


def upgrade() -> None:
    """Upgrade schema."""
    order_status.create(op.get_bind(), checkfirst=True)
    op.add_column(
        'orders',
        sa.Column('status', order_status, server_default='pending', nullable=False),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('orders', 'status')
    order_status.drop(op.get_bind(), checkfirst=True)
