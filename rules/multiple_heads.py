from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic, Location
from ..rule import Example, GraphRule
from ._listing import LIMIT, SPELLED_OUT, listed


def divergence(graph: RevisionGraph, heads: list[str]) -> list[str]:
    """The nearest common ancestors of the heads: where the branches split."""
    common = _common_ancestors(graph, heads)
    # c is nearest unless a descendant of it is common too; then a child of c on the
    # way there is common as well, so looking at children is enough (linear, where
    # comparing ancestor sets pairwise took a minute on 5,000 branchy revisions).
    return sorted(c for c in common if not any(child in common for child in graph.children(c)))


def _common_ancestors(graph: RevisionGraph, heads: list[str]) -> set[str]:
    """Revisions every head descends from (each head counting as its own ancestor).

    One pass from the heads towards the bases carries, as an integer bitset, the
    heads reachable from each revision: linear however many heads there are.
    """
    order = graph.topological_order
    if order is None:  # a cycle: MG101 reports it; fall back to plain sets
        return set.intersection(*(graph.ancestors(h) | {h} for h in heads))
    bit = {head: 1 << index for index, head in enumerate(heads)}
    everything = (1 << len(heads)) - 1
    reach: dict[str, int] = {}
    for rev_id in sorted(graph.revisions, key=order.__getitem__, reverse=True):
        mask = bit.get(rev_id, 0)
        for child in graph.children(rev_id):
            mask |= reach.get(child, 0)
        reach[rev_id] = mask
    return {rev_id for rev_id, mask in reach.items() if mask == everything}


def accidental_heads(graph: RevisionGraph) -> list[str]:
    """The heads MG102 reports: those not on a labelled branch of their own (sorted);
    none while the head count is unreliable (an unreadable or dangling down_revision)."""
    if not graph.complete or any(ref.kind == "down_revision" for ref in graph.dangling):
        # An unreadable or dangling down_revision would attach somewhere we
        # cannot know: the head count is unreliable, and MG003/MG103 say why.
        return []
    heads = sorted(graph.heads())
    if len(heads) < 2:
        return []
    labels = {h: graph.labels(h) for h in heads}
    # A head is on its own branch when one of its labels is on no other head.
    heads_with = Counter(label for head in heads for label in labels[head])
    accidental = [
        head
        for head in heads
        if "?" not in labels[head] and not any(heads_with[label] == 1 for label in labels[head])
    ]
    return accidental if len(accidental) >= 2 else []


def branch_start(graph: RevisionGraph, head: str, other: str) -> str | None:
    """The first revision of the branch that leads to `head` and not to `other`, when the
    branch is a plain line from there (no merge in it): what `miglint rebase` re-points."""
    branch = (graph.ancestors(head) | {head}) - (graph.ancestors(other) | {other})
    starts = [rev for rev in branch if not set(graph.down_revisions(rev)) <= branch]
    if len(starts) != 1 or len(graph.down_revisions(starts[0])) != 1:
        return None
    if any(len(graph.down_revisions(rev)) > 1 for rev in branch):
        return None
    return starts[0]


def _rebase_advice(graph: RevisionGraph, head: str, other: str) -> str:
    """`miglint rebase` for the branch of `head`, when it may be unreleased: with
    --against, when none of its revisions is on REF (and the other head's is); without,
    offered as a choice only the team can make."""
    start = branch_start(graph, head, other)
    if start is None:
        return ""
    reference = graph.reference
    if reference is None:
        return f" (or, if this branch is unreleased, make the history linear: miglint rebase {start} --onto {other})"
    branch = (graph.ancestors(head) | {head}) - graph.ancestors(other)
    if any(rev in reference.revisions for rev in branch) or other not in reference.revisions:
        return ""
    return (
        f" (or, as this branch is not on {reference.ref}, make the history linear: "
        f"miglint rebase {start} --onto {other})"
    )


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
    `down_revision = ("b1", "b2")`. Or, when one branch has not been released (no
    database has run it), keep the history linear: `miglint rebase b2 --onto b1` makes
    the first revision of that branch revise the other head. With two heads the help
    offers that command for each head's branch when it is a plain line; with
    `--against REF`, only for a branch none of whose revisions is on REF, onto a head
    REF has. Each finding names the first ten heads; with more than
    fifty, the help merges them all with `alembic merge -m "merge N heads" heads`.
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
        accidental = accidental_heads(graph)
        if not accidental:
            return
        split = divergence(graph, accidental)
        where = f"diverged at {listed(split)}" if split else "share no common ancestor"
        names = listed(accidental)
        named = tuple(accidental[:LIMIT])
        if len(accidental) <= SPELLED_OUT:
            command = f'alembic merge -m "merge heads {" and ".join(accidental)}" {" ".join(accidental)}'
        else:  # Alembic's `heads` names them all: a command of every id per head grows as N squared
            command = f'alembic merge -m "merge {len(accidental)} heads" heads'
        # with two heads, one branch may be re-pointed onto the other instead of merged
        other_of = (
            {accidental[0]: accidental[1], accidental[1]: accidental[0]} if len(accidental) == 2 else {}
        )
        for head in accidental:
            path, span = self.at_revision(graph, head)
            yield self.diagnostic(
                path,
                span,
                f"revision {head} is one of {len(accidental)} heads ({names}), which {where}",
                help=f"run: {command}" + (_rebase_advice(graph, head, other_of[head]) if other_of else ""),
                revisions=accidental
                if len(accidental) <= SPELLED_OUT
                else (head, *(n for n in named if n != head)),
                related=[
                    Location(*self.at_revision(graph, other), note=f"head {other}")
                    for other in [o for o in accidental[: LIMIT + 1] if o != head][:LIMIT]
                ],
            )
