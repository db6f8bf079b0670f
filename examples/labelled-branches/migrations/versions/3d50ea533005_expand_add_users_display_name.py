"""expand: add users display_name

Revision ID: 3d50ea533005
Revises: ad58e263b2c8
Create Date: 2025-10-06 10:12:31.904627

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3d50ea533005'
down_revision: Union[str, Sequence[str], None] = 'ad58e263b2c8'
branch_labels: Union[str, Sequence[str], None] = ('expand',)
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('users', sa.Column('display_name', sa.String(length=120), nullable=True))
    op.execute("UPDATE users SET display_name = nickname WHERE display_name IS NULL")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('users', 'display_name')
