from __future__ import annotations

from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class DropWithoutIfExists(SqlRule):
    """
    ## What it does
    Flags a DROP of any object without IF EXISTS, and `ALTER TABLE ... DROP COLUMN`
    / `DROP CONSTRAINT` without IF EXISTS. Only upgrade() is read unless
    `[tool.miglint] include-downgrade = true`.

    ## Why is this bad?
    A database that never had the object (a fresh install from a newer schema, a
    partially applied upgrade) fails with "does not exist".

    ## Example
    ```python
    op.execute("DROP TABLE legacy_roleplay")
    ```

    Use instead:
    ```python
    op.execute("DROP TABLE IF EXISTS legacy_roleplay")
    ```

    ## Fix safety
    Safe: IF EXISTS changes nothing where the object exists, and where it is missing
    the statement used to fail.
    """

    code = "MG203"
    name = "drop-without-if-exists"
    consequence = "fails when the object does not exist"
    valid = (Example(files={"0001_r1.py": upgrade_running("DROP TABLE IF EXISTS t")}),)
    invalid = (
        Example(files={"0001_r1.py": upgrade_running("DROP TABLE t")}, flagged=("r1",)),
        Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t DROP COLUMN c")}, flagged=("r1",)),
    )
