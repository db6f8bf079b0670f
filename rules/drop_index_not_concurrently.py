from __future__ import annotations

from collections.abc import Container, Hashable, Iterator, Sequence

from ..graph import RevisionGraph
from ..history.deploy import DeployContext, bare
from ..lazydataclass import replace
from ..memo import summarised
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import (
    AUTOCOMMIT,
    DeployRule,
    autocommit_fix,
    exclusively_locked,
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
    reported less, not guessed. A raw `DROP INDEX` names no table: its table is the one the
    revisions before it made the index on (`op.create_index`, `CREATE INDEX ... ON`), under
    the name later renames gave it, when they all agree (warehouse); or, when no revision is
    seen making it (one made with its table, whose calls are not read), the table an earlier
    operation of the revision touched whose name SQLAlchemy's `ix_<table>_<column>` starts
    with (faraday); else it is reported, the lock assumed to be waited for. PostgreSQL only.

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
        Example(
            files={
                "0001_r1.py": revision("op.execute('CREATE UNIQUE INDEX ix_name ON packages (lower(name))')"),
                "0002_r2.py": revision("op.rename_table('packages', 'projects')", "r2", "r1"),
                "0003_r3.py": revision(
                    "op.add_column('projects', sa.Column('normalized', sa.Text()))\nop.execute('DROP INDEX ix_name')",
                    "r3",
                    "r2",
                ),
            },
            note="a-raw-drop-of-an-index-the-history-made-on-the-locked-table",  # warehouse 8bee9c119e41
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('agent_schedule', sa.Column('paused', sa.Boolean()))\n"
                    "op.execute('DROP INDEX IF EXISTS ix_agent_schedule_workspace_id')"
                )
            },
            note="a-raw-drop-of-an-index-sqlalchemy-named-for-the-locked-table",  # faraday f82a9136c408
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": revision("op.drop_index('ix_a', table_name='users')")}, flagged=("r1",)),
        Example(
            files={
                "0001_r1.py": revision("op.execute('CREATE INDEX ix_slug ON projects (slug)')"),
                "0002_r2.py": revision(
                    "op.add_column('users', sa.Column('bio', sa.Text()))\nop.execute('DROP INDEX ix_slug')",
                    "r2",
                    "r1",
                ),
            },
            flagged=("r2",),
            note="the-lock-held-is-another-table-s",
        ),
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

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        self._graph = graph
        self._made: dict[str, list[tuple[str, str, str]]] | None = None  # revision -> _index_history
        self._tables: dict[tuple[str, str], str] = {}  # (revision, index) -> the index's table there
        yield from super().check_graph(graph)

    def memo_context(self, rev_id: str, file: RevisionFile) -> Hashable:
        # the table the history made each index on that a raw DROP INDEX of the revision drops
        names = summarised(self._graph.memo, "MG403/unnamed", file, _drops_naming_no_table)
        return tuple((name, self._table_at(rev_id, name)) for name in names)

    def _table_at(self, rev_id: str, index: str) -> str:
        """The table the revisions before `rev_id` made `index` on, under the name the renames
        between gave it; "" when none did, or they disagree."""
        found = self._tables.get((rev_id, index))
        if found is not None:
            return found
        graph = self._graph
        if self._made is None:
            self._made = {
                other: list(summarised(graph.memo, "MG403/indexes", file, _index_history))
                for other, file in graph.revisions.items()
                if not {"create_index", "rename_table"}.isdisjoint(file.upgrade_operation_names)
            }
        made_on: set[str] = set()  # the tables the index was made on, as named then
        table = ""
        for other in graph.earlier(rev_id, self._made):
            for kind, old, new in self._made[other]:
                if kind == "index" and old == index:
                    table = new
                    made_on.add(new)
                elif kind == "rename" and old == table:
                    table = new  # the index goes with its table
        found = table if len(made_on) == 1 else ""  # made on several tables: which one is not guessed
        self._tables[rev_id, index] = found
        return found

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
        table = (
            ""
            if operation.table
            else self._table_at(rev_id, bare(operation.target)) or _named_for(file, operation)
        )
        if table:  # a raw DROP INDEX of an index the history made on `table`
            if table in self._dropped:
                return
            placed = [replace(o, table=table) if o is operation else o for o in file.upgrade_operations]
            if (operation.span.line, operation.span.column) in exclusively_locked(placed, context):
                return
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} takes an ACCESS EXCLUSIVE lock on {where(operation)}: it waits behind "
            "running queries, and every read and write queues behind it",
            f"drop it with postgresql_concurrently=True (DROP INDEX CONCURRENTLY) inside `{AUTOCOMMIT}`",
            autocommit_fix(file.path, operation, True, "drop the index concurrently in an autocommit block"),
        )


def _drops_naming_no_table(file: RevisionFile) -> Iterator[str]:
    """The indexes upgrade()'s raw `DROP INDEX` statements drop (they name no table)."""
    for operation in file.upgrade_operations:
        if operation.name == "drop_index" and not operation.table and operation.target:
            yield bare(operation.target)


def _index_history(file: RevisionFile) -> Iterator[tuple[str, str, str]]:
    """("index", index, table) for each index upgrade() makes, ("rename", old, new) for each
    table it renames, in the order they run."""
    for operation in file.upgrade_operations:
        if operation.name == "create_index" and operation.table and operation.target:
            yield ("index", bare(operation.target), bare(operation.table))
        elif operation.name == "rename_table" and operation.option("new_table_name"):
            yield ("rename", bare(operation.table), bare(operation.option("new_table_name") or ""))


def _named_for(file: RevisionFile, operation: OpFact) -> str:
    """The table an operation of upgrade() before `operation` touched whose name the index's
    starts with as SQLAlchemy names indexes (`ix_<table>_<column>`); the longest if several."""
    index = bare(operation.target)
    tables = set()
    for other in file.upgrade_operations:
        if other is operation:
            break
        table = bare(other.table)
        if table and index.startswith(f"ix_{table}_"):
            tables.add(table)
    return max(tables, key=len, default="")
