"""create personality traits tables

Revision ID: 9c23e4e81011
Revises: ab68d77b5088
Create Date: 2025-10-19 11:20:39.865012

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9c23e4e81011'
down_revision: Union[str, Sequence[str], None] = 'ab68d77b5088'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # IF NOT EXISTS: databases created from a newer 00_init.sql already have these tables
    op.execute("""
        CREATE TABLE IF NOT EXISTS personality_traits (
            id SERIAL PRIMARY KEY,
            character_id INTEGER NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
            trait_name VARCHAR(100) NOT NULL,
            trait_value DECIMAL(3,2),
            intensity VARCHAR(20),
            description TEXT,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            UNIQUE (character_id, trait_name)
        )
    """)
    op.execute("""
        CREATE TABLE IF NOT EXISTS communication_styles (
            id SERIAL PRIMARY KEY,
            character_id INTEGER NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
            engagement_level DECIMAL(3,2),
            formality VARCHAR(50),
            emotional_expression DECIMAL(3,2),
            response_length VARCHAR(20),
            conversation_flow_guidance TEXT,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        )
    """)
    op.execute("""
        CREATE TABLE IF NOT EXISTS character_values (
            id SERIAL PRIMARY KEY,
            character_id INTEGER NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
            value_key VARCHAR(100) NOT NULL,
            value_description TEXT,
            importance_level VARCHAR(20) DEFAULT 'medium',
            category VARCHAR(50),
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            UNIQUE (character_id, value_key)
        )
    """)
    op.execute("CREATE INDEX IF NOT EXISTS idx_personality_traits_character ON personality_traits (character_id)")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP TABLE IF EXISTS character_values")
    op.execute("DROP TABLE IF EXISTS communication_styles")
    op.execute("DROP TABLE IF EXISTS personality_traits")
