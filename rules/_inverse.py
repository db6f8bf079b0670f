"""What the downgrade-integrity rules (MG501, MG504) share: whether downgrade() can be read
side by side with upgrade(), and version files with both, for their examples."""

from __future__ import annotations

from ..model import RevisionFile

# SQL that may create or drop schema objects although miglint has no op fact for it
_DDL_WORDS = ("CREATE", "DROP", "ALTER", "RENAME")


def readable_downgrade(file: RevisionFile) -> bool:
    """downgrade() does schema work miglint reads in full: it exists, runs no `raise`, all
    its SQL was read, and neither function runs an `op.*` schema operation miglint does not
    know. A missing or empty downgrade() is MG503's finding; one that raises was never
    meant to run; SQL miglint cannot read may be the very inverse the rules look for."""
    if not file.has_downgrade or "downgrade" in file.raises:
        return False
    if any(p.entry == "downgrade" for p in file.sql_problems):
        return False
    if "unknown_op" in file.operation_names:
        return False  # a project's own op (op.drop_table_if_exists) in either function: not read
    for statement in file.sql:
        if statement.entry == "downgrade" and not statement.ops and statement.kind.startswith(_DDL_WORDS):
            return False  # a dialect whose statements sql/ops.py does not read
    return any(o.entry == "downgrade" for o in file.operations) or any(
        e.entry == "downgrade" for e in file.enums
    )


def revision(
    upgrade: str, downgrade: str = "pass", rev: str = "r1", header: str = "", down: str | None = None
) -> str:
    """A version file whose upgrade() and downgrade() run the given lines, for examples."""

    def body(lines: str) -> str:
        return "\n".join(f"    {line}" for line in lines.splitlines())

    top = f"{header}\n" if header else ""
    return (
        f"import sqlalchemy as sa\nfrom alembic import op\n{top}\nrevision = {rev!r}\ndown_revision = {down!r}\n\n\n"
        f"def upgrade():\n{body(upgrade)}\n\n\ndef downgrade():\n{body(downgrade)}\n"
    )
