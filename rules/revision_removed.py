from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic, Location
from ..rule import Example, GraphRule

_RENAMED = '"""b\n\nRevision ID: b2\nRevises: a\n"""\nrevision = "b2"\ndown_revision = "a"\n\n\ndef upgrade():\n    pass\n'


class RevisionRemoved(GraphRule):
    """
    ## What it does
    With `--against REF`, flags a revision that REF has and the merge of the checkout
    into REF would not: its file was deleted, or its `revision` id changed.

    ## Why is this bad?
    Databases that ran the revision have its id in `alembic_version`. Once it is gone,
    Alembic cannot place them ("Can't locate revision identified by ..."), and every
    revision that revised it has a missing parent (MG103). Squashing or renumbering
    released revisions rewrites deployed history.

    A revision REF itself deleted is not reported, nor one the checkout deleted while REF
    changed it (the merge keeps REF's file, as git's modify/delete conflict does).

    ## Example
    `b` is on `main`; the branch renames it to `b2` (or deletes its file).

    Use instead:
    Keep released revisions as they are; undo a change with a new revision. To squash
    old history, keep the old ids for databases that are still on them (a baseline
    revision whose id is the last squashed one).
    """

    code = "MG122"
    name = "revision-removed"

    invalid = (
        Example(against=("a", "b<-a"), history=("a",), flagged=("b",), note="deleted"),
        Example(
            against=("a", "b<-a"),
            history=("a",),
            files={"0001_b.py": _RENAMED},
            flagged=("b2",),
            note="its id changed",
        ),
    )
    valid = (
        Example(against=("a", "b<-a"), history=("a", "b<-a", "c<-b")),
        Example(against=("a",), history=("a", "b<-a"), note="a new revision"),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        reference = graph.reference
        if reference is None:
            return
        # a revision whose header turned unreadable is still here (MG003 says so)
        present = set(graph.declarations) | {f.revision_id for f in graph.unreadable if f.revision_id}
        for rev_id, on_ref in sorted(reference.revisions.items()):
            if rev_id in present:
                continue
            children = [c for c in sorted(graph.revisions) if rev_id in graph.down_revisions(c)]
            related = [
                Location(*self.at_revision(graph, child, "down_revision"), note=f"{child} revises {rev_id}")
                for child in children
            ]
            renamed = reference.renamed.get(rev_id)
            if renamed is not None:
                path, now = renamed
                file = graph.revisions.get(now)
                if file is not None and file.path == path and file.revision is not None:
                    yield self.diagnostic(
                        path,
                        file.revision.span,
                        f"revision {rev_id} is on {reference.ref}, and its file now says {now}: "
                        f"databases at {rev_id} can no longer be upgraded",
                        help=f'put back revision = "{rev_id}"; released ids never change',
                        revisions=(rev_id, now),
                        related=[
                            Location(on_ref.path, on_ref.span, note=f"{rev_id} on {reference.ref}"),
                            *related,
                        ],
                    )
                    continue
            yield self.diagnostic(
                on_ref.path,
                on_ref.span,
                f"revision {rev_id} is on {reference.ref} and was deleted here: databases at "
                f"{rev_id} can no longer be upgraded",
                help=f"restore it: git checkout {reference.ref} -- {on_ref.path.split(':', 1)[1]}",
                revisions=(rev_id, *children),
                related=related,
            )
