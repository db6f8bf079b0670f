"""Find the SQL a revision runs: the strings its functions hand to `execute`.

A pure function of the module's source. CPython's `ast` reads the function
bodies (LibCST would cost 5x more per file; positions and values are all that is
needed here, and edits are made with LibCST later, only where a fix is applied).

Which strings count: the first argument of any `.execute(...)` or
`.exec_driver_sql(...)` call (`op.execute`, `op.get_bind().execute`,
`conn.execute`, ...) in `upgrade()`, `downgrade()` and the module functions they
call. An argument may be a literal (plain, triple-quoted, implicitly
concatenated), `+`-concatenation, an f-string (placeholders become identifiers), `str.format()`
of any of these (read as the f-string it amounts to),
`text(...)`/`sa.text(...)`, `textwrap.dedent(...)`, or a name bound to any of
those in the function or at module level (every value it may hold is taken).
Anything else is counted as unresolved, never guessed. Not a call on a connection of
Python's `sqlite3` module (`_other_connections`): its SQL goes to a file of its own.
"""

from __future__ import annotations

import ast
import bisect
import collections
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Union

from ..lazydataclass import dataclass, field
from ..lazyre import pattern

# Calls whose first argument is SQL run against the database.
_EXECUTORS = frozenset({"execute", "exec_driver_sql"})
# Calls that wrap SQL text without changing what it does.
_WRAPPERS = frozenset({"text", "dedent", "TextClause", "DDL"})
# Methods of a TextClause that return it with the same SQL.
_TEXT_METHODS = frozenset({"bindparams", "columns", "execution_options"})
ENTRY_POINTS = ("upgrade", "downgrade")


@dataclass(frozen=True)
class Piece:
    """Where characters [start, end) of the SQL text come from in the Python file.

    `exact` pieces map character by character (a literal without escapes, read
    as written); for the others every character maps to the piece's start.
    """

    start: int
    end: int
    line: int
    column: int
    exact: bool
    raw: str = ""  # the literal's body as written, for exact pieces


@dataclass(frozen=True)
class SqlSource:
    """One SQL text a function runs, and how to find its characters in the file."""

    text: str
    pieces: tuple[Piece, ...]
    function: str  # the function whose body holds the execute call
    entry: str  # "upgrade" or "downgrade": the entry point that reaches it
    line: int  # the execute call, for messages about the whole text
    column: int
    # f-string placeholders: the identifier put in the SQL text -> `{expression}` as written
    placeholders: tuple[tuple[str, str], ...] = ()
    _breaks: dict[int, list[int]] = field(default_factory=dict, compare=False, repr=False)

    def shown(self, sql: str) -> str:
        """`sql` (a name, a message) with each placeholder shown as the f-string has it."""
        for placeholder, expression in self.placeholders:
            sql = sql.replace(placeholder, expression)
        return sql

    def exact_at(self, offset: int) -> bool:
        """Whether the SQL character at `offset` maps to one place in the file."""
        return any(p.exact and p.start <= offset <= p.end for p in self.pieces)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) in the Python file of the SQL character at `offset`."""
        for index, piece in enumerate(self.pieces):
            if piece.start <= offset < piece.end or (offset == piece.end and piece is self.pieces[-1]):
                if not piece.exact:
                    return piece.line, piece.column
                # line breaks found once per piece: counting them in piece.raw[:offset] for
                # each statement made one 10 MB string of SQL quadratic
                breaks = self._breaks.get(index)
                if breaks is None:
                    breaks = self._breaks[index] = [m.start() for m in re.finditer("\n", piece.raw)]
                before = min(offset - piece.start, len(piece.raw))
                newlines = bisect.bisect_left(breaks, before)
                if newlines:
                    return piece.line + newlines, before - breaks[newlines - 1] - 1
                return piece.line, piece.column + before
        return self.line, self.column


@dataclass(frozen=True)
class Extraction:
    sources: tuple[SqlSource, ...]
    unresolved: tuple[tuple[str, int, int, str], ...]  # (entry, line, column, why)


class LineIndex:
    """Line numbers of offsets in one text, as `text.count("\\n", 0, offset) + 1` gives them,
    without scanning from the start for each one (20,000 calls in one file made that
    quadratic)."""

    def __init__(self, text: str) -> None:
        self._breaks = [match.start() for match in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self._breaks, offset) + 1


def source_segment(text: str, node: ast.AST, lines: list[str] | None) -> tuple[str | None, list[str]]:
    """`ast.get_source_segment(text, node)`, and the lines it splits `text` into.

    ast splits the whole text for every call: pass the lines back in to split it once.
    """
    if lines is None:
        lines = _AST_LINE_BREAK.split(text)
        lines = [a + b for a, b in zip(lines[::2], [*lines[1::2], ""])]
    try:
        if node.end_lineno is None or node.end_col_offset is None:  # type: ignore[attr-defined]
            return None, lines
        lineno = node.lineno - 1  # type: ignore[attr-defined]
        end_lineno = node.end_lineno - 1  # type: ignore[attr-defined]
        col_offset = node.col_offset  # type: ignore[attr-defined]
        end_col_offset = node.end_col_offset  # type: ignore[attr-defined]
    except AttributeError:
        return None, lines
    if end_lineno == lineno:
        return lines[lineno].encode()[col_offset:end_col_offset].decode(), lines
    first = lines[lineno].encode()[col_offset:].decode()
    last = lines[end_lineno].encode()[:end_col_offset].decode()
    return "".join([first, *lines[lineno + 1 : end_lineno], last]), lines


# ast.get_source_segment's line breaks: not str.splitlines', which splits on \f and more
_AST_LINE_BREAK = pattern(r"(\r\n|\r|\n)")


def extract_sql(
    text: str, tree: ast.Module | None = None, entries: tuple[str, ...] = ENTRY_POINTS
) -> Extraction:
    """Every SQL text that the `entries` (upgrade(), downgrade()) run, directly or through helpers."""
    if tree is None:
        tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    functions = {
        node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    # Lines that call execute: only statements spanning one of them are walked.
    line_of = LineIndex(text)
    calls = sorted({line_of.line(m.start()) for m in _EXECUTE_CALL.finditer(text)})
    segment_lines: list[str] | None = None
    module_statements = [s for s in tree.body if not isinstance(s, _SCOPES)]
    module_bindings = _bindings(module_statements)
    module_facts = _ModuleFacts(module_statements, lines)  # read once per file, when first asked
    sources: list[SqlSource] = []
    unresolved: list[tuple[str, int, int, str]] = []
    sqlite = "sqlite3" in text  # its connections are none of the migration's (_other_connections)
    for entry in entries:
        if entry not in functions:
            continue
        for function in reached_functions(functions, entry, lines):
            reader = _Reader(lines, module_bindings, function, module_facts)
            other = _other_connections(function, lines, module_facts) if sqlite else frozenset()
            for call in _executions(function, calls):
                if other and _receiver_root(call.func) in other:
                    continue
                argument = call.args[0]
                line, column = reader.position(call.lineno, call.col_offset)
                values = reader.resolve(argument)
                if values is None:
                    segment, segment_lines = source_segment(text, argument, segment_lines)
                    shown = segment or type(argument).__name__
                    unresolved.append((entry, line, column, " ".join(shown.split())[:60]))
                    continue
                for sql, pieces in values:
                    placeholders = tuple((p, e) for p, e in reader.shown.items() if p in sql)
                    sources.append(
                        SqlSource(sql, tuple(pieces), function.name, entry, line, column, placeholders)
                    )
    return Extraction(tuple(sources), tuple(unresolved))


_EXECUTE_CALL = pattern(r"\.(?:execute|exec_driver_sql)\s*\(")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def char_column(lines: list[str], line: int, byte_column: int) -> int:
    """ast counts columns in UTF-8 bytes; miglint counts characters."""
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(source.encode("utf-8")[:byte_column].decode("utf-8", "replace"))


def reached_functions(functions: dict[str, _Function], entry: str, lines: list[str]) -> list[_Function]:
    """The entry function and every module function it calls, transitively.

    Calls are found in the function's own lines by name; a name that is only
    mentioned, not called, costs nothing but a function that runs no SQL.
    """
    order = [functions[name] for name in _entry_functions(functions, entry, lines)]
    seen = {function.name for function in order}
    position = {name: index for index, name in enumerate(functions)}
    for function in order:
        body = "".join(lines[function.lineno - 1 : function.end_lineno])
        if len(functions) <= _SEARCHED_ONE_BY_ONE:
            called = {n for n in functions if re.search(rf"\b{re.escape(n)}\s*\(", body)}
        else:
            # one scan for every name called, not one search per function (a chain of
            # 1,000 helpers made a million searches, each compiling its own pattern)
            called = set(_CALLED_NAME.findall(body))
        # the names it calls, in the module's order (not every function asked of every one:
        # 3,000 helpers made that nine million questions)
        found = sorted(
            (n for n in called if n in position and n not in seen and n not in ENTRY_POINTS),
            key=position.__getitem__,
        )
        seen.update(found)
        order.extend(functions[name] for name in found)
    return order


# a few searches for known names cost less than collecting every name called
_SEARCHED_ONE_BY_ONE = 8


# `name(` where `name` starts at a word boundary: what `\bname\s*\(` finds for each name
_CALLED_NAME = pattern(r"\b([^\W\d]\w*)\s*\(")


def _entry_functions(functions: dict[str, _Function], entry: str, lines: list[str]) -> list[str]:
    """The entry, and in Alembic's multidb template the `upgrade_<engine>()` functions it
    runs by name: `globals()["upgrade_%s" % engine_name]()` calls none of them literally."""
    function = functions[entry]
    body = "".join(lines[function.lineno : function.end_lineno])  # after the def line
    prefix = f"{entry}_"
    if prefix not in body:
        return [entry]
    return [entry, *(name for name in functions if name.startswith(prefix))]


def _executions(function: ast.AST, lines: list[int]) -> Iterator[ast.Call]:
    """execute calls in the function, walking only statements that span a call line.

    `lines`: the call lines, sorted.
    """
    stack = [function]
    while stack:
        node = stack.pop()
        start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if start is not None and end is not None and not _spans_one(lines, start, end):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _EXECUTORS
            and node.args
        ):
            yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _spans_one(lines: list[int], start: int, end: int) -> bool:
    """Whether one of the sorted `lines` lies in [start, end]."""
    index = bisect.bisect_left(lines, start)
    return index < len(lines) and lines[index] <= end


def _statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """The statements of a body and of the blocks nested in it (with their except handlers
    and match cases), in the order ast.walk meets them: an assignment is a statement, and
    walking every expression node too cost a SQL-heavy project ~5% of its parse."""
    todo = collections.deque(body)
    while todo:
        node = todo.popleft()
        yield node
        for _, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], _BLOCK_ITEMS):
                todo.extend(value)


# a statement of a function's body that is no loop, branch or block: what runs in it, runs once
_PLAIN_STATEMENTS = (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return)
_BLOCK_ITEMS = (ast.stmt, ast.excepthandler, *((ast.match_case,) if hasattr(ast, "match_case") else ()))


def _bindings(body: list[ast.stmt]) -> dict[str, list[ast.expr]]:
    """Every value assigned to each simple name in a body (nested blocks included)."""
    found: dict[str, list[ast.expr]] = {}
    for statement in body:
        for node in _statements([statement]):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(node.value)
            elif (
                isinstance(node, ast.AnnAssign)
                and node.value is not None
                and isinstance(node.target, ast.Name)
            ):
                found.setdefault(node.target.id, []).append(node.value)
    return found


# what stands for a connection to a database made on the spot (`sqlite3.connect(path).execute`)
_CONNECTED_HERE = "sqlite3.connect()"


def _other_connections(function: _Function, lines: list[str], module: _ModuleFacts) -> frozenset[str]:
    """The names that hold, wherever the function uses them, a connection of Python's
    `sqlite3` module or a cursor of one (cognee heals a cache file of its own so:
    `connection = sqlite3.connect(path)`, `with sqlite3.connect(p) as c:`, `cursor =
    connection.cursor()`): what runs on them never reaches the migration's database.
    Each such name is bound nowhere else in the function (nor is it a parameter)."""
    body = "".join(lines[function.lineno - 1 : function.end_lineno])
    if "sqlite3" not in body:
        return frozenset()
    stores = _stored_names([function])
    declared = module.declared()
    found = {_CONNECTED_HERE}
    for _ in range(3):  # a connection, a cursor of it, a cursor of that name bound again
        bound: Counter[str] = Counter()
        for node in _statements(function.body):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                if _connection(node.value, found):
                    bound[node.targets[0].id] += 1
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name) and _connection(item.context_expr, found):
                        bound[item.optional_vars.id] += 1
        more = {name for name, count in bound.items() if stores[name] == count and name not in declared}
        if more <= found:
            break
        found |= more
    return frozenset(found)


def _connection(node: ast.expr, found: set[str]) -> bool:
    """`sqlite3.connect(...)`, `contextlib.closing(` of it `)`, or `name.cursor()` of a name found."""
    if isinstance(node, ast.Call) and call_name(node.func) == "closing" and len(node.args) == 1:
        node = node.args[0]
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    if node.func.attr == "cursor":
        return _receiver_root(node.func) in found
    return (
        node.func.attr == "connect"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "sqlite3"
    )


def _receiver_root(func: ast.expr) -> str:
    """The name a method call's chain of receivers starts from: `connection` of
    `connection.cursor().execute`; _CONNECTED_HERE for `sqlite3.connect(p).execute`."""
    node = func.value if isinstance(func, ast.Attribute) else func
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            if _connection(node, set()):
                return _CONNECTED_HERE
            node = node.func
        else:
            return node.id if isinstance(node, ast.Name) else ""


_Resolved = list[tuple[str, list[Piece]]]
_GLOBAL = pattern(r"\bglobal\b([^\n]*)")


class _ModuleFacts:
    """What `{name}` in an f-string asks of the whole module, worked out once per file
    (per function, a module of thousands of functions would be read thousands of times):
    how often each name is bound at the top, and the names declared `global` anywhere."""

    def __init__(self, statements: Sequence[ast.stmt], lines: list[str]) -> None:
        self._statements, self._lines = statements, lines
        self._stores: Counter[str] | None = None
        self._declared: set[str] | None = None

    def stores(self) -> Counter[str]:
        if self._stores is None:
            self._stores = _stored_names(self._statements)
        return self._stores

    def declared(self) -> set[str]:
        if self._declared is None:
            text = "".join(self._lines)
            self._declared = {n for m in _GLOBAL.finditer(text) for n in re.findall(r"\w+", m.group(1))}
        return self._declared


def _stored_names(nodes: Sequence[ast.AST]) -> Counter[str]:
    """How many times each name is bound in the nodes: assigned, a loop's or a `with`'s
    target, deleted, imported, a parameter (counted twice: never one value)."""
    found: Counter[str] = Counter()
    for node in nodes:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
                found[inner.id] += 1
            elif isinstance(inner, (ast.Import, ast.ImportFrom)):
                found.update((alias.asname or alias.name).split(".")[0] for alias in inner.names)
            elif isinstance(inner, ast.arg):
                found[inner.arg] += 2
    return found


class _Reader:
    """Turns an expression into the SQL texts it may hold, with their pieces."""

    def __init__(
        self,
        lines: list[str],
        module_bindings: dict[str, list[ast.expr]],
        function: ast.AST,
        module: _ModuleFacts | None = None,
    ) -> None:
        self.lines = lines
        self.module_bindings = module_bindings
        self.module = module or _ModuleFacts((), lines)
        self.function = function
        self._stores: Counter[str] | None = None  # how often each name is bound in the function
        self._bindings: dict[str, list[ast.expr]] | None = None  # the function's, read on first use
        self._own: dict[str, list[ast.expr]] | None = None
        self.placeholders = 0
        self.shown: dict[str, str] = {}  # placeholder -> `{expression}`

    def bound(self, name: str) -> list[ast.expr] | None:
        if self._bindings is None:
            self._bindings = {**self.module_bindings, **self.own_bindings()}
        return self._bindings.get(name)

    def own_bindings(self) -> dict[str, list[ast.expr]]:
        """The values assigned to names in the function itself, read once."""
        if self._own is None:
            self._own = _bindings(getattr(self.function, "body", []))
        return self._own

    def position(self, line: int, byte_column: int) -> tuple[int, int]:
        return line, char_column(self.lines, line, byte_column)

    def resolve(self, node: ast.expr, depth: int = 0) -> _Resolved | None:
        if depth > 8:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [(node.value, [self._literal_piece(node, 0)])]
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.resolve(node.left, depth + 1), self.resolve(node.right, depth + 1)
            if left is None or right is None:
                return None
            return [_concat(a, b) for a in left for b in right]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _TEXT_METHODS
        ):
            return self.resolve(node.func.value, depth + 1)  # text("...").bindparams(...)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and not any(isinstance(a, ast.Starred) for a in node.args)
            and all(k.arg is not None for k in node.keywords)
        ):
            template = self.resolve(node.func.value, depth + 1)
            if template is None:
                return None
            formatted = [self._formatted(text, node) for text, _ in template]
            return None if any(f is None for f in formatted) else formatted  # type: ignore[return-value]
        if isinstance(node, ast.Call) and node.args and call_name(node.func) in _WRAPPERS:
            inner = self.resolve(node.args[0], depth + 1)
            if inner is None:
                return None
            if call_name(node.func) == "dedent":
                return [_dedented(text, pieces) for text, pieces in inner]
            return inner
        values = self.bound(node.id) if isinstance(node, ast.Name) else None
        if values is not None and len(values) > 1:
            values = self._reaching(node, values)  # type: ignore[arg-type]
        if values is not None:
            results: _Resolved = []
            for value in values:
                resolved = self.resolve(value, depth + 1)
                if resolved is None:
                    return None
                results.extend(resolved)
            return results
        return None

    def _reaching(self, name: ast.Name, values: list[ast.expr]) -> list[ast.expr]:
        """The values of a name bound more than once that reach its use in a statement of the
        function's own body (not in a loop, a branch or a block): those of the last plain
        assignment before that statement, or assigned after it (zuul: `statement = "..."`,
        executed, then bound again for the next one). All of them otherwise."""
        body = getattr(self.function, "body", None)
        if not body:
            return values
        use = next((s for s in body if s.lineno <= name.lineno <= (s.end_lineno or s.lineno)), None)
        if use is None or not isinstance(use, _PLAIN_STATEMENTS):
            return values
        assigned = [
            s
            for s in body
            if (s.end_lineno or s.lineno) < use.lineno
            and (
                (
                    isinstance(s, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == name.id for t in s.targets)
                )
                or (
                    isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.target.id == name.id
                )
            )
        ]
        if not assigned:
            return values
        last = assigned[-1].lineno
        return [v for v in values if last <= v.lineno and (v.end_lineno or v.lineno) < use.lineno] or values

    def _literal_piece(self, node: ast.Constant, start: int) -> Piece:
        value = str(node.value)  # the caller checked it is a str
        line, column = self.position(node.lineno, node.col_offset)
        raw = _raw_body(self.lines, node)
        if raw is not None and raw[1] == value:
            prefix_line, prefix_column = raw[0]
            return Piece(start, start + len(value), prefix_line, prefix_column, True, raw[1])
        return Piece(start, start + len(value), line, column, False)

    def _fstring(self, node: ast.JoinedStr) -> _Resolved:
        text = ""
        pieces: list[Piece] = []
        line, column = self.position(node.lineno, node.col_offset)
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                # f-string parts carry the whole f-string's position before 3.12
                pieces.append(Piece(len(text), len(text) + len(part.value), line, column, False))
                text += part.value
            else:
                assert isinstance(part, ast.FormattedValue)
                known = self._constant(part)
                if known is not None:  # `{name}`, name bound once to a string (notifications-api)
                    pieces.append(Piece(len(text), len(text) + len(known), line, column, False))
                    text += known
                    continue
                placeholder = f"__miglint_p{self.placeholders}__"
                self.placeholders += 1
                self.shown[placeholder] = "{" + ast.unparse(part.value) + "}"
                pieces.append(Piece(len(text), len(text) + len(placeholder), line, column, False))
                text += placeholder
        return [(text, pieces)]

    def _formatted(self, text: str, call: ast.Call) -> tuple[str, list[Piece]] | None:
        """`"... {table} ...".format(table=TABLE)` as str.format makes it: each field filled
        with its argument's text where the reader knows it as for an f-string's `{name}` (a
        literal, a name bound once to a string), else a placeholder. None (unresolved) for a
        field that indexes or converts (`{0.name}`, `{x!r}`, `{n:>5}`) or names no argument:
        the reader does not imitate it. Every character maps to the format() call (a template
        bound to a name may be formatted at several places: each finding is where it runs)."""
        import string  # deferred: few files format their SQL

        try:
            fields = list(string.Formatter().parse(text))
        except ValueError:  # a lone `{` or `}`: str.format raises too
            return None
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        out = ""
        automatic = 0
        for literal, name, spec, conversion in fields:
            out += literal
            if name is None:
                continue
            if spec or conversion:
                return None
            if name == "":
                name, automatic = str(automatic), automatic + 1
            if name.isdigit():
                value = call.args[int(name)] if int(name) < len(call.args) else None
            else:
                value = keywords.get(name)
            if value is None:
                return None
            known = self._argument_text(value)
            if known is None:
                known = f"__miglint_p{self.placeholders}__"
                self.placeholders += 1
                self.shown[known] = "{" + ast.unparse(value) + "}"
            out += known
        line, column = self.position(call.lineno, call.col_offset)
        return out, [Piece(0, len(out), line, column, False)]

    def _argument_text(self, value: ast.expr) -> str | None:
        """The text a format() argument puts in its field, where the reader is sure of it."""
        if (
            isinstance(value, ast.Constant)
            and isinstance(value.value, (str, int))
            and not isinstance(value.value, bool)
        ):
            return str(value.value)
        if isinstance(value, ast.Name):
            return self.constant_text(value.id)
        return None

    def _constant(self, part: ast.FormattedValue) -> str | None:
        """The text of `{name}` (constant_text), with no conversion and no format spec."""
        if part.conversion != -1 or part.format_spec is not None or not isinstance(part.value, ast.Name):
            return None
        return self.constant_text(part.value.id)

    def constant_text(self, name: str) -> str | None:
        """The text a name holds when it is bound once, by an assignment in the function or
        else at the module's top, to a string the reader resolves to one text (a literal,
        `"tmp_" + name`): what an f-string puts there on every run. Not a parameter, a loop
        variable, an import, a name bound more than once or declared global anywhere: those
        stay placeholders, as does anything else."""
        if self._stores is None:
            self._stores = _stored_names([self.function])
        if name in self.module.declared():
            return None
        if self._stores[name]:
            values = self.own_bindings().get(name, []) if self._stores[name] == 1 else []
        else:
            values = self.module_bindings.get(name, []) if self.module.stores()[name] == 1 else []
        if len(values) != 1:
            return None
        resolved = self.resolve(values[0], 6)  # a short chain: past it, a placeholder
        if resolved is None or len(resolved) != 1:
            return None
        found = resolved[0][0]
        return None if "__miglint_p" in found else found


def computed(name: str) -> bool:
    """Whether a name read from SQL holds an f-string's placeholder (`{index_name}`, as
    SqlSource.shown writes it): a name only the running code knows."""
    return "{" in name or "__miglint_p" in name


def call_name(func: ast.expr) -> str:
    """The name a call is made by: `f` of `f(...)` and of `x.y.f(...)`; "" for anything else."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _concat(a: tuple[str, list[Piece]], b: tuple[str, list[Piece]]) -> tuple[str, list[Piece]]:
    shift = len(a[0])
    moved = [Piece(p.start + shift, p.end + shift, p.line, p.column, p.exact, p.raw) for p in b[1]]
    return a[0] + b[0], a[1] + moved


def _dedented(text: str, pieces: list[Piece]) -> tuple[str, list[Piece]]:
    """dedent removes a common margin from each line; lines stay where they were.

    From one exactly read literal, each dedented line maps to its original line
    shifted by what was removed; otherwise everything maps to the start.
    """
    import textwrap  # deferred: few literals are dedented

    new = textwrap.dedent(text)
    if new == text:
        return text, pieces
    first = pieces[0]
    old_lines, new_lines = text.split("\n"), new.split("\n")
    if len(pieces) != 1 or not first.exact or len(old_lines) != len(new_lines):
        return new, [Piece(0, len(new), first.line, first.column, False)]
    mapped: list[Piece] = []
    start = 0
    for index, (old, line) in enumerate(zip(old_lines, new_lines)):
        removed = len(old) - len(line) if old.endswith(line) else 0
        column = (first.column if index == 0 else 0) + removed
        end = start + len(line) + (1 if index < len(new_lines) - 1 else 0)
        mapped.append(Piece(start, end, first.line + index, column, True, new[start:end]))
        start = end
    return new, mapped


def _raw_body(lines: list[str], node: ast.Constant) -> tuple[tuple[int, int], str] | None:
    """((line, column), body) of a single literal as written, when it can be read exactly.

    Implicitly concatenated literals, prefixes other than u/U, and escapes make
    the written text differ from the value: then None, and the caller maps the
    whole literal to its start. One escape is read: the line break escaped right after
    the opening quotes.
    """
    if node.end_lineno is None or node.end_col_offset is None:
        return None
    first = lines[node.lineno - 1].encode("utf-8")
    if node.lineno == node.end_lineno:
        raw = first[node.col_offset : node.end_col_offset].decode("utf-8", "replace")
    else:
        middle = "".join(lines[node.lineno : node.end_lineno - 1])
        last = lines[node.end_lineno - 1].encode("utf-8")[: node.end_col_offset].decode("utf-8", "replace")
        raw = first[node.col_offset :].decode("utf-8", "replace") + middle + last
    raw = raw.replace("\r\n", "\n")
    if raw[:1] in ("u", "U"):
        raw = raw[1:]
        offset = 1
    else:
        offset = 0
    if raw[:1] not in ("'", '"'):
        return None
    quote = raw[:3] if raw[:3] in ('"""', "'''") else raw[:1]
    if len(raw) < 2 * len(quote) or not raw.endswith(quote):
        return None
    body = raw[len(quote) : -len(quote)]
    if body.startswith("\\\n") and "\\" not in body[2:]:
        # `"""\` then the SQL from the next line (koschei): the escaped line break is
        # no character of the value, which begins at that line's start
        return (node.lineno + 1, 0), body[2:]
    if "\\" in body:
        return None
    line = node.lineno
    column = len(first[: node.col_offset].decode("utf-8", "replace")) + offset + len(quote)
    return (line, column), body
