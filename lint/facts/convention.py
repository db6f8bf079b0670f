"""The naming convention of the MetaData env.py hands Alembic, read from source, never imported.

`op.create_unique_constraint(None, ...)` is named by `target_metadata`'s naming convention
when it has one for the constraint's kind (Alembic builds the constraint on a MetaData
carrying it), so MG502's "the database picks the name" is then false. The convention
lives in application code: env.py writes `target_metadata = pagure.lib.model.BASE.metadata`
(or `Base.metadata` after `from myapp.models import Base`), and the module that binds that
name writes `MetaData(naming_convention={"uq": "...", ...})` (Pagure's model_base.py).

So the names of env.py's `target_metadata = ...` are followed, import by import, to the
repository module that binds them by an assignment (a few modules at most: following every
import of env.py two deep read 700 files of fides' application, 50 ms), and the kinds of
every naming-convention dict in env.py and in that module are taken: a dict whose keys are
"uq", "fk", "ck", "pk", "ix" or the constraint classes, with a `%(...)s` template among its
values. Anything this does not follow counts as no convention: MG502 then reports as before.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from ..lazyre import pattern
from ..reading.discover import SKIP_DIRS
from ..reading.readfile import read_regular

_KEYS = {
    "uq": "uq", "fk": "fk", "ck": "ck", "pk": "pk", "ix": "ix",
    "UniqueConstraint": "uq", "ForeignKeyConstraint": "fk", "CheckConstraint": "ck",
    "PrimaryKeyConstraint": "pk", "Index": "ix",
}  # fmt: skip
_HOPS = 6  # modules followed from env.py, at most
_LIMIT = 1 << 20  # bytes read of a module


class _Reader:
    """One question's modules, each read and parsed once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.consulted: set[str] = set()
        self.texts: dict[Path, str | None] = {}
        self.trees: dict[Path, ast.Module | None] = {}

    def text(self, path: Path) -> str | None:
        if path not in self.texts:
            self.consulted.add(str(path))
            try:
                self.texts[path] = read_regular(path, limit=_LIMIT).decode("utf-8", "replace")
            except OSError:
                self.texts[path] = None
        return self.texts[path]

    def tree(self, path: Path) -> ast.Module | None:
        if path not in self.trees:
            text = self.text(path)
            try:
                self.trees[path] = ast.parse(text) if text is not None else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self.trees[path] = None
        return self.trees[path]

    def module(self, dotted: str, importer: Path) -> Path | None:
        """The repository's file of module `dotted`, looked for as sys.path would find a
        top-level package: beside the importer, in each directory above it to the root, and
        their src/."""
        from .appimports import _chain

        parts = dotted.split(".")
        for directory in _chain(importer.parent, self.root):
            for base in (directory, directory / "src"):
                for candidate in (
                    base.joinpath(*parts).with_suffix(".py"),
                    base.joinpath(*parts, "__init__.py"),
                ):
                    self.consulted.add(str(candidate))
                    if candidate.is_file():
                        return candidate
        return None


def naming_convention(env_py: Path, root: Path) -> tuple[frozenset[str], set[str]]:
    """(the kinds - "uq", "fk", "ck", "pk", "ix" - a naming convention names in env.py or
    in the module that binds the names of its `target_metadata`, the paths looked at: their
    content decides the answer)."""
    reader = _Reader(root)
    tree = reader.tree(env_py)
    env_text = reader.text(env_py) or ""
    kinds = _convention_kinds(env_text)
    if tree is not None:
        for value in _target_metadata(tree):
            for dotted in _dotted_names(value):
                found = _defining_module(dotted, env_py, reader, _HOPS)
                if found is not None and found != env_py:
                    kinds |= _convention_kinds(reader.text(found) or "")
    if not kinds and "current_app" in env_text:
        kinds = _flask_db_convention(root, env_py, reader)
    return frozenset(kinds), reader.consulted


# where a Flask app makes its `db = SQLAlchemy(...)` (hushline's db.py, Flask's models.py,
# extensions.py): looked for by name, no deeper than _FLASK_DEPTH below the repository's top
_FLASK_MODULES = frozenset({
    "db.py", "database.py", "models.py", "model.py", "extensions.py", "ext.py", "app.py", "base.py",
    "__init__.py",
})  # fmt: skip
_FLASK_DEPTH = 3
# besides what discovery never walks into: the migrations, the tests, the docs
_NOT_APPLICATION = frozenset(SKIP_DIRS | {"migrations", "alembic", "tests", "test", "docs"})


def _flask_db_convention(root: Path, env_py: Path, reader: _Reader) -> set[str]:
    """Flask-Migrate's env.py hands Alembic `current_app.extensions["migrate"].db.metadata`,
    known only when the app runs: the kinds of the naming convention of the module that makes
    the app's `SQLAlchemy(...)`, when the repository has one such module with a convention
    (several that disagree: none is guessed)."""
    found: list[set[str]] = []
    directories = [(root, 0)]
    while directories:
        directory, depth = directories.pop()
        reader.consulted.add(str(directory))  # a module added there changes the answer
        try:
            entries = sorted(directory.iterdir())
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name in _NOT_APPLICATION:
                continue
            if entry.is_dir():
                if depth < _FLASK_DEPTH and entry != env_py.parent:
                    directories.append((entry, depth + 1))
            elif name in _FLASK_MODULES:
                text = reader.text(entry) or ""
                if "SQLAlchemy(" in text:
                    kinds = _convention_kinds(text)
                    if kinds:
                        found.append(kinds)
    return found[0] if found and all(k == found[0] for k in found) else set()


def _target_metadata(tree: ast.Module) -> Iterator[ast.expr]:
    """What env.py assigns to `target_metadata`, wherever it does."""
    try:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "target_metadata" for t in node.targets
            ):
                yield node.value
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.target.id == "target_metadata"
                and node.value is not None
            ):
                yield node.value
    except RecursionError:
        return


def _dotted_names(node: ast.expr) -> Iterator[str]:
    """The dotted names the expression reads (`pagure.lib.model.BASE.metadata`), each the
    longest chain of attributes on a name."""
    try:
        for inner in ast.walk(node):
            if isinstance(inner, (ast.Attribute, ast.Name)):
                parts: list[str] = []
                current: ast.expr = inner
                while isinstance(current, ast.Attribute):
                    parts.append(current.attr)
                    current = current.value
                if isinstance(current, ast.Name):
                    yield ".".join([current.id, *reversed(parts)])
    except RecursionError:
        return


def _defining_module(dotted: str, path: Path, reader: _Reader, hops: int) -> Path | None:
    """The repository module that binds the first name of `dotted` (in the module at `path`)
    by an assignment, a def or a class, followed through imports; None when it is not the
    repository's, or not found within `hops` modules. Bindings are found in the text, at any
    indentation (`try: import pagure.lib.model`): a large module of models is not parsed."""
    text = reader.text(path)
    if hops <= 0 or text is None:
        return None
    first, _, rest = dotted.partition(".")
    word = re.escape(first)
    if re.search(
        rf"^[ \t]*(?:(?:async[ \t]+)?def|class)[ \t]+{word}\b|^[ \t]*{word}[ \t]*(?::[^=\n]*)?=(?!=)",
        text,
        re.M,
    ):
        return path  # bound here: the defining module
    for match in _IMPORT.finditer(text):
        source, names, plain = match.groups()
        for part in (names or plain or "").replace("(", " ").replace(")", " ").split(","):
            words = part.split()
            if not words:
                continue
            name, alias = words[0], words[2] if len(words) >= 3 and words[1] == "as" else None
            if source is None:  # `import a.b [as x]`
                if alias == first:
                    return _through_module(f"{name}.{rest}".rstrip("."), path, reader, hops)
                if alias is None and name.split(".")[0] == first:
                    return _through_module(dotted, path, reader, hops)
            elif (alias or name) == first:  # `from a import b [as x]`
                module = reader.module(f"{source}.{name}", path)
                if module is not None:  # b is a module
                    return module if not rest else _defining_module(rest, module, reader, hops - 1)
                found = reader.module(source, path)
                return (
                    None
                    if found is None
                    else _defining_module(f"{name}.{rest}".rstrip("."), found, reader, hops - 1)
                )
    return None


def _through_module(dotted: str, importer: Path, reader: _Reader, hops: int) -> Path | None:
    """`dotted` read from the longest leading module of it the repository has."""
    parts = dotted.split(".")
    for length in range(len(parts), 0, -1):
        found = reader.module(".".join(parts[:length]), importer)
        if found is not None:
            rest = ".".join(parts[length:])
            return found if not rest else _defining_module(rest, found, reader, hops - 1)
    return None


# an import statement: `from a.b import c, d as e` (its parenthesised lines too), `import a.b as c`
_IMPORT = pattern(
    r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)|import[ \t]+([^\n#;]+))", re.M
)


def _convention_kinds(text: str) -> set[str]:
    """The kinds every naming-convention dict of the text names (a syntax tree only where a
    convention may be written: a template, and the word)."""
    found: set[str] = set()
    if "%(" not in text or "convention" not in text.lower():
        return found
    try:
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.Dict) or not node.keys:
                continue
            keys = [_key(k) for k in node.keys]
            templates = [v for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            if all(keys) and any("%(" in str(v.value) for v in templates):
                found.update(k for k in keys if k)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    return found


def _key(node: ast.expr | None) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _KEYS.get(node.value, "")
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return _KEYS.get(name, "") if name[:1].isupper() else ""
