"""Which statements in a revision's SQL text cannot run twice, and the textual fix for each.

``analyze(sql, dialect)`` is a pure function of the text: the caller extracts every SQL
string from a revision (``op.execute(...)``, ``sa.text(...)``, ...) and gets back one
``Statement`` per statement (or per ALTER TABLE action, or per statement inside a DO
block) and one ``Unparsed`` per piece the parser could not read.  No exception escapes
for bad SQL; an unknown dialect is a configuration error and raises ``ValueError``.

PostgreSQL is read with pglast (libpg_query: the server's own grammar and, for DO
blocks, its PL/pgSQL parser); MySQL, SQLite, SQL Server and Oracle with sqlglot.  Both
are imported on first use so that importing miglint stays cheap.

Offsets are ``str`` indexes into the text as given.  A fix is ``(offset, text)`` such
that ``sql[:offset] + text + sql[offset:]`` is the guarded statement; every fix is
proved before it is offered, by parsing the fixed statement again and checking that it
is the same statement, now guarded.

Shapes of the result worth knowing:
- an ALTER TABLE gives one Statement per ADD/DROP COLUMN/CONSTRAINT action (all with
  the statement's span, `at` on the action), so one ``--fix`` pass fixes them all;
- a DO block gives a "DO" Statement (no rule; guarded when everything inside is) and
  then one Statement per statement of its body, `in_block`, spans inside the body;
- SQLAlchemy binds (`:name`) and DB-API `%(name)s` are masked with same-length text
  before parsing; f-string placeholders arrive as identifiers and parse as such.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import sys
from typing import Any, Callable, NamedTuple, Union

from ..lazydataclass import dataclass, replace
from ..lazyre import pattern
from .ops import SqlOp

__all__ = ["DIALECTS", "Statement", "Unparsed", "analyze"]

Node = dict[str, Any]  # one node of libpg_query's JSON parse tree

# Accepted dialect names -> sqlglot's name for them (PostgreSQL goes to pglast instead).
DIALECTS: dict[str, str] = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "sqlite": "sqlite",
    "mssql": "tsql",
    "tsql": "tsql",
    "oracle": "oracle",
}


@dataclass(frozen=True)
class Statement:
    """One statement (or one ALTER TABLE action) and whether it survives a second run."""

    rule: str | None  # the MG2xx code that applies when the statement is NOT safe to run twice
    kind: str  # "CREATE TABLE", "ALTER TABLE ADD COLUMN", "INSERT", "DO", "OTHER", ...
    target: str  # the object, "schema.name"; "table.column" for column/constraint actions
    start: int  # first character of the statement (after leading whitespace and comments)
    end: int  # just past its last character (before the `;` and trailing comments)
    guarded: bool  # safe to run twice (IF [NOT] EXISTS, OR REPLACE, ON CONFLICT, a DO guard...)
    safe_when: str  # what would make it safe, for messages
    fix: tuple[int, str] | None  # (offset in sql, text to insert), proved by re-parsing
    at: int = -1  # the offending part: an ALTER TABLE action's first keyword; -1: `start`
    in_block: bool = False  # found inside a DO block's body (start/end are inside the body)
    # An INSERT: the columns it lists, less those given a NULL (a NULL never conflicts).
    columns: tuple[str, ...] = ()
    # The primary keys and unique constraints it creates, as (table, columns).
    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    renamed_to: str = ""  # ALTER TABLE ... RENAME TO: the table's new name (its keys go with it)
    # (child, parent) of the foreign keys ON DELETE CASCADE it creates.
    cascades: tuple[tuple[str, str], ...] = ()
    # For reading statements in order (sql/guards.py); PostgreSQL (pglast) only:
    new_name: str = ""  # any RENAME's new name
    table: str = ""  # the table an index, trigger or partition is made on
    # What the statement does in op-call terms, for the deploy-safety rules (sql/ops.py);
    # on the first Statement of each parsed statement only.
    ops: tuple[SqlOp, ...] = ()
    # The rows an `INSERT ... SELECT` reads or a DELETE deletes, as "table|WHERE clause"
    # (its parse tree, positions left out): the same rows moved, then deleted (sql/guards.py).
    selection: str = ""

    @property
    def anchor(self) -> int:
        """Where a diagnostic should point."""
        return self.start if self.at < 0 else self.at


@dataclass(frozen=True)
class Unparsed:
    """A piece of the text the parser could not read (reported by the opt-in MG209)."""

    start: int
    end: int
    reason: str


Result = tuple[list[Statement], list[Unparsed]]


def analyze(sql: str, dialect: str = "postgresql", verify: bool = True) -> Result:
    """Every statement in `sql`, classified; what could not be parsed, located.

    `verify=False`: offer no fixes (proving one parses the statement twice more): for
    statements only read for their facts, which no SQL rule reports."""
    target = DIALECTS.get(dialect.lower())
    if target is None:
        raise ValueError(f"unknown SQL dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    if target == "postgres" and _pglast_available():
        from .postgres import _pg_analyze  # each back end is imported when first needed

        return _pg_analyze(sql, verify)
    from .glot import _glot_analyze

    return _glot_analyze(sql, target, verify)


@functools.cache
def _pglast_available() -> bool:
    """pglast is a C extension with CPython wheels only (see pyproject.toml); elsewhere
    sqlglot reads PostgreSQL too, with less precision (DO bodies are not looked into)."""
    spec = importlib.util.find_spec("pglast")
    if spec is None:
        return False
    if "pglast" not in sys.modules:
        _import_pglast_lightly(spec)
    return True


def _import_pglast_lightly(spec: importlib.machinery.ModuleSpec) -> None:
    """Import pglast.parser without running pglast's package import until it is asked for.

    miglint reads pglast's JSON parse trees; the package's `__init__` and the parser's
    own imports build its Python AST classes and enums (and import decimal), four
    fifths of its import time and about a tenth of a cold run. Here `pglast` starts as
    an empty package whose first unknown attribute runs the real `__init__`, and
    `pglast.ast` and `pglast.enums` load on first use; anything that goes wrong leaves
    the ordinary import to happen instead.
    """
    package = importlib.util.module_from_spec(spec)

    def finish_import(name: str) -> object:
        del package.__dict__["__getattr__"]
        assert spec.loader is not None
        spec.loader.exec_module(package)
        return getattr(package, name)

    package.__getattr__ = finish_import  # type: ignore[method-assign]
    added = ["pglast"]
    sys.modules["pglast"] = package
    try:
        from pglast.error import Error

        package.Error = Error  # type: ignore[attr-defined]  # what the parser imports from its package
        for name in ("pglast.ast", "pglast.enums"):
            found = importlib.util.find_spec(name)
            if found is None or found.loader is None:
                raise ImportError(name)
            loader = importlib.util.LazyLoader(found.loader)
            found.loader = loader
            module = importlib.util.module_from_spec(found)
            sys.modules[name] = module
            added.append(name)
            loader.exec_module(module)
            setattr(package, name.rpartition(".")[2], module)
        import pglast.parser  # noqa: F401
    except Exception:  # pragma: no cover - a pglast laid out otherwise: import it as usual
        for name in [*added, "pglast.error", "pglast.parser"]:
            sys.modules.pop(name, None)


# -- policy: which rule a kind falls under, and what makes it safe per dialect ---------

_CREATE_IF_NOT_EXISTS = frozenset({
    "CREATE TABLE", "CREATE FOREIGN TABLE", "CREATE INDEX", "CREATE UNIQUE INDEX",
    "CREATE SEQUENCE", "CREATE SCHEMA", "CREATE DATABASE", "CREATE EXTENSION",
    "CREATE MATERIALIZED VIEW",
})  # fmt: skip
_CREATE_OR_REPLACE = frozenset({
    "CREATE VIEW", "CREATE FUNCTION", "CREATE PROCEDURE", "CREATE TRIGGER",
    "CREATE CONSTRAINT TRIGGER",
})  # fmt: skip
_CREATE_TYPE = frozenset({"CREATE TYPE", "CREATE DOMAIN"})
_DROP_ACTIONS = frozenset({"ALTER TABLE DROP COLUMN", "ALTER TABLE DROP CONSTRAINT"})
_RENAMES = frozenset({
    "ALTER TABLE RENAME", "ALTER TABLE RENAME COLUMN", "ALTER TABLE RENAME CONSTRAINT",
    "ALTER INDEX RENAME", "ALTER SEQUENCE RENAME", "ALTER VIEW RENAME",
    "ALTER MATERIALIZED VIEW RENAME",
})  # fmt: skip


def _family(kind: str) -> str:
    if kind in _CREATE_IF_NOT_EXISTS or kind == "ALTER TYPE ADD VALUE":  # a label made, IF NOT EXISTS
        return "create"
    if kind in _CREATE_OR_REPLACE:
        return "replace"
    if kind in _CREATE_TYPE:
        return "type"
    if kind == "ALTER TABLE ADD COLUMN":
        return "add_column"
    if kind in _DROP_ACTIONS:
        return "drop_action"
    if kind.startswith("DROP "):
        return "drop"
    if kind == "INSERT":
        return "insert"
    if kind == "ALTER TABLE ADD CONSTRAINT":
        return "add_constraint"
    if kind in _RENAMES:
        return "rename"
    return ""


_RULES = {
    "create": "MG201", "replace": "MG201", "type": "MG201", "add_column": "MG202",
    "drop": "MG203", "drop_action": "MG203", "insert": "MG204", "add_constraint": "MG205",
    "rename": "MG206",
}  # fmt: skip

# (what makes it safe, the text a fix inserts or None).  Looked up by kind, then family.
Advice = tuple[str, Union[str, None]]
_IF_NOT_EXISTS: Advice = ("IF NOT EXISTS", " IF NOT EXISTS")
_IF_EXISTS: Advice = ("IF EXISTS", " IF EXISTS")
_OR_REPLACE: Advice = ("OR REPLACE", " OR REPLACE")
_ADVICE: dict[str, dict[str, Advice]] = {
    "postgres": {
        "create": _IF_NOT_EXISTS,
        "replace": _OR_REPLACE,
        # CREATE OR REPLACE CONSTRAINT TRIGGER parses but is refused when it runs.
        "CREATE CONSTRAINT TRIGGER": ("DROP TRIGGER IF EXISTS before it (a constraint trigger has no OR REPLACE)", None),
        "type": ("a DO block that checks pg_type (PostgreSQL has no CREATE TYPE IF NOT EXISTS)", None),
        "add_column": _IF_NOT_EXISTS,
        "drop": _IF_EXISTS,
        "drop_action": _IF_EXISTS,
        "insert": ("ON CONFLICT DO NOTHING or WHERE NOT EXISTS", " ON CONFLICT DO NOTHING"),
        "add_constraint": ("a guard (a DO block that checks pg_constraint or catches duplicate_object)", None),
        "rename": ("a guard (a DO block that checks information_schema first)", None),
        "ALTER TABLE RENAME": ("ALTER TABLE IF EXISTS, or a DO block that checks information_schema first", None),
        # an index is not in information_schema
        "ALTER INDEX RENAME": ("ALTER INDEX IF EXISTS, or a DO block that checks to_regclass() first", None),
    },
    "mysql": {
        "create": _IF_NOT_EXISTS,
        "CREATE INDEX": ("a check of information_schema.statistics first (MySQL has no CREATE INDEX IF NOT EXISTS)", None),
        "CREATE UNIQUE INDEX": ("a check of information_schema.statistics first (MySQL has no CREATE INDEX IF NOT EXISTS)", None),
        "replace": ("IF NOT EXISTS (MySQL 8.0.29+) or a DROP ... IF EXISTS before it", None),
        "CREATE VIEW": _OR_REPLACE,
        "type": ("a check of information_schema first", None),
        "add_column": ("a check of information_schema.columns first (MySQL has no ADD COLUMN IF NOT EXISTS)", None),
        "drop": _IF_EXISTS,
        "DROP INDEX": ("a check of information_schema.statistics first (MySQL has no DROP INDEX IF EXISTS)", None),
        "drop_action": ("a check of information_schema first (MySQL has no IF EXISTS in ALTER TABLE ... DROP)", None),
        "insert": ("INSERT IGNORE, ON DUPLICATE KEY UPDATE or WHERE NOT EXISTS", None),
        "add_constraint": ("a check of information_schema.table_constraints first", None),
        "rename": ("a check of information_schema first", None),
    },
    "sqlite": {
        "create": _IF_NOT_EXISTS,
        # SQLite has IF NOT EXISTS, not OR REPLACE, for views and triggers.
        "replace": _IF_NOT_EXISTS,
        "type": ("a check of sqlite_master first", None),
        "add_column": ("a check of pragma table_info first (SQLite has no ADD COLUMN IF NOT EXISTS)", None),
        "drop": _IF_EXISTS,
        "drop_action": ("a check of pragma table_info first (SQLite has no DROP COLUMN IF EXISTS)", None),
        "insert": ("ON CONFLICT DO NOTHING, INSERT OR IGNORE or WHERE NOT EXISTS", " ON CONFLICT DO NOTHING"),
        "add_constraint": ("a table rebuild guarded by a check of sqlite_master", None),
        "rename": ("a check of sqlite_master / pragma table_info first", None),
    },
    "tsql": {
        "create": ("an IF OBJECT_ID(...) IS NULL check (T-SQL has no CREATE ... IF NOT EXISTS)", None),
        "CREATE SCHEMA": ("an IF SCHEMA_ID(...) IS NULL check", None),
        "replace": ("CREATE OR ALTER", " OR ALTER"),
        "type": ("an IF TYPE_ID(...) IS NULL check", None),
        "add_column": ("an IF COL_LENGTH(...) IS NULL check", None),
        "drop": ("IF EXISTS (SQL Server 2016+)", " IF EXISTS"),
        "drop_action": ("IF EXISTS (SQL Server 2016+)", " IF EXISTS"),
        "insert": ("WHERE NOT EXISTS or MERGE", None),
        "add_constraint": ("an IF OBJECT_ID(...) IS NULL check", None),
        "rename": ("an IF COL_LENGTH(...) / OBJECT_ID(...) check before sp_rename", None),
    },
    "oracle": {
        "create": ("IF NOT EXISTS (Oracle 23ai) or a PL/SQL block that catches ORA-00955", None),
        "replace": _OR_REPLACE,
        "type": _OR_REPLACE,
        "add_column": ("a PL/SQL block that catches ORA-01430", None),
        "drop": ("IF EXISTS (Oracle 23ai) or a PL/SQL block that catches ORA-00942", None),
        "drop_action": ("a PL/SQL block that catches ORA-00904", None),
        "insert": ("MERGE or WHERE NOT EXISTS", None),
        "add_constraint": ("a PL/SQL block that catches ORA-02264 / ORA-02260", None),
        "rename": ("a PL/SQL block that checks user_tab_columns first", None),
    },
}  # fmt: skip


@functools.cache  # a few dozen kinds, asked about for every statement
def _rule(kind: str, dialect: str) -> str | None:
    family = _family(kind)
    # MG202 is about a guard that exists: only PostgreSQL has ADD COLUMN IF NOT EXISTS.
    if family == "add_column" and dialect != "postgres":
        return None
    return _RULES.get(family)


@functools.cache
def _advice(kind: str, dialect: str) -> Advice:
    table = _ADVICE[dialect]
    return table.get(kind) or table.get(_family(kind)) or ("", None)


class _Fact(NamedTuple):
    """What a dialect reader found out about one statement or action."""

    kind: str
    target: str
    guarded: bool
    at: int = -1
    fix_at: tuple[int, ...] = ()  # candidate offsets for the fix text, tried in order
    advice: str | None = None  # overrides the policy's safe_when
    columns: tuple[str, ...] = ()  # see Statement
    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    renamed_to: str = ""
    new_name: str = ""
    table: str = ""
    cascades: tuple[tuple[str, str], ...] = ()
    selection: str = ""  # see Statement


Verifier = Callable[[int, str, _Fact], bool]


def _finish(fact: _Fact, start: int, end: int, dialect: str, verify: Verifier | None) -> Statement:
    """Attach the policy to a fact; keep a fix only if re-parsing proves it."""
    rule = _rule(fact.kind, dialect)
    safe_when, fix_text = _advice(fact.kind, dialect)
    if fact.advice is not None:
        safe_when, fix_text = fact.advice, None
    fix = None
    if rule and not fact.guarded and fix_text and verify is not None:
        fix = next(((at, fix_text) for at in fact.fix_at if verify(at, fix_text, fact)), None)
    return Statement(
        rule, fact.kind, fact.target, start, end, fact.guarded, safe_when, fix, fact.at,
        columns=fact.columns, keys=fact.keys, renamed_to=fact.renamed_to,
        new_name=fact.new_name, table=fact.table, cascades=fact.cascades, selection=fact.selection,
    )  # fmt: skip


def _fix_works(before: list[Statement], after: list[Statement], fact: _Fact) -> bool:
    """The fixed text holds the same statements, one fewer unguarded (kind, target)."""

    def unguarded(stmts: list[Statement]) -> int:
        return sum(1 for s in stmts if (s.kind, s.target) == (fact.kind, fact.target) and not s.guarded)

    same = [(s.kind, s.target) for s in before] == [(s.kind, s.target) for s in after]
    return same and unguarded(after) == unguarded(before) - 1


def _moved(stmt: Statement, pos: Callable[[int], int]) -> Statement:
    """A statement found in an inner text (a DO body, a string literal) in outer offsets."""
    fix = None if stmt.fix is None else (pos(stmt.fix[0]), stmt.fix[1])
    at = -1 if stmt.at < 0 else pos(stmt.at)
    return replace(stmt, start=pos(stmt.start), end=pos(stmt.end), at=at, fix=fix)


# -- text helpers -----------------------------------------------------------------------

# A cheap test for SQLAlchemy's `:name` (its pattern: (?<![:\w\\]):(\w+)(?!:)) or DB-API's
# `%(name)s`; the scanner then finds the ones outside literals and comments.
_BIND_HINT = pattern(r"(?<![:\w\\]):\w|%\(\w+\)s")
_DOLLAR_TAG = pattern(r"\$(?:[^\W\d]\w*)?\$")  # $$, $body$: an identifier not starting with a digit


def _literal_positions(text: str, quote: int) -> tuple[str, list[int]] | None:
    """Decode the '...' literal opening at `quote`: its value and, per value character,
    its offset in `text` (plus the closing quote's).  Doubled quotes are one character."""
    value: list[str] = []
    positions: list[int] = []
    i = quote + 1
    while i < len(text):
        if text[i] == "'":
            if text.startswith("''", i):
                value.append("'")
                positions.append(i)
                i += 2
                continue
            positions.append(i)
            return "".join(value), positions
        value.append(text[i])
        positions.append(i)
        i += 1
    return None


def _byte_offsets(text: str) -> list[int] | None:
    """Byte offset -> character offset, for parsers that count UTF-8 bytes; None if ASCII."""
    if text.isascii():
        return None
    table: list[int] = []
    for index, char in enumerate(text):
        table.extend([index] * len(char.encode("utf-8")))
    table.append(len(text))
    return table
