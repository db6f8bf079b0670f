"""`[tool.miglint]` settings: read once, validated, handed on as a frozen record."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .lazydataclass import dataclass, field
from .lazyre import pattern as lazy_pattern


class ConfigError(Exception):
    """A configuration or usage problem: reported on stderr, exit code 2."""


@dataclass(frozen=True)
class EnvironmentSpec:
    """An environment declared in [[tool.miglint.environments]]."""

    name: str
    script_location: str | None = None
    version_locations: tuple[str, ...] = ()
    recursive: bool = False
    config: str | None = None  # an alembic.ini to read instead
    section: str | None = None
    named: bool = False  # `name` was written by the user, not derived
    head_file: str | None = None  # the file naming this environment's heads (lint/history/headfile.py)


@dataclass(frozen=True)
class Settings:
    root: Path  # the directory that relative settings are resolved against
    source: Path | None = None  # the pyproject.toml they came from
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    baseline: str | None = None
    baseline_file: str | None = None  # the findings baseline (lint/report/baseline.py), not a revision
    runners: tuple[str, ...] = ()
    critical: tuple[str, ...] = ()
    dialect: str = "postgresql"
    include_downgrade: bool = False
    offline: bool = False  # the project runs `alembic upgrade --sql`: MG505 is on
    cache_dir: str | None = None
    fail_on: str = "error"  # the lowest severity that makes the exit code 1
    environments: tuple[EnvironmentSpec, ...] = ()
    head_file: str | None = None  # the file naming the heads (lint/history/headfile.py)
    rule_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    deployed: str | None = None  # the revision every database runs: MG4xx look only after it
    postgres_version: int | None = None  # the major version of the PostgreSQL the revisions run on


_LIST_KEYS = ("select", "extend-select", "ignore", "exclude", "runners", "critical")
_KNOWN = set(_LIST_KEYS) | {
    "baseline",
    "baseline-file",
    "deployed",
    "postgres-version",
    "dialect",
    "include-downgrade",
    "offline",
    "cache-dir",
    "fail-on",
    "environments",
    "rules",
    "script-location",
    "version-locations",
    "recursive-version-locations",
    "head-file",
}
_ENVIRONMENT_KEYS = frozenset(
    {
        "name",
        "script-location",
        "version-locations",
        "recursive-version-locations",
        "config",
        "section",
        "head-file",
    }
)
SEVERITIES = ("error", "warning")
_DIALECTS = ("postgresql", "mysql", "sqlite", "mssql", "oracle")


class TomlError(ConfigError):
    """A pyproject.toml that does not parse: where (line and column from 1, when the parser
    says) and why, for MG005 to point at the file and line at fault."""

    def __init__(self, path: Path, reason: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason, self.line, self.column = path, reason, line, column


_TOML_POSITION = lazy_pattern(r"\(at line (\d+), column (\d+)\)")


def read_toml(path: Path) -> dict[str, Any]:
    """A pyproject.toml's contents; its `tool`, when present, is a table (PEP 518)."""
    # imported here: ~4 ms (with datetime) that a repository without pyproject.toml never needs
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        at = _TOML_POSITION.search(str(error))
        line, column = (int(at.group(1)), int(at.group(2))) if at else (None, None)
        raise TomlError(path, f"invalid TOML: {error}", line, column) from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: byte {error.start} is not UTF-8") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply to read") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    if not isinstance(data.get("tool", {}), dict):
        raise ConfigError(f"{path}: `tool` must be a table ([tool.NAME] sections), not a value")
    return data


def miglint_table(pyproject: Path) -> dict[str, Any] | None:
    table = read_toml(pyproject).get("tool", {}).get("miglint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.miglint] must be a table")
    return table


def load_settings(root: Path, pyproject: Path | None) -> Settings:
    table = miglint_table(pyproject) if pyproject is not None else None
    if not table:
        return Settings(root=root, source=pyproject if table is not None else None)
    where = f"{pyproject}: [tool.miglint]"
    unknown = sorted(set(table) - _KNOWN)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of strings")
        return tuple(value)

    def optional_string(key: str) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string")
        return value

    dialect = optional_string("dialect") or "postgresql"
    if dialect not in _DIALECTS:
        raise ConfigError(f"{where}: dialect must be one of {', '.join(_DIALECTS)}, not {dialect!r}")
    fail_on = optional_string("fail-on") or "error"
    if fail_on not in SEVERITIES:
        raise ConfigError(f"{where}: fail-on must be one of {', '.join(SEVERITIES)}, not {fail_on!r}")
    include_downgrade = table.get("include-downgrade", False)
    if not isinstance(include_downgrade, bool):
        raise ConfigError(f"{where}: include-downgrade must be true or false")
    offline = table.get("offline", False)
    if not isinstance(offline, bool):
        raise ConfigError(f"{where}: offline must be true or false")
    rules = table.get("rules", {})
    if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
        raise ConfigError(f"{where}: rules must be a table of tables, e.g. [tool.miglint.rules.MG111]")

    runners = strings("runners")
    for pattern in runners:
        # pathlib's glob refuses an empty or absolute pattern with ValueError/NotImplementedError
        if not pattern.strip() or pattern.startswith(("/", "\\")) or (len(pattern) > 1 and pattern[1] == ":"):
            raise ConfigError(f"{where}: runners: {pattern!r} is not a glob relative to {root}")
    environments = list(_environments(table, where))
    postgres_version = table.get("postgres-version")
    if postgres_version is not None and (
        isinstance(postgres_version, bool) or not isinstance(postgres_version, int) or postgres_version < 8
    ):
        raise ConfigError(f"{where}: postgres-version must be a major version number such as 16")
    return Settings(
        root=root,
        source=pyproject,
        select=strings("select"),
        extend_select=strings("extend-select"),
        ignore=strings("ignore"),
        exclude=strings("exclude"),
        baseline=optional_string("baseline"),
        baseline_file=optional_string("baseline-file"),
        runners=runners,
        critical=strings("critical"),
        dialect=dialect,
        include_downgrade=include_downgrade,
        offline=offline,
        cache_dir=optional_string("cache-dir"),
        fail_on=fail_on,
        environments=tuple(environments),
        head_file=optional_string("head-file"),
        rule_settings=rules,
        deployed=optional_string("deployed"),
        postgres_version=postgres_version,
    )


def _environments(table: Mapping[str, Any], where: str) -> Any:
    declared = table.get("environments", [])
    if not isinstance(declared, list) or not all(isinstance(e, dict) for e in declared):
        raise ConfigError(f"{where}: environments must be an array of tables ([[tool.miglint.environments]])")
    # A single environment may be given inline, without the array.
    if "script-location" in table or "version-locations" in table:
        declared = [
            {
                "name": "miglint",
                **{
                    k: table[k]
                    for k in ("script-location", "version-locations", "recursive-version-locations")
                    if k in table
                },
            },
            *declared,
        ]
    for index, entry in enumerate(declared):
        extra = sorted(set(entry) - _ENVIRONMENT_KEYS)
        if extra:
            raise ConfigError(f"{where}: environments[{index}] has unknown key(s) {', '.join(extra)}")
        here = f"{where}: environments[{index}]"
        for key in ("name", "script-location", "config", "section", "head-file"):
            if key in entry and not isinstance(entry[key], str):
                raise ConfigError(f"{here}: {key} must be a string")
        locations = entry.get("version-locations", [])
        if isinstance(locations, str):
            locations = [locations]
        if not isinstance(locations, list) or not all(isinstance(v, str) for v in locations):
            raise ConfigError(f"{here}: version-locations must be a list of strings")
        recursive = entry.get("recursive-version-locations", False)
        if not isinstance(recursive, bool):
            raise ConfigError(f"{here}: recursive-version-locations must be true or false")
        if not entry.get("script-location") and not locations and not entry.get("config"):
            raise ConfigError(f"{here} needs script-location, version-locations or config")
        yield EnvironmentSpec(
            name=str(
                entry.get("name") or entry.get("section") or entry.get("script-location") or f"env{index}"
            ),
            script_location=entry.get("script-location"),
            version_locations=tuple(locations),
            recursive=recursive,
            config=entry.get("config"),
            section=entry.get("section"),
            named="name" in entry,
            head_file=entry.get("head-file"),
        )
