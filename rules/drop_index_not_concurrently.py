from __future__ import annotations

from collections.abc import Container, Iterator, Sequence

from ..history.deploy import DeployContext, bare
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import (
    AUTOCOMMIT,
    DeployRule,
    autocommit_fix,
    is_true,
    revision,
    shown,
    where,
)


class DropIndexNotConcurrently(DeployRule):
    """
    ## What it does
    Flags `op.drop_index` and a raw `DROP INDEX` without `postgresql_concurrently=True`
    / `CONCURRENTLY`, unless the index's table is new (created earlier in the revision
    or by an undeployed one), the revision drops the table too (autogenerate drops a
    table's indexes first; the DROP TABLE takes the same lock anyway), or an earlier
    statement of the revision's transaction already holds ACCESS EXCLUSIVE on the table
    (an `op.add_column`, `alter_column`, a `rename_table` under either name, another
    `drop_index`, a raw `ALTER TABLE ... RENAME CONSTRAINT`...: the lock was waited for there, and the drop queues no one; not across
    `autocommit_block()`, a COMMIT, or an env.py whose AUTOCOMMIT isolation level commits
    each statement). A module function's statements run where upgrade() calls it, wherever
    it is written. An earlier statement inside an `if` counts as run:
    reported less, not guessed. PostgreSQL only.

    ## Why is this bad?
    DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is
    quick, but the lock waits behind every running query on the table, and every read
    and write that arrives meanwhile queues behind the lock: a long report query turns
    a drop into an outage.

    ## Example
    ```python
    op.drop_index("ix_users_email", table_name="users")
    ```

    Use instead:
    ```python
    with op.get_context().autocommit_block():
        op.drop_index("ix_users_email", table_name="users", postgresql_concurrently=True)
    ```

    ## Fix safety
    As MG401's: unsafe, the autocommit block commits what the revision did before it.
    """

    reads = frozenset({"drop_index"})

    code = "MG403"
    name = "drop-index-not-concurrently"
    fixable = True
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.get_context().autocommit_block():\n"
                    "    op.drop_index('ix_a', table_name='users', postgresql_concurrently=True)"
                )
            }
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('messaging_template', sa.Column('is_enabled', sa.Boolean()))\n"
                    "op.alter_column('messaging_template', 'content', nullable=True)\n"
                    "op.drop_index('ix_messaging_template_type', table_name='messaging_template')"
                )
            },
            note="the-transaction-already-holds-the-lock",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    'op.execute("ALTER TABLE jobs RENAME CONSTRAINT jobs_key_unique TO uq_jobs_key")\n'
                    "op.drop_index('ix_jobs_key', table_name='jobs')"
                )
            },
            note="a-raw-rename-constraint-holds-it-too",
        ),
        Example(
            files={
                "0001_r1.py": "revision = 'r1'\ndown_revision = None\n\n\n"
                "def _drop_old_index():\n    op.drop_index('ix_jobs_key', table_name='jobs')\n\n\n"
                "def upgrade():\n    op.alter_column('jobs', 'owner_id', nullable=True)\n    _drop_old_index()\n"
            },
            note="a-helper-written-above-upgrade-runs-where-it-is-called",
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": revision("op.drop_index('ix_a', table_name='users')")}, flagged=("r1",)),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.drop_index('ix_a', table_name='users')\nop.drop_index('ix_b', table_name='users')"
                )
            },
            flagged=("r1",),
            note="the-first-drop-takes-the-lock",
        ),
        Example(
            files={"0001_r1.py": revision('op.execute("DROP INDEX ix_a")')}, flagged=("r1",), note="raw-sql"
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
        # an index dropped before its table (autogenerate's order) goes with the table anyway
        self._dropped = {bare(o.table) for o in operations if o.name == "drop_table"}
        yield from super().check_revision(rev_id, file, operations, known_new, context)

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name != "drop_index" or is_true(operation.option("postgresql_concurrently")):
            return
        if operation.table and bare(operation.table) in self._dropped:
            return
        if self.held_exclusively(file, operation, context):
            return  # the lock is already held there
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} takes an ACCESS EXCLUSIVE lock on {where(operation)}: it waits behind "
            "running queries, and every read and write queues behind it",
            f"drop it with postgresql_concurrently=True (DROP INDEX CONCURRENTLY) inside `{AUTOCOMMIT}`",
            autocommit_fix(file.path, operation, True, "drop the index concurrently in an autocommit block"),
        )
