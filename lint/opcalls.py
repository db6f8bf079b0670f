"""Alembic op calls that create or drop schema objects, and whether each is safe to repeat.

Read with CPython's `ast` from upgrade()/downgrade() and the module functions they
call. A call is safe when it passes `if_not_exists=True` / `if_exists=True`
(Alembic >= 1.16) or sits inside an `if` that asks the inspector first
(`inspector.has_table(...)`, `'t' in inspector.get_table_names()`, a
`has_column`-style helper, an `information_schema` query...), the test read as
pyguards.py reads it (names followed to their values, an early return, a try).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .model import OpCall, Span
from .pyguards import Context, context_at, function_contexts
from .sqlsource import ENTRY_POINTS, char_column, reached_functions

# op function -> the keyword that makes it idempotent
CREATING = {"create_table": "if_not_exists", "add_column": "if_not_exists", "create_index": "if_not_exists"}
DROPPING = {"drop_table": "if_exists", "drop_index": "if_exists", "drop_column": "if_exists"}
_GUARD_WORDS = (
    "has_table", "get_table_names", "has_column", "get_columns", "has_index", "get_indexes",
    "table_exists", "column_exists", "index_exists", "information_schema", "pg_catalog", "pg_class",
)  # fmt: skip


def extract_op_calls(
    text: str, tree: ast.Module | None = None, entries: tuple[str, ...] = ENTRY_POINTS
) -> tuple[OpCall, ...]:
    if tree is None:
        tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    calls: list[OpCall] = []
    for entry in entries:
        if entry not in functions:
            continue
        for function in reached_functions(functions, entry, lines):
            contexts: list[Context] | None = None
            for call, guarded in _calls(function.body, False):
                if not guarded:  # names followed to their values, lookups in helpers (pyguards.py)
                    contexts = contexts if contexts is not None else function_contexts(function, tree)
                    context = context_at(contexts, call.lineno)
                    guarded = context is not None and context.guarded
                name = call.func.attr  # type: ignore[attr-defined]
                keyword = CREATING.get(name) or DROPPING[name]
                passed = any(k.arg == keyword and _is_true(k.value) for k in call.keywords)
                line = call.lineno
                column = char_column(lines, line, call.col_offset)
                end_line = call.end_lineno or line
                end_column = char_column(lines, end_line, call.end_col_offset or 0)
                insert = None
                if not passed and (call.args or call.keywords):
                    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
                    last = max(arguments, key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))
                    if last.end_lineno is not None and last.end_col_offset is not None:
                        last_column = char_column(lines, last.end_lineno, last.end_col_offset)
                        insert = (last.end_lineno, last_column, f", {keyword}=True")
                calls.append(
                    OpCall(
                        name=name,
                        target=_first_string(call),
                        span=Span(line, column, end_line, end_column),
                        keyword=keyword,
                        passed=passed,
                        guarded=guarded,
                        function=function.name,
                        entry=entry,
                        insert=insert,
                    )
                )
    return tuple(calls)


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
    return any(word in ast.dump(test) for word in _GUARD_WORDS)


def _is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _first_string(call: ast.Call) -> str:
    for argument in call.args:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return ""
