"""add invoice due date

Revision ID: 7afd793a82f6
Revises: a4d5894b1295
Create Date: 2025-10-06 16:20:03.945118

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7afd793a82f6'
down_revision = 'a4d5894b1295'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('invoices', sa.Column('due_on', sa.Date(), nullable=True))
    op.execute("UPDATE invoices SET due_on = issued_on + 30 WHERE due_on IS NULL")


def downgrade() -> None:
    op.drop_column('invoices', 'due_on')
