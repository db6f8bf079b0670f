from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic
from ..rule import Example, GraphRule


class RedundantParent(GraphRule):
    """
    ## What it does
    Flags a merge revision that lists a parent which is already an ancestor of
    another of its parents.

    ## Why is this bad?
    The extra parent adds nothing to the order but makes the history look like a
    merge of two branches when there was only one; Alembic accepts it silently. It
    usually means the merge was made against a stale head.

    ## Example
    `c` revises `b`, `b` revises `a`, and `m` has `down_revision = ("a", "c")`.

    Use instead:
    `down_revision = "c"`.

    A merge on a `down_revision` cycle, or with a parent on one, is left to MG101
    (cycle): there every revision of the cycle is an ancestor of every other, so
    "already an ancestor" holds both ways and no parent could be named to remove.
    """

    code = "MG107"
    name = "redundant-parent"

    valid = (
        Example(history=("a", "b1<-a", "b2<-a", "m<-b1,b2")),
        Example(history=("a", "b<-a,c", "c<-b"), note="merge-on-a-cycle"),
    )
    invalid = (Example(history=("a", "b<-a", "c<-b", "m<-a,c"), flagged=("m",)),)

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        on_cycle = _on_cycles(graph)
        for merge in sorted(graph.merge_points()):
            parents = [p for p in graph.down_revisions(merge) if p in graph.revisions]
            if merge in on_cycle or on_cycle.intersection(parents):
                continue
            for parent in parents:
                covering = sorted(o for o in parents if o != parent and graph.is_ancestor(parent, o))
                if not covering:
                    continue
                keep = [p for p in graph.down_revisions(merge) if p != parent]
                shown = repr(keep[0]) if len(keep) == 1 else repr(tuple(keep))
                path, span = self.at_revision(graph, merge, "down_revision")
                yield self.diagnostic(
                    path,
                    span,
                    f"merge {merge} lists {parent}, which is already an ancestor of {covering[0]}",
                    help=f"remove {parent!r} from down_revision: down_revision = {shown}",
                    revisions=(merge, parent, covering[0]),
                )


def _on_cycles(graph: RevisionGraph) -> set[str]:
    """Revisions on a down_revision cycle (MG101's findings)."""
    if graph.topological_order is not None:
        return set()  # acyclic over every edge kind, so over down_revision too
    import networkx as nx

    down = graph.networkx(with_dependencies=False)
    return {
        rev_id
        for component in nx.strongly_connected_components(down)
        for rev_id in component
        if len(component) > 1 or down.has_edge(rev_id, rev_id)
    }
