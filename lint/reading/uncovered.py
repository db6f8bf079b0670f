"""Revisions in sub-directories that no version location covers (MG004's facts).

Projects that set `version_locations` in code (keystone builds versions/<release>/
<expand|contract> in Python) leave an ini that names only `versions/`: Alembic run
from that ini sees a fraction of the history, and so would miglint. A sub-directory
is read into the graph only when its revisions provably continue it: each names a
parent, every parent is a revision already in the graph or in that directory, and no
id repeats one already there. A directory that starts a history of its own (an
archive of squashed revisions, one graph per dialect) is left out. Either way MG004
names it, so nothing is dropped in silence.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..lazydataclass import dataclass
from ..model import RevisionFile


@dataclass(frozen=True)
class UncoveredDirectory:
    """One directory of revisions below a version location, outside every location."""

    directory: str  # as the version location names it: "versions/yoga/expand"
    files: tuple[RevisionFile, ...]  # the revisions there, in path order
    adopted: bool  # read into the graph, because its revisions continue it


def adopt(
    covered: Sequence[RevisionFile], uncovered: Sequence[RevisionFile], locations: Sequence[str]
) -> tuple[list[RevisionFile], tuple[UncoveredDirectory, ...]]:
    """The records to build the graph from, and every uncovered directory of revisions."""
    by_directory: dict[str, list[RevisionFile]] = {}
    for record in uncovered:
        if record.problem is None and record.revision_id is not None:
            by_directory.setdefault(os.path.dirname(record.path), []).append(record)
    if not by_directory:
        return list(covered), ()
    known = {r.revision_id for r in covered if r.revision_id is not None}
    adopted: list[str] = []
    pending = sorted(by_directory)
    changed = True
    while changed:  # a release directory continues the one before it: repeat until stable
        changed = False
        for directory in list(pending):
            if _continues(by_directory[directory], known):
                known |= {r.revision_id for r in by_directory[directory] if r.revision_id is not None}
                adopted.append(directory)
                pending.remove(directory)
                changed = True
    records = list(covered) + [r for d in sorted(adopted) for r in by_directory[d]]
    found = tuple(
        UncoveredDirectory(_name(directory, locations), tuple(by_directory[directory]), directory in adopted)
        for directory in sorted(by_directory)
    )
    return records, found


def _continues(files: Sequence[RevisionFile], known: set[str]) -> bool:
    own = {f.revision_id for f in files if f.revision_id is not None}
    if len(own) != len(files) or own & known:
        return False
    reaches_known = False
    for file in files:
        down = file.down_revision
        if down is None or down.is_dynamic or not down.ids:
            return False  # a base: a history of its own
        if any(parent not in known and parent not in own for parent in down.ids):
            return False
        reaches_known = reaches_known or any(parent in known for parent in down.ids)
    return reaches_known


def _name(directory: str, locations: Sequence[str]) -> str:
    """The directory as its version location names it (`versions/yoga/expand`), or one
    beside it as their parent does (`migrations/core` beside `migrations/_alembic`)."""
    for location in locations:
        parent = os.path.dirname(location.rstrip(os.sep))
        if directory.startswith(location.rstrip(os.sep) + os.sep):
            return os.path.relpath(directory, parent).replace(os.sep, "/")
    for location in locations:
        parent = os.path.dirname(location.rstrip(os.sep))
        if directory.startswith(parent + os.sep):
            return os.path.relpath(directory, os.path.dirname(parent)).replace(os.sep, "/")
    return directory.replace(os.sep, "/")
