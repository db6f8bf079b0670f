"""The branches of a helper that an entry point never takes, because of a flag it passes.

Some revisions do their work in steps written once for both directions (chaoss/augur):

    def change_keys_2(upgrade=True):
        if upgrade:
            op.create_unique_constraint(...)
        else:
            op.drop_constraint(...)

    def upgrade():
        change_keys_2()

    def downgrade():
        upgrade = False
        change_keys_2(upgrade)

upgrade() never runs the `else:` branch and downgrade() never runs the `if` body: the
operations there belong to the other direction only. For each entry point, a module
function it calls directly, with a parameter that is True or False on every such call
(a literal, a name the entry point binds once to a literal, or a default left alone) and
that the function never assigns, has the branches of `if PARAM:` / `if not PARAM:` that
this value rules out. Anything less certain is left as it runs: a function also called
from elsewhere, or referred to other than by a call, a flag that differs between calls.

Read only from files that define such a parameter or pass a literal flag to a module
function (`_FLAG_DEFAULT`, `_FLAG_PASSED`): one syntax tree for those, none for the others.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from ..lazyre import pattern
from ..sql.source import ENTRY_POINTS
from .pyguards import flag_parameters

# a module function with a parameter whose default is True or False, on its `def` line
# (bounded: a pattern free to run to the next `)` is quadratic on hostile text). A hint
# only, read on every file: it starts with the literal `def`, which the matcher finds at
# C speed (`\bdef` made it try every offset: 25 ms on 400 files).
_FLAG_DEFAULT = pattern(r"def[ \t]+\w+[ \t]*\([^)\n]{0,300}=[ \t]*(?:True|False)\b")
# or a statement that is a call of a function by its bare name passing True or False, in a
# file with a module function besides upgrade() and downgrade() (langflow: `def
# _convert(conn, timezone_aware):`, called with True by upgrade() and False by downgrade())
_ARGUMENT_TEXT = r"(?:[^()\n]|\([^()\n]{0,100}\)){0,300}"  # brackets nested once: `f(op.get_bind(), True)`
_FLAG_PASSED = pattern(
    rf"\n[ \t]+[A-Za-z_]\w*[ \t]*\({_ARGUMENT_TEXT}\b(?:True|False)\b{_ARGUMENT_TEXT}\)[ \t]*(?:#[^\n]*)?(?=\r?\n)"
)

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_ENTRY_POINTS = frozenset(ENTRY_POINTS)

Untaken = dict[tuple[str, str], frozenset[int]]


def untaken_lines(
    text: str, entries: Iterable[str] = ENTRY_POINTS, tree: ast.Module | None = None
) -> Untaken:
    """(function, entry) -> the lines of the function that never run when `entry` runs it.
    `tree`: the module's AST when the caller has one (parsed here otherwise)."""
    if _FLAG_DEFAULT.search(text) is None and (text.count("\ndef ") < 3 or _FLAG_PASSED.search(text) is None):
        return {}
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return {}
    functions = {n.name: n for n in tree.body if isinstance(n, _FUNCTIONS)}
    entry_names = [e for e in entries if e in functions]
    found: Untaken = {}
    try:
        callers = _callers(tree, functions)
        # a function that only entry points call (whichever are read): when one runs, its
        # calls alone decide the flags
        helpers = {name for name, by in callers.items() if by and by <= _ENTRY_POINTS}
        for entry in entry_names:
            for name, flags in _flags_of_calls(functions[entry], functions, helpers).items():
                lines = frozenset(_untaken(functions[name].body, flags))
                if lines:
                    found[(name, entry)] = lines
    except RecursionError:  # nested deeper than ast.walk goes (hostile input): every branch runs
        return {}
    return found


def _callers(tree: ast.Module, functions: dict[str, ast.stmt]) -> dict[str, set[str] | None]:
    """Module function -> the module functions that call it by name; None when it is
    referred to otherwise too (passed, stored, looked up), or called from module level."""
    callers: dict[str, set[str] | None] = {name: set() for name in functions}
    called: set[int] = set()  # id() of the Name nodes that are a call's function
    for owner in tree.body:
        owner_name = owner.name if isinstance(owner, _FUNCTIONS) else None
        for node in ast.walk(owner):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                called.add(id(node.func))
                seen = callers.get(node.func.id, None)
                if node.func.id in callers and seen is not None:
                    if owner_name is None:
                        callers[node.func.id] = None
                    else:
                        seen.add(owner_name)
            elif isinstance(node, ast.Name) and node.id in callers and id(node) not in called:
                callers[node.id] = None
    return callers


def _flags_of_calls(
    entry: ast.stmt, functions: dict[str, ast.stmt], helpers: set[str]
) -> dict[str, dict[str, bool]]:
    """Helper -> its flag parameters and their value on every call `entry` makes of it."""
    constants = _bound_once(entry)
    found: dict[str, dict[str, bool]] = {}
    for node in ast.walk(entry):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        name = node.func.id
        if name not in helpers:
            continue
        flags = flag_parameters(functions[name], node, constants)  # type: ignore[arg-type]
        if name in found:  # every call must agree
            flags = {p: v for p, v in flags.items() if found[name].get(p) is v}
        found[name] = flags
    return found


def _bound_once(function: ast.stmt) -> dict[str, bool]:
    """Names the function binds exactly once, by `NAME = True` / `NAME = False`."""
    bound: dict[str, list[object]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.setdefault(node.id, []).append(node)
    found = {}
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, bool)
            and len(bound[node.targets[0].id]) == 1
        ):
            found[node.targets[0].id] = node.value.value
    return found


def _untaken(body: list[ast.stmt], flags: dict[str, bool]) -> Iterator[int]:
    for statement in body:
        if isinstance(statement, (*_FUNCTIONS, ast.ClassDef)):
            continue  # defined here, run elsewhere
        if isinstance(statement, ast.If):
            value = _tested(statement.test, flags)
            if value is not None:
                yield from _lines(statement.orelse if value else statement.body)
                yield from _untaken(statement.body if value else statement.orelse, flags)
                continue
        for inner in _blocks(statement):
            yield from _untaken(inner, flags)


def _blocks(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists inside a compound statement."""
    for field in ("body", "orelse", "finalbody"):
        inner = getattr(statement, field, None)
        if isinstance(inner, list):
            yield inner
    for handler in getattr(statement, "handlers", ()):
        yield handler.body
    for case in getattr(statement, "cases", ()):  # match
        yield case.body


def _tested(test: ast.expr, flags: dict[str, bool]) -> bool | None:
    """The value of `if FLAG:` or `if not FLAG:`, when FLAG's is known."""
    if isinstance(test, ast.Name):
        return flags.get(test.id)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name):
        value = flags.get(test.operand.id)
        return None if value is None else not value
    return None


def _lines(statements: list[ast.stmt]) -> Iterator[int]:
    for statement in statements:
        yield from range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
