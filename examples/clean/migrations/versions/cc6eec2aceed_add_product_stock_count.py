"""add product stock count

Revision ID: cc6eec2aceed
Revises: 635477c386e3
Create Date: 2025-10-09 13:40:02.775196

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'cc6eec2aceed'
down_revision: Union[str, Sequence[str], None] = '635477c386e3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('products', sa.Column('stock_count', sa.Integer(), server_default='0', nullable=False))
    op.create_check_constraint(
        'ck_products_stock_nonnegative', 'products', 'stock_count >= 0', postgresql_not_valid=True
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint('ck_products_stock_nonnegative', 'products', type_='check')
    op.drop_column('products', 'stock_count')
