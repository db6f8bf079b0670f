"""add catalog search trigger

Revision ID: 274cedc4a5d9
Revises: b1dc4fa46d05
Create Date: 2025-10-08 15:09:41.208873

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '274cedc4a5d9'
down_revision: Union[str, Sequence[str], None] = 'b1dc4fa46d05'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("""
        CREATE OR REPLACE FUNCTION catalog_items_search_update() RETURNS trigger AS $$
        BEGIN
            NEW.search_vector := to_tsvector('simple', coalesce(NEW.title, '') || ' ' || coalesce(NEW.description, ''));
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql;
    """)
    op.execute("""
        CREATE TRIGGER catalog_items_search_trg
            BEFORE INSERT OR UPDATE ON catalog_items
            FOR EACH ROW EXECUTE FUNCTION catalog_items_search_update();
    """)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP TRIGGER IF EXISTS catalog_items_search_trg ON catalog_items")
    op.execute("DROP FUNCTION IF EXISTS catalog_items_search_update()")
