"""add users table

Revision ID: add-users-table
Revises: d1696ad254a5
Create Date: 2025-10-05 12:40:19.052288

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'add-users-table'
down_revision = 'd1696ad254a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('accounts.id'), nullable=False),
        sa.Column('email', sa.String(length=255), nullable=False, unique=True),
    )


def downgrade():
    op.drop_table('users')
