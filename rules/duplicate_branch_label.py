from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic, Location
from ..rule import Example, GraphRule


class DuplicateBranchLabel(GraphRule):
    """
    ## What it does
    Flags a branch label declared by more than one revision, and a branch label
    that is also a revision id (another revision's, or the labelled revision's own).

    ## Why is this bad?
    Alembic refuses to load the history ("Branch name ... already used by
    revision ..."): labels and revision ids share one namespace, so `alembic
    upgrade expand@head` could not tell which one is meant. A label names one
    branch; its later revisions inherit it and must not declare it again.

    ## Example
    `e1` and `e2` both have `branch_labels = ("expand",)`; or revision `b` has
    `branch_labels = ("a",)` where `a` is a revision id.

    Use instead:
    keep the label on the first revision of the branch only, and give a branch a
    name that no revision id has.
    """

    code = "MG108"
    name = "duplicate-branch-label"

    valid = (Example(history=("a", "e@expand<-a", "c@contract<-a")),)
    invalid = (
        Example(history=("a", "e1@feature<-a", "e2@feature<-e1"), flagged=("e1", "e2")),
        Example(history=("a", "b@a<-a"), flagged=("b",), note="a label that is another revision's id"),
        Example(history=("a@a",), flagged=("a",), note="a label that is the revision's own id"),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        owners: dict[str, list[str]] = {}
        for rev_id in graph.revisions:
            for label in graph.own_labels(rev_id):
                owners.setdefault(label, []).append(rev_id)
        for label, revs in sorted(owners.items()):
            if len(revs) < 2:
                continue
            revs = sorted(revs)
            for rev_id in revs:
                path, span = self.at_revision(graph, rev_id, "branch_labels")
                yield self.diagnostic(
                    path,
                    span,
                    f"branch label {label!r} of {rev_id} is also declared by "
                    f"{', '.join(r for r in revs if r != rev_id)}",
                    help=f"keep {label!r} on the first revision of its branch only; "
                    "later revisions inherit it",
                    revisions=revs,
                    related=[
                        Location(*self.at_revision(graph, o, "branch_labels"), note=f"{o} declares {label!r}")
                        for o in revs
                        if o != rev_id
                    ],
                )
        for label, revs in sorted(owners.items()):
            if label in graph.revisions:
                yield from self._label_is_an_id(graph, label, sorted(revs))

    def _label_is_an_id(self, graph: RevisionGraph, label: str, revs: list[str]) -> Iterator[Diagnostic]:
        for rev_id in revs:
            path, span = self.at_revision(graph, rev_id, "branch_labels")
            whose = "its own id" if label == rev_id else f"the id of revision {label}"
            yield self.diagnostic(
                path,
                span,
                f"branch label {label!r} of {rev_id} is {whose}",
                help="rename the label: Alembic looks labels and revision ids up in one map",
                revisions=(rev_id, label) if label != rev_id else (rev_id,),
                related=[Location(*self.at_revision(graph, label), note=f"revision {label}")]
                if label != rev_id
                else [],
            )
