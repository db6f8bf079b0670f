"""add entity classification

Revision ID: 11f9e26c6345
Revises: c5bc995c619f
Create Date: 2025-10-13 09:21:50.803366

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '11f9e26c6345'
down_revision = 'c5bc995c619f'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('fact_entities', sa.Column('entity_subtype', sa.String(length=50), nullable=True))
    op.add_column('fact_entities', sa.Column('classification_confidence', sa.Float(), nullable=True))

    # classify what we can from the existing free-text entity_type values
    op.execute("""
        UPDATE fact_entities
        SET entity_subtype = CASE
                WHEN entity_type IN ('food', 'drink', 'cuisine') THEN 'consumable'
                WHEN entity_type IN ('hobby', 'sport', 'game') THEN 'activity'
                WHEN entity_type IN ('pet', 'animal') THEN 'animal'
                ELSE 'other'
            END,
            classification_confidence = 0.5
        WHERE entity_subtype IS NULL
    """)
    op.create_index('idx_fact_entities_subtype', 'fact_entities', ['entity_type', 'entity_subtype'])


def downgrade():
    op.drop_index('idx_fact_entities_subtype', table_name='fact_entities')
    op.drop_column('fact_entities', 'classification_confidence')
    op.drop_column('fact_entities', 'entity_subtype')
