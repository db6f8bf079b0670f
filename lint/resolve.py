"""Resolve branch labels imported from a module of the same repository.

An expand/contract split often keeps its labels in one module
(`from myapp.migrations.labels import EXPAND`). When that module assigns the name a
literal, the label is as static as if it were written in place; resolving it keeps
two intended heads from looking accidental. Anything else stays dynamic (MG003).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

from .model import HeaderValue, RevisionFile
from .readfile import read_regular

_Key = tuple[str, str, int, str]


def resolve_imported_labels(
    records: Sequence[RevisionFile], root: Path
) -> tuple[list[RevisionFile], set[str]]:
    """The records with such labels resolved, and every file consulted for them."""
    resolved: dict[_Key, tuple[str, tuple[str, ...]] | None] = {}
    consulted: set[str] = set()
    out = []
    for record in records:
        labels = record.branch_labels
        if labels is None or labels.imported_from is None:
            out.append(record)
            continue
        module, name, level = labels.imported_from
        key = (module, name, level, str(Path(record.path).parent) if level else "")
        if key not in resolved:
            resolved[key] = _lookup(module, name, level, Path(record.path), root, consulted)
        found = resolved[key]
        if found is None:
            out.append(record)
            continue
        shape, ids = found
        value = HeaderValue(ids=ids, span=labels.span, shape=shape)
        out.append(dataclasses.replace(record, branch_labels=value))
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
    import libcst as cst

    from .parse import _literal  # the same notion of a literal as the header values

    for candidate in _candidates(module, level, importer, root):
        consulted.add(str(candidate))  # also when absent: its appearing changes the answer
        try:
            source = read_regular(candidate)
            tree = cst.parse_module(source)
        except (OSError, cst.ParserSyntaxError, UnicodeDecodeError):
            continue
        value = None
        for stmt in tree.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                    elif isinstance(small, cst.AnnAssign) and small.value is not None:
                        targets = [small.target]
                    else:
                        continue
                    if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                        value = small.value
        if value is not None:
            return _literal(value)
        return None  # the module exists but does not bind the name to a literal
    return None
