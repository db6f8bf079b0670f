"""Alembic op calls that create or drop schema objects, and whether a guard makes each safe to repeat.

Read with CPython's `ast` from upgrade()/downgrade() and the module functions they
call. A call is safe when it passes `if_not_exists=True` / `if_exists=True`
(Alembic >= 1.16) or sits inside an `if` that asks the inspector first
(`inspector.has_table(...)`, `'t' in inspector.get_table_names()`, a
`has_column`-style helper, an `information_schema` query...), the test read as
facts/pyguards.py reads it (names followed to their values, an early return, a try).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from ..lazyre import pattern
from ..sql.source import ENTRY_POINTS, call_name, char_column, reached_functions
from .pyguards import Context, contexts_by_line, function_contexts

if TYPE_CHECKING:
    from .ops import _Read

# op function -> the keyword that makes it idempotent
CREATING = {"create_table": "if_not_exists", "add_column": "if_not_exists", "create_index": "if_not_exists"}
DROPPING = {"drop_table": "if_exists", "drop_index": "if_exists", "drop_column": "if_exists"}
_GUARD_WORDS = (
    "has_table", "get_table_names", "has_column", "get_columns", "has_index", "get_indexes",
    "table_exists", "column_exists", "index_exists", "information_schema", "pg_catalog", "pg_class",
)  # fmt: skip


def may_call_op(text: str) -> bool:
    """Whether the file may call an op function: through `op.`, or through an import of
    alembic.op under another name or of its functions (`from alembic.op import add_column`:
    rucio; `from alembic import op as alembic_op`)."""
    return "op." in text or "alembic.op" in text or "op as " in text


def guarded_calls(
    text: str, tree: ast.Module | None = None, entries: tuple[str, ...] = ENTRY_POINTS
) -> frozenset[tuple[int, int]]:
    """(line, column) of each creating/dropping op call an inspector check guards
    (facts/ops.py keeps the answer on the call's OpFact)."""
    if tree is None:
        tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found: set[tuple[int, int]] = set()
    for entry in entries:
        if entry not in functions:
            continue
        for function in reached_functions(functions, entry, lines):
            contexts: dict[int, Context] | None = None
            for call, guarded in _calls(function.body, False):
                if not guarded:  # names followed to their values, lookups in helpers (facts/pyguards.py)
                    if contexts is None:
                        # only `guarded` is asked here: no loop's rows are read for what they lack
                        contexts = contexts_by_line(function_contexts(function, tree, may_lack=False))
                    context = contexts.get(call.lineno)
                    guarded = context is not None and context.guarded
                if guarded:
                    found.add((call.lineno, char_column(lines, call.lineno, call.col_offset)))
    return frozenset(found)


def _keyword_insert(call: ast.Call, keyword: str, lines: list[str]) -> tuple[int, int, str] | None:
    """Where and how `keyword=True` joins the call's arguments, following its layout:
    on a line of its own, with a trailing comma, when each argument has its own line
    and the parenthesis closes below them; else inline after the last argument."""
    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    if not arguments:
        return None
    last = max(arguments, key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))
    if last.end_lineno is None or last.end_col_offset is None:
        return None
    end_line = last.end_lineno
    end_column = char_column(lines, end_line, last.end_col_offset)
    inline = (end_line, end_column, f", {keyword}=True")
    first = lines[last.lineno - 1] if 0 < last.lineno <= len(lines) else ""
    indent = first[: char_column(lines, last.lineno, last.col_offset)]
    if indent.strip() or (call.end_lineno or 0) <= end_line:
        return inline
    text = lines[end_line - 1]
    newline = "\r\n" if text.endswith("\r\n") else "\n"
    rest = text[end_column:].strip()
    if rest.startswith(","):  # a trailing comma: the new argument goes after it (and any comment)
        if rest[1:].strip() and not rest[1:].strip().startswith("#"):
            return inline
        return (end_line, len(text.rstrip("\r\n")), f"{newline}{indent}{keyword}=True,")
    if rest and not rest.startswith("#"):
        return inline
    return (end_line, end_column, f",{newline}{indent}{keyword}=True")


def _calls(body: list[ast.stmt], guarded: bool) -> Iterator[tuple[ast.Call, bool]]:
    """Each creating/dropping op call, and whether an enclosing `if` guards it."""
    for statement in body:
        if isinstance(statement, ast.If):
            guard = guarded or _is_guard(statement.test)
            yield from _calls(statement.body, guard)
            yield from _calls(statement.orelse, guard)
            continue
        if isinstance(statement, (ast.For, ast.While, ast.With, ast.AsyncFor, ast.AsyncWith)):
            yield from _calls(statement.body, guarded)
            yield from _calls(getattr(statement, "orelse", []), guarded)
            continue
        if isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _calls(block, guarded)
            for handler in statement.handlers:
                yield from _calls(handler.body, guarded)
            continue
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "op"
                and (node.func.attr in CREATING or node.func.attr in DROPPING)
            ):
                yield node, guarded


def _is_guard(test: ast.expr) -> bool:
    """An `if` test that looks the object up before acting on it."""
    text = ast.dump(test)  # once: in the generator it was dumped again for each word
    return any(word in text for word in _GUARD_WORDS)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _first_string(call: ast.Call) -> str:
    for argument in call.args:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return ""


# -- unique keys: what makes ON CONFLICT DO NOTHING (MG204) more than a no-op ---------

# A file without one of these creates no primary key, unique constraint or foreign key
# ON DELETE through op, and renames no table that has one.
KEY_HINT = pattern(
    r"primary_key|PrimaryKeyConstraint|UniqueConstraint|unique\s*=|create_primary_key|create_unique_constraint"
    r"|rename_table|ondelete"
)
# what else makes a file's calls worth handing to KeyReader: a column made NOT NULL (MG406)
NOT_NULL_HINT = pattern(r"nullable\s*=\s*False")


_KEYED = ("create_primary_key", "create_unique_constraint", "rename_table")  # whatever their arguments
KEY_CALLS = frozenset((
    "create_table", "add_column", "create_primary_key", "create_unique_constraint", "create_index", "rename_table",
    "create_foreign_key",
))  # fmt: skip


class OpKeys(NamedTuple):
    keys: tuple[tuple[str, tuple[str, ...]], ...]  # (table, sorted columns)
    renames: tuple[tuple[str, str], ...]  # (old, new): a table's keys go with it
    cascades: tuple[tuple[str, str], ...] = ()  # (child, parent) of each foreign key ON DELETE CASCADE
    primary: tuple[tuple[str, str], ...] = ()  # (table, column) of each primary key column: NOT NULL
    not_null: tuple[tuple[str, str], ...] = ()  # (table, column) of each Column(..., nullable=False) made
    # (table, its columns packed: _column_types) of each create_table
    types: tuple[tuple[str, str], ...] = ()


class KeyReader:
    """(table, columns) of every primary key and unique constraint upgrade() creates with op:
    `op.create_table` (a `primary_key=True` / `unique=True` column, a PrimaryKeyConstraint,
    a UniqueConstraint), `op.add_column`, `op.create_primary_key`,
    `op.create_unique_constraint`, `op.create_index(..., unique=True)` without a WHERE;
    the tables `op.rename_table` renames; and the foreign keys with ondelete="CASCADE"
    (a ForeignKey / ForeignKeyConstraint given to create_table / add_column,
    `op.create_foreign_key`), as (child table, parent table). Names that are not literals are left out:
    a key not seen is a key not claimed.

    facts/ops.py's reading of the op calls hands it each `op.` call of KEY_CALLS whose line
    runs code of upgrade() (or of a module function it calls), so that a call in a comment,
    a string or downgrade() does not count; only those calls are parsed, not the file.
    """

    def __init__(self) -> None:
        self.keys: list[tuple[str, tuple[str, ...]]] = []
        self.renames: list[tuple[str, str]] = []
        self.cascades: list[tuple[str, str]] = []
        self.primary: list[tuple[str, str]] = []
        self.not_null: list[tuple[str, str]] = []
        self.types: list[tuple[str, str]] = []

    def read(self, name: str, text: str, start: int, opening: int, arguments: _Read | None) -> None:
        """The call of op.`name` that starts at `start`, its `(` at `opening`; `arguments`:
        what ops._read made of them (None: it could not split them)."""
        if name == "create_table" and arguments is not None:
            self.types.extend(_column_types(arguments))
        if name in _SPARSE and arguments is not None and "nullable" in text[opening : arguments.end]:
            self.not_null.extend(_not_null_columns(name, arguments))
        call: ast.AST | None = None
        if name in _SPARSE and arguments is None:
            # the pattern could not split them (a comment that holds a quote, cyborg: "don't"):
            # the call, parsed once, serves the not-null columns and the keys below
            end = _closing_parenthesis(text, opening)
            if end is None:
                return
            snippet = text[start : end + 1]
            try:
                call = ast.parse(snippet, mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return
            if isinstance(call, ast.Call) and "nullable" in text[opening:end]:
                from .ops import _from_tree  # deferred: ops imports this module

                parsed = _from_tree(call, snippet, snippet.splitlines(keepends=True), 1)
                self.not_null.extend(_not_null_columns(name, parsed))
            if KEY_HINT.search(text, start, end) is None:
                return  # it declares no key
        elif name in _SPARSE:
            call = _sparse_call(name, text, opening, arguments)
        if call is _NO_KEY:
            return
        if call is None:
            end = arguments.end - 1 if arguments is not None else _closing_parenthesis(text, opening)
            if end is None or (KEY_HINT.search(text, start, end) is None and name not in _KEYED):
                return  # a create_table or create_index that declares no key: not worth parsing
            try:
                call = ast.parse(text[start : end + 1], mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return
        if not isinstance(call, ast.Call):
            return
        if name == "rename_table":
            old, new, schema = (
                _argument_string(call, 0, "old_table_name"),
                _argument_string(call, 1, "new_table_name"),
                _keyword_string(call, "schema"),
            )
            if old and new:
                self.renames.append((_qualified(schema, old), _qualified(schema, new)))
        else:
            self.keys.extend(_keys_of(name, call))
            self.cascades.extend(_cascades_of(name, call))
            self.primary.extend(_primary_of(name, call))

    def found(self) -> OpKeys:
        return OpKeys(
            tuple(dict.fromkeys(self.keys)),
            tuple(self.renames),
            tuple(dict.fromkeys(self.cascades)),
            tuple(dict.fromkeys(self.primary)),
            tuple(dict.fromkeys(self.not_null)),
            tuple(self.types),
        )


_SPARSE = ("create_table", "add_column")
_NO_KEY = ast.Call(func=ast.Name(id="", ctx=ast.Load()), args=[], keywords=[])  # declares none
_UNREAD = ast.Constant(value=None)  # an argument that declares no key, left unparsed


def _sparse_call(name: str, text: str, opening: int, read: _Read | None) -> ast.Call | None:
    """A create_table / add_column call with only what _keys_of and _cascades_of read parsed:
    its first argument, `schema` / `table_name`, and each other argument whose text hints at a
    key (KEY_HINT); the rest stand as None, which declares nothing. An autogenerated
    create_table parsed whole cost most of this module's time (a dozen Columns, one
    PrimaryKeyConstraint). None when ops._read cannot split the arguments: the whole call
    is parsed then (tests/test_parse.py checks both ways agree on every example)."""
    if read is None:
        return None
    if KEY_HINT.search(text, opening, read.end) is None:
        return _NO_KEY
    try:
        arguments = [
            ast.parse(value, mode="eval").body if index == 0 or KEY_HINT.search(value) else _UNREAD
            for index, value in enumerate(read.positional)
        ]
        keywords = [
            ast.keyword(arg=key, value=ast.parse(value, mode="eval").body)
            for key, value in read.keywords.items()
            if key in ("schema", "table_name")
        ]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=arguments, keywords=keywords)


_SCAN = pattern(r"""[()\[\]{}#]|\'\'\'|\"\"\"|'|\"""")
_STRING_END = {
    "'": re.compile(r"(?:\\.|[^\\'\n])*'"),
    '"': re.compile(r'(?:\\.|[^\\"\n])*"'),
    "'''": re.compile(r"(?:\\.|[^\\])*?\'\'\'", re.DOTALL),
    '"""': re.compile(r"(?:\\.|[^\\])*?\"\"\"", re.DOTALL),
}


def _closing_parenthesis(text: str, opening: int) -> int | None:
    """The index of the `)` that closes the `(` at `opening`, skipping strings and comments."""
    closing = closing_bracket(text, opening)
    return closing if closing is not None and text[closing] == ")" else None


def closing_bracket(text: str, opening: int) -> int | None:
    """The index of the bracket that closes the one at `opening` (`(`, `[` or `{`), skipping
    strings and comments; None when the text ends first."""
    depth, position = 0, opening
    while True:
        found = _SCAN.search(text, position)
        if found is None:
            return None
        token, position = found.group(), found.end()
        if token in ("(", "[", "{"):
            depth += 1
        elif token in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return found.start()
        elif token == "#":
            position = text.find("\n", position)
            if position < 0:
                return None
        else:
            closed = _STRING_END[token].match(text, position)
            if closed is None:
                return None
            position = closed.end()


def _keys_of(name: str, call: ast.Call) -> Iterator[tuple[str, tuple[str, ...]]]:
    schema = _keyword_string(call, "schema")
    if name in ("create_table", "add_column"):
        table = _argument_string(call, 0, "table_name")
        if not table:
            return
        primary: list[str] = []  # every primary_key=True column: one composite key
        for element in call.args[1:]:
            for columns in _element_keys(element, primary):
                yield _qualified(schema, table), columns
        if primary:
            yield _qualified(schema, table), tuple(sorted(primary))
    elif name in ("create_primary_key", "create_unique_constraint", "create_index"):
        if name == "create_index" and not (
            _is_true(_keyword(call, "unique"))
            and not any(k.arg and k.arg.endswith("_where") for k in call.keywords)
        ):
            return
        table = _argument_string(call, 1, "table_name")
        listed = call.args[2] if len(call.args) > 2 else _keyword(call, "columns")
        columns = _strings(listed.elts) if isinstance(listed, (ast.List, ast.Tuple)) else ()
        if table and columns:
            yield _qualified(schema, table), columns


_COLUMN_CALL = pattern(r"(?:[\w.]*\.)?Column\s*\(")


# `Column("name", Type)` / `Column("name", sa.String(36), ...)`: a type with nested
# brackets (`ARRAY(sa.String())`) is not read, and the column's type stays unknown
COLUMN_TYPE = pattern(
    r"""(?:[\w.]*\.)?Column\s*\(\s*[uU]?(['"])(\w+)\1\s*,\s*([\w.]+(?:\s*\([^()]*\))?)\s*[,)]"""
)


# `Column("owner_id", ForeignKey("users.id"))` has the referenced column's type (SQLAlchemy):
# unknown here, not a type named ForeignKey (nor a Sequence)
_NO_TYPES = ("ForeignKey", "Sequence", "Identity", "Computed")


def _column_types(read: _Read) -> Iterator[tuple[str, str]]:
    """(table, "column\0type\0column\0type...") of the columns create_table makes, with the
    type as written (MG407: the type a later alter_column without existing_type changes
    from). One string per table, not a tuple per column: they are kept in every record,
    and a generated history of 5,000 revisions has ~50,000 such columns (~9 MB as tuples).
    A NUL cannot be in a column's name nor in source code: see unpack_column_types."""
    table = _table_of(read)
    if not table:
        return
    found = [
        f"{match.group(2)}\0{match.group(3)}"
        for match in map(COLUMN_TYPE.match, read.positional[1:])
        if match is not None and not match.group(3).partition("(")[0].rstrip().endswith(_NO_TYPES)
    ]
    if found:
        yield table, "\0".join(found)


def unpack_column_types(packed: str) -> Iterator[tuple[str, str]]:
    """(column, type as written) of each column _column_types packed."""
    parts = packed.split("\0")
    return zip(parts[0::2], parts[1::2])


def _table_of(read: _Read) -> str:
    """The table a create_table / add_column names (schema-qualified), "" when computed."""
    from .ops import _literal  # deferred: ops imports this module

    table = _literal(read.positional[0] if read.positional else read.keywords.get("table_name"))
    return _qualified(_literal(read.keywords.get("schema")), table) if table else ""


def _not_null_columns(name: str, read: _Read) -> Iterator[tuple[str, str]]:
    """(table, column) of each `Column("name", ..., nullable=False)` that create_table or
    add_column makes (MG406: such a column is NOT NULL already), read from the argument
    texts ops._read split, each Column's own arguments split the same way."""
    from .ops import _literal, _read  # deferred: ops imports this module

    table = _table_of(read)
    if not table:
        return
    columns = (
        read.positional[1:]
        if name == "create_table"
        else read.positional[1:2] or [read.keywords.get("column", "")]
    )
    for text in columns:
        opening = _COLUMN_CALL.match(text or "")
        # autogenerate writes nullable= on every column: most say True, and are not read
        if opening is None or "nullable" not in text or NOT_NULL_HINT.search(text) is None:
            continue
        column = _read(text, opening.end() - 1)
        if column is None or column.keywords.get("nullable") != "False":
            continue
        named = _literal(column.positional[0] if column.positional else column.keywords.get("name"))
        if named:
            yield table, named


def _primary_of(name: str, call: ast.Call) -> Iterator[tuple[str, str]]:
    """(table, column) of each column of a primary key the call creates."""
    schema = _keyword_string(call, "schema")
    if name in ("create_table", "add_column"):
        table = _argument_string(call, 0, "table_name")
        for element in call.args[1:] if table else ():
            if not isinstance(element, ast.Call):
                continue
            called = call_name(element.func)
            if called == "Column" and _is_true(_keyword(element, "primary_key")):
                column = _argument_string(element, 0, "name")
                if column:
                    yield _qualified(schema, table), column
            elif called == "PrimaryKeyConstraint":
                yield from ((_qualified(schema, table), column) for column in _strings(element.args))
    elif name == "create_primary_key":
        table = _argument_string(call, 1, "table_name")
        listed = call.args[2] if len(call.args) > 2 else _keyword(call, "columns")
        if table and isinstance(listed, (ast.List, ast.Tuple)):
            yield from ((_qualified(schema, table), column) for column in _strings(listed.elts))


def _element_keys(element: ast.expr, primary: list[str]) -> Iterator[tuple[str, ...]]:
    """The key a Column or constraint given to create_table/add_column declares; a
    primary-key column is added to `primary` (SQLAlchemy makes one key of all of them)."""
    if not isinstance(element, ast.Call):
        return
    called = element.func.attr if isinstance(element.func, ast.Attribute) else getattr(element.func, "id", "")
    if called == "Column":
        column = _argument_string(element, 0, "name")
        if column and _is_true(_keyword(element, "primary_key")):
            primary.append(column)
        elif column and _is_true(_keyword(element, "unique")):
            yield (column,)
    elif called in ("PrimaryKeyConstraint", "UniqueConstraint"):
        columns = _strings(element.args)
        if columns and len(columns) == len(element.args):
            yield columns


def _cascades_of(name: str, call: ast.Call) -> Iterator[tuple[str, str]]:
    """(child, parent) of the foreign keys ON DELETE CASCADE that the call creates."""
    if name == "create_foreign_key":
        child = _argument_string(call, 1, "source_table")
        parent = _argument_string(call, 2, "referent_table")
        if child and parent and _cascades(call):
            yield (
                _qualified(_keyword_string(call, "source_schema"), child),
                _qualified(_keyword_string(call, "referent_schema"), parent),
            )
    elif name in ("create_table", "add_column"):
        child = _argument_string(call, 0, "table_name")
        if not child:
            return
        child = _qualified(_keyword_string(call, "schema"), child)
        for element in call.args[1:]:
            if not isinstance(element, ast.Call):
                continue
            if call_name(element.func) == "Column":
                references = [
                    a for a in element.args if isinstance(a, ast.Call) and call_name(a.func) == "ForeignKey"
                ]
                targets = [(r, r.args[0] if r.args else _keyword(r, "column")) for r in references]
            elif call_name(element.func) == "ForeignKeyConstraint":
                listed = element.args[1] if len(element.args) > 1 else _keyword(element, "refcolumns")
                first = listed.elts[0] if isinstance(listed, (ast.List, ast.Tuple)) and listed.elts else None
                targets = [(element, first)]
            else:
                continue
            for constraint, target in targets:
                if (
                    isinstance(target, ast.Constant)
                    and isinstance(target.value, str)
                    and _cascades(constraint)
                ):
                    parent = target.value.rpartition(".")[0]  # [schema.]table.column
                    if parent:
                        yield child, parent


def _cascades(call: ast.Call) -> bool:
    return _keyword_string(call, "ondelete").strip().upper() == "CASCADE"


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _keyword_string(call: ast.Call, name: str) -> str:
    value = _keyword(call, name)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else ""


def _argument_string(call: ast.Call, index: int, keyword: str) -> str:
    value = call.args[index] if len(call.args) > index else _keyword(call, keyword)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else ""


def _strings(nodes: list[ast.expr]) -> tuple[str, ...]:
    found = [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return tuple(sorted(found)) if len(found) == len(nodes) else ()


def _qualified(schema: str, table: str) -> str:
    return f"{schema}.{table}" if schema else table
