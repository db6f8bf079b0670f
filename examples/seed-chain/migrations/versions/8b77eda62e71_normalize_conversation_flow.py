"""normalize conversation flow

Revision ID: 8b77eda62e71
Revises: 2230add_keyword_templates
Create Date: 2025-10-14 17:55:19.938402

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b77eda62e71'
down_revision = '2230add_keyword_templates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'character_conversation_flows',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('character_id', sa.Integer(), sa.ForeignKey('characters.id', ondelete='CASCADE'), nullable=False),
        sa.Column('flow_type', sa.String(length=50), nullable=False),
        sa.Column('flow_name', sa.String(length=200), nullable=False),
        sa.Column('energy_level', sa.String(length=50), nullable=True),
        sa.Column('approach_description', sa.Text(), nullable=True),
        sa.Column('priority', sa.Integer(), server_default='50'),
    )
    # copy the flows out of the legacy JSON blob before it is dropped
    op.execute("""
        INSERT INTO character_conversation_flows (character_id, flow_type, flow_name, energy_level, approach_description)
        SELECT c.id,
               flow.key,
               COALESCE(flow.value->>'name', flow.key),
               flow.value->>'energy',
               flow.value->>'approach'
        FROM characters c,
             LATERAL jsonb_each(c.cdl_json->'conversation_flow_guidance') AS flow
        WHERE c.cdl_json ? 'conversation_flow_guidance'
    """)


def downgrade() -> None:
    op.drop_table('character_conversation_flows')
