"""Runner code: the scripts that call `alembic stamp` and `upgrade`, read statically."""
