from __future__ import annotations

from collections.abc import Hashable, Iterator

from ..graph import RevisionGraph
from ..history.deploy import DeployContext, bare
from ..memo import summarised
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

    Also `op.add_column` (and `batch_op.add_column`) of a Column given `index=True`:
    Alembic adds the column, then builds the index by a statement of its own, `CREATE
    INDEX ix_documents_folder_id ON documents (folder_id)` (`CREATE UNIQUE INDEX` when
    the Column has `unique=True` too). In the revision's transaction the build runs under
    the ACCESS EXCLUSIVE lock the ADD COLUMN took, so reads of the table wait too; inside
    `autocommit_block()` it holds SHARE alone. Inside `batch_alter_table` the same two
    statements run on PostgreSQL (the table is rebuilt only on SQLite). Only the literal
    `index=True` is read: an `index=` given by a variable is not reported.

    ## Why is this bad?
    A plain CREATE INDEX holds a SHARE lock on the table for the whole build: every
    INSERT, UPDATE and DELETE waits, for minutes on a large table. CONCURRENTLY builds
    it without blocking writes, but cannot run inside a transaction. On a materialized view
    (one the history makes by `CREATE MATERIALIZED VIEW`) nothing writes: what waits is its
    REFRESH, and the message says so.

    ## Example
    ```python
    op.create_index("ix_users_email", "users", ["email"])
    op.add_column("documents", sa.Column("folder_id", sa.Integer(), index=True))
    ```

    Use instead:
    ```python
    op.add_column("documents", sa.Column("folder_id", sa.Integer()))
    with op.get_context().autocommit_block():
        op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
        op.create_index(
            op.f("ix_documents_folder_id"), "documents", ["folder_id"], postgresql_concurrently=True
        )
    ```

    ## Fix safety
    The fix passes `postgresql_concurrently=True` and wraps the call in
    `with op.get_context().autocommit_block():`. It is unsafe: the block commits what
    the revision did before it, so a later failure no longer rolls that back, and a
    failed concurrent build leaves an INVALID index to drop by hand.
    `--unsafe-fixes` applies it (only to an `op.` call that is a statement of its own).
    `add_column(..., index=True)` has no fix: the index needs a call of its own.
    """

    reads = frozenset({"create_index", "add_column"})

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
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('documents', sa.Column('id', sa.Integer()))\n"
                    "op.add_column('documents', sa.Column('folder_id', sa.Integer(), index=True))\n"
                    "op.add_column('pages', sa.Column('folder_id', sa.Integer(), index=False, unique=True))"
                )
            },
            note="add-column-new-table-or-no-index",
        ),
        Example(
            files={
                "0001_r1.py": revision("op.create_index('ix_a', 'users', ['a'])"),
                "0002_r2.py": revision("op.create_table('documents')", rev="r2", down="r1"),
                "0003_r3.py": revision(
                    "op.add_column('documents', sa.Column('folder_id', sa.Integer(), index=True))",
                    rev="r3",
                    down="r2",
                ),
            },
            project_files={"pyproject.toml": '[tool.miglint]\ndeployed = "r1"\n'},
            note="add-column-table-of-an-undeployed-revision",
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": revision("op.create_index('ix_a', 'users', ['a'])")}, flagged=("r1",)),
        Example(
            files={"0001_r1.py": revision('op.execute("CREATE UNIQUE INDEX ix_b ON users (b)")')},
            flagged=("r1",),
            note="raw-sql",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('documents', sa.Column('folder_id', sa.Integer(), index=True))"
                )
            },
            flagged=("r1",),
            note="add-column-index",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.batch_alter_table('documents') as batch_op:\n"
                    "    batch_op.add_column(sa.Column('slug', sa.String(), index=True, unique=True))"
                )
            },
            flagged=("r1",),
            note="batch-add-column-unique-index-on-postgresql",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        # the materialized views the history makes: an index on one blocks its REFRESH, not writes
        self._matviews = frozenset(
            name
            for file in graph.revisions.values()
            if "create_table" in file.operation_names
            for name in summarised(graph.memo, "MG401/matviews", file, _materialized_views)
        )
        yield from super().check_graph(graph)

    def memo_context(self, rev_id: str, file: RevisionFile) -> Hashable:
        # which of the revision's index tables the history makes as materialized views
        if not self._matviews:
            return frozenset()
        return frozenset(bare(o.table) for o in file.upgrade_operations if bare(o.table) in self._matviews)

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name == "add_column":
            yield from self._column_index(rev_id, file, operation, context)
            return
        if operation.name != "create_index" or is_true(operation.option("postgresql_concurrently")):
            return
        if self.held_exclusively(file, operation, context):
            # the build runs in the transaction that altered the table: under that lock, not SHARE
            lock = (
                f"the ACCESS EXCLUSIVE lock an earlier statement of the revision took on {where(operation)}:"
                " every read and write waits"
            )
        elif bare(operation.table) in self._matviews:
            lock = f"a SHARE lock on the materialized view {where(operation)}: every REFRESH of it waits"
        else:
            lock = f"a SHARE lock on {where(operation)}: every INSERT, UPDATE and DELETE waits"
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} builds the index under {lock} for the whole build",
            f"build it with postgresql_concurrently=True (CREATE INDEX CONCURRENTLY) inside `{AUTOCOMMIT}`",
            autocommit_fix(file.path, operation, True, "build the index concurrently in an autocommit block"),
        )

    def _column_index(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        """`add_column` of a Column given `index=True` (facts/ops.py): Alembic builds the index
        by a CREATE INDEX of its own after the column (a UNIQUE one with `unique=True` too)."""
        if not is_true(operation.option("index")):
            return
        table = where(operation)
        unique = is_true(operation.option("unique"))
        kind = "a unique index" if unique else "an index"
        if context.autocommit or "autocommit_block" in operation.blocks:
            # ADD COLUMN committed on its own: the build holds SHARE alone
            lock = f"a SHARE lock on {table}: every INSERT, UPDATE and DELETE waits"
        else:
            # the ACCESS EXCLUSIVE lock ADD COLUMN took is held until the transaction commits
            lock = f"the ACCESS EXCLUSIVE lock ADD COLUMN took: every read and write of {table} waits"
        after = ", after the batch_alter_table block," if operation.via == "batch_op" else ""
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} with index=True builds {kind} by a CREATE {'UNIQUE ' if unique else ''}INDEX"
            f" of its own after the column, under {lock} for the whole build",
            f"add the column without index=True, then{after} {_recipe(operation, unique)} inside `{AUTOCOMMIT}`",
        )  # no fix: the index needs a call of its own


def _recipe(operation: OpFact, unique: bool) -> str:
    """The create_index call that builds the column's index concurrently, named as Alembic
    names it without a naming convention (`ix_<table>_<column>`; final, `op.f`)."""
    if not (operation.table and operation.target):
        return "op.create_index(..., postgresql_concurrently=True)"
    schema, _, table = operation.table.rpartition(".")
    name = "_".join(p for p in ("ix", schema, table, operation.target) if p).replace(".", "_")
    arguments = [f"op.f({name!r})", repr(table), repr([operation.target])]
    keywords = ([f"schema={schema!r}"] if schema else []) + (["unique=True"] if unique else [])
    return f"op.create_index({', '.join(arguments + keywords + ['postgresql_concurrently=True'])})"


def _materialized_views(file: RevisionFile) -> tuple[str, ...]:
    """The materialized views upgrade() makes (`CREATE MATERIALIZED VIEW`), bare."""
    return tuple(
        bare(o.table)
        for o in file.upgrade_operations
        if o.name == "create_table" and o.option("materialized")
    )
