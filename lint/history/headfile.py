"""The head file: one committed file that names an environment's current head(s).

django-linear-migrations keeps `max_migration.txt` per app so that two branches that
each add a migration conflict in git on that file instead of merging silently into two
leaves. miglint does the same for Alembic: with `head-file = "migrations/HEAD"` in
`[tool.miglint]`, MG120 checks that the file names the heads, and `--fix` or
`miglint init-head-file` writes it.

The format is the simplest that makes git conflict: the head ids, one per line, sorted,
each line ending with a newline, nothing else (`init-head-file` and `--fix` write
exactly that). It is read as a set of ids: order, blank lines, surrounding spaces and
line endings do not matter, so a file a checkout converted to CRLF is still current.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_if_changed
from ..config import ConfigError
from ..lazydataclass import dataclass
from ..model import Span
from ..reading.confine import inside, repository_top
from ..reading.readfile import read_regular

if TYPE_CHECKING:
    from ..reading.discover import Environment, Project

CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>")


@dataclass(frozen=True)
class HeadFile:
    """What the head file holds, read once by the pipeline for MG120."""

    path: str
    names: tuple[str, ...] | None  # the lines that name something, stripped; None: no such file
    problem: str | None = None  # why it cannot be read (not a regular file, not UTF-8)
    end: tuple[int, int] = (1, 0)  # line (from 1) and column just past its last character

    @property
    def span(self) -> Span:
        """The whole file, for reports that describe the fix as a replaced range (SARIF)."""
        return Span(1, 0, *self.end)

    @property
    def conflicted(self) -> bool:
        """Whether it still holds git's conflict markers (a merge of two branches that
        each moved the head: the conflict the file exists to cause)."""
        return any(name.startswith(CONFLICT_MARKERS) for name in self.names or ())


def configured_path(project: Project, env: Environment) -> Path | None:
    """The head file of `env`: its own `head-file`, else [tool.miglint]'s when it is the
    only environment those settings cover. Confined to the repository (lint/reading/confine.py):
    `--fix` writes it."""
    from ..reading.discover import project_of, settings_of

    settings = settings_of(project, env)
    path = env.head_file
    where = "head-file"
    if path is None and settings.head_file is not None:
        sharing = project_of(project, env).environments
        if len(sharing) > 1:
            names = ", ".join(repr(e.name) for e in sharing)
            raise ConfigError(
                f"{settings.source}: [tool.miglint] head-file names the heads of one environment, "
                f"and {len(sharing)} use it ({names}): set head-file in each [[tool.miglint.environments]]"
            )
        path = settings.root / settings.head_file
        where = f"{settings.source}: head-file"
    if path is None:
        return None
    if not inside(path, repository_top(settings.root)):
        raise ConfigError(f"{where} {str(path)!r} is outside the repository; the head file must be inside it")
    return path


def read_head_file(path: Path) -> HeadFile:
    try:
        data = read_regular(path)
    except FileNotFoundError:
        return HeadFile(str(path), None)
    except OSError as error:
        return HeadFile(str(path), (), f"cannot read it: {error.strerror or error}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return HeadFile(str(path), (), f"byte {error.start} is not UTF-8")
    lines = text.splitlines(keepends=True)
    if not lines:
        end = (1, 0)
    elif lines[-1].endswith(("\n", "\r")):
        end = (len(lines) + 1, 0)
    else:
        end = (len(lines), len(lines[-1]))
    return HeadFile(str(path), tuple(line.strip() for line in lines if line.strip()), end=end)


def head_file_text(heads: Iterable[str]) -> str:
    """The canonical content: the heads sorted, one per line."""
    return "".join(f"{head}\n" for head in sorted(set(heads)))


def write_head_file(path: Path, heads: Iterable[str]) -> bool:
    """Write the canonical content atomically; False when the file already holds it."""
    return write_if_changed(path, head_file_text(heads).encode())
