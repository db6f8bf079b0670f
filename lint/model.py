"""The plain records that flow through miglint's pipeline.

files -> RevisionFile (reading/parse.py) -> RevisionGraph (graph.py) -> Diagnostic (engine.py)
-> report (report/__init__.py). Every record here is a frozen dataclass of strings, ints and
tuples, so the per-file record can be pickled into the cache and sent between
processes.
"""

from __future__ import annotations

import functools
import io
import pickle
from typing import Any

from .lazydataclass import dataclass

# Header variables Alembic reads from a version module.
HEADER_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")


@dataclass(frozen=True)
class Span:
    """A source range: lines count from 1, columns from 0 (LibCST's convention).

    Columns are converted to 1-based for display in exactly one place, report/__init__.py.
    """

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int = 0) -> Span:
        return cls(line, column, line, column)


@dataclass(frozen=True)
class HeaderValue:
    """The value of one header variable, normalised at the parse boundary.

    `ids` is always a tuple: `None` and `()` become `()`, a string becomes a
    1-tuple. `dynamic` holds the source text of a value that is not a literal;
    then `ids` is empty and the value is unknown, never guessed.
    """

    ids: tuple[str, ...]
    span: Span
    shape: str  # "none" | "str" | "tuple" | "list" | "set" | "dynamic"
    dynamic: str | None = None
    # For a dynamic value that is a bare name imported with `from M import NAME`,
    # ("M", "NAME", level); lets a later stage resolve it from the repository.
    imported_from: tuple[str, str, int] | None = None
    # For a dynamic tuple or list of such names (or `module.NAME` attributes) and
    # string literals: each element, a literal as its text.
    imported_items: tuple[tuple[str, str, int] | str, ...] | None = None

    @property
    def is_dynamic(self) -> bool:
        return self.dynamic is not None


@dataclass(frozen=True)
class DocLine:
    """A `Revision ID:` or `Revises:` line of the module docstring."""

    text: str
    span: Span
    # the value follows the colon at once (`Revises:` left empty): a fix writes a space first
    tight: bool = False


@dataclass(frozen=True)
class Suppression:
    """A `# miglint: ignore[...]` comment. Empty `codes` suppresses every rule."""

    codes: tuple[str, ...]
    whole_file: bool
    span: Span


@dataclass(frozen=True)
class ParseProblem:
    """Why a file could not be read as Python (MG001)."""

    message: str
    span: Span


@dataclass(frozen=True)
class SqlStatement:
    """One SQL statement a revision runs, classified by miglint.sql.

    `code` is the MG2xx rule it breaks when it cannot safely run twice, else
    None. `insert` is the safe fix: text to insert at (line, column).
    """

    code: str | None
    kind: str
    target: str
    span: Span
    guarded: bool
    safe_when: str
    function: str  # the function holding the execute call
    entry: str  # "upgrade" or "downgrade": the entry point that runs it
    insert: tuple[int, int, str] | None = None
    # An INSERT: the columns it lists, less those given a NULL (a NULL never conflicts).
    columns: tuple[str, ...] = ()
    # The primary keys and unique constraints it creates, as (table, sorted columns).
    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    renamed_to: str = ""  # ALTER TABLE ... RENAME TO: the new name
    # (child, parent) of the foreign keys ON DELETE CASCADE it creates.
    cascades: tuple[tuple[str, str], ...] = ()
    # An INSERT still unsafe: tables a DELETE / TRUNCATE emptied before it on its path
    # (a foreign key ON DELETE CASCADE may empty this one with them; MG204 asks the history).
    emptied_before: tuple[str, ...] = ()
    # What it does in op-call terms (sql/ops.py): (op function, table, target, options);
    # RevisionFile.operations holds them as OpFacts with the op calls.
    ops: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = ()
    # The line of the execute call that runs it, when its text is written elsewhere (a name
    # bound to the SQL earlier in the function): where it runs among the op calls. 0: at `span`.
    run_line: int = 0


@dataclass(frozen=True)
class SqlProblem:
    """SQL that could not be read: an expression not resolved, or text the parser rejects."""

    span: Span
    reason: str
    entry: str
    parsed: bool  # True: the text was found but the SQL parser could not read it


@dataclass(frozen=True)
class OpFact:
    """One schema change a revision makes: an `op.*` / `batch_op.*` call, or a SQL
    statement that `op.execute` runs (read by pglast), in one vocabulary (facts/ops.py).

    `options` holds the call's literal keyword values as source text
    (`("nullable", "False")`); a SQL statement's facts use the same keywords
    (`postgresql_concurrently`, `nullable`, `server_default`, `type_`...).
    """

    name: str  # the op function: "create_index", "add_column"...; for SQL too, plus "set", "commit"
    table: str  # the table it touches, "" when not a literal
    target: str  # the index, column or constraint it names, "" when none
    span: Span
    function: str  # the function holding the call
    entry: str  # "upgrade" or "downgrade"
    via: str  # "op", "batch_op" (inside batch_alter_table) or "sql"
    options: tuple[tuple[str, str], ...] = ()
    blocks: tuple[str, ...] = ()  # `with` blocks around it: "autocommit_block", "batch_alter_table"
    guarded: bool = False  # inside an `if` that asks the inspector first (read when MG211/MG212 run)
    # Where `, KEYWORD=True` joins the arguments: (line, column, text with "{}" for KEYWORD)
    insert: tuple[int, int, str] | None = None
    # The statement that is the call alone, to wrap in a `with` block: (first line, last
    # line, indent); None when the call is part of a larger statement or holds a multi-line string.
    wrap: tuple[int, int, int] | None = None

    def option(self, key: str) -> str | None:
        for name, value in self.options:  # a loop, not next() of a generator: asked ~30 times a revision
            if name == key:
                return value
        return None


@dataclass(frozen=True)
class EntryBody:
    """What a module-level `upgrade*()` / `downgrade*()` function's body does (MG503).

    Read from its compiled code, not its text: a docstring, a comment, `pass`, `...`
    and a bare `return` all compile to nothing.
    """

    name: str  # "upgrade", "downgrade", "upgrade_engine1", ...
    line: int  # its `def` line (the first decorator's, when decorated)
    # "work" | "empty" | "raises" (the body is one `raise`) | "dispatch" (runs the
    # `<name>_<engine>()` functions by name, as the multidb template does; they are then
    # entries too) | "unknown": the module binds the name other than by one `def`
    body: str


@dataclass(frozen=True)
class ImportFact:
    """An absolute import of a module that is not Alembic's, SQLAlchemy's or the standard
    library's (MG506). Whether it is the application's own is decided later, against the
    repository's directories (facts/appimports.py): the record is a function of the bytes alone."""

    module: str  # "app.models"; for `import a.b`, "a.b"
    names: tuple[str, ...]  # the names `from M import ...` binds; () for `import M`
    span: Span
    function: str = ""  # the function holding it; "" at module level
    application: bool = False  # set by facts/appimports.py: resolves to the repository's own code
    # every name it imports is read only as branch_labels / depends_on (reading/resolve.py's business)
    header_only: bool = False
    bound: tuple[str, ...] = ()  # the names it binds: `from app import types as st` -> ("st",)


@dataclass(frozen=True)
class OfflineUse:
    """A call that needs a live database, not guarded by `context.is_offline_mode()` (MG505)."""

    what: str  # as shown: "sa.inspect()", ".fetchall()", "autoload_with="
    span: Span
    function: str  # the function holding the call
    entry: str  # the entry point that runs it: "upgrade", "downgrade", "upgrade_engine1"...


@dataclass(frozen=True)
class ImportTimeUse:
    """`op.x` / `context.x` run while the file is imported, outside any function (MG507)."""

    what: str  # as written: "op.get_bind", "alembic_op.execute"
    proxy: str  # "op" or "context"
    span: Span
    called: bool = True  # a method called (NameError), else a value read (AttributeError)


# The fields of a record pickled apart, each as one nested pickle read on first use, and
# the classes their values hold (besides builtins).
_PACKED = {"operations": "_operations_pickled", "sql": "_sql_pickled"}
_PACKED_CLASSES: dict[str, type] = {"operations": OpFact, "sql": SqlStatement}


class _PackedUnpickler(pickle.Unpickler):
    """Unpickles builtins, Span and the one class of the field: the cache directory may come
    with the repository (reading/collect.py checks the outer pickle the same way)."""

    def __init__(self, stream: io.BytesIO, kind: type) -> None:
        super().__init__(stream)
        self.allowed = {(__name__, "Span"), (__name__, kind.__name__)}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.allowed:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not what a record holds there")


def _unpack(field: str, packed: object) -> tuple[Any, ...]:
    """A record's field from its nested pickle; empty when it is missing or damaged (the
    outer pickle was read whole: a damaged inner one means a cache not of our making)."""
    if type(packed) is not bytes:
        return ()
    kind = _PACKED_CLASSES[field]
    try:
        found = _PackedUnpickler(io.BytesIO(packed), kind).load()
    except Exception:
        return ()
    if type(found) is not tuple or not all(type(item) is kind for item in found):
        return ()
    return found


@dataclass(frozen=True)
class RevisionFile:
    """Everything the rules need to know about one version file.

    Built from the file's bytes alone (reading/parse.py); no syntax tree is kept.
    """

    path: str
    revision: HeaderValue | None = None
    down_revision: HeaderValue | None = None
    branch_labels: HeaderValue | None = None
    depends_on: HeaderValue | None = None
    message: str | None = None
    doc_revision_id: DocLine | None = None
    doc_revises: DocLine | None = None
    has_upgrade: bool = False
    has_downgrade: bool = False
    problem: ParseProblem | None = None
    suppressions: tuple[Suppression, ...] = ()
    sql: tuple[SqlStatement, ...] = ()
    sql_problems: tuple[SqlProblem, ...] = ()
    # (table, sorted columns) of the primary keys and unique constraints upgrade() creates
    # through op calls (facts/opcalls.py KeyReader); those made by SQL are on SqlStatement.keys.
    op_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    op_renames: tuple[tuple[str, str], ...] = ()  # (old, new) of each op.rename_table upgrade() runs
    # (child, parent) of each foreign key ON DELETE CASCADE that upgrade() creates through op
    op_cascades: tuple[tuple[str, str], ...] = ()
    # (table, column) of each primary key column upgrade() creates through op: NOT NULL (MG406)
    op_primary: tuple[tuple[str, str], ...] = ()
    # (table, column) of each Column(..., nullable=False) create_table / add_column make (MG406)
    op_not_null: tuple[tuple[str, str], ...] = ()
    # (table, "column\0type\0...") of each table its create_table calls make: the columns'
    # types as written (MG407; facts/opcalls.py unpack_column_types reads them)
    op_column_types: tuple[tuple[str, str], ...] = ()
    # Every schema change upgrade()/downgrade() make through op, batch_op or op.execute (facts/ops.py)
    operations: tuple[OpFact, ...] = ()
    # The PostgreSQL ENUM types upgrade()/downgrade() create, drop or rename (MG501, MG504):
    # "create_enum" / "drop_enum" / "rename_enum" facts, from Enum columns of create_table and
    # add_column, `.create(bind)` / `.drop(bind)` and CREATE / DROP / ALTER TYPE; target ""
    # when the name is not a literal; `guarded`: the create asks the database first (checkfirst=True,
    # a DO block checking pg_type). Kept apart from `operations`, which the MG4xx rules read.
    enums: tuple[OpFact, ...] = ()
    raises: tuple[str, ...] = ()  # the entry points ("downgrade") that run a `raise` statement
    # Module-level upgrade*() / downgrade*() functions and what their bodies do (MG503)
    entry_bodies: tuple[EntryBody, ...] = ()
    imports: tuple[ImportFact, ...] = ()  # absolute imports of non-standard modules (MG506)
    offline_uses: tuple[OfflineUse, ...] = ()  # calls that fail in `--sql` mode (MG505)
    import_time_uses: tuple[ImportTimeUse, ...] = ()  # `op.x` run on import, outside a function (MG507)
    # the names of InnoDB's style (`orders_ibfk_1`) the file writes as strings, anywhere: a history
    # that gives its keys such names itself runs them on PostgreSQL too (history/deploy.py)
    innodb_names: tuple[str, ...] = ()

    # -- pickling: operations and SQL travel as nested pickles, read on first use ------------
    # A run after one file changed loads every record of the history and reads the
    # operations and statements of few: the memo holds the findings of the rules that read
    # them (lint/memo.py). They are most of a record's bytes.

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for derived in ("upgrade_operations", "upgrade_positions", "upgrade_creations"):  # read with them
            state.pop(derived, None)
        for field, key in _PACKED.items():
            value = state.pop(field, ())
            if value:
                state[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return state

    def __getattr__(self, name: str) -> Any:
        # only called for what the instance does not hold: a packed field of an unpickled record
        key = _PACKED.get(name)
        if key is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = _unpack(name, self.__dict__.pop(key, None))
        self.__dict__[name] = value
        return value

    # Worked out once per record and kept with it (in its __dict__, pickled with it when the
    # cache is written): several rules ask them of every revision of a long history.
    @functools.cached_property
    def sql_codes(self) -> frozenset[str]:
        """The MG2xx codes of the statements no guard makes safe: the SQL rules visit the
        files that have theirs."""
        return frozenset(s.code for s in self.sql if s.code and not s.guarded)

    @functools.cached_property
    def operation_names(self) -> frozenset[str]:
        """The names of `operations`: a rule looking for one kind across the history skips
        the files without it."""
        return frozenset(o.name for o in self.operations)

    @functools.cached_property
    def upgrade_operations(self) -> tuple[OpFact, ...]:
        """Those of `operations` that upgrade() runs, in order."""
        return tuple(o for o in self.operations if o.entry == "upgrade")

    @functools.cached_property
    def upgrade_positions(self) -> dict[str, tuple[int, ...]]:
        """Each operation name -> where upgrade() runs it in `upgrade_operations`: a deploy
        rule visits the few operations it reads, not every one of the revision."""
        found: dict[str, list[int]] = {}
        for index, operation in enumerate(self.upgrade_operations):
            found.setdefault(operation.name, []).append(index)
        return {name: tuple(indexes) for name, indexes in found.items()}

    @functools.cached_property
    def upgrade_creations(self) -> dict[str, int]:
        """Each table upgrade() creates (bare name) -> the index in `upgrade_operations` of
        the first operation that creates it: every deploy rule asks it of every revision."""
        from .history.deploy import creations  # deferred: model is the bottom of the import graph

        return creations(self.upgrade_operations)

    @functools.cached_property
    def upgrade_operation_names(self) -> frozenset[str]:
        """The names of `upgrade_operations`: a deploy rule skips a revision that runs none
        of the operations it looks at."""
        return frozenset(o.name for o in self.upgrade_operations)

    @property
    def revision_id(self) -> str | None:
        """The literal revision id, or None when absent, dynamic or malformed."""
        value = self.revision
        if value is None or value.is_dynamic or len(value.ids) != 1:
            return None
        return value.ids[0]

    @property
    def looks_like_revision(self) -> bool:
        """Alembic loads every .py; a module without upgrade/downgrade is a helper."""
        return self.revision is not None or self.has_upgrade or self.has_downgrade

    def header(self, name: str) -> HeaderValue | None:
        value: HeaderValue | None = getattr(self, name)
        return value


# The fields' defaults live in the generated __init__; without the class attributes, the
# packed fields an unpickled record does not hold yet reach RevisionFile.__getattr__.
del RevisionFile.operations
del RevisionFile.sql


@dataclass(frozen=True)
class Location:
    """A place in a file, with a note saying why it is relevant."""

    path: str
    span: Span
    note: str = ""


@dataclass(frozen=True)
class Edit:
    """Replace the text at `span` in `path` with `replacement`.

    `literal`: `replacement` is a string value, and the span holds a string literal;
    the value is written with that literal's prefix and quotes (lint/fix.py), so the
    file's quote style is kept without rules reading files.
    """

    path: str
    span: Span
    replacement: str
    literal: bool = False
    # `replacement` is the file's whole new content (the span is ignored); a missing
    # file is created (the head file, MG120)
    whole_file: bool = False

    @property
    def text(self) -> str:
        """The replacement as code, for reports that cannot look at the file (JSON, SARIF):
        a literal edit becomes repr() of its value; --fix uses the file's quotes instead."""
        return repr(self.replacement) if self.literal else self.replacement


@dataclass(frozen=True)
class Fix:
    """Edits that remove a finding. `safe` ones are applied by `--fix`; unsafe ones (which
    may change what the code does, or rest on a guess) only with `--unsafe-fixes`. Each
    fixable rule says which in its docstring's "Fix safety" section."""

    description: str
    edits: tuple[Edit, ...]
    safe: bool = True


@dataclass(frozen=True)
class Diagnostic:
    """One finding: a rule, a place, a message stating the fact, help saying what to do."""

    code: str
    name: str
    severity: str  # "error" | "warning"
    path: str
    span: Span
    message: str
    help: str | None = None
    revisions: tuple[str, ...] = ()
    related: tuple[Location, ...] = ()
    fix: Fix | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.code, self.message)
