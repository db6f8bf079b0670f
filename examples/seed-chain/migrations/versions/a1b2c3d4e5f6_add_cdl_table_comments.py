"""add CDL table comments

Revision ID: a1b2c3d4e5f6
Revises: 5891d5443712
Create Date: 2025-10-17 10:31:05.246987

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1b2c3d4e5f6'
down_revision = '5891d5443712'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        COMMENT ON TABLE characters IS 'CDL core identity: one row per bot character';
        COMMENT ON TABLE character_llm_config IS 'Per-character LLM client settings';
        COMMENT ON TABLE character_deployment_config IS 'Container / health-check settings per bot';
        COMMENT ON TABLE character_discord_config IS 'Discord credentials and presence per bot';
        COMMENT ON COLUMN characters.normalized_name IS 'lower-case bot name, e.g. assistant, elena';
    """)


def downgrade():
    op.execute("""
        COMMENT ON TABLE characters IS NULL;
        COMMENT ON TABLE character_llm_config IS NULL;
        COMMENT ON TABLE character_deployment_config IS NULL;
        COMMENT ON TABLE character_discord_config IS NULL;
        COMMENT ON COLUMN characters.normalized_name IS NULL;
    """)
