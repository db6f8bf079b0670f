"""guarded the right way

Revision ID: e95a17c3b208
Revises: b41e8c6d90f2
Create Date: 2025-10-20 08:05:19.902113

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e95a17c3b208'
down_revision = 'b41e8c6d90f2'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE IF NOT EXISTS communication_styles (id SERIAL PRIMARY KEY, style TEXT);
        INSERT INTO communication_styles (style) VALUES ('plain') ON CONFLICT DO NOTHING;
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
                CREATE TYPE mood AS ENUM ('calm', 'playful');
            END IF;
        END $$;
        ALTER TABLE characters DROP COLUMN IF EXISTS legacy_json;
    """)


def downgrade():
    op.execute("DROP TABLE IF EXISTS communication_styles")
