"""index audit log by account

Revision ID: 6d22bc6f275a
Revises: d5c02245d4cd
Create Date: 2025-10-08 16:42:55.310798

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d22bc6f275a'
down_revision = 'd5c02245d4cd'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_log_account_created', 'audit_log', ['account_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_audit_log_account_created', table_name='audit_log')
