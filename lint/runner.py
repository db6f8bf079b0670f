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

from .model import Span
from .sqlsource import char_column

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


@dataclass(frozen=True)
class StampSite:
    path: str
    span: Span
    tool: str  # "alembic CLI" or "alembic.command.stamp"
    targets: tuple[Target, ...]
    conditions: tuple[Condition, ...]  # those on the path to the stamp itself
    after_create_all: bool  # metadata.create_all() runs just before: the fresh-database pattern

    def legacy_condition(self, target: Target) -> Condition | None:
        """The test that put this stamp on a "tables but no alembic_version" path, if any."""
        path = (*self.conditions, *target.conditions)
        if self.after_create_all or any(c.finds_empty for c in path):
            return None
        return next((c for c in path if c.finds_tables), None)


def analyze_runner(path: str, text: str) -> tuple[StampSite, ...]:
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    reader = _Runner(path, text, lines, _command_stamp_names(tree))
    module_scope = _Scope(None, {})
    sites: list[StampSite] = []
    for statement, conditions, before in _statements(tree.body, ()):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope = _Scope(statement, module_scope.assignments)
            for inner, inner_conditions, inner_before in _statements(statement.body, ()):
                scope.note(inner, inner_conditions)
                sites.extend(reader.stamps(inner, inner_conditions, inner_before, scope))
        else:
            module_scope.note(statement, conditions)
            sites.extend(reader.stamps(statement, conditions, before, module_scope))
    return tuple(sites)


def _statements(
    body: list[ast.stmt], conditions: tuple[Condition, ...]
) -> Iterator[tuple[ast.stmt, tuple[Condition, ...], tuple[ast.stmt, ...]]]:
    """Every statement with the conditions leading to it and the statements before it in its block."""
    for index, statement in enumerate(body):
        yield statement, conditions, tuple(body[:index])
        if isinstance(statement, ast.If):
            text = ast.unparse(statement.test)
            yield from _statements(statement.body, (*conditions, Condition(text, statement.lineno, True)))
            yield from _statements(statement.orelse, (*conditions, Condition(text, statement.lineno, False)))
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            yield from _statements(statement.body, conditions)
            yield from _statements(getattr(statement, "orelse", []), conditions)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _statements(block, conditions)
            for handler in statement.handlers:
                yield from _statements(handler.body, conditions)


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
    def __init__(self, path: str, text: str, lines: list[str], command_stamps: frozenset[str]) -> None:
        self.path = path
        self.text = text
        self.lines = lines
        self.command_stamps = command_stamps

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
        scope: _Scope,
    ) -> Iterator[StampSite]:
        if isinstance(
            statement, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)
        ):
            return  # their bodies are visited as statements of their own
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            found = self._stamp_target(node)
            if found is None:
                continue
            tool, argument = found
            targets = tuple(self._targets(argument, conditions, scope)) if argument is not None else ()
            yield StampSite(
                path=self.path,
                span=self.span(node),
                tool=tool,
                targets=targets,
                conditions=conditions,
                after_create_all=any("create_all" in ast.unparse(s) for s in before[-3:]),
            )

    def _stamp_target(self, call: ast.Call) -> tuple[str, ast.expr | None] | None:
        """(tool, the revision argument) when `call` stamps."""
        name = _call_name(call.func)
        if name in self.command_stamps or (
            name == "stamp"
            and isinstance(call.func, ast.Attribute)
            and _call_name(call.func.value) == "command"
        ):
            revision = next((k.value for k in call.keywords if k.arg == "revision"), None)
            if revision is None and len(call.args) >= 2:
                revision = call.args[1]
            return "alembic.command.stamp", revision
        if name in _SUBPROCESS and call.args:
            words = call.args[0]
            if isinstance(words, (ast.List, ast.Tuple)):
                items = words.elts
                texts = [
                    e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None
                    for e in items
                ]
                index = _stamp_index(texts)
                if index is None:
                    return None
                return "alembic CLI", items[index] if index < len(items) else None
            if isinstance(words, ast.Constant) and isinstance(words.value, str):
                try:
                    parts = shlex.split(words.value)
                except ValueError:
                    return None
                index = _stamp_index(list(parts))
                if index is None:
                    return None
                return "alembic CLI", ast.Constant(parts[index]) if index < len(parts) else None
        return None

    def _targets(
        self, node: ast.expr, conditions: tuple[Condition, ...], scope: _Scope, depth: int = 0
    ) -> Iterator[Target]:
        span = self.span(node) if hasattr(node, "lineno") else Span.point(1)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield Target(node.value, span, conditions)
        elif isinstance(node, ast.Name) and depth < 4 and scope.values(node.id):
            for value, value_conditions in scope.values(node.id) or []:
                yield from self._targets(value, value_conditions, scope, depth + 1)
        else:
            yield Target(None, span, conditions)


def _stamp_index(words: list[str | None]) -> int | None:
    """Index of the revision in an `alembic ... stamp [options] REV` word list."""
    if "stamp" not in words:
        return None
    start = words.index("stamp")
    if not any(
        w is not None and w.rsplit("/", 1)[-1] in ("alembic", "alembic.exe") for w in words[:start]
    ) and ("-m" not in words[:start] or "alembic" not in words[:start]):
        return None
    index = start + 1
    while index < len(words) and words[index] is not None and words[index].startswith("-"):  # type: ignore[union-attr]
        index += 2 if words[index] in _OPTIONS_WITH_VALUE else 1
    return index


def _command_stamp_names(tree: ast.Module) -> frozenset[str]:
    """Local names bound to alembic.command.stamp (`from alembic.command import stamp as s`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "alembic.command":
            names.update(alias.asname or alias.name for alias in node.names if alias.name == "stamp")
    return frozenset(names)


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


_EMPTY = re.compile(r"(==\s*0|<\s*1|<=\s*0)(?!\d)")


def _tests_empty(text: str) -> bool:
    """A test that the database is empty: `== 0`, `< 1`, `not tables` (not `not has_alembic_version`)."""
    if _EMPTY.search(text):
        return True
    stripped = text.strip()
    return stripped.startswith("not ") and "alembic_version" not in stripped and " and " not in stripped
