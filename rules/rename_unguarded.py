from __future__ import annotations

from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class RenameUnguarded(SqlRule):
    """
    ## What it does
    Flags a RENAME of a table, column or constraint outside a guard.

    ## Why is this bad?
    The second run finds the old name gone and fails ("does not exist"); there
    is no IF EXISTS form for a rename.

    ## Example
    ```python
    op.execute("ALTER TABLE characters RENAME COLUMN persona TO personality")
    ```

    Use instead: a DO block that renames only when the old name is still there
    (`IF EXISTS (SELECT 1 FROM information_schema.columns WHERE ...) THEN ... END IF`).
    """

    code = "MG206"
    name = "rename-unguarded"
    consequence = "fails once the old name is gone"
    fixable = False
    valid = (Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int")}),)
    invalid = (
        Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t RENAME COLUMN a TO b")}, flagged=("r1",)),
    )
