"""`--statistics`: how many findings each rule made, most first (as ruff's `--statistics`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..report import EnvironmentReport


def statistics(reports: Sequence[EnvironmentReport]) -> str:
    """`3  MG102  multiple-heads` lines, by count (descending) then code; "" when nothing was found."""
    counts = Counter((d.code, d.name) for r in reports for d in r.diagnostics)
    if not counts:
        return ""
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    width = len(str(rows[0][1]))
    return "".join(f"{count:>{width}}  {code}  {name}\n" for (code, name), count in rows)
