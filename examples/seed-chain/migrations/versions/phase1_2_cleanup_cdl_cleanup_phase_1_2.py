"""CDL cleanup phase 1.2

Revision ID: phase1_2_cleanup
Revises: drop_legacy_json
Create Date: 2025-10-15 16:20:58.391044

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'phase1_2_cleanup'
down_revision = 'drop_legacy_json'
branch_labels = None
depends_on = None


def upgrade():
    # Phase 1.2: remove tables nobody reads since the CDL normalization
    op.execute("""
        DROP TABLE IF EXISTS character_essence CASCADE;
        DROP TABLE IF EXISTS character_instructions CASCADE;
        DROP TABLE IF EXISTS character_evolution_log CASCADE;
        DROP TABLE IF EXISTS character_scenarios CASCADE;
    """)
    op.execute("DROP INDEX IF EXISTS idx_characters_cdl_json")
