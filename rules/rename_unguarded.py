from __future__ import annotations

from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class RenameUnguarded(SqlRule):
    """
    ## What it does
    Flags a RENAME of a table, column or constraint outside a guard.

    {guards}

    Nor in the body of a `for` over the rows such a lookup found: what it renames is
    there when it runs. Safe where it stands: a rename of an object made earlier in the
    function, or the swap that makes the old name again and drops the new one later
    (`RENAME TO x_old; CREATE x; ...; DROP x_old`; a table written to under the old name
    later counts as made again: a helper miglint does not read made it).

    ## Why is this bad?
    The second run finds the old name gone and fails ("does not exist"). A column's
    or a constraint's rename has no IF EXISTS form; `ALTER TABLE/INDEX/SEQUENCE/VIEW IF
    EXISTS ... RENAME TO` guards the renamed object itself, and is not reported.

    ## Example
    ```python
    op.execute("ALTER TABLE characters RENAME COLUMN persona TO personality")
    ```

    Use instead: a DO block that renames only when the old name is still there
    (`IF EXISTS (SELECT 1 FROM information_schema.columns WHERE ...) THEN ... END IF`;
    for an index, `to_regclass('old_name') IS NOT NULL`), or `ALTER INDEX IF EXISTS`.
    """

    code = "MG206"
    name = "rename-unguarded"
    consequence = "fails once the old name is gone"
    fixable = False
    valid = (
        Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int")}),
        Example(
            files={
                "0001_r1.py": upgrade_running(
                    "ALTER TABLE t RENAME TO t_old", "CREATE TABLE t (id int)", "DROP TABLE t_old"
                )
            },
            note="swap",
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t RENAME COLUMN a TO b")}, flagged=("r1",)),
    )
