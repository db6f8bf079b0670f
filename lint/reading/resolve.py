"""Resolve branch labels and dependencies imported from a module of the same repository.

An expand/contract split often keeps its labels in one module
(`from myapp.migrations.labels import EXPAND`, or `branch_labels = (cli.EXPAND_BRANCH,)`
after `from myapp.db.migration import cli`), and a revision may depend on an id
kept there (`from myapp.migrations.ids import USERS_TABLE`; `depends_on = USERS_TABLE`).
When that module assigns the name a literal, the value is as static as if it were
written in place; resolving it keeps two intended heads from looking accidental and
lets the dependency be checked. Anything else stays dynamic (MG003).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..lazydataclass import replace
from ..model import HeaderValue, RevisionFile
from .readfile import read_regular

# Only branch_labels and depends_on: `revision` and `down_revision` place the file in
# the graph and stay literal-only.
_Key = tuple[str, str, int, str]


def resolve_imported_labels(
    records: Sequence[RevisionFile], root: Path
) -> tuple[list[RevisionFile], set[str]]:
    """The records with such values resolved, and every file consulted for them."""
    resolved: dict[_Key, tuple[str, tuple[str, ...]] | None] = {}
    consulted: set[str] = set()

    def lookup(reference: tuple[str, str, int], importer: Path) -> tuple[str, tuple[str, ...]] | None:
        module, name, level = reference
        key = (module, name, level, str(importer.parent) if level else "")
        if key not in resolved:
            resolved[key] = _lookup(module, name, level, importer, root, consulted)
        return resolved[key]

    def resolve(value: HeaderValue | None, importer: Path) -> HeaderValue | None:
        if value is None:
            return value
        if value.imported_from is not None:
            found = lookup(value.imported_from, importer)
            if found is None:
                return value
            shape, ids = found
            return HeaderValue(ids=ids, span=value.span, shape=shape)
        if value.imported_items is not None:
            # `(cli.EXPAND_BRANCH,)`: each element must be one string, as Alembic needs
            texts = []
            for item in value.imported_items:
                if isinstance(item, str):
                    texts.append(item)
                    continue
                found = lookup(item, importer)
                if found is None or found[0] != "str":
                    return value
                texts.append(found[1][0])
            return HeaderValue(ids=tuple(texts), span=value.span, shape="tuple")
        return value

    out = []
    for record in records:
        if not _imports_a_value(record.branch_labels) and not _imports_a_value(record.depends_on):
            out.append(record)  # most records: nothing to look up (and no Path to make)
            continue
        labels = resolve(record.branch_labels, Path(record.path))
        depends = resolve(record.depends_on, Path(record.path))
        if labels is not record.branch_labels or depends is not record.depends_on:
            record = replace(record, branch_labels=labels, depends_on=depends)
        out.append(record)
    return out, consulted


def _candidates(module: str, level: int, importer: Path, root: Path) -> Iterator[Path]:
    parts = [p for p in module.split(".") if p]
    if level:
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
        bases = [base]
    else:
        # the project root, a src/ layout, and every directory between the version
        # file and the root (a `migrations` package imported by its own name)
        bases = [root, root / "src", *[p for p in importer.parents if root in p.parents or p == root]]
    for base in bases:
        yield base.joinpath(*parts).with_suffix(".py") if parts else base / "__init__.py"
        yield base.joinpath(*parts, "__init__.py")


def _lookup(
    module: str, name: str, level: int, importer: Path, root: Path, consulted: set[str]
) -> tuple[str, tuple[str, ...]] | None:
    for candidate in _candidates(module, level, importer, root):
        consulted.add(str(candidate))  # also when absent: its appearing changes the answer
        try:
            tree = ast.parse(read_regular(candidate))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        value = None
        for stmt in tree.body:  # the module's last top-level binding of the name
            if isinstance(stmt, ast.Assign):
                targets = stmt.targets
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets = [stmt.target]
            else:
                continue
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                value = stmt.value
        if value is not None:
            return literal(value)
        return None  # the module exists but does not bind the name to a literal
    return None


def literal(node: ast.expr) -> tuple[str, tuple[str, ...]] | None:
    """(shape, ids) of a literal value: None, a string, a tuple, list or set of strings.
    Read so for a label module here and for a header that needs a parser
    (reading/astheader.py; tests/test_parse.py checks they agree)."""
    if isinstance(node, ast.Constant) and node.value is None:
        return "none", ()
    if isinstance(node, ast.Constant):
        return ("str", (node.value,)) if isinstance(node.value, str) else None
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        ids = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if len(ids) != len(node.elts):
            return None  # a starred or computed element
        shape = {ast.Tuple: "tuple", ast.List: "list", ast.Set: "set"}[type(node)]
        return shape, tuple(ids)
    return None


def _imports_a_value(value: HeaderValue | None) -> bool:
    return value is not None and (value.imported_from is not None or value.imported_items is not None)
