"""A pull-request comment: the findings as a table, the heads before and after, a picture.

GitHub-flavoured Markdown. Each finding links to its line (in the commit CI checked out,
when GITHUB_REPOSITORY and GITHUB_SHA say which) and to its rule's page. The heads
before are REF's with `--against REF`; the picture is a Mermaid flowchart of what the
merge changes (the branch's new revisions and REF's, with their neighbours), or of the
heads' neighbourhood without REF. A comment holds at most 65,536 characters: past that,
findings are left out from the end of the table, and one line says how many.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..docs import docs_url
from ..lazydataclass import dataclass
from ..report import summary_line
from . import Finding

if TYPE_CHECKING:
    from ..report import EnvironmentReport

# What the action looks for to update its own comment rather than add one.
MARKER = "<!-- miglint-comment -->"
# GitHub refuses a comment body longer than this (in characters).
LIMIT = 65536
MESSAGE_WIDTH = 400  # a cell longer than this is cut: one finding must not crowd out the others
PICTURE_NODES = 40  # more revisions than this make an unreadable picture; it shrinks, then goes
SHOWN_HEADS = 10  # heads listed in a cell; past that, a count


@dataclass(frozen=True)
class Links:
    """Where a line of a file is on the web: `{blob}/{path}#L{line}`; relative links without one."""

    blob: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Links:
        """MIGLINT_BLOB_URL, else GitHub Actions' own variables, else none."""
        given = environ.get("MIGLINT_BLOB_URL")
        if given:
            return cls(given.rstrip("/"))
        repository, sha = environ.get("GITHUB_REPOSITORY"), environ.get("GITHUB_SHA")
        if repository and sha:
            server = environ.get("GITHUB_SERVER_URL") or "https://github.com"
            return cls(f"{server.rstrip('/')}/{repository}/blob/{sha}")
        return cls()

    def line(self, path: str, line: int) -> str:
        target = quote(path, safe="/")
        if self.blob is not None and not os.path.isabs(path):
            target = f"{self.blob}/{target}"
        return f"{target}#L{max(line, 1)}"


def render(
    found: Sequence[Finding],
    reports: Sequence[EnvironmentReport],
    root: Path,
    links: Links = Links(),
    ref: str | None = None,
) -> str:
    head = [MARKER, f"### miglint: {summary_line(reports)}", ""]
    rows = [_row(f, links) for f in found]
    tail = _heads(reports, ref) + _pictures(reports, ref)
    return _fit(head, rows, tail)


def _fit(head: list[str], rows: list[str], tail: list[str]) -> str:
    """The comment within LIMIT: whole; else without the pictures (the findings matter
    more); else with the rows that fit and a line saying how many were left out."""
    table_head = ["| | Rule | Where | Finding |", "| --- | --- | --- | --- |"]

    def compose(shown: int, body_tail: list[str]) -> str:
        table = [*table_head, *rows[:shown], ""] if shown else []
        left_out = len(rows) - shown
        note = [_left_out(left_out), ""] if left_out else []
        return "\n".join([*head, *table, *note, *body_tail]).rstrip("\n") + "\n"

    text = compose(len(rows), tail)
    if _length(text) <= LIMIT:
        return text
    tail = _without_pictures(tail)
    # the most rows whose lengths, with the rest of the comment, stay under the limit
    room = LIMIT - _length(compose(0, tail)) - _length("\n".join(table_head)) - 200
    shown = 0
    for row in rows:
        room -= _length(row) + 1
        if room < 0:
            break
        shown += 1
    while shown and _length(compose(shown, tail)) > LIMIT:
        shown -= 1
    text = compose(shown, tail)
    return text if _length(text) <= LIMIT else compose(0, [])


def _left_out(count: int) -> str:
    return (
        f"_{count} more finding{'s' * (count != 1)} not shown: GitHub limits a comment to "
        f"{LIMIT:,} characters; `miglint lint` lists them all._"
    )


def _length(text: str) -> int:
    """Characters as GitHub counts them (UTF-16 code units: an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _without_pictures(lines: list[str]) -> list[str]:
    out: list[str] = []
    inside = False
    for line in lines:
        if line == "```mermaid":
            inside = True
            out.append("_The picture is left out: the comment would exceed GitHub's limit._")
            continue
        if inside:
            inside = line != "```"
            continue
        out.append(line)
    return out


# -- the table -----------------------------------------------------------------------------


def _row(finding: Finding, links: Links) -> str:
    d = finding.diagnostic
    level = "❌ error" if d.severity == "error" else "⚠️ warning"
    rule = f"[{d.code}]({docs_url(d.code)}) {_text(d.name)}"
    where = f"[{_text(finding.path)}:{d.span.line}]({links.line(finding.path, d.span.line)})"
    message = _text(_cut(d.message))
    if d.help:
        message += f"<br>{_text(_cut(d.help))}"
    return f"| {level} | {rule} | {where} | {message} |"


def _cut(text: str) -> str:
    return text if len(text) <= MESSAGE_WIDTH else text[: MESSAGE_WIDTH - 1] + "…"


_ESCAPED = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|~&#!"})


def _text(text: str) -> str:
    """Plain text in a table cell: one line, every character Markdown or HTML would read escaped."""
    return " ".join(text.split()).translate(_ESCAPED)


# -- heads ---------------------------------------------------------------------------------


def _heads(reports: Sequence[EnvironmentReport], ref: str | None) -> list[str]:
    shown = [r for r in reports if r.revisions]
    if not shown:
        return []
    if ref is not None:
        lines = [
            "| Environment | Heads in " + _text(ref) + " | Heads after the merge |",
            "| --- | --- | --- |",
        ]
        for r in shown:
            before = _ids(r.ref_heads or ())
            lines.append(f"| {_text(r.name)} | {before} | {_ids(r.heads, r.ref_heads or ())} |")
    else:
        lines = ["| Environment | Heads |", "| --- | --- |"]
        lines += [f"| {_text(r.name)} | {_ids(r.heads)} |" for r in shown]
    return [*lines, ""]


def _ids(heads: Sequence[str], before: Sequence[str] | None = None) -> str:
    """`a`, **`b`** (new since REF), and a count past SHOWN_HEADS."""
    if not heads:
        return "(none)"
    marked = [f"**`{h}`**" if before is not None and h not in before else f"`{h}`" for h in heads]
    more = len(heads) - SHOWN_HEADS
    listed = ", ".join(marked[:SHOWN_HEADS]) + (f" and {more} more" if more > 0 else "")
    return f"{listed} ({len(heads)})" if len(heads) > 1 else listed


# -- the picture ---------------------------------------------------------------------------


def _pictures(reports: Sequence[EnvironmentReport], ref: str | None) -> list[str]:
    from ..pictures import build_view, to_mermaid

    lines: list[str] = []
    for r in reports:
        if r.graph is None or not r.graph.revisions:
            continue
        keep = _neighbourhood(r, ref)
        if not keep:
            continue
        what = f"what the merge into {ref} changes" if ref is not None else "around the heads"
        title = f"{r.name}: {what}" if len(reports) > 1 else what[0].upper() + what[1:]
        view = build_view(r.graph, r.diagnostics, keep=keep)
        lines += [f"<details open><summary>{_text(title)}</summary>", "", "```mermaid"]
        lines += to_mermaid(view).rstrip("\n").split("\n")
        lines += ["```", "", "</details>", ""]
    return lines


def _neighbourhood(report: EnvironmentReport, ref: str | None) -> set[str]:
    """The revisions drawn: the changed ones (with REF), else the heads, with what lies
    within two edges of them, one, or none, whichever first keeps the picture readable."""
    from ..pictures import neighbours

    graph = report.graph
    assert graph is not None
    centre = [rev for rev in report.changed if rev in graph.revisions] if ref is not None else []
    if not centre:
        centre = graph.heads()
    parents, children = neighbours(graph)
    for depth in (2, 1, 0):
        keep = _within(centre, depth, parents, children)
        if len(keep) <= PICTURE_NODES:
            return keep
    return set()


def _within(
    centre: Sequence[str], depth: int, parents: Mapping[str, list[str]], children: Mapping[str, list[str]]
) -> set[str]:
    """Every revision at most `depth` edges from one in `centre`, either way."""
    seen = set(centre)
    frontier = list(centre)
    for _ in range(depth):
        frontier = [n for rev in frontier for n in (*parents[rev], *children[rev]) if n not in seen]
        seen.update(frontier)
    return seen
