from __future__ import annotations

from collections.abc import Iterator

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import DeployRule, revision, shown


class DropBreaksRunningCode(DeployRule):
    """
    ## What it does
    Flags `op.drop_column` / `batch_op.drop_column` / `op.drop_table` (and DROP TABLE,
    DROP COLUMN in raw SQL) in upgrade(), unless the table is new. Off by default: a
    drop is often the last step of a correct expand/contract, which miglint cannot
    tell from the code; turn it on to review every drop. Every dialect.

    ## Why is this bad?
    The release still running during the deploy may read the column or table (an ORM
    model lists every column in its SELECTs): its queries fail from the moment the
    migration commits.

    ## Example
    ```python
    op.drop_column("users", "legacy_flag")
    ```

    Use instead: remove every use of the column from the code (and from the ORM
    model) in one release, and drop it in a revision deployed after that release.
    """

    reads = frozenset({"drop_column", "drop_table"})

    code = "MG411"
    in_place = False  # see DeployRule.in_place
    name = "drop-breaks-running-code"
    postgres_only = False
    size_bound = False  # the old release breaks whatever the table's size
    default_enabled = False
    valid = (Example(files={"0001_r1.py": revision("op.create_table('tmp')\nop.drop_table('tmp')")}),)
    invalid = (
        Example(files={"0001_r1.py": revision("op.drop_column('users', 'legacy_flag')")}, flagged=("r1",)),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name == "drop_column":
            what = (
                f"drops column {operation.table}.{operation.target}" if operation.table else "drops a column"
            )
        elif operation.name == "drop_table":
            what = f"drops table {operation.table}"
        else:
            return
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} {what}: the release still running during the deploy may use it, "
            "and its queries fail from the moment the migration commits",
            "remove every use from the code (and the ORM model) first, and drop it in a later release",
        )
