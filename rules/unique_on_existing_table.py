from __future__ import annotations

from collections.abc import Iterator

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import AUTOCOMMIT, DeployRule, is_true, revision, shown, where


class UniqueOnExistingTable(DeployRule):
    """
    ## What it does
    Flags `op.create_unique_constraint` and `op.create_primary_key` (and `ADD
    CONSTRAINT ... UNIQUE / PRIMARY KEY` in raw SQL) on an existing table, unless the
    SQL adds it `USING INDEX` an index built before. PostgreSQL only.

    Also `op.add_column` (and `batch_op.add_column`) of a Column given `unique=True`:
    Alembic adds the column, then the constraint by a statement of its own, `ALTER
    TABLE documents ADD UNIQUE (slug)`, whose unique index is built under the ACCESS
    EXCLUSIVE lock (the one the ADD COLUMN took, in the revision's transaction). Inside
    `batch_alter_table` the same two statements run on PostgreSQL. With `index=True` as
    well Alembic builds a `CREATE UNIQUE INDEX` instead, which MG401 reports. Only the
    literal `unique=True` is read. So is SQL's `ADD COLUMN ... UNIQUE`, whose unique index
    the statement builds itself.

    ## Why is this bad?
    The constraint builds its unique index under an ACCESS EXCLUSIVE lock: every read
    and write of the table waits for the whole build.

    ## Example
    ```python
    op.create_unique_constraint("users_email_key", "users", ["email"])
    op.add_column("documents", sa.Column("slug", sa.String(), unique=True))
    ```

    Use instead:
    ```python
    op.add_column("documents", sa.Column("slug", sa.String()))
    with op.get_context().autocommit_block():
        op.create_index("users_email_key", "users", ["email"], unique=True, postgresql_concurrently=True)
        op.create_index("documents_slug_key", "documents", ["slug"], unique=True, postgresql_concurrently=True)
    op.execute("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key")
    op.execute("ALTER TABLE documents ADD CONSTRAINT documents_slug_key UNIQUE USING INDEX documents_slug_key")
    ```
    """

    reads = frozenset({"create_unique_constraint", "create_primary_key", "add_column"})

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
                    "with op.batch_alter_table('docs', recreate='always') as batch_op:\n"
                    "    batch_op.create_unique_constraint('docs_name_key', ['name'])"
                )
            },
            note="a-batch-that-copies-the-table",  # langflow 1cb603706752
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
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('documents', sa.Column('id', sa.Integer()))\n"
                    "op.add_column('documents', sa.Column('slug', sa.String(), unique=True))\n"
                    "op.add_column('pages', sa.Column('slug', sa.String(), unique=False))"
                )
            },
            note="add-column-new-table-or-not-unique",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('documents', sa.Column('slug', sa.String(), unique=True, index=True))"
                )
            },
            note="add-column-unique-index-is-mg401s",
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
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('documents', sa.Column('slug', sa.String(), unique=True))"
                )
            },
            flagged=("r1",),
            note="add-column-unique",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.batch_alter_table('documents') as batch_op:\n"
                    "    batch_op.add_column(sa.Column('slug', sa.String(), unique=True))"
                )
            },
            flagged=("r1",),
            note="batch-add-column-unique-on-postgresql",
        ),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name == "add_column":
            yield from self._unique_column(rev_id, file, operation, context)
            return
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

    def _unique_column(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        """`add_column` of a Column given `unique=True` (facts/ops.py): Alembic adds the
        constraint by an `ALTER TABLE ... ADD UNIQUE (column)` of its own after the column.
        With `index=True` too it builds a unique index instead (MG401)."""
        if not is_true(operation.option("unique")) or is_true(operation.option("index")):
            return
        table = where(operation)
        if operation.via == "sql":  # `ALTER TABLE t ADD COLUMN c text UNIQUE`: one statement
            yield self.report(
                rev_id,
                file,
                operation,
                f"{shown(operation)} UNIQUE builds its unique index over every row of {table} under the"
                " statement's ACCESS EXCLUSIVE lock: every read and write waits for the whole build",
                "add the column without UNIQUE, then build a unique index CONCURRENTLY (outside the"
                " transaction) and ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name",
            )
            return
        if context.autocommit or "autocommit_block" in operation.blocks:
            lock = "an ACCESS EXCLUSIVE lock"
        else:
            lock = "the ACCESS EXCLUSIVE lock ADD COLUMN took"
        after = ", after the batch_alter_table block," if operation.via == "batch_op" else ""
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} with unique=True adds a unique constraint by an ALTER TABLE ... ADD UNIQUE"
            f" of its own after the column, which builds its unique index under {lock}:"
            f" every read and write of {table} waits for the whole build",
            f"add the column without unique=True, then{after} build a unique index with"
            f" postgresql_concurrently=True inside `{AUTOCOMMIT}`, then"
            " ALTER TABLE ... ADD CONSTRAINT name UNIQUE USING INDEX name",
        )
