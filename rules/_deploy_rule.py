"""What the deploy-safety rules (MG401-MG413) share: the revisions they look at, the
tables that are new, and the `with op.get_context().autocommit_block():` fix."""

from __future__ import annotations

from collections.abc import Container, Hashable, Iterable, Iterator, Sequence
from typing import ClassVar

from ..graph import RevisionGraph
from ..history.deploy import DeployContext, DeployScope, bare, creations, deploy_scope, on_postgres, table_of
from ..model import Diagnostic, Edit, Fix, OpFact, RevisionFile, Span
from ..rule import WARNING, GraphRule

AUTOCOMMIT = "with op.get_context().autocommit_block():"
_INDENT = "    "
_TABLE_FIRST = frozenset(
    {"add_column", "alter_column", "drop_column", "create_table", "drop_table", "rename_table"}
)
_SQL = {
    "create_index": "CREATE INDEX", "drop_index": "DROP INDEX", "add_column": "ADD COLUMN",
    "alter_column": "ALTER COLUMN", "drop_column": "DROP COLUMN", "drop_table": "DROP TABLE",
    "rename_table": "RENAME TABLE", "create_foreign_key": "ADD CONSTRAINT", "create_check_constraint":
    "ADD CONSTRAINT", "create_unique_constraint": "ADD CONSTRAINT", "create_primary_key": "ADD CONSTRAINT",
    "rename_constraint": "RENAME CONSTRAINT", "validate_constraint": "VALIDATE CONSTRAINT", "commit": "COMMIT",
}  # fmt: skip


class DeployRule(GraphRule):
    """Reads each revision's upgrade() operations (RevisionFile.operations).

    Only undeployed revisions are read when miglint knows what is deployed (`--against
    REF`, `[tool.miglint] deployed`); a table created earlier in the same revision, or
    by an undeployed revision before it, is new: it has no rows and no readers yet (so is
    a materialized view alembic_utils' `op.create_entity(PGMaterializedView(...))` made). The
    PostgreSQL rules skip branches that never run on PostgreSQL (facts/ops.py), what
    follows `if bind.dialect.name != "mysql": return` in the same block, and
    environments whose database is another: as `dialect` or a `versions/<dialect>/`
    directory says, or as a SQLite `PRAGMA` or a statement in MySQL's own syntax that
    PostgreSQL's parser refuses (`MODIFY COLUMN`, `UPDATE a JOIN b`, `DROP FOREIGN KEY`, `DROP INDEX ix ON t`,
    backquotes), or a drop of a constraint by the name InnoDB gives an unnamed foreign
    key (`penalty_ibfk_1`: PostgreSQL never makes that name, so the drop fails there, unless
    a database converted from MySQL kept its names: then these findings are missed; not when
    another revision writes that name itself, nor in a file with a branch for PostgreSQL), or a
    column given a type of MySQL's own that PostgreSQL cannot render (`mysql.MEDIUMTEXT()`,
    `LONGTEXT`, `TINYINT`...: in `create_table`, `add_column` or `alter_column(type_=...)`,
    not as `existing_type=` nor with a `.with_variant(...)`), run by upgrade() outside such a
    branch, proves. An ini's literal `sqlalchemy.url` is not
    taken for the database: projects write `sqlite:///app.db` there as a placeholder and
    set the real URL in code (keystone, nova, aodh, trove; quay's reads
    `sqlite:///will/be/overridden`).
    """

    severity = WARNING
    postgres_only = True  # the locks named are PostgreSQL's
    # The harm grows with the table: a step inside `if row_count < LIMIT:` is not reported.
    size_bound = True
    # the operations check_operation looks at (None: all): the others are skipped before
    # anything is asked about their table, in every revision of every run
    reads: ClassVar[frozenset[str] | None] = None
    # a revision's findings depend on its record, the tables new to it and `memo_context`
    memo = True
    # the hazard is an ALTER of the live table: `batch_alter_table(..., recreate="always")`
    # runs none, on PostgreSQL too (it creates a copy with the change, fills it, drops the
    # table and renames the copy: langflow's unique constraint); False where the copy has
    # the hazard as well (a rename, a drop, a lock taken without a timeout)
    in_place: ClassVar[bool] = True

    @classmethod
    def docs(cls) -> str:
        """The docstring, with what `in_place` means for the rule said before "Why"."""
        text = super().docs()
        return text.replace(_WHY, f"{_IN_PLACE_NOTE}\n\n{_WHY}", 1) if cls.in_place else text

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        context = graph.deploy
        if self.postgres_only and not on_postgres(graph):
            return
        scope = deploy_scope(graph)
        memo = graph.memo
        # most rules add nothing to the revision's context: not asked, in every revision
        extra = type(self).memo_context is not DeployRule.memo_context
        for rev_id, file in scope.ordered:
            if self.reads is not None and self.reads.isdisjoint(file.upgrade_operation_names):
                continue  # none of the operations this rule looks at
            if memo is None:
                yield from self._check_in_scope(rev_id, file, scope, context)
                continue
            revision_context: Hashable = scope.memo_context(rev_id, file)
            if extra:
                revision_context = (revision_context, self.memo_context(rev_id, file))
            found = memo.stored(self.code, file.path, revision_context)
            if found is None:
                checked = self._check_in_scope(rev_id, file, scope, context)
                found = memo.keep(self.code, file.path, revision_context, checked)
            yield from found

    def _check_in_scope(
        self, rev_id: str, file: RevisionFile, scope: DeployScope, context: DeployContext
    ) -> Iterator[Diagnostic]:
        known_new: Container[str] = scope.new_tables.get(rev_id, frozenset())
        return self.check_revision(rev_id, file, file.upgrade_operations, known_new, context)

    def memo_context(self, rev_id: str, file: RevisionFile) -> Hashable:
        """What the rule's findings in a revision depend on besides its record and the tables
        new to it: the history's facts on the revision's objects (lint/memo.py)."""
        return ()

    def check_revision(
        self,
        rev_id: str,
        file: RevisionFile,
        operations: Sequence[OpFact],
        known_new: Container[str],
        context: DeployContext,
    ) -> Iterator[Diagnostic]:
        """Findings for each operation on a table that is not new (see `existing`)."""
        whole = operations is file.upgrade_operations  # (a subclass may pass a part of them)
        created = file.upgrade_creations if whole else creations(operations)
        if self.reads is not None and whole:
            # the record knows where each kind of operation is: visit those this rule reads
            positions = file.upgrade_positions
            indexes = sorted(i for name in self.reads for i in positions.get(name, ()))
            visited: Iterable[tuple[int, OpFact]] = ((i, operations[i]) for i in indexes)
        else:
            visited = enumerate(operations)
        for index, operation in visited:
            if self.reads is not None and operation.name not in self.reads:
                continue
            if self.size_bound and "row_count_guard" in operation.blocks:
                continue  # the revision checked the table is small before this step
            if self.postgres_only and "other_dialect" in operation.blocks:
                continue  # a branch that runs only on MySQL, SQLite...: no PostgreSQL lock there
            if self.in_place and operation.via == "batch_op" and "recreate_always" in operation.blocks:
                continue  # the batch copies the table: no ALTER of it runs (see in_place)
            if existing_at(operation, index, created, known_new):
                yield from self.check_operation(rev_id, file, operation, context)

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def held_exclusively(self, file: RevisionFile, operation: OpFact, context: DeployContext) -> bool:
        """Whether an earlier statement of the revision's transaction already holds ACCESS
        EXCLUSIVE on the operation's table (exclusively_locked), read once per revision."""
        if getattr(self, "_held_in", None) is not file:
            self._held_in, self._held = file, exclusively_locked(file.upgrade_operations, context)
        return (operation.span.line, operation.span.column) in self._held

    def report(
        self,
        rev_id: str,
        file: RevisionFile,
        operation: OpFact,
        message: str,
        help: str,
        fix: Fix | None = None,
    ) -> Diagnostic:
        return self.diagnostic(file.path, operation.span, message, help=help, revisions=(rev_id,), fix=fix)


_WHY = "## Why is this bad?"
_IN_PLACE_NOTE = (
    'Not inside `batch_alter_table(..., recreate="always")`: that batch copies the table\n'
    "(a new table with the change, filled from the old one, which is dropped) and runs\n"
    "no ALTER of it, on PostgreSQL too."
)


def existing_at(operation: OpFact, index: int, created: dict[str, int], known_new: Container[str]) -> bool:
    """Whether the operation at `index` of its revision touches a table that may hold rows
    and serve queries: not created earlier in the revision (`created`: its `creations`, one
    lookup rather than a scan of what comes before, in every rule) nor by an undeployed
    revision before it (`known_new`)."""
    table = table_of(operation)
    if not table:
        return True  # DROP INDEX names no table: assume the worst
    if table in known_new:
        return False
    first = created.get(table)
    return first is None or first >= index


def existing(operation: OpFact, before: Sequence[OpFact], known_new: Container[str]) -> bool:
    """Whether the operation's table may hold rows and serve queries: not created earlier
    in the revision (by one of `before`) nor by an undeployed revision before it (when known)."""
    return existing_at(operation, len(before), creations(before), known_new)


def shown(operation: OpFact) -> str:
    """How the message names the operation: `op.create_index("ix", "users")`, or its SQL."""
    if operation.via == "sql":
        renames = operation.name == "alter_column" and operation.option("new_column_name")
        verb = "RENAME COLUMN" if renames else _SQL.get(operation.name, "the statement")
        if not operation.target and operation.name == "create_primary_key":
            verb = "ADD PRIMARY KEY"  # `ALTER TABLE t ADD PRIMARY KEY (id)` names no constraint
        return " ".join(p for p in (verb, operation.target) if p)
    receiver = "op" if operation.via == "op" else "batch_op"
    # a name or table the code computes is shown as written (`unique_name`, `TABLE_NAME`)
    table = repr(operation.table) if operation.table else operation.option("table_as_written")
    if operation.name in _TABLE_FIRST:
        names = [n for n in (table, repr(operation.target) if operation.target else None) if n]
    else:  # a constraint or index name, then its table: None when the call leaves it to the naming convention
        names = [
            repr(operation.target) if operation.target else operation.option("name_as_written") or "None",
            *([table] if table else []),
        ]
    if operation.via == "batch_op":  # the table is the block's: the name alone
        if operation.name in _TABLE_FIRST:
            names = [repr(operation.target)] if operation.target else []
        else:
            names = names[:1]  # None when the call leaves the name to the naming convention
    elif operation.name in ("create_table", "drop_table", "rename_table"):
        names = names[:1]
    called = (
        operation.option("called_as") or f"{receiver}.{operation.name}"
    )  # `create_index` imported by name
    return f"{called}({', '.join(names)})"


def where(operation: OpFact) -> str:
    """How a message names the operation's table: a table computed when the revision
    runs by the expression that names it (`the table table_name names`), never as if
    that were the table's name."""
    if operation.table:
        return operation.table
    written = operation.option("table_as_written")
    return f"the table `{written}` names" if written else "its table"


def column_of(operation: OpFact) -> str:
    """How a message names the operation's column: `table.column`, or the column alone;
    a name computed when the revision runs is said to be one."""
    if not operation.target:
        return f"a column of {operation.table}" if operation.table else "a column named at run time"
    return f"{operation.table}.{operation.target}" if operation.table else operation.target


def renamed_from(file: RevisionFile, operation: OpFact) -> list[str]:
    """The names the operation's table had earlier in the same upgrade(), by
    `op.rename_table` with literal names (airflow 0041 renames a table, then alters a
    column whose history is under the old name), the latest first. None when upgrade()
    adds, drops or renames the operation's column before it (letta renames `id` away and
    adds a new `id`): the history of the old name is not that column's."""
    names = [bare(operation.table)]
    column = operation.target.lower()
    at = (operation.span.line, operation.span.column)
    earlier = [o for o in file.upgrade_operations if (o.span.line, o.span.column) < at]
    for o in reversed(earlier):
        if o.name == "rename_table":
            new = bare(o.option("new_table_name") or "")
            if new in names and bare(o.table) not in names:
                names.append(bare(o.table))
    if len(names) == 1:
        return []
    for o in earlier:
        if bare(o.table) not in names or o.name not in ("add_column", "drop_column", "alter_column"):
            continue
        renamed = (o.option("new_column_name") or "").strip("'\"").lower()
        if (o.target.lower() == column and (o.name != "alter_column" or renamed)) or renamed == column:
            return []
    return names[1:]


def literal_option(operation: OpFact, key: str, otherwise: str) -> str:
    """A keyword's value when it is a string literal (its source text, quotes off), else
    `otherwise`; a SQL statement's facts hold the name itself."""
    value = (operation.option(key) or "").strip()
    if operation.via == "sql":
        return value or otherwise
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" and value[0] not in value[1:-1]:
        return value[1:-1]
    return otherwise


def autocommit_fix(path: str, operation: OpFact, keyword: bool, description: str) -> Fix | None:
    """Wrap the call in `with op.get_context().autocommit_block():` (and pass
    `postgresql_concurrently=True` when `keyword`). Only an `op.` call that is a statement
    of its own lines, without a multi-line string, is wrapped: re-indenting is then exact.
    Unsafe: what ran in the revision's transaction before the call is committed first."""
    if operation.via != "op" or operation.wrap is None or (keyword and operation.insert is None):
        return None
    first, last, indent = operation.wrap
    edits = [Edit(path, Span.point(first, 0), f"{' ' * indent}{AUTOCOMMIT}\n{_INDENT}")]
    edits += [Edit(path, Span.point(line, 0), _INDENT) for line in range(first + 1, last + 1)]
    if keyword and operation.insert is not None:
        line, column, text = operation.insert
        # an argument on a line of its own is indented as its neighbours will be
        text = text.replace("\n", "\n" + _INDENT).format("postgresql_concurrently")
        edits.append(Edit(path, Span.point(line, column), text))
    return Fix(description, tuple(edits), safe=False)


def is_true(value: str | None) -> bool:
    return value == "True"


# op functions that take ACCESS EXCLUSIVE on their table
EXCLUSIVE = frozenset({
    "add_column", "alter_column", "drop_column", "rename_table", "create_check_constraint",
    "create_unique_constraint", "create_primary_key", "drop_constraint", "drop_index",
    "rename_constraint",  # raw ALTER TABLE ... RENAME CONSTRAINT (honcho)
})  # fmt: skip


def exclusively_locked(operations: Sequence[OpFact], context: DeployContext) -> set[tuple[int, int]]:
    """(line, column) of each operation that runs while an earlier one of the revision's
    transaction already holds ACCESS EXCLUSIVE on its table: it waits for nothing and
    queues no one. Inside `autocommit_block()`, after a COMMIT and where env.py commits
    each statement, no lock is held over; a branch for another database takes none."""
    found: set[tuple[int, int]] = set()
    if context.autocommit:
        return found
    held: set[str] = set()
    for operation in operations:
        if operation.name == "commit" or "autocommit_block" in operation.blocks:
            held.clear()  # the block commits what came before it, and runs on its own
            continue
        if "other_dialect" in operation.blocks:
            continue
        # a table the code names (`op.drop_index(..., table_name=new)` in a loop) by its expression
        # a table the code names, by the name and the binding it reads (facts/ops.py _mark_bindings)
        written = operation.option("table_as_written")
        at = operation.option("bound_at") or ""
        table = bare(operation.table) or (f"`{written}`@{at}" if written else "")
        if not table:
            continue
        if table in held:
            found.add((operation.span.line, operation.span.column))
        elif operation.name in EXCLUSIVE and not (
            operation.name == "drop_index" and is_true(operation.option("postgresql_concurrently"))
        ):
            held.add(table)
        else:
            continue
        if operation.name == "rename_table":
            # the lock follows the table to its new name (prefect), whether the rename took it or
            # an earlier statement did (iib: batch drop_index, rename, then create_index)
            renamed, renamed_at = (
                operation.option("new_table_as_written"),
                operation.option("new_bound_at"),
            )
            held.add(
                bare(operation.option("new_table_name") or "")
                or (f"`{renamed}`@{renamed_at or ''}" if renamed else "")
            )
    return found


def revision(body: str, rev: str = "r1", down: str | None = None) -> str:
    """A version file whose upgrade() runs `body` (one statement per line), for examples."""
    lines = "\n".join(f"    {line}" for line in body.splitlines())
    return f"revision = {rev!r}\ndown_revision = {down!r}\n\n\ndef upgrade():\n{lines}\n"


# An example history's first revision: a table whose key column is an Integer NOT NULL (the
# shape of airflow 0041, which renames the table and alters the column in a later revision)
KEYED_TABLE = revision(
    "op.create_table('tdr', sa.Column('dataset_id', sa.Integer(), nullable=False),\n"
    "    sa.PrimaryKeyConstraint('dataset_id'))"
)
