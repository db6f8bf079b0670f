"""add event retention days

Revision ID: 25b4b441ed4e
Revises: 27f497333a43
Create Date: 2025-10-10 09:13:26.802447

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '25b4b441ed4e'
down_revision = '27f497333a43'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'events',
        sa.Column('retention_days', sa.Integer(), server_default='90', nullable=False)
    op.execute("UPDATE events SET retention_days = 365 WHERE kind LIKE 'billing.%'")


def downgrade():
    op.drop_column('events', 'retention_days')
