"""merge shipping and stock heads

Revision ID: 6f58997166a8
Revises: 05aef1871765, cc6eec2aceed
Create Date: 2025-10-10 08:31:26.190857

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '6f58997166a8'
down_revision: Union[str, None] = ('05aef1871765', 'cc6eec2aceed')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
