from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from ..graph import DOWN, RevisionGraph
from ..model import Diagnostic, Location
from ..rule import Example, GraphRule


def describe_cycle(graph: RevisionGraph, cycle: list[str]) -> str:
    """`a -> c -> b -> a`, read as 'a revises c, which revises b, ...'."""
    # graph.cycles lists parent -> child; people follow down_revision child -> parent
    backwards = [cycle[0], *list(reversed(cycle[1:])), cycle[0]]
    return " -> ".join(backwards)


def cycle_locations(graph: RevisionGraph, cycle: list[str]) -> list[Location]:
    locations = []
    for index, rev_id in enumerate(cycle):
        parent = cycle[index - 1]
        file = graph.revisions[rev_id]
        kind = graph.edge_kind(parent, rev_id)
        value = file.down_revision if kind == DOWN else file.depends_on
        assert value is not None
        locations.append(Location(file.path, value.span, f"{rev_id} {kind.replace('_', ' ')} {parent}"))
    return locations


def shadowed_self_loops(rule: GraphRule, graph: RevisionGraph, kind: str) -> Iterator[Diagnostic]:
    """A copy of a duplicated id (MG104) that names its own id as its parent.

    The copy is not in the graph, but Alembic builds a Revision from every file and
    refuses one that revises (or depends on) itself: LoopDetected / DependencyLoopDetected.
    """
    for file in graph.shadowed:
        value = file.down_revision if kind == DOWN else file.depends_on
        rev_id = file.revision_id
        if value is not None and rev_id in value.ids:
            yield rule.diagnostic(
                file.path,
                value.span,
                f"{kind} links form a cycle of 1: {rev_id} -> {rev_id}",
                help=f"set the {kind} of this copy of {rev_id} to the revision it really follows",
                revisions=[rev_id],
            )


class Cycle(GraphRule):
    """
    ## What it does
    Flags revisions whose `down_revision` links form a cycle, and lists every
    revision on it in order with its file.

    ## Why is this bad?
    A history with a cycle has no order to run in: Alembic fails with
    `CycleDetected`, listing every revision of the tree rather than the few on the
    cycle. It usually comes from a merge or a re-parenting done by hand.

    Alembic's check is not a cycle search: it only asks that every revision lie
    between a base and a head. A cycle that a base leads into and that leads on
    to a head passes it: with `b` revising `a` and `c`, `c` revising `b` and `e`
    revising `c`, Alembic loads the history and upgrades `a, b, c, e`, running
    `b` before its own parent `c`. miglint reports that cycle too.

    ## Example
    `a` revises `c`, `b` revises `a`, `c` revises `b`.

    Use instead:
    point the first revision of the chain at the revision it really follows, e.g.
    `down_revision = "<base>"` for `a`.
    """

    code = "MG101"
    name = "cycle"

    valid: ClassVar[tuple[Example, ...]] = (Example(history=("a", "b<-a", "c<-b")),)
    invalid: ClassVar[tuple[Example, ...]] = (
        Example(history=("x", "a<-c", "b<-a", "c<-b"), flagged=("a",)),
        Example(history=("a<-a",), flagged=("a",), note="a revision that revises itself"),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        for cycle in graph.cycles(with_dependencies=False):
            yield self.report(graph, cycle, "down_revision")
        yield from shadowed_self_loops(self, graph, DOWN)

    def report(self, graph: RevisionGraph, cycle: list[str], what: str) -> Diagnostic:
        locations = cycle_locations(graph, cycle)
        first = locations[0]
        return self.diagnostic(
            first.path,
            first.span,
            f"{what} links form a cycle of {len(cycle)}: {describe_cycle(graph, cycle)}",
            help=f"set the {what} of one of {', '.join(sorted(cycle))} to the revision it really follows",
            revisions=cycle,
            related=locations[1:],
        )
