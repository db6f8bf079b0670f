from __future__ import annotations

from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class DropWithoutIfExists(SqlRule):
    """
    ## What it does
    Flags a DROP of any object without IF EXISTS, and `ALTER TABLE ... DROP COLUMN`
    / `DROP CONSTRAINT` without IF EXISTS. Only upgrade() is read unless
    `[tool.miglint] include-downgrade = true`.

    {guards}

    Nor in the body of a `for` over the rows such a lookup found: what it drops is there
    when it runs. Safe where it stands: a drop of an object made earlier in the same
    function (a temporary table, a type renamed to `*_old`), or made again later in it
    (the drop and re-create pair runs again as a whole). A drop whose object is made
    again only in downgrade() is reported.

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
    valid = (
        Example(files={"0001_r1.py": upgrade_running("DROP TABLE IF EXISTS t")}),
        Example(
            files={
                "0001_r1.py": upgrade_running(
                    "ALTER TABLE t DROP CONSTRAINT ck", "ALTER TABLE t ADD CONSTRAINT ck CHECK (c > 0)"
                )
            },
            note="drop-then-re-create",
        ),
        Example(
            files={
                "0001_r1.py": upgrade_running(
                    "ALTER TYPE mood RENAME TO mood_old",
                    "CREATE TYPE mood AS ENUM ('a')",
                    "DROP TYPE mood_old",
                )
            },
            note="enum-swap",
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": upgrade_running("DROP TABLE t")}, flagged=("r1",)),
        Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t DROP COLUMN c")}, flagged=("r1",)),
    )
