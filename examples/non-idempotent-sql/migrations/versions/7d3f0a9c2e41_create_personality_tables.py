"""create personality tables

Revision ID: 7d3f0a9c2e41
Revises: 
Create Date: 2025-10-19 09:12:44.120311

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3f0a9c2e41'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE personality_traits (
            id SERIAL PRIMARY KEY,
            character_id INTEGER NOT NULL,
            trait_name TEXT NOT NULL,
            trait_value TEXT
        );
        CREATE UNIQUE INDEX uq_personality_traits ON personality_traits (character_id, trait_name);
    """)
    op.execute("ALTER TABLE characters ADD COLUMN emoji_style TEXT")
    op.execute(
        "ALTER TABLE personality_traits "
        "ADD CONSTRAINT fk_traits_character FOREIGN KEY (character_id) REFERENCES characters (id)"
    )


def downgrade():
    op.execute("DROP TABLE personality_traits")
