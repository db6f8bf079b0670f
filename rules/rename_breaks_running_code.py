from __future__ import annotations

from collections.abc import Iterator

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import DeployRule, revision, shown


class RenameBreaksRunningCode(DeployRule):
    """
    ## What it does
    Flags `op.rename_table`, `op.alter_column(..., new_column_name=...)` and the
    RENAME statements of raw SQL in upgrade(), unless the table is new (created earlier
    in the revision, or by an undeployed revision). Every dialect.

    ## Why is this bad?
    During a deploy the old release keeps running until the new one replaces it; it
    still queries the old name, and every such query fails from the moment the
    migration commits.

    ## Example
    ```python
    op.alter_column("users", "name", new_column_name="full_name")
    ```

    Use instead: expand, then contract. Add the new column (written by both releases,
    or kept in step by a trigger), backfill it, move the code to it, and drop the old
    column in a later release; for a table, a view under the old name bridges the gap.
    """

    reads = frozenset({"rename_table", "alter_column"})

    code = "MG410"
    name = "rename-breaks-running-code"
    postgres_only = False
    size_bound = False  # the old release breaks whatever the table's size
    valid = (
        Example(
            files={"0001_r1.py": revision("op.create_table('drafts')\nop.rename_table('drafts', 'posts')")},
            note="new-table",
        ),
    )
    invalid = (
        Example(
            files={"0001_r1.py": revision("op.alter_column('users', 'name', new_column_name='full_name')")},
            flagged=("r1",),
        ),
        Example(
            files={"0001_r1.py": revision("op.rename_table('users', 'accounts')")},
            flagged=("r1",),
            note="table",
        ),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name == "rename_table":
            what = f"renames table {operation.table} to {operation.option('new_table_name') or 'a new name'}"
        elif operation.name == "alter_column" and operation.option("new_column_name") not in (None, "None"):
            new = (operation.option("new_column_name") or "").strip("'\"")
            what = f"renames column {operation.table}.{operation.target} to {new}"
        else:
            return
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} {what}: the release still running during the deploy uses the old name, "
            "and its queries fail until the new code is out",
            "expand and contract: add the new name beside the old one, move the code, "
            "and drop the old name in a later release",
        )
