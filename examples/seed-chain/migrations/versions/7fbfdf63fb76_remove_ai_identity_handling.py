"""remove ai_identity_handling

Revision ID: 7fbfdf63fb76
Revises: 8b77eda62e71
Create Date: 2025-10-15 08:12:36.507719

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7fbfdf63fb76'
down_revision = '8b77eda62e71'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_column('characters', 'ai_identity_handling')


def downgrade():
    op.add_column('characters', sa.Column('ai_identity_handling', sa.JSON(), nullable=True))
