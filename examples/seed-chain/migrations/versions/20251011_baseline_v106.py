"""v1.0.6 schema snapshot

Revision ID: 20251011_baseline_v106
Revises: 
Create Date: 2025-10-11 14:02:37.611248

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20251011_baseline_v106'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # Baseline: the schema that v1.0.6 created through sql/00_init.sql.
    # Existing v1.0.6 databases are stamped at this revision and fresh
    # installs get the tables from 00_init.sql, so there is nothing to run.
    pass


def downgrade():
    # Cannot downgrade below the baseline.
    pass
