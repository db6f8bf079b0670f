from __future__ import annotations

from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class InsertWithoutConflictGuard(SqlRule):
    """
    ## What it does
    Flags an INSERT without ON CONFLICT, WHERE NOT EXISTS, or the dialect's
    INSERT IGNORE / INSERT OR IGNORE / MERGE.

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
    )
    invalid = (Example(files={"0001_r1.py": upgrade_running("INSERT INTO t VALUES (1)")}, flagged=("r1",)),)
