"""Literal revision histories for tests, the way Alembic's own tests build them.

Notation, one string per revision:
    "a"              base revision a (down_revision = None)
    "b<-a"           b revises a
    "m<-b1,b2"       merge of b1 and b2 (down_revision is a tuple)
    "e@expand<-a"    e carries branch_labels = ("expand",); more labels: "e@x@y<-a"
    "x<-a+d1,d2"     x revises a and depends_on ("d1", "d2")
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Spec:
    rev: str
    parents: tuple[str, ...]
    labels: tuple[str, ...]
    depends: tuple[str, ...]


def spec(text: str) -> Spec:
    head, _, deps = text.partition("+")
    ident, _, parents = head.partition("<-")
    rev, *labels = ident.split("@")
    split = lambda part: tuple(p for p in part.split(",") if p)  # noqa: E731
    return Spec(rev.strip(), split(parents), tuple(labels), split(deps))


def _literal(values: tuple[str, ...]) -> str:
    if not values:
        return "None"
    if len(values) == 1:
        return repr(values[0])
    return "(" + ", ".join(repr(v) for v in values) + ")"


def version_source(s: Spec, message: str | None = None, annotated: bool = False) -> str:
    """A version file as `alembic revision` writes it."""
    message = message or f"revision {s.rev}"
    revises = ", ".join(s.parents)
    lines = [
        f'"""{message}',
        "",
        f"Revision ID: {s.rev}",
        f"Revises: {revises}",
        "Create Date: 2025-10-19 10:00:00.000000",
        "",
        '"""',
        "from alembic import op",
        "import sqlalchemy as sa",
        "",
        "",
        "# revision identifiers, used by Alembic.",
    ]
    if annotated:
        lines += [
            "from typing import Sequence, Union",
            "",
            f"revision: str = {s.rev!r}",
            f"down_revision: Union[str, Sequence[str], None] = {_literal(s.parents)}",
            f"branch_labels: Union[str, Sequence[str], None] = {_literal(s.labels)}",
            f"depends_on: Union[str, Sequence[str], None] = {_literal(s.depends)}",
        ]
    else:
        lines += [
            f"revision = {s.rev!r}",
            f"down_revision = {_literal(s.parents)}",
            f"branch_labels = {_literal(s.labels)}",
            f"depends_on = {_literal(s.depends)}",
        ]
    lines += [
        "",
        "",
        "def upgrade():",
        "    pass",
        "",
        "",
        "def downgrade():",
        "    pass",
        "",
    ]
    return "\n".join(lines)


INI = """[alembic]
script_location = %(here)s/migrations
path_separator = os
"""


def write_project(
    root: Path,
    history: Iterable[str] = (),
    files: Mapping[str, str] | None = None,
    *,
    annotated: bool = False,
) -> dict[str, Path]:
    """An Alembic project at root; returns revision id (or file name) -> file path."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(INI)
    (root / "migrations" / "env.py").write_text("# never imported by miglint\n")
    written: dict[str, Path] = {}
    for index, text in enumerate(history):
        s = spec(text)
        path = versions / f"{index:04d}_{s.rev}.py"
        path.write_text(version_source(s, annotated=annotated))
        written.setdefault(s.rev, path)
    for name, source in (files or {}).items():
        path = versions / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source) if isinstance(source, str) else path.write_bytes(source)
        written[name] = path
    return written


def history_ids(history: Sequence[str]) -> tuple[str, ...]:
    return tuple(spec(h).rev for h in history)


def revisions_with_imported_labels(module: str, names: Mapping[str, str]) -> dict[str, str]:
    """Version files whose branch_labels is a name imported from `module`.

    `names` maps revision id -> the imported name; each revises "a". The shape of
    an expand/contract split that keeps its labels in one module.
    """
    header = "revision = {rev!r}\ndown_revision = 'a'\nfrom {module} import {name}\nbranch_labels = {name}\n"
    return {
        f"{10 + index:04d}_{rev}.py": header.format(rev=rev, module=module, name=name)
        for index, (rev, name) in enumerate(names.items())
    }


def write(path: Path, text: str) -> Path:
    """`text`, dedented, at `path`, its directories made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def revisions(directory: Path, *history: str) -> list[Path]:
    """One version file per revision, named `<id>_rev.py` so that name order is id order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for text in history:
        s = spec(text)
        path = directory / f"{s.rev}_rev.py"
        path.write_text(version_source(s))
        paths.append(path)
    return paths


def copy_bundled_example(source: Path, destination: Path, **options: object) -> None:
    """Copy a bundled example for a test, without the `.miglint_cache` a manual
    `miglint lint examples/...` leaves in it (the tests expect a project never linted)."""
    import shutil

    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(".miglint_cache"), **options)  # type: ignore[arg-type]


def script_directory_without_versions(root: Path) -> Path:
    """lsst's daf_butler_migrate: `migrations/_alembic` holds env.py and no versions/; code
    names the version locations beside it (`migrations/<tree>`). Returns `migrations`."""
    script = root / "migrations" / "_alembic"
    script.mkdir(parents=True)
    (script / "env.py").write_text("from alembic import context\n")
    (script / "script.py.mako").write_text("")
    return script.parent
