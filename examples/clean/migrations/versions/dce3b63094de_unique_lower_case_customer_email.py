"""unique lower-case customer email

Revision ID: dce3b63094de
Revises: 6532f5864580
Create Date: 2025-10-07 16:27:09.301884

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dce3b63094de'
down_revision = '6532f5864580'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # normalise existing rows first, otherwise the unique index fails on mixed-case duplicates
    op.execute("UPDATE customers SET email = lower(email) WHERE email <> lower(email)")
    with op.get_context().autocommit_block():
        op.create_index('ix_customers_email', 'customers', ['email'], unique=True, postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index('ix_customers_email', table_name='customers')
