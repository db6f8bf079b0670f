"""remove legacy JSON column

Revision ID: drop_legacy_json
Revises: 7fbfdf63fb76
Create Date: 2025-10-15 11:44:02.860135

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'drop_legacy_json'
down_revision = '7fbfdf63fb76'


def upgrade():
    # every reader now uses the normalized CDL tables
    op.execute("ALTER TABLE characters DROP COLUMN IF EXISTS cdl_json")


def downgrade():
    op.execute("ALTER TABLE characters ADD COLUMN IF NOT EXISTS cdl_json JSONB")
