"""Where the revisions are: Alembic environments and their version files.

Mirrors Alembic's own reading of `alembic.ini` and `[tool.alembic]`, so that what
miglint lints is what Alembic loads: every `*.py` file but `__init__.py` and
editor lock files, in each version location, walked recursively only when
`recursive_version_locations` is true. The only stage besides the cache that
touches the file system.
"""

from __future__ import annotations

import configparser
import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from .config import ConfigError, EnvironmentSpec, Settings, load_settings, read_toml

# alembic.script.base._only_source_rev_file
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
# alembic.config: the legacy split when no path_separator is configured
_SPLIT_ON_SPACE_COMMA = re.compile(r", *|(?: +)")
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
# Never searched for configuration: environments, caches and build output.
_SKIP_DIRS = {
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".env", ".tox", ".nox", "node_modules",
    "__pycache__", "build", "dist", "site-packages", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".miglint_cache", ".eggs",
}
_SEARCH_DEPTH = 6


@dataclass(frozen=True)
class Environment:
    """One revision graph: a script directory's version locations and their files."""

    name: str
    version_locations: Tuple[Path, ...]
    files: Tuple[Path, ...]
    script_location: Optional[Path] = None


@dataclass(frozen=True)
class Project:
    root: Path
    settings: Settings
    environments: Tuple[Environment, ...]


def discover(paths: Sequence[str], cwd: Path) -> Project:
    """Find the environments named by the command-line paths (or around `cwd`)."""
    targets = [Path(p) for p in paths] or [None]
    environments: List[Environment] = []
    settings: Optional[Settings] = None
    for target in targets:
        root, envs = _environments_for(target, cwd)
        if settings is None:
            settings = load_settings(root, _nearest_pyproject(root))
        environments.extend(envs)
    assert settings is not None
    if settings.exclude:
        environments = [_exclude(env, settings) for env in environments]
    return Project(root=settings.root, settings=settings, environments=tuple(_unique(environments)))


def _environments_for(target: Optional[Path], cwd: Path) -> Tuple[Path, List[Environment]]:
    if target is None:
        root = _find_upwards(cwd)
        if root is not None:
            return root, _project_environments(root, cwd)
        return cwd, _search_down(cwd, cwd)
    path = target if target.is_absolute() else cwd / target
    if not path.exists():
        raise ConfigError(f"{target}: no such file or directory")
    if path.is_file():
        if path.suffix == ".ini":
            return path.parent, _ini_environments(path, None, cwd)
        if path.name.endswith(".toml"):
            return path.parent, _project_environments(path.parent, cwd, pyproject=path)
        raise ConfigError(
            f"{target}: pass a project directory, an alembic.ini or pyproject.toml, "
            "a script location or a versions directory"
        )
    if _is_project_dir(path):
        return path, _project_environments(path, cwd)
    if (path / "env.py").is_file() or (path / "versions").is_dir():
        env = _environment(_display(path, cwd), path, (path / "versions",), False, cwd)
        return path, env
    if any(_REVISION_FILE.match(p.name) for p in path.iterdir() if p.is_file()):
        return path, _environment(_display(path, cwd), None, (path,), False, cwd)
    found = _search_down(path, cwd)
    return path, found


# -- configuration files -------------------------------------------------------


def _is_project_dir(path: Path) -> bool:
    if (path / "alembic.ini").is_file():
        return True
    pyproject = path / "pyproject.toml"
    if pyproject.is_file():
        tool = read_toml(pyproject).get("tool", {})
        return "alembic" in tool or "miglint" in tool
    return False


def _find_upwards(start: Path) -> Optional[Path]:
    for directory in (start, *start.parents):
        if _is_project_dir(directory):
            return directory
    return None


def _nearest_pyproject(root: Path) -> Optional[Path]:
    """The pyproject.toml whose [tool.miglint] applies: the nearest one holding it."""
    for directory in (root, *root.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and "miglint" in read_toml(candidate).get("tool", {}):
            return candidate
    own = root / "pyproject.toml"
    return own if own.is_file() else None


def _search_down(start: Path, cwd: Path) -> List[Environment]:
    """Every environment below `start`, for a repository holding several of them."""
    environments: List[Environment] = []
    for directory, dirnames, filenames in _walk(start):
        here = Path(directory)
        if "alembic.ini" in filenames or (
            "pyproject.toml" in filenames and "alembic" in read_toml(here / "pyproject.toml").get("tool", {})
        ):
            environments.extend(_project_environments(here, cwd))
    if not environments:
        raise ConfigError(
            f"{_display(start, cwd)}: no Alembic environment found (no alembic.ini or "
            "[tool.alembic] here or above, nor below); pass a path or declare "
            "[[tool.miglint.environments]]"
        )
    return environments


def _walk(start: Path) -> Iterator[Tuple[str, List[str], List[str]]]:
    base_depth = len(start.parts)
    for directory, dirnames, filenames in os.walk(start):
        depth = len(Path(directory).parts) - base_depth
        dirnames[:] = sorted(
            d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".") and depth < _SEARCH_DEPTH
        )
        yield directory, dirnames, filenames


def _project_environments(root: Path, cwd: Path, pyproject: Optional[Path] = None) -> List[Environment]:
    pyproject = pyproject or root / "pyproject.toml"
    toml_tool = read_toml(pyproject).get("tool", {}) if pyproject.is_file() else {}
    declared = load_settings(root, pyproject if "miglint" in toml_tool else None).environments
    if declared:
        return [env for spec in declared for env in _declared_environment(spec, root, cwd)]
    ini = root / "alembic.ini"
    if ini.is_file():
        return _ini_environments(ini, toml_tool.get("alembic") if toml_tool else None, cwd, pyproject)
    if "alembic" in toml_tool:
        return _toml_environment(pyproject, toml_tool["alembic"], cwd)
    raise ConfigError(f"{_display(root, cwd)}: no alembic.ini or [tool.alembic] to read")


def _ini_environments(
    ini: Path, toml_alembic: Optional[Dict[str, object]], cwd: Path, pyproject: Optional[Path] = None
) -> List[Environment]:
    here = str(ini.absolute().parent)
    parser = configparser.ConfigParser(defaults={"here": here})
    try:
        with ini.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (configparser.Error, UnicodeDecodeError, OSError) as error:
        raise ConfigError(f"{_display(ini, cwd)}: cannot read: {error}") from None
    sections = [s for s in parser.sections() if parser.has_option(s, "script_location")]
    if not sections:
        if toml_alembic is not None and pyproject is not None:
            return _toml_environment(pyproject, toml_alembic, cwd)
        raise ConfigError(f"{_display(ini, cwd)}: no section has a script_location")
    environments: List[Environment] = []
    for section in sections:
        name = _display(ini, cwd) + ("" if section == "alembic" else f" [{section}]")

        def option(key: str, section: str = section) -> Optional[str]:
            try:
                if parser.has_option(section, key):
                    return parser.get(section, key)
            except configparser.Error as error:
                raise ConfigError(f"{name}: {key}: {error}") from None
            # Alembic falls back to [tool.alembic] for the main section only.
            if section == "alembic" and toml_alembic is not None and key in toml_alembic:
                value = toml_alembic[key]
                return value if isinstance(value, str) else None
            return None

        script_location = _resolve(option("script_location") or "", ini.parent, name)
        raw_locations = option("version_locations")
        if raw_locations:
            separator_name = option("path_separator") or option("version_path_separator")
            if separator_name is None:
                parts = _SPLIT_ON_SPACE_COMMA.split(raw_locations)
            elif separator_name in _SEPARATORS:
                parts = [p.strip() for p in raw_locations.split(_SEPARATORS[separator_name]) if p]
            else:
                raise ConfigError(
                    f"{name}: path_separator {separator_name!r} is not one of space, newline, os, ':', ';'"
                )
            locations = tuple(_resolve(p, ini.parent, name) for p in parts if p.strip())
        elif section == "alembic" and toml_alembic is not None and "version_locations" in toml_alembic:
            locations = _toml_locations(toml_alembic, ini.parent, name)
        else:
            locations = (script_location / "versions",)
        recursive = option("recursive_version_locations") == "true"
        environments.extend(_environment(name, script_location, locations, recursive, cwd))
    return environments


def _toml_environment(pyproject: Path, table: object, cwd: Path) -> List[Environment]:
    name = _display(pyproject, cwd) + " [tool.alembic]"
    if not isinstance(table, dict) or not isinstance(table.get("script_location"), str):
        raise ConfigError(f"{name}: script_location must be a string")
    here = str(pyproject.absolute().parent)
    script_location = _resolve(table["script_location"].replace("%(here)s", here), pyproject.parent, name)
    if "version_locations" in table:
        locations = _toml_locations(table, pyproject.parent, name)
    else:
        locations = (script_location / "versions",)
    recursive = table.get("recursive_version_locations", False)
    if not isinstance(recursive, bool):
        raise ConfigError(f"{name}: recursive_version_locations must be true or false")
    return _environment(name, script_location, locations, recursive, cwd)


def _toml_locations(table: Dict[str, object], base: Path, name: str) -> Tuple[Path, ...]:
    value = table["version_locations"]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{name}: version_locations must be a list of strings")
    here = str(base.absolute())
    return tuple(_resolve(v.replace("%(here)s", here), base, name) for v in value)


def _declared_environment(spec: EnvironmentSpec, root: Path, cwd: Path) -> List[Environment]:
    if spec.config:
        config = _resolve(spec.config, root, spec.name)
        found = _ini_environments(config, None, cwd)
        if spec.section:
            found = [e for e in found if e.name.endswith(f"[{spec.section}]") or spec.section == "alembic"]
        return found
    script_location = _resolve(spec.script_location, root, spec.name) if spec.script_location else None
    locations = tuple(_resolve(v, root, spec.name) for v in spec.version_locations)
    if not locations:
        assert script_location is not None
        locations = (script_location / "versions",)
    return _environment(spec.name, script_location, locations, spec.recursive, cwd)


def _resolve(location: str, base: Path, name: str) -> Path:
    """A configured location as a path, package resources included, never importing."""
    location = location.strip()
    if not location:
        raise ConfigError(f"{name}: empty script_location or version location")
    if not os.path.isabs(location) and ":" in location:
        return _package_resource(location, base, name)
    path = Path(location)
    return path if path.is_absolute() else base / path


def _package_resource(location: str, base: Path, name: str) -> Path:
    """`package:path` as Alembic resolves it, found on disk without importing the package."""
    package, *parts = location.split(":")
    relative = Path(*package.split("."), *parts)
    for candidate_root in (base, base / "src", *base.parents):
        candidate = candidate_root / relative
        if (candidate_root / Path(*package.split("."))).is_dir() and candidate.exists():
            return candidate
    import importlib.util

    top, _, rest = package.partition(".")
    try:
        spec = importlib.util.find_spec(top)  # locates a top-level package without running it
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        package_dir = Path(list(spec.submodule_search_locations)[0])
        return package_dir.joinpath(*rest.split(".") if rest else (), *parts)
    raise ConfigError(f"{name}: cannot find package resource {location!r} (looked under {base})")


# -- version files -------------------------------------------------------------


def _environment(
    name: str, script_location: Optional[Path], locations: Tuple[Path, ...], recursive: bool, cwd: Path
) -> List[Environment]:
    for location in locations:
        if not location.is_dir():
            raise ConfigError(f"{name}: version location {_display(location, cwd)} does not exist")
    files = _version_files(locations, recursive)
    if not files and not recursive and len(locations) == 1:
        # One script directory holding one graph per database dialect in
        # versions/<dialect>/, chosen at runtime by env.py: each is its own graph.
        subdirs = sorted(
            d for d in locations[0].iterdir() if d.is_dir() and not d.name.startswith((".", "__"))
        )
        split = [
            Environment(f"{name} ({_display(d, cwd)})", (d,), tuple(_version_files((d,), False)), script_location)
            for d in subdirs
        ]
        split = [env for env in split if env.files]
        if split:
            return split
    return [Environment(name, locations, tuple(files), script_location)]


def _version_files(locations: Sequence[Path], recursive: bool) -> List[Path]:
    """Alembic's `Script._list_py_dir` over every location, each real file once."""
    seen = set()
    files: List[Path] = []
    for location in locations:
        for directory, dirnames, filenames in os.walk(location):
            dirnames.sort()
            if Path(directory).name.endswith("__pycache__"):
                continue
            for filename in sorted(filenames):
                if not _REVISION_FILE.match(filename):
                    continue
                path = Path(directory, filename)
                real = path.resolve()
                if real not in seen:
                    seen.add(real)
                    files.append(path)
            if not recursive:
                break
    return files


def _exclude(env: Environment, settings: Settings) -> Environment:
    def excluded(path: Path) -> bool:
        try:
            relative = path.absolute().relative_to(settings.root.absolute()).as_posix()
        except ValueError:
            relative = path.as_posix()
        return any(fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(path.name, pattern) for pattern in settings.exclude)

    return Environment(env.name, env.version_locations, tuple(f for f in env.files if not excluded(f)), env.script_location)


def _unique(environments: Sequence[Environment]) -> Iterator[Environment]:
    seen = set()
    for env in environments:
        key = tuple(p.resolve() for p in env.version_locations)
        if key not in seen:
            seen.add(key)
            yield env


def _display(path: Path, cwd: Path) -> str:
    """A path relative to the working directory when it is below it."""
    try:
        return path.absolute().relative_to(cwd.absolute()).as_posix() or "."
    except ValueError:
        return path.as_posix()
