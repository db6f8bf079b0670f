"""`miglint init`: a `[tool.miglint]` section that writes down what discovery found.

The environments (each as the ini that configures it, else by its directories), the SQL
dialect (guessed from `sqlalchemy.url` in the ini, else from the URLs and drivers env.py
names, else from a revision that runs SQL only MySQL or SQLite takes), and the runner files
found. The section is appended to pyproject.toml (created
when absent) in one atomic step; an existing `[tool.miglint]` is never touched, and
neither is anything else in the file. What is written is read back with the settings
reader first: init never writes a configuration miglint would refuse.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .config import ConfigError, load_settings, miglint_table
from .lazydataclass import dataclass
from .lazyre import pattern
from .reading.discover import URL_SCHEMES, Environment, Project

if TYPE_CHECKING:
    from .model import RevisionFile

# `postgresql+asyncpg://`, `mysql://`, `sqlite:///`: the scheme before the driver
_URL = pattern(r"\b([a-z][a-z0-9]*)(?:\+[a-z0-9_]+)?://", re.IGNORECASE)
# a driver's name in env.py, when it holds no URL
_DRIVERS = {
    "psycopg": "postgresql",
    "asyncpg": "postgresql",
    "pg8000": "postgresql",
    "pymysql": "mysql",
    "mysqldb": "mysql",
    "aiomysql": "mysql",
    "asyncmy": "mysql",
    "aiosqlite": "sqlite",
    "pyodbc": "mssql",
    "pymssql": "mssql",
    "oracledb": "oracle",
    "cx_oracle": "oracle",
}
_INI_NAME = pattern(r"^(?P<ini>.+?\.ini)(?: \[(?P<section>[^\]]+)\])?$")
_READ_LIMIT = 1 << 20


@dataclass(frozen=True)
class Section:
    text: str  # the TOML written, from `[tool.miglint]` on
    dialect: str
    dialect_reason: str
    environments: int
    runners: tuple[str, ...]


def section(project: Project, runners: Sequence[Path], cwd: Path) -> Section:
    """The `[tool.miglint]` text for `project`, whose root holds the pyproject.toml."""
    root = project.root
    dialect, reason = guess_dialect(project.environments, cwd)
    found = tuple(_relative(path, root) for path in runners)
    lines = [
        "[tool.miglint]",
        "# Written by `miglint init`; the README's configuration reference describes every key.",
        f"dialect = {_string(dialect)}  # {reason}",
    ]
    if found:
        lines.append(
            "# the files that run `alembic stamp`; without this key they are searched for on every run"
        )
        lines.append(f"runners = [{', '.join(_string(r) for r in found)}]")
    tables, skipped = _environment_tables(project.environments, root, cwd)
    written = sum(1 for line in tables if line == "[[tool.miglint.environments]]")
    if tables:
        lines += ["", "# The environments found; without these tables they are discovered on every run."]
        lines += tables
    lines += [f"# not written: {name} (outside this directory)" for name in skipped]
    return Section("\n".join(lines) + "\n", dialect, reason, written, found)


def _environment_tables(
    environments: Sequence[Environment], root: Path, cwd: Path
) -> tuple[list[str], list[str]]:
    inis = Counter(_ini_of(env, cwd) for env in environments)
    lines: list[str] = []
    skipped: list[str] = []
    for env in environments:
        ini = _ini_of(env, cwd)
        if ini is not None and _inside(ini, root):
            entry = [f"config = {_string(_relative(ini, root))}"]
            matched = _INI_NAME.match(env.name)
            section_name = matched.group("section") if matched else None
            if section_name is None and inis[ini] > 1:
                section_name = "alembic"  # the ini's other sections are environments of their own
            if section_name is not None:
                entry.append(f"section = {_string(section_name)}")
        elif env.script_location is not None and _inside(env.script_location, root):
            entry = [
                f"name = {_string(env.name)}",
                f"script-location = {_string(_relative(env.script_location, root))}",
            ]
            default = (env.script_location / "versions",)
            if env.version_locations != default:
                if not all(_inside(location, root) for location in env.version_locations):
                    skipped.append(env.name)
                    continue
                listed = ", ".join(_string(_relative(p, root)) for p in env.version_locations)
                entry.append(f"version-locations = [{listed}]")
            if env.recursive:
                entry.append("recursive-version-locations = true")
        else:
            skipped.append(env.name)
            continue
        lines += ["[[tool.miglint.environments]]", *entry]
    return lines, skipped


def _ini_of(env: Environment, cwd: Path) -> Path | None:
    """The ini file an environment was read from, when its name says so (discovery names them so)."""
    matched = _INI_NAME.match(env.name)
    if matched is None:
        return None
    ini = (cwd / matched.group("ini")).resolve()
    return ini if ini.is_file() else None


def guess_dialect(environments: Sequence[Environment], cwd: Path) -> tuple[str, str]:
    """(dialect, why): the ini's sqlalchemy.url, else the URLs env.py holds, else its drivers."""
    votes: Counter[str] = Counter()
    for env in environments:
        ini = _ini_of(env, cwd)
        if ini is not None and env.url_dialect is not None:
            return env.url_dialect, f"guessed from sqlalchemy.url in {ini.name}"
    for env in environments:
        if env.script_location is None:
            continue
        text = _read(env.script_location / "env.py")
        for scheme in _URL.findall(text):
            if scheme.lower() in URL_SCHEMES:
                votes[URL_SCHEMES[scheme.lower()]] += 1
    if votes:
        return votes.most_common(1)[0][0], "guessed from the database URLs in env.py"
    for env in environments:
        if env.script_location is None:
            continue
        text = _read(env.script_location / "env.py").lower()
        for driver, dialect in _DRIVERS.items():
            if re.search(rf"\b{driver}\b", text):
                votes[dialect] += 1
    if votes:
        return votes.most_common(1)[0][0], "guessed from the database drivers env.py names"
    refused = _statement_postgresql_refuses(environments)
    if refused is not None:
        dialect, path, column_type = refused
        shown = {"mysql": "MySQL", "sqlite": "SQLite"}[dialect]
        does = (
            f"gives a column {shown}'s own type {column_type}" if column_type else f"runs {shown}'s own SQL"
        )
        return dialect, f"guessed from the history: {_relative(Path(path), cwd)} {does}"
    return "postgresql", "no database URL or driver found: miglint's default"


def _statement_postgresql_refuses(environments: Sequence[Environment]) -> tuple[str, str, str] | None:
    """("mysql" | "sqlite", the version file, the MySQL type of a column or "") when some upgrade() runs, outside a branch for
    another database, a statement in MySQL's own syntax (or a column of a MySQL-only type) or a
    SQLite PRAGMA: the history never
    runs on PostgreSQL (history/deploy.py reads it the same way)."""
    from .history.deploy import refused_on_postgres
    from .reading.parse import parse_revision_file
    from .reading.readfile import read_regular

    def records() -> Iterator[RevisionFile]:
        for env in environments:
            for path in env.files:
                try:
                    data = read_regular(path)
                except OSError:
                    continue
                # what runs SQL at all (sql/facts.py runs_sql), or may give a column MySQL's own type
                if b"execute" in data or b"mysql." in data:
                    yield parse_revision_file(str(path), data)

    found = refused_on_postgres(records())
    if found is None:
        return None
    operation, file = found
    return (
        ("mysql" if operation.name == "mysql_only" else "sqlite"),
        file.path,
        operation.option("mysql_type") or "",
    )


def _read(path: Path) -> str:
    from .reading.readfile import read_regular

    try:
        return read_regular(path)[:_READ_LIMIT].decode("utf-8", "replace")
    except OSError:
        return ""


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()


def _string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's."""
    return json.dumps(value, ensure_ascii=False)


def write(pyproject: Path, text: str) -> bool:
    """Append `text` to pyproject.toml, atomically; True when the file was created.

    Refuses (ConfigError) when it already has [tool.miglint], or is not valid TOML.
    """
    from .atomic import replace_file

    created = not pyproject.exists()
    before = b"" if created else pyproject.read_bytes()
    if not created and miglint_table(pyproject) is not None:
        raise ConfigError(
            f"{pyproject.name} already has a [tool.miglint] section; not changing it "
            "(edit it, or remove it and run miglint init again)"
        )
    head = before.decode("utf-8")
    if head and not head.endswith("\n"):
        head += "\n"
    data = (head + ("\n" if head else "") + text).encode("utf-8")
    _check(pyproject, data)
    try:
        replaced = replace_file(pyproject, data, expected=None if created else before)
    except OSError as error:
        raise ConfigError(f"cannot write {pyproject}: {error.strerror}") from None
    if not replaced:
        raise ConfigError(f"{pyproject.name} changed while miglint init was writing it; run it again")
    return created


def _check(pyproject: Path, data: bytes) -> None:
    """Read back what would be written, as `miglint lint` will: a bug must not write a broken file."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        probe = Path(directory) / "pyproject.toml"
        probe.write_bytes(data)
        load_settings(pyproject.parent, probe)
