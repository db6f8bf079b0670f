from __future__ import annotations

from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class InsertWithoutConflictGuard(SqlRule):
    """
    ## What it does
    Flags an INSERT without ON CONFLICT, WHERE NOT EXISTS, or the dialect's
    INSERT IGNORE / INSERT OR IGNORE / MERGE.

    Read in order with the rest of its function: not reported where an earlier
    statement on the same Python path (or an enclosing one) makes it safe, nor
    inside Python that looks the object up first (an `if` on a `pg_*` /
    `information_schema` / inspector lookup or on `.first()` / `.scalar()` of a
    SELECT, an early `return` after one, a `try` that catches the database error, an
    `except IndexError` after an empty lookup). Safe where it stands: an INSERT
    after a `DELETE FROM` the same table (with any WHERE: the usual "replace these
    rows" pattern is accepted as such) or a `TRUNCATE` of it, or into a table that
    is new on each run (dropped or made TEMPORARY earlier, or made by
    `op.create_table` without `if_not_exists`: a second run stops there). After a
    raw `CREATE TABLE` it stays reported: `--fix` makes that create idempotent, and
    the INSERT would then run twice. Where miglint cannot tell, it reports less
    rather than guess: names are compared without their schema.

    ## Why is this bad?
    Run again - a re-applied revision, a database stamped below it - the insert
    fails on a unique key or, worse, duplicates the rows it seeds.

    ## Example
    ```python
    op.execute("INSERT INTO personality_traits (character_id, trait_name) VALUES (1, 'warm')")
    ```

    Use instead:
    ```python
    op.execute(
        "INSERT INTO personality_traits (character_id, trait_name) VALUES (1, 'warm') "
        "ON CONFLICT (character_id, trait_name) DO NOTHING"
    )
    ```
    or `INSERT ... SELECT ... WHERE NOT EXISTS (...)` where there is no unique key.
    """

    code = "MG204"
    name = "insert-without-conflict-guard"
    consequence = "duplicates its rows, or fails on a unique key, when run again"
    valid = (
        Example(files={"0001_r1.py": upgrade_running("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING")}),
        Example(
            files={"0001_r1.py": upgrade_running("DELETE FROM t WHERE id = 1", "INSERT INTO t VALUES (1)")},
            note="delete-first",
        ),
    )
    invalid = (Example(files={"0001_r1.py": upgrade_running("INSERT INTO t VALUES (1)")}, flagged=("r1",)),)
