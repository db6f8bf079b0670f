"""Reports for CI systems: SARIF, GitHub workflow commands, GitLab Code Quality, JUnit XML.

Each format is one small module with a pure `render(findings, reports, root) -> str`.
What they share lives here: where the repository starts (CI systems want paths from
there, not from the working directory), the findings in report order with those
paths, and the fingerprint that lets a CI system recognise a finding across pushes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..lazydataclass import dataclass, replace
from ..lazyre import pattern
from ..model import Diagnostic, Span

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
    found = [Finding(r.name, d, relative_path(d.path, root)) for r in reports for d in _in_checkout(r)]
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


def _from_ref(path: str) -> bool:
    """A file `--against REF` read from git: `REF:path`, which is not in the checkout."""
    return not os.path.isabs(path) and ":" in path and not os.path.exists(path)


def _in_checkout(report: EnvironmentReport) -> Iterator[Diagnostic]:
    """The report's diagnostics, each on a file of the checkout (CI annotates files).

    With `--against REF`, a finding on a file only REF has moves to the nearest file of
    the checkout (a related location, else the closest revision in the graph), and names
    where it really is in its message; related locations only REF has are left out.
    """
    # a finding may name a file of REF that the merge does not hold (MG122: a revision deleted here)
    if not report.from_ref and not any(_from_ref(d.path) for d in report.diagnostics):
        yield from report.diagnostics
        return
    for d in report.diagnostics:
        related = tuple(r for r in d.related if not _from_ref(r.path))
        if not _from_ref(d.path):
            yield replace(d, related=related) if related != d.related else d
            continue
        anchor = next(((r.path, r.span) for r in related), None) or _nearest_in_checkout(report, d)
        if anchor is None:
            yield d  # nothing of this environment is in the checkout
            continue
        yield replace(
            d,
            path=anchor[0],
            span=anchor[1],
            message=f"{d.message} (in {d.path}:{d.span.line})",
            related=related,
            fix=None,
        )


def _nearest_in_checkout(report: EnvironmentReport, d: Diagnostic) -> tuple[str, Span] | None:
    """The revision line of the checkout's revision closest in the graph to the finding's."""
    graph = report.graph
    if graph is None:
        return None
    seen = {rev for rev in d.revisions if rev in graph.revisions}
    frontier = sorted(seen)
    while frontier:
        for rev in frontier:
            file = graph.revisions[rev]
            if not _from_ref(file.path) and file.revision is not None:
                return file.path, file.revision.span
        step = []
        for rev in frontier:
            for near in (*graph.down_revisions(rev), *graph.depends_on(rev), *graph.children(rev)):
                if near in graph.revisions and near not in seen:
                    seen.add(near)
                    step.append(near)
        frontier = sorted(step)
    return None


# Line numbers in a message move with every unrelated edit above them.
_LINE_NUMBERS = pattern(r"\b(lines?) \d+(?:-\d+)?|(\.py):\d+(?::\d+)?")


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
