"""Diagnostics and graphs as text or JSON. Columns become 1-based here and only here."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..lazydataclass import dataclass, field
from ..model import Diagnostic, Fix, Span

if TYPE_CHECKING:
    from ..graph import RevisionGraph

JSON_VERSION = 1


@dataclass(frozen=True)
class EnvironmentReport:
    """What one environment's lint found, as plain data (it is cached whole)."""

    name: str
    files: int
    revisions: int
    heads: tuple[str, ...]
    bases: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    suppressed: int = 0
    unread_sql: int = 0  # SQL that could not be resolved or parsed: counted, never guessed
    baselined: int = 0  # findings the baseline file hides (lint/report/baseline.py); never cached
    # With --against REF: version files read from REF, and working-tree ones REF deleted.
    from_ref: int = 0
    deleted_by_ref: int = 0
    deploy_known: bool = True  # False: the MG4xx rules looked at every revision (lint/history/deploy.py)
    # With --against REF: REF's heads (the merge's files less those only the working tree
    # has), and the revisions the merge changes: the working tree's new ones and REF's.
    ref_heads: tuple[str, ...] | None = None
    changed: tuple[str, ...] = ()
    # Runner files that mention alembic but could not be read: (path, line or 0, why).
    unread_runners: tuple[tuple[str, int, str], ...] = ()
    # The graph it was computed from; not kept when the report is cached.
    graph: RevisionGraph | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FixesShown:
    """What the text report says about fixes: each one (`--show-fixes`), and whether
    `--unsafe-fixes` is on (then --fix applies the unsafe ones too)."""

    each: bool = False
    unsafe: bool = False


@functools.cache
def display_path(path: str, cwd: Path) -> str:
    """Relative to the working directory where possible, always with forward slashes.

    Cached, and a file under the working directory is cut, not computed: a report
    names the same thousands of files over and over, and relpath costs ~20 us a call.
    """
    if not os.path.isabs(path):
        return Path(path).as_posix()
    inside = _cwd_prefix(cwd)
    if path.startswith(inside) and os.path.normpath(path) == path:
        return path[len(inside) :].replace(os.sep, "/")
    try:
        return Path(os.path.relpath(path, cwd)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


@functools.cache
def _cwd_prefix(cwd: Path) -> str:
    return os.path.join(os.path.abspath(cwd), "")


def _position(span: Span) -> dict[str, int]:
    return {
        "line": span.line,
        "column": span.column + 1,
        "end_line": span.end_line,
        "end_column": span.end_column + 1,
    }


def _count(reports: Sequence[EnvironmentReport], severity: str) -> int:
    return sum(1 for r in reports for d in r.diagnostics if d.severity == severity)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- text ----------------------------------------------------------------------


def text_report(
    reports: Sequence[EnvironmentReport],
    cwd: Path,
    *,
    color: bool = False,
    show_help: bool = True,
    fixes: FixesShown = FixesShown(),
) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    lines: list[str] = []
    everything = sorted(
        (d for r in reports for d in r.diagnostics),
        key=lambda d: (display_path(d.path, cwd), d.span.line, d.span.column, d.code, d.message),
    )
    for d in everything:
        where = f"{display_path(d.path, cwd)}:{d.span.line}:{d.span.column + 1}:"
        code = paint(d.code, "1;31" if d.severity == "error" else "1;33")
        lines.append(f"{paint(where, '1')} {code} {d.message}")
        if show_help and d.help:
            lines.append(f"  {paint('help:', '36')} {d.help}")
        if fixes.each and d.fix is not None:
            label = "fix:" if d.fix.safe else "fix (unsafe, --unsafe-fixes):"
            lines.append(f"  {paint(label, '32')} {d.fix.description}")
    if lines:
        lines.append("")
    if len(reports) > 1:
        for r in reports:
            errors = sum(1 for d in r.diagnostics if d.severity == "error")
            warnings = len(r.diagnostics) - errors
            state = (
                "ok" if not r.diagnostics else f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
            )
            lines.append(f"{r.name}: {_plural(r.revisions, 'revision')}, {state}")
    lines.append(summary_line(reports))
    if any(d.code.startswith("MG4") for d in everything) and not all(r.deploy_known for r in reports):
        lines.append(
            "Deploy-safety findings (MG4xx) cover every revision: pass --against <the deployed branch> "
            'or set [tool.miglint] deployed = "<revision>" to see only those still to run.'
        )
    fixable = fixable_line(reports, fixes.unsafe)
    if fixable:
        lines.append(fixable)
    return "\n".join(lines) + "\n"


def fixable_counts(reports: Sequence[EnvironmentReport]) -> tuple[int, int]:
    """(findings --fix fixes, findings only --fix --unsafe-fixes fixes)."""
    safe = unsafe = 0
    for d in (d for r in reports for d in r.diagnostics):
        if d.fix is not None:
            safe, unsafe = (safe + 1, unsafe) if d.fix.safe else (safe, unsafe + 1)
    return safe, unsafe


def fixable_line(reports: Sequence[EnvironmentReport], unsafe_enabled: bool = False) -> str:
    """`N fixable with --fix (M more with --unsafe-fixes).`, or "" when nothing is."""
    safe, unsafe = fixable_counts(reports)
    if not safe and not unsafe:
        return ""
    if unsafe_enabled:
        return f"{safe + unsafe} fixable with --fix --unsafe-fixes."
    if not safe:  # "0 fixable with --fix" would read as if --fix did something
        return f"{unsafe} fixable with --fix --unsafe-fixes (none with --fix alone)."
    more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
    return f"{safe} fixable with --fix{more}."


def summary_line(reports: Sequence[EnvironmentReport]) -> str:
    errors, warnings = _count(reports, "error"), _count(reports, "warning")
    revisions = sum(r.revisions for r in reports)
    scope = f"{_plural(revisions, 'revision')} in {_plural(len(reports), 'environment')}"
    suppressed = sum(r.suppressed for r in reports)
    unread = sum(r.unread_sql for r in reports)
    baselined = sum(r.baselined for r in reports)
    notes = [f"{suppressed} suppressed"] if suppressed else []
    if baselined:
        notes.append(f"{baselined} baselined")
    if unread:
        notes.append(f"{_plural(unread, 'SQL statement')} not read, see MG209")
    tail = f" ({'; '.join(notes)})" if notes else ""
    if not errors and not warnings:
        return f"All checks passed: {scope}{tail}."
    found = " and ".join(
        p
        for p in (
            _plural(errors, "error") if errors else "",
            _plural(warnings, "warning") if warnings else "",
        )
        if p
    )
    return f"Found {found} in {scope}{tail}."


# -- JSON ----------------------------------------------------------------------


def _fix_json(fix: Fix | None, cwd: Path) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "description": fix.description,
        "safe": fix.safe,
        "applicability": "safe" if fix.safe else "unsafe",
        "edits": [
            {"path": display_path(e.path, cwd), **_position(e.span), "replacement": e.text} for e in fix.edits
        ],
    }


def diagnostic_json(d: Diagnostic, cwd: Path, environment: str) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity,
        "path": display_path(d.path, cwd),
        **_position(d.span),
        "message": d.message,
        "help": d.help,
        "revisions": list(d.revisions),
        "environment": environment,
        "related": [
            {"path": display_path(r.path, cwd), **_position(r.span), "message": r.note} for r in d.related
        ],
        "fix": _fix_json(d.fix, cwd),
    }


def json_report(reports: Sequence[EnvironmentReport], cwd: Path) -> str:
    diagnostics = [diagnostic_json(d, cwd, r.name) for r in reports for d in r.diagnostics]
    diagnostics.sort(key=lambda d: (d["path"], d["line"], d["column"], d["code"], d["message"]))
    payload = {
        "version": JSON_VERSION,
        "diagnostics": diagnostics,
        "summary": {
            "errors": _count(reports, "error"),
            "warnings": _count(reports, "warning"),
            "suppressed": sum(r.suppressed for r in reports),
            "baselined": sum(r.baselined for r in reports),
            "unread_sql": sum(r.unread_sql for r in reports),
            "fixable": fixable_counts(reports)[0],
            "unsafe_fixable": fixable_counts(reports)[1],
            "files": sum(r.files for r in reports),
            "revisions": sum(r.revisions for r in reports),
            "environments": [
                {
                    "name": r.name,
                    "files": r.files,
                    "revisions": r.revisions,
                    "heads": list(r.heads),
                    "bases": list(r.bases),
                }
                for r in reports
            ],
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def graph_json(name: str, graph: RevisionGraph, cwd: Path) -> str:
    revisions = []
    for rev_id, file in sorted(graph.revisions.items()):
        assert file.revision is not None
        revisions.append(
            {
                "id": rev_id,
                "down_revisions": list(graph.down_revisions(rev_id)),
                "depends_on": list(graph.depends_on(rev_id)),
                "branch_labels": list(graph.own_labels(rev_id)),
                "path": display_path(file.path, cwd),
                "line": file.revision.span.line,
                "message": file.message,
            }
        )
    payload = {
        "environment": name,
        "revisions": revisions,
        "heads": sorted(graph.heads()),
        "bases": sorted(graph.bases()),
        "merges": sorted(graph.merge_points()),
        "branchpoints": sorted(graph.branch_points()),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
