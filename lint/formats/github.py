"""GitHub Actions workflow commands: one `::error` / `::warning` annotation per finding.

GitHub shows at most 10 annotations of each level per step, so errors come first. The
step summary (a Markdown file named by GITHUB_STEP_SUMMARY) lists every finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..report import summary_line
from . import Finding

if TYPE_CHECKING:
    from ..report import EnvironmentReport


def escape_data(text: str) -> str:
    """As @actions/core escapes a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """As @actions/core escapes a command's property values: `:` and `,` delimit them."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    d = finding.diagnostic
    level = "error" if d.severity == "error" else "warning"
    properties = {
        "file": finding.path,
        "line": str(d.span.line),
        "col": str(d.span.column + 1),
        "endLine": str(d.span.end_line),
        "endColumn": str(d.span.end_column + 1),
        "title": f"{d.code} {d.name}",
    }
    fields = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = f"{d.message}\nhelp: {d.help}" if d.help else d.message
    return f"::{level} {fields}::{escape_data(message)}"


def render(found: Sequence[Finding], reports: Sequence[EnvironmentReport], root: Path) -> str:
    """The annotations, errors first, then the summary line for the log."""
    ordered = sorted(found, key=lambda f: f.diagnostic.severity != "error")  # stable: report order within
    return "".join(f"{annotation(f)}\n" for f in ordered) + summary_line(reports) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split("\n")).replace("\r", "").replace("|", "\\|")


def step_summary(found: Sequence[Finding], reports: Sequence[EnvironmentReport]) -> str:
    """Markdown for the job's summary page: every finding in a table, then the totals."""
    lines = ["## miglint", ""]
    if found:
        lines += ["| Code | Rule | Location | Message |", "| --- | --- | --- | --- |"]
        for f in found:
            d = f.diagnostic
            where = _cell(f"{f.path}:{d.span.line}")
            lines.append(f"| {d.code} | {d.name} | {where} | {_cell(d.message)} |")
        lines.append("")
    lines += [f"**{summary_line(reports)}**", ""]
    return "\n".join(lines) + "\n"
