"""The absolute imports of a version file that may be the application's own (MG506).

Imports of Alembic, SQLAlchemy, `__future__` and the standard library are left out
here; relative imports too (`from ..helpers import x`, `from . import _utils`): they
name modules of the migration tree itself. Which of the rest are the application's is
decided against the repository's directories later (appimports.py), so that this
record stays a function of the file's bytes.

A regex looks at the import lines first: most files import only Alembic and
SQLAlchemy, and those are never parsed for this.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
from collections.abc import Iterator, Sequence

from .model import HeaderValue, ImportFact, Span

_FAMILIAR = frozenset({"__future__", "alembic", "sqlalchemy"})
if sys.version_info >= (3, 10):
    _STANDARD = frozenset(sys.stdlib_module_names)
else:  # pragma: no cover - the modules version files import, for Python 3.9
    _STANDARD = frozenset({
        "abc", "base64", "collections", "contextlib", "copy", "csv", "dataclasses", "datetime",
        "decimal", "enum", "functools", "hashlib", "itertools", "json", "logging", "math", "os",
        "pathlib", "random", "re", "secrets", "string", "sys", "textwrap", "time", "typing",
        "uuid", "warnings", "zoneinfo",
    })  # fmt: skip
_SKIPPED = _FAMILIAR | _STANDARD
# `from M import` / `import M, N as x` at the start of a line (a statement, or text in
# a string: the regex only decides whether the tree is read)
# (a pattern that starts with a newline is searched for at C speed; `^` with re.M is tried
# at every offset; the text is searched with a newline put before it)
_IMPORT_LINE = re.compile(r"\n[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([^\n#;]+))")


def may_import_others(text: str) -> bool:
    """Whether any import line names a module this reader does not skip."""
    if "import" not in text:
        return False
    for match in _IMPORT_LINE.finditer(f"\n{text}" if text[:4] in ("from", "impo") else text):
        source, plain = match.groups()
        modules = [source] if source is not None else [part.split()[0] for part in plain.split(",") if part.split()]
        for module in modules:
            top = module.strip("()\\").split(".")[0]
            if top and top not in _SKIPPED:
                return True
    return False


def import_facts(tree: ast.Module) -> tuple[ImportFact, ...]:
    return tuple(_facts(tree.body, ""))


def _facts(body: Sequence[ast.stmt], function: str) -> Iterator[ImportFact]:
    for statement in body:
        if isinstance(statement, ast.ImportFrom):
            if statement.level == 0 and statement.module and _kept(statement.module):
                names = tuple(alias.name for alias in statement.names)
                yield ImportFact(statement.module, names, _span(statement), function)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if _kept(alias.name):
                    yield ImportFact(alias.name, (), _span(statement), function)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _facts(statement.body, statement.name)
        else:
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(statement, field, None)
                if isinstance(inner, list):
                    yield from _facts(inner, function)
            for handler in getattr(statement, "handlers", ()):
                yield from _facts(handler.body, function)
            for case in getattr(statement, "cases", ()):
                yield from _facts(case.body, function)


def _kept(module: str) -> bool:
    return module.split(".")[0] not in _SKIPPED


def _span(node: ast.stmt) -> Span:
    return Span(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)


def mark_header_only(facts: tuple[ImportFact, ...], headers: Sequence[HeaderValue | None]) -> tuple[ImportFact, ...]:
    """Set `header_only` on module-level imports whose every name is a header value's
    reference (`from myapp.labels import EXPAND`; `branch_labels = EXPAND`, or
    `from p import cli` with `(cli.EXPAND,)`)."""
    used: set[tuple[str, str]] = set()
    for value in headers:
        if value is None:
            continue
        items = [value.imported_from] if value.imported_from is not None else list(value.imported_items or ())
        for item in items:
            if isinstance(item, tuple) and item[2] == 0:
                module, name, _ = item
                used.add((module, name))
                used.add((module, ""))  # `import myapp.labels` then `myapp.labels.EXPAND`
                if "." in module:  # `cli.EXPAND` after `from p import cli`: p imports cli
                    parent, _, last = module.rpartition(".")
                    used.add((parent, last))
    if not used:
        return facts
    return tuple(
        dataclasses.replace(fact, header_only=True)
        if not fact.function and all((fact.module, name) in used for name in fact.names or ("",))
        else fact
        for fact in facts
    )
