"""add character question templates

Revision ID: 1fd48f6d9650
Revises: 11f9e26c6345
Create Date: 2025-10-13 15:07:12.449281

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1fd48f6d9650'
down_revision = '11f9e26c6345'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'character_question_templates',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('character_id', sa.Integer(), sa.ForeignKey('characters.id', ondelete='CASCADE'), nullable=False),
        sa.Column('gap_type', sa.String(length=50), nullable=False),
        sa.Column('template_text', sa.Text(), nullable=False),
        sa.Column('personality_style', sa.String(length=50), server_default='neutral', nullable=False),
        sa.Column('priority_order', sa.Integer(), server_default='1', nullable=False),
        sa.Column('created_at', sa.DateTime(), server_default=sa.func.now()),
    )
    op.create_index('idx_question_templates_character_gap', 'character_question_templates',
                    ['character_id', 'gap_type'])


def downgrade():
    op.drop_index('idx_question_templates_character_gap', table_name='character_question_templates')
    op.drop_table('character_question_templates')
