"""Pictures of one environment's history: a Graphviz description, Mermaid source, a text tree.

graph + diagnostics -> View (what to draw, every mark decided once) -> one of three
formats. Pure functions, no I/O: cli.py turns the Graphviz description into bytes.
Every list is kept in one canonical order (the graph's file order, which is the
order Alembic loads files in), so the same history always gives the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from ..graph import DEPENDS, DOWN, RevisionGraph
from ..lazydataclass import dataclass, field
from ..model import Diagnostic

if TYPE_CHECKING:
    import graphviz

MESSAGE_WIDTH = 40  # characters of a message shown in a picture's box
FILE_WIDTH = 44
ID_WIDTH = 32  # hand-written ids (`2230add_keyword_templates`) read better whole
SHORT_ID = 12  # what a longer id is cut to: Alembic's generated ids are 12 hex digits
TEXT_MESSAGE_WIDTH = 60

# Structural roles, in the order their tags are printed.
BASE, BASELINE, HEAD, MERGE, BRANCH = "base", "baseline", "head", "merge", "branch"
ROLES = (BASE, BASELINE, HEAD, MERGE, BRANCH)


# -- what to draw ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanMarks:
    """An upgrade from a stamp (lint/plan.py): the revisions it runs, in order."""

    stamp: str | None
    runs: tuple[str, ...]


@dataclass(frozen=True)
class Node:
    name: str  # n0, n1, ... in canonical order: safe in DOT and Mermaid alike
    rev: str
    message: str  # first line of the docstring message, whole
    file: str  # file name
    href: str
    roles: frozenset[str]
    labels: tuple[str, ...] = ()  # the branch labels the file declares
    declared: int = 1  # files declaring this id: more than one is MG104
    problems: tuple[Diagnostic, ...] = ()
    step: int | None = None  # 1-based position in the upgrade plan
    skipped: bool = False  # a plan is shown and does not run this revision
    stamped: bool = False
    hidden: tuple[str, ...] = ()  # in a cut: "parents", "children" left out of the view


@dataclass(frozen=True)
class Edge:
    parent: str  # node names
    child: str
    kind: str  # DOWN or DEPENDS
    in_cycle: bool = False


@dataclass(frozen=True)
class Missing:
    """A parent that names no revision (MG103), drawn as a ghost above its child.

    `unreadable`: a file that looks like it declares the id could not be read
    statically (MG003), so the parent may well exist.
    """

    name: str
    rev: str
    child: str  # node name
    kind: str
    unreadable: bool = False

    @property
    def why(self) -> str:
        return "cannot be read statically" if self.unreadable else "does not exist"


@dataclass(frozen=True)
class Unplaced:
    """A file with findings that is not in the graph (it did not parse, has no id, ...)."""

    name: str
    file: str
    href: str
    problems: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class View:
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    missing: tuple[Missing, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()
    plan: PlanMarks | None = None
    baseline: str | None = None
    by_name: Mapping[str, Node] = field(default_factory=dict, compare=False, repr=False)

    def node(self, name: str) -> Node:
        return self.by_name[name]


def build_view(
    graph: RevisionGraph,
    diagnostics: Iterable[Diagnostic] = (),
    *,
    title: str = "",
    baseline: str | None = None,
    keep: Collection[str] | None = None,
    plan: PlanMarks | None = None,
    link: Callable[[str], str] = lambda path: path,
) -> View:
    """Everything a picture shows, decided once for all three formats.

    `keep` limits the view to those revisions (a cut); `link` turns a file's path
    into the relative link its node carries.
    """
    kept = [r for r in graph.revisions if keep is None or r in keep]
    hidden = _hidden(graph, keep) if keep is not None else {}
    names = {rev: f"n{index}" for index, rev in enumerate(kept)}
    problems, unplaced = _problems_by_revision(graph, diagnostics)
    roles = _roles(graph, baseline)
    runs = {rev: step for step, rev in enumerate(plan.runs, 1)} if plan else {}
    nodes = tuple(
        Node(
            name=names[rev],
            rev=rev,
            message=first_line(graph.revisions[rev].message),
            file=os.path.basename(graph.revisions[rev].path),
            href=link(graph.revisions[rev].path),
            roles=roles.get(rev, frozenset()),
            labels=graph.own_labels(rev),
            declared=len(graph.declarations.get(rev, ())) or 1,
            problems=tuple(problems.get(rev, ())),
            step=runs.get(rev),
            skipped=plan is not None and rev not in runs,
            stamped=plan is not None and rev == plan.stamp,
            hidden=hidden.get(rev, ()),
        )
        for rev in kept
    )
    edges = _edges(graph, names)
    unread = _unreadable_ids(graph)
    dangling = [d for d in graph.dangling if d.child.revision_id in names]
    missing = tuple(
        Missing(f"m{index}", d.parent, names[str(d.child.revision_id)], d.kind, d.parent in unread)
        for index, d in enumerate(dangling)
    )
    loose = () if keep is not None else _unplaced(unplaced, link)
    return View(
        title=title,
        nodes=nodes,
        edges=edges,
        missing=missing,
        unplaced=loose,
        plan=plan,
        baseline=baseline,
        by_name={n.name: n for n in nodes},
    )


def first_line(message: str | None) -> str:
    lines = (message or "").strip().splitlines()
    return lines[0].strip() if lines else ""


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    return text if len(text) <= width else text[: width - len(ellipsis)].rstrip() + ellipsis


def short_id(rev: str) -> str:
    return rev if len(rev) <= ID_WIDTH else rev[:SHORT_ID] + "…"


def _hidden(graph: RevisionGraph, keep: Collection[str]) -> dict[str, tuple[str, ...]]:
    """Which neighbours of each kept revision a cut leaves out, so the reader knows."""
    parents, children = neighbours(graph)
    found: dict[str, tuple[str, ...]] = {}
    for rev in keep:
        sides = (("parents", parents[rev]), ("children", children[rev]))
        found[rev] = tuple(side for side, revs in sides if any(r not in keep for r in revs))
    return found


def _unreadable_ids(graph: RevisionGraph) -> set[str]:
    """Ids that files left out of the graph may declare: their literal id, else the id
    their name starts with (Alembic names files `<id>_<slug>.py`)."""
    ids: set[str] = set()
    for file in graph.unreadable:
        ids.add(file.revision_id or os.path.basename(file.path).split("_", 1)[0])
    return ids


def _roles(graph: RevisionGraph, baseline: str | None) -> dict[str, frozenset[str]]:
    """Roles in the whole history: a cut never turns a revision into a head or a base."""
    found: dict[str, set[str]] = {}
    for role, revs in (
        (BASE, graph.bases()),
        (HEAD, graph.heads()),
        (MERGE, graph.merge_points()),
        (BRANCH, graph.branch_points()),
        (BASELINE, [baseline] if baseline in graph.revisions else []),
    ):
        for rev in revs:
            found.setdefault(rev, set()).add(role)
    return {rev: frozenset(roles) for rev, roles in found.items()}


def _problems_by_revision(
    graph: RevisionGraph, diagnostics: Iterable[Diagnostic]
) -> tuple[dict[str, list[Diagnostic]], dict[str, list[Diagnostic]]]:
    """Findings by the revision their file declares; the rest by file.

    Every file declaring an id counts, so both copies of a duplicated id (MG104)
    land on the one node the graph keeps.
    """
    owner = {os.path.normpath(f.path): rev for rev, files in graph.declarations.items() for f in files}
    placed: dict[str, list[Diagnostic]] = {}
    loose: dict[str, list[Diagnostic]] = {}
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        rev = owner.get(os.path.normpath(diagnostic.path))
        if rev is not None and rev in graph.revisions:
            placed.setdefault(rev, []).append(diagnostic)
        else:
            loose.setdefault(diagnostic.path, []).append(diagnostic)
    return placed, loose


def _unplaced(loose: Mapping[str, Sequence[Diagnostic]], link: Callable[[str], str]) -> tuple[Unplaced, ...]:
    return tuple(
        Unplaced(f"u{index}", os.path.basename(path), link(path), tuple(found))
        for index, (path, found) in enumerate(sorted(loose.items()))
    )


def _edges(graph: RevisionGraph, names: Mapping[str, str]) -> tuple[Edge, ...]:
    """Parent -> child edges between shown revisions; down_revision wins over depends_on."""
    in_cycle = _cycle_edges(graph)
    edges: list[Edge] = []
    for child in names:
        downs = graph.down_revisions(child)
        linked = [(p, DOWN) for p in downs] + [
            (p, DEPENDS) for p in graph.depends_on(child) if p not in downs
        ]
        for parent, kind in dict(linked).items():
            if parent in names:
                cyclic = (parent, child) in in_cycle
                edges.append(Edge(names[parent], names[child], kind, cyclic))
    return tuple(edges)


def _cycle_edges(graph: RevisionGraph) -> set[tuple[str, str]]:
    """Every (parent, child) edge that lies on some cycle, of either edge kind."""
    found: set[tuple[str, str]] = set()
    for cycle in graph.cycles(with_dependencies=True):
        for a, b in zip(cycle, [*cycle[1:], cycle[0]]):
            found.update(pair for pair in ((a, b), (b, a)) if _linked(graph, *pair))
    return found


def _linked(graph: RevisionGraph, parent: str, child: str) -> bool:
    return parent in graph.down_revisions(child) or parent in graph.depends_on(child)


# -- cuts ------------------------------------------------------------------------------


def neighbours(graph: RevisionGraph) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Parents and children of every revision over both edge kinds (present revisions only)."""
    parents: dict[str, list[str]] = {r: [] for r in graph.revisions}
    children: dict[str, list[str]] = {r: [] for r in graph.revisions}
    for child in graph.revisions:
        for parent in dict.fromkeys((*graph.down_revisions(child), *graph.depends_on(child))):
            if parent in graph.revisions:
                parents[child].append(parent)
                children[parent].append(child)
    return parents, children


def _reach(start: Iterable[str], step: Mapping[str, Sequence[str]], depth: int | None = None) -> set[str]:
    """Breadth-first: everything within `depth` steps of start (no limit when None)."""
    seen = set(start)
    frontier = list(seen)
    level = 0
    while frontier and (depth is None or level < depth):
        frontier = list(dict.fromkeys(n for r in frontier for n in step[r] if n not in seen))
        seen.update(frontier)
        level += 1
    return seen


def cut(
    graph: RevisionGraph,
    *,
    from_rev: str | None = None,
    to_rev: str | None = None,
    around: str | None = None,
    depth: int = 2,
) -> set[str]:
    """The revisions a subgraph keeps: `from_rev` and what follows it, `to_rev` and what
    it needs (both: what lies between), `around` and everything within `depth` edges."""
    parents, children = neighbours(graph)
    keep = set(graph.revisions)
    if from_rev is not None:
        keep &= _reach([from_rev], children)
    if to_rev is not None:
        keep &= _reach([to_rev], parents)
    if around is not None:
        both = {r: parents[r] + children[r] for r in graph.revisions}
        keep &= _reach([around], both, depth)
    return keep


# -- Graphviz --------------------------------------------------------------------------

FONT = "Helvetica,Arial,sans-serif"
RED = "#dc2626"
FILL = {BASE: "#dbeafe", HEAD: "#dcfce7", BASELINE: "#fde68a"}
PLAN_FILL = {"runs": "#bbf7d0", "skipped": "#e5e7eb"}
GREY = "#4b5563"
STAMP = "#1d4ed8"
# dot's network simplex (x coordinates) and crossing minimisation grow fastest with size.
# On 5,000 revisions with a fork or a merge every few revisions these limits cut the
# layout from 63 s to 5.5 s here; a mostly linear history lays out in 1.1 s either way.
LARGE = 1000
LARGE_LAYOUT = {"nslimit": "0.2", "mclimit": "0.2"}
# Square corners and a coloured border; a merge also has its corners cut. Graphviz
# grows trapezia and hexagons far beyond their label, so shapes stay boxes.
JOINT = {MERGE: "#6d28d9", BRANCH: "#0e7490"}


def to_graphviz(view: View) -> graphviz.Digraph:
    """The picture as a Graphviz description: base at the top, heads at the bottom."""
    import graphviz  # deferred: linting never needs it

    dot = graphviz.Digraph(
        "miglint",
        graph_attr={
            "rankdir": "TB",
            "label": _html_text(view.title),
            "labelloc": "t",
            "fontname": FONT,
            "fontsize": "14",
            "nodesep": "0.25",
            "ranksep": "0.3",
            "bgcolor": "white",
            "tooltip": view.title or " ",
            **(LARGE_LAYOUT if len(view.nodes) >= LARGE else {}),
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": "white",
            "fontname": FONT,
            "fontsize": "11",
            "margin": "0.12,0.05",
            "penwidth": "1.2",
        },
        edge_attr={"color": GREY, "arrowsize": "0.7", "fontname": FONT, "fontsize": "9"},
    )
    _legend(dot, view)
    for node in view.nodes:
        dot.node(node.name, **_node_attrs(node))
    for missing in view.missing:
        dot.node(missing.name, **_missing_attrs(missing))
        dot.edge(
            missing.name, missing.child, color=RED, style="dashed", tooltip=f"{missing.rev} does not exist"
        )
    for edge in view.edges:
        dot.edge(edge.parent, edge.child, **_edge_attrs(view, edge))
    if view.unplaced:
        with dot.subgraph(name="cluster_unplaced") as loose:
            loose.attr(label="files with findings that are not in the graph", fontsize="11", style="dashed")
            for item in view.unplaced:
                loose.node(item.name, **_unplaced_attrs(item))
    return dot


def _node_attrs(node: Node) -> dict[str, str]:
    attrs = {
        "label": _node_label(node),
        "tooltip": _tooltip(node),
        "URL": node.href,
        "id": f"revision-{node.rev}",
        "class": " ".join(["revision", *_classes(node)]),
    }
    attrs.update(_joint(node.roles))
    fill = _fill(node)
    if fill:
        attrs["fillcolor"] = fill
    if HEAD in node.roles:
        attrs["peripheries"] = "2"
    if BASELINE in node.roles:
        attrs["penwidth"] = "3"
    if node.stamped:
        attrs.update(color=STAMP, penwidth="3")
    if node.problems:
        attrs.update(color=RED, penwidth="3")
    if node.skipped:
        attrs["fontcolor"] = GREY
    return attrs


def _classes(node: Node) -> list[str]:
    tags = [role for role in ROLES if role in node.roles]
    if node.problems:
        tags.append("problem")
    if node.step is not None:
        tags.append("runs")
    if node.skipped:
        tags.append("skipped")
    if node.stamped:
        tags.append("stamp")
    return tags


def _joint(roles: frozenset[str]) -> dict[str, str]:
    """How a merge or branch point differs from a plain revision."""
    if MERGE in roles:
        return {"style": "filled,diagonals", "color": JOINT[MERGE], "penwidth": "2"}
    if BRANCH in roles:
        return {"style": "filled", "color": JOINT[BRANCH], "penwidth": "2"}
    return {}


def _fill(node: Node) -> str | None:
    if node.step is not None:
        return PLAN_FILL["runs"]
    if node.skipped:
        return PLAN_FILL["skipped"]
    if BASELINE in node.roles:
        return FILL[BASELINE]
    if BASE in node.roles and HEAD in node.roles:
        return f"{FILL[BASE]}:{FILL[HEAD]}"  # a gradient: the only revision of its line
    for role in (BASE, HEAD):
        if role in node.roles:
            return FILL[role]
    return None


def _tags(node: Node) -> list[str]:
    names = {BASE: "base", BASELINE: "baseline", HEAD: "head", MERGE: "merge", BRANCH: "branch point"}
    tags = [names[role] for role in ROLES if role in node.roles]
    tags += [f"label {label}" for label in node.labels]
    if node.declared > 1:
        tags.append(f"declared in {node.declared} files")
    if node.stamped:
        tags.append("stamped here")
    if node.step is not None:
        tags.append(f"step {node.step}")
    elif node.skipped and not node.stamped:
        tags.append("skipped")
    tags += [f"{side} not shown" for side in node.hidden]
    return tags


def _node_label(node: Node) -> str:
    rows = [f"<B>{_html(short_id(node.rev))}</B>"]
    if node.message:
        rows.append(_html(truncate(node.message, MESSAGE_WIDTH)))
    else:
        rows.append(f'<FONT COLOR="{GREY}"><I>(no message)</I></FONT>')
    rows.append(f'<FONT POINT-SIZE="9" COLOR="{GREY}">{_html(_middle(node.file, FILE_WIDTH))}</FONT>')
    tags = _tags(node)
    if tags:
        rows.append(f'<FONT POINT-SIZE="9" COLOR="#1e40af">{_html(" · ".join(tags))}</FONT>')
    if node.problems:
        codes = " ".join(dict.fromkeys(d.code for d in node.problems))
        rows.append(f'<FONT POINT-SIZE="10" COLOR="{RED}"><B>{_html(codes)}</B></FONT>')
    return _table(rows)


def _table(rows: Sequence[str]) -> str:
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{cells}</TABLE>>'


def _tooltip(node: Node) -> str:
    lines = [node.rev, node.message] if node.message else [node.rev]
    lines += [f"{d.code} {d.severity}: {d.message}" for d in node.problems]
    return "\n".join(lines)


def _middle(text: str, width: int) -> str:
    """A file name cut in the middle: its id prefix and `.py` both stay readable."""
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: keep - keep // 3] + "…" + text[-(keep // 3) :]


def _missing_attrs(missing: Missing) -> dict[str, str]:
    return {
        "label": _table(
            [f"<B>{_html(short_id(missing.rev))}</B>", f'<FONT COLOR="{RED}">{missing.why}</FONT>']
        ),
        "style": "rounded,dashed",
        "color": RED,
        "fillcolor": "white",
        "tooltip": f"{missing.rev}: named as a parent ({missing.kind}), but it {missing.why}",
        "class": "missing",
    }


def _unplaced_attrs(item: Unplaced) -> dict[str, str]:
    codes = " ".join(dict.fromkeys(d.code for d in item.problems))
    return {
        "label": _table(
            [_html(_middle(item.file, FILE_WIDTH)), f'<FONT COLOR="{RED}"><B>{_html(codes)}</B></FONT>']
        ),
        "shape": "note",
        "style": "filled",
        "color": RED,
        "penwidth": "2",
        "tooltip": "\n".join(f"{d.code} {d.severity}: {d.message}" for d in item.problems),
        "URL": item.href,
        "class": "unplaced problem",
    }


def _edge_attrs(view: View, edge: Edge) -> dict[str, str]:
    parent, child = view.node(edge.parent).rev, view.node(edge.child).rev
    attrs = {"tooltip": f"{child} {'depends on' if edge.kind == DEPENDS else 'revises'} {parent}"}
    if edge.kind == DEPENDS:
        attrs["style"] = "dashed"
    if edge.in_cycle:
        attrs.update(color=RED, penwidth="2.2", **{"class": "cycle"})
    return attrs


def _legend(dot: graphviz.Digraph, view: View) -> None:
    """Sample nodes and edges in a box of their own, one row: the marks this picture uses."""
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", fontsize="11", style="rounded", color="#9ca3af", fontcolor=GREY)
        legend.attr("node", fontsize="10", margin="0.08,0.03", tooltip="legend")
        with legend.subgraph() as row:
            row.attr(rank="same")
            for index, (label, attrs) in enumerate(_legend_nodes(view)):
                row.node(f"legend{index}", label=label, **attrs)
            _legend_edges(row, view)


def _legend_nodes(view: View) -> list[tuple[str, dict[str, str]]]:
    roles = {role for node in view.nodes for role in node.roles}
    samples: list[tuple[str, dict[str, str]]] = []
    if BASE in roles and view.plan is None:  # the plan's colours replace the fills
        samples.append(("base", {"fillcolor": FILL[BASE]}))
    if HEAD in roles:
        samples.append(("head", {"peripheries": "2", **({} if view.plan else {"fillcolor": FILL[HEAD]})}))
    if view.baseline:
        label = f"baseline\n{short_id(view.baseline)}" + ("" if BASELINE in roles else "\n(not in history)")
        samples.append((label, {"fillcolor": FILL[BASELINE], "penwidth": "3"}))
    samples += [
        (name, _joint(frozenset([role])))
        for role, name in ((MERGE, "merge point"), (BRANCH, "branch point"))
        if role in roles
    ]
    if any(node.problems for node in view.nodes) or view.unplaced:
        samples.append(("has findings\n(hover for them)", {"color": RED, "penwidth": "3"}))
    if view.missing:
        samples.append(("missing parent", {"color": RED, "style": "rounded,dashed", "fontcolor": RED}))
    if view.plan is not None:
        stamp = short_id(view.plan.stamp) if view.plan.stamp else "an empty database"
        samples += [
            (f"step n: runs n-th when\nupgrading from {stamp}", {"fillcolor": PLAN_FILL["runs"]}),
            ("skipped: applied\nor not needed", {"fillcolor": PLAN_FILL["skipped"], "fontcolor": GREY}),
        ]
        if view.plan.stamp:
            samples.append(
                ("stamped here", {"color": STAMP, "penwidth": "3", "fillcolor": PLAN_FILL["skipped"]})
            )
    return samples


def _legend_edges(row: graphviz.Digraph, view: View) -> None:
    """Edges drawn sideways between points: the kinds of line this picture uses."""
    kinds: list[tuple[str, dict[str, str]]] = [("down_revision", {})]
    if any(edge.kind == DEPENDS for edge in view.edges):
        kinds.append(("depends_on", {"style": "dashed"}))
    if any(edge.in_cycle for edge in view.edges):
        kinds.append(("in a cycle", {"color": RED, "penwidth": "2.2"}))
    for index, (label, attrs) in enumerate(kinds):
        tail, head = f"legend_edge{index}a", f"legend_edge{index}b"
        row.node(tail, label="", shape="point", width="0.05")
        row.node(head, label="", shape="point", width="0.05")
        row.edge(tail, head, label=label, tooltip=label, **attrs)


def _html(text: str) -> str:
    """Text for a Graphviz HTML-like label."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", " ")
    )


def _html_text(text: str) -> str:
    return f"<{_html(text)}>" if text else ""


# -- Mermaid ---------------------------------------------------------------------------

MERMAID_CLASSES = {
    BASE: f"fill:{FILL[BASE]},stroke:#1e3a8a",
    BASELINE: f"fill:{FILL[BASELINE]},stroke:#92400e,stroke-width:3px",
    HEAD: f"fill:{FILL[HEAD]},stroke:#166534,stroke-width:3px",
    MERGE: f"stroke:{JOINT[MERGE]},stroke-width:2px",
    BRANCH: f"stroke:{JOINT[BRANCH]},stroke-width:2px",
    "problem": f"stroke:{RED},stroke-width:3px,color:#7f1d1d",
    "runs": f"fill:{PLAN_FILL['runs']}",
    "skipped": f"fill:{PLAN_FILL['skipped']},color:{GREY}",
    "missing": f"fill:#ffffff,stroke:{RED},stroke-dasharray:4 3",
    "stamp": f"stroke:{STAMP},stroke-width:3px",
}


def to_mermaid(view: View) -> str:
    """`flowchart TB` source for a Markdown ```mermaid block (GitHub renders it)."""
    lines = ["flowchart TB"]
    if view.title:
        lines.insert(0, f"%% {view.title}")
    lines += [f"    classDef {name} {style}" for name, style in MERMAID_CLASSES.items()]
    lines += [f"    {node.name}{_mermaid_shape(node.roles, _mermaid_label(node))}" for node in view.nodes]
    links: list[str] = []
    red: list[int] = []
    for missing in view.missing:
        lines.append(f'    {missing.name}["{_mermaid_text(missing.rev)}<br/>{missing.why}"]')
        links.append(f"    {missing.name} -.-> {missing.child}")
        red.append(len(links) - 1)
    for edge in view.edges:
        links.append(f"    {edge.parent} {'-.->' if edge.kind == DEPENDS else '-->'} {edge.child}")
        if edge.in_cycle:
            red.append(len(links) - 1)
    lines += links
    if view.unplaced:
        lines.append('    subgraph unplaced["files with findings that are not in the graph"]')
        for item in view.unplaced:
            codes = " ".join(dict.fromkeys(d.code for d in item.problems))
            lines.append(f'        {item.name}["{_mermaid_text(item.file)}<br/>{codes}"]')
        lines.append("    end")
    lines += _mermaid_classes(view)
    if red:
        lines.append(f"    linkStyle {','.join(map(str, red))} stroke:{RED},stroke-width:2px")
    return "\n".join(lines) + "\n"


def _mermaid_shape(roles: frozenset[str], label: str) -> str:
    """Square corners for merge and branch points, rounded for the rest, as in Graphviz."""
    return f"[{label}]" if MERGE in roles or BRANCH in roles else f"({label})"


def _mermaid_label(node: Node) -> str:
    parts = [f"<b>{_mermaid_text(short_id(node.rev))}</b>"]
    if node.message:
        parts.append(_mermaid_text(truncate(node.message, MESSAGE_WIDTH)))
    parts.append(f"<i>{_mermaid_text(_middle(node.file, FILE_WIDTH))}</i>")
    tags = _tags(node)
    if tags:
        parts.append(_mermaid_text(" · ".join(tags)))
    if node.problems:
        parts.append(_mermaid_text(" ".join(dict.fromkeys(d.code for d in node.problems))))
    return '"' + "<br/>".join(parts) + '"'


def _mermaid_text(text: str) -> str:
    """Mermaid's entity codes: a quoted label may hold anything but these."""
    return (
        text.replace("#", "#35;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("\n", " ")
    )


def _mermaid_classes(view: View) -> list[str]:
    members: dict[str, list[str]] = {name: [] for name in MERMAID_CLASSES}
    for node in view.nodes:
        for tag in _classes(node):
            if tag in members:
                members[tag].append(node.name)
    members["missing"] = [m.name for m in view.missing]
    members["problem"] += [u.name for u in view.unplaced]
    return [f"    class {','.join(names)} {name}" for name, names in members.items() if names]


# -- text tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class Glyphs:
    tee: str
    last: str
    pipe: str
    blank: str
    ellipsis: str


BOX = Glyphs("├─→ ", "└─→ ", "│   ", "    ", "…")
ASCII = Glyphs("|-> ", "`-> ", "|   ", "    ", "...")


def to_text(view: View, *, ascii: bool = False) -> str:
    """The chain as a terminal tree, in the style of a hand-drawn one.

    A line that continues the column above it revises that line; a fork starts
    a new column (├─→). Each revision appears once; a merge reached again from its
    other parent is a reference back (`└─→ ab68d77b5088 (merge, drawn above)`).
    """
    glyphs = ASCII if ascii else BOX
    tree = _Tree(view, glyphs)
    lines = [view.title] if view.title else []
    lines += tree.draw()
    if view.unplaced:
        lines.append("")
        lines.append("files with findings that are not in the graph:")
        for item in view.unplaced:
            codes = " ".join(f"[{code}]" for code in dict.fromkeys(d.code for d in item.problems))
            lines.append(f"{glyphs.blank}{item.file} {codes}")
    return "\n".join(lines) + "\n"


class _Tree:
    """Depth-first over down_revision edges, iteratively: histories can be thousands deep."""

    def __init__(self, view: View, glyphs: Glyphs) -> None:
        self.view = view
        self.glyphs = glyphs
        self.children: dict[str, list[str]] = {n.name: [] for n in view.nodes}
        self.parents: dict[str, list[str]] = {n.name: [] for n in view.nodes}
        self.depends: dict[str, list[str]] = {n.name: [] for n in view.nodes}
        for edge in view.edges:
            if edge.kind == DOWN:
                self.children[edge.parent].append(edge.child)
                self.parents[edge.child].append(edge.parent)
            else:
                self.depends[edge.child].append(edge.parent)
        self.missing: dict[str, list[Missing]] = {}
        for missing in view.missing:
            self.missing.setdefault(missing.child, []).append(missing)
        self.drawn: set[str] = set()

    def draw(self) -> list[str]:
        roots = [n.name for n in self.view.nodes if not self.parents[n.name]]
        lines = ["<base>", *self._forest(roots, "")] if roots or not self.view.nodes else []
        # What no base leads to: a down_revision cycle and whatever follows it.
        for node in self.view.nodes:
            if node.name not in self.drawn:
                lines.append("<not reached from a base: a cycle>")
                lines += self._forest([node.name], "")
        return lines

    def _forest(self, roots: Sequence[str], indent: str) -> Iterator[str]:
        # Each stack entry: (node, its connector line prefix, the indent under it, path above it)
        stack: list[tuple[str, str, str, frozenset[str]]] = []
        for index, root in reversed(list(enumerate(roots))):
            last = index == len(roots) - 1
            stack.append(self._branch(root, indent, last, frozenset()))
        while stack:
            name, prefix, below, path = stack.pop()
            if name in self.drawn:
                yield prefix + self._reference(name, path)
                continue
            self.drawn.add(name)
            yield prefix + self._line(name)
            path = path | {name}
            stack.extend(reversed(self._next(name, below, path)))

    def _branch(
        self, name: str, indent: str, last: bool, path: frozenset[str]
    ) -> tuple[str, str, str, frozenset[str]]:
        connector = self.glyphs.last if last else self.glyphs.tee
        return name, indent + connector, indent + (self.glyphs.blank if last else self.glyphs.pipe), path

    def _next(
        self, name: str, below: str, path: frozenset[str]
    ) -> list[tuple[str, str, str, frozenset[str]]]:
        """A single child not drawn yet continues the column; anything else forks.

        References back come first, so the line that goes on is drawn last and
        needs no `│` beside it.
        """
        children = self.children[name]
        if len(children) == 1 and children[0] not in self.drawn:
            return [(children[0], below, below, path)]
        children = sorted(children, key=lambda c: c not in self.drawn)
        return [self._branch(c, below, i == len(children) - 1, path) for i, c in enumerate(children)]

    def _reference(self, name: str, path: frozenset[str]) -> str:
        node = self.view.node(name)
        kind = "cycle" if name in path else "merge" if MERGE in node.roles else "revision"
        return f"{node.rev} ({kind}, drawn above)"

    def _line(self, name: str) -> str:
        node = self.view.node(name)
        text = node.rev
        if node.message:
            text += f" ({truncate(node.message, TEXT_MESSAGE_WIDTH, self.glyphs.ellipsis)})"
        notes = [f"depends on {self.view.node(p).rev}" for p in self.depends[name]]
        notes += [
            f"{'depends on' if m.kind == DEPENDS else 'revises'} {m.rev}, which {m.why}"
            for m in self.missing.get(name, ())
        ]
        if notes:
            text += f" ({'; '.join(notes)})"
        marks = _tags(node)
        marks = [BRANCH if m == "branch point" else m for m in marks]
        marks += list(dict.fromkeys(d.code for d in node.problems))
        return text + "".join(f" [{m}]" for m in marks)
