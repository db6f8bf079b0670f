"""Every upgrade path, computed: the review's Test Matrix, from the code.

For a fresh install, for a database stamped at the baseline, for each value each
runner stamp may write (on the path that leads to it), and for a database at each
head: which revisions `alembic upgrade` then runs, which the stamp marks applied
without running them, and whether each critical revision runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..facts.effects import changes_data
from ..graph import RevisionGraph
from ..lazydataclass import dataclass, replace
from ..plan import PlanError, resolve, upgrade_plan

if TYPE_CHECKING:  # the runner's reader is imported only where runners are read
    from .facts import CallContext, StampSite


@dataclass(frozen=True)
class Scenario:
    name: str
    where: str  # file:line, or "" for the built-in scenarios
    condition: str  # the path's tests, as written
    stamp: str | None  # what is stamped; None: nothing (a fresh database)
    runs: tuple[str, ...]
    skipped: tuple[str, ...]  # marked applied by the stamp although the schema lacks them
    critical: dict[str, bool]  # revision -> runs on this path
    problem: str = ""  # why the path cannot be computed (an unknown target, a cycle)
    # What tells this row from the others at the same `where`: the tests on its path
    # that not all of them share (the whole condition for a row alone at its line).
    when: str = ""


def baseline_of(graph: RevisionGraph, configured: str | None) -> str | None:
    """`[tool.miglint] baseline`, else the single base revision."""
    if configured and configured in graph.revisions:
        return configured
    bases = graph.bases()
    return bases[0] if len(bases) == 1 else None


def critical_revisions(graph: RevisionGraph, configured: Sequence[str]) -> list[str]:
    """`[tool.miglint] critical`, else every revision whose upgrade changes data."""
    if configured:
        return [r for r in configured if r in graph.revisions]
    order = graph.topological_order or {}
    return sorted((r for r, f in graph.revisions.items() if changes_data(f)), key=lambda r: order.get(r, 0))


def scenarios(
    graph: RevisionGraph,
    sites: Sequence[StampSite],
    baseline: str | None,
    critical: Sequence[str],
    root: Path | None = None,
) -> list[Scenario]:
    """The rows; a runner's `where` is its path from `root` (the project's), so that two
    `start.sh` are told apart."""
    found = [_path(graph, "fresh install", "", "", None, True, baseline, critical)]
    if baseline:
        found.append(
            _path(graph, f"stamped at the baseline {baseline}", "", "", baseline, True, baseline, critical)
        )
    for site in sites:
        if site.command != "stamp":
            continue
        where = f"{_relative(site.path, root)}:{site.span.line}"
        at_site = []
        for target in site.targets:
            legacy = site.legacy_path(target)
            # a helper's stamp: the tests around the call that makes it a legacy path too
            path = site.path_to(target, legacy[1] if legacy else None)
            tests = [c.text if c.holds else f"not ({c.text})" for c in path]
            condition = " and ".join(tests)
            if legacy:
                name = "legacy database"
            elif site.finds_empty(target):
                name = "fresh database"
            else:
                name = "runner stamp"
            if target.value is None:
                row = Scenario(name, where, condition, COMPUTED, (), (), {}, _COMPUTED_PROBLEM)
            else:
                upgrades = _upgraded_after(site, legacy[1] if legacy else None)
                row = _path(graph, name, where, condition, target.value, upgrades, baseline, critical)
            at_site.append((row, tests, target.span.line))
        found.extend(_told_apart(at_site))
    for head in sorted(graph.heads()):
        found.append(_path(graph, f"already at head {head}", "", "", head, True, baseline, critical))
    return found


def _upgraded_after(site: StampSite, context: CallContext | None) -> bool:
    """An upgrade follows the stamp: in its own function, or, for a helper, after the call
    that leads here (after every call of it, when no one call is singled out), as MG302 reads it."""
    if site.upgraded_after:
        return True
    if site.exits_program:
        return False
    ways = [context] if context is not None else list(site.callers)
    return bool(ways) and all(way.upgraded_after for way in ways)


def _relative(path: str, root: Path | None) -> str:
    """The runner's path from the project's root, with `/` (its name alone without a root)."""
    if root is None:
        return Path(path).name
    for base, where in ((root, Path(path)), (root.resolve(), Path(path).resolve())):
        try:
            return where.relative_to(base).as_posix()
        except ValueError:
            continue
    return Path(path).as_posix()


COMPUTED = "(computed)"
_COMPUTED_PROBLEM = "the revision is computed at run time; miglint cannot tell which"


def _told_apart(rows: Sequence[tuple[Scenario, list[str], int]]) -> list[Scenario]:
    """The rows of one stamp call, each with the part of its condition that differs."""
    shared = set.intersection(*(set(tests) for _, tests, _ in rows)) if len(rows) > 1 else set()
    out = []
    for row, tests, _ in rows:
        own = [t for t in tests if t not in shared]
        out.append(replace(row, when=" and ".join(own) if own else row.condition))
    # the same stamp on the same path twice: only the line of the value tells them apart
    seen: dict[tuple[str | None, str], int] = {}
    for row in out:
        seen[(row.stamp, row.when)] = seen.get((row.stamp, row.when), 0) + 1
    return [
        replace(row, when=f"{row.when}{' ' if row.when else ''}(value at line {line})")
        if seen[(row.stamp, row.when)] > 1
        else row
        for row, (_, _, line) in zip(out, rows)
    ]


def _path(
    graph: RevisionGraph,
    name: str,
    where: str,
    condition: str,
    stamp: str | None,
    upgrades: bool,
    baseline: str | None,
    critical: Sequence[str],
) -> Scenario:
    try:
        marked = _applied_by(graph, stamp)
        runs = upgrade_plan(graph, stamp) if upgrades else []
    except PlanError as error:
        return Scenario(name, where, condition, stamp, (), (), {}, str(error))
    # What the database really has: the baseline's schema (a legacy database), or what the
    # stamp says (a database Alembic already manages, or one the runner has just created:
    # whatever created it is taken to match the stamp).
    legacy = name in ("legacy database", "runner stamp") and baseline is not None
    present = _applied_by(graph, baseline) if legacy else marked
    skipped = sorted(marked - present, key=lambda r: (graph.topological_order or {}).get(r, 0))
    ran = set(runs)
    return Scenario(
        name, where, condition, stamp, tuple(runs), tuple(skipped), {r: r in ran for r in critical}
    )


def _applied_by(graph: RevisionGraph, stamp: str | None) -> set[str]:
    """Revisions a database stamped at `stamp` counts as applied."""
    if stamp is None:
        return set()
    applied: set[str] = set()
    for rev in resolve(graph, stamp):
        applied |= graph.ancestors(rev) | {rev}
    return applied
