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

import contextlib
import functools
import importlib.machinery
import importlib.util
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Union

from .sqlops import SqlOp, pg_operations

if TYPE_CHECKING:
    from sqlglot import Token, exp
    from sqlglot.dialects.dialect import Dialect

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
    # For reading statements in order (sqlguards.py); PostgreSQL (pglast) only:
    new_name: str = ""  # any RENAME's new name
    table: str = ""  # the table an index, trigger or partition is made on
    # What the statement does in op-call terms, for the deploy-safety rules (sqlops.py);
    # on the first Statement of each parsed statement only.
    ops: tuple[SqlOp, ...] = ()

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


def analyze(sql: str, dialect: str = "postgresql") -> Result:
    """Every statement in `sql`, classified; what could not be parsed, located."""
    target = DIALECTS.get(dialect.lower())
    if target is None:
        raise ValueError(f"unknown SQL dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    if target == "postgres" and _pglast_available():
        return _pg_analyze(sql)
    return _glot_analyze(sql, target)


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
    if kind in _CREATE_IF_NOT_EXISTS:
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
        new_name=fact.new_name, table=fact.table, cascades=fact.cascades,
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
_BIND_HINT = re.compile(r"(?<![:\w\\]):\w|%\(\w+\)s")
_DOLLAR_TAG = re.compile(r"\$(?:[^\W\d]\w*)?\$")  # $$, $body$: an identifier not starting with a digit


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


# -- PostgreSQL (pglast) ----------------------------------------------------------------


class _Tok(NamedTuple):
    start: int
    stop: int  # exclusive
    name: str


class _PgSource(NamedTuple):
    """A parsed piece of a text: where it starts and how to turn libpg_query's UTF-8
    byte offsets into character offsets of the text."""

    text: str
    base: int
    table: list[int] | None

    def pos(self, byte_offset: int) -> int:
        if self.table is None:
            return self.base + byte_offset
        return self.base + self.table[min(byte_offset, len(self.table) - 1)]


class _PgStmt:
    """One parsed statement: its node, its span, and (scanned on demand) its tokens."""

    def __init__(self, src: _PgSource, node_type: str, node: Node, start: int, end: int) -> None:
        self.src, self.node_type, self.node = src, node_type, node
        self.text, self.start, self.end = src.text, start, end
        self._tokens: list[_Tok] | None = None

    @property
    def tokens(self) -> list[_Tok]:
        if self._tokens is None:
            self._tokens = _pg_tokens(self.text, self.start, self.end)
        return self._tokens

    def after(self, *names: str) -> tuple[int, ...]:
        """The end of the first token with one of `names`: where a keyword is inserted."""
        return next(((t.stop,) for t in self.tokens if t.name in names), ())


def _pg_tokens(text: str, start: int, end: int) -> list[_Tok]:
    from pglast.parser import ParseError, scan

    try:
        raw = scan(text[start:end])
    except ParseError:
        return []
    return [_Tok(start + t.start, start + t.end + 1, t.name) for t in raw if not t.name.endswith("_COMMENT")]


def _pg_trim(text: str, start: int, end: int) -> tuple[int, int]:
    """libpg_query's statement spans include the whitespace and comments around them."""
    segment = text[start:end]
    if "--" in segment or "/*" in segment:
        tokens = _pg_tokens(text, start, end)
        if tokens:
            return tokens[0].start, tokens[-1].stop
    stripped = segment.strip()
    if not stripped:
        return start, start
    first = start + (len(segment) - len(segment.lstrip()))
    return first, first + len(stripped)


def _pg_mask_binds(sql: str) -> str:
    """Replace SQLAlchemy's `:name` (and DB-API `%(name)s`) outside literals and comments
    by `$1` zero-padded to the same length (`$0001`, one token): the grammar accepts it
    wherever a value goes, and every offset stays valid. Padding with spaces would let a
    statement that ends with a bind end inside it, and a fix appended there would split
    the name (`:p ON CONFLICT DO NOTHINGrivacy_notice_id`)."""
    # `in` first: the pattern's lookbehind makes re try it at every offset
    if (":" not in sql and "%(" not in sql) or not _BIND_HINT.search(sql):
        return sql
    from pglast.parser import ParseError, scan

    try:
        tokens = scan(sql)
    except ParseError:
        return sql
    chars = list(sql)
    for i, tok in enumerate(tokens[:-1]):
        span = _pg_bind_span(sql, tokens, i) if tok.name in ("ASCII_58", "ASCII_37") else None
        if span is not None:
            lo, hi = span
            chars[lo:hi] = "$" + "1".rjust(hi - lo - 1, "0")
    return "".join(chars)


def _pg_bind_span(sql: str, tokens: Sequence[Any], i: int) -> tuple[int, int] | None:
    colon, name = tokens[i], tokens[i + 1]
    if name.start != colon.end + 1:
        return None
    if colon.name == "ASCII_37":  # %(name)s: '%' '(' name ')' 's', all adjacent
        parts = tokens[i + 1 : i + 5]
        text = "".join(sql[t.start : t.end + 1] for t in parts)
        if len(parts) == 4 and re.fullmatch(r"\(\w+\)s", text) and parts[-1].end - colon.start == len(text):
            return colon.start, parts[-1].end + 1
        return None
    is_word = name.name == "IDENT" or name.kind != "NO_KEYWORD"
    before = sql[colon.start - 1] if colon.start else " "
    # Unlike SQLAlchemy's pattern, `:name::type` counts: the author meant a bind and a
    # cast, and the statement is still worth reading.
    if not is_word or before in ":\\_" or before.isalnum():
        return None
    return colon.start, name.end + 1


def _pg_analyze(sql: str) -> Result:
    return _pg_analyze_text(_pg_mask_binds(sql), 0, len(sql), verify=True)


def _pg_analyze_text(text: str, lo: int, hi: int, verify: bool) -> Result:
    """Parse text[lo:hi] whole; if that fails, one statement at a time."""
    from pglast.parser import ParseError

    try:
        parsed = _pg_parse(text, lo, hi)
    except ParseError:
        return _pg_analyze_each(text, lo, hi, verify)
    statements: list[Statement] = []
    unparsed: list[Unparsed] = []
    for stmt in parsed:
        found, bad = _pg_classify(stmt, verify)
        statements += found
        unparsed += bad
    return statements, unparsed


def _pg_parse(text: str, lo: int, hi: int, parsed: str | None = None) -> list[_PgStmt]:
    """The statements of text[lo:hi]; `parsed`: its parse tree as JSON, when already made."""
    from pglast.parser import parse_sql_json

    segment = text[lo:hi]
    src = _PgSource(text, lo, _byte_offsets(segment))
    result: list[_PgStmt] = []
    for raw in json.loads(parsed or parse_sql_json(segment)).get("stmts", []):
        location = raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        start, end = _pg_trim(text, src.pos(location), src.pos(location + length) if length else hi)
        ((node_type, node),) = raw["stmt"].items()
        result.append(_PgStmt(src, node_type, node, start, end))
    return result


def _pg_analyze_each(text: str, lo: int, hi: int, verify: bool) -> Result:
    """One bad statement must not hide the others: split at the scanner's `;` tokens
    and parse each piece alone.  If even the scanner fails (an unterminated literal or
    comment), what precedes the statement it starts in is still read."""
    from pglast.parser import ParseError, scan

    reason = ""
    try:
        tokens = scan(text[lo:hi])
        tail = hi
    except ParseError as error:
        reason = str(error.args[0])
        where = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else 0
        tokens = _pg_scan_prefix(text, lo, lo + where)
        semis = [t for t in tokens if t.name == "ASCII_59"]
        tail = lo + semis[-1].end + 1 if semis else lo
        tokens = [t for t in tokens if t.end < tail - lo]
    cuts = [lo] + [lo + t.end + 1 for t in tokens if t.name == "ASCII_59"] + [tail]
    statements: list[Statement] = []
    unparsed: list[Unparsed] = []
    for a, b in zip(cuts, cuts[1:]):
        end = b - 1 if b > a and text[b - 1] == ";" else b
        try:
            parsed = _pg_parse(text, a, end)
        except ParseError as error:
            start, stop = _pg_trim(text, a, end)
            if stop > start:
                unparsed.append(Unparsed(start, stop, str(error.args[0])))
            continue
        for stmt in parsed:
            found, bad = _pg_classify(stmt, verify)
            statements += found
            unparsed += bad
    if tail < hi:
        start, stop = _pg_trim(text, tail, hi)
        if stop > start:
            unparsed.append(Unparsed(start, stop, reason))
    return statements, unparsed


def _pg_scan_prefix(text: str, lo: int, hi: int) -> list[Any]:
    from pglast.parser import ParseError, scan

    try:
        return list(scan(text[lo:hi]))
    except ParseError:
        return []


def _pg_classify(stmt: _PgStmt, verify: bool) -> Result:
    if stmt.node_type == "DoStmt":
        return _pg_do(stmt)
    handler = _PG_HANDLERS.get(stmt.node_type)
    facts = handler(stmt) if handler else [_Fact(_PG_PLAIN.get(stmt.node_type, "OTHER"), "", False)]
    checker = _pg_verifier(stmt) if verify else None
    found = [_finish(f, stmt.start, stmt.end, "postgres", checker) for f in facts]
    ops = pg_operations(stmt.node_type, stmt.node)
    if ops and found:
        found[0] = replace(found[0], ops=ops)
    return found, []


def _pg_verifier(stmt: _PgStmt) -> Verifier:
    """Proves a fix: the fixed statement must parse to the same tree as the original,
    but for the guard, and hold one fewer unguarded statement of the fact's kind."""
    before: list[list[Statement]] = []  # the original's statements, classified once

    def check(at: int, text: str, fact: _Fact) -> bool:
        from pglast.parser import ParseError, parse_sql_json

        head, tail = stmt.text[stmt.start : at], stmt.text[at : stmt.end]
        fixed = head + text + tail
        # The original with spaces where the fix goes: every position in its tree is
        # then the fixed tree's, and the two JSON texts differ only by the guard.
        padded = head + " " * len(text) + tail
        try:
            fixed_tree = parse_sql_json(fixed)
            padded_tree = parse_sql_json(padded)
        except ParseError:
            return False
        if _without_guards(fixed_tree) != _without_guards(padded_tree):
            return False
        again = _pg_parse(fixed, 0, len(fixed), fixed_tree)
        if len(again) != 1 or again[0].node_type != stmt.node_type:
            return False
        if not before:
            before.append(_pg_classify(stmt, verify=False)[0])
        after, _ = _pg_classify(again[0], verify=False)
        return _fix_works(before[0], after, fact)

    return check


# The guards a fix adds, as libpg_query writes them (false flags are left out).
_GUARD_FLAGS = tuple(
    variant
    for flag in ('"if_not_exists":true', '"missing_ok":true', '"replace":true')
    for variant in ("," + flag, flag + ",", flag)
)
_DO_NOTHING_CLAUSE = r'"onConflictClause":\{"action":"ONCONFLICT_NOTHING","location":\d+\}'
_DO_NOTHING = re.compile(rf",{_DO_NOTHING_CLAUSE}|{_DO_NOTHING_CLAUSE},?")


def _without_guards(tree: str) -> str:
    """A statement's JSON parse tree without IF [NOT] EXISTS, OR REPLACE and a bare
    ON CONFLICT DO NOTHING: a tree a fix may change into the other's."""
    for flag in _GUARD_FLAGS:
        tree = tree.replace(flag, "")
    if "ONCONFLICT_NOTHING" in tree:
        tree = _DO_NOTHING.sub("", tree, count=1)
    return tree


def _names(items: list[Node] | None) -> str:
    return ".".join(str(item["String"]["sval"]) for item in items or () if "String" in item)


def _rangevar(rel: Node | None) -> str:
    if not rel:
        return ""
    return ".".join(str(rel[k]) for k in ("catalogname", "schemaname", "relname") if rel.get(k))


def _pg_object_name(obj: Node) -> str:
    """The name in a DROP's object list, whatever shape the object type gives it."""
    if "List" in obj:
        return _names(obj["List"].get("items"))
    if "String" in obj:
        return str(obj["String"]["sval"])
    if "ObjectWithArgs" in obj:
        return _names(obj["ObjectWithArgs"].get("objname"))
    if "TypeName" in obj:
        return _names(obj["TypeName"].get("names"))
    return ""


def _pg_create_table(st: _PgStmt) -> list[_Fact]:
    node = st.node["base"] if st.node_type == "CreateForeignTableStmt" else st.node
    rel = node.get("relation") or {}
    kind = "CREATE FOREIGN TABLE" if st.node_type == "CreateForeignTableStmt" else "CREATE TABLE"
    if rel.get("relpersistence") == "t":  # a temporary table is gone with the session
        kind = "CREATE TEMPORARY TABLE"
    guarded = bool(node.get("if_not_exists"))
    table = _rangevar(rel)
    keys = tuple((table, columns) for columns in _pg_table_keys(node.get("tableElts") or []))
    cascades = tuple((table, parent) for parent in _pg_cascades(node.get("tableElts") or []))
    # PARTITION OF parent: the partition is made on its parent table, as an index is
    parent = _rangevar((node.get("inhRelations") or [{}])[0].get("RangeVar")) if node.get("partbound") else ""
    fix_at = () if guarded else st.after("TABLE")
    return [_Fact(kind, table, guarded, fix_at=fix_at, keys=keys, table=parent, cascades=cascades)]


_PG_KEYS = ("CONSTR_PRIMARY", "CONSTR_UNIQUE")


def _pg_cascades(elements: list[Node]) -> tuple[str, ...]:
    """The tables referenced by the FOREIGN KEY / REFERENCES ... ON DELETE CASCADE among a
    table's elements (its columns' constraints and its own)."""
    constraints = []
    for element in elements:
        column = element.get("ColumnDef")
        found = column.get("constraints", ()) if column is not None else [element]
        constraints += [c.get("Constraint") or {} for c in found]
    return tuple(
        dict.fromkeys(
            _rangevar(c.get("pktable"))
            for c in constraints
            if c.get("contype") == "CONSTR_FOREIGN" and c.get("fk_del_action") == "c" and c.get("pktable")
        )
    )


def _pg_table_keys(elements: list[Node]) -> Iterator[tuple[str, ...]]:
    """The column sets of the PRIMARY KEY / UNIQUE constraints among a table's elements."""
    for element in elements:
        column = element.get("ColumnDef")
        if column is not None:
            if any(c.get("Constraint", {}).get("contype") in _PG_KEYS for c in column.get("constraints", ())):
                yield (str(column.get("colname", "")),)
            continue
        constraint = element.get("Constraint") or {}
        keys = constraint.get("keys") or ()
        if constraint.get("contype") in _PG_KEYS and keys and all("String" in k for k in keys):
            yield tuple(sorted(str(k["String"]["sval"]) for k in keys))


def _pg_create_table_as(st: _PgStmt) -> list[_Fact]:
    rel = (st.node.get("into") or {}).get("rel") or {}
    guarded = bool(st.node.get("if_not_exists"))
    if st.node.get("objtype") == "OBJECT_MATVIEW":
        return [
            _Fact(
                "CREATE MATERIALIZED VIEW",
                _rangevar(rel),
                guarded,
                fix_at=() if guarded else st.after("VIEW"),
            )
        ]
    kind = "CREATE TEMPORARY TABLE" if rel.get("relpersistence") == "t" else "CREATE TABLE"
    return [_Fact(kind, _rangevar(rel), guarded, fix_at=() if guarded else st.after("TABLE"))]


def _pg_create_index(st: _PgStmt) -> list[_Fact]:
    kind = "CREATE UNIQUE INDEX" if st.node.get("unique") else "CREATE INDEX"
    name = str(st.node.get("idxname") or "")
    table = _rangevar(st.node.get("relation"))
    guarded = bool(st.node.get("if_not_exists"))
    if guarded:
        return [_Fact(kind, name, True, keys=_pg_index_key(st.node), table=table)]
    if not name:  # PostgreSQL names it afresh each time: a second run adds an index, never fails
        return [_Fact(kind, "", True, advice="a name and IF NOT EXISTS", table=table)]
    keyword = "CONCURRENTLY" if st.node.get("concurrent") else "INDEX"
    return [_Fact(kind, name, False, fix_at=st.after(keyword), keys=_pg_index_key(st.node), table=table)]


def _pg_index_key(node: Node) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A unique index on plain columns, without WHERE: a key like a UNIQUE constraint."""
    params = [p.get("IndexElem", {}) for p in node.get("indexParams", ())]
    if (
        not node.get("unique")
        or node.get("whereClause")
        or not params
        or not all(p.get("name") for p in params)
    ):
        return ()
    return ((_rangevar(node.get("relation")), tuple(sorted(str(p["name"]) for p in params))),)


def _pg_create_simple(
    kind: str, keyword: str, name: Callable[[Node], str]
) -> Callable[[_PgStmt], list[_Fact]]:
    def handler(st: _PgStmt) -> list[_Fact]:
        guarded = bool(st.node.get("if_not_exists"))
        return [_Fact(kind, name(st.node), guarded, fix_at=() if guarded else st.after(keyword))]

    return handler


def _pg_or_replace(st: _PgStmt) -> list[_Fact]:
    node = st.node
    if st.node_type == "ViewStmt":
        kind, name = "CREATE VIEW", _rangevar(node.get("view"))
    elif st.node_type == "CreateTrigStmt":
        kind = "CREATE CONSTRAINT TRIGGER" if node.get("isconstraint") else "CREATE TRIGGER"
        name = str(node.get("trigname", ""))
    else:
        kind = "CREATE PROCEDURE" if node.get("is_procedure") else "CREATE FUNCTION"
        name = _names(node.get("funcname"))
    guarded = bool(node.get("replace"))
    table = _rangevar(node.get("relation")) if st.node_type == "CreateTrigStmt" else ""
    return [_Fact(kind, name, guarded, fix_at=() if guarded else st.after("CREATE"), table=table)]


def _pg_create_type(st: _PgStmt) -> list[_Fact]:
    node = st.node
    if st.node_type == "DefineStmt":
        if node.get("kind") != "OBJECT_TYPE":
            return [_Fact("OTHER", _names(node.get("defnames")), False)]
        return [_Fact("CREATE TYPE", _names(node.get("defnames")), False)]
    if st.node_type == "CompositeTypeStmt":
        return [_Fact("CREATE TYPE", _rangevar(node.get("typevar")), False)]
    if st.node_type == "CreateDomainStmt":
        return [_Fact("CREATE DOMAIN", _names(node.get("domainname")), False)]
    return [_Fact("CREATE TYPE", _names(node.get("typeName")), False)]


_PG_ACTIONS = {
    "AT_AddColumn": "ALTER TABLE ADD COLUMN",
    "AT_DropColumn": "ALTER TABLE DROP COLUMN",
    "AT_AddConstraint": "ALTER TABLE ADD CONSTRAINT",
    "AT_DropConstraint": "ALTER TABLE DROP CONSTRAINT",
}


def _pg_alter_table(st: _PgStmt) -> list[_Fact]:
    """One fact per ADD/DROP COLUMN/CONSTRAINT action, so that every unsafe action of a
    multi-action ALTER TABLE is reported and fixed in one pass."""
    node = st.node
    table = _rangevar(node.get("relation"))
    if node.get("objtype") not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
        return [_Fact("OTHER", table, False)]
    cmds = [c.get("AlterTableCmd", {}) for c in node.get("cmds", [])]
    if not any(c.get("subtype") in _PG_ACTIONS for c in cmds):
        return [_Fact("ALTER TABLE", table, False)]
    segments = _pg_action_segments(st, len(cmds))
    facts = []
    for index, cmd in enumerate(cmds):
        kind = _PG_ACTIONS.get(cmd.get("subtype", ""))
        if kind is None:
            continue
        name = _pg_action_name(cmd)
        guarded = bool(cmd.get("missing_ok"))
        seg = segments[index] if segments else None
        at = seg[0].start if seg else -1
        fix_at = () if guarded or not seg or kind == "ALTER TABLE ADD CONSTRAINT" else _pg_action_fix_at(seg)
        keys = tuple((table, columns) for columns in _pg_table_keys([cmd.get("def") or {}]))
        cascades = tuple((table, parent) for parent in _pg_cascades([cmd.get("def") or {}]))
        target = f"{table}.{name}" if name else table
        facts.append(_Fact(kind, target, guarded, at, fix_at, keys=keys, cascades=cascades))
    return facts


def _pg_action_name(cmd: Node) -> str:
    """The column or constraint an action is about ('' for an unnamed constraint)."""
    definition = cmd.get("def") or {}
    if "ColumnDef" in definition:
        return str(definition["ColumnDef"].get("colname", ""))
    if "Constraint" in definition:
        return str(definition["Constraint"].get("conname", ""))
    return str(cmd.get("name", ""))


def _pg_action_segments(st: _PgStmt, count: int) -> list[list[_Tok]] | None:
    """The tokens of each action (top-level comma-separated), if they match the commands."""
    tokens = st.tokens
    rel = st.node.get("relation") or {}
    name_at = st.src.pos(rel["location"]) if "location" in rel else -1
    index = next((i for i, t in enumerate(tokens) if t.start == name_at), None)
    if index is None:
        return None
    index += 1
    while index + 1 < len(tokens) and tokens[index].name == "ASCII_46":  # schema.table
        index += 2
    if index < len(tokens) and tokens[index].name == "ASCII_42":  # table *
        index += 1
    segments: list[list[_Tok]] = [[]]
    depth = 0
    for tok in tokens[index:]:
        if tok.name in ("ASCII_40", "ASCII_91"):
            depth += 1
        elif tok.name in ("ASCII_41", "ASCII_93"):
            depth -= 1
        elif tok.name == "ASCII_44" and depth == 0:
            segments.append([])
            continue
        segments[-1].append(tok)
    return segments if len(segments) == count and all(segments) else None


def _pg_action_fix_at(seg: list[_Tok]) -> tuple[int, ...]:
    """ADD [COLUMN] / DROP [COLUMN|CONSTRAINT]: the guard goes after the last of these."""
    if len(seg) > 1 and seg[1].name in ("COLUMN", "CONSTRAINT"):
        return (seg[1].stop,)
    return (seg[0].stop,)


_PG_RENAMES = {
    "OBJECT_TABLE": "ALTER TABLE RENAME",
    "OBJECT_COLUMN": "ALTER TABLE RENAME COLUMN",
    "OBJECT_TABCONSTRAINT": "ALTER TABLE RENAME CONSTRAINT",
    "OBJECT_INDEX": "ALTER INDEX RENAME",
    "OBJECT_SEQUENCE": "ALTER SEQUENCE RENAME",
    "OBJECT_VIEW": "ALTER VIEW RENAME",
    "OBJECT_MATVIEW": "ALTER MATERIALIZED VIEW RENAME",
    "OBJECT_TYPE": "ALTER TYPE RENAME",  # no rule (not in _RENAMES): read for the order of names
}


def _pg_rename(st: _PgStmt) -> list[_Fact]:
    node = st.node
    kind = _PG_RENAMES.get(node.get("renameType", ""), "OTHER")
    target = _rangevar(node.get("relation")) or _pg_object_name(node.get("object") or {})
    if node.get("subname"):
        target = f"{target}.{node['subname']}"
    # ALTER TABLE IF EXISTS old RENAME TO new is a no-op once `old` is gone; for a
    # column or constraint, IF EXISTS is about the table, which is still there.
    guarded = bool(node.get("missing_ok")) and not node.get("subname")
    renamed_to = ""
    if node.get("renameType") == "OBJECT_TABLE" and node.get("newname"):
        schema = (node.get("relation") or {}).get("schemaname")
        renamed_to = f"{schema}.{node['newname']}" if schema else str(node["newname"])
    new_name = str(node.get("newname") or "")
    return [_Fact(kind, target, guarded, renamed_to=renamed_to, new_name=new_name)]


def _pg_drop(st: _PgStmt) -> list[_Fact]:
    node = st.node
    remove = str(node.get("removeType", "OBJECT_"))[len("OBJECT_") :]
    kind = "DROP " + _PG_OBJECT_WORDS.get(remove, remove.replace("_", " "))
    objects = node.get("objects") or [{}]
    target = _pg_object_name(objects[0])
    if remove in ("TRIGGER", "RULE", "POLICY") and "." in target:  # [schema.]table.name
        table, _, name = target.rpartition(".")
        target = f"{name} ON {table}"
    guarded = bool(node.get("missing_ok"))
    # The object type takes one to four keywords (DROP TEXT SEARCH CONFIGURATION, DROP
    # INDEX CONCURRENTLY): IF EXISTS goes after them; the verifier picks the one place.
    fix_at = () if guarded else tuple(t.stop for t in st.tokens[1:5])
    return [_Fact(kind, target, guarded, fix_at=fix_at)]


_PG_OBJECT_WORDS = {
    "MATVIEW": "MATERIALIZED VIEW", "FDW": "FOREIGN DATA WRAPPER", "FOREIGN_SERVER": "SERVER",
    "TSCONFIGURATION": "TEXT SEARCH CONFIGURATION", "TSDICTIONARY": "TEXT SEARCH DICTIONARY",
    "TSPARSER": "TEXT SEARCH PARSER", "TSTEMPLATE": "TEXT SEARCH TEMPLATE", "OPCLASS": "OPERATOR CLASS",
    "OPFAMILY": "OPERATOR FAMILY", "STATISTIC_EXT": "STATISTICS",
}  # fmt: skip


def _pg_drop_other(kind: str, name: Callable[[Node], str]) -> Callable[[_PgStmt], list[_Fact]]:
    def handler(st: _PgStmt) -> list[_Fact]:
        guarded = bool(st.node.get("missing_ok"))
        fix_at = () if guarded else tuple(t.stop for t in st.tokens[1:3])
        return [_Fact(kind, name(st.node), guarded, fix_at=fix_at)]

    return handler


def _pg_insert(st: _PgStmt) -> list[_Fact]:
    node = st.node
    target = _rangevar(node.get("relation"))
    select = (node.get("selectStmt") or {}).get("SelectStmt") or {}
    if node.get("onConflictClause") or _has_anti_join(select.get("whereClause")):
        return [_Fact("INSERT", target, True)]
    columns = _pg_inserted_columns(node.get("cols") or [], select.get("valuesLists") or [])
    if node.get("returningList"):  # ON CONFLICT DO NOTHING would change what it returns
        return [_Fact("INSERT", target, False, columns=columns)]
    return [_Fact("INSERT", target, False, fix_at=(st.end,), columns=columns)]


def _pg_inserted_columns(cols: list[Node], rows: list[Node]) -> tuple[str, ...]:
    """The listed columns (not a.b targets), less any that a VALUES row gives NULL."""
    names = [str(c.get("ResTarget", {}).get("name", "")) for c in cols]
    nulls: set[int] = set()
    for row in rows:
        for index, value in enumerate(row.get("List", {}).get("items", ())):
            if value.get("A_Const", {}).get("isnull"):
                nulls.add(index)
    plain = [not c.get("ResTarget", {}).get("indirection") for c in cols]
    return tuple(sorted(n for i, n in enumerate(names) if n and plain[i] and i not in nulls))


def _has_anti_join(where: Any) -> bool:
    """WHERE ... NOT EXISTS (SELECT ...) or NOT IN (SELECT ...), anywhere in the clause."""
    if isinstance(where, list):
        return any(_has_anti_join(item) for item in where)
    if not isinstance(where, dict):
        return False
    boolean = where.get("BoolExpr")
    if boolean:
        args = boolean.get("args", [])
        if boolean.get("boolop") == "NOT_EXPR" and any("SubLink" in a for a in args):
            return True
        return _has_anti_join(args)
    sublink = where.get("SubLink")
    return bool(sublink and sublink.get("subLinkType") == "ALL_SUBLINK")


def _pg_alter_enum(st: _PgStmt) -> list[_Fact]:
    node = st.node
    kind = "ALTER TYPE RENAME VALUE" if node.get("oldVal") else "ALTER TYPE ADD VALUE"
    return [_Fact(kind, _names(node.get("typeName")), bool(node.get("skipIfNewValExists")))]


def _pg_delete(st: _PgStmt) -> list[_Fact]:
    if st.node_type == "TruncateStmt":
        relations = st.node.get("relations") or [{}]
        return [_Fact("TRUNCATE", _rangevar(relations[0].get("RangeVar")), False)]
    return [_Fact("DELETE", _rangevar(st.node.get("relation")), False)]


_PG_HANDLERS: dict[str, Callable[[_PgStmt], list[_Fact]]] = {
    "DeleteStmt": _pg_delete,
    "TruncateStmt": _pg_delete,
    "CreateStmt": _pg_create_table,
    "CreateForeignTableStmt": _pg_create_table,
    "CreateTableAsStmt": _pg_create_table_as,
    "IndexStmt": _pg_create_index,
    "CreateSeqStmt": _pg_create_simple("CREATE SEQUENCE", "SEQUENCE", lambda n: _rangevar(n.get("sequence"))),
    "CreateSchemaStmt": _pg_create_simple(
        "CREATE SCHEMA",
        "SCHEMA",
        lambda n: str(n.get("schemaname") or (n.get("authrole") or {}).get("rolename", "")),
    ),
    "CreateExtensionStmt": _pg_create_simple(
        "CREATE EXTENSION", "EXTENSION", lambda n: str(n.get("extname", ""))
    ),
    "ViewStmt": _pg_or_replace,
    "CreateFunctionStmt": _pg_or_replace,
    "CreateTrigStmt": _pg_or_replace,
    "CreateEnumStmt": _pg_create_type,
    "CompositeTypeStmt": _pg_create_type,
    "CreateRangeStmt": _pg_create_type,
    "CreateDomainStmt": _pg_create_type,
    "DefineStmt": _pg_create_type,
    "AlterTableStmt": _pg_alter_table,
    "RenameStmt": _pg_rename,
    "DropStmt": _pg_drop,
    "DropRoleStmt": _pg_drop_other(
        "DROP ROLE", lambda n: str(((n.get("roles") or [{}])[0].get("RoleSpec") or {}).get("rolename", ""))
    ),
    "DropdbStmt": _pg_drop_other("DROP DATABASE", lambda n: str(n.get("dbname", ""))),
    "DropTableSpaceStmt": _pg_drop_other("DROP TABLESPACE", lambda n: str(n.get("tablespacename", ""))),
    "DropSubscriptionStmt": _pg_drop_other("DROP SUBSCRIPTION", lambda n: str(n.get("subname", ""))),
    "InsertStmt": _pg_insert,
    "MergeStmt": lambda st: [_Fact("MERGE", _rangevar(st.node.get("relation")), True)],
    "AlterEnumStmt": _pg_alter_enum,
}
_PG_PLAIN = {
    "UpdateStmt": "UPDATE", "DeleteStmt": "DELETE", "SelectStmt": "SELECT", "CommentStmt": "COMMENT ON",
    "GrantStmt": "GRANT", "VariableSetStmt": "SET", "TruncateStmt": "TRUNCATE",
}  # fmt: skip


# -- PostgreSQL DO blocks ---------------------------------------------------------------

# An IF condition that looks something up before acting: IF NOT EXISTS (SELECT ... FROM
# pg_type ...), IF to_regclass(...) IS NULL, IF NOT FOUND after a PERFORM, ...
_GUARD_CONDITION = re.compile(r"\b(?:exists|found|select|to_reg\w*)\b|\bpg_\w+|information_schema", re.I)
# Conditions whose handler turns "already exists" / "does not exist" into a no-op;
# SQLSTATE classes 42 (duplicate_*, undefined_*) and 23 (unique_violation).
_GUARD_EXCEPTION = re.compile(
    r"duplicate_\w+|undefined_\w+|unique_violation|invalid_table_definition|others|(?:42|23)[0-9a-z]{3}", re.I
)
_RERAISE_LEVEL = 21  # elog ERROR: RAISE without a level, or RAISE EXCEPTION


class _Inner(NamedTuple):
    """A statement inside a DO body: its SQL text (or a string literal for EXECUTE), the
    body line it is on, and whether a guard encloses it."""

    query: str
    lineno: int
    guarded: bool
    dynamic: bool


def _pg_do(st: _PgStmt) -> Result:
    """The DO itself (no rule: guarded when everything inside is) and every statement of
    its PL/pgSQL body, in the outer text's offsets."""
    body, body_at, language = _pg_do_body(st)
    opaque = Statement(None, "DO", "", st.start, st.end, False, "", None)
    if body is None or language.lower() != "plpgsql":
        return [opaque], []
    masked = _pg_mask_binds(body)  # SQLAlchemy binds `:name` inside a DO body too
    try:
        inner = list(_plpgsql_statements(masked))
    except Exception as error:  # pglast's ParseError, or anything its PL/pgSQL JSON trips
        return [opaque], [Unparsed(st.start, st.end, f"PL/pgSQL: {error.args[0] if error.args else error}")]
    pos = _pg_body_positions(st.text, body, body_at)
    line_starts = [0] + [i + 1 for i, c in enumerate(body) if c == "\n"]
    statements: list[Statement] = []
    unparsed: list[Unparsed] = []
    for item in inner:
        found, bad, located = _pg_inner(masked, item, line_starts)
        if pos is None or not located:  # still reported, on the whole DO
            statements += [
                replace(s, start=st.start, end=st.end, at=-1, fix=None, in_block=True) for s in found
            ]
            unparsed += [Unparsed(st.start, st.end, u.reason) for u in bad]
        else:
            statements += [_moved(s, pos) for s in found]
            unparsed += [Unparsed(pos(u.start), pos(u.end), u.reason) for u in bad]
    guarded = not unparsed and all(s.guarded or s.rule is None for s in statements)
    do = replace(opaque, guarded=guarded, safe_when="a guard on each statement inside")
    return [do, *statements], unparsed


def _pg_do_body(st: _PgStmt) -> tuple[str | None, int, str]:
    """The body of DO [LANGUAGE x] '...' (its text, and where its literal starts)."""
    body, body_at, language = None, -1, "plpgsql"
    for arg in st.node.get("args", []):
        elem = arg.get("DefElem", {})
        value = str((elem.get("arg") or {}).get("String", {}).get("sval", ""))
        if elem.get("defname") == "language":
            language = value
        elif elem.get("defname") == "as":
            body = value
            if elem.get("location", -1) >= 0:
                body_at = st.src.pos(elem["location"])
    return body, body_at, language


def _pg_body_positions(text: str, body: str, at: int) -> Callable[[int], int] | None:
    """Offsets in the DO body -> offsets in the text: a dollar-quoted body is verbatim; a
    '...' body has its doubled quotes; anything else (E'...') is not mapped."""
    if at < 0:
        return None
    tag = _DOLLAR_TAG.match(text, at)
    if tag and text.startswith(body, tag.end()):
        base = tag.end()
        return lambda i: base + i
    if text.startswith("'", at):
        decoded = _literal_positions(text, at)
        if decoded and decoded[0] == body:
            positions = decoded[1]
            return lambda i: positions[i]
    return None


def _plpgsql_statements(body: str) -> Iterator[_Inner]:
    from pglast.parser import parse_plpgsql_json

    tag = "$miglint$"
    while tag in body:
        tag = tag[:-1] + "_$"
    # The PL/pgSQL parser reads function definitions; a DO body is one.
    wrapper = f"CREATE FUNCTION miglint_do() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"
    tree = json.loads(parse_plpgsql_json(wrapper))
    for function in tree:
        yield from _plpgsql_walk(function.get("PLpgSQL_function", {}).get("action"), False)


def _plpgsql_walk(node: Any, guarded: bool) -> Iterator[_Inner]:
    if isinstance(node, list):
        for item in node:
            yield from _plpgsql_walk(item, guarded)
        return
    if not isinstance(node, dict):
        return
    for kind, value in node.items():
        if not isinstance(value, dict):
            yield from _plpgsql_walk(value, guarded)
        elif kind == "PLpgSQL_stmt_execsql":
            query = value.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query", "")
            yield _Inner(query, int(value.get("lineno", 1)), guarded, dynamic=False)
        elif kind == "PLpgSQL_stmt_dynexecute":
            query = value.get("query", {}).get("PLpgSQL_expr", {}).get("query", "")
            yield _Inner(query, int(value.get("lineno", 1)), guarded, dynamic=True)
        elif kind == "PLpgSQL_stmt_if":
            yield from _plpgsql_if(value, guarded)
        elif kind == "PLpgSQL_stmt_block":
            handlers = value.get("exceptions", {}).get("PLpgSQL_exception_block", {}).get("exc_list", [])
            yield from _plpgsql_walk(value.get("body"), guarded or any(map(_plpgsql_swallows, handlers)))
            # a handler runs only after its block failed
            yield from _plpgsql_walk(handlers, True)
        else:
            yield from _plpgsql_walk(value, guarded)


def _plpgsql_swallows(handler: Node) -> bool:
    """WHEN duplicate_object THEN NULL (or a NOTICE) swallows the error; a handler that
    raises again at ERROR level does not."""
    exception = handler.get("PLpgSQL_exception", {})
    names = [c.get("PLpgSQL_condition", {}).get("condname", "") for c in exception.get("conditions", [])]
    if not any(_GUARD_EXCEPTION.fullmatch(str(n)) for n in names):
        return False
    raises = [a["PLpgSQL_stmt_raise"] for a in exception.get("action", []) if "PLpgSQL_stmt_raise" in a]
    return not any(r.get("elog_level", _RERAISE_LEVEL) >= _RERAISE_LEVEL for r in raises)


def _plpgsql_if(node: Node, guarded: bool) -> Iterator[_Inner]:
    """Every branch after a lookup condition is guarded: ELSIF and ELSE run only when
    the lookup said so too."""

    def looks_up(cond: Any) -> bool:
        return bool(_GUARD_CONDITION.search(str((cond or {}).get("PLpgSQL_expr", {}).get("query", ""))))

    guarded = guarded or looks_up(node.get("cond"))
    yield from _plpgsql_walk(node.get("then_body"), guarded)
    for branch in node.get("elsif_list", []):
        elsif = branch.get("PLpgSQL_if_elsif", {})
        guarded = guarded or looks_up(elsif.get("cond"))
        yield from _plpgsql_walk(elsif.get("stmts"), guarded)
    yield from _plpgsql_walk(node.get("else_body"), guarded)


def _pg_inner(
    body: str, item: _Inner, line_starts: list[int]
) -> tuple[list[Statement], list[Unparsed], bool]:
    """Analyse one statement of a DO body, in body offsets; False if it was not found in
    the body (then it is analysed alone, and its offsets mean nothing)."""
    line = line_starts[min(max(item.lineno - 1, 0), len(line_starts) - 1)]
    at = body.find(item.query, line)
    if at < 0:
        at = body.find(item.query)
    located = at >= 0
    if not located:
        body, at = _pg_mask_binds(item.query), 0
    if item.dynamic:
        found, bad = _pg_dynamic(body, at, item.query)
    else:
        found, bad = _pg_analyze_text(body, at, at + len(item.query), verify=located)
    if item.guarded:
        found = [replace(s, guarded=True, fix=None) if s.rule else s for s in found]
    return [replace(s, in_block=True) for s in found], bad, located


def _pg_dynamic(body: str, at: int, expression: str) -> Result:
    """EXECUTE 'literal SQL': analysed like the rest; anything computed is not."""
    if not expression.strip().startswith("'"):
        return [], []
    quote = at + expression.index("'")
    decoded = _literal_positions(body, quote)
    if decoded is None or decoded[1][-1] != at + len(expression.rstrip()) - 1:
        return [], []  # 'a' || b, format(...): dynamic SQL
    value, positions = decoded
    found, bad = _pg_analyze_text(_pg_mask_binds(value), 0, len(value), verify=True)
    return (
        [_moved(s, positions.__getitem__) for s in found],
        [Unparsed(positions[u.start], positions[u.end], u.reason) for u in bad],
    )


# -- other dialects (sqlglot) -----------------------------------------------------------


@contextlib.contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs a warning for every statement it falls back to a Command for."""
    import logging

    logger = logging.getLogger("sqlglot")
    disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = disabled


def _glot_analyze(sql: str, dialect: str) -> Result:
    from sqlglot.dialects.dialect import Dialect

    reader = Dialect.get_or_raise(dialect)
    with _quiet_sqlglot():
        try:
            tokens = reader.tokenize(sql)
        except Exception as error:  # TokenError, and whatever a sqlglot bug raises: never ours to raise
            stripped = sql.strip()
            start = sql.index(stripped[0]) if stripped else 0
            return [], ([Unparsed(start, start + len(stripped), _glot_reason(error))] if stripped else [])
        statements: list[Statement] = []
        unparsed: list[Unparsed] = []
        for chunk in _glot_split(tokens, dialect):
            found, bad = _glot_classify(reader, dialect, sql, chunk, verify=True)
            statements += found
            unparsed += bad
    return statements, unparsed


@functools.cache
def _quoted_token_types() -> frozenset[Any]:
    from sqlglot import TokenType

    return frozenset({TokenType.STRING, TokenType.IDENTIFIER, TokenType.NATIONAL_STRING})


def _word(tok: Token) -> str:
    """A token's keyword in upper case; '' for literals and quoted names."""
    return "" if tok.token_type in _quoted_token_types() else str(tok.text).upper()


_ROUTINES = frozenset({"FUNCTION", "PROCEDURE", "TRIGGER", "PACKAGE", "EVENT", "TYPE"})


def _glot_starts_block(words: list[str], dialect: str) -> bool:
    """An anonymous PL/SQL or T-SQL block (or DO, without pglast), run as one statement."""
    first = words[0] if words else ""
    if dialect == "postgres":
        return first == "DO"
    if dialect == "oracle":
        return first in ("BEGIN", "DECLARE")
    if dialect == "tsql":
        second = words[1] if len(words) > 1 else ""
        return first in ("IF", "WHILE") or (
            first == "BEGIN" and second not in ("TRAN", "TRANSACTION", "DISTRIBUTED")
        )
    return False


_NOUNS = _ROUTINES | {"TABLE", "VIEW", "INDEX", "SEQUENCE", "SCHEMA", "DATABASE"}


def _glot_starts_routine(words: list[str]) -> bool:
    """CREATE ... FUNCTION/PROCEDURE/TRIGGER: its body may hold `;` between BEGIN and END."""
    if not words or words[0] != "CREATE":
        return False
    noun = next((_last(w) for w in words[1:12] if _last(w) in _NOUNS), "")
    return noun in _ROUTINES


def _last(word: str) -> str:
    """Some tokenizers make one token of two keywords (sqlglot 25: CONSTRAINT TRIGGER)."""
    return word.rpartition(" ")[2]


def _glot_split(tokens: list[Token], dialect: str) -> Iterator[list[Token]]:
    """Statements between top-level `;`.  sqlglot splits at every `;`, which cuts a
    trigger's or a procedure's BEGIN ... END body apart."""
    from sqlglot import TokenType

    index = 0
    while index < len(tokens):
        words = [_word(t) for t in tokens[index : index + 12]]
        procedural = _glot_starts_block(words, dialect) or _glot_starts_routine(words)
        begins_later = procedural and any(_word(t) == "BEGIN" for t in tokens[index:])
        depth, seen_begin, stop = 0, False, index
        while stop < len(tokens):
            tok = tokens[stop]
            if tok.token_type == TokenType.SEMICOLON and depth == 0 and (seen_begin or not begins_later):
                break
            if procedural:
                depth, seen_begin = _glot_depth(tokens, stop, depth, seen_begin)
            stop += 1
        if stop > index:
            yield tokens[index:stop]
        index = stop + 1


def _glot_depth(tokens: list[Token], index: int, depth: int, seen_begin: bool) -> tuple[int, bool]:
    word = _word(tokens[index])
    if word in ("BEGIN", "CASE"):
        return depth + 1, seen_begin or word == "BEGIN"
    if word == "END":
        following = _word(tokens[index + 1]) if index + 1 < len(tokens) else ""
        if following not in ("IF", "LOOP", "WHILE", "REPEAT", "FOR"):
            return max(depth - 1, 0), seen_begin
    return depth, seen_begin


def _glot_classify(reader: Dialect, dialect: str, sql: str, chunk: list[Token], verify: bool) -> Result:
    from sqlglot import exp

    start, end = chunk[0].start, chunk[-1].end + 1
    words = [_word(t) for t in chunk]
    if _glot_starts_block(words, dialect):
        return [_glot_block(sql[start:end], start, end)], []
    expression: exp.Expr | None = None
    if not _glot_starts_routine(words) and not _glot_by_text(sql[start:end]):
        try:
            expression = next((e for e in reader.parser().parse(chunk, sql) if e is not None), None)
        except Exception as error:  # ParseError, and whatever a sqlglot bug raises: never ours to raise
            return [], [Unparsed(start, end, _glot_reason(error))]
    if expression is None or isinstance(expression, exp.Command):
        facts = _glot_header(chunk, words, dialect, sql[start:end])
    else:
        facts = _glot_facts(expression, chunk, dialect)
    checker = _glot_verifier(reader, dialect, sql, chunk, expression) if verify else None
    return [_finish(f, start, end, dialect, checker) for f in facts], []


def _glot_reason(error: Exception) -> str:
    from sqlglot.errors import ParseError

    if isinstance(error, ParseError) and error.errors:
        described = error.errors[0].get("description")
        if described:
            return str(described)
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _glot_verifier(
    reader: Dialect, dialect: str, sql: str, chunk: list[Token], original: exp.Expr | None
) -> Verifier:
    def check(at: int, text: str, fact: _Fact) -> bool:
        from sqlglot import exp

        start, end = chunk[0].start, chunk[-1].end + 1
        fixed = sql[start:at] + text + sql[at:end]
        try:
            chunks = list(_glot_split(reader.tokenize(fixed), dialect))
            if len(chunks) != 1:
                return False
            after, bad = _glot_classify(reader, dialect, fixed, chunks[0], verify=False)
            if original is not None and not isinstance(original, exp.Command):
                again = reader.parser().parse(chunks[0], fixed)
                if not again or type(again[0]) is not type(original):
                    return False
        except Exception:  # sqlglot's errors, or its bugs: no proof, no fix
            return False
        before, _ = _glot_classify(reader, dialect, sql, chunk, verify=False)
        return not bad and _fix_works(before, after, fact)

    return check


def _cls(*names: str) -> tuple[type[Any], ...]:
    """sqlglot's expression classes by name: several were renamed between 25 and 30
    (AlterTable -> Alter, RenameTable -> AlterRename), some are recent."""
    from sqlglot import exp

    return tuple(getattr(exp, name) for name in names if isinstance(getattr(exp, name, None), type))


def _glot_name(node: Any) -> str:
    """A table, index or routine name as written (qualified, quotes dropped)."""
    from sqlglot import exp

    if node is None:
        return ""
    if isinstance(node, exp.Schema):
        node = node.this
    if isinstance(node, exp.Table):
        return ".".join(part.name for part in node.parts)
    if isinstance(node, _cls("Index", "UserDefinedFunction", "StoredProcedure")) and node.this is not None:
        return _glot_name(node.this)
    if isinstance(node, exp.Dot):
        return node.sql()
    return str(getattr(node, "name", "") or "")


def _after_word(chunk: list[Token], word: str, first: int = 0) -> tuple[int, ...]:
    return next(((t.end + 1,) for t in chunk[first:] if _word(t) == word), ())


def _glot_fix_at(chunk: list[Token], kind: str, dialect: str) -> tuple[int, ...]:
    """Where the dialect's fix text goes for a CREATE or DROP of `kind`."""
    fix_text = _advice(kind, dialect)[1]
    if fix_text is None:
        return ()
    if fix_text.startswith(" OR "):
        return (chunk[0].end + 1,)
    return _after_word(chunk, kind.split()[-1], 1)


def _glot_facts(e: exp.Expr, chunk: list[Token], dialect: str) -> list[_Fact]:
    from sqlglot import exp

    if isinstance(e, exp.Create):
        return [_glot_create(e, chunk, dialect)]
    if isinstance(e, exp.Drop):
        kind = (
            "DROP " + ("MATERIALIZED " if e.args.get("materialized") else "") + str(e.args.get("kind") or "")
        )
        tables = e.args.get("tables") or [e.args.get("this")]  # `this` before sqlglot 26
        guarded = bool(e.args.get("exists"))
        return [
            _Fact(
                kind,
                _glot_name(tables[0]),
                guarded,
                fix_at=() if guarded else _glot_fix_at(chunk, kind, dialect),
            )
        ]
    if isinstance(e, exp.Insert):
        return [_glot_insert(e, chunk, dialect)]
    if isinstance(e, _cls("Alter", "AlterTable")):
        return _glot_alter(e, chunk, dialect)
    if isinstance(e, exp.Merge):
        return [_Fact("MERGE", _glot_name(e.this), True)]
    if isinstance(e, exp.Delete):  # its table, for an INSERT after it (sqlguards.py)
        return [_Fact("DELETE", _glot_name(e.this), False)]
    if isinstance(e, _cls("TruncateTable")) and len(e.expressions) == 1:
        return [_Fact("TRUNCATE", _glot_name(e.expressions[0]), False)]
    plain = {exp.Update: "UPDATE", exp.Select: "SELECT", exp.Union: "SELECT"}
    return [_Fact(next((k for t, k in plain.items() if isinstance(e, t)), "OTHER"), "", False)]


def _glot_create(e: exp.Create, chunk: list[Token], dialect: str) -> _Fact:
    from sqlglot import exp

    raw = str(e.args.get("kind") or "").upper()
    noun = "INDEX" if raw.endswith("INDEX") else raw
    properties = e.args.get("properties")
    if noun == "VIEW" and properties is not None and properties.find(exp.MaterializedProperty):
        noun = "MATERIALIZED VIEW"
    temporary = properties is not None and properties.find(exp.TemporaryProperty) is not None
    kind = "CREATE " + ("UNIQUE " if noun == "INDEX" and e.args.get("unique") else "") + noun
    if noun == "TABLE" and temporary and dialect != "oracle":  # gone with the session
        kind = "CREATE TEMPORARY TABLE"
    guarded = bool(e.args.get("exists") or e.args.get("replace"))
    name = _glot_name(e.this)
    keys = _glot_keys(e)
    if noun == "INDEX" and not name and not guarded:  # named afresh each run: never collides
        return _Fact(kind, "", True, advice="a name and IF NOT EXISTS", keys=keys)
    fix_at = () if guarded else _glot_fix_at(chunk, kind, dialect)
    cascades = tuple((name, parent) for parent in _glot_cascades(e)) if noun == "TABLE" else ()
    return _Fact(kind, name, guarded, fix_at=fix_at, keys=keys, cascades=cascades)


def _glot_cascades(e: exp.Expr) -> tuple[str, ...]:
    """The tables referenced by the REFERENCES ... ON DELETE CASCADE inside `e`."""
    from sqlglot import exp

    return tuple(
        dict.fromkeys(
            _glot_name(reference.this)
            for reference in e.find_all(exp.Reference)
            if any(
                " ".join(str(o).upper().split()) == "ON DELETE CASCADE"
                for o in reference.args.get("options") or ()
            )
        )
    )


def _glot_keys(e: exp.Create) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The PRIMARY KEY / UNIQUE column sets a CREATE TABLE or CREATE UNIQUE INDEX makes."""
    from sqlglot import exp

    def names(nodes: Sequence[Any]) -> tuple[str, ...]:
        found = [n.name if isinstance(n, (exp.Identifier, exp.Column)) else "" for n in nodes]
        return tuple(sorted(found)) if all(found) else ()

    found: list[tuple[str, ...]] = []
    target = e.this
    if isinstance(target, exp.Schema):  # CREATE TABLE t (...)
        table = _glot_name(target.this)
        for element in target.expressions:
            if isinstance(element, exp.ColumnDef):
                kinds = [c.args.get("kind") for c in element.args.get("constraints") or ()]
                if any(
                    isinstance(k, (exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint)) for k in kinds
                ):
                    found.append((element.name,))
            elif isinstance(element, exp.PrimaryKey):
                found.append(names(element.expressions))
            elif isinstance(element, exp.UniqueColumnConstraint) and isinstance(element.this, exp.Schema):
                found.append(names(element.this.expressions))
        return tuple((table, key) for key in found if key)
    if isinstance(target, exp.Index) and e.args.get("unique"):
        params = target.args.get("params")
        if params is None or params.args.get("where") is not None:
            return ()
        columns = names(
            [o.this if isinstance(o, exp.Ordered) else o for o in params.args.get("columns") or ()]
        )
        return ((_glot_name(target.args.get("table")), columns),) if columns else ()
    return ()


def _glot_insert(e: exp.Insert, chunk: list[Token], dialect: str) -> _Fact:
    from sqlglot import exp

    target = _glot_name(e.this)
    source = e.args.get("expression")
    where = source.args.get("where") if isinstance(source, exp.Select) else None
    anti_join = where is not None and any(
        isinstance(n.this, exp.Exists)
        or (isinstance(n.this, exp.In) and n.this.args.get("query") is not None)
        for n in where.find_all(exp.Not)
    )
    alternative = str(e.args.get("alternative") or "").upper()
    if e.args.get("conflict") or e.args.get("ignore") or alternative in ("IGNORE", "REPLACE") or anti_join:
        return _Fact("INSERT", target, True)
    # SQLite: an upsert after INSERT ... SELECT needs a WHERE to be parsed as one, and is
    # not allowed with DEFAULT VALUES or after INSERT OR <action>.
    risky = e.args.get("returning") or e.args.get("default") or alternative
    if isinstance(source, exp.Query) and where is None:
        risky = True
    columns: tuple[str, ...] = ()
    if isinstance(e.this, exp.Schema):
        listed = [c.name if isinstance(c, exp.Identifier) else "" for c in e.this.expressions]
        rows = source.expressions if isinstance(source, exp.Values) else []
        nulls = {
            i
            for row in rows
            for i, v in enumerate(getattr(row, "expressions", ()))
            if isinstance(v, exp.Null)
        }
        columns = tuple(sorted(n for i, n in enumerate(listed) if n and i not in nulls))
    return _Fact("INSERT", target, False, fix_at=() if risky else (chunk[-1].end + 1,), columns=columns)


_GLOT_DROP_ACTIONS = {
    "COLUMN": "ALTER TABLE DROP COLUMN",
    "CONSTRAINT": "ALTER TABLE DROP CONSTRAINT",
    "FOREIGN KEY": "ALTER TABLE DROP CONSTRAINT",
    "INDEX": "ALTER TABLE DROP CONSTRAINT",
    "KEY": "ALTER TABLE DROP CONSTRAINT",
    "CHECK": "ALTER TABLE DROP CONSTRAINT",
}


def _glot_alter(e: exp.Expr, chunk: list[Token], dialect: str) -> list[_Fact]:
    """One fact per action that has a rule (see _pg_alter_table)."""
    table = _glot_name(e.this)
    if str(e.args.get("kind") or "TABLE").upper() != "TABLE":  # AlterTable had no kind
        return [_Fact("OTHER", table, False)]
    actions = list(e.args.get("actions") or [])
    heads = _glot_action_heads(chunk, len(actions))
    facts: list[_Fact] = []
    for index, action in enumerate(actions):
        head = heads[index] if heads else None
        for kind, name, guarded in _glot_action(action):
            fix_at: tuple[int, ...] = ()
            if head is not None and not guarded and _advice(kind, dialect)[1]:
                fix_at = _glot_action_fix_at(chunk, head)
            at = chunk[head].start if head is not None else -1
            cascades = tuple((table, parent) for parent in _glot_cascades(action))
            facts.append(
                _Fact(kind, f"{table}.{name}" if name else table, guarded, at, fix_at, cascades=cascades)
            )
    return facts or [_Fact("ALTER TABLE", table, False)]


def _glot_action(action: exp.Expr) -> Iterator[tuple[str, str, bool]]:
    from sqlglot import exp

    if isinstance(action, exp.ColumnDef):
        yield "ALTER TABLE ADD COLUMN", action.name, bool(action.args.get("exists"))
    elif isinstance(action, exp.Schema):  # Oracle: ADD (a NUMBER, b NUMBER)
        for column in action.expressions:
            if isinstance(column, exp.ColumnDef):
                yield "ALTER TABLE ADD COLUMN", column.name, bool(column.args.get("exists"))
    elif isinstance(action, exp.Drop):
        kind = _GLOT_DROP_ACTIONS.get(str(action.args.get("kind") or "").upper())
        if kind:
            names = action.args.get("tables") or [action.args.get("this")]
            yield kind, _glot_name(names[0]), bool(action.args.get("exists"))
    elif isinstance(action, _cls("DropPrimaryKey")):
        yield "ALTER TABLE DROP CONSTRAINT", "PRIMARY KEY", False
    elif isinstance(action, exp.AddConstraint):
        named = action.find(*_cls("Constraint", "IndexColumnConstraint"))
        yield "ALTER TABLE ADD CONSTRAINT", named.name if named is not None else "", False
    elif isinstance(action, _cls("AlterRename", "RenameTable")):
        yield "ALTER TABLE RENAME", "", False
    elif isinstance(action, _cls("RenameColumn")):
        yield "ALTER TABLE RENAME COLUMN", _glot_name(action.this), bool(action.args.get("exists"))
    elif isinstance(action, _cls("RenameIndex")):
        yield "ALTER INDEX RENAME", _glot_name(action.this), False
    elif isinstance(action, _cls("ModifyColumn")) and action.args.get("rename_from") is not None:
        old = action.args["rename_from"]
        if _glot_name(old).lower() != _glot_name(action.this).lower():  # MySQL CHANGE old new
            yield "ALTER TABLE RENAME COLUMN", _glot_name(old), False


def _glot_action_heads(chunk: list[Token], count: int) -> list[int] | None:
    """Index in `chunk` of each action's first token: after ALTER TABLE [IF EXISTS]
    [ONLY] name, then after every top-level comma; None when that does not line up with
    the parsed actions."""
    words = [_word(t) for t in chunk]
    index = 2
    if words[index : index + 2] == ["IF", "EXISTS"]:
        index += 2
    if index < len(words) and words[index] == "ONLY":
        index += 1
    index += 1  # the name; a quoted or bracketed name is one token
    while index + 1 < len(chunk) and chunk[index].text == ".":
        index += 2
    if index < len(chunk) and chunk[index].text == "*":
        index += 1
    if index >= len(chunk):
        return None
    heads, depth = [index], 0
    for position in range(index, len(chunk)):
        text = chunk[position].text
        if text in ("(", "["):
            depth += 1
        elif text in (")", "]"):
            depth -= 1
        elif text == "," and depth == 0 and position + 1 < len(chunk):
            heads.append(position + 1)
    return heads if len(heads) == count else None


def _glot_action_fix_at(chunk: list[Token], head: int) -> tuple[int, ...]:
    """ADD [COLUMN] / DROP [COLUMN|CONSTRAINT]: the guard goes after the last of these."""
    if _word(chunk[head]) not in ("ADD", "DROP"):
        return ()
    if head + 1 < len(chunk) and _word(chunk[head + 1]) in ("COLUMN", "CONSTRAINT"):
        return (chunk[head + 1].end + 1,)
    return (chunk[head].end + 1,)


# Statements read from their text: sqlglot versions differ on whether they parse them.
_REPLACE_INTO = re.compile(r"REPLACE\s+(?:INTO\s+)?([^\s(]+)", re.I)  # MySQL / SQLite upsert
_RENAME_TABLE = re.compile(r"RENAME\s+TABLE\s+([^\s,]+)", re.I)  # MySQL
_SP_RENAME = re.compile(  # T-SQL: EXEC sp_rename 'old', 'new' [, 'COLUMN']
    r"EXEC(?:UTE)?\s+(?:[\w\[\]]+\.)*\[?sp_rename\]?\s+N?'([^']*)'\s*,\s*N?'[^']*'(?:\s*,\s*N?'(\w+)')?", re.I
)


def _glot_by_text(text: str) -> bool:
    return bool(_REPLACE_INTO.match(text) or _RENAME_TABLE.match(text) or _SP_RENAME.match(text))


def _glot_header(chunk: list[Token], words: list[str], dialect: str, text: str) -> list[_Fact]:
    """Statements sqlglot does not parse (a Command) or that we do not let it parse (a
    routine with a body): read the header.  The tokenizer swallows everything after a
    command keyword (REPLACE, RENAME) into one string, hence the patterns on the text."""
    upsert = _REPLACE_INTO.match(text)
    if upsert:
        return [_Fact("INSERT", upsert[1], True)]
    rename = _RENAME_TABLE.match(text)
    if rename:
        return [_Fact("ALTER TABLE RENAME", rename[1], False)]
    sp_rename = _SP_RENAME.match(text)
    if sp_rename:
        column = (sp_rename[2] or "").upper() == "COLUMN"
        return [_Fact("ALTER TABLE RENAME COLUMN" if column else "ALTER TABLE RENAME", sp_rename[1], False)]
    first = words[0] if words else ""
    if first == "ALTER":
        return [_glot_alter_header(chunk, words)]
    if first == "CREATE":
        return [_glot_create_header(chunk, words, dialect)]
    return [_Fact("OTHER", "", False)]


def _glot_alter_header(chunk: list[Token], words: list[str]) -> _Fact:
    """ALTER TABLE t RENAME ... and MySQL's ALTER TABLE t CHANGE [COLUMN] old new, which
    some sqlglot versions leave as a Command."""
    table = chunk[2].text if len(chunk) > 2 and words[1] == "TABLE" else ""

    def after(keyword: str, optional: str) -> int:
        at = words.index(keyword) + 1
        return at + 1 if words[at : at + 1] == [optional] else at

    if "CHANGE" in words:
        old = after("CHANGE", "COLUMN")
        if old + 1 < len(chunk) and chunk[old].text.lower() != chunk[old + 1].text.lower():
            return _Fact("ALTER TABLE RENAME COLUMN", f"{table}.{chunk[old].text}", False)
    if "RENAME" in words:
        what = words[words.index("RENAME") + 1 : words.index("RENAME") + 2]
        kinds = {"CONSTRAINT": "ALTER TABLE RENAME CONSTRAINT", "COLUMN": "ALTER TABLE RENAME COLUMN"}
        name = after("RENAME", what[0]) if what and what[0] in kinds else -1
        if 0 <= name < len(chunk):
            return _Fact(kinds[what[0]], f"{table}.{chunk[name].text}", False)
        return _Fact("ALTER TABLE RENAME", table, False)
    return _Fact("OTHER", table, False)


def _glot_create_header(chunk: list[Token], words: list[str], dialect: str) -> _Fact:
    replaced = len(words) > 2 and words[1] == "OR" and words[2] in ("REPLACE", "ALTER")
    noun_at = next((i for i, w in enumerate(words[:12]) if _last(w) in _NOUNS), None)
    if noun_at is None:
        return _Fact("OTHER", "", False)
    noun = _last(words[noun_at])
    if noun == "TYPE" and noun_at + 1 < len(words) and words[noun_at + 1] == "BODY":
        return _Fact("CREATE TYPE BODY", "", replaced)
    exists = words[noun_at + 1 : noun_at + 4] == ["IF", "NOT", "EXISTS"]
    name_at = noun_at + (4 if exists else 1)
    target = chunk[name_at].text if name_at < len(chunk) else ""
    if name_at + 2 < len(chunk) and chunk[name_at + 1].text == ".":
        target = f"{target}.{chunk[name_at + 2].text}"
    modifier = {"INDEX": "UNIQUE", "TRIGGER": "CONSTRAINT"}.get(noun, "")
    kind = "CREATE " + (f"{modifier} " if modifier in " ".join(words[: noun_at + 1]).split() else "") + noun
    guarded = replaced or exists
    return _Fact(kind, target, guarded, fix_at=() if guarded else _glot_fix_at(chunk, kind, dialect))


# An exception handler, or an IF on a lookup: EXISTS (SELECT ...), OBJECT_ID(...), ...
_GLOT_BLOCK_GUARD = re.compile(
    r"\bEXCEPTION\b|\bIF\b.*?\b(?:EXISTS|OBJECT_ID|COL_LENGTH|SCHEMA_ID|TYPE_ID|INDEXPROPERTY|COUNT|SQLCODE"
    r"|FOUND|to_reg\w*|pg_\w+|information_schema)\b",
    re.I | re.S,
)


def _glot_block(text: str, start: int, end: int) -> Statement:
    """A PL/SQL or T-SQL block is not analysed statement by statement: it counts as
    guarded when it handles exceptions or branches on a lookup."""
    guarded = bool(_GLOT_BLOCK_GUARD.search(text))
    return Statement(None, "DO", "", start, end, guarded, "an exception handler or an existence check", None)
