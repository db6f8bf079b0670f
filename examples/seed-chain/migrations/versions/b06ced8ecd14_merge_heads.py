"""merge heads

Revision ID: b06ced8ecd14
Revises: 20251019_conv_summaries, c5bc995c619f
Create Date: 2025-10-19 08:40:11.983527

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b06ced8ecd14'
down_revision = ('20251019_conv_summaries', 'c5bc995c619f')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
