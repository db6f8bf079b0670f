from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic, Location
from ..rule import Example, GraphRule
from ._listing import listed
from .multiple_heads import accidental_heads


class InsertedBeforeExisting(GraphRule):
    """
    ## What it does
    With `--against REF`, flags a new revision (one REF does not have) whose
    `down_revision` is a revision of REF that is not one of REF's heads, when the merge
    of the checkout into REF would then fork into several heads, or when a revision REF
    already has would come after it.

    ## Why is this bad?
    REF has already moved past that parent. Merged, either the history has two heads and
    `alembic upgrade head` refuses to run, or (when an existing revision was re-pointed
    onto the new one) the new revision sits before revisions that databases have
    already run: Alembic never runs it there, and fresh databases run it in another
    order than old ones. The merged graph is predicted from REF and the checkout, so
    this is reported on the branch, before the merge happens. A merge revision that
    joins the branch with REF's head resolves the fork and is not reported, nor are heads
    on labelled branches of their own (as MG102).

    ## Example
    `main` has `a <- c`; the branch adds `b` revising `a`.

    Use instead:
    After merging `main`, keep the history linear with `miglint rebase b --onto c`, or
    join the heads with `alembic merge`.
    """

    code = "MG123"
    name = "inserted-before-existing"

    invalid = (
        Example(against=("a", "c<-a"), history=("a", "c<-a", "b<-a"), flagged=("b",), note="the merge forks"),
        Example(
            against=("a", "c<-a"),
            history=("a", "b<-a", "c<-b"),
            flagged=("b",),
            note="an existing revision re-pointed onto the new one",
        ),
    )
    valid = (
        Example(against=("a", "c<-a"), history=("a", "c<-a", "b<-c")),
        Example(
            against=("a", "c<-a"),
            history=("a", "c<-a", "b<-a", "m<-b,c"),
            note="a merge revision joins the branch",
        ),
        Example(
            against=("a", "e@expand<-a"),
            history=("a", "e@expand<-a", "k@contract<-a"),
            note="a labelled branch",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        reference = graph.reference
        if reference is None or not reference.revisions:
            return
        if not graph.complete or any(ref.kind == "down_revision" for ref in graph.dangling):
            return  # where a revision attaches is unknown: MG003 / MG103
        heads = accidental_heads(graph)
        ref_heads = set(reference.heads)
        for rev_id in sorted(graph.revisions):
            file = graph.revisions[rev_id]
            if rev_id in reference.revisions or reference.is_ref_path(file.path):
                continue
            for parent in graph.down_revisions(rev_id):
                if parent not in reference.revisions or parent in ref_heads:
                    continue
                existing = reference.children(parent)
                after = graph.descendants(rev_id)
                moved = [child for child in existing if child in after]
                if moved:
                    yield self.diagnostic(
                        *self.at_revision(graph, rev_id, "down_revision"),
                        f"revision {rev_id} is inserted before {listed(moved)}, which {reference.ref} "
                        f"already has: databases already at {moved[0]} never run {rev_id}",
                        help=f"make {rev_id} revise {reference.ref}'s head instead, and leave "
                        f"{listed(moved)} as {reference.ref} has {'it' if len(moved) == 1 else 'them'}",
                        revisions=(rev_id, *moved),
                        related=[
                            Location(
                                *self.at_revision(graph, m, "down_revision"), note=f"{m} on {reference.ref}"
                            )
                            for m in moved
                            if m in graph.revisions
                        ],
                    )
                    continue
                mine = [h for h in heads if h == rev_id or h in after]
                if not mine:
                    continue  # no fork: a merge revision joins the branch
                others = [h for h in heads if h not in mine]
                # `alembic merge` is not named here: pipeline._merge_first rewrites such help
                rebase = (
                    f"keep the history linear: miglint rebase {rev_id} --onto {others[0]} (or add a merge "
                    "revision joining the heads)"
                    if len(mine) == 1 and len(others) == 1
                    else "add a merge revision joining the heads"
                )
                yield self.diagnostic(
                    *self.at_revision(graph, rev_id, "down_revision"),
                    f"revision {rev_id} revises {parent}, which {reference.ref} already continues with "
                    f"{listed(existing)}: merged, the history has {len(heads)} heads ({listed(heads)})",
                    help=f"merge {reference.ref} into this branch, then {rebase}",
                    revisions=(rev_id, *others),
                    related=[
                        Location(
                            *self.at_revision(graph, child, "down_revision"),
                            note=f"{child} on {reference.ref}",
                        )
                        for child in existing
                        if child in graph.revisions
                    ],
                )
