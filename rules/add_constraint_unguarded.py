from __future__ import annotations

from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class AddConstraintUnguarded(SqlRule):
    """
    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT` outside a guard.

    ## Why is this bad?
    PostgreSQL has no `ADD CONSTRAINT IF NOT EXISTS`; when the constraint exists
    the upgrade fails with "already exists".

    ## Example
    ```python
    op.execute("ALTER TABLE traits ADD CONSTRAINT uq_trait UNIQUE (character_id, trait_name)")
    ```

    Use instead: a DO block that checks `pg_constraint` first, or catches
    `duplicate_object`:
    ```sql
    DO $$ BEGIN
        ALTER TABLE traits ADD CONSTRAINT uq_trait UNIQUE (character_id, trait_name);
    EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;
    END $$;
    ```
    """

    code = "MG205"
    name = "add-constraint-unguarded"
    consequence = "fails when the constraint already exists"
    fixable = False
    valid = (Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int")}),)
    invalid = (
        Example(
            files={"0001_r1.py": upgrade_running("ALTER TABLE t ADD CONSTRAINT uq UNIQUE (c)")},
            flagged=("r1",),
        ),
    )
