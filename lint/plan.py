"""What `alembic upgrade <to>` runs on a database stamped at a revision, worked out statically.

Mirrors Alembic 1.20's `ScriptDirectory._upgrade_revs(destination, current_heads)`:
`RevisionMap._collect_upgrade_revisions(..., implicit_base=True)` picks the set, and
`RevisionMap._topological_sort` orders it (head to base; the upgrade runs it reversed).
Identifiers resolve as `RevisionMap.get_revisions` resolves them: `head`, `heads`,
`base`, revision ids, unique prefixes of four or more characters, branch labels and
`label@head` / `label@heads` / `label@<rev>`. Relative targets (`+2`, `head-1`) are
not supported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .graph import RevisionGraph
from .lazyre import pattern

# Alembic's _relative_destination: `+2`, `head-1`, `label@+1`
_RELATIVE = pattern(r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)")


class PlanError(ValueError):
    """An identifier that does not resolve, or a history Alembic cannot plan an upgrade on."""


def upgrade_plan(graph: RevisionGraph, from_rev: str | None, to: str = "heads") -> list[str]:
    """Revisions `alembic upgrade <to>` runs, in the order it runs them.

    `from_rev` is the revision the database is stamped at; None (or "base") is an
    empty database.
    """
    if graph.topological_order is None:
        raise PlanError("the history has a cycle; Alembic cannot order an upgrade through it")
    plan = _Planner(graph)
    targets = plan.resolve(to)
    current = plan.resolve(from_rev) if from_rev is not None else ()
    required = plan.ancestors(targets, check=True) | set(targets)
    applied = plan.ancestors(current, check=True) | set(current)
    needs = required - applied
    return plan.topological_sort(needs, targets)[::-1]


def skipped(graph: RevisionGraph, from_rev: str | None, to: str = "heads") -> list[str]:
    """Every revision the same upgrade does not run, in the graph's file order."""
    runs = set(upgrade_plan(graph, from_rev, to))
    return [rev for rev in graph.revisions if rev not in runs]


def resolve(graph: RevisionGraph, identifier: str) -> tuple[str, ...]:
    """The revision ids an identifier names, as `alembic upgrade <identifier>` reads it."""
    return _Planner(graph).resolve(identifier)


class _Planner:
    """Alembic's RevisionMap lookups over a RevisionGraph."""

    def __init__(self, graph: RevisionGraph) -> None:
        self.graph = graph
        self.position = {rev: index for index, rev in enumerate(graph.revisions)}
        # Alembic's map holds every id and every branch label (a label names the
        # revision that declares it); prefixes are matched against both.
        self.keys: dict[str, str] = {}
        for rev in graph.revisions:
            for label in graph.own_labels(rev):
                self.keys.setdefault(label, rev)
        self.keys.update((rev, rev) for rev in graph.revisions)
        self._parents: dict[str, tuple[str, ...]] = {}

    # -- resolving identifiers -------------------------------------------------

    def resolve(self, identifier: str) -> tuple[str, ...]:
        if _RELATIVE.match(identifier):
            raise PlanError(f"relative revision {identifier!r} is not supported; name a revision")
        label: str | None = None
        if "@" in identifier:
            label, identifier = identifier.split("@", 1)
        if identifier == "heads":
            if label is not None:
                return self.heads_on(label)
            return self.real_heads()
        if identifier == "head":
            heads = self.heads_on(label) if label is not None else tuple(self.graph.heads())
            if len(heads) > 1:
                name = f"{label}@head" if label else "head"
                raise PlanError(f"{name} is ambiguous: {len(heads)} heads ({', '.join(heads)}); use heads")
            return tuple(heads)
        if identifier in ("base", ""):
            return ()
        return (self.revision_for(identifier, label),)

    def heads_on(self, label: str) -> tuple[str, ...]:
        """Heads (down_revision only) on the line of a label's revision: `label@heads`."""
        branch = self.branch(label)
        return tuple(h for h in self.graph.heads() if self.shares_lineage(h, branch))

    def real_heads(self) -> tuple[str, ...]:
        """Heads counting depends_on too: what `heads` means to Alembic (`_real_heads`)."""
        needed = {p for rev in self.graph.revisions for p in self.graph.depends_on(rev)}
        return tuple(h for h in self.graph.heads() if h not in needed)

    def revision_for(self, identifier: str, label: str | None = None) -> str:
        """Alembic's `_revision_for_ident`: an exact key, else a unique prefix."""
        branch = self.branch(label) if label else None
        if identifier in self.keys:
            found = self.keys[identifier]
        else:
            matches = [k for k in self.keys if len(k) > 3 and k.startswith(identifier)]
            if branch is not None:
                matches = [k for k in matches if self.shares_lineage(self.keys[k], branch)]
            if not matches:
                hint = "; a prefix needs at least four characters" if len(identifier) < 4 else ""
                raise PlanError(f"no such revision or branch {identifier!r}{hint}")
            if len(matches) > 1:
                raise PlanError(f"several revisions start with {identifier!r}: {', '.join(matches[:3])}")
            found = self.keys[matches[0]]
        if branch is not None and not self.shares_lineage(found, branch):
            raise PlanError(f"revision {found} is not a member of branch {label!r}")
        return found

    def branch(self, label: str) -> str:
        try:
            return self.revision_for(label)
        except PlanError:
            raise PlanError(f"no such branch {label!r}") from None

    def shares_lineage(self, rev: str, other: str) -> bool:
        """Alembic's `_shares_lineage`: one lies on the other's down_revision line."""
        return other == rev or other in self.graph.ancestors(rev) or other in self.graph.descendants(rev)

    # -- walking ---------------------------------------------------------------

    def parents(self, rev: str) -> tuple[str, ...]:
        """down_revision then depends_on, present revisions only, each once."""
        if rev not in self._parents:
            linked = (*self.graph.down_revisions(rev), *self.graph.depends_on(rev))
            self._parents[rev] = tuple(dict.fromkeys(p for p in linked if p in self.graph.revisions))
        return self._parents[rev]

    def ancestors(self, revs: Sequence[str], *, check: bool = False) -> set[str]:
        """Every revision reachable backwards over both edge kinds, revs included.

        With `check`, Alembic refuses a request whose revisions overlap (one is an
        ancestor of another), e.g. `label@heads` when one head depends on another.
        """
        seen: set[str] = set()
        for rev in revs:
            reached = self._walk(rev)
            if check:
                overlap = sorted((reached & set(revs)) - {rev})
                if overlap:
                    raise PlanError(f"requested revision {rev} overlaps with {', '.join(overlap)}")
            seen |= reached
        return seen

    def _walk(self, start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            rev = todo.pop()
            if rev not in seen:
                seen.add(rev)
                todo.extend(self.parents(rev))
        return seen

    def normalized_depends(self, rev: str) -> tuple[str, ...]:
        """Alembic's `_normalized_resolved_dependencies`: depends_on minus what an ancestor depends on.

        Alembic keeps them in a set, so with two or more its order follows string
        hashing (PYTHONHASHSEED); here they keep the order written.
        """
        depends = self.graph.depends_on(rev)
        if not depends:
            return ()
        inherited = {d for a in self.graph.ancestors(rev) for d in self.graph.depends_on(a)}
        return tuple(dict.fromkeys(d for d in depends if d not in inherited and d in self.graph.revisions))

    def normalized_parents(self, rev: str) -> tuple[str, ...]:
        """Alembic's `_normalized_down_revisions`: what the sort walks down to."""
        linked = (*self.graph.down_revisions(rev), *self.normalized_depends(rev))
        return tuple(dict.fromkeys(p for p in linked if p in self.graph.revisions))

    def topological_sort(self, revisions: Iterable[str], heads: Sequence[str]) -> list[str]:
        """Alembic's `_topological_sort`, step for step: heads first, then down each line.

        It walks one head down while no other head still needs the revision it is
        at; file order (Alembic's map insertion order) breaks ties between heads.
        """
        todo = set(revisions)
        current = sorted({h for h in heads if h in todo}, key=self.position.__getitem__)
        ancestors = [self._walk(h) for h in current]
        output: list[str] = []
        index = 0
        while current:
            candidate = current[index]
            blocker = next(
                (i for i, above in enumerate(ancestors) if i != index and candidate in above), None
            )
            if blocker is not None:
                index = blocker  # another head needs the candidate: walk that one first
                continue
            if candidate in todo:
                output.append(candidate)
                todo.remove(candidate)
            downs = self.normalized_parents(candidate)
            added = [p for p in downs if p in todo and p not in current]
            if not added:
                del current[index]
                del ancestors[index]
                index = max(index - 1, 0)
            elif len(self.graph.down_revisions(candidate)) == 1 and not self.normalized_depends(candidate):
                current[index] = added[0]  # plain step down a line: the ancestor set shrinks by one
                ancestors[index].discard(candidate)
            else:
                current[index] = added[0]
                current.extend(added[1:])
                ancestors[index] = self._walk(added[0])
                ancestors.extend(self._walk(a) for a in added[1:])
        if todo:
            raise PlanError(f"cannot order {', '.join(sorted(todo))} below the targets")
        return output
