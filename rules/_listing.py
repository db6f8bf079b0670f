"""Bounded lists of revision ids for messages about many revisions at once."""

from __future__ import annotations

from collections.abc import Sequence

LIMIT = 10  # ids named in a message or pointed at as related locations
SPELLED_OUT = 50  # up to this many, a finding's help and revision list carry every id


def listed(ids: Sequence[str], limit: int = LIMIT) -> str:
    """`a, b, c` - or the first `limit` and how many more.

    Every one of N revisions gets its own finding: naming all N in each would make the
    report grow as N squared (100 million ids for a forest of 10,000 roots).
    """
    if len(ids) <= limit:
        return ", ".join(ids)
    return f"{', '.join(ids[:limit])} and {len(ids) - limit} more"
