from __future__ import annotations

from collections.abc import Container, Iterator, Sequence

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import EXCLUSIVE, DeployRule, existing, is_true, revision, shown, where

_DATA = ("INSERT", "UPDATE", "DELETE", "MERGE")


class WorkAfterExclusiveLock(DeployRule):
    """
    ## What it does
    Flags the first statement that runs, in the same transaction, after one that took
    an ACCESS EXCLUSIVE lock on an existing table (ALTER TABLE ... ADD / ALTER / DROP
    COLUMN, RENAME, ADD CONSTRAINT, DROP INDEX): another op call, or a data change run
    through `op.execute`. Work inside `autocommit_block()` and after a COMMIT is not
    in that transaction. Off by default. PostgreSQL only. (Without
    `transaction_per_migration = True` in env.py, the lock is even held through the
    revisions that follow.)

    ## Why is this bad?
    A lock is held until the transaction ends: a quick ALTER TABLE followed by a slow
    backfill or index build keeps every read and write of the altered table waiting
    for all of it.

    ## Example
    ```python
    op.add_column("users", sa.Column("plan", sa.String()))
    op.execute("UPDATE users SET plan = 'free'")
    ```

    Use instead: put the locking statement last, or the other work in a revision of
    its own (with `transaction_per_migration = True` in env.py's `context.configure`).
    """

    code = "MG413"
    in_place = False  # see DeployRule.in_place
    name = "work-after-exclusive-lock"
    default_enabled = False
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute(\"UPDATE users SET plan = 'free'\")\n"
                    "op.add_column('users', sa.Column('plan', sa.String()))"
                )
            }
        ),
        Example(  # the block commits the ALTER's transaction: the UPDATE runs in a new one
            files={
                "0001_r1.py": revision(
                    "op.add_column('users', sa.Column('plan', sa.String()))\n"
                    "with op.get_context().autocommit_block():\n"
                    "    op.create_index('ix_plan', 'users', ['plan'], postgresql_concurrently=True)\n"
                    "op.execute(\"UPDATE users SET plan = 'free'\")"
                )
            }
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('users', sa.Column('plan', sa.String()))\n"
                    "op.execute(\"UPDATE users SET plan = 'free'\")"
                )
            },
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
        if context.autocommit:
            return
        data = [
            OpFact(s.kind.lower(), s.target, "", s.span, s.function, s.entry, "sql")
            for s in file.sql
            if s.entry == "upgrade" and s.kind in _DATA
        ]
        steps = sorted([*operations, *data], key=lambda o: (o.span.line, o.span.column))
        holder: OpFact | None = None
        for index, step in enumerate(steps):
            if "autocommit_block" in step.blocks or step.name == "commit":
                # autocommit_block() commits the transaction before its body and starts a
                # new one after it: the lock taken before it is released there
                holder = None
                continue
            if holder is not None and step.name not in (
                "set",
                "empty_table",
            ):  # (the DELETE's own step reports)
                yield self.report(
                    rev_id,
                    file,
                    step,
                    f"{shown(step) if step.via != 'sql' or step.name in EXCLUSIVE else step.name.upper()} runs "
                    f"while {shown(holder)} (line {holder.span.line}) holds an ACCESS EXCLUSIVE lock on "
                    f"{where(holder)}: every read and write of it waits until the transaction ends",
                    "put the locking statement last, or this work in a revision of its own "
                    "(transaction_per_migration = True in env.py)",
                )
                return
            if (
                step.name in EXCLUSIVE
                and not (step.name == "drop_index" and is_true(step.option("postgresql_concurrently")))
                and existing(step, [s for s in steps[:index] if s.name == "create_table"], known_new)
            ):
                holder = step
