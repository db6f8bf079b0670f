from __future__ import annotations

from collections.abc import Container, Iterator, Sequence

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import DeployRule, creations, existing_at, is_true, revision, shown, where

# op functions whose statement locks its table (CONCURRENTLY aside)
LOCKING = frozenset({
    "create_index", "drop_index", "add_column", "alter_column", "drop_column", "drop_table", "rename_table",
    "create_foreign_key", "create_check_constraint", "create_unique_constraint", "create_primary_key",
    "create_exclude_constraint", "drop_constraint", "rename_constraint",
})  # fmt: skip


def takes_lock(operation: OpFact) -> bool:
    return operation.name in LOCKING and not (
        operation.name in ("create_index", "drop_index")
        and is_true(operation.option("postgresql_concurrently"))
        and "autocommit_block" in operation.blocks
    )


class MissingLockTimeout(DeployRule):
    """
    ## What it does
    Flags the first lock-taking operation on an existing table in a revision where
    neither the revision (`SET lock_timeout` / `SET LOCAL lock_timeout` through
    `op.execute`) nor env.py sets `lock_timeout`. A `lock_timeout` in env.py (in a
    SET it executes, or in the connection's options) covers every revision. Off by
    default. PostgreSQL only.

    ## Why is this bad?
    Even a quick ALTER TABLE waits for its lock behind every running query on the
    table, and every read and write that arrives meanwhile queues behind it: one long
    report query turns a millisecond change into an outage. A lock timeout makes the
    migration fail fast instead, to be retried.

    ## Example
    ```python
    def upgrade():
        op.add_column("users", sa.Column("plan", sa.String()))
    ```

    Use instead:
    ```python
    def upgrade():
        op.execute("SET LOCAL lock_timeout = '5s'")
        op.add_column("users", sa.Column("plan", sa.String()))
    ```
    or set it once in env.py for every revision.
    """

    code = "MG412"
    in_place = False  # see DeployRule.in_place
    name = "missing-lock-timeout"
    default_enabled = False
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute(\"SET lock_timeout = '5s'\")\nop.add_column('users', sa.Column('plan', sa.String()))"
                )
            }
        ),
    )
    invalid = (
        Example(
            files={"0001_r1.py": revision("op.add_column('users', sa.Column('plan', sa.String()))")},
            flagged=("r1",),
        ),
    )

    def check_revision(
        self,
        rev_id: str,
        file: RevisionFile,
        operations: Sequence[OpFact],
        known_new: Container[str],
        context: DeployContext,
    ) -> Iterator[Diagnostic]:
        if context.env_lock_timeout or any(
            o.name == "set" and o.target.lower() == "lock_timeout" for o in operations
        ):
            return
        created = creations(operations)
        for index, operation in enumerate(operations):
            if takes_lock(operation) and existing_at(operation, index, created, known_new):
                yield self.report(
                    rev_id,
                    file,
                    operation,
                    f"{shown(operation)} locks {where(operation)} with no lock_timeout set: while it waits "
                    "behind a running query, every read and write of the table queues behind it",
                    "run op.execute(\"SET LOCAL lock_timeout = '5s'\") first in upgrade(), "
                    "or set lock_timeout once in env.py",
                )
                return
