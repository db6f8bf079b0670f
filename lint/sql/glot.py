"""Statements of other dialects (and PostgreSQL where pglast has no wheel) read with
sqlglot: each statement's kind, target and guard, and fixes proved by parsing again.
The policy shared with PostgreSQL is in __init__.py.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..lazyre import pattern
from . import Result, Statement, Unparsed, Verifier, _advice, _Fact, _finish, _fix_works

if TYPE_CHECKING:
    from sqlglot import Token, exp
    from sqlglot.dialects.dialect import Dialect


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


def _glot_analyze(sql: str, dialect: str, verify: bool = True) -> Result:
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
            found, bad = _glot_classify(reader, dialect, sql, chunk, verify=verify)
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
    if isinstance(e, exp.Delete):  # its table, for an INSERT after it (sql/guards.py)
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
        name = named.name if named is not None else ""
        # unnamed and no primary key: a second run adds a duplicate under a made-up name
        # (MySQL's `message_ibfk_2`), it never fails
        duplicates = not name and action.find(*_cls("PrimaryKey", "PrimaryKeyColumnConstraint")) is None
        yield "ALTER TABLE ADD CONSTRAINT", name, duplicates
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
_REPLACE_INTO = pattern(r"REPLACE\s+(?:INTO\s+)?([^\s(]+)", re.I)  # MySQL / SQLite upsert
_RENAME_TABLE = pattern(r"RENAME\s+TABLE\s+([^\s,]+)", re.I)  # MySQL
_SP_RENAME = pattern(  # T-SQL: EXEC sp_rename 'old', 'new' [, 'COLUMN']
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
_GLOT_BLOCK_GUARD = pattern(
    r"\bEXCEPTION\b|\bIF\b.*?\b(?:EXISTS|OBJECT_ID|COL_LENGTH|SCHEMA_ID|TYPE_ID|INDEXPROPERTY|COUNT|SQLCODE"
    r"|FOUND|to_reg\w*|pg_\w+|information_schema)\b",
    re.I | re.S,
)


def _glot_block(text: str, start: int, end: int) -> Statement:
    """A PL/SQL or T-SQL block is not analysed statement by statement: it counts as
    guarded when it handles exceptions or branches on a lookup."""
    guarded = bool(_GLOT_BLOCK_GUARD.search(text))
    return Statement(None, "DO", "", start, end, guarded, "an exception handler or an existence check", None)
