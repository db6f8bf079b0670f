"""add article slug

Revision ID: 49b78c7ce5d5
Revises: d850ea306f5f
Create Date: 2025-10-06 13:12:48.231574

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '49b78c7ce5d5'
down_revision = 'd850ea306f5f'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('articles', sa.Column('slug', sa.String(length=200), nullable=True))
    op.create_index('ix_articles_slug', 'articles', ['slug'], unique=True)


def downgrade():
    op.drop_index('ix_articles_slug', table_name='articles')
    op.drop_column('articles', 'slug')
