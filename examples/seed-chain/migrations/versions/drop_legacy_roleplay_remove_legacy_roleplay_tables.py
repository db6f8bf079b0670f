"""remove legacy roleplay tables

Revision ID: drop_legacy_roleplay
Revises: phase1_2_cleanup
Create Date: 2025-10-16 09:03:27.714560

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'drop_legacy_roleplay'
down_revision = 'phase1_2_cleanup'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DROP TABLE IF EXISTS character_roleplay_scenarios_v2 CASCADE")
    op.execute("DROP TABLE IF EXISTS character_roleplay_config CASCADE")


def downgrade():
    # the legacy roleplay tables are not coming back; restore from a backup if needed
    pass
