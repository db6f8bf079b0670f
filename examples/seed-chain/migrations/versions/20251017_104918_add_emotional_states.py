"""add emotional states

Revision ID: 20251017_104918
Revises: a1b2c3d4e5f6
Create Date: 2025-10-17 10:49:18.772104

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20251017_104918'
down_revision = 'a1b2c3d4e5f6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'character_emotional_states',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('character_name', sa.String(length=100), nullable=False),
        sa.Column('user_id', sa.String(length=255), nullable=False),
        sa.Column('enthusiasm', sa.Float(), server_default='0.7', nullable=False),
        sa.Column('stress', sa.Float(), server_default='0.2', nullable=False),
        sa.Column('contentment', sa.Float(), server_default='0.6', nullable=False),
        sa.Column('empathy', sa.Float(), server_default='0.7', nullable=False),
        sa.Column('confidence', sa.Float(), server_default='0.6', nullable=False),
        sa.Column('last_updated', sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.UniqueConstraint('character_name', 'user_id', name='uq_emotional_state_character_user'),
    )


def downgrade() -> None:
    op.drop_table('character_emotional_states')
