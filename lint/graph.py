"""The revision graph of one Alembic environment, modelled as Alembic models it.

Edges run parent -> child and carry their kind: `down_revision` or `depends_on`.
Heads and bases follow `down_revision` edges only (Alembic's `get_heads()` and
`get_bases()`); `depends_on` edges matter for cycles and missing parents.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from .history.deploy import DeployContext
from .lazydataclass import dataclass
from .model import RevisionFile

if TYPE_CHECKING:
    import networkx as nx

    from .history.headfile import HeadFile
    from .history.reference import RefHistory
    from .memo import RuleMemo
    from .reading.uncovered import UncoveredDirectory

DOWN = "down_revision"
DEPENDS = "depends_on"


@dataclass(frozen=True)
class Dangling:
    """A parent reference that names no revision of the environment."""

    child: RevisionFile
    parent: str
    kind: str  # DOWN or DEPENDS


class RevisionGraph:
    """Revisions of one environment and the edges between them.

    Problems that networkx would paper over are recorded before any edge is added:
    `add_edge` silently creates a missing node, so dangling parents are kept aside,
    and every file declaring an id is kept (Alembic warns about a duplicate and
    lets the later file win).
    """

    def __init__(self, files: Sequence[RevisionFile]) -> None:
        self.files: tuple[RevisionFile, ...] = tuple(files)
        self.revisions: dict[str, RevisionFile] = {}
        # every file declaring each id, in discovery order; more than one is MG104
        self.declarations: dict[str, list[RevisionFile]] = {}
        self.unreadable: list[RevisionFile] = []  # revision or down_revision not literal
        self.dangling: list[Dangling] = []
        # Copies of a duplicated id that lost to a later file: not in the graph, but
        # Alembic still reads them (self-loops, branch labels) and follows their
        # parents (it keeps every copy among its heads and walks their ancestors).
        self.shadowed: list[RevisionFile] = []
        self.shadowed_dangling: list[Dangling] = []  # parents missing from those copies
        # revisions below a version location that no location covers (MG004), set by the engine
        self.uncovered: tuple[UncoveredDirectory, ...] = ()
        # a plugin's branch of another project's history, set by the engine: its roots'
        # parents are in that history (MG103)
        self.branch_of_another = False
        self.in_code = False  # the environment's locations are partly given in code (MG103)
        # what is deployed, env.py and the database, for MG4xx (lint/history/deploy.py), set by the engine
        self.deploy = DeployContext()
        # what `head-file` holds (MG120), and REF's history with --against (MG121-MG123)
        self.head_file: HeadFile | None = None
        self.reference: RefHistory | None = None
        # the previous run's findings of the per-revision rules (lint/memo.py), set by the engine
        self.memo: RuleMemo | None = None

        for file in files:
            # a file Python cannot compile (MG001) keeps its place when its header was read
            # (reading/parse.py _uncompiled): its children's parent is there
            if not file.looks_like_revision or (file.problem is not None and file.revision is None):
                continue
            rev_id = file.revision_id
            down = file.down_revision
            if rev_id is None or (down is not None and down.is_dynamic):
                self.unreadable.append(file)
                continue
            self.declarations.setdefault(rev_id, []).append(file)
            self.revisions[rev_id] = file  # the later file wins, as in Alembic

        # Alembic resolves depends_on through its map, which also holds branch
        # labels (`alembic revision --depends-on net` writes the label itself);
        # a down_revision naming a label is still a KeyError there.
        owners = {label: rev for rev, f in self.revisions.items() for label in _literal_labels(f)}
        self._resolved_depends: dict[str, tuple[str, ...]] = {}
        self._kinds: dict[tuple[str, str], str] = {}
        self._children: dict[str, list[str]] = {r: [] for r in self.revisions}  # over down_revision
        for rev_id, file in self.revisions.items():
            for reference, kind in self._parent_refs(file):
                parent = reference
                if kind == DEPENDS and parent not in self.revisions and parent in owners:
                    parent = owners[parent]
                if kind == DEPENDS:
                    self._resolved_depends[rev_id] = (*self._resolved_depends.get(rev_id, ()), parent)
                if parent not in self.revisions:
                    self.dangling.append(Dangling(file, parent, kind))
                elif kind == DOWN or (parent, rev_id) not in self._kinds:
                    # down_revision wins over depends_on: it makes the parent a non-head
                    if kind == DOWN and self._kinds.get((parent, rev_id)) != DOWN:
                        self._children[parent].append(rev_id)
                    self._kinds[(parent, rev_id)] = kind
        self.shadowed = [file for declared in self.declarations.values() for file in declared[:-1]]
        for file in self.shadowed:
            for reference, kind in self._parent_refs(file):
                known = reference in self.revisions or (kind == DEPENDS and reference in owners)
                if not known:
                    self.shadowed_dangling.append(Dangling(file, reference, kind))
        self._out_degree: dict[str, int] = dict.fromkeys(self.revisions, 0)  # every edge kind
        for parent, _ in self._kinds:
            self._out_degree[parent] += 1
        self._labels: dict[str, frozenset[str]] | None = None

    @staticmethod
    def _parent_refs(file: RevisionFile) -> Iterator[tuple[str, str]]:
        if file.down_revision is not None:
            for parent in file.down_revision.ids:
                yield parent, DOWN
        if file.depends_on is not None and not file.depends_on.is_dynamic:
            for parent in file.depends_on.ids:
                yield parent, DEPENDS

    # -- structure -----------------------------------------------------------

    @property
    def complete(self) -> bool:
        """False when some revision's id or parents could not be read statically."""
        return not self.unreadable

    def down_revisions(self, rev_id: str) -> tuple[str, ...]:
        down = self.revisions[rev_id].down_revision
        return down.ids if down is not None else ()

    def depends_on(self, rev_id: str) -> tuple[str, ...]:
        """Revision ids this revision depends on, branch labels resolved."""
        return self._resolved_depends.get(rev_id, ())

    def children(self, rev_id: str) -> list[str]:
        """Revisions that name this one as their down_revision."""
        return self._children[rev_id]

    def heads(self) -> list[str]:
        """Revisions that no revision names as its down_revision (Alembic's heads)."""
        return [r for r in self.revisions if not self.children(r)]

    def bases(self) -> list[str]:
        """Revisions whose down_revision is None (Alembic's bases)."""
        return [r for r in self.revisions if not self.down_revisions(r)]

    def merge_points(self) -> list[str]:
        return [r for r in self.revisions if len(self.down_revisions(r)) > 1]

    def branch_points(self) -> list[str]:
        return [r for r in self.revisions if len(self.children(r)) > 1]

    def networkx(self, *, with_dependencies: bool = True) -> nx.DiGraph:
        """The graph as a networkx DiGraph, edges marked with their kind.

        Built on demand: the structure queries above run on plain dicts, and an
        acyclic history never needs networkx's algorithms (nor its import time).
        """
        import networkx as nx  # deferred: see above

        graph = nx.DiGraph()
        graph.add_nodes_from(self.revisions)
        graph.add_edges_from(
            (p, c, {"kind": k}) for (p, c), k in self._kinds.items() if with_dependencies or k == DOWN
        )
        return graph

    def descendants(self, rev_id: str) -> set[str]:
        """Every revision reachable forwards over down_revision edges."""
        seen: set[str] = set()
        stack = list(self._children[rev_id])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self._children[current])
        return seen

    def ancestors(self, rev_id: str) -> set[str]:
        """Every revision reachable backwards over down_revision edges."""
        seen: set[str] = set()
        stack = [p for p in self.down_revisions(rev_id) if p in self.revisions]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(p for p in self.down_revisions(current) if p in self.revisions)
        return seen

    def is_ancestor(self, candidate: str, rev_id: str) -> bool:
        """Whether `candidate` is reachable backwards from `rev_id` over down_revision.

        The walk skips every revision that comes before `candidate` in topological
        order: none of those can lead back to it. A merge's parents usually sit
        close together, so this stays small where a full ancestor set would walk
        the whole history for every merge.
        """
        order = self.topological_order
        if order is None:
            return candidate in self.ancestors(rev_id)
        floor = order[candidate]
        if floor >= order.get(rev_id, -1):
            return False  # an ancestor comes first (and a missing revision has none): no walk
        seen: set[str] = set()
        stack = [rev_id]
        while stack:
            current = stack.pop()
            for parent in self.down_revisions(current):
                if parent == candidate:
                    return True
                if parent in self.revisions and parent not in seen and order[parent] > floor:
                    seen.add(parent)
                    stack.append(parent)
        return False

    def earlier(self, rev_id: str, candidates: Iterable[str]) -> list[str]:
        """Those of `candidates` that `rev_id` descends from, in the order their upgrades run
        (a topological order): what the history did before it, last last."""
        candidates = [c for c in candidates if c != rev_id and c in self.revisions]
        if len(candidates) > 8:  # one walk of the ancestors rather than a walk per candidate
            ancestors = self.ancestors(rev_id)
            found = [c for c in candidates if c in ancestors]
        else:
            found = [c for c in candidates if self.is_ancestor(c, rev_id)]
        order = self.topological_order or {}
        return sorted(found, key=lambda c: order.get(c, 0))

    @functools.cached_property
    def topological_order(self) -> dict[str, int] | None:
        """Position of each revision in one topological order of all edges; None if cyclic.

        Kahn's algorithm over plain dicts: for thousands of revisions it is several
        times cheaper than asking networkx, and an acyclic history (the usual case)
        then needs no cycle search at all.
        """
        indegree = dict.fromkeys(self.revisions, 0)
        successors: dict[str, list[str]] = {r: [] for r in self.revisions}
        for parent, child in self._kinds:
            indegree[child] += 1
            successors[parent].append(child)
        ready = [r for r, d in indegree.items() if d == 0]
        order: dict[str, int] = {}
        while ready:
            current = ready.pop()
            order[current] = len(order)
            for child in successors[current]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        return order if len(order) == len(self.revisions) else None

    # -- cycles --------------------------------------------------------------

    def cycles(self, *, with_dependencies: bool, limit: int = 50) -> list[list[str]]:
        """Simple cycles, each rotated to start at its smallest id, sorted.

        An acyclic history (one Kahn pass decides) needs no search; otherwise the
        search runs per strongly connected component.
        """
        if self.topological_order is not None:
            return []  # acyclic over every edge kind
        import networkx as nx

        graph = self.networkx(with_dependencies=with_dependencies)
        found: list[list[str]] = []
        for component in nx.strongly_connected_components(graph):
            if len(component) == 1:
                (node,) = component
                if not graph.has_edge(node, node):
                    continue
            sub = graph.subgraph(component)
            for count, cycle in enumerate(nx.simple_cycles(sub)):
                if count >= limit:
                    break
                start = cycle.index(min(cycle))
                # networkx lists a cycle along parent -> child edges; Alembic users
                # read chains child -> parent, so report it in that direction.
                rotated = cycle[start:] + cycle[:start]
                found.append(rotated)
        return sorted(found)

    def edge_kind(self, parent: str, child: str) -> str:
        return self._kinds[(parent, child)]

    # -- branch labels -------------------------------------------------------

    def own_labels(self, rev_id: str) -> tuple[str, ...]:
        return _literal_labels(self.revisions[rev_id])

    def has_unreadable_labels(self, rev_id: str) -> bool:
        labels = self.revisions[rev_id].branch_labels
        return labels is not None and labels.is_dynamic

    def labels(self, rev_id: str) -> frozenset[str]:
        """Branch labels in effect for a revision, resolved as Alembic does.

        A label applies to every descendant of the revision carrying it, and to
        its ancestors down to the nearest branch or merge point (alembic
        RevisionMap._add_branches). Alembic starts that downward walk at the last
        descendant it visited, so a branch or merge point anywhere below the
        labelled revision stops it before the ancestors: mirrored here. A label that cannot be read propagates as the
        marker "?" so that heads on such branches are never called accidental.
        """
        if self._labels is None:
            self._labels = self._resolve_labels()
        return self._labels.get(rev_id, frozenset())

    def _resolve_labels(self) -> dict[str, frozenset[str]]:
        labels: dict[str, set[str]] = {r: set() for r in self.revisions}
        for rev_id in self.revisions:
            own = set(self.own_labels(rev_id))
            if self.has_unreadable_labels(rev_id):
                own.add("?")
            if not own:
                continue
            descendants = self.descendants(rev_id)
            for node in descendants | {rev_id}:
                labels[node] |= own
            if any(self._out_degree[n] > 1 or len(self.down_revisions(n)) > 1 for n in descendants):
                continue
            parent: str | None = rev_id
            walked: set[str] = set()
            while parent is not None and parent not in walked:  # a cycle ends the walk (MG101)
                walked.add(parent)
                # Alembic stops at a "real" branch point, counting depends_on children
                if self._out_degree[parent] > 1 or len(self.down_revisions(parent)) > 1:
                    break
                labels[parent] |= own
                downs = [p for p in self.down_revisions(parent) if p in self.revisions]
                parent = downs[0] if downs else None
        return {r: frozenset(v) for r, v in labels.items()}


def _literal_labels(file: RevisionFile) -> tuple[str, ...]:
    labels = file.branch_labels
    return labels.ids if labels is not None and not labels.is_dynamic else ()
