"""add generic keyword templates

Revision ID: 2230add_keyword_templates
Revises: 1fd48f6d9650
Create Date: 2025-10-14 10:30:44.120587

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2230add_keyword_templates'
down_revision = '1fd48f6d9650'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE IF NOT EXISTS generic_keyword_templates (
            id SERIAL PRIMARY KEY,
            category VARCHAR(50) NOT NULL,
            keyword VARCHAR(100) NOT NULL,
            weight REAL NOT NULL DEFAULT 1.0,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            UNIQUE (category, keyword)
        )
    """)
    op.execute("""
        INSERT INTO generic_keyword_templates (category, keyword, weight) VALUES
            ('food', 'pizza', 1.0),
            ('food', 'coffee', 1.0),
            ('hobbies', 'hiking', 1.0),
            ('hobbies', 'gaming', 1.0),
            ('pets', 'dog', 1.0),
            ('pets', 'cat', 1.0)
        ON CONFLICT (category, keyword) DO NOTHING
    """)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS generic_keyword_templates")
