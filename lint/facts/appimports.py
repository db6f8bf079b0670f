"""Which of a revision's imports are the application's own code (MG506), found on disk.

A module is the application's when its top-level package resolves inside the linted
repository the way reading/discover.py finds `package:path` locations, never by importing:
in the version file's directory or one above it up to the repository's top (the
repository root, `prepend_sys_path = .`), their `src/`, and the directories that
pyproject.toml or setup.cfg map packages to. The package must look like one: a
`T.py`, a `T/__init__.py`, a directory that holds the migration tree itself (the
revisions live inside package T), or a namespace directory in which the imported
module exists as a file.

A module inside the migration tree (the script directory, a version location, and
the directory holding the script directory beside its alembic.ini when that is
neither the project's top - the repository's, or a sub-project's with its packaging files -
nor a top-level package) is part of the migrations, not the application:
`from migrations.helpers import x`, `from myapp.db.migrations import utils`, a
sibling `_utils.py` imported by name. Relative imports never reach here
(facts/imports.py leaves them out).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..lazydataclass import replace
from ..reading.confine import inside, repository_top

if TYPE_CHECKING:
    from ..model import RevisionFile
    from ..reading.discover import Environment


def mark_application_imports(
    records: Sequence[RevisionFile], env: Environment, root: Path
) -> tuple[list[RevisionFile], set[str]]:
    """The records with `application` set on their imports of the repository's code, and
    every path looked at (the cached results are checked against them)."""
    top = _search_top(root)
    consulted: set[str] = set()
    tree = _migration_tree(env, top, consulted)
    memo: dict[tuple[str, str, tuple[str, ...]], bool] = {}
    chains: dict[Path, tuple[Path, ...]] = {}  # directory -> it and those above it, to the top
    out = []
    for record in records:
        if not record.imports:
            out.append(record)
            continue
        here = Path(record.path).parent
        facts = []
        for fact in record.imports:
            key = (str(here), fact.module, fact.names)
            if key not in memo:
                if here not in chains:
                    chains[here] = _chain(here, top)
                memo[key] = _is_application(fact.module, fact.names, chains[here], tree, consulted)
            facts.append(replace(fact, application=memo[key]) if memo[key] else fact)
        if any(new is not old for new, old in zip(facts, record.imports)):
            record = replace(record, imports=tuple(facts))
        out.append(record)  # unchanged when none is the application's: no copy of the record
    return out, consulted


def _search_top(root: Path) -> Path:
    """How far up the application is looked for: the repository's top; outside a repository
    (an exported tree), the working directory when it holds the project, as a run there with
    no path would have it, so that linting the ini or the script directory finds what
    linting `.` finds (openstack mistral, tacker: the package beside `migration/`)."""
    top = repository_top(root)
    if top != root:
        return top
    try:
        here = Path.cwd()
    except OSError:  # the working directory was removed
        return top
    return here if inside(root, here) else top


def _is_application(
    module: str, names: tuple[str, ...], chain: tuple[Path, ...], tree: Sequence[Path], consulted: set[str]
) -> bool:
    parts = module.split(".")
    here = chain[0] if chain else None
    for package in _package_dirs(chain, parts[0]):
        module_file = package.joinpath(*parts[1:])
        single = package.with_suffix(".py")
        consulted.update((str(single), str(package), str(package / "__init__.py")))
        if single.is_file():
            found = single
        elif package.is_dir() and (
            (package / "__init__.py").is_file()
            or (here is not None and inside(here, package))
            or _module_exists(module_file, consulted)
        ):
            # a sub-directory without __init__.py is a namespace package: itself, not its parent
            # (ckan/migration, the script directory, imported as `ckan.migration`)
            found = module_file if _module_exists(module_file, consulted) or module_file.is_dir() else package
        else:
            continue
        # `from myapp.db import migration`: the names may be modules of the migration tree
        submodules = [module_file / name for name in names]
        consulted.update(str(m) for m in submodules)
        if submodules and all(m.is_dir() or m.with_suffix(".py").is_file() for m in submodules):
            found_all = submodules
        else:
            found_all = [found]
        # the first place Python would find it decides, as on sys.path
        return not all(any(inside(f, location) for location in tree) for f in found_all)
    return False


def _migration_tree(env: Environment, top: Path, consulted: set[str]) -> list[Path]:
    """The script directory and version locations, and the directory that holds the
    script directory beside its alembic.ini (`myapp/db/migrations/{alembic.ini,alembic/}`):
    the package made for the migrations, where their helpers live (`myapp.db.migrations.utils`).
    Not when that directory is the project's top or a top-level package: that is the application.
    Decided from the environment and the repository's top, never from the path linted:
    a versions directory linted alone judges its imports as the repository's root does."""
    script = env.script_location or _script_of(env.version_locations, top, consulted)
    tree = [p for p in (script, *env.version_locations) if p is not None]
    if script is not None:
        holder = script.parent
        ini = holder / "alembic.ini"
        consulted.add(str(ini))
        # a package of its own (myapp/db/migrations), not the application's top-level
        # package that ships its alembic.ini (jupyterhub/alembic.ini): two levels down at least
        if (
            ini.is_file()
            and inside(holder, top)
            and not _project_top(holder, top, consulted)
            and not _project_top(holder.parent, top, consulted)
        ):
            tree.append(holder)
    return tree


def _script_of(locations: Sequence[Path], top: Path, consulted: set[str]) -> Path | None:
    """The script directory of a versions directory linted on its own (discovery names none):
    the directory above it that holds env.py, as Alembic lays it out."""
    for location in locations:
        script = location.parent
        consulted.add(str(script / "env.py"))
        if script != top and inside(script, top) and (script / "env.py").is_file():
            return script
    return None


# Files that make a directory a project's top (a sub-project of a monorepo), not a package.
_PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def _project_top(directory: Path, top: Path, consulted: set[str]) -> bool:
    """The repository's top, its `src/`, or a directory holding a project's packaging files."""
    if directory in (top, top / "src"):
        return True
    candidates = [directory / name for name in _PROJECT_FILES]
    if directory.name == "src":
        candidates += [directory.parent / name for name in _PROJECT_FILES]
    consulted.update(str(c) for c in candidates)
    return any(c.is_file() for c in candidates)


def _chain(here: Path, top: Path) -> tuple[Path, ...]:
    """`here` and the directories above it up to the repository's top (none when `here` is
    outside it): where Python may find a top-level package, nearest first. Worked out once
    per directory of version files (each step resolves links on disk)."""
    if not inside(here, top):
        return ()
    found = [here]
    directory = here
    while not (directory == top or directory.parent == directory or not inside(directory.parent, top)):
        directory = directory.parent
        found.append(directory)
    return tuple(found)


def _package_dirs(chain: tuple[Path, ...], name: str) -> Iterator[Path]:
    """Where top-level package `name` may live, nearest first, never above the repository."""
    from ..reading.discover import _mapped_package_dirs

    for directory in chain:
        yield directory / name
        yield directory / "src" / name
        yield from _mapped_package_dirs(directory, name)


def _module_exists(path: Path, consulted: set[str]) -> bool:
    candidates = (path.with_suffix(".py"), path / "__init__.py")
    consulted.update(str(c) for c in candidates)
    return any(c.is_file() for c in candidates)
