"""PostgreSQL statements read with pglast (libpg_query: the server's own grammar and, for
DO blocks, PL/pgSQL's): each statement's kind, target and guard, and fixes proved by
parsing the fixed text again. The policy shared with other dialects is in __init__.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from ..lazydataclass import replace
from ..lazyre import pattern
from . import (
    _BIND_HINT,
    _DOLLAR_TAG,
    Node,
    Result,
    Statement,
    Unparsed,
    Verifier,
    _byte_offsets,
    _Fact,
    _finish,
    _fix_works,
    _literal_positions,
    _moved,
)
from .ops import pg_operations

if TYPE_CHECKING:
    pass


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


def _pg_analyze(sql: str, verify: bool = True) -> Result:
    pieces = _pg_pieces(sql) if len(sql) > _PIECE else None
    if pieces is None:
        return _pg_analyze_text(_pg_mask_binds(sql), 0, len(sql), verify=verify)
    from pglast.parser import ParseError

    # masking keeps every offset, so each piece is masked alone and the text stays whole
    masked = "".join(_pg_mask_binds(sql[lo:hi]) for lo, hi in pieces)
    statements: list[Statement] = []
    unparsed: list[Unparsed] = []
    for lo, hi in pieces:
        try:
            parsed = _pg_parse(masked, lo, hi)
        except ParseError:
            # a piece the parser refuses: a statement it cannot read, or a cut the scanner
            # put inside one (`BEGIN ATOMIC ... ; ... END` has `;` outside any string):
            # the text is read whole, as it would be without pieces
            return _pg_analyze_text(masked, 0, len(sql), verify=verify)
        for stmt in parsed:
            found, bad = _pg_classify(stmt, verify)
            statements += found
            unparsed += bad
    return statements, unparsed


# A text longer than this is parsed a run of whole statements at a time. libpg_query's JSON
# tree of a 10 MB string, and the Python objects json.loads makes of it, took ~900 MB at once
# (about 90 bytes a byte of SQL: a seed-data dump in one op.execute could end a CI job); in
# pieces the peak is one piece's tree, and the statements found are the same.
_PIECE = 256 * 1024


def _pg_pieces(sql: str) -> list[tuple[int, int]] | None:
    """Cuts of `sql` into runs of whole statements of about _PIECE characters each, found
    by the scanner (pglast's split: a `;` inside a string, a comment or a dollar-quoted
    body does not cut); None when the scanner cannot read the text (then it is read whole,
    and one statement at a time where it does not parse, as before)."""
    from pglast.parser import ParseError, split

    try:
        found = split(sql, with_parser=False, only_slices=True)
    except ParseError:
        return None
    starts = [0]
    for piece in found:
        if piece.start - starts[-1] >= _PIECE:
            starts.append(piece.start)
    if len(starts) == 1:
        return None
    return list(zip(starts, [*starts[1:], len(sql)]))


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
    cuts = [lo] + [lo + end + 1 for end in _statement_ends(tokens, text, lo)] + [tail]
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


_ROUTINES = frozenset({"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"})
_BLOCK_ENDS = frozenset({"IF", "LOOP", "WHILE", "REPEAT"})  # `END IF;` ends no BEGIN


def _statement_ends(tokens: Sequence[Any], text: str, lo: int) -> list[int]:
    """Where each statement's `;` is, as the scanner's tokens give it, but not the `;` inside
    the body of a `CREATE PROCEDURE / FUNCTION / TRIGGER / EVENT ... BEGIN ... END` (MySQL's
    and SQLite's compound statements, the SQL standard's BEGIN ATOMIC): PostgreSQL would
    read that body's closing `END;` as COMMIT (MG402) and the CREATE would be lost (superset,
    airflow). Nested BEGIN blocks count; `END IF` / `END LOOP` / `END WHILE` / `END REPEAT`
    close no block, and an `END` that closes a CASE (or `END CASE`) neither."""
    ends: list[int] = []
    depth = cases = 0
    first = ""  # the statement's first token
    routine = False  # CREATE ... PROCEDURE / FUNCTION / TRIGGER / EVENT seen in this statement
    previous = ""
    for index, token in enumerate(tokens):
        name = token.name
        if name == "ASCII_59":
            if depth == 0:
                ends.append(token.end)
                first, routine, previous = "", False, ""
            continue
        if not first:
            first = name
        word = name[:-2] if name.endswith("_P") else name
        if first == "CREATE" and depth == 0 and word in _ROUTINES:
            routine = True
        elif name == "BEGIN_P" and (routine or depth):
            depth += 1
        elif depth and name == "CASE" and previous != "END_P":
            cases += 1
        elif depth and name == "END_P":
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            after = "" if following is None else text[lo + following.start : lo + following.end + 1].upper()
            if after == "CASE" or (cases and after not in _BLOCK_ENDS):
                cases = max(cases - 1, 0)
            elif after not in _BLOCK_ENDS:
                depth -= 1
        previous = name
    return ends


def _pg_scan_prefix(text: str, lo: int, hi: int) -> list[Any]:
    from pglast.parser import ParseError, scan

    try:
        return list(scan(text[lo:hi]))
    except ParseError:
        return []


def _pg_classify(stmt: _PgStmt, verify: bool) -> Result:
    if stmt.node_type == "DoStmt":
        return _pg_do(stmt)
    if stmt.node_type == "AlterTableStmt" and _mysql_index(stmt.node):
        # PostgreSQL's grammar takes it for a column named "index" of a type with modifiers;
        # its planner would refuse it: MySQL's, which no PostgreSQL rule reads
        return [], [Unparsed(stmt.start, stmt.end, "MySQL's ADD INDEX / ADD KEY, not PostgreSQL's")]
    handler = _PG_HANDLERS.get(stmt.node_type)
    facts = handler(stmt) if handler else [_Fact(_PG_PLAIN.get(stmt.node_type, "OTHER"), "", False)]
    checker = _pg_verifier(stmt) if verify else None
    found = [_finish(f, stmt.start, stmt.end, "postgres", checker) for f in facts]
    ops = pg_operations(stmt.node_type, stmt.node)
    if ops and found:
        found[0] = replace(found[0], ops=ops)
    return found, []


def _mysql_index(node: Node) -> bool:
    """`ALTER TABLE t ADD INDEX ix (a, b)` / `ADD KEY ...`, as PostgreSQL parses it: a column
    `index` or `key` whose type has column names for modifiers."""
    for cmd in node.get("cmds", []):
        command = cmd.get("AlterTableCmd", {})
        column = (command.get("def") or {}).get("ColumnDef") or {}
        if command.get("subtype") == "AT_AddColumn" and column.get("colname") in ("index", "key"):
            modifiers = (column.get("typeName") or {}).get("typmods") or []
            if any("ColumnRef" in modifier for modifier in modifiers):
                return True
    return False


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
    for flag in ('"if_not_exists":true', '"missing_ok":true', '"replace":true', '"skipIfNewValExists":true')
    for variant in ("," + flag, flag + ",", flag)
)
_DO_NOTHING_CLAUSE = r'"onConflictClause":\{"action":"ONCONFLICT_NOTHING","location":\d+\}'
_DO_NOTHING = pattern(rf",{_DO_NOTHING_CLAUSE}|{_DO_NOTHING_CLAUSE},?")


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
        guarded = bool(cmd.get("missing_ok")) or (
            kind == "ALTER TABLE ADD CONSTRAINT" and _duplicates(cmd, name)
        )
        seg = segments[index] if segments else None
        at = seg[0].start if seg else -1
        fix_at = () if guarded or not seg or kind == "ALTER TABLE ADD CONSTRAINT" else _pg_action_fix_at(seg)
        keys = tuple((table, columns) for columns in _pg_table_keys([cmd.get("def") or {}]))
        cascades = tuple((table, parent) for parent in _pg_cascades([cmd.get("def") or {}]))
        target = f"{table}.{name}" if name else table
        facts.append(_Fact(kind, target, guarded, at, fix_at, keys=keys, cascades=cascades))
    return facts


def _duplicates(cmd: Node, name: str) -> bool:
    """An unnamed foreign key, check or unique constraint: a second run adds another one
    under a name PostgreSQL makes up (`message_namespace_id_fkey1`), it never fails. A
    second unnamed primary key does."""
    constraint = (cmd.get("def") or {}).get("Constraint") or {}
    return not name and constraint.get("contype") != "CONSTR_PRIMARY"


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
    if (
        node.get("onConflictClause")
        or _has_anti_join(select.get("whereClause"))
        or _selects_what_target_lacks(select, target)
    ):
        return [_Fact("INSERT", target, True)]
    columns = _pg_inserted_columns(node.get("cols") or [], select.get("valuesLists") or [])
    selection = _selection(select)
    if node.get("returningList"):  # ON CONFLICT DO NOTHING would change what it returns
        return [_Fact("INSERT", target, False, columns=columns, selection=selection)]
    return [_Fact("INSERT", target, False, fix_at=(st.end,), columns=columns, selection=selection)]


def _selection(select: Node) -> str:
    """The rows `SELECT ... FROM t WHERE ...` reads, as Statement.selection: one table, no
    join, no set operation, no LIMIT (a DELETE of the same WHERE removes every row it read)."""
    if not select or select.get("op", "SETOP_NONE") != "SETOP_NONE" or select.get("limitCount"):
        return ""
    sources = select.get("fromClause") or []
    if len(sources) != 1 or "RangeVar" not in sources[0] or sources[0]["RangeVar"].get("alias"):
        return ""
    return _rows_of(sources[0]["RangeVar"], select.get("whereClause"))


def _rows_of(relation: Node, where: Node | None) -> str:
    """ "table|WHERE" of Statement.selection: the table bare, the clause's parse tree without
    its positions (the same condition written twice is the same)."""
    table = _rangevar(relation).rsplit(".", 1)[-1].lower()
    return f"{table}|{json.dumps(_positionless(where), sort_keys=True)}" if table else ""


def _positionless(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _positionless(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_positionless(item) for item in node]
    return node


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


def _selects_what_target_lacks(select: Node, target: str) -> bool:
    """`SELECT ... EXCEPT SELECT ... FROM target` (koschei), or `... LEFT JOIN target ...
    WHERE <target>.<column> IS NULL`: the rows the table does not hold yet, so a second
    run inserts none."""
    if not target:
        return False
    table = target.rsplit(".", 1)[-1]
    if select.get("op") == "SETOP_EXCEPT":
        right = select.get("rarg") or {}
        return any(_rangevar(item.get("RangeVar")) == target for item in right.get("fromClause") or [])
    names = set()
    for item in select.get("fromClause") or []:
        join = item.get("JoinExpr") or {}
        right = (join.get("rarg") or {}).get("RangeVar")
        if join.get("jointype") == "JOIN_LEFT" and right and _rangevar(right) == target:
            names.add(str((right.get("alias") or {}).get("aliasname") or table))
    return bool(names) and _null_test_on(select.get("whereClause"), names)


def _null_test_on(where: Any, names: set[str]) -> bool:
    """Whether the clause tests `<name>.<column> IS NULL` for one of `names`."""
    if isinstance(where, list):
        return any(_null_test_on(item, names) for item in where)
    if not isinstance(where, dict):
        return False
    test = where.get("NullTest")
    if test is not None:
        fields = (test.get("arg") or {}).get("ColumnRef", {}).get("fields") or []
        first = fields[0].get("String", {}).get("sval") if len(fields) > 1 else None
        return test.get("nulltesttype") == "IS_NULL" and first in names
    boolean = where.get("BoolExpr")
    return (
        bool(boolean)
        and boolean.get("boolop") == "AND_EXPR"
        and _null_test_on(boolean.get("args", []), names)
    )


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
    guarded = bool(node.get("skipIfNewValExists"))
    # ADD VALUE 'x' fails once the label is there: IF NOT EXISTS (PostgreSQL 9.3+) goes after VALUE
    fix_at = () if guarded or node.get("oldVal") else st.after("VALUE_P")
    return [_Fact(kind, _names(node.get("typeName")), guarded, fix_at=fix_at)]


def _pg_delete(st: _PgStmt) -> list[_Fact]:
    if st.node_type == "TruncateStmt":
        relations = st.node.get("relations") or [{}]
        return [_Fact("TRUNCATE", _rangevar(relations[0].get("RangeVar")), False)]
    node = st.node
    plain = not node.get("usingClause") and not (node.get("relation") or {}).get("alias")
    selection = _rows_of(node.get("relation") or {}, node.get("whereClause")) if plain else ""
    return [_Fact("DELETE", _rangevar(node.get("relation")), False, selection=selection)]


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
_GUARD_CONDITION = pattern(r"\b(?:exists|found|select|to_reg\w*)\b|\bpg_\w+|information_schema", re.I)
# Conditions whose handler turns "already exists" / "does not exist" into a no-op;
# SQLSTATE classes 42 (duplicate_*, undefined_*) and 23 (unique_violation).
_GUARD_EXCEPTION = pattern(
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
