"""add jobs attempts

Revision ID: eede24a0633b
Revises: bfad77d07b10
Create Date: 2025-10-09 10:44:26.507931

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eede24a0633b'
down_revision = 'bfad77d07b10'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite cannot ALTER constraints in place: batch mode recreates the table
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('ck_jobs_attempts_nonnegative', 'attempts >= 0')


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint('ck_jobs_attempts_nonnegative', type_='check')
        batch_op.drop_column('attempts')
