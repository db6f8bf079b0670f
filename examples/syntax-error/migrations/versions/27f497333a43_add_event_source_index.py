"""add event source index

Revision ID: 27f497333a43
Revises: cae71d9afe11
Create Date: 2025-10-07 10:40:52.338104

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '27f497333a43'
down_revision = 'cae71d9afe11'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('events', sa.Column('source', sa.String(length=100), nullable=True))
    op.create_index('ix_events_source_occurred_at', 'events', ['source', 'occurred_at'])


def downgrade():
    op.drop_index('ix_events_source_occurred_at', table_name='events')
    op.drop_column('events', 'source')
