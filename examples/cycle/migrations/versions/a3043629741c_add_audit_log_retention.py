"""add audit log retention

Revision ID: a3043629741c
Revises: 6d22bc6f275a
Create Date: 2025-10-09 10:05:28.667243

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3043629741c'
down_revision = '6d22bc6f275a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE audit_log SET expires_at = created_at + interval '365 days' WHERE expires_at IS NULL")


def downgrade() -> None:
    op.drop_column('audit_log', 'expires_at')
