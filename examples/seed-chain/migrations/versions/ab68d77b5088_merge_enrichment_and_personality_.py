"""merge enrichment and personality branches

Revision ID: ab68d77b5088
Revises: 27e207ded5a0, 336ce8830dfe
Create Date: 2025-10-19 11:02:57.349106

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ab68d77b5088'
down_revision = ('27e207ded5a0', '336ce8830dfe')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
