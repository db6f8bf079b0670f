"""add emoji personality columns

Revision ID: emoji_personality_cols
Revises: drop_legacy_roleplay
Create Date: 2025-10-16 13:37:45.025893

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'emoji_personality_cols'
down_revision = 'drop_legacy_roleplay'
branch_labels = None
depends_on = None


def upgrade():
    # How a character uses emoji: frequency ('minimal'..'high'), style ('warm_affectionate',
    # 'playful', ...), combination ('text_with_accent_emoji', e.g. "Sounds lovely 🌊✨")
    op.execute("""
        ALTER TABLE characters
            ADD COLUMN IF NOT EXISTS emoji_frequency VARCHAR(50) DEFAULT 'moderate',
            ADD COLUMN IF NOT EXISTS emoji_style VARCHAR(100) DEFAULT 'general',
            ADD COLUMN IF NOT EXISTS emoji_combination VARCHAR(50) DEFAULT 'text_with_accent_emoji',
            ADD COLUMN IF NOT EXISTS emoji_placement VARCHAR(50) DEFAULT 'end_of_message',
            ADD COLUMN IF NOT EXISTS emoji_age_demographic VARCHAR(50) DEFAULT 'millennial',
            ADD COLUMN IF NOT EXISTS emoji_cultural_influence VARCHAR(100) DEFAULT 'general'
    """)


def downgrade():
    op.execute("""
        ALTER TABLE characters
            DROP COLUMN IF EXISTS emoji_cultural_influence,
            DROP COLUMN IF EXISTS emoji_age_demographic,
            DROP COLUMN IF EXISTS emoji_placement,
            DROP COLUMN IF EXISTS emoji_combination,
            DROP COLUMN IF EXISTS emoji_style,
            DROP COLUMN IF EXISTS emoji_frequency
    """)
