from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Iterator

from ..graph import RevisionGraph
from ..history.deploy import DeployContext, bare
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import DeployRule, column_of, revision, shown

_NOT_NULL_CHECK = re.compile(r"[\"`]?(\w+)[\"`]?\s+IS\s+NOT\s+NULL", re.I)


class SetNotNull(DeployRule):
    """
    ## What it does
    Flags `op.alter_column(..., nullable=False)` and `ALTER COLUMN ... SET NOT NULL` on
    an existing table, unless some revision adds a `CHECK (column IS NOT NULL)`
    constraint on that table (the safe recipe's first steps: PostgreSQL 12+ then skips
    the scan). PostgreSQL only.

    ## Why is this bad?
    SET NOT NULL scans the whole table to prove no row is NULL, holding an ACCESS
    EXCLUSIVE lock that blocks every read and write for the length of the scan.

    ## Example
    ```python
    op.alter_column("users", "email", nullable=False)
    ```

    Use instead, over two revisions:
    ```python
    op.create_check_constraint("users_email_not_null", "users", "email IS NOT NULL", postgresql_not_valid=True)
    # next revision:
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null")
    op.alter_column("users", "email", nullable=False)  # no scan on PostgreSQL 12+
    op.drop_constraint("users_email_not_null", "users")
    ```
    """

    reads = frozenset({"alter_column"})

    code = "MG406"
    name = "set-not-null"
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_check_constraint('ck', 'users', 'email IS NOT NULL', postgresql_not_valid=True)"
                ),
                "0002_r2.py": revision(
                    "op.execute('ALTER TABLE users VALIDATE CONSTRAINT ck')\n"
                    "op.alter_column('users', 'email', nullable=False)",
                    "r2",
                    "r1",
                ),
            }
        ),
        Example(files={"0001_r1.py": revision("op.alter_column('users', 'email', nullable=True)")}),
    )
    invalid = (
        Example(
            files={"0001_r1.py": revision("op.alter_column('users', 'email', nullable=False)")},
            flagged=("r1",),
        ),
        Example(
            files={"0001_r1.py": revision('op.execute("ALTER TABLE users ALTER COLUMN email SET NOT NULL")')},
            flagged=("r1",),
            note="raw-sql",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        memo = graph.memo
        checked: set[tuple[str, ...]] = set()
        for file in graph.revisions.values():
            if "create_check_constraint" in file.operation_names:
                compute = functools.partial(_not_null_checks, file)
                checked.update(
                    compute() if memo is None else memo.summary("MG406/checks", file.path, compute)
                )
        self._checked = checked
        self._memo = memo
        yield from super().check_graph(graph)

    def memo_context(self, rev_id: str, file: RevisionFile) -> Hashable:
        # the NOT NULL checks the history adds on this revision's columns
        if not self._checked:
            return frozenset()  # most histories: the revision's operations are not even read
        compute = functools.partial(_altered_columns, file)
        altered = compute() if self._memo is None else self._memo.summary("MG406/altered", file.path, compute)
        return frozenset(pair for pair in altered if pair in self._checked)

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name != "alter_column" or operation.option("nullable") != "False":
            return
        if operation.option("existing_nullable") == "False":
            return  # already NOT NULL: PostgreSQL has nothing to check
        if (bare(operation.table), operation.target.lower()) in self._checked:
            return
        column = column_of(operation)
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} sets {column} NOT NULL: PostgreSQL scans the whole table under an "
            "ACCESS EXCLUSIVE lock that blocks every read and write",
            "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later revision, "
            "then SET NOT NULL (no scan on PostgreSQL 12+) and drop the check",
        )


def _not_null_checks(file: RevisionFile) -> tuple[tuple[str, str], ...]:
    """(table, column) of each column a CHECK (column IS NOT NULL) of upgrade() covers."""
    return tuple(
        (bare(o.table), column.lower())
        for o in file.upgrade_operations
        if o.name == "create_check_constraint"
        for column in _NOT_NULL_CHECK.findall(o.option("condition") or "")
    )


def _altered_columns(file: RevisionFile) -> tuple[tuple[str, str], ...]:
    return tuple(
        (bare(o.table), o.target.lower()) for o in file.upgrade_operations if o.name == "alter_column"
    )
