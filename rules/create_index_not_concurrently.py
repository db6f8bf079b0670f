from __future__ import annotations

from collections.abc import Iterator

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import AUTOCOMMIT, DeployRule, autocommit_fix, is_true, revision, shown, where


class CreateIndexNotConcurrently(DeployRule):
    """
    ## What it does
    Flags `op.create_index`, `batch_op.create_index` and a raw `CREATE INDEX` on an
    existing table without `postgresql_concurrently=True` / `CONCURRENTLY`. A table
    created earlier in the same revision is new and not flagged; so is one created by
    a revision that is not deployed yet, when miglint knows what is deployed
    (`--against REF` or `[tool.miglint] deployed`). PostgreSQL only (the `dialect`
    setting, or a version directory named after another dialect, turns it off).

    ## Why is this bad?
    A plain CREATE INDEX holds a SHARE lock on the table for the whole build: every
    INSERT, UPDATE and DELETE waits, for minutes on a large table. CONCURRENTLY builds
    it without blocking writes, but cannot run inside a transaction.

    ## Example
    ```python
    op.create_index("ix_users_email", "users", ["email"])
    ```

    Use instead:
    ```python
    with op.get_context().autocommit_block():
        op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
    ```

    ## Fix safety
    The fix passes `postgresql_concurrently=True` and wraps the call in
    `with op.get_context().autocommit_block():`. It is unsafe: the block commits what
    the revision did before it, so a later failure no longer rolls that back, and a
    failed concurrent build leaves an INVALID index to drop by hand.
    `--unsafe-fixes` applies it (only to an `op.` call that is a statement of its own).
    """

    reads = frozenset({"create_index"})

    code = "MG401"
    name = "create-index-not-concurrently"
    fixable = True
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.get_context().autocommit_block():\n"
                    "    op.create_index('ix_a', 'users', ['a'], postgresql_concurrently=True)"
                )
            }
        ),
        Example(
            files={
                "0001_r1.py": revision("op.create_table('users')\nop.create_index('ix_a', 'users', ['a'])")
            },
            note="table-created-in-the-same-revision",
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": revision("op.create_index('ix_a', 'users', ['a'])")}, flagged=("r1",)),
        Example(
            files={"0001_r1.py": revision('op.execute("CREATE UNIQUE INDEX ix_b ON users (b)")')},
            flagged=("r1",),
            note="raw-sql",
        ),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name != "create_index" or is_true(operation.option("postgresql_concurrently")):
            return
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} builds the index under a SHARE lock on {where(operation)}: "
            "every INSERT, UPDATE and DELETE waits for the whole build",
            f"build it with postgresql_concurrently=True (CREATE INDEX CONCURRENTLY) inside `{AUTOCOMMIT}`",
            autocommit_fix(file.path, operation, True, "build the index concurrently in an autocommit block"),
        )
