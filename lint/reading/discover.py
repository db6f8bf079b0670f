"""Where the revisions are: Alembic environments and their version files.

Mirrors Alembic's own reading of `alembic.ini` and `[tool.alembic]`, so that what
miglint lints is what Alembic loads: every `*.py` file but `__init__.py` and
editor lock files, in each version location, walked recursively only when
`recursive_version_locations` is true. The only stage besides the cache that
touches the file system.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..config import ConfigError, EnvironmentSpec, Settings, TomlError, load_settings, read_toml
from ..lazydataclass import dataclass, field, replace
from ..lazyre import pattern
from .confine import inside, repository_top
from .readfile import read_regular

if TYPE_CHECKING:
    import configparser

# a revision assigns down_revision at its top (a comment or a docstring that names it does not)
_ASSIGNS_DOWN_REVISION = pattern(rb"(?m)^down_revision[ \t]*[:=]")
# alembic.script.base._only_source_rev_file
_REVISION_FILE = pattern(r"(?!\.\#|__init__)(.*\.py)$")
# alembic.config: the legacy split when no path_separator is configured
_SPLIT_ON_SPACE_COMMA = pattern(r", *|(?: +)")
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
# Never searched for configuration: environments, caches and build output.
SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    ".env",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    "build",
    "dist",
    "site-packages",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".miglint_cache",
    ".eggs",
}
_SEARCH_DEPTH = 6


@dataclass(frozen=True)
class Environment:
    """One revision graph: a script directory's version locations and their files."""

    name: str
    version_locations: tuple[Path, ...]
    files: tuple[Path, ...]
    script_location: Path | None = None
    recursive: bool = False  # recursive_version_locations: sub-directories hold revisions too
    # Revision-named files in sub-directories that no version location covers (set in
    # code, as keystone does): read to report them (MG004), never silently dropped.
    uncovered: tuple[Path, ...] = ()
    note: str | None = None  # what discovery decided on the user's behalf, one line
    # The [tool.miglint] nearest to where the environment is configured: it applies to
    # this environment only, so `miglint lint a b` reports for b what `miglint lint b` does.
    settings: Settings | None = field(default=None, compare=False, repr=False)
    # `head-file` of its [[tool.miglint.environments]] entry, resolved (lint/history/headfile.py)
    head_file: Path | None = None
    # The database a literal `sqlalchemy.url` of its ini section names ("sqlite", "mysql"...);
    # None without one, or for a template or a value code fills in. Only `miglint init`
    # guesses the dialect from it: many projects write a placeholder there (rules/_deploy_rule.py)
    url_dialect: str | None = None
    # What its configuration names that Alembic reads past (a version location that does not
    # exist): each one MG005 finding, the environment linted all the same.
    problems: tuple[EnvironmentProblem, ...] = field(default=(), compare=False)
    # A directory of revisions nothing here configures (a plugin's branch of a host's
    # history, _version_directories): a parent in the host's history is not missing (MG103)
    branch_of_another: bool = False
    # Its script location is given in code (an ini without script_location, as Flask-Migrate
    # runs it; a template code fills in; a script directory no configuration names): code may
    # add version locations too (GeoNature adds its modules'), so a depends_on that names no
    # revision here may name one of theirs (MG103)
    in_code: bool = False


@dataclass(frozen=True)
class EnvironmentProblem:
    """An environment a search found but could not read: the file that configures it
    and why (reported as MG005, pointing at that file)."""

    config: Path
    message: str
    # where in `config` the option at fault sets its value (line from 1, column from 0);
    # None when no line can be named
    line: int | None = None
    column: int = 0
    environment: str | None = None  # the name it would have (`alembic.ini [tenant]`), when known
    # reported as a warning: a path of another machine (an absolute script_location outside
    # the repository), which no checkout has
    elsewhere: bool = False

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Project:
    root: Path
    settings: Settings
    environments: tuple[Environment, ...]
    # Environments found by a search that could not be read, one line each: the others
    # are linted all the same.
    problems: tuple[EnvironmentProblem, ...] = ()
    # Version files named on the command line: only their findings are reported.
    focus: tuple[Path, ...] = ()


class SettingError(ConfigError):
    """A configuration error of one ini section, caused by its option `key` when one is
    known: MG005 points at the line that sets it. `ini`, `section` and `environment`
    (the name the section's environment would have) are filled in where the section is read."""

    def __init__(self, message: str, key: str | None, line: int | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.line = line  # where the ini itself is malformed, when configparser says
        self.ini: Path | None = None
        self.section: str | None = None
        self.environment: str | None = None
        self.elsewhere = False  # see EnvironmentProblem.elsewhere


def discover(paths: Sequence[str], cwd: Path, *, whole_tree: bool = True) -> Project:
    """Find the environments named by the command-line paths (or around `cwd`).

    `whole_tree`: a project root stands for every environment in its tree (`lint`);
    False, for the commands that draw or plan one environment, for the ones the root
    configures itself, when it configures any.
    """
    targets: list[Path | None] = [Path(p) for p in paths] or [None]
    environments: list[Environment] = []
    problems: list[EnvironmentProblem] = []
    focus: list[Path] = []
    first: Settings | None = None
    for target in targets:
        found = _environments_for(target, cwd, whole_tree)
        settings = _settings_near(found.root)
        first = first or settings
        environments.extend(_with_settings(env, settings) for env in found.environments)
        problems.extend(found.problems)
        focus.extend(found.focus)
    assert first is not None
    environments = [_exclude(env) for env in environments]
    return Project(
        root=first.root,
        settings=first,
        environments=tuple(_unique(environments)),
        problems=tuple(dict.fromkeys(problems)),
        focus=tuple(focus),
    )


def _settings_near(directory: Path) -> Settings:
    pyproject = _nearest_pyproject(directory)
    # Relative settings (exclude, cache-dir) mean the same wherever miglint starts:
    # they are relative to the file that holds them.
    return load_settings(pyproject.parent if pyproject else directory, pyproject)


def _with_settings(env: Environment, settings: Settings) -> Environment:
    """`env` under `settings`, unless discovery below a directory already gave it its own."""
    return env if env.settings is not None else replace(env, settings=settings)


def settings_of(project: Project, env: Environment) -> Settings:
    return env.settings if env.settings is not None else project.settings


def _settings_key(settings: Settings) -> tuple[Path, Path | None]:
    return settings.root.absolute(), settings.source.absolute() if settings.source else None


def by_settings(project: Project) -> list[Project]:
    """The project split into one project per [tool.miglint] its environments use, in
    order: each is linted exactly as it would be on its own."""
    groups: dict[tuple[Path, Path | None], list[Environment]] = {}
    settings: dict[tuple[Path, Path | None], Settings] = {}
    for env in project.environments:
        own = _group_settings(project, env)
        key = _settings_key(own)
        groups.setdefault(key, []).append(env)
        settings.setdefault(key, own)
    if len(groups) <= 1:
        return [project]
    return [
        Project(settings[k].root, settings[k], tuple(envs), focus=project.focus) for k, envs in groups.items()
    ]


def project_of(project: Project, env: Environment) -> Project:
    """The project as `env` sees it: its own settings and the environments sharing them."""
    own = _group_settings(project, env)
    key = _settings_key(own)
    if key == _settings_key(project.settings):
        return project
    shared = tuple(e for e in project.environments if _settings_key(_group_settings(project, e)) == key)
    return Project(own.root, own, shared, focus=project.focus)


def _group_settings(project: Project, env: Environment) -> Settings:
    """The settings `env` is linted under, as a project of its own: its [tool.miglint], or,
    with none (defaults, from no pyproject.toml or one without the table) in a tree where no
    environment has one, the project's: the path linted stays the root where runners are
    looked for (knowledge-repo and orchest keep alembic.ini inside the migration directory,
    their runners beside the app above it). A tree where some environments have their own
    [tool.miglint] holds several projects (examples/): each environment keeps its own root,
    so that no runner is read for an environment of another project."""
    own = settings_of(project, env)
    if own.source is not None or any(
        settings_of(project, e).source is not None for e in project.environments
    ):
        return own
    return project.settings


@dataclass
class _Found:
    """What one command-line path names."""

    root: Path
    environments: list[Environment]
    problems: list[EnvironmentProblem] = field(default_factory=list)
    focus: list[Path] = field(default_factory=list)


def _environments_for(target: Path | None, cwd: Path, whole_tree: bool = True) -> _Found:
    if target is None:
        root = _find_upwards(cwd)
        if root is not None:
            return _project(root, cwd, whole_tree)
        return _search_down(cwd, cwd)
    path = target if target.is_absolute() else cwd / target
    try:
        path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{target}: no such file or directory") from None
    except OSError as error:  # a name too long, a link loop, no permission
        raise ConfigError(f"{_shortened(str(target))}: {error.strerror}") from None
    if path.is_file():
        if path.suffix == ".ini":
            return _Found(path.parent, _ini_environments(path, cwd, _pyproject_beside(path)))
        if path.name.endswith(".toml"):
            return _Found(path.parent, _project_environments(path.parent, cwd, pyproject=path))
        if is_version_file_name(path.name):
            return _single_file(path, target, cwd)
        raise ConfigError(
            f"{target}: pass a project directory, an alembic.ini or pyproject.toml, "
            "a script location, a versions directory or a version file"
        )
    if _is_project_dir(path):
        return _project(path, cwd, whole_tree)
    configured = _configured_below(path, cwd)
    if configured is not None:
        return _Found(*configured)
    unversioned = (
        (path / "env.py").is_file()
        and (path / "script.py.mako").is_file()
        and not (path / "versions").exists()
    )
    beside = _unversioned_script(path, cwd) if unversioned else []
    if beside:
        return _Found(path, beside)
    if (path / "env.py").is_file() or (path / "versions").is_dir():
        env = _environment(_display(path, cwd), path, (path / "versions",), False, cwd, default_versions=True)
        return _Found(path, [replace(e, in_code=True) for e in env])  # no configuration names it
    # a versions directory named on the command line: it holds revisions, not a runner script
    # that happens to sit at a project's top (pybossa's cli.py)
    if any(_REVISION_FILE.match(p.name) and _may_be_revision(p) for p in path.iterdir() if p.is_file()):
        if (path.parent / "env.py").is_file():  # the versions/ of a script directory
            return _Found(path, _environment(_display(path, cwd), None, (path,), False, cwd))
        # nothing configures it (_configured_below): read as the walk from the top reads it,
        # a parent in the host's history not missing (invenio-communities' alembic/)
        return _Found(path, _unconfigured_history(path, cwd))
    return _search_down(path, cwd)


def _project(root: Path, cwd: Path, whole_tree: bool = True) -> _Found:
    """A project directory: the environments it declares, else every one in its tree."""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "miglint" in read_toml(pyproject).get("tool", {}):
        declared = load_settings(root, pyproject).environments
        if declared:
            return _Found(root, [env for spec in declared for env in _declared_environment(spec, root, cwd)])
    if not whole_tree:
        own = _own_environments(root, cwd)
        if own:
            return _Found(root, own)
    # Its own alembic.ini or [tool.alembic] is one environment of the tree; other inis,
    # inis under configs/, script directories configured in code are the others.
    return _search_down(root, cwd)


def _single_file(path: Path, target: Path, cwd: Path) -> _Found:
    """A version file (an editor, lint-staged): its environment, reporting that file only."""
    wanted = path.resolve()

    def holds(env: Environment) -> bool:
        return any(f.resolve() == wanted for f in (*env.files, *env.uncovered))

    root = _find_upwards(path.parent)
    if root is not None:
        try:
            found = _project(root, cwd)
        except ConfigError:
            found = None
        if found is not None:
            mine = [env for env in found.environments if holds(env)]
            if mine:
                return _Found(found.root, mine, focus=[path])
    for directory in path.parents[:4]:
        if _has_script_dir_shape(directory):
            mine = [
                env
                for env in _environment(
                    _display(directory, cwd), directory, (directory / "versions",), False, cwd
                )
                if holds(env)
            ]
            if mine:
                return _Found(directory, mine, focus=[path])
    # a revision beside a script directory that has no versions/ (version locations set in
    # code, daf_butler_migrate): that environment reports it (MG004). Only the directories
    # beside the file's own are looked at: an editor opens any file anywhere.
    if len(path.parents) > 1 and _may_be_revision(path):
        above = path.parents[1]
        try:
            beside = sorted(_listed(above, str(above), cwd))
        except ConfigError:
            beside = []
        for script in beside:
            if (
                script.is_dir()
                and not script.is_symlink()
                and script != path.parent
                and (script / "env.py").is_file()
                and not (script / "versions").exists()
            ):
                mine = [env for env in _unversioned_script(script, cwd) if holds(env)]
                if mine:
                    return _Found(above, mine, focus=[path])
        # nothing configures it (a plugin's version directory): its directory, as `lint .`
        # above it would lint it (_version_directories)
        mine = [env for env in _unconfigured_history(path.parent, cwd) if holds(env)]
        if mine:
            return _Found(path.parent, mine, focus=[path])
    raise ConfigError(f"{target}: not a version file of an Alembic environment found here or above")


def _configured_below(directory: Path, cwd: Path) -> tuple[Path, list[Environment]] | None:
    """The environments of the project above `directory` whose files live in it.

    `miglint lint migrations/` must read the graph Alembic reads: every configured
    version location, recursively when so configured, and one graph per dialect
    sub-directory; not migrations/versions alone, which breaks a chain that crosses
    two locations into false findings.
    """
    root = _find_upwards(directory.parent)
    if root is None:
        return None
    broken: list[ConfigError] = []  # another section of the ini, broken, is not this directory's
    own = _own_environments(root, cwd, broken=broken)
    wanted = directory.resolve()
    matches = [env for env in own or () if _lives_in(env, wanted)]
    if not matches and broken:
        raise broken[0]  # perhaps the very environment asked for: say why it cannot be read
    return (root, matches) if matches else None


def _lives_in(env: Environment, directory: Path) -> bool:
    places = [p.resolve() for p in env.version_locations]
    if env.script_location is not None:
        places.append(env.script_location.resolve())
    return any(place == directory or directory in place.parents for place in places)


# -- configuration files -------------------------------------------------------


def _is_project_dir(path: Path) -> bool:
    if (path / "alembic.ini").is_file():
        return True
    pyproject = path / "pyproject.toml"
    if pyproject.is_file():
        tool = read_toml(pyproject).get("tool", {})
        return "alembic" in tool or "miglint" in tool
    return False


def project_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` that configures Alembic or miglint."""
    return _find_upwards(start)


def _find_upwards(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if _is_project_dir(directory):
            return directory
    return None


def _nearest_pyproject(root: Path) -> Path | None:
    """The pyproject.toml whose [tool.miglint] applies: the nearest one holding it."""
    for directory in (root, *root.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and "miglint" in read_toml(candidate).get("tool", {}):
            return candidate
    own = root / "pyproject.toml"
    return own if own.is_file() else None


def _search_down(start: Path, cwd: Path) -> _Found:
    """Every environment below `start`, for a repository holding several of them.

    An environment that cannot be read is one problem, not the end of the run: the
    others are linted all the same.
    """
    found: list[tuple[int, Environment]] = []
    problems: list[EnvironmentProblem] = []
    claimed: set[Path] = set()  # script directories that an ini which could not be read names
    shaped: list[tuple[int, Path]] = []
    unversioned: list[tuple[int, Path]] = []  # script directories without versions/ (daf_butler_migrate)

    def attempt(
        order: int,
        where: Path,
        config: Path,
        read: Callable[..., list[Environment] | None],
        *arguments: object,
        by_section: bool = False,
    ) -> None:
        # an ini section that cannot be read is one problem: the ini's other sections are read
        broken: list[ConfigError] = []
        try:
            envs = read(*arguments, broken=broken) if by_section else read(*arguments)
        except ConfigError as error:
            broken.append(error)
            envs = None
        if envs:  # each under the [tool.miglint] nearest to where it is configured
            settings = _settings_near(where)
            found.extend((order, _with_settings(env, settings)) for env in envs)
        if broken:
            problems.extend(_problem(config, error) for error in broken)
            claimed.update(_scripts_named(config))

    named: list[tuple[Path, list[str]]] = []  # directories named like version directories
    for order, (directory, dirnames, filenames) in enumerate(_walk(start)):
        here = Path(directory)
        if _VERSION_DIR_NAME.fullmatch(here.name) and not _NOT_VERSIONS.intersection(
            here.parts[len(start.parts) :]
        ):
            named.append((here, filenames))
        if "alembic.ini" in filenames or "pyproject.toml" in filenames:
            own = here / ("alembic.ini" if "alembic.ini" in filenames else "pyproject.toml")
            attempt(order, here, own, _own_environments, here, cwd, by_section=True)
        for name in sorted(filenames):
            if name != "alembic.ini" and _is_alembic_ini_name(name):
                ini = here / name
                attempt(
                    order, here, ini, _ini_environments, ini, cwd, _pyproject_beside(ini), by_section=True
                )
        if "env.py" in filenames and "versions" in dirnames and _is_alembic_env(here):
            shaped.append((order, here))
        elif "env.py" in filenames and "script.py.mako" in filenames and "versions" not in dirnames:
            unversioned.append((order, here))
        # The version files of an environment found hold no configuration: not walked.
        read = [p for _, env in found for p in env.version_locations]
        names = {p.name for p in read}
        if any(d in names for d in dirnames):
            real = {os.path.realpath(p) for p in read}
            dirnames[:] = [
                d
                for d in dirnames
                if d not in names or os.path.realpath(os.path.join(directory, d)) not in real
            ]
    # A script directory no configuration names is configured in code (Flask-Migrate's
    # init_app, a `Config()` built in Python): an environment of its own.
    scripts = {env.script_location.resolve() for _, env in found if env.script_location is not None}
    scripts |= claimed
    locations = {location.resolve() for _, env in found for location in env.version_locations}
    for order, script in shaped:
        if script.resolve() in scripts or (script / "versions").resolve() in locations:
            continue
        attempt(
            order,
            script,
            script / "env.py",
            _configured_in_code,
            _display(script, cwd),
            script,
            (script / "versions",),
            False,
            cwd,
        )
    scripts |= {env.script_location.resolve() for _, env in found if env.script_location is not None}
    for order, script in unversioned:
        if script.resolve() not in scripts:
            attempt(order, script, script / "env.py", _unversioned_script, script, cwd)
    environments = [env for _, env in sorted(found, key=lambda pair: pair[0])]
    if not environments:
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ConfigError(problems[0].message + more)
        plugins = _version_directories(start, cwd)
        if plugins:
            return _Found(start, plugins)
        raise ConfigError(
            f"{_display(start, cwd)}: no Alembic environment found (no alembic.ini or "
            "[tool.alembic] here or above, nor below); pass a path or declare "
            "[[tool.miglint.environments]]"
        )
    # Directories of revision files no environment here reads (GeoNature's contrib/<module>/
    # migrations, branches the application adds to version_locations in code): linted as the
    # walk reads them where nothing is configured, never skipped without a word. Only those
    # the walk above saw named as version directories are read: every Python file of an
    # application's tree read on each run cost a 14,000-file tree 50 ms more discovery.
    # (realpath, not resolve(): a link loop among the files is MG001's, never an error here)
    if not named:
        return _Found(start, environments, problems)
    covered = [
        Path(os.path.realpath(place))
        for env in environments
        for place in (*env.version_locations, *([env.script_location] if env.script_location else []))
    ]
    covered += [Path(os.path.realpath(c)) for c in claimed]
    read: set[str] = set()  # the directories of the files read, worked out past `covered` only
    taken: list[Path] = []
    for where, filenames in named:
        real = Path(os.path.realpath(where))
        if any(real == c or c in real.parents for c in (*covered, *taken)):
            continue
        if not read:  # each directory once: a realpath per version file cost 5,000 revisions 35 ms
            files = (f for env in environments for f in (*env.files, *env.uncovered))
            read = {os.path.realpath(d) for d in {os.path.dirname(f) for f in files}} or {""}
        if str(real) in read:
            continue
        if (where / "env.py").is_file() or (where.parent / "env.py").is_file():
            continue  # a script directory or its versions/: _is_alembic_env said whether it is one
        if _holds_revisions(where, filenames):
            taken.append(real)  # its sub-directories are its own (a recursive layout)
            environments.extend(_unconfigured_history(where, cwd))
    return _Found(start, environments, problems)


# what projects name the directories of their revisions
_VERSION_DIR_NAME = pattern(r"versions|migrations?|alembic|\w+_(?:versions|migrations)")


# test fixtures are not a project's history
_NOT_VERSIONS = frozenset({"tests", "test", "testing", "fixtures"})
_HEAD_BYTES = 16 << 10


def _version_directories(start: Path, cwd: Path) -> list[Environment]:
    """Directories of revision files below `start` when nothing there configures Alembic: a
    plugin package ships its branch of another project's history (invenio-rdm-records,
    indico-plugins: the application's env.py finds it by an entry point). Each is linted
    as `miglint lint <directory>` lints it, with a note saying so."""
    found = []
    for directory, dirnames, filenames in _walk(start):
        dirnames[:] = [d for d in dirnames if d not in _NOT_VERSIONS]
        here = Path(directory)
        if _holds_revisions(here, filenames):
            found.extend(_unconfigured_history(here, cwd))
            dirnames[:] = []  # its sub-directories are its own (a recursive layout)
    return found


def _configured_in_code(*arguments: Any, **keywords: Any) -> list[Environment]:
    """_environment's, for a script directory no configuration file names (Environment.in_code)."""
    return [replace(env, in_code=True) for env in _environment(*arguments, **keywords)]


def _holds_revisions(directory: Path, filenames: list[str]) -> bool:
    """Whether one of the files is a revision: the header is at the top, so a tree without
    Alembic costs its files' first bytes."""
    return any(
        _REVISION_FILE.match(f) and f.endswith(".py") and _may_be_revision(directory / f, _HEAD_BYTES)
        for f in filenames
    )


def _unconfigured_history(directory: Path, cwd: Path) -> list[Environment]:
    """A directory of revisions nothing configures, as `miglint lint <directory>` reads it,
    said on stderr, its parents in its host's history not missing (branch_of_another)."""
    name = _display(directory, cwd)
    note = f"{name}: revision files that no Alembic configuration here names: linted as one history"
    return [
        replace(env, note=note, branch_of_another=True)
        for env in _environment(name, None, (directory,), False, cwd)
    ]


def _is_alembic_ini_name(name: str) -> bool:
    """`alembic.ini`, and the names teams give their others: `dev.alembic.ini`, `alembic-prod.ini`."""
    return name.endswith(".ini") and "alembic" in name.lower()


def _has_script_dir_shape(directory: Path, versions_elsewhere: bool = False) -> bool:
    """env.py and versions/; env.py alone when the configuration puts the version
    locations elsewhere (MerginMaps: `version_locations = %(here)s/community`)."""
    try:
        return (directory / "env.py").is_file() and (versions_elsewhere or (directory / "versions").is_dir())
    except OSError:  # a name too long, a permission: not a script directory miglint can read
        return False


def _holding(directory: Path) -> str:
    """What a note says a script directory miglint chose holds."""
    return "env.py and versions/" if (directory / "versions").is_dir() else "env.py"


def _is_alembic_env(directory: Path) -> bool:
    """env.py and versions/ are common names: Alembic's env.py says `alembic`."""
    if (directory / "script.py.mako").is_file():
        return True
    try:
        return b"alembic" in read_regular(directory / "env.py")  # not a link to /dev/zero
    except OSError:
        return False


def _relative_to_above(
    script: str | None, ini: Path, cwd: Path, versions_elsewhere: bool = False
) -> tuple[Path, Path] | None:
    """(the directory, the script directory) when a relative `script_location` that is not
    there from the ini's directory is, shaped like a script directory, from one above it:
    up to the repository's top; outside a repository (an exported tree), from any.
    `versions_elsewhere`: version locations are configured, so no versions/ is needed."""
    for directory, candidate in _read_from_above(script, ini):
        if _has_script_dir_shape(candidate, versions_elsewhere):
            return directory, candidate
    return None


def _missing_from_above(script: str | None, ini: Path) -> Path | None:
    """Where a relative `script_location` that exists nowhere points, read from the nearest
    directory above the ini from which it passes through the ini's own directory
    (`pkg/migrations/gone` in pkg/migrations/gone_alembic.ini, read from the top): a path
    written from where Alembic runs. None when no directory above reads it so."""
    own = Path(os.path.normpath(ini.parent.absolute()))
    for _, candidate in _read_from_above(script, ini):
        if own in Path(os.path.normpath(candidate.absolute())).parents:
            return candidate
    return None


def _read_from_above(script: str | None, ini: Path) -> Iterator[tuple[Path, Path]]:
    """(a directory above the ini, the relative `script_location` read from it), nearest
    first, up to the repository's top; outside a repository (an exported tree), from any."""
    if not script or os.path.isabs(script.strip()) or ":" in script:
        return
    top = repository_top(ini.parent)
    if top == ini.parent:
        top = Path(ini.anchor or os.sep)  # no repository: the nearest directory that has it
    for directory in ini.parent.parents:
        if not inside(directory, top):
            return
        yield directory, Path(os.path.normpath(directory / script.strip()))
        if directory == top:
            return


def _scripts_of_other_inis(ini: Path) -> set[Path]:
    """The script directories the other Alembic inis beside `ini` name, read from their
    directory or, as Alembic may run them, from one above it."""
    named: set[Path] = set()
    try:
        others = sorted(p for p in ini.parent.iterdir() if p != ini and _is_alembic_ini_name(p.name))
    except OSError:
        return named
    for other in others:
        try:
            parser = _read_ini(other, other.parent)
        except ConfigError:
            continue
        for value, path in _script_locations_named(parser, other):
            named.add(path)
            above = _relative_to_above(value, other, other.parent)
            if above is not None:
                named.add(above[1].resolve())
    return named


def _script_locations_named(
    parser: configparser.ConfigParser, ini: Path, with_default: bool = False
) -> Iterator[tuple[str, Path]]:
    """(value, resolved path) of each script_location the ini's sections set (and its
    [DEFAULT]'s, `with_default`), as far as they can be read."""
    import configparser

    values = [parser.defaults().get("script_location")] if with_default else []
    for section in parser.sections():
        try:
            values.append(parser.get(section, "script_location", fallback=None))
        except configparser.Error:
            continue
    for value in values:
        if not value or not value.strip():
            continue
        try:
            yield value, _resolve(value, ini.parent, ini.name).resolve()
        except ConfigError:
            continue


def _of_another_machine(script: str, ini: Path) -> bool:
    """Whether `script_location` is an absolute path outside the ini's repository (the
    missing ones only are asked)."""
    if "%(" in script or not os.path.isabs(script):
        return False
    return not inside(Path(script), repository_top(ini.parent))


_SETS_SCRIPT_LOCATION = pattern(r"""set_main_option\(\s*['"]script_location['"]""")


def _filled_in_by_code(ini: Path) -> bool:
    """Whether a module beside the ini, or in the directory above it, sets script_location
    itself: the ini is a template code points Alembic at (cloudkitty's common/db/alembic, set
    by migration.py beside it; zou's plugin_alembic_template, set by utils/plugins.py above it
    for each plugin's versions/)."""
    return _sets_script_location(ini.parent) or _sets_script_location(ini.parent.parent)


def _sets_script_location(directory: Path) -> bool:
    """Whether a Python module in `directory` sets script_location itself
    (`config.set_main_option("script_location", path)`), read as text, never imported."""
    try:
        modules = sorted(p for p in directory.iterdir() if p.suffix == ".py" and p.is_file())
    except OSError:
        return False
    for module in modules[:50]:
        try:
            text = read_regular(module, limit=1 << 20).decode("utf-8", "replace")
        except OSError:
            continue
        if _SETS_SCRIPT_LOCATION.search(text) is not None:
            return True
    return False


def _shaped_beside(ini: Path, versions_elsewhere: bool = False) -> Path | None:
    """The script directory an ini sits in, or the one directory beside it shaped like one
    (with versions/ always: a sibling holding env.py alone is too weak a sign)."""
    if _has_script_dir_shape(ini.parent, versions_elsewhere):
        return ini.parent
    try:
        beside = [d for d in sorted(ini.parent.iterdir()) if d.is_dir() and _has_script_dir_shape(d)]
    except OSError:
        return None
    return beside[0] if len(beside) == 1 else None


def _walk(start: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk below `start`, _SEARCH_DEPTH levels deep. A directory at the last level is
    seen with its sub-directories' names, not walked into: a script directory there is
    still known by its `versions/` (cloudkitty's rating/hash/db/sqlalchemy/alembic, six
    levels down, was skipped without a word)."""
    base_depth = len(start.parts)
    for directory, dirnames, filenames in os.walk(start):
        depth = len(Path(directory).parts) - base_depth
        kept = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        if depth < _SEARCH_DEPTH:
            dirnames[:] = kept
            yield directory, dirnames, filenames
        else:
            dirnames[:] = []  # not walked into
            yield directory, kept, filenames


def _project_environments(root: Path, cwd: Path, pyproject: Path | None = None) -> list[Environment]:
    own = _own_environments(root, cwd, pyproject)
    if own is not None:
        return own
    # Only [tool.miglint] here: settings for a repository whose environments are below.
    return _search_down(root, cwd).environments


def _own_environments(
    root: Path, cwd: Path, pyproject: Path | None = None, broken: list[ConfigError] | None = None
) -> list[Environment] | None:
    """The environments `root` configures itself, or None when it configures none.
    `broken`: as for _ini_environments."""
    pyproject = pyproject or root / "pyproject.toml"
    has_pyproject = pyproject.is_file()
    toml_tool = read_toml(pyproject).get("tool", {}) if has_pyproject else {}
    declared = load_settings(root, pyproject if "miglint" in toml_tool else None).environments
    if declared:
        return [env for spec in declared for env in _declared_environment(spec, root, cwd)]
    ini = root / "alembic.ini"
    if ini.is_file():
        return _ini_environments(ini, cwd, pyproject if has_pyproject else None, broken=broken)
    if "alembic" in toml_tool:
        return _toml_environment(pyproject, cwd)
    return None


def _pyproject_beside(ini: Path) -> Path | None:
    candidate = ini.parent / "pyproject.toml"
    return candidate if candidate.is_file() else None


@dataclass(frozen=True)
class _ToolAlembic:
    """A [tool.alembic] table and where it came from."""

    table: Mapping[str, object]
    path: Path
    name: str  # for messages: "pyproject.toml [tool.alembic]"


def _tool_alembic(pyproject: Path | None, cwd: Path) -> _ToolAlembic | None:
    if pyproject is None:
        return None
    table = read_toml(pyproject).get("tool", {}).get("alembic")
    name = f"{_display(pyproject, cwd)} [tool.alembic]"
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: must be a table")
    return _ToolAlembic(table, pyproject, name)


def _toml_string(toml: _ToolAlembic, key: str) -> str | None:
    """A [tool.alembic] string as Alembic reads it: `value % {"here": ...}`."""
    value = toml.table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{toml.name}: {key} must be a string")
    return _toml_interpolate(value, toml, key)


def _toml_interpolate(value: str, toml: _ToolAlembic, key: str) -> str:
    try:
        return value % {"here": toml.path.absolute().parent.as_posix()}
    except (KeyError, ValueError, TypeError) as error:
        raise ConfigError(f"{toml.name}: {key}: cannot interpolate {value!r}: {error!r}") from None


def _toml_locations(toml: _ToolAlembic) -> tuple[Path, ...]:
    value = toml.table["version_locations"]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{toml.name}: version_locations must be a list of strings")
    base = toml.path.parent
    return tuple(_resolve(_toml_interpolate(v, toml, "version_locations"), base, toml.name) for v in value)


def _toml_flag(toml: _ToolAlembic | None, key: str) -> bool:
    # Alembic's get_alembic_boolean_option: a TOML boolean, nothing else.
    value = toml.table.get(key, False) if toml is not None else False
    if not isinstance(value, bool):
        raise ConfigError(f"{toml.name if toml else key}: {key} must be true or false")
    return value


def _read_ini(ini: Path, cwd: Path) -> configparser.ConfigParser:
    # %(here)s is the directory of the ini as named, a symlink's own (Path.absolute).
    import configparser  # deferred: a project with no ini never needs it

    parser = configparser.ConfigParser(defaults={"here": ini.absolute().parent.as_posix()})
    try:
        with ini.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except configparser.Error as error:
        # configparser's messages run over several lines (file name, line, its text)
        line = getattr(error, "lineno", None)
        where = f" (line {line})" if isinstance(line, int) else ""
        first = str(error.message).splitlines()[0].rstrip(".") if error.message else type(error).__name__
        first = re.sub(r"^While reading from .*?\[line +\d+\]: ", "", first)  # the file and line we name
        malformed = SettingError(
            f"{_display(ini, cwd)}: cannot read: {first}{where}",
            None,
            line if isinstance(line, int) else None,
        )
        malformed.ini = ini
        raise malformed from None
    except (UnicodeDecodeError, OSError) as error:
        raise ConfigError(f"{_display(ini, cwd)}: cannot read: {error}") from None
    return parser


# the sections of an alembic.ini that configure something else: logging.config.fileConfig's
# and the post-write hooks'
_NOT_AN_ENVIRONMENT = pattern(
    r"(?:loggers|handlers|formatters|post_write_hooks|(?:logger|handler|formatter)_.*)\Z"
)


def _ini_environments(
    ini: Path,
    cwd: Path,
    pyproject: Path | None = None,
    only: str | None = None,
    broken: list[ConfigError] | None = None,
) -> list[Environment]:
    """One environment per section with a script_location (`alembic -n <section>`).

    `broken`: where a section that cannot be read goes, the others read all the same
    (`alembic -n other` fails, `alembic` runs); None, to raise its error.
    """
    parser = _read_ini(ini, cwd)
    toml = _tool_alembic(pyproject, cwd)
    sections = [s for s in parser.sections() if parser.has_option(s, "script_location")]
    inherited = parser.defaults().get("script_location")
    if inherited is not None:
        # [DEFAULT] gives every section one (onyx): [alembic], what a plain `alembic` runs, and
        # the sections that set another are environments; [loggers] and the like are not.
        # Where none sets another (c2cgeoportal: [main] and [static] set only their
        # version_locations), every section but logging's and the write hooks' is one.
        own = [
            s for s in sections if s == "alembic" or parser.get(s, "script_location", raw=True) != inherited
        ]
        sections = own or [s for s in sections if not _NOT_AN_ENVIRONMENT.match(s)]
    if "alembic" not in sections and toml is not None and "script_location" in toml.table:
        # Alembic reads [alembic] option by option, falling back to [tool.alembic].
        sections.insert(0, "alembic")
    if only is not None:
        if only not in sections:
            raise ConfigError(f"{_display(ini, cwd)}: no [{only}] section with a script_location")
        sections = [only]
    elif len(sections) > 1:
        sections = _without_leftover_template(parser, sections, ini) or sections
    if not sections:
        elsewhere = parser.has_option("alembic", "version_locations") or (
            toml is not None and "version_locations" in toml.table
        )
        if not _has_script_dir_shape(ini.parent, elsewhere):
            if (ini.parent / "env.py").is_file() and _filled_in_by_code(ini):
                return []  # a template's env.py, for version files code names: no environment here
            raise ConfigError(f"{_display(ini, cwd)}: no section has a script_location")
        # Flask-Migrate: migrations/alembic.ini beside env.py and versions/, the
        # directory passed in code (Migrate(app, db, directory=...)).
        sections = ["alembic"]
    environments = []
    for section in sections:
        try:
            environments.extend(_ini_section_environment(parser, section, ini, toml, cwd))
        except ConfigError as error:
            if broken is None:
                raise
            broken.append(error)
    return environments


def _without_leftover_template(
    parser: configparser.ConfigParser, sections: list[str], ini: Path
) -> list[str] | None:
    """The sections of an ini that holds several, less those pointing at an existing
    directory with neither env.py nor versions/ while another's holds them; None when
    that leaves nothing or takes nothing away.

    `alembic init` writes `[alembic] script_location = ...`; a project that then adds the
    sections it runs (`Config(ini, ini_section="forecast")`) may leave it beside them,
    pointing at the ini's own directory (nowcasting_datamodel: `script_location = .`).
    Alembic reads past the missing versions/ of a section nobody selects; what is no
    environment is not reported as a broken one. A script_location that does not exist
    (a typo) is still MG005's."""
    shapes = {section: _section_shape(parser, section, ini) for section in sections}
    kept = [s for s in sections if shapes[s] != "empty"]
    real = any(shapes[s] == "script" for s in kept)
    return kept if real and len(kept) < len(sections) else None


def _section_shape(parser: configparser.ConfigParser, section: str, ini: Path) -> str:
    """ "script": its script_location holds env.py or versions/ (or the section names its
    version locations); "empty": an existing directory holding neither; "other": missing,
    or not this function's to judge (reported as the section is read)."""
    import configparser

    if parser.has_option(section, "version_locations"):
        return "script"
    try:
        directory = _resolve(parser.get(section, "script_location"), ini.parent, section)
        if (directory / "env.py").is_file() or (directory / "versions").is_dir():
            return "script"
        return "empty" if directory.is_dir() else "other"
    except (ConfigError, configparser.Error, OSError, ValueError):
        return "other"


def _ini_section_environment(
    parser: configparser.ConfigParser, section: str, ini: Path, toml: _ToolAlembic | None, cwd: Path
) -> list[Environment]:
    # Alembic's get_alembic_option falls back to [tool.alembic] for whichever ini
    # section `-n NAME` selects, so a named section inherits what it does not set.
    if section != "alembic":
        name = f"{_display(ini, cwd)} [{section}]"
    elif parser.has_option(section, "script_location") or toml is None:
        name = _display(ini, cwd)
    else:
        name = toml.name
    try:
        return _read_ini_section(parser, section, ini, toml, cwd, name)
    except ConfigError as error:
        located = error if isinstance(error, SettingError) else SettingError(str(error), None)
        if located.ini is None:
            located.ini, located.section, located.environment = ini, section, name
        raise located from None


def _read_ini_section(
    parser: configparser.ConfigParser,
    section: str,
    ini: Path,
    toml: _ToolAlembic | None,
    cwd: Path,
    name: str,
) -> list[Environment]:
    fallback = toml

    import configparser

    def option(key: str) -> str | None:
        try:
            return parser.get(section, key) if parser.has_option(section, key) else None
        except configparser.Error as error:
            raise SettingError(f"{name}: {key}: {error}", key) from None

    script = option("script_location")
    note = None
    in_code = False  # the script location is code's (Environment.in_code)
    if script is not None:
        with _blaming("script_location"):
            script_location = _resolve(script, ini.parent, name)
    elif fallback is not None and "script_location" in fallback.table:
        script = _toml_string(fallback, "script_location") or ""
        script_location = _resolve(script, fallback.path.parent, name)
    else:
        script_location = ini.parent
        in_code = True
        note = (
            f"{name}: no script_location (Flask-Migrate passes it in code); "
            f"linting {_display(ini.parent, cwd)}, which holds {_holding(ini.parent)}"
        )
    raw_locations = option("version_locations")
    # with version locations configured, a script directory needs no versions/ of its own
    elsewhere = bool(raw_locations) or (fallback is not None and "version_locations" in fallback.table)
    base = ini.parent  # what relative version locations are read from
    missing = _not_a_directory(script_location) is not None
    above = _relative_to_above(script, ini, cwd, elsewhere) if missing else None
    if above is not None:
        # Alembic reads a relative path from the directory it runs in: for an ini under
        # conf/, the repository's top (`alembic -c conf/alembic.ini`, Config("conf/alembic.ini"))
        base, script_location = above
        note = (
            f"{name}: script_location {_shortened(script or '')} is read from the directory Alembic "
            f"runs in; linting {_display(script_location, cwd)}, which holds {_holding(script_location)}"
        )
    elif missing and (stale := _missing_from_above(script, ini)) is not None:
        # Its siblings' paths say Alembic runs above the ini (Recidiviz's stale jails_alembic.ini):
        # the folder is gone, and the message names it as Alembic does, from there.
        script_location = stale
    elif missing:
        beside = _shaped_beside(ini, elsewhere)
        if beside is not None and beside.resolve() in _scripts_of_other_inis(ini):
            beside = None  # another ini's environment: this ini's path is stale, not a template
        if beside is None and script is not None and _of_another_machine(script, ini):
            # `/usr/share/pagure/alembic`, `/code/alembic` (a container's): where the deployed
            # system keeps the scripts, which this checkout holds elsewhere (found on their own)
            error = SettingError(
                f"{name}: script_location {_shortened(script)} is outside the repository and does not "
                "exist here (a path of the deployed system?): not linted",
                "script_location",
            )
            error.elsewhere = True
            raise error
        if beside is None and _filled_in_by_code(ini):
            # the ini is a template whose script_location code replaces for each environment
            # (cloudkitty's common/db/alembic: migration.py sets it to each module's directory,
            # found on their own by their versions/): no environment here, nor a broken one
            return []
        if beside is not None:
            # A template that code fills in (`script_location = {alembic_dir}`)
            in_code = True
            note = (
                f"{name}: script_location {_shortened(script or '')} does not exist (set in code?); "
                f"linting {_display(beside, cwd)}, which holds {_holding(beside)}"
            )
            script_location = beside
    locations_key: str | None = None  # the ini's option that sets them, if one does
    if raw_locations:
        parts = _split_locations(raw_locations, option, name)
        with _blaming("version_locations"):
            locations = tuple(_resolve(p, base, name) for p in parts if p.strip())
        locations_key = "version_locations"
        written = dict(zip(locations, (p.strip() for p in parts if p.strip())))
    elif fallback is not None and "version_locations" in fallback.table:
        locations = _toml_locations(fallback)
    else:
        locations = (script_location / "versions",)
        locations_key = "script_location" if script is not None else None
    flag = option("recursive_version_locations")
    # Alembic compares the ini value with "true" exactly.
    recursive = flag == "true" if flag is not None else _toml_flag(fallback, "recursive_version_locations")

    def missing(message: str, place: Path) -> EnvironmentProblem:
        if locations_key is None:  # [tool.alembic]'s: its line is found where it is reported
            assert fallback is not None
            return EnvironmentProblem(fallback.path, message, environment=name)
        part = written.get(place, "")
        line, column = option_position(ini, section, "version_locations", part) or (None, 0)
        return EnvironmentProblem(ini, message, line, column, name)

    try:
        found = _environment(
            name,
            script_location,
            locations,
            recursive,
            cwd,
            note,
            default_versions=not elsewhere,
            missing=missing if elsewhere else None,
        )
    except SettingError as error:
        # versions/ of the script directory, when no option names a location, is script_location's
        key = locations_key if error.key == "version_locations" else "script_location"
        if key is None or (key == "script_location" and script is None):
            raise ConfigError(str(error)) from None  # set by [tool.alembic], or no option sets it
        raise SettingError(str(error), key) from None
    if in_code:
        found = [replace(env, in_code=True) for env in found]
    dialect = _url_dialect(parser, section)
    return [replace(env, url_dialect=dialect) for env in found] if dialect else found


# `sqlalchemy.url`'s scheme -> the dialect it names; Alembic's templates write
# `driver://user:pass@localhost/dbname`, which names none
_URL_SCHEME = pattern(r"\s*([A-Za-z][A-Za-z0-9]*)(?:\+[\w.]+)?://")
URL_SCHEMES = {
    "postgresql": "postgresql", "postgres": "postgresql", "cockroachdb": "postgresql",
    "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite", "mssql": "mssql", "oracle": "oracle",
}  # fmt: skip


def _url_dialect(parser: configparser.ConfigParser, section: str) -> str | None:
    """The dialect the section's literal `sqlalchemy.url` names, read raw: a URL holding a
    `%` (an escaped password) is no error here, whatever configparser would make of it."""
    import configparser

    try:
        url = parser.get(section, "sqlalchemy.url", raw=True, fallback="")
    except configparser.Error:
        return None
    scheme = _URL_SCHEME.match(url)
    return URL_SCHEMES.get(scheme.group(1).lower()) if scheme else None


@contextmanager
def _blaming(key: str) -> Iterator[None]:
    """A configuration error raised inside is the fault of the ini option `key`."""
    try:
        yield
    except SettingError:
        raise
    except ConfigError as error:
        raise SettingError(str(error), key) from None


def _problem(config: Path, error: ConfigError) -> EnvironmentProblem:
    """`error` as the problem of the environment `config` configures, at the line of the
    option at fault when it is one of `config`'s."""
    if isinstance(error, TomlError):  # the pyproject.toml at fault, at its line (a template's Jinja)
        column = max((error.column or 1) - 1, 0)
        return EnvironmentProblem(error.path, error.reason, error.line, column if error.line else 0)
    if not isinstance(error, SettingError) or error.ini is None:
        return EnvironmentProblem(config, str(error))
    position = None
    # not when it is another file's fault ([[tool.miglint.environments]] naming an ini)
    if os.path.abspath(error.ini) == os.path.abspath(config):
        if error.line is not None:
            position = (error.line, 0)
        elif error.key is not None and error.section is not None:
            position = option_position(config, error.section, error.key)
    line, column = position or (None, 0)
    return EnvironmentProblem(config, str(error), line, column, error.environment, error.elsewhere)


# configparser.ConfigParser's SECTCRE and OPTCRE: how it reads a section header and an option
_SECTION_HEADER = pattern(r"\[(?P<header>.+)\]")
_OPTION_LINE = pattern(r"(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$")


def option_position(ini: Path, section: str, key: str, part: str = "") -> tuple[int, int] | None:
    """Where `section` of `ini` (or its [DEFAULT], which every section inherits) sets
    option `key`: the line (from 1) and the column (from 0) its value starts at; with
    `part`, where that part of the value is written, on the option's line or on one
    of its continuation lines (a list of version locations, one per line)."""
    try:
        text = ini.read_text(encoding="utf-8")  # universal newlines, as configparser reads it
    except (OSError, UnicodeDecodeError):
        return None
    found: dict[str, tuple[int, int]] = {}
    current: str | None = None
    inside: str | None = None  # the section whose option `key` the lines below continue
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if inside is not None and stripped and line[0].isspace() and stripped[0] not in "#;":
            column = line.find(part)
            if column >= 0 and inside not in found:
                found[inside] = (number, column)
            continue
        if not stripped or stripped[0] in "#;" or line[0].isspace():
            continue  # a blank line, a comment, or the continuation of a value
        inside = None
        header = _SECTION_HEADER.match(stripped)
        if header is not None:
            current = header.group("header")
            continue
        option = _OPTION_LINE.match(line)
        if current in (section, "DEFAULT") and option is not None:
            if option.group("option").strip().lower() == key and current not in found:
                # a value that starts on the next line: the option's own line
                column = option.start("value") if option.group("value") else 0
                if part:
                    inside = current
                    on_line = line.find(part, option.start("value"))
                    if on_line < 0:
                        continue  # on a continuation line, or else the option's line after all
                    column = on_line
                found[current] = (number, column)
    if part and not (found.get(section) or found.get("DEFAULT")):
        return option_position(ini, section, key)
    return found.get(section) or found.get("DEFAULT")


def _scripts_named(config: Path) -> set[Path]:
    """The script directories an ini that could not be read names, as far as it can be
    read: Alembic would run them with that ini, so they are not environments configured
    in code, to be linted a second time on their own."""
    if config.suffix != ".ini":
        return set()
    try:
        parser = _read_ini(config, config.parent)
    except ConfigError:
        return set()
    named = {path for _, path in _script_locations_named(parser, config, with_default=True)}
    if not named:
        named.add(config.parent.resolve())  # Flask-Migrate: the ini's own directory
    return named


def _split_locations(value: str, option: Callable[[str], str | None], name: str) -> list[str]:
    """alembic.config's get_version_locations_list: the separator comes from the ini only."""
    for key in ("path_separator", "version_path_separator"):
        separator = option(key)
        if separator is None:
            continue
        if separator not in _SEPARATORS:
            # Alembic's own templates wrote `version_path_separator = os  # Use os.pathsep...`
            comment = " (an ini value runs to the end of its line: put the comment on a line of its own)"
            raise SettingError(
                f"{name}: {key} {separator!r} is not one of space, newline, os, ':', ';'"
                + (comment if "#" in separator else ""),
                key,
            )
        return [p.strip() for p in value.split(_SEPARATORS[separator]) if p]
    return _SPLIT_ON_SPACE_COMMA.split(value)


def _toml_environment(pyproject: Path, cwd: Path) -> list[Environment]:
    toml = _tool_alembic(pyproject, cwd)
    assert toml is not None
    script = _toml_string(toml, "script_location")
    if script is None:
        raise ConfigError(f"{toml.name}: script_location must be a string")
    script_location = _resolve(script, pyproject.parent, toml.name)
    default = "version_locations" not in toml.table
    locations = (script_location / "versions",) if default else _toml_locations(toml)
    recursive = _toml_flag(toml, "recursive_version_locations")
    return _environment(
        toml.name,
        script_location,
        locations,
        recursive,
        cwd,
        default_versions=default,
        missing=lambda message: EnvironmentProblem(pyproject, message, environment=toml.name),
    )


def _declared_environment(spec: EnvironmentSpec, root: Path, cwd: Path) -> list[Environment]:
    found = _declared(spec, root, cwd)
    if spec.head_file is None:
        return found
    return [replace(env, head_file=root / spec.head_file) for env in found]


def _declared(spec: EnvironmentSpec, root: Path, cwd: Path) -> list[Environment]:
    if spec.config:
        config = _resolve(spec.config, root, spec.name)
        if not config.is_file():
            raise ConfigError(f"{_display(config, cwd)}: no such file (config of environment {spec.name!r})")
        found = _ini_environments(config, cwd, _pyproject_beside(config), only=spec.section)
        if spec.named and len(found) == 1:
            return [replace(found[0], name=spec.name)]  # the name the user declared
        return found
    script_location = _resolve(spec.script_location, root, spec.name) if spec.script_location else None
    locations = tuple(_resolve(v, root, spec.name) for v in spec.version_locations)
    if not locations:
        assert script_location is not None
        if not (script_location / "versions").exists():  # set in code beside it (what init writes of one)
            beside = _unversioned_script(script_location, cwd)
            if beside:
                return [replace(env, name=spec.name) for env in beside]
        return _environment(
            spec.name,
            script_location,
            (script_location / "versions",),
            spec.recursive,
            cwd,
            default_versions=True,
        )
    return _environment(spec.name, script_location, locations, spec.recursive, cwd)


def _resolve(location: str, base: Path, name: str) -> Path:
    """A configured location as a path, package resources included, never importing."""
    location = location.strip()
    if not location:
        raise ConfigError(f"{name}: empty script_location or version location")
    if not os.path.isabs(location) and ":" in location:
        return _package_resource(location, base, name)
    path = Path(location)
    # `%(here)s/../db` as the report shows it: db/versions/a.py, not configs/../db/versions/a.py
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def _package_resource(location: str, base: Path, name: str) -> Path:
    """`package:path` as Alembic resolves it, found on disk without importing the package.

    Where Python would find the package: the ini's directory and each directory above it
    (the repository root, `prepend_sys_path = .`), their `src/`, and the directories that
    pyproject.toml or setup.cfg map packages to (`package-dir`, `packages.find.where`,
    Poetry's and Hatch's `packages`); last, the interpreter miglint runs in, located
    without being imported.
    """
    package, *parts = location.split(":")
    names = package.split(".")
    first: Path | None = None
    for top in _package_dirs(names[0], base):
        package_dir = top.joinpath(*names[1:])
        if package_dir.is_dir():
            candidate = package_dir.joinpath(*parts)
            if candidate.exists():
                return candidate
            first = first or candidate
    if first is not None:
        return first  # the package is there but not the directory: "does not exist" says so
    import importlib.util

    try:
        spec = importlib.util.find_spec(names[0])  # locates a top-level package without running it
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        package_dir = Path(next(iter(spec.submodule_search_locations)))
        return package_dir.joinpath(*names[1:], *parts)
    raise ConfigError(f"{name}: cannot find package resource {location!r} (looked under {base})")


def _package_dirs(top: str, base: Path) -> Iterator[Path]:
    """Where the top-level package `top` may live, nearest first."""
    for directory in (base, *base.parents):
        yield directory / top
        yield directory / "src" / top
        yield from _mapped_package_dirs(directory, top)


def _mapped_package_dirs(directory: Path, top: str) -> Iterator[Path]:
    """The directories a project's packaging settings put package `top` in."""
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        try:
            tool = _table(read_toml(pyproject), "tool")
        except ConfigError:
            tool = {}
        setuptools = _table(tool, "setuptools")
        yield from _from_package_dir(directory, top, _table(setuptools, "package-dir"))
        for root in _strings(_table(setuptools, "packages", "find").get("where")):
            yield directory / root / top
        poetry = _table(tool, "poetry").get("packages")
        for entry in poetry if isinstance(poetry, list) else ():
            if isinstance(entry, dict) and entry.get("include") == top:
                yield directory / str(entry.get("from", ".")) / top
        for entry in _strings(_table(tool, "hatch", "build", "targets", "wheel").get("packages")):
            if Path(entry).name == top:
                yield directory / entry
    setup_cfg = directory / "setup.cfg"
    if setup_cfg.is_file():
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            return
        if parser.has_option("options", "package_dir"):
            mapping = {}
            for line in parser.get("options", "package_dir").splitlines():
                key, sep, value = line.partition("=")
                if sep:
                    mapping[key.strip()] = value.strip()
            yield from _from_package_dir(directory, top, mapping)
        if parser.has_option("options.packages.find", "where"):
            for root in parser.get("options.packages.find", "where").split():
                yield directory / root / top


def _table(data: Mapping[str, object], *keys: str) -> Mapping[str, object]:
    """A nested TOML table, or an empty one when any level is missing or not a table."""
    for key in keys:
        value = data.get(key)
        data = value if isinstance(value, dict) else {}
    return data


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _from_package_dir(directory: Path, top: str, mapping: Mapping[str, object]) -> Iterator[Path]:
    """setuptools' package-dir: `{"" = "lib"}` moves every package, `{"pkg" = "x"}` one."""
    if isinstance(mapping.get(top), str):
        yield directory / str(mapping[top])
    if isinstance(mapping.get(""), str):
        yield directory / str(mapping[""]) / top


# -- version files -------------------------------------------------------------


def _environment(
    name: str,
    script_location: Path | None,
    locations: tuple[Path, ...],
    recursive: bool,
    cwd: Path,
    note: str | None = None,
    *,
    default_versions: bool = False,
    missing: Callable[[str, Path], EnvironmentProblem] | None = None,
) -> list[Environment]:
    """`default_versions`: `locations` is the script directory's versions/, which no
    option names. `missing`: how a configured version location that does not exist is
    reported, as Alembic reads past it; None, to raise."""
    if default_versions and script_location is not None and _not_yet_versioned(script_location):
        # git keeps no empty directory: a script directory with no revision yet comes
        # without versions/. Alembic loads it as an empty history and `alembic revision`
        # creates versions/ (CAPEv2's utils/db_migration_dist): no error, and the lint
        # says "no revision files found" as of any empty environment.
        return [Environment(name, locations, (), script_location, recursive, note=note)]
    # Alembic refuses a missing script directory ("Path doesn't exist"), and silently
    # skips a missing version location; miglint reports both, as a typo lints nothing.
    absent: list[Path] = []
    problems: list[EnvironmentProblem] = []
    for what, place in ([("script_location", script_location)] if script_location else []) + [
        ("version location", location) for location in locations
    ]:
        reason = _not_a_directory(place)
        if reason is None:
            continue
        message = f"{name}: {what} {_shortened(_place(place, cwd))} {reason}"
        if missing is not None and what == "version location" and reason == "does not exist":
            absent.append(place)  # an empty part of the history, as Alembic loads it
            problems.append(missing(message, place))
            continue
        key = "script_location" if what == "script_location" else "version_locations"
        raise SettingError(message, key)
    below: list[str] = []  # sub-directories a non-recursive reading skips
    files = _version_files(locations, recursive, below)
    if not files and not recursive and len(locations) == 1 and not absent:
        # One script directory holding one graph per database dialect in
        # versions/<dialect>/, chosen at runtime by env.py: each is its own graph.
        subdirs = sorted(
            d for d in _listed(locations[0], name, cwd) if d.is_dir() and not d.name.startswith((".", "__"))
        )
        split = [
            Environment(
                f"{name} ({_display(d, cwd)})",
                (d,),
                tuple(_version_files((d,), False)),
                script_location,
                uncovered=_uncovered_files((d,), [str(sub) for sub in _listed(d, name, cwd) if sub.is_dir()]),
                note=note,
            )
            for d in subdirs
        ]
        split = [env for env in split if env.files]
        if split:
            return split
    uncovered = _uncovered_files(locations, below) if below else ()
    # the folders beside a missing location in the script directory: where code or a deploy
    # script points Alembic instead (bunkerweb's `<database>_versions/`), for MG004
    beside = [str(d) for place in absent for d in _beside_missing(place, script_location)]
    if beside:
        uncovered += tuple(p for p in _uncovered_files(locations, beside) if _may_be_revision(p))
    return [
        Environment(
            name,
            locations,
            tuple(files),
            script_location,
            recursive,
            uncovered,
            note,
            problems=tuple(problems),
        )
    ]


def _beside_missing(location: Path, script_location: Path | None) -> list[Path]:
    """The folders beside a version location that does not exist, when it would be in the
    script directory (not a whole repository beside a location at its top)."""
    parent = location.parent
    if script_location is None or not (parent == script_location or script_location in parent.parents):
        return []
    try:
        entries = sorted(parent.iterdir())
    except OSError:
        return []
    return [
        d
        for d in entries
        # not through a link: one to / would have the whole file system walked
        if d.is_dir() and not d.is_symlink() and not d.name.startswith(".") and d.name not in SKIP_DIRS
    ]


def _not_yet_versioned(script_location: Path) -> bool:
    """A script directory Alembic can run (env.py) that holds nothing named versions."""
    try:
        return (script_location / "env.py").is_file() and not os.path.lexists(script_location / "versions")
    except OSError:
        return False


def _uncovered_files(locations: Sequence[Path], below: Sequence[str]) -> tuple[Path, ...]:
    """Revision-named files in the sub-directories `below` the locations, and theirs,
    that no location covers."""
    covered = {os.path.realpath(location) for location in locations}
    directories = []
    for top in sorted(below):
        name = os.path.basename(top)
        if name.startswith(".") or name in SKIP_DIRS or os.path.realpath(top) in covered:
            continue
        for directory, dirnames, _ in os.walk(top):
            directories.append(Path(directory))
            dirnames[:] = sorted(
                d
                for d in dirnames
                if not d.startswith(".")
                and d not in SKIP_DIRS
                and os.path.realpath(os.path.join(directory, d)) not in covered
            )
    return tuple(_version_files(directories, False)) if directories else ()


def _unversioned_script(script: Path, cwd: Path) -> list[Environment]:
    """A script directory without versions/, whose version locations code sets beside it
    (lsst's daf_butler_migrate: `migrations/_alembic/` and one `migrations/<tree>/` each):
    no directory is known to be a version location, so the revisions beside it are MG004's,
    named and counted, never dropped in silence."""
    name = _display(script, cwd)
    siblings = [
        str(d)
        for d in sorted(_listed(script.parent, name, cwd))
        # not through a link: one to / would have the whole file system walked
        if d.is_dir()
        and not d.is_symlink()
        and d != script
        and not d.name.startswith(".")
        and d.name not in SKIP_DIRS
    ]
    uncovered = tuple(p for p in _uncovered_files((), siblings) if _may_be_revision(p))
    if not uncovered:
        return []  # no revision beside it: a template (alembic/templates/generic), not an environment
    note = (
        f"{name}: env.py without versions/ (version locations set in code?); "
        "the revision files beside it are reported, not linted (MG004)"
    )
    return [Environment(name, (), (), script, uncovered=uncovered, note=note)]


def _listed(directory: Path, name: str, cwd: Path) -> list[Path]:
    """The entries of a directory discovery must read; one it cannot list (no permission)
    is the environment's problem (MG005), never a traceback."""
    try:
        return list(directory.iterdir())
    except OSError as error:
        raise ConfigError(
            f"{name}: cannot list {_shortened(_display(directory, cwd))}: {error.strerror}"
        ) from None


def _may_be_revision(path: Path, limit: int = 1 << 20) -> bool:
    """Whether a Python file may be a revision: every revision assigns `down_revision`
    (an env.py or a helper module beside a script directory does not), within its first
    `limit` bytes."""
    try:
        return (
            path.name != "env.py"
            and _ASSIGNS_DOWN_REVISION.search(read_regular(path, limit=limit)) is not None
        )
    except OSError:
        return False


def _not_a_directory(path: Path) -> str | None:
    """Why `path` is no directory to read, or None when it is one."""
    try:
        if path.is_dir():
            return None
    except OSError as error:  # a name too long for the file system, a symlink loop, ...
        return f"cannot be read: {error.strerror}"
    return "does not exist"


def _shortened(text: str, keep: int = 60) -> str:
    """A path for a one-line message: a configured value may run to thousands of characters."""
    if len(text) <= 3 * keep:
        return text
    return f"{text[:keep]}...{text[-keep:]} ({len(text)} characters)"


def is_version_file_name(name: str) -> bool:
    """Whether Alembic loads a file of this name from a version location."""
    return _REVISION_FILE.match(name) is not None


def _version_files(
    locations: Sequence[Path], recursive: bool, skipped: list[str] | None = None
) -> list[Path]:
    """Alembic's `Script._list_py_dir` over every location, each real file once.

    `skipped` collects the sub-directories a non-recursive reading passes over."""
    seen: set[str] = set()
    files: list[Path] = []
    for location in locations:
        pending = [str(location)]
        while pending:  # top-down, sub-directories in name order, as Alembic walks
            directory = pending.pop(0)
            if os.path.basename(directory).endswith("__pycache__"):
                continue
            try:
                with os.scandir(directory) as scan:
                    entries = sorted(scan, key=lambda e: e.name)
            except OSError:
                continue
            # realpath once per directory; a DirEntry knows without a syscall
            # whether it is itself a link
            real_directory = os.path.realpath(directory)
            for entry in entries:
                if _is_directory(entry):
                    # os.walk, which Alembic uses, does not descend into a linked
                    # directory: neither does this, so a link loop ends here too.
                    if recursive:
                        if not entry.is_symlink():
                            pending.append(entry.path)
                    elif skipped is not None:
                        skipped.append(entry.path)
                    continue
                if not _REVISION_FILE.match(entry.name):
                    continue
                real = (
                    os.path.realpath(entry.path)
                    if entry.is_symlink()
                    else os.path.join(real_directory, entry.name)
                )
                if real not in seen:
                    seen.add(real)
                    files.append(Path(entry.path))
    return files


def _is_directory(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link to itself: no directory, and no file Alembic could load
        return False


def _exclude(env: Environment) -> Environment:
    settings = env.settings
    if settings is None or not settings.exclude:
        return env
    return replace(
        env,
        files=tuple(f for f in env.files if not excluded(f, settings)),
        uncovered=tuple(f for f in env.uncovered if not excluded(f, settings)),
    )


def excluded(path: Path, settings: Settings) -> bool:
    """Whether `[tool.miglint] exclude` leaves this version file out."""
    try:
        relative = path.absolute().relative_to(settings.root.absolute()).as_posix()
    except ValueError:
        relative = path.as_posix()
    return any(
        fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(path.name, pattern)
        for pattern in settings.exclude
    )


def _unique(environments: Sequence[Environment]) -> Iterator[Environment]:
    seen = set()
    for env in environments:
        key = tuple(p.resolve() for p in env.version_locations)
        if key not in seen:
            seen.add(key)
            yield env


def _place(path: Path, cwd: Path) -> str:
    """A configured location as a message names it: relative to the working directory, or
    absolute when that is shorter (`/usr/share/anitya/alembic`, not `../../../usr/...`)."""
    relative = _display(path, cwd)
    absolute = path.absolute().as_posix()
    return absolute if relative.startswith("../") and len(absolute) < len(relative) else relative


def _display(path: Path, cwd: Path) -> str:
    """A path as the report shows paths: relative to the working directory, forward slashes."""
    try:
        return Path(os.path.relpath(path.absolute(), cwd.absolute())).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()
