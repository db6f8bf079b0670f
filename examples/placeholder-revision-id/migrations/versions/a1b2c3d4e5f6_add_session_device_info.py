"""add session device info

Revision ID: a1b2c3d4e5f6
Revises: edf5ded7df02
Create Date: 2025-10-07 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a1b2c3d4e5f6'
down_revision: Union[str, Sequence[str], None] = 'edf5ded7df02'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('sessions', sa.Column('user_agent', sa.String(length=512), nullable=True))
    op.add_column('sessions', sa.Column('ip_address', sa.String(length=45), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('sessions', 'ip_address')
    op.drop_column('sessions', 'user_agent')
