"""Reports for CI systems: SARIF, GitHub workflow commands, GitLab Code Quality, JUnit XML.

Each format is one small module with a pure `render(findings, reports, root) -> str`.
What they share lives here: where the repository starts (CI systems want paths from
there, not from the working directory), the findings in report order with those
paths, and the fingerprint that lets a CI system recognise a finding across pushes.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Diagnostic

if TYPE_CHECKING:
    from ..report import EnvironmentReport

FORMATS = ("sarif", "github", "gitlab", "junit")


@dataclass(frozen=True)
class Finding:
    """A diagnostic with the environment it came from and its path from the repository root."""

    environment: str
    diagnostic: Diagnostic
    path: str  # forward slashes; relative to the root, or absolute when outside it


def repository_root(start: Path, cwd: Path) -> Path:
    """The git top-level that holds `start`, else the working directory.

    Found by looking for `.git` (a directory, or a file in a worktree or submodule):
    spawning git would cost more than a warm lint run.
    """
    start = start if start.is_absolute() else cwd / start
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return cwd


def relative_path(path: str, root: Path) -> str:
    """`path` from `root` with forward slashes; absolute when it lies outside `root`."""
    absolute = os.path.abspath(path)
    for base, target in ((str(root), absolute), (os.path.realpath(root), os.path.realpath(absolute))):
        try:
            relative = os.path.relpath(target, base)
        except ValueError:  # another drive on Windows
            continue
        if relative != ".." and not relative.startswith(".." + os.sep):
            return Path(relative).as_posix()
    return Path(absolute).as_posix()


def findings(reports: Sequence[EnvironmentReport], root: Path) -> list[Finding]:
    """Every diagnostic, sorted as the text report sorts them."""
    found = [Finding(r.name, d, relative_path(d.path, root)) for r in reports for d in r.diagnostics]
    found.sort(
        key=lambda f: (
            f.path,
            f.diagnostic.span.line,
            f.diagnostic.span.column,
            f.diagnostic.code,
            f.diagnostic.message,
        )
    )
    return found


# Line numbers in a message move with every unrelated edit above them.
_LINE_NUMBERS = re.compile(r"\b(lines?) \d+(?:-\d+)?|(\.py):\d+(?::\d+)?")


def _without_line_numbers(message: str) -> str:
    text = _LINE_NUMBERS.sub(lambda m: f"{m.group(1)} #" if m.group(1) else f"{m.group(2)}:#", message)
    return " ".join(text.split())


def fingerprints(found: Sequence[Finding]) -> list[str]:
    """A stable identity for each finding (SHA-256 hex), in the same order.

    Keyed on the rule, the file, the revision ids and the message with its line numbers
    taken out, so a finding keeps its identity when unrelated lines are added above it
    and gets a new one when it concerns another revision. Findings that would share a
    key (two identical INSERTs in one revision) are told apart by their order in the file.
    """
    seen: dict[str, int] = {}
    prints = []
    for finding in found:
        d = finding.diagnostic
        key = "\0".join((d.code, finding.path, ",".join(d.revisions), _without_line_numbers(d.message)))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        prints.append(hashlib.sha256(f"{key}\0{occurrence}".encode("utf-8", "surrogateescape")).hexdigest())
    return prints


def render(fmt: str, reports: Sequence[EnvironmentReport], root: Path) -> str:
    """The report in one of FORMATS, with paths from `root`."""
    found = findings(reports, root)
    if fmt == "sarif":
        from . import sarif

        return sarif.render(found, reports, root)
    if fmt == "github":
        from . import github

        return github.render(found, reports, root)
    if fmt == "gitlab":
        from . import gitlab

        return gitlab.render(found, reports, root)
    if fmt == "junit":
        from . import junit

        return junit.render(found, reports, root)
    raise ValueError(f"unknown format {fmt!r}")
