from __future__ import annotations

from collections.abc import Iterator

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import DeployRule, is_true, revision, shown, where


class ConstraintNotValid(DeployRule):
    """
    ## What it does
    Flags `op.create_foreign_key` / `op.create_check_constraint` (and `ADD CONSTRAINT
    ... FOREIGN KEY / CHECK` in raw SQL) on an existing table without
    `postgresql_not_valid=True` / `NOT VALID`. PostgreSQL only.

    ## Why is this bad?
    Adding the constraint checks every existing row while holding the lock: SHARE ROW
    EXCLUSIVE on both tables for a foreign key, ACCESS EXCLUSIVE for a check. Writes
    (and, for a check, reads) wait for the whole scan. NOT VALID adds it at once
    (new rows are checked), and `VALIDATE CONSTRAINT` later scans under a lock that
    blocks neither reads nor writes.

    ## Example
    ```python
    op.create_foreign_key("orders_user_fk", "orders", "users", ["user_id"], ["id"])
    ```

    Use instead:
    ```python
    op.create_foreign_key("orders_user_fk", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)
    # next revision:
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk")
    ```
    """

    reads = frozenset({"create_foreign_key", "create_check_constraint"})

    code = "MG408"
    name = "constraint-not-valid"
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=True)\n"
                    "op.execute('ALTER TABLE orders ADD CONSTRAINT ck CHECK (total >= 0) NOT VALID')"
                )
            }
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": revision("op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'])")
            },
            flagged=("r1",),
        ),
        Example(
            files={"0001_r1.py": revision("op.create_check_constraint('ck', 'orders', 'total >= 0')")},
            flagged=("r1",),
            note="check",
        ),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name not in ("create_foreign_key", "create_check_constraint"):
            return
        if is_true(operation.option("postgresql_not_valid")):
            return
        lock = (
            "SHARE ROW EXCLUSIVE locks on it and the referenced table: writes wait"
            if operation.name == "create_foreign_key"
            else "an ACCESS EXCLUSIVE lock: reads and writes wait"
        )
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} checks every row of {where(operation)} under {lock} for the whole scan",
            "add it with postgresql_not_valid=True (NOT VALID), then VALIDATE CONSTRAINT in a later revision",
        )
