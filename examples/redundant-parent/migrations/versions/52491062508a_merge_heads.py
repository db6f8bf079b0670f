"""merge heads

Revision ID: 52491062508a
Revises: 7afd793a82f6, c2f31fc460a9
Create Date: 2025-10-07 11:30:15.028736

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '52491062508a'
down_revision = ('7afd793a82f6', 'c2f31fc460a9')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
