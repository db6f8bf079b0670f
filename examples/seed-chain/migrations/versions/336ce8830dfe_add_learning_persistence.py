"""add learning persistence

Revision ID: 336ce8830dfe
Revises: 20251017_104918
Create Date: 2025-10-18 12:14:53.308619

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '336ce8830dfe'
down_revision: Union[str, Sequence[str], None] = '20251017_104918'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'character_insights',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('character_id', sa.Integer(), sa.ForeignKey('characters.id', ondelete='CASCADE'), nullable=False),
        sa.Column('insight_type', sa.String(length=50), nullable=False),
        sa.Column('insight_content', sa.Text(), nullable=False),
        sa.Column('confidence_score', sa.Float(), server_default='0.5'),
        sa.Column('discovery_date', sa.DateTime(), server_default=sa.func.now()),
        sa.Column('importance_level', sa.Integer(), server_default='5'),
    )
    op.create_table(
        'character_learning_timeline',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('character_id', sa.Integer(), sa.ForeignKey('characters.id', ondelete='CASCADE'), nullable=False),
        sa.Column('learning_event', sa.Text(), nullable=False),
        sa.Column('learning_type', sa.String(length=50), nullable=False),
        sa.Column('created_at', sa.DateTime(), server_default=sa.func.now()),
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS idx_character_insights_character ON character_insights (character_id, insight_type)"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP INDEX IF EXISTS idx_character_insights_character")
    op.drop_table('character_learning_timeline')
    op.drop_table('character_insights')
