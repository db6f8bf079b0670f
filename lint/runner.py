"""Runner code that stamps: where, with what revision, and under which conditions.

A runner is project code that drives Alembic (a start-up script, an entrypoint).
The bug this project was created for: a runner found a legacy database (tables,
but no `alembic_version`) and ran `alembic stamp head`, marking every migration
applied without running any. This module finds each stamp, every value its target
may hold (a literal, or a name whose assignments are literals - each with the
conditions on its own path), and the conditions that lead to the stamp.

Read with CPython's `ast` (runners are few and the edits a fix makes are plain
text replacements at exact spans). Recognised stamps: `alembic stamp X` run by
subprocess.run/call/check_call/check_output/Popen (list or shell string) or
os.system, and `alembic.command.stamp(cfg, X)` however imported.
"""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .model import Span
from .sqlsource import char_column

_COMMANDS = ("stamp", "upgrade")
_VERSION_ROW = re.compile(
    r"insert\s+into\s+alembic_version\b[^;]*?values\s*\(\s*'(?P<revision>[^']+)'", re.IGNORECASE | re.DOTALL
)
_SUBPROCESS = frozenset({"run", "call", "check_call", "check_output", "Popen", "system"})
# alembic options that take a value, to skip when looking for the revision
_OPTIONS_WITH_VALUE = frozenset({"-c", "--config", "-n", "--name", "-x", "--tag"})
# Words in a condition that show it inspects what the database already holds.
_TABLE_WORDS = ("table", "alembic_version", "information_schema", "get_table_names", "has_table")


@dataclass(frozen=True)
class Condition:
    """One `if` test on the path to a statement; `holds` is False in its else branch."""

    text: str
    line: int
    holds: bool

    @property
    def finds_empty(self) -> bool:
        """On this branch the database was found empty (the fresh-install path)."""
        # Only a test for emptiness that holds says so: the else of `count < 30` is
        # "30 or more", not "none".
        lowered = self.text.lower()
        return self.holds and any(word in lowered for word in _TABLE_WORDS) and _tests_empty(self.text)

    @property
    def finds_tables(self) -> bool:
        """The database was found to hold tables (the legacy case), on this branch."""
        lowered = self.text.lower()
        if not any(word in lowered for word in _TABLE_WORDS):
            return False
        empty = _tests_empty(self.text)
        return (not empty) if self.holds else empty


@dataclass(frozen=True)
class Target:
    """One value a stamp's revision argument may hold, and where it is written."""

    value: str | None  # None: not a literal (computed)
    span: Span
    conditions: tuple[Condition, ...]  # those on the path of the assignment
    exact: bool = True  # the text at `span` is a literal of exactly `value` (a fix may replace it)


@dataclass(frozen=True)
class StampSite:
    """An `alembic stamp` (or `upgrade`) that runner code performs."""

    path: str
    span: Span
    tool: str  # "alembic CLI" or "alembic.command"
    targets: tuple[Target, ...]
    conditions: tuple[Condition, ...]  # those on the path to the call itself
    after_create_all: bool  # metadata.create_all() runs just before: the fresh-database pattern
    command: str = "stamp"  # or "upgrade"
    # What follows on the same path: an upgrade, or the line of a return/exit reached first
    # (0: the function simply ends there).
    upgraded_after: bool = True
    exits_at: int | None = None

    def path_to(self, target: Target) -> tuple[Condition, ...]:
        """The tests on the way to the stamp and to the assignment of this value, each once."""
        path: list[Condition] = []
        for condition in (*self.conditions, *target.conditions):
            if condition not in path:
                path.append(condition)
        return tuple(path)

    def finds_empty(self, target: Target) -> bool:
        return any(c.finds_empty for c in self.path_to(target))

    def legacy_condition(self, target: Target) -> Condition | None:
        """The test that put this stamp on a "tables but no alembic_version" path, if any."""
        path = self.path_to(target)
        if self.after_create_all or any(c.finds_empty for c in path):
            return None
        return next((c for c in path if c.finds_tables), None)


def analyze_runner(path: str, text: str) -> tuple[StampSite, ...]:
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    reader = _Runner(path, text, lines, _command_stamp_names(tree))
    reader.flask = _flask_names(tree)
    reader.wrappers = reader.find_wrappers(tree)
    module_scope = _Scope(None, {})
    sites: list[StampSite] = []
    for statement, conditions, before, after in _statements(tree.body, ()):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope = _Scope(statement, module_scope.assignments)
            for inner, inner_conditions, inner_before, inner_after in _statements(statement.body, ()):
                scope.note(inner, inner_conditions)
                sites.extend(reader.stamps(inner, inner_conditions, inner_before, inner_after, scope))
        else:
            module_scope.note(statement, conditions)
            sites.extend(reader.stamps(statement, conditions, before, after, module_scope))
    return tuple(sites)


_Continuation = tuple[tuple[ast.stmt, ...], ...]


def _statements(
    body: list[ast.stmt], conditions: tuple[Condition, ...], rest: _Continuation = ()
) -> Iterator[tuple[ast.stmt, tuple[Condition, ...], tuple[ast.stmt, ...], _Continuation]]:
    """Every statement with the conditions leading to it, the statements before it in
    its block, and what runs after it: the rest of its block, then of each enclosing one."""
    for index, statement in enumerate(body):
        after = (tuple(body[index + 1 :]), *rest)
        yield statement, conditions, tuple(body[:index]), after
        if isinstance(statement, ast.If):
            text = ast.unparse(statement.test)
            yield from _statements(
                statement.body, (*conditions, Condition(text, statement.lineno, True)), after
            )
            yield from _statements(
                statement.orelse, (*conditions, Condition(text, statement.lineno, False)), after
            )
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            yield from _statements(statement.body, conditions, after)
            yield from _statements(getattr(statement, "orelse", []), conditions, after)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _statements(block, conditions, after)
            for handler in statement.handlers:
                yield from _statements(handler.body, conditions, after)


class _Scope:
    """Assignments to simple names in one function (module ones visible too)."""

    def __init__(
        self, function: ast.AST | None, outer: dict[str, list[tuple[ast.expr, tuple[Condition, ...]]]]
    ):
        self.function = function
        self.outer = outer
        self.assignments: dict[str, list[tuple[ast.expr, tuple[Condition, ...]]]] = {}

    def note(self, statement: ast.stmt, conditions: tuple[Condition, ...]) -> None:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    self.assignments.setdefault(target.id, []).append((statement.value, conditions))
        elif (
            isinstance(statement, ast.AnnAssign)
            and statement.value is not None
            and isinstance(statement.target, ast.Name)
        ):
            self.assignments.setdefault(statement.target.id, []).append((statement.value, conditions))

    def values(self, name: str) -> list[tuple[ast.expr, tuple[Condition, ...]]] | None:
        return self.assignments.get(name) or self.outer.get(name)


class _Runner:
    def __init__(self, path: str, text: str, lines: list[str], command_stamps: dict[str, str]) -> None:
        self.path = path
        self.text = text
        self.lines = lines
        self.command_stamps = command_stamps
        self.flask: dict[str, Any] = {"": set()}  # set by analyze_runner: _flask_names
        self.wrappers: dict[str, tuple[str, int, str, ast.expr | None]] = {}  # ... find_wrappers

    def span(self, node: ast.expr | ast.stmt) -> Span:
        end_line = node.end_lineno or node.lineno
        return Span(
            node.lineno,
            char_column(self.lines, node.lineno, node.col_offset),
            end_line,
            char_column(self.lines, end_line, node.end_col_offset or 0),
        )

    def stamps(
        self,
        statement: ast.stmt,
        conditions: tuple[Condition, ...],
        before: tuple[ast.stmt, ...],
        after: _Continuation,
        scope: _Scope,
    ) -> Iterator[StampSite]:
        if isinstance(
            statement, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)
        ):
            return  # their bodies are visited as statements of their own
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        for node in ast.walk(statement):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield from self._version_row_writes(node, conditions, before, after)
            if not isinstance(node, ast.Call):
                continue
            found = self._alembic_call(node)
            if found is None:
                continue
            command, tool, argument = found
            targets = tuple(self._targets(argument, conditions, scope)) if argument is not None else ()
            upgraded, exits_at = self._what_follows(after) if command == "stamp" else (True, None)
            yield StampSite(
                path=self.path,
                span=self.span(node),
                tool=tool,
                targets=targets,
                conditions=conditions,
                after_create_all=any("create_all" in ast.unparse(s) for s in before[-3:]),
                command=command,
                upgraded_after=upgraded,
                exits_at=exits_at,
            )

    def _what_follows(self, after: _Continuation) -> tuple[bool, int | None]:
        """(an upgrade runs next on this path, the line of a return/exit reached first)."""
        for block in after:
            for statement in block:
                if any(
                    isinstance(n, ast.Call) and (self._alembic_call(n) or (None,))[0] == "upgrade"
                    for n in ast.walk(statement)
                ):
                    return True, None
                if isinstance(statement, ast.Return) or _is_exit(statement):
                    return False, statement.lineno
        return False, 0

    def find_wrappers(self, tree: ast.Module) -> dict[str, tuple[str, int, str, ast.expr | None]]:
        """Module functions that stamp or upgrade with their parameter's value:
        name -> (command, parameter index, parameter name, its default)."""
        wrappers: dict[str, tuple[str, int, str, ast.expr | None]] = {}
        for function in tree.body:
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = [a.arg for a in function.args.args]
            defaults: list[ast.expr | None] = [None] * (len(params) - len(function.args.defaults))
            defaults += list(function.args.defaults)
            for node in ast.walk(function):
                found = self._alembic_call(node) if isinstance(node, ast.Call) else None
                if found is not None and isinstance(found[2], ast.Name) and found[2].id in params:
                    index = params.index(found[2].id)
                    wrappers[function.name] = (found[0], index, found[2].id, defaults[index])
        return wrappers

    def _version_row_writes(
        self,
        node: ast.Constant,
        conditions: tuple[Condition, ...],
        before: tuple[ast.stmt, ...],
        after: _Continuation,
    ) -> Iterator[StampSite]:
        """SQL that writes the version row itself is a stamp too."""
        match = _VERSION_ROW.search(str(node.value))
        if match is None:
            return
        span = self.span(node)
        upgraded, exits_at = self._what_follows(after)
        yield StampSite(
            path=self.path,
            span=span,
            tool="SQL on alembic_version",
            targets=(Target(match.group("revision"), span, (), exact=False),),
            conditions=conditions,
            after_create_all=any("create_all" in ast.unparse(s) for s in before[-3:]),
            upgraded_after=upgraded,
            exits_at=exits_at,
        )

    def _alembic_call(self, call: ast.Call) -> tuple[str, str, ast.expr | None] | None:
        """(command, tool, the revision argument) when `call` stamps or upgrades."""
        name = _call_name(call.func)
        wrapper = self.wrappers.get(name) if isinstance(call.func, ast.Name) else None
        if wrapper is not None:
            wrapped, index, param, default = wrapper
            passed = next((k.value for k in call.keywords if k.arg == param), None)
            if passed is None and index < len(call.args):
                passed = call.args[index]
            return wrapped, f"{name}()", passed if passed is not None else default
        flask = self.flask
        flask_command = flask.get(name) if isinstance(call.func, ast.Name) else None
        if flask_command is None and isinstance(call.func, ast.Attribute) and name in _COMMANDS:
            flask_command = name if _call_name(call.func.value) in flask.get("", ()) else None
        if flask_command is not None:
            # flask_migrate.stamp(directory=None, revision="head", ...): head when not passed
            revision = next((k.value for k in call.keywords if k.arg == "revision"), None)
            if revision is None and len(call.args) >= 2:
                revision = call.args[1]
            return flask_command, "flask_migrate", revision if revision is not None else _implicit_head(call)
        command = self.command_stamps.get(name)
        if command is None and name in _COMMANDS and isinstance(call.func, ast.Attribute):
            command = name if _call_name(call.func.value) == "command" else None
        if command is not None:
            revision = next((k.value for k in call.keywords if k.arg == "revision"), None)
            if revision is None and len(call.args) >= 2:
                revision = call.args[1]
            return command, "alembic.command", revision
        if name in _SUBPROCESS and call.args:
            words = call.args[0]
            if isinstance(words, (ast.List, ast.Tuple)):
                items = words.elts
                texts = [
                    e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None
                    for e in items
                ]
                found = command_index(texts)
                if found is None:
                    return None
                command, index = found
                return command, "alembic CLI", items[index] if index < len(items) else None
            if isinstance(words, ast.JoinedStr):
                return _fstring_command(words)
            if isinstance(words, ast.Constant) and isinstance(words.value, str):
                try:
                    parts = shlex.split(words.value)
                except ValueError:
                    return None
                found = command_index(list(parts))
                if found is None:
                    return None
                command, index = found
                return (
                    command,
                    "alembic CLI",
                    _located(ast.Constant(parts[index]), words) if index < len(parts) else None,
                )
        return None

    def _targets(
        self, node: ast.expr, conditions: tuple[Condition, ...], scope: _Scope, depth: int = 0
    ) -> Iterator[Target]:
        span = self.span(node) if hasattr(node, "lineno") else Span.point(1)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            written = ast.get_source_segment(self.text, node) or ""
            try:
                exact = ast.literal_eval(written) == node.value
            except (ValueError, SyntaxError):
                exact = False  # a word of a shell string: its span is the whole command
            yield Target(node.value, span, conditions, exact)
        elif isinstance(node, ast.JoinedStr) and depth < 4:
            # f"{BASE}" or f"{label}@head": each placeholder resolved like a name
            texts: list[tuple[str, tuple[Condition, ...]]] = [("", conditions)]
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    texts = [(t + part.value, c) for t, c in texts]
                    continue
                inner = part.value if isinstance(part, ast.FormattedValue) else part
                values = [
                    t for t in self._targets(inner, conditions, scope, depth + 1) if t.value is not None
                ]
                if not values or not isinstance(part, ast.FormattedValue) or part.format_spec is not None:
                    yield Target(None, span, conditions)
                    return
                texts = [(t + v.value, v.conditions) for t, _ in texts for v in values]  # type: ignore[operator]
            for text, text_conditions in texts:
                yield Target(text, span, text_conditions, exact=False)  # rewriting an f-string is not safe
        elif isinstance(node, ast.Name) and depth < 4 and scope.values(node.id):
            for value, value_conditions in scope.values(node.id) or []:
                # `stamp_revision = BASELINE` in an elif: keep that branch's tests too
                merged = (*conditions, *(c for c in value_conditions if c not in conditions))
                yield from self._targets(value, merged if depth else value_conditions, scope, depth + 1)
        else:
            yield Target(None, span, conditions)


def command_index(words: list[str | None]) -> tuple[str, int] | None:
    """(command, index of the revision) in an `alembic ... stamp|upgrade [options] REV` word list."""
    command = next((w for w in words if w in _COMMANDS), None)
    if command is None:
        return None
    start = words.index(command)
    if not any(
        w is not None and w.rsplit("/", 1)[-1] in ("alembic", "alembic.exe") for w in words[:start]
    ) and ("-m" not in words[:start] or "alembic" not in words[:start]):
        return None
    index = start + 1
    while index < len(words) and words[index] is not None and words[index].startswith("-"):  # type: ignore[union-attr]
        index += 2 if words[index] in _OPTIONS_WITH_VALUE else 1
    return command, index


def _command_stamp_names(tree: ast.Module) -> dict[str, str]:
    """Local names bound to alembic.command.stamp/upgrade (`from alembic.command import stamp as s`)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "alembic.command":
            names.update(
                {alias.asname or alias.name: alias.name for alias in node.names if alias.name in _COMMANDS}
            )
    return names


def _flask_names(tree: ast.Module) -> dict[str, Any]:
    """Names bound to flask_migrate's stamp/upgrade, and ("" ->) the module's own names."""
    names: dict[str, Any] = {"": set()}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask_migrate":
            names.update({a.asname or a.name: a.name for a in node.names if a.name in _COMMANDS})
        elif isinstance(node, ast.Import):
            names[""].update(a.asname or a.name for a in node.names if a.name == "flask_migrate")
    return names


def _fstring_command(words: ast.JoinedStr) -> tuple[str, str, ast.expr | None] | None:
    """`f"alembic stamp {REV}"`: split like the shell, keep the revision word's placeholders."""
    template = ""
    placeholders: list[ast.expr] = []
    for part in words.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            template += part.value
        else:
            template += f"\x00{len(placeholders)}\x00"  # a marker no shell word contains
            placeholders.append(part)
    try:
        split: list[str | None] = list(shlex.split(template))
    except ValueError:
        return None
    found = command_index(split)
    if found is None:
        return None
    command, index = found
    if index >= len(split) or split[index] is None:
        return command, "alembic CLI", None
    pieces = str(split[index]).split("\x00")
    values: list[ast.expr] = [
        placeholders[int(piece)] if number % 2 else ast.Constant(piece)
        for number, piece in enumerate(pieces)
        if piece
    ]
    return command, "alembic CLI", ast.copy_location(ast.JoinedStr(values=values), words)


def _implicit_head(call: ast.Call) -> ast.Constant:
    """The `head` a call means without saying it: placed at the call, never rewritten."""
    return ast.copy_location(ast.Constant("head"), call)


def _located(node: ast.Constant, where: ast.expr) -> ast.Constant:
    """A word split out of a shell string, placed at that string (its own column is unknown)."""
    return ast.copy_location(node, where)


def _is_exit(statement: ast.stmt) -> bool:
    """`sys.exit(...)`, `exit(...)`, `os._exit(...)`, `raise SystemExit`."""
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        return "SystemExit" in ast.unparse(statement.exc)
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return _call_name(statement.value.func) in ("exit", "_exit", "quit")
    return False


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


# `== 0`, `< 1`, `<= 0`; in shell tests `-eq 0`, `-lt 1`, `= "0"`, `-z "$TABLES"`
_EMPTY = re.compile(r"(==\s*0|<\s*1|<=\s*0|-eq\s+\"?0\"?|-lt\s+\"?1\"?|\s=\s*\"?0\"?|-z\s)(?![\d.])")


def _tests_empty(text: str) -> bool:
    """A test that the database is empty: `== 0`, `< 1`, `not tables` (not `not has_alembic_version`)."""
    if _EMPTY.search(text):
        return True
    stripped = text.strip()
    return stripped.startswith("not ") and "alembic_version" not in stripped and " and " not in stripped
