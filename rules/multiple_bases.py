from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic, Location
from ..rule import Example, GraphRule
from ._listing import LIMIT, listed


class MultipleBases(GraphRule):
    """
    ## What it does
    Flags a history with more than one base (`down_revision = None`) that carries
    no branch label.

    ## Why is this bad?
    A second root is almost always a revision created from an empty directory or
    with its `down_revision` deleted: it runs before everything else and its
    history never joins the main one. Intended independent branches
    (`alembic revision --head=base --branch-label=...`) carry a label and are not
    reported.

    ## Example
    `a` and `x` both have `down_revision = None`.

    Use instead:
    `down_revision = "<the revision it follows>"` for `x`, or give each base a
    label: `branch_labels = ("tenant",)`. With more than ten bases, each finding names
    the first ten.
    """

    code = "MG105"
    name = "multiple-bases"

    valid = (
        Example(history=("a", "b<-a")),
        Example(history=("a", "t@tenant", "b<-a", "u<-t"), note="a labelled second base"),
    )
    invalid = (Example(history=("a", "x", "b<-a", "y<-x"), flagged=("a", "x")),)

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        if not graph.complete:
            return
        unlabelled = sorted(
            b for b in graph.bases() if not graph.own_labels(b) and not graph.has_unreadable_labels(b)
        )
        if len(unlabelled) < 2:
            return
        names = listed(unlabelled)
        for base in unlabelled:
            path, span = self.at_revision(graph, base, "down_revision")
            yield self.diagnostic(
                path,
                span,
                f"revision {base} is one of {len(unlabelled)} unlabelled bases ({names})",
                help="set its down_revision to the revision it follows, or, if the histories "
                "are meant to be separate, give each base a branch label",
                revisions=(base,),
                related=[
                    Location(*self.at_revision(graph, other, "down_revision"), note=f"base {other}")
                    for other in [b for b in unlabelled[: LIMIT + 1] if b != base][:LIMIT]
                ],
            )
