from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from ..graph import DEPENDS, RevisionGraph
from ..model import Diagnostic
from ..rule import Example
from .cycle import Cycle, shadowed_self_loops


class DependencyCycle(Cycle):
    """
    ## What it does
    Flags a cycle that runs through at least one `depends_on` link, together with
    `down_revision` links.

    ## Why is this bad?
    `depends_on` makes Alembic run one revision before another; a loop through it
    has no valid order, and Alembic fails with `DependencyCycleDetected`.

    ## Example
    `b` revises `a`, while `a` has `depends_on = "b"`.

    Use instead:
    remove the `depends_on` entry, or point it at a revision that is not a
    descendant of the revision declaring it.
    """

    code = "MG110"
    name = "dependency-cycle"

    valid: ClassVar[tuple[Example, ...]] = (
        Example(history=("a", "b<-a", "c<-b+a")),
        Example(history=("x", "a<-c", "b<-a", "c<-b"), note="a pure down_revision cycle is MG101"),
    )
    invalid: ClassVar[tuple[Example, ...]] = (Example(history=("base", "a<-base+b", "b<-a"), flagged=("a",)),)

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        for cycle in graph.cycles(with_dependencies=True):
            pairs = zip([cycle[-1], *cycle[:-1]], cycle)
            if any(graph.edge_kind(parent, child) == DEPENDS for parent, child in pairs):
                yield self.report(graph, cycle, "down_revision/depends_on")
        yield from shadowed_self_loops(self, graph, DEPENDS)
