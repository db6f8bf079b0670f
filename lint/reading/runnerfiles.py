"""Runner files: the scripts, CLIs, entrypoints and Dockerfiles that run `alembic stamp`
or `upgrade` (the discovery stage's part for runner rules), and the environment each
one belongs to. Their content is read by runners/python.py and runners/shell.py, not here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..config import ConfigError
from ..lazyre import pattern
from ..report import display_path
from .confine import inside, repository_top
from .discover import SKIP_DIRS, Project
from .readfile import read_regular


def find_runners(project: Project) -> list[Path]:
    """Runner files: `[tool.miglint] runners` globs, else Python and shell-like files that
    mention `alembic` and `stamp` (or `alembic_version`), outside the version directories
    and virtual environments."""
    root = project.settings.root
    if project.settings.runners:
        found = {p for pattern in project.settings.runners for p in root.glob(pattern) if p.is_file()}
        # MG301's fix writes to runner files: the repository's configuration cannot name
        # one outside it (`../deploy.py`, or through a committed link; lint/reading/confine.py)
        top = repository_top(root)
        outside = sorted(p for p in found if not inside(p, top))
        if outside:
            raise ConfigError(
                f"runners names {display_path(str(outside[0]), Path.cwd())}, outside the repository; "
                "runner files must be inside it"
            )
        return sorted(found)
    versions = {location.resolve() for env in project.environments for location in env.version_locations}
    # revision files no version location covers (MG004's) are revisions, not runners
    versions |= {path.parent.resolve() for env in project.environments for path in env.uncovered}
    tracked = _git_files(root)
    if tracked is not None:
        candidates = [
            p for p in tracked
            if (not p.suffix or _named_like_runner(p))
            and not any(part in _SKIP or part.startswith(".") for part in p.relative_to(root).parts[:-1])
            and not any(v == p.parent.resolve() or v in p.resolve().parents for v in versions)
            and _may_be_runner(p)  # last: it may read the file's first line
        ]  # fmt: skip
        return [p for p in candidates if _mentions_stamping(p)]
    runners = []
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in _SKIP and not d.startswith(".") and (here / d).resolve() not in versions
        )
        if len(here.relative_to(root).parts) > 6:
            dirnames[:] = []
        for name in sorted(filenames):
            if _may_be_runner(here / name) and _mentions_stamping(here / name):
                runners.append(here / name)
    return runners


def _mentions_stamping(path: Path) -> bool:
    try:
        text = read_regular(path).decode("utf-8", errors="replace")  # a link to /dev/zero never ends
    except OSError:
        return False
    # a runner may also write the version row itself, never saying "stamp"
    return runs_migrations(text) and ("stamp" in text or "alembic_version" in text)


# Flask-Migrate's command line (`flask db stamp`, `python manage.py db upgrade`): a runner
# that never says "alembic"
_FLASK_DB = pattern(r"\b(?:flask|manage\.py)\b[^\n]*\bdb(?:\s+|['\"]\s*,\s*['\"])(?:stamp|upgrade)\b")


def runs_migrations(text: str) -> bool:
    """The text names Alembic, Flask-Migrate's module or Flask-Migrate's command line."""
    return "alembic" in text or "flask_migrate" in text or _FLASK_DB.search(text) is not None


def _git_files(root: Path) -> list[Path] | None:
    """The files git tracks below root, or None outside a git repository (or without git)."""
    # Spawning git costs more than a whole warm run's other I/O: look for a repository first.
    if not any((directory / ".git").exists() for directory in (root, *root.parents)):
        return None
    import subprocess

    from ..replay import note_git

    note_git(root)  # what git reports is witnessed for a replay (lint/replay.py)
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            timeout=20,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    names = [n for n in listed.stdout.decode("utf-8", "replace").split("\0") if n]
    return sorted(root / n for n in names if (root / n).is_file())


def _may_be_runner(path: Path) -> bool:
    """A Python or shell-like file by its name, or a file without an extension by its
    `#!` line (`bin/create-db`, `docker-entrypoint`): only that line is read."""
    if _named_like_runner(path):
        return True
    if path.suffix:
        return False
    try:
        first = read_regular(path, limit=_SHEBANG_LIMIT)
    except OSError:
        return False
    return shebang_language(first.decode("utf-8", errors="replace")) is not None


def _named_like_runner(path: Path) -> bool:
    return path.suffix == ".py" or is_shell_like(path.name)


def runner_language(name: str, text: str) -> str:
    """How a runner file is read: "python" (a .py file, or one whose `#!` line runs
    Python) or "shell" (every other one: entrypoints, Dockerfiles, `#!/bin/sh`)."""
    if name.endswith(".py"):
        return "python"
    if not Path(name).suffix and not is_shell_like(name):
        return shebang_language(text) or "shell"
    return "shell"


# A `#!` line: the interpreter, or the program `env` runs (`#!/usr/bin/env -S python3 -u`).
_SHEBANG = pattern(r"#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:\S*/)?(?P<program>[^\s/]+)")
_SHELLS = frozenset({"sh", "bash", "dash", "ash"})
_SHEBANG_LIMIT = 256


def shebang_language(text: str) -> str | None:
    """What the text's `#!` line runs: "python", "shell" (sh, bash, dash, ash), or None
    (another program, or no `#!` line)."""
    match = _SHEBANG.match(text.split("\n", 1)[0])
    if match is None:
        return None
    program = match.group("program")
    if "python" in program:
        return "python"
    return "shell" if program in _SHELLS else None


def is_shell_like(name: str) -> bool:
    """Entrypoints, Dockerfiles, compose files and Makefiles run alembic too."""
    lowered = name.lower()
    return (
        lowered.endswith((".sh", ".bash"))
        or lowered.startswith("dockerfile")
        or lowered in ("makefile", "justfile", "procfile", "entrypoint")
        or (lowered.endswith((".yml", ".yaml")) and ("compose" in lowered))
    )


# discovery's list, and tests: a test's fixture runner is not the project's runner
_SKIP = frozenset(SKIP_DIRS | {"tests"})


def runner_owners(project: Project, runners: Sequence[Path]) -> dict[str, int]:
    """Each runner's environment: the one whose script location shares the longest path with it.

    A repository may hold several projects (examples/, a monorepo); a runner stamps the
    environment beside it, not the first one discovery happened to find.
    """
    anchors = [
        (
            env.script_location or (env.version_locations[0] if env.version_locations else project.root)
        ).resolve()
        for env in project.environments
    ]
    owners: dict[str, int] = {}
    for runner in runners:
        parts = runner.resolve().parts
        shared = [_shared_parts(parts, anchor.parts) for anchor in anchors]
        if shared:
            owners[str(runner)] = shared.index(max(shared))  # ties: the first environment
    return owners


def _shared_parts(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """How many leading path components two paths have in common."""
    count = 0
    for left, right in zip(a, b):
        if left != right:
            break
        count += 1
    return count
