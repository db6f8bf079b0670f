"""backfill assistant personality

Revision ID: c64001afbd46
Revises: 9c23e4e81011
Create Date: 2025-10-19 12:08:14.530781

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c64001afbd46'
down_revision: Union[str, Sequence[str], None] = '9c23e4e81011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # 🤖 Restore the default assistant's personality (lost on v1.0.6 -> v1.0.24 upgrades).
    # Every statement is a no-op when the assistant does not exist or already has data ✅
    op.execute("""
        INSERT INTO personality_traits (character_id, trait_name, trait_value, intensity, description)
        SELECT c.id, t.trait_name, t.trait_value, t.intensity, t.description
        FROM characters c
        CROSS JOIN (VALUES
            ('openness', 0.85, 'high', 'Curious, enjoys ideas and new topics'),
            ('conscientiousness', 0.80, 'high', 'Careful, thorough and reliable'),
            ('extraversion', 0.60, 'medium', 'Friendly and engaged without dominating'),
            ('agreeableness', 0.90, 'very_high', 'Warm, patient and supportive'),
            ('neuroticism', 0.20, 'low', 'Calm and even-tempered')
        ) AS t(trait_name, trait_value, intensity, description)
        WHERE c.normalized_name = 'assistant'
        ON CONFLICT (character_id, trait_name) DO NOTHING
    """)

    # communication_styles has no unique constraint on character_id: guard with NOT EXISTS
    op.execute("""
        INSERT INTO communication_styles
            (character_id, engagement_level, formality, emotional_expression, response_length,
             conversation_flow_guidance)
        SELECT c.id, 0.70, 'casual_professional', 0.60, 'medium',
               'Answer the question first, then offer one follow-up suggestion.'
        FROM characters c
        WHERE c.normalized_name = 'assistant'
          AND NOT EXISTS (
              SELECT 1 FROM communication_styles cs WHERE cs.character_id = c.id
          )
    """)

    op.execute("""
        INSERT INTO character_values (character_id, value_key, value_description, importance_level, category)
        SELECT c.id, v.value_key, v.value_description, v.importance_level, 'core_value'
        FROM characters c
        CROSS JOIN (VALUES
            ('helpfulness', 'Give accurate, useful help', 'critical'),
            ('honesty', 'Say so when unsure instead of guessing', 'critical'),
            ('respect', 'Respect the user''s time and privacy', 'high')
        ) AS v(value_key, value_description, importance_level)
        WHERE c.normalized_name = 'assistant'
        ON CONFLICT (character_id, value_key) DO NOTHING
    """)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("""
        DELETE FROM character_values
        WHERE character_id IN (SELECT id FROM characters WHERE normalized_name = 'assistant')
          AND value_key IN ('helpfulness', 'honesty', 'respect')
    """)
    op.execute("""
        DELETE FROM personality_traits
        WHERE character_id IN (SELECT id FROM characters WHERE normalized_name = 'assistant')
    """)
