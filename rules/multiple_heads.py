from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic, Location
from ..rule import Example, GraphRule


def divergence(graph: RevisionGraph, heads: list[str]) -> list[str]:
    """The nearest common ancestors of the heads: where the branches split."""
    common: set[str] = set.intersection(*(graph.ancestors(h) | {h} for h in heads))
    return sorted(c for c in common if not any(c in graph.ancestors(o) for o in common if o != c))


class MultipleHeads(GraphRule):
    """
    ## What it does
    Flags a history with more than one head that is not on its own labelled branch,
    names every head and the revision where they diverged, and gives the exact
    `alembic merge` command.

    ## Why is this bad?
    Two developers added revisions to the same parent. `alembic upgrade head`
    refuses to run ("Multiple head revisions are present"), and `alembic heads`
    still exits 0, so nothing else in CI notices. Heads on distinct labelled
    branches (each addressable as `label@head`, e.g. an expand/contract split) are
    intentional and not reported; neither is a head whose `branch_labels` cannot be
    read statically (see MG003). While a `down_revision` is unreadable (MG003) or
    names a missing revision (MG103), heads are not counted: that revision's real
    place in the history is unknown.

    ## Example
    `b1` and `b2` both revise `a`.

    Use instead:
    `alembic merge -m "merge heads b1 and b2" b1 b2`, which adds a revision whose
    `down_revision = ("b1", "b2")`.
    """

    code = "MG102"
    name = "multiple-heads"

    valid = (
        Example(history=("a", "b<-a")),
        Example(history=("a", "b1<-a", "b2<-a", "m<-b1,b2")),
        Example(history=("a", "e@expand<-a", "c@contract<-a", "e2<-e"), note="labelled branches"),
        Example(
            history=("a", "c@contract<-a"),
            files={"0009_e.py": "revision = 'e'\ndown_revision = 'a'\nbranch_labels = EXPAND\n"},
            note="a label that cannot be read is not an accidental head",
        ),
    )
    invalid = (
        Example(history=("a", "b1<-a", "b2<-a"), flagged=("b1", "b2")),
        Example(
            history=("a", "e@expand<-a", "e1<-e", "e2<-e"),
            flagged=("e1", "e2"),
            note="two heads on one label",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        if not graph.complete or any(ref.kind == "down_revision" for ref in graph.dangling):
            # An unreadable or dangling down_revision would attach somewhere we
            # cannot know: the head count is unreliable, and MG003/MG103 say why.
            return
        heads = sorted(graph.heads())
        if len(heads) < 2:
            return
        labels = {h: graph.labels(h) for h in heads}
        accidental = []
        for head in heads:
            if "?" in labels[head]:
                continue
            others = set().union(*(labels[o] for o in heads if o != head))
            if not (labels[head] - others):
                accidental.append(head)
        if len(accidental) < 2:
            return
        split = divergence(graph, accidental)
        where = f"diverged at {', '.join(split)}" if split else "share no common ancestor"
        names = ", ".join(accidental)
        command = f'alembic merge -m "merge heads {" and ".join(accidental)}" {" ".join(accidental)}'
        for head in accidental:
            path, span = self.at_revision(graph, head)
            yield self.diagnostic(
                path,
                span,
                f"revision {head} is one of {len(accidental)} heads ({names}), which {where}",
                help=f"run: {command}",
                revisions=accidental,
                related=[
                    Location(*self.at_revision(graph, other), note=f"head {other}")
                    for other in accidental
                    if other != head
                ],
            )
