from __future__ import annotations

from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class AddConstraintUnguarded(SqlRule):
    """
    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT` outside a guard.

    {guards}

    Safe where it stands: a DROP CONSTRAINT of the same name on the same table before it
    (with or without IF EXISTS), or a table new on each run (dropped or made TEMPORARY
    earlier, made by `op.create_table` without `if_not_exists`, or made by a raw `CREATE
    TABLE` that a later statement drops or renames away). An unnamed foreign key, check
    or unique constraint (`ADD FOREIGN KEY (...)`) is not reported: a second run adds a
    duplicate under a name the database makes up (`message_namespace_id_fkey1`), it does
    not fail; an unnamed primary key is.

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
    valid = (
        Example(files={"0001_r1.py": upgrade_running("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int")}),
        Example(
            files={
                "0001_r1.py": upgrade_running(
                    "ALTER TABLE t DROP CONSTRAINT IF EXISTS uq", "ALTER TABLE t ADD CONSTRAINT uq UNIQUE (c)"
                )
            },
            note="drop-constraint-first",
        ),
        Example(
            files={
                "0001_r1.py": upgrade_running(
                    "ALTER TABLE message ADD FOREIGN KEY (ns_id) REFERENCES ns (id)"
                )
            },
            note="unnamed-foreign-key",  # nylas: a second run adds message_ns_id_fkey1
        ),
    )
    invalid = (
        Example(
            files={"0001_r1.py": upgrade_running("ALTER TABLE t ADD CONSTRAINT uq UNIQUE (c)")},
            flagged=("r1",),
        ),
        Example(
            files={"0001_r1.py": upgrade_running("ALTER TABLE t ADD PRIMARY KEY (id)")},
            flagged=("r1",),
            note="unnamed-primary-key",
        ),
    )
