"""The findings baseline: adopt miglint on a repository that already has findings.

`miglint lint --write-baseline` records today's findings in `.miglint-baseline.json`;
later runs report only the findings it does not hold. An entry names a finding by what
stays true while unrelated code moves — rule code, path from the project root, revision
ids, message with its numbers removed — never by line, so an edit above a baselined
finding does not bring it back. Each entry keeps a count: a file may hold the same
finding twice, and the baseline hides at most as many as it recorded.

It applies to finished reports, after suppressions and after the results cache (which
stores reports before any baseline), so editing the baseline never invalidates the cache.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ConfigError
from ..lazydataclass import dataclass, replace
from ..lazyre import pattern
from ..reading.confine import inside, repository_top
from ..reading.readfile import read_regular

if TYPE_CHECKING:
    from ..model import Diagnostic
    from ..reading.discover import Project
    from . import EnvironmentReport

DEFAULT_NAME = ".miglint-baseline.json"
VERSION = 1

_NUMBER = pattern(r"\b\d+\b")
_SPACE = pattern(r"\s+")


class BaselineError(ConfigError):
    """The baseline file cannot be read or written: exit 2, naming the file."""


@dataclass(frozen=True, order=True)
class Key:
    """What identifies a finding across edits; the field order is the file's sort order."""

    path: str  # from the project root, with forward slashes
    code: str
    revisions: tuple[str, ...]
    message: str  # normalized


@dataclass(frozen=True)
class Written:
    findings: int
    added: int  # not in the previous baseline
    pruned: int  # in the previous baseline, no longer found
    had_previous: bool  # a readable baseline was replaced
    replaced_unreadable: bool = False  # rewriting is how a broken file is repaired


def normalize_message(message: str, revisions: Collection[str] = ()) -> str:
    """The message without the numbers that move when unrelated code does (line numbers,
    counts such as "one of 2 heads"), whitespace collapsed. A revision id that is all
    digits ("0001") stays: it is what the finding is about."""
    without = _NUMBER.sub(lambda number: number.group() if number.group() in revisions else "", message)
    return _SPACE.sub(" ", without).strip()


def key_of(diagnostic: Diagnostic, root: Path, cwd: Path) -> Key:
    return Key(
        path=_relative(diagnostic.path, root, cwd),
        code=diagnostic.code,
        revisions=diagnostic.revisions,
        message=normalize_message(diagnostic.message, diagnostic.revisions),
    )


def _relative(path: str, root: Path, cwd: Path) -> str:
    absolute = path if os.path.isabs(path) else os.path.join(cwd, path)
    try:
        return Path(os.path.relpath(absolute, root)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return Path(absolute).as_posix()


def location(project: Project, option: Path | None, cwd: Path) -> tuple[Path, bool]:
    """Where the baseline lives, and whether it was named (`--baseline-file`, or
    `baseline-file` in [tool.miglint]): a named file must exist to be read."""
    if option is not None:
        return cwd / option, True  # an absolute option replaces cwd
    configured = project.settings.baseline_file
    if configured:
        where = project.settings.root / configured
        if not inside(where, repository_top(project.root)):  # see lint/reading/confine.py
            raise BaselineError(
                f"baseline-file {configured!r} points outside the repository; name it with --baseline-file"
            )
        return where, True
    return project.root / DEFAULT_NAME, False


@dataclass(frozen=True)
class Place:
    """One baseline file, and the environments it covers (their indices in the project)."""

    path: Path
    named: bool  # a named file must exist
    root: Path  # the paths it records are relative to this
    members: tuple[int, ...]


def places(project: Project, option: Path | None, cwd: Path) -> list[Place]:
    """A baseline per [tool.miglint] the environments use, as each would be linted on its
    own; one for all of them when `--baseline-file` names the file."""
    from ..reading.discover import by_settings

    parts = [project] if option is not None else by_settings(project)
    index = {id(env): i for i, env in enumerate(project.environments)}
    found = []
    for part in parts:
        where, named = location(part, option, cwd)
        found.append(Place(where, named, part.root, tuple(index[id(e)] for e in part.environments)))
    return found


def members(reports: Sequence[EnvironmentReport], place: Place, everything: bool) -> list[EnvironmentReport]:
    return list(reports) if everything else [reports[i] for i in place.members]


def apply_each(
    reports: Sequence[EnvironmentReport],
    places: Sequence[Place],
    recorded: Sequence[Counter[Key] | None],
    cwd: Path,
) -> list[EnvironmentReport]:
    """`apply`, each baseline to the reports of its own environments."""
    out = list(reports)
    for place, counts in zip(places, recorded):
        if counts is None:
            continue
        mine = apply(members(reports, place, len(places) == 1), counts, place.root, cwd)
        for i, report in zip(range(len(out)) if len(places) == 1 else place.members, mine):
            out[i] = report
    return out


def read(path: Path, shown: str, *, required: bool) -> Counter[Key] | None:
    """The counts recorded in the baseline file; None when an unnamed default file is absent."""
    try:
        text = read_regular(path).decode("utf-8")  # not a FIFO, not a link to /dev/zero
    except FileNotFoundError:
        if required:
            raise BaselineError(f"{shown}: no such baseline file (write it with --write-baseline)") from None
        return None
    except UnicodeDecodeError as error:
        raise BaselineError(f"{shown}: not a miglint baseline: not UTF-8 ({error.reason})") from None
    except OSError as error:
        raise BaselineError(f"{shown}: cannot read the baseline: {error.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(
            f"{shown}: not a miglint baseline: invalid JSON at line {error.lineno}, "
            f"column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:  # json recurses once per nested array or object
        raise BaselineError(f"{shown}: not a miglint baseline: arrays or objects nested too deeply") from None
    return _counts(data, f"{shown}: not a miglint baseline")


def _counts(data: Any, where: str) -> Counter[Key]:
    if not isinstance(data, dict) or "version" not in data:
        raise BaselineError(f"{where}: expected an object with a version field")
    if data["version"] != VERSION:
        raise BaselineError(
            f"{where}: version {data['version']!r} is not {VERSION}, the version this miglint reads; "
            "rewrite it with --write-baseline"
        )
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"{where}: findings must be a list")
    counts: Counter[Key] = Counter()
    for index, entry in enumerate(entries):
        here = f"{where}: findings[{index}]"
        if not isinstance(entry, dict):
            raise BaselineError(f"{here} must be an object")
        for name in ("path", "code", "message"):
            if not isinstance(entry.get(name), str):
                raise BaselineError(f"{here}: {name} must be a string")
        revisions = entry.get("revisions")
        if not isinstance(revisions, list) or not all(isinstance(r, str) for r in revisions):
            raise BaselineError(f"{here}: revisions must be a list of strings")
        count = entry.get("count")
        # bool is an int in Python; `"count": true` is a mistake, not 1
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BaselineError(f"{here}: count must be a positive integer")
        key = Key(
            entry["path"], entry["code"], tuple(revisions), normalize_message(entry["message"], revisions)
        )
        counts[key] += count
    return counts


def apply(
    reports: Sequence[EnvironmentReport], recorded: Counter[Key], root: Path, cwd: Path
) -> list[EnvironmentReport]:
    """The reports without the findings the baseline records, each counting what it hid."""
    left = Counter(recorded)
    filtered = []
    for report in reports:
        kept = []
        for diagnostic in report.diagnostics:
            key = key_of(diagnostic, root, cwd)
            if left[key] > 0:
                left[key] -= 1
            else:
                kept.append(diagnostic)
        hidden = len(report.diagnostics) - len(kept)
        filtered.append(replace(report, diagnostics=tuple(kept), baselined=report.baselined + hidden))
    return filtered


def count(diagnostics: Iterable[Diagnostic], root: Path, cwd: Path) -> Counter[Key]:
    return Counter(key_of(d, root, cwd) for d in diagnostics)


def render(counts: Counter[Key]) -> str:
    """The file's text: sorted, so the same findings always give the same bytes."""
    entries = [
        {
            "path": key.path,
            "code": key.code,
            "revisions": list(key.revisions),
            "message": key.message,
            "count": number,
        }
        for key, number in sorted(counts.items())
        if number > 0
    ]
    return json.dumps({"version": VERSION, "findings": entries}, indent=2, ensure_ascii=False) + "\n"


def write(path: Path, shown: str, reports: Sequence[EnvironmentReport], root: Path, cwd: Path) -> Written:
    """Record every finding of `reports` in `path`, replacing what it held."""
    current = count((d for r in reports for d in r.diagnostics), root, cwd)
    previous: Counter[Key] | None = None
    unreadable = False
    try:
        previous = read(path, shown, required=False)
    except BaselineError:
        unreadable = True
    _write_if_changed(path, shown, render(current).encode("utf-8", "backslashreplace"))
    old = previous if previous is not None else Counter()
    return Written(
        findings=sum(current.values()),
        added=sum((current - old).values()),
        pruned=sum((old - current).values()),
        had_previous=previous is not None,
        replaced_unreadable=unreadable,
    )


def _write_if_changed(path: Path, shown: str, data: bytes) -> None:
    from ..atomic import write_if_changed

    try:
        write_if_changed(path, data)
    except OSError as error:
        raise BaselineError(f"{shown}: cannot write the baseline: {error.strerror}") from None
