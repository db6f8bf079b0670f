"""upgrade_plan() against Alembic: the revisions `alembic upgrade` runs, in its order.

The reference is `ScriptDirectory._upgrade_revs(destination, current_heads)`, the call
`alembic upgrade` makes once env.py has read the stamp (command.upgrade ->
MigrationContext.run_migrations). Random histories come from the differential test's
generator; one test runs real `alembic upgrade --sql` to pin that reference down.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from alembic.command import upgrade as alembic_upgrade
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from histories import write_project
from miglint.graph import RevisionGraph
from miglint.pipeline import Options, lint_paths
from miglint.plan import PlanError, resolve, skipped, upgrade_plan
from test_alembic_differential import notation, random_history, write

SEED_CHAIN = Path(__file__).parent.parent / "examples" / "seed-chain"


def graph_of(root: Path) -> RevisionGraph:
    (report,) = lint_paths([str(root)], root, Options(use_cache=False, select=["MG1"]))
    assert report.graph is not None
    return report.graph


def history_graph(tmp_path: Path, history: Sequence[str]) -> RevisionGraph:
    write_project(tmp_path, history)
    return graph_of(tmp_path)


# -- by hand ---------------------------------------------------------------------------


def test_seed_chain_from_the_baseline_runs_everything_after_it() -> None:
    graph = graph_of(SEED_CHAIN)
    plan = upgrade_plan(graph, "20251011_baseline_v106")
    assert len(plan) == 23 and "20251011_baseline_v106" not in plan
    assert plan[-3:] == ["ab68d77b5088", "9c23e4e81011", "c64001afbd46"]
    assert skipped(graph, "20251011_baseline_v106") == ["20251011_baseline_v106"]


def test_seed_chain_stamped_head_runs_nothing() -> None:
    """The incident: stamping `head` marks every revision applied, backfill included."""
    graph = graph_of(SEED_CHAIN)
    assert upgrade_plan(graph, "head") == []
    assert len(skipped(graph, "head")) == 24


def test_seed_chain_from_336ce_runs_the_enrichment_branch_and_the_merge(tmp_path: Path) -> None:
    graph = graph_of(SEED_CHAIN)
    assert upgrade_plan(graph, "336ce8830dfe") == [
        "20251019_conv_summaries",
        "b06ced8ecd14",
        "a71d62f22c10",
        "27e207ded5a0",
        "ab68d77b5088",
        "9c23e4e81011",
        "c64001afbd46",
    ]


def test_empty_database_runs_parents_before_children(tmp_path: Path) -> None:
    graph = history_graph(tmp_path, ["a", "b1<-a", "b2<-a", "m<-b1,b2", "c<-m"])
    assert upgrade_plan(graph, None) == ["a", "b2", "b1", "m", "c"]
    assert upgrade_plan(graph, "base") == upgrade_plan(graph, None)


def test_depends_on_pulls_in_another_branch(tmp_path: Path) -> None:
    graph = history_graph(tmp_path, ["a", "x@other", "b<-a+x"])
    assert upgrade_plan(graph, None, "b") == ["x", "a", "b"]
    assert upgrade_plan(graph, "a", "b") == ["x", "b"]


@pytest.mark.parametrize(
    ("identifier", "resolved"),
    [
        ("heads", ("c", "d")),
        ("base", ()),
        ("abcd1", ("abcd1234",)),  # a unique prefix
        ("feature", ("d",)),  # a branch label names the revision carrying it
        ("featu", ("d",)),  # ... and its prefixes too
        ("feature@head", ("d",)),
        ("feature@heads", ("d",)),
        ("abcd1234@head", ("c",)),  # the head on that revision's line
        ("feature@abcd9", ("abcd9999",)),
    ],
)
def test_resolve(tmp_path: Path, identifier: str, resolved: tuple[str, ...]) -> None:
    graph = history_graph(tmp_path, ["abcd1234", "c<-abcd1234", "abcd9999", "d@feature<-abcd9999"])
    assert resolve(graph, identifier) == resolved


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("head", "ambiguous: 2 heads"),
        ("abcd", "several revisions start with 'abcd'"),
        ("xyz", "at least four characters"),
        ("nothere", "no such revision"),
        ("nolabel@head", "no such branch"),
        ("feature@abcd1", "no such revision or branch 'abcd1'"),  # prefixes are matched on the branch
        ("feature@abcd1234", "not a member of branch 'feature'"),
        ("head-1", "relative revision"),
    ],
)
def test_resolve_errors(tmp_path: Path, identifier: str, message: str) -> None:
    graph = history_graph(tmp_path, ["abcd1234", "c<-abcd1234", "abcd9999", "d@feature<-abcd9999"])
    with pytest.raises(PlanError, match=message):
        resolve(graph, identifier)


def test_cycle_is_an_error(tmp_path: Path) -> None:
    graph = history_graph(tmp_path, ["a", "b<-a,c", "c<-b", "e<-c"])
    with pytest.raises(PlanError, match="cycle"):
        upgrade_plan(graph, None)


# -- against Alembic ---------------------------------------------------------------------

SEEDS = list(range(80))


def alembic_plan(scripts: ScriptDirectory, from_rev: str | None, to: str) -> list[str] | None:
    """What `alembic upgrade <to>` runs on a database stamped at from_rev; None if it refuses."""
    current = () if from_rev is None else (from_rev,)
    try:
        return [step.revision.revision for step in scripts._upgrade_revs(to, current)]  # type: ignore[arg-type]
    except (CommandError, RevisionError):
        return None


def miglint_plan(graph: RevisionGraph, from_rev: str | None, to: str) -> list[str] | None:
    try:
        return upgrade_plan(graph, from_rev, to)
    except PlanError:
        return None


def requests(rng: random.Random, graph: RevisionGraph) -> list[tuple[str | None, str]]:
    """Stamps and targets to try: ids, prefixes, heads, labels, label@head."""
    revs = list(graph.revisions)
    labels = sorted({label for r in revs for label in graph.own_labels(r)})
    stamps: list[str | None] = [None, *rng.sample(revs, min(4, len(revs))), rng.choice(revs)[:6]]
    targets = ["heads", "head", *rng.sample(revs, min(3, len(revs)))]
    targets += [f"{label}@head" for label in labels[:2]] + [f"{label}@heads" for label in labels[:1]]
    targets.append(f"{rng.choice(revs)}@head")
    return [(s, t) for s in stamps for t in targets]


def hash_ordered(scripts: ScriptDirectory) -> set[str]:
    """Revisions whose dependencies Alembic orders by string hash (it keeps two or more in a set)."""
    return {r.revision for r in scripts.walk_revisions() if len(r._normalized_resolved_dependencies) > 1}


def is_upgrade_order(plan: Sequence[str], graph: RevisionGraph) -> bool:
    position = {rev: i for i, rev in enumerate(plan)}
    return all(
        position[p] < position[rev]
        for rev in plan
        for p in (*graph.down_revisions(rev), *graph.depends_on(rev))
        if p in position
    )


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_plan_matches_alembic(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    specs = random_history(rng)
    written = list(specs)
    if seed % 3 == 0:
        rng.shuffle(written)  # Alembic breaks ties by file order: so must miglint
    write(tmp_path, written)
    scripts = ScriptDirectory(str(tmp_path / "migrations"))
    graph = graph_of(tmp_path)
    unordered = hash_ordered(scripts)
    for from_rev, to in requests(rng, graph):
        expected = alembic_plan(scripts, from_rev, to)
        found = miglint_plan(graph, from_rev, to)
        where = f"upgrade {to} from {from_rev} in {notation(specs)}"
        if expected is None or found is None:
            assert expected == found, where
        elif not unordered & set(expected):
            assert found == expected, where
        else:
            assert sorted(found) == sorted(expected) and is_upgrade_order(found, graph), where


ENV_PY = """
from alembic import context

context.configure(url="sqlite://", as_sql=True)
with context.begin_transaction():
    context.run_migrations()
"""


@pytest.mark.parametrize("seed", [1, 7, 12], ids=lambda seed: f"seed{seed}")
def test_real_offline_upgrade_runs_the_plan(tmp_path: Path, seed: int) -> None:
    """`alembic upgrade <stamp>:heads --sql` prints one "Running upgrade" per step, in order."""
    specs = random_history(random.Random(seed), depends=False)
    write(tmp_path, specs)
    (tmp_path / "migrations" / "env.py").write_text(ENV_PY)
    graph = graph_of(tmp_path)
    for from_rev in (None, specs[len(specs) // 2].rev):
        buffer = io.StringIO()
        config = Config(str(tmp_path / "alembic.ini"), output_buffer=buffer)
        alembic_upgrade(config, "heads" if from_rev is None else f"{from_rev}:heads", sql=True)
        ran = re.findall(r"^-- Running upgrade .*-> (\S+)$", buffer.getvalue(), re.MULTILINE)
        assert ran == upgrade_plan(graph, from_rev), notation(specs)
