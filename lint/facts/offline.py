"""Calls of upgrade()/downgrade() that need a live database (MG505).

In `alembic upgrade --sql` the connection is a mock that writes each statement out:
it has a dialect and `execute()` prints the SQL, but it returns no results and
cannot be inspected. So these fail, or decide on nothing:
- an inspector: `sa.inspect(bind)`, `inspect(conn)` (imported from sqlalchemy),
  `Inspector.from_engine(...)`; reflection: `autoload_with=`, `metadata.reflect(...)`;
- a query's result read: `.fetchone() .fetchall() .fetchmany() .scalar() .scalars()
  .first() .one() .one_or_none() .scalar_one() .scalar_one_or_none() .all()
  .mappings()` on an `.execute()` / `.exec_driver_sql()` / `.query()` chain, or on a
  name assigned one; `for row in conn.execute(...)` (but not `op.execute`, which
  returns nothing in either mode), nor on a connection of Python's `sqlite3` module (a
  file of its own, there in both modes: sql/source.py's _other_connections).
`op.get_bind()` alone is not one: `op.get_bind().dialect.name` answers offline too.

Guards: an `if` (or `elif`, `else`, conditional expression, `assert`) whose test asks
`context.is_offline_mode()` or a migration context's `.as_sql` - directly, through a
name assigned such a value, or a module function returning one - covers both its
branches (the offline branch is the user's decision), and an earlier
`if <such a test>: return` (or `raise`) covers what follows it. Module functions
that the entry points call are followed, with the guard of the call site.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import Union

from ..lazyre import pattern
from ..model import OfflineUse, Span
from ..sql.source import _ModuleFacts, _other_connections, _receiver_root

_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

# Does the file hold anything this reader looks for? (Most files do not: no tree then.)
# Substrings first, then two patterns that start with a literal: one regex of all the
# alternatives is tried at every offset and costs ~8x more.
_RESULT_CALL = pattern(
    r"\.\s*(?:fetch(?:one|all|many)|scalars?|first|one|one_or_none|scalar_one(?:_or_none)?|all|mappings)\s*\("
)
_LOOP_OVER_EXECUTE = pattern(r"for [^\n]*\.(?:execute|exec_driver_sql)\s*\(")
_CALL_OPENS = pattern(r"\s*\(")
_DIRECT = ("inspect", "from_engine", "autoload_with", ".reflect(")


def may_need_a_database(text: str) -> bool:
    return (
        any(word in text for word in _DIRECT)
        or _RESULT_CALL.search(text) is not None
        or ("for " in text and _LOOP_OVER_EXECUTE.search(text) is not None)
    )


_RESULT_READS = frozenset({
    "fetchone", "fetchall", "fetchmany", "scalar", "scalars", "first", "one", "one_or_none",
    "scalar_one", "scalar_one_or_none", "all", "mappings",
})  # fmt: skip
_RUNS_QUERY = frozenset({"execute", "exec_driver_sql", "query"})
_OFFLINE_TEST = pattern(r"'is_offline_mode'|id='is_offline_mode'|attr='as_sql'")
_EXITS = (ast.Return, ast.Raise)


def offline_uses(tree: ast.Module, text: str) -> tuple[OfflineUse, ...]:
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    reader = _Reader(tree, functions)
    reader.lines = _lines_to_read(text, functions)
    # no test can ask for the mode if the words are nowhere in the file
    reader.guards = "is_offline_mode" in text or "as_sql" in text
    if "sqlite3" in text:
        lines = text.splitlines(keepends=True)
        reader.sqlite = (lines, _ModuleFacts((), lines))
    for entry in _entries(functions, text):
        # a queue, not recursion: a chain of a thousand helpers is read as easily as one
        reader.pending = [functions[entry]]
        reader.seen = {entry}
        while reader.pending:
            reader.walk(reader.pending.pop(), entry)
    return tuple(sorted(reader.found, key=lambda u: (u.span.line, u.span.column, u.what)))


def _entries(functions: dict[str, _Function], text: str) -> list[str]:
    """upgrade, downgrade, and the `upgrade_<engine>()` functions a multidb entry runs by name."""
    entries: list[str] = []
    for entry in ("upgrade", "downgrade"):
        if entry not in functions:
            continue
        entries.append(entry)
        prefix = f"{entry}_"
        named = [name for name in functions if name.startswith(prefix)]
        # a string that starts with the prefix (`"upgrade_%s" % engine_name`, f"upgrade_{name}")
        if named and any(f"{quote}{prefix}" in text for quote in ("'", '"')):
            entries.extend(named)
    return entries


class _Reader:
    def __init__(self, module: ast.Module, functions: dict[str, _Function]) -> None:
        self.functions = functions
        self.module_values = _assigned(module.body, into_functions=False)
        self.inspect_names = _imported_inspect(module)
        self.found: list[OfflineUse] = []
        self._reported: set[tuple[int, int, str]] = set()
        self.values: dict[str, list[ast.expr]] = {}
        self.results: set[str] = set()
        self.lines: set[int] = set()  # lines that may hold a call this reader looks for
        self.guards = True
        self.pending: list[_Function] = []  # helpers called unguarded, to read for this entry
        self.seen: set[str] = set()
        self.sqlite: tuple[list[str], _ModuleFacts] | None = None  # when the file mentions sqlite3
        self.other: frozenset[str] = frozenset()  # the function's names of sqlite3 connections

    def walk(self, function: _Function, entry: str) -> None:
        self.values = _assigned(function.body, into_functions=False)
        if self.sqlite is not None:
            self.other = _other_connections(function, *self.sqlite)
        # names holding a query's result: `result = conn.execute(...)`
        self.results = {
            name
            for name, values in self.values.items()
            if any(_runs_query(value, other=self.other) for value in values)
        }
        self.block(function.body, function, entry)

    def block(self, body: Sequence[ast.stmt], function: _Function, entry: str) -> None:
        for statement in body:
            if isinstance(statement, ast.If) and self.asks_offline(statement.test):
                if _exits(statement.body) or _exits(statement.orelse):
                    return  # what follows runs in one mode only: the user decided
                continue  # both branches are the user's decision
            if isinstance(statement, ast.Assert) and self.asks_offline(statement.test):
                return
            self.statement(statement, function, entry)

    def statement(self, node: ast.stmt, function: _Function, entry: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        heads: list[ast.AST] = []
        if isinstance(node, (ast.If, ast.While)):
            heads = [node.test]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            heads = [node.iter]
            if self.iterates_result(node.iter):
                self.report(node.iter, "iterating over .execute()", function, entry)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            heads = [item.context_expr for item in node.items]
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            heads = []
        elif type(node).__name__ == "Match":
            heads = [getattr(node, "subject")]  # noqa: B009  (ast.Match is 3.10+)
        else:
            self.expression(node, function, entry)  # a simple statement
            return
        for head in heads:
            self.expression(head, function, entry)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                self.block(inner, function, entry)
        for handler in getattr(node, "handlers", ()):
            self.block(handler.body, function, entry)
        for case in getattr(node, "cases", ()):
            self.block(case.body, function, entry)

    def expression(self, node: ast.AST, function: _Function, entry: str) -> None:
        first = getattr(node, "lineno", 0)
        last = getattr(node, "end_lineno", None) or first
        if not any(line in self.lines for line in range(first, last + 1)):
            return  # nothing this reader looks for, nor a helper call, on its lines
        todo = [node]
        while todo:
            current = todo.pop()
            if isinstance(current, ast.IfExp) and self.asks_offline(current.test):
                continue
            if isinstance(current, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(current, ast.Call):
                self.call(current, function, entry)
            todo.extend(ast.iter_child_nodes(current))

    def call(self, call: ast.Call, function: _Function, entry: str) -> None:
        func = call.func
        if isinstance(func, ast.Name):
            if func.id in self.inspect_names:
                self.report(call, f"{func.id}()", function, entry)
            elif func.id in self.functions and func.id not in self.seen:
                self.seen.add(func.id)  # guarded calls never get here: their helper is not read
                self.pending.append(self.functions[func.id])
        elif isinstance(func, ast.Attribute):
            dotted = _dotted(func)
            if func.attr == "inspect" and dotted.split(".")[0] in self.inspect_names | {"sa", "sqlalchemy"}:
                self.report(call, f"{dotted}()", function, entry)
            elif func.attr == "from_engine":
                self.report(call, f"{dotted or '.from_engine'}()", function, entry)
            elif func.attr == "reflect" and (call.args or call.keywords):
                self.report(call, f"{dotted or '.reflect'}()", function, entry)
            elif func.attr in _RESULT_READS and self.is_result(func.value):
                self.report(call, f".{func.attr}()", function, entry)
        if any(k.arg == "autoload_with" for k in call.keywords):
            self.report(call, "autoload_with=", function, entry)

    def is_result(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.results
        return _runs_query(node, other=self.other)

    def iterates_result(self, node: ast.expr) -> bool:
        """`for row in conn.execute(...)`, or in a name holding one (a name holding
        `.fetchall()` or `.all()` is reported where that is read)."""
        if isinstance(node, ast.Name):
            return any(_unread_result(value, self.other) for value in self.values.get(node.id, ()))
        return _unread_result(node, self.other)

    def asks_offline(self, test: ast.expr) -> bool:
        if not self.guards:
            return False
        text = ast.dump(test)
        if _OFFLINE_TEST.search(text):
            return True
        for name in {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}:
            values = self.values.get(name, []) + self.module_values.get(name, [])
            if name in self.functions:
                values = values + [
                    n.value for n in ast.walk(self.functions[name]) if isinstance(n, ast.Return) and n.value
                ]
            if any(_OFFLINE_TEST.search(ast.dump(value)) for value in values):
                return True
        return False

    def report(self, node: ast.expr, what: str, function: _Function, entry: str) -> None:
        key = (node.lineno, node.col_offset, entry)
        if key in self._reported:
            return  # a helper reached twice from one entry
        self._reported.add(key)
        span = Span(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)
        self.found.append(OfflineUse(what, span, function.name, entry))


def _lines_to_read(text: str, functions: dict[str, _Function]) -> set[int]:
    """Lines on which a call this reader reports, or a call of a module function, may stand."""
    offsets: list[int] = []
    for word in _DIRECT:
        at = text.find(word)
        while at >= 0:
            offsets.append(at)
            at = text.find(word, at + 1)
    offsets.extend(m.start() for m in _RESULT_CALL.finditer(text))
    offsets.extend(m.end() - 1 for m in _LOOP_OVER_EXECUTE.finditer(text))
    for name in functions:  # `name(`: a few finds per name cost less than one alternation
        at = text.find(name)
        while at >= 0:
            end = at + len(name)
            if _CALL_OPENS.match(text, end) and not (at and (text[at - 1].isalnum() or text[at - 1] == "_")):
                offsets.append(at)
            at = text.find(name, end)
    lines = set()
    line, at = 1, 0
    for offset in sorted(offsets):
        line += text.count("\n", at, offset)
        at = offset
        lines.add(line)
    return lines


def _runs_query(node: ast.expr, loops: bool = False, other: frozenset[str] = frozenset()) -> bool:
    """Whether the expression is a chain with a call to execute/exec_driver_sql/query in it
    (`conn.execute(...)`, `session.query(X).filter(...)`), not on `op` itself nor on one of
    the `other` names (a sqlite3 connection)."""
    current: ast.AST = node
    while True:
        if isinstance(current, ast.Call):
            func = current.func
            if isinstance(func, ast.Attribute):
                if func.attr in _RUNS_QUERY and not (loops and func.attr == "query"):
                    return not _receiver_is_op(current) and not (other and _receiver_root(func) in other)
                current = func.value
                continue
            return False
        if isinstance(current, (ast.Attribute, ast.Subscript)):
            current = current.value
            continue
        return False


def _unread_result(node: ast.expr, other: frozenset[str] = frozenset()) -> bool:
    read = (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _RESULT_READS
    )
    return not read and _runs_query(node, loops=True, other=other)


def _receiver_is_op(node: ast.expr) -> bool:
    """`op.execute(...)`: Alembic's own, which returns nothing online or offline."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "op"
    )


def _exits(body: Sequence[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], _EXITS)


def _imported_inspect(module: ast.Module) -> set[str]:
    """Local names of sqlalchemy's inspect(), and of the sqlalchemy module itself."""
    names: set[str] = set()
    for node in module.body:
        if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy" and node.level == 0:
            names.update(alias.asname or alias.name for alias in node.names if alias.name == "inspect")
        elif isinstance(node, ast.Import):
            names.update(alias.asname for alias in node.names if alias.name == "sqlalchemy" and alias.asname)
    return names


def _assigned(body: Sequence[ast.stmt], into_functions: bool) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for statement in _statements(body, into_functions):
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append(value)
    return found


def _statements(body: Sequence[ast.stmt], into_functions: bool) -> Iterator[ast.stmt]:
    for statement in body:
        yield statement
        if (
            isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and not into_functions
        ):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list):
                yield from _statements(inner, into_functions)
        for handler in getattr(statement, "handlers", ()):
            yield from _statements(handler.body, into_functions)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""
