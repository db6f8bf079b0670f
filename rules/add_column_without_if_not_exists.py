from __future__ import annotations

from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class AddColumnWithoutIfNotExists(SqlRule):
    """
    ## What it does
    Flags `ALTER TABLE ... ADD COLUMN` without IF NOT EXISTS, in dialects that have
    it (PostgreSQL).

    {guards}

    Safe where it stands: a DROP COLUMN of the same column before it, or a table new on
    each run (dropped or made TEMPORARY earlier, made by `op.create_table` without
    `if_not_exists`, or made by a raw `CREATE TABLE` that a later statement drops or
    renames away).

    ## Why is this bad?
    When the column is already there (a database built from a newer schema file,
    then stamped at an older revision) the upgrade fails with "column already
    exists".

    ## Example
    ```python
    op.execute("ALTER TABLE characters ADD COLUMN emoji_style text")
    ```

    Use instead:
    ```python
    op.execute("ALTER TABLE characters ADD COLUMN IF NOT EXISTS emoji_style text")
    ```
    or `op.add_column(..., if_not_exists=True)` (Alembic >= 1.16).

    ## Fix safety
    Safe: IF NOT EXISTS changes nothing where the column is missing, and where it
    exists the statement used to fail. A column of that name with another type is
    kept as it is.
    """

    code = "MG202"
    name = "add-column-without-if-not-exists"
    consequence = "fails when the column already exists"
    valid = (
        Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int")}),
        Example(
            files={
                "0001_r1.py": upgrade_running(
                    "ALTER TABLE t DROP COLUMN IF EXISTS c", "ALTER TABLE t ADD COLUMN c int"
                )
            },
            note="drop-column-first",
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t ADD COLUMN c int")}, flagged=("r1",)),
    )
