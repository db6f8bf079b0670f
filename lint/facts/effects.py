"""What a revision's upgrade does, as far as its code shows: for plans and runner messages."""

from __future__ import annotations

from ..model import RevisionFile

_DATA = ("INSERT", "UPDATE", "DELETE", "MERGE")


def creates_tables(file: RevisionFile) -> bool:
    return any(
        s.entry == "upgrade" and s.kind.startswith("CREATE") and "TABLE" in s.kind for s in file.sql
    ) or any(o.entry == "upgrade" and o.name == "create_table" and o.via == "op" for o in file.operations)


def changes_data(file: RevisionFile) -> bool:
    return any(s.entry == "upgrade" and s.kind in _DATA for s in file.sql)


def effects(file: RevisionFile) -> tuple[str, ...]:
    """Short phrases for what the upgrade does: "creates tables", "changes data"."""
    found = []
    if creates_tables(file):
        found.append("creates tables")
    if changes_data(file):
        found.append("changes data")
    return tuple(found)
