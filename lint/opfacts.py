"""Every schema change a revision makes, as OpFacts: its `op.*` and `batch_op.*` calls and
the SQL statements `op.execute` runs, with their literal arguments, the `with` blocks
around them and the tables they touch. Read once per file in the parse stage and kept
on the record (so cached with it); MG211/MG212 and the deploy-safety rules (MG4xx) read it.

Cost decides the shape, as in parse.py: a full syntax tree of every file would double
the parse stage (ast.parse + compile costs twice compile() alone). So the calls are
found in the text, kept when their line runs code of upgrade()/downgrade() (or a module
function they call: the compiled module says which lines do, so a call in a comment or
a docstring does not count), and only each call's own text is parsed, with the file's
positions. `with` blocks are found the same way, by their header and indentation.
"""

from __future__ import annotations

import ast
import re
import types
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from .model import OpFact, Span, SqlStatement
from .opcalls import _closing_parenthesis, _keyword_insert
from .sqlliteral import _functions as code_functions
from .sqlsource import ENTRY_POINTS, char_column, reached_functions

# op function -> the positional arguments naming (table, target) on op, then on batch_op
_SHAPES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "create_index": ((1, 0), (-1, 0)),
    "drop_index": ((1, 0), (-1, 0)),
    "add_column": ((0, -2), (-1, -2)),  # -2: the name of the Column given next
    "alter_column": ((0, 1), (-1, 0)),
    "drop_column": ((0, 1), (-1, 0)),
    "create_table": ((0, 0), (0, 0)),
    "drop_table": ((0, 0), (0, 0)),
    "rename_table": ((0, 0), (0, 0)),
    "create_foreign_key": ((1, 0), (-1, 0)),
    "create_check_constraint": ((1, 0), (-1, 0)),
    "create_unique_constraint": ((1, 0), (-1, 0)),
    "create_primary_key": ((1, 0), (-1, 0)),
    "create_exclude_constraint": ((1, 0), (-1, 0)),
    "drop_constraint": ((1, 0), (-1, 0)),
}
_TABLE_KEYWORDS = ("table_name", "source_table", "source")
_TARGET_KEYWORDS = ("index_name", "column_name", "constraint_name", "name", "old_table_name")
# keywords kept as source text; the rest of a call's arguments are not read
_KEPT = frozenset({
    "postgresql_concurrently", "nullable", "server_default", "type_", "existing_type", "existing_nullable",
    "existing_server_default", "new_column_name", "if_exists", "if_not_exists", "unique",
    "postgresql_not_valid", "postgresql_where", "postgresql_using", "new_table_name", "primary_key",
})  # fmt: skip
_GENERATED = frozenset({"Identity", "Sequence", "Computed"})
_CALL = re.compile(rf"(?<![\w.])([^\W\d]\w*)\.({'|'.join(_SHAPES)})[ \t]*\(")
_BLOCK = re.compile(r"\bwith[ \t]+[^\n]*?\b(autocommit_block|batch_alter_table)\b")
# `if <something with count> < bound:` on one line
_ROW_COUNT_GUARD = re.compile(r"^([ \t]*)(?:if|elif)[ \t]+([^\n#]*?<=?[^\n#=]*):[ \t]*(?:#[^\n]*)?$", re.M)
_AS_NAME = re.compile(r"\s*as\s+([^\W\d]\w*)\s*:")
# the constraint calls whose name may be None (MG502), and where their columns are: (op, batch_op)
_NAMEABLE = {
    "create_foreign_key": ((3, 2), (2, 1), "local_cols"),
    "create_unique_constraint": ((2, 1), (-1, -1), "columns"),
    "create_check_constraint": ((-1, -1), (-1, -1), ""),
    "drop_constraint": ((-1, -1), (-1, -1), ""),
}
# `sa.Enum(`, `postgresql.ENUM(`, `ENUM(`; `class Mood(enum.Enum):` is not a call
_ENUM = re.compile(r"(?<![\w.])(?:[^\W\d]\w*\.)*(?:Enum|ENUM)[ \t]*\(")
_ENUM_METHOD = re.compile(r"[ \t]*\.[ \t]*(create|drop)[ \t]*\(")
_ENUM_USE = re.compile(r"(?<![\w.])([^\W\d]\w*)[ \t]*\.[ \t]*(create|drop)[ \t]*\(")
_ASSIGNED = re.compile(r"(?:^|[;\s])([^\W\d]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*$", re.M)
_CHECKFIRST = re.compile(r"\bcheckfirst[ \t]*=[ \t]*True\b")
_RAISE = re.compile(r"^[ \t]*raise\b", re.M)
ENUM_FACTS = frozenset({"create_enum", "drop_enum", "rename_enum"})


class _Enum(NamedTuple):
    name: str  # the type's name, "" when not a literal
    with_table: bool  # created with the table that uses it: not create_type=False, native_enum=False


class _Block(NamedTuple):
    kind: str  # "autocommit_block" | "batch_alter_table"
    first: int  # the first line of its body
    last: int
    alias: str  # batch_alter_table(...) as NAME: the name its calls use
    table: str
    convention: bool = False  # batch_alter_table(..., naming_convention=...)


def extract_operations(
    text: str,
    code: types.CodeType,
    sql: Sequence[SqlStatement] = (),
    entries: tuple[str, ...] = ENTRY_POINTS,
    guarded: frozenset[tuple[int, int]] = frozenset(),
) -> tuple[OpFact, ...]:
    """`guarded`: (line, column) of the calls an inspector check guards (opcalls.py, read
    only when MG211/MG212 run)."""
    sql_ops = [s for s in sql if s.ops]
    if "op." not in text and not sql_ops:
        return ()
    lines = text.splitlines(keepends=True)
    runs = _entry_lines(text, lines, code, entries)
    if not runs:
        return ()
    blocks = _blocks(text, lines) if "autocommit_block" in text or "batch_alter_table" in text else []
    if "count" in text.lower():
        blocks += _row_count_guards(text, lines)
    found: list[OpFact] = []
    enums = _enum_variables(text, lines) if "num" in text or "NUM" in text else None
    for match in _CALL.finditer(text):
        receiver, name = match.group(1), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        where = runs.get(line)
        if where is None:
            continue
        around = [b for b in blocks if b.first <= line <= b.last]
        batch = next((b for b in reversed(around) if b.kind == "batch_alter_table" and b.alias == receiver), None)
        if receiver != "op" and batch is None:
            continue
        call = _parse_call(text, lines, match.start(), match.end() - 1, line)
        if call is None:
            continue
        column = char_column(lines, line, call.col_offset)
        span = Span(line, column, call.end_lineno or line, char_column(lines, call.end_lineno or line, call.end_col_offset or 0))
        for function, entry in where:
            fact = _fact(name, call, batch, around, span, function, entry, lines, (line, column) in guarded)
            found.append(fact)
            if enums is not None and name == "create_table":
                found.extend(_column_enums(call, enums, fact))
    if sql_ops:
        found.extend(_sql_facts(sql_ops, blocks))
    if enums is not None:
        found.extend(_enum_methods(text, lines, runs, enums))
    found.extend(_raises(text, runs))
    return tuple(sorted(found, key=lambda f: (f.span.line, f.span.column, f.entry)))


def _fact(
    name: str,
    call: ast.Call,
    batch: _Block | None,
    around: list[_Block],
    span: Span,
    function: str,
    entry: str,
    lines: list[str],
    guarded: bool,
) -> OpFact:
    (table_at, target_at) = _SHAPES[name][1 if batch is not None else 0]
    schema = _string(_keyword(call, "schema")) or _string(_keyword(call, "source_schema"))
    table = batch.table if batch is not None else _qualified(schema, _argument(call, table_at, _TABLE_KEYWORDS))
    options = [(k.arg, _source(k.value)) for k in call.keywords if k.arg in _KEPT]
    if target_at == -2:  # add_column: the Column's name and its own keywords
        column = call.args[1 if batch is None else 0] if len(call.args) > (1 if batch is None else 0) else None
        column = column if column is not None else _keyword(call, "column")
        target = ""
        if isinstance(column, ast.Call):
            target = _argument(column, 0, ("name",))
            options += [(k.arg, _source(k.value)) for k in column.keywords if k.arg in _KEPT]
            if any(isinstance(a, ast.Call) and _called(a) in _GENERATED for a in column.args):
                options.append(("generated", "True"))  # an identity or sequence fills every row
    else:
        target = _argument(call, target_at, _TARGET_KEYWORDS)
    if name == "create_check_constraint":
        condition = call.args[2 if batch is None else 1] if len(call.args) > (2 if batch is None else 1) else None
        condition = condition if condition is not None else _keyword(call, "condition")
        if condition is not None:
            options.append(("condition", _string(condition) or _source(condition)))
    if name == "rename_table":
        options.append(("new_table_name", _qualified(schema, _argument(call, 1, ("new_table_name",)))))
    if name in _NAMEABLE:
        options += _unnamed(name, call, batch, target_at)
    return OpFact(
        name=name,
        table=table,
        target=target,
        span=span,
        function=function,
        entry=entry,
        via="op" if batch is None else "batch_op",
        options=tuple((k, v) for k, v in options if k is not None),
        blocks=tuple(b.kind for b in around),
        guarded=guarded,
        insert=_lf(_keyword_insert(call, "{}", lines)),
        # the autocommit fix (MG4xx) edits upgrade() only: downgrade facts, read for MG5xx, need none
        wrap=_wrap(call, lines, span) if entry == "upgrade" else None,
    )


def _sql_facts(statements: Sequence[SqlStatement], blocks: list[_Block]) -> Iterator[OpFact]:
    for statement in statements:
        line = statement.span.line
        around = tuple(b.kind for b in blocks if b.first <= line <= b.last)
        for name, table, target, options in statement.ops:
            # a CREATE TYPE in a DO block that checks pg_type first (MG501 leaves it alone)
            guarded = statement.guarded and name == "create_enum"
            where = (statement.span, statement.function, statement.entry)
            yield OpFact(name, table, target, *where, "sql", options, around, guarded)


def _entry_lines(
    text: str, lines: list[str], code: types.CodeType, entries: tuple[str, ...]
) -> dict[int, list[tuple[str, str]]]:
    """Each line that runs code of an entry point -> (function, entry) pairs."""
    found: dict[int, list[tuple[str, str]]] = {}
    functions = code_functions(code, lines)
    if functions is not None:
        widest, _, facts = functions
        for entry in entries:
            if entry in widest:
                for function in reached_functions(widest, entry, lines):  # type: ignore[arg-type]
                    for line in facts[function.name][1]:
                        found.setdefault(line, []).append((function.name, entry))
        return found
    # a decorated or nested definition: the compiled module cannot place it, the tree can
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return found
    nodes = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for entry in entries:
        if entry in nodes:
            for function in reached_functions(nodes, entry, lines):
                for line in range(function.lineno, (function.end_lineno or function.lineno) + 1):
                    found.setdefault(line, []).append((function.name, entry))
    return found


def _blocks(text: str, lines: list[str]) -> list[_Block]:
    """The `with ...autocommit_block():` and `with ...batch_alter_table(...) as x:` blocks:
    from the line after the header to the last line indented deeper than `with`."""
    found = []
    for match in _BLOCK.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        if text[start : match.start()].strip():
            continue  # `with` is not the first word of its line
        indent = match.start() - start
        kind = match.group(1)
        opening = text.find("(", match.end(1))
        closing = _closing_parenthesis(text, opening) if opening >= 0 else None
        if closing is None:
            continue
        alias, table, convention = "", "", False
        if kind == "batch_alter_table":
            named = _AS_NAME.match(text, closing + 1)
            alias = named.group(1) if named else ""
            call = _parse_call(text, lines, text.rfind("op", start, match.end(1)), opening, text.count("\n", 0, start) + 1)
            if call is not None:
                table = _qualified(_string(_keyword(call, "schema")), _argument(call, 0, ("table_name",)))
                convention = _keyword(call, "naming_convention") is not None
        header_end = text.count("\n", 0, closing) + 1
        last = header_end
        for number in range(header_end + 1, len(lines) + 1):
            body = lines[number - 1]
            stripped = body.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if len(body) - len(body.lstrip(" \t")) <= indent:
                break
            last = number
        found.append(_Block(kind, header_end + 1, last, alias, table, convention))
    return found


def _unnamed(name: str, call: ast.Call, batch: _Block | None, target_at: int) -> list[tuple[str, str]]:
    """For a constraint named None (MG502): ("unnamed", "True"), whether the batch block has a
    naming convention, and what a name would be made of (its columns, the referred table)."""
    value = _argument_node(call, target_at, _TARGET_KEYWORDS)
    if not (isinstance(value, ast.Constant) and value.value is None):
        return []
    found = [("unnamed", "True")]
    if batch is not None and batch.convention:
        found.append(("naming_convention", "True"))
    columns_at, referent_at, columns_keyword = _NAMEABLE[name]
    at = 1 if batch is not None else 0
    if columns_keyword:
        columns = _argument_node(call, columns_at[at], (columns_keyword,))
        if isinstance(columns, (ast.List, ast.Tuple)) and all(_string(c) for c in columns.elts):
            found.append(("columns", ",".join(_string(c) for c in columns.elts)))
    if name == "create_foreign_key":
        found.append(("referent", _argument(call, referent_at[at], ("referent_table",))))
    return found


def _enum_variables(text: str, lines: list[str]) -> dict[str, _Enum]:
    """NAME -> the type of each `NAME = sa.Enum(..., name="mood")` in the file."""
    found: dict[str, _Enum] = {}
    for match in _ENUM.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        assigned = _ASSIGNED.search(text, start, match.start())
        if assigned is None:
            continue
        line = text.count("\n", 0, match.start()) + 1
        call = _parse_call(text, lines, match.start(), match.end() - 1, line)
        if call is not None:
            found[assigned.group(1)] = _enum(call)
    return found


def _enum(call: ast.Call) -> _Enum:
    name = _keyword(call, "name")
    off = any(
        k.arg in ("create_type", "native_enum") and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in call.keywords
    )  # fmt: skip
    if name is None and call.args and isinstance(call.args[0], (ast.Name, ast.Attribute)):
        # SQLAlchemy names the type of a PEP 435 enum class after the class, in lower case
        text = call.args[0].id if isinstance(call.args[0], ast.Name) else call.args[0].attr
        return _Enum(text.lower(), not off)
    return _Enum(_string(name), not off)


def _column_enums(call: ast.Call, variables: dict[str, _Enum], fact: OpFact) -> Iterator[OpFact]:
    """The ENUM types a create_table creates with its table: SQLAlchemy emits CREATE TYPE for
    each Enum column (unless create_type=False or native_enum=False). op.add_column does not
    (the ALTER TABLE fails with `type "x" does not exist` unless the type was created first)."""
    for node in ast.walk(call):
        found = None
        if isinstance(node, ast.Call) and _called(node) in ("Enum", "ENUM"):
            found = _enum(node)
        elif isinstance(node, ast.Name) and node.id in variables:
            found = variables[node.id]
        if found is not None and found.with_table:
            yield OpFact("create_enum", fact.table, found.name, fact.span, fact.function, fact.entry, fact.via)  # fmt: skip


def _enum_methods(
    text: str, lines: list[str], runs: dict[int, list[tuple[str, str]]], variables: dict[str, _Enum]
) -> Iterator[OpFact]:
    """`sa.Enum(..., name="mood").create(bind)`, `mood.drop(bind)`: a `.drop(` of anything else
    may drop any type (a loop over enums): it becomes a drop_enum of no known name."""
    for match in _ENUM.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if line not in runs:
            continue
        closing = _closing_parenthesis(text, match.end() - 1)
        method = _ENUM_METHOD.match(text, closing + 1) if closing is not None else None
        if method is None:
            continue
        call = _parse_call(text, lines, match.start(), match.end() - 1, line)
        name = _enum(call).name if call is not None else ""
        checked = _checks_first(text, method.end() - 1)
        yield from _enum_facts(method.group(1), name, line, _column(text, match.start()), runs, checked)
    for match in _ENUM_USE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        receiver, verb = match.group(1), match.group(2)
        if line not in runs or receiver in ("op", "batch_op", "self", "super"):
            continue
        column = _column(text, match.start())
        if receiver in variables:
            checked = _checks_first(text, match.end() - 1)
            yield from _enum_facts(verb, variables[receiver].name, line, column, runs, checked)
        elif verb == "drop":
            yield from _enum_facts(verb, "", line, column, runs)


def _column(text: str, offset: int) -> int:
    return offset - text.rfind("\n", 0, offset) - 1


def _enum_facts(
    method: str,
    name: str,
    line: int,
    column: int,
    runs: dict[int, list[tuple[str, str]]],
    checked: bool = False,
) -> Iterator[OpFact]:
    span = Span.point(line, column)
    for function, entry in runs[line]:
        yield OpFact(f"{method}_enum", "", name, span, function, entry, "op", guarded=checked)


def _checks_first(text: str, opening: int) -> bool:
    """`.create(bind, checkfirst=True)`: the call asks the database before it creates."""
    closing = _closing_parenthesis(text, opening)
    return closing is not None and _CHECKFIRST.search(text, opening, closing) is not None


def _raises(text: str, runs: dict[int, list[tuple[str, str]]]) -> Iterator[OpFact]:
    if "raise" not in text:
        return
    for match in _RAISE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        for function, entry in runs.get(line, ()):
            yield OpFact("raise", "", "", Span.point(line, 0), function, entry, "py")


def _row_count_guards(text: str, lines: list[str]) -> list[_Block]:
    """`if rows < LIMIT:` blocks, where the test compares a row count with a bound (`n_count
    < 1000000`, `count(...) <= THRESHOLD`): the schema change inside runs only on a small table."""
    found = []
    for match in _ROW_COUNT_GUARD.finditer(text):
        if "count" not in match.group(2).lower():
            continue
        indent = len(match.group(1).expandtabs())
        header = text.count("\n", 0, match.start()) + 1
        last = header
        for number in range(header + 1, len(lines) + 1):
            body = lines[number - 1]
            stripped = body.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if len(body) - len(body.lstrip(" \t")) <= indent:
                break
            last = number
        found.append(_Block("row_count_guard", header + 1, last, "", ""))
    return found


def _parse_call(text: str, lines: list[str], start: int, opening: int, line: int) -> ast.Call | None:
    """The call starting at `start` (whose `(` is at `opening`), parsed alone but placed
    where it stands in the file: its nodes carry the file's lines and columns."""
    if start < 0:
        return None
    closing = _closing_parenthesis(text, opening)
    if closing is None:
        return None
    line_start = text.rfind("\n", 0, start) + 1
    prefix = len(text[line_start:start].encode("utf-8"))  # ast counts columns in bytes
    # eval mode refuses leading spaces; a `(` in their place keeps the columns
    padding = "(" + " " * (prefix - 1) if prefix else ""
    source = "\n" * (line - 1) + padding + text[start : closing + 1] + (")" if prefix else "")
    try:
        node = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return node if isinstance(node, ast.Call) else None


def _lf(insert: tuple[int, int, str] | None) -> tuple[int, int, str] | None:
    """The same record for an LF and a CRLF file: fix.py writes the file's own line end."""
    return None if insert is None else (insert[0], insert[1], insert[2].replace("\r\n", "\n"))


def _wrap(call: ast.Call, lines: list[str], span: Span) -> tuple[int, int, int] | None:
    """(first line, last line, indent) when the call is a statement of its own lines."""
    first = lines[span.line - 1]
    last = lines[span.end_line - 1] if span.end_line <= len(lines) else ""
    if first[: span.column].strip() or last[span.end_column :].strip().split("#")[0].strip():
        return None
    if span.line == span.end_line:
        return span.line, span.end_line, span.column  # no string in it spans lines
    for node in ast.walk(call):  # re-indenting a multi-line string would change it
        if isinstance(node, (ast.Constant, ast.JoinedStr)) and (node.end_lineno or node.lineno) != node.lineno:
            return None
    return span.line, span.end_line, span.column


def _argument_node(call: ast.Call, index: int, keywords: tuple[str, ...]) -> ast.expr | None:
    value = call.args[index] if 0 <= index < len(call.args) else None
    if value is None:
        value = next((k.value for k in call.keywords if k.arg in keywords), None)
    return value


def _argument(call: ast.Call, index: int, keywords: tuple[str, ...]) -> str:
    value = _argument_node(call, index, keywords)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "f" and value.args:
        value = value.args[0]  # op.f("ix_name"): the name as given
    return _string(value)


def _called(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _string(node: ast.expr | None) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _source(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and not isinstance(node.value, str):
        return repr(node.value)
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):
        return "<expression>"


def _qualified(schema: str, table: str) -> str:
    return f"{schema}.{table}" if schema and table else table
