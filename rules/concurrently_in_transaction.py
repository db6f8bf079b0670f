from __future__ import annotations

from collections.abc import Container, Iterator, Sequence

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import ERROR, Example
from ._deploy_rule import AUTOCOMMIT, DeployRule, autocommit_fix, is_true, revision, shown


class ConcurrentlyInTransaction(DeployRule):
    """
    ## What it does
    Flags `postgresql_concurrently=True` (or `CONCURRENTLY` in raw SQL) outside
    `with op.get_context().autocommit_block():` (or a `with` block on a connection opened
    with `isolation_level="AUTOCOMMIT"`, its header on one line, or after such a connection
    is bound to a name in the same block, or after a statement that sets it on the revision's
    connection), and `op.execute("COMMIT")` or `.commit()` on the
    revision's connection (`op.get_bind().commit()`, or a name bound to it; not a Session's),
    the old workaround that ends Alembic's transaction behind its back. Not reported when env.py
    runs migrations outside a transaction (an AUTOCOMMIT isolation level). Reported under
    `transactional_ddl=False`: Alembic (1.5 and later) then begins a transaction of its own
    for each migration, and CONCURRENTLY fails in it as in any. Every table counts, new or
    not: the statement fails either way.

    `op.get_bind().execution_options(isolation_level="AUTOCOMMIT")` as a statement of its own
    sets the level on the DBAPI connection, which the connection it returns shares with the
    revision's: SQLAlchemy 1.3 switches it at once, and what follows it in the function runs
    outside a transaction (faraday). (From 2.0 the call itself raises inside Alembic's
    transaction, "isolation_level may not be altered": the CONCURRENTLY is never reached.)

    A CONCURRENTLY statement that follows an `op.execute("COMMIT")` in the same function
    is not reported on its own: whether it fails depends on the driver (psycopg2 does not
    notice the COMMIT and sends the next statements outside any transaction, where they
    succeed; psycopg 3 begins a new transaction and they fail), and the COMMIT's finding
    already asks for the autocommit block that makes both safe.

    ## Why is this bad?
    Alembic runs each upgrade in a transaction on PostgreSQL, and CREATE/DROP INDEX
    CONCURRENTLY refuses to run in one ("cannot run inside a transaction block"): the
    deploy fails. A bare COMMIT ends the transaction Alembic still thinks it holds; the
    version table is then written outside the transaction of the revision it records.

    ## Example
    ```python
    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
    ```

    Use instead:
    ```python
    with op.get_context().autocommit_block():
        op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
    ```

    ## Fix safety
    The fix wraps the call in `with op.get_context().autocommit_block():`. It is
    unsafe: the block commits what the revision did before it.
    """

    code = "MG402"
    in_place = False  # see DeployRule.in_place
    name = "concurrently-in-transaction"
    severity = ERROR
    reads = frozenset({"commit", "create_index", "drop_index"})  # all its check_revision looks at
    fixable = True
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.get_context().autocommit_block():\n"
                    '    op.execute("CREATE INDEX CONCURRENTLY ix_a ON users (a)")'
                )
            }
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.get_context().autocommit_block():\n    _short_transaction('ALTER TABLE t ADD c int')"
                ).replace(
                    "\n\ndef upgrade",
                    "\n\ndef _short_transaction(sql):\n    op.execute('BEGIN')\n    op.execute(sql)\n"
                    "    op.execute('COMMIT')\n\n\ndef upgrade",
                )
            },
            note="a-helper-called-only-inside-the-block",  # Skyvern 0b0bd1875c6e
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    'op.get_bind().execution_options(isolation_level="AUTOCOMMIT")\n'
                    'op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON users (a)")'
                )
            },
            note="the-bind-set-to-autocommit-by-a-statement",  # faraday a9b75b0ddc01
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_index('ix_a', 'users', ['a'], postgresql_concurrently=True)"
                )
            },
            flagged=("r1",),
        ),
        Example(
            files={
                "0001_r1.py": revision('op.execute("COMMIT")\nop.execute("DROP INDEX CONCURRENTLY ix_a")')
            },
            flagged=("r1",),  # the COMMIT: what follows it depends on the driver
            note="commit-workaround",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "connection = op.get_bind()\nconnection.commit()\n"
                    "ac = connection.execution_options(isolation_level='AUTOCOMMIT')\n"
                    "ac.exec_driver_sql('CREATE INDEX CONCURRENTLY ix_a ON users (a)')"
                )
            },
            flagged=("r1",),  # the commit(): the index itself runs outside a transaction
            note="connection-commit",  # letta
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    'op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON users (a)")\n'
                    'op.get_bind().execution_options(isolation_level="AUTOCOMMIT")'
                )
            },
            flagged=("r1",),
            note="the-bind-set-to-autocommit-after-the-statement",
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
        committed: set[str] = set()  # functions that ran a COMMIT so far (operations are in order)
        for operation in operations:
            if "autocommit_block" in operation.blocks:
                continue
            if operation.name == "commit":
                committed.add(operation.function)
                yield self.report(
                    rev_id,
                    file,
                    operation,
                    "COMMIT ends the transaction Alembic runs the revision in: what follows runs "
                    "outside any transaction or in a new one, as the driver decides, and Alembic "
                    "records the revision as if nothing happened",
                    f"run the statements that need no transaction inside `{AUTOCOMMIT}` instead",
                )
            elif (
                operation.name in ("create_index", "drop_index")
                and is_true(operation.option("postgresql_concurrently"))
                and operation.function not in committed  # see the docstring: the COMMIT is the finding
            ):
                yield self.report(
                    rev_id,
                    file,
                    operation,
                    f"{shown(operation)} runs CONCURRENTLY inside the revision's transaction: PostgreSQL "
                    "refuses it (cannot run inside a transaction block) and the deploy fails",
                    f"run it inside `{AUTOCOMMIT}`",
                    autocommit_fix(file.path, operation, False, "run it in an autocommit block"),
                )
