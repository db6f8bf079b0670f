"""index pending jobs

Revision ID: 8874813826ef
Revises: bfad77d07b10
Create Date: 2025-10-09 10:31:57.213648

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8874813826ef'
down_revision = 'bfad77d07b10'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE jobs ALTER COLUMN payload TYPE JSONB USING payload::jsonb")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_jobs_pending ON jobs (queue, id) WHERE status = 'pending'"
    )


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_jobs_pending")
    op.execute("ALTER TABLE jobs ALTER COLUMN payload TYPE JSON USING payload::json")
