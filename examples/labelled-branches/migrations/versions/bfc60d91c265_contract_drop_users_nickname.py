"""contract: drop users nickname

Revision ID: bfc60d91c265
Revises: ad58e263b2c8
Create Date: 2025-10-06 10:20:44.681390

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'bfc60d91c265'
down_revision: Union[str, Sequence[str], None] = 'ad58e263b2c8'
branch_labels: Union[str, Sequence[str], None] = ('contract',)
depends_on: Union[str, Sequence[str], None] = ('3d50ea533005',)


def upgrade() -> None:
    """Upgrade schema."""
    op.drop_column('users', 'nickname')


def downgrade() -> None:
    """Downgrade schema."""
    op.add_column('users', sa.Column('nickname', sa.String(length=80), nullable=True))
    op.execute("UPDATE users SET nickname = display_name")
