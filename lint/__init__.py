"""miglint: a static linter for Alembic migration directories."""

__version__ = "0.1.0"
