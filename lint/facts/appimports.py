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
    disk = _Disk()
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
                memo[key] = _is_application(fact.module, fact.names, chains[here], tree, consulted, disk)
            facts.append(replace(fact, application=memo[key]) if memo[key] else fact)
        if any(new is not old for new, old in zip(facts, record.imports)):
            record = replace(record, imports=tuple(facts))
        out.append(record)  # unchanged when none is the application's: no copy of the record
    return out, consulted


class _Disk:
    """What one run asks of the disk, each question asked once: a history of hundreds of
    revisions importing the application (backend.ai: 97 distinct imports from a versions
    directory seven levels down) asked the same stats, symbolic-link resolutions and
    packaging files thousands of times (~70 ms of every run). Made per run: the editor's
    server runs many, and the disk changes between them."""

    def __init__(self) -> None:
        self._files: dict[Path, bool] = {}
        self._dirs: dict[Path, bool] = {}
        self._inside: dict[tuple[Path, Path], bool] = {}
        self._mapped: dict[tuple[Path, str], tuple[Path, ...]] = {}
        self._packages: dict[tuple[tuple[Path, ...], str], tuple[Path, ...]] = {}

    def is_file(self, path: Path) -> bool:
        found = self._files.get(path)
        if found is None:
            found = self._files[path] = path.is_file()
        return found

    def is_dir(self, path: Path) -> bool:
        found = self._dirs.get(path)
        if found is None:
            found = self._dirs[path] = path.is_dir()
        return found

    def inside(self, path: Path, top: Path) -> bool:
        found = self._inside.get((path, top))
        if found is None:
            found = self._inside[path, top] = inside(path, top)
        return found

    def packages(self, chain: tuple[Path, ...], name: str, consulted: set[str]) -> tuple[Path, ...]:
        """The places top-level package `name` may live (_package_dirs) where something of
        that name is, a `name.py` or a directory: the others are looked at (and consulted)
        once, not for every module imported from the package."""
        found = self._packages.get((chain, name))
        if found is None:
            kept = []
            for package in _package_dirs(chain, name, self):
                single = package.with_suffix(".py")
                consulted.update((str(single), str(package), str(package / "__init__.py")))
                if self.is_file(single) or self.is_dir(package):
                    kept.append(package)
            found = self._packages[chain, name] = tuple(kept)
        return found

    def mapped(self, directory: Path, name: str) -> tuple[Path, ...]:
        found = self._mapped.get((directory, name))
        if found is None:
            from ..reading.discover import _mapped_package_dirs

            found = self._mapped[directory, name] = tuple(_mapped_package_dirs(directory, name))
        return found


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
    module: str,
    names: tuple[str, ...],
    chain: tuple[Path, ...],
    tree: Sequence[Path],
    consulted: set[str],
    disk: _Disk | None = None,
) -> bool:
    disk = disk or _Disk()
    parts = module.split(".")
    here = chain[0] if chain else None
    for package in disk.packages(chain, parts[0], consulted):
        module_file = package.joinpath(*parts[1:])
        single = package.with_suffix(".py")
        if disk.is_file(single):
            found = single
        elif disk.is_dir(package) and (
            disk.is_file(package / "__init__.py")
            or (here is not None and disk.inside(here, package))
            or _module_exists(module_file, consulted, disk)
        ):
            # a sub-directory without __init__.py is a namespace package: itself, not its parent
            # (ckan/migration, the script directory, imported as `ckan.migration`)
            exists = _module_exists(module_file, consulted, disk) or disk.is_dir(module_file)
            found = module_file if exists else package
        else:
            continue
        # `from myapp.db import migration`: the names may be modules of the migration tree
        submodules = [module_file / name for name in names]
        consulted.update(str(m) for m in submodules)
        if submodules and all(disk.is_dir(m) or disk.is_file(m.with_suffix(".py")) for m in submodules):
            found_all = submodules
        else:
            found_all = [found]
        # the first place Python would find it decides, as on sys.path
        return not all(any(disk.inside(f, location) for location in tree) for f in found_all)
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


def _package_dirs(chain: tuple[Path, ...], name: str, disk: _Disk) -> Iterator[Path]:
    """Where top-level package `name` may live, nearest first, never above the repository.
    Not inside a directory that is itself a package (its `__init__.py`) other than one with
    an alembic.ini (run from there, `prepend_sys_path = .` puts it on sys.path): what is
    there is a sub-package (group-based-policy's gbpservice/neutron is not the `neutron`
    it imports, the installed one)."""
    for directory in chain:
        if disk.is_file(directory / "__init__.py") and not disk.is_file(directory / "alembic.ini"):
            continue
        yield directory / name
        yield directory / "src" / name
        yield from disk.mapped(directory, name)


def _module_exists(path: Path, consulted: set[str], disk: _Disk) -> bool:
    candidates = (path.with_suffix(".py"), path / "__init__.py")
    consulted.update(str(c) for c in candidates)
    return any(disk.is_file(c) for c in candidates)
