"""add tenant domain verification

Revision ID: 7e0450285519
Revises: 46796c709d64
Create Date: 2025-10-08 11:19:33.540227

"""
from alembic import op
import sqlalchemy as sa

from myapp.db.revision_ids import TENANT_DOMAINS_REV


# revision identifiers, used by Alembic.
revision = '7e0450285519'
down_revision = TENANT_DOMAINS_REV
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('tenant_domains', sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tenant_domains', sa.Column('verification_token', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('tenant_domains', 'verification_token')
    op.drop_column('tenant_domains', 'verified_at')
