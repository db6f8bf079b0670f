from __future__ import annotations

from collections.abc import Iterator

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import DeployRule, revision, shown, where


class UniqueOnExistingTable(DeployRule):
    """
    ## What it does
    Flags `op.create_unique_constraint` and `op.create_primary_key` (and `ADD
    CONSTRAINT ... UNIQUE / PRIMARY KEY` in raw SQL) on an existing table, unless the
    SQL adds it `USING INDEX` an index built before. PostgreSQL only.

    ## Why is this bad?
    The constraint builds its unique index under an ACCESS EXCLUSIVE lock: every read
    and write of the table waits for the whole build.

    ## Example
    ```python
    op.create_unique_constraint("users_email_key", "users", ["email"])
    ```

    Use instead:
    ```python
    with op.get_context().autocommit_block():
        op.create_index("users_email_key", "users", ["email"], unique=True, postgresql_concurrently=True)
    op.execute("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key")
    ```
    """

    reads = frozenset({"create_unique_constraint", "create_primary_key"})

    code = "MG409"
    name = "unique-on-existing-table"
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX ix')"
                )
            }
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('package_tmp', sa.Column('id', sa.Integer()), sa.Column('sha', sa.Text()))\n"
                    "op.execute('INSERT INTO package_tmp (id, sha) SELECT id, sha FROM package')\n"
                    "op.drop_table('package')\n"
                    "op.rename_table('package_tmp', 'package')\n"
                    "op.create_unique_constraint('uq_package_sha', 'package', ['sha'])"
                )
            },
            note="a-table-made-in-the-revision-and-renamed-into-place",
        ),
    )
    invalid = (
        Example(
            files={"0001_r1.py": revision("op.create_unique_constraint('uq', 'users', ['email'])")},
            flagged=("r1",),
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_unique_constraint('uq', 'package', ['sha'])\n"
                    "op.create_table('package_tmp', sa.Column('id', sa.Integer()))\n"
                    "op.rename_table('package_tmp', 'package')"
                )
            },
            flagged=("r1",),
            note="before-the-rename-the-table-is-the-old-one",
        ),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name not in ("create_unique_constraint", "create_primary_key"):
            return
        if operation.option("using_index"):
            return
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} builds a unique index on {where(operation)} under an ACCESS EXCLUSIVE lock: "
            "every read and write waits for the whole build",
            "build the unique index with postgresql_concurrently=True in an autocommit block, "
            "then ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name",
        )
