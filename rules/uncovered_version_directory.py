from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic, Location, Span
from ..rule import WARNING, Example, GraphRule

_A = "revision = 'a1'\ndown_revision = None\n"
_B = "revision = 'b1'\ndown_revision = 'a1'\n"
_C = "revision = 'c1'\ndown_revision = 'b1'\n"
_OLD = "revision = 'o1'\ndown_revision = None\n"


class UncoveredVersionDirectory(GraphRule):
    """
    ## What it does
    Flags revision files in sub-directories of a version location that no version
    location covers, naming each directory and how many revisions it holds.

    ## Why is this bad?
    Alembic loads only the directories its configuration names, and reads
    sub-directories only with `recursive_version_locations = true`. Projects that
    add the others in code (keystone's `versions/<release>/expand`) leave an
    `alembic.ini` from which `alembic heads` sees a fraction of the history, and a
    directory that nothing names at all is a history that never runs. miglint reads
    such a directory into the graph when its revisions provably continue it (each
    names a parent, every parent is in the graph or in that directory, no id
    repeats), so the heads and bases it reports are the ones the code-configured
    Alembic computes; a directory that starts a history of its own (an archive of
    squashed revisions) is left out. Both are reported: neither is dropped in silence.

    ## Example
    `alembic.ini` names `migrations/versions`; revisions also live in
    `migrations/versions/2024.1/expand/`.

    Use instead:
    `version_locations = %(here)s/migrations/versions %(here)s/migrations/versions/2024.1/expand`
    in `alembic.ini`, or `recursive_version_locations = true`.
    """

    code = "MG004"
    name = "uncovered-version-directory"
    severity = WARNING

    valid = (
        Example(history=("a", "b<-a")),
        Example(files={"helpers/util.py": "def helper():\n    return 1\n"}, note="a helper module"),
    )
    invalid = (
        Example(
            files={"0001_a.py": _A, "z1/expand/0002_b.py": _B, "a2/0003_c.py": _C},
            flagged=("c1",),
            note="a2/ continues z1/expand/, which continues versions/",
        ),
        Example(files={"0001_a.py": _A, "archive/0000_o.py": _OLD}, flagged=("archive/0000_o.py",)),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        found = graph.uncovered
        if not found:
            return
        count = sum(len(d.files) for d in found)
        directories = len(found)
        listing = ", ".join(f"{d.directory} ({len(d.files)})" for d in found)
        adopted = [d.directory for d in found if d.adopted]
        left = [d.directory for d in found if not d.adopted]
        if not left:
            outcome = "read into the graph, as they continue its history"
        elif not graph.revisions:  # a script directory without versions/: no location is known
            outcome = "none is read: no version location is configured where miglint can see it"
        elif not adopted:
            outcome = "left out of the graph: they do not continue its history"
        else:
            outcome = f"read into the graph: {', '.join(adopted)}; left out: {', '.join(left)}"
        first = found[0].files[0]
        span = first.revision.span if first.revision is not None else Span.point(1)
        yield self.diagnostic(
            first.path,
            span,
            f"{count} revision file{'s' if count != 1 else ''} in {directories} "
            f"director{'ies' if directories != 1 else 'y'} that no version location covers: "
            f"{listing}; {outcome}",
            help="Alembic loads only its version locations: name these directories in "
            "version_locations (alembic.ini, with path_separator) or set "
            "recursive_version_locations = true, as the code that runs Alembic does",
            revisions=tuple(f.revision_id for d in found for f in d.files if f.revision_id),
            related=[
                Location(d.files[0].path, d.files[0].revision.span, note=d.directory)
                for d in found[1:]
                if d.files[0].revision is not None
            ],
        )
