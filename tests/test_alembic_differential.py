"""Differential tests: miglint's static revision graph against Alembic's own RevisionMap.

Random histories (seeded, so every failure is reproducible from its test id) are
written as real Alembic projects; Alembic imports them, miglint reads them without
importing, and the two must agree on heads, bases, branch and merge points and
branch labels. Histories that Alembic refuses to load are produced by breaking
valid ones, and miglint must name the matching rule. The Alembic exception each
breakage raises is asserted too, so that this file also documents what the
installed Alembic does.

A failing test prints the history in the notation of tests/histories.py, e.g.
    ['3f09a1c2d4e5', '8b7c6d5e4f30@lbl1<-3f09a1c2d4e5', ...]
which can be pasted into write_project() to reproduce it.
"""

from __future__ import annotations

import random
import re
import shlex
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import alembic
import pytest
from alembic.config import main as alembic_main
from alembic.script import ScriptDirectory
from alembic.script.revision import (
    CycleDetected,
    DependencyCycleDetected,
    MultipleHeads,
    RevisionError,
)
from alembic.util import CommandError
from histories import Spec, write_project
from miglint.graph import RevisionGraph
from miglint.pipeline import Options, lint_paths
from miglint.report import EnvironmentReport

SEEDS = list(range(60))
BROKEN_SEEDS = list(range(0, 60, 4))  # 15 seeds per kind of breakage
MISSING = "0badc0ffee00"  # an id no generated history uses (ids come from the rng)


# -- histories ---------------------------------------------------------------------


def text(s: Spec) -> str:
    """A Spec back in the notation of tests/histories.py."""
    out = s.rev + "".join(f"@{label}" for label in s.labels)
    if s.parents:
        out += "<-" + ",".join(s.parents)
    if s.depends:
        out += "+" + ",".join(s.depends)
    return out


def notation(specs: Sequence[Spec]) -> list[str]:
    return [text(s) for s in specs]


class Ids:
    """Unique 12-hex revision ids and unique branch labels, from the seeded rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = {MISSING}
        self.labels = 0

    def rev(self) -> str:
        while True:
            rev = f"{self.rng.getrandbits(48):012x}"
            if rev not in self.used:
                self.used.add(rev)
                return rev

    def label(self) -> str:
        self.labels += 1
        return f"lbl{self.labels}"  # 'l' is not a hex digit: never equal to an id


def random_history(
    rng: random.Random, *, labels: bool = True, depends: bool = True, size: int | None = None
) -> list[Spec]:
    """A valid history in creation order (every parent is created before its children).

    Steps: new base (at most 3), linear (child of a head), branch (child of any
    revision, often one that already has children), merge of 2 or 3 parents taken
    from the heads or, sometimes, from anywhere. Some revisions get unique branch
    labels, some depend on earlier revisions.
    """
    ids = Ids(rng)
    size = size if size is not None else rng.randint(6, 28)
    specs: list[Spec] = []
    children: dict[str, int] = {}
    for _ in range(size):
        existing = [s.rev for s in specs]
        heads = [r for r in existing if not children[r]]
        bases = sum(1 for s in specs if not s.parents)
        roll = rng.random()
        if not specs or (roll < 0.08 and bases < 3):
            parents: tuple[str, ...] = ()
        elif roll < 0.28 and len(existing) >= 2:
            k = 3 if len(existing) >= 3 and rng.random() < 0.3 else 2
            pool = heads if len(heads) >= k and rng.random() < 0.7 else existing
            parents = tuple(rng.sample(pool, k))
        elif roll < 0.5:
            parents = (rng.choice(existing),)
        else:
            parents = (rng.choice(heads),)
        own: tuple[str, ...] = ()
        if labels and rng.random() < 0.2:
            own = tuple(ids.label() for _ in range(rng.choice((1, 1, 1, 2))))
        deps: tuple[str, ...] = ()
        if depends and existing and rng.random() < 0.2:
            deps = tuple(rng.sample(existing, min(len(existing), rng.choice((1, 1, 2)))))
        rev = ids.rev()
        specs.append(Spec(rev, parents, own, deps))
        children[rev] = 0
        for parent in parents:
            children[parent] += 1
    return specs


def write(root: Path, specs: Sequence[Spec], *, annotated: bool = False) -> None:
    write_project(root, notation(specs), annotated=annotated)


def alembic_scripts(root: Path) -> ScriptDirectory:
    return ScriptDirectory(str(root / "migrations"))


def lint(root: Path, *codes: str) -> EnvironmentReport:
    (report,) = lint_paths([str(root)], root, Options(use_cache=False, select=list(codes) or ["MG1"]))
    return report


def diagnostics(report: EnvironmentReport, code: str) -> list:
    return [d for d in report.diagnostics if d.code == code]


def path_count(specs: Sequence[Spec], start: str, *, with_depends: bool) -> dict[str, int]:
    """Number of distinct parent -> child paths from start to every revision."""
    count: dict[str, int] = {}
    for s in specs:  # creation order is a topological order
        incoming = set(s.parents) | (set(s.depends) if with_depends else set())
        count[s.rev] = 1 if s.rev == start else sum(count[p] for p in incoming)
    return count


def only_path(specs: Sequence[Spec], start: str, end: str, *, with_depends: bool) -> list[str]:
    """The unique path start -> ... -> end (the caller checked there is exactly one)."""
    count = path_count(specs, start, with_depends=with_depends)
    by_rev = {s.rev: s for s in specs}
    path = [end]
    while path[-1] != start:
        s = by_rev[path[-1]]
        incoming = set(s.parents) | (set(s.depends) if with_depends else set())
        (previous,) = [p for p in incoming if count[p]]
        path.append(previous)
    return path[::-1]


def alembic_cycle_error(specs: Sequence[Spec]) -> type[CycleDetected] | None:
    """What Alembic's RevisionMap._detect_cycles raises for a history, worked out apart.

    It is not a cycle search: Alembic raises only when some revision does not lie on
    a path from a base up to a head, first over down_revision links (CycleDetected),
    then over down_revision and depends_on links, from the revisions without either
    to those that nothing follows (DependencyCycleDetected). A cycle that a base
    leads into and that leads on to a head passes both checks.
    """
    revs = [s.rev for s in specs]
    for links, error in (
        ({s.rev: set(s.parents) for s in specs}, CycleDetected),
        ({s.rev: set(s.parents) | set(s.depends) for s in specs}, DependencyCycleDetected),
    ):
        children: dict[str, set[str]] = {r: set() for r in revs}
        for rev, parents in links.items():
            for parent in parents:
                children[parent].add(rev)
        bases = [r for r in revs if not links[r]]
        heads = [r for r in revs if not children[r]]
        if not bases or not heads or reach(heads, links) & reach(bases, children) != set(revs):
            return error
    return None


def reach(start: Sequence[str], step: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        rev = todo.pop()
        if rev not in seen:
            seen.add(rev)
            todo.extend(step[rev])
    return seen


def break_with_cycle(
    rng: random.Random, *, via_depends: bool, alembic_notices: bool
) -> tuple[list[Spec], list[str]]:
    """A random history with one revision x linked back to a descendant d of x.

    Via down_revision, x's down_revision becomes d; via depends_on, x also depends
    on d. d is chosen so that exactly one path leads from x to d: the history then
    has exactly one cycle, and it is that path. Histories are drawn until the
    cycle is one Alembic notices (or, with alembic_notices=False, one it misses).
    """
    while True:
        specs = regenerate(rng)
        pairs = [
            (s.rev, d)
            for s in specs
            for d, n in path_count(specs, s.rev, with_depends=via_depends).items()
            if n == 1 and d != s.rev
        ]
        rng.shuffle(pairs)
        for early, descendant in pairs:
            if via_depends:
                broken = [
                    replace(s, depends=(*s.depends, descendant)) if s.rev == early else s for s in specs
                ]
            else:
                broken = [replace(s, parents=(descendant,)) if s.rev == early else s for s in specs]
            if (alembic_cycle_error(broken) is not None) == alembic_notices:
                return broken, only_path(specs, early, descendant, with_depends=via_depends)


def assert_in_link_order(cycle: Sequence[str], specs: Sequence[Spec], *, via_depends: bool) -> None:
    """Each revision of a reported cycle follows the one before it (parent -> child)."""
    links = {s.rev: set(s.parents) | (set(s.depends) if via_depends else set()) for s in specs}
    for previous, rev in zip([cycle[-1], *cycle[:-1]], cycle):
        assert previous in links[rev], f"{cycle} is not in parent -> child order"


def regenerate(rng: random.Random, **kwargs: object) -> list[Spec]:
    """A random history large enough to break (has a revision with a child)."""
    while True:
        specs = random_history(rng, size=rng.randint(4, 24), **kwargs)  # type: ignore[arg-type]
        if any(s.parents for s in specs):
            return specs


# -- 1. valid random histories: miglint's graph is Alembic's graph ----------------------


@dataclass
class Case:
    specs: list[Spec]
    scripts: ScriptDirectory
    graph: RevisionGraph

    @property
    def history(self) -> list[str]:
        return notation(self.specs)

    def alembic_revision(self, rev: str):  # -> alembic.script.revision.Revision
        return self.scripts.revision_map.get_revision(rev)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Case:
    seed: int = request.param
    rng = random.Random(seed)
    specs = random_history(rng)
    written = list(specs)
    if seed % 3 == 0:
        rng.shuffle(written)  # file order must not matter to either side
    root = tmp_path_factory.mktemp(f"history{seed}")
    write(root, written, annotated=seed % 4 == 1)
    return Case(specs, alembic_scripts(root), lint(root, "MG102").graph)


def test_heads_and_bases_match_alembic(case: Case) -> None:
    heads, bases = case.graph.heads(), case.graph.bases()
    assert len(heads) == len(set(heads)) and len(bases) == len(set(bases))
    assert set(heads) == set(case.scripts.get_heads()), case.history
    assert set(bases) == set(case.scripts.get_bases()), case.history


def test_branch_and_merge_points_match_alembic(case: Case) -> None:
    revisions = [case.alembic_revision(s.rev) for s in case.specs]
    assert set(case.graph.merge_points()) == {r.revision for r in revisions if r.is_merge_point}, case.history
    assert set(case.graph.branch_points()) == {r.revision for r in revisions if r.is_branch_point}, (
        case.history
    )


def test_head_labels_match_alembic(case: Case) -> None:
    """The labels MG102 looks at: those in effect on each head."""
    for head in case.scripts.get_heads():
        assert case.graph.labels(head) == case.alembic_revision(head).branch_labels, (head, case.history)


def test_branch_labels_match_alembic(case: Case) -> None:
    """graph.labels() promises Alembic's effective labels for every revision."""
    mismatched = {
        s.rev: (sorted(case.graph.labels(s.rev)), sorted(case.alembic_revision(s.rev).branch_labels))
        for s in case.specs
        if case.graph.labels(s.rev) != case.alembic_revision(s.rev).branch_labels
    }
    assert not mismatched, f"rev: (miglint, alembic) = {mismatched} in {case.history}"


# Minimal histories for the disagreement test_branch_labels_match_alembic finds.
# Alembic (RevisionMap._add_branches) gives a label to the ancestors of the revision
# carrying it only when the walk that starts at the *last descendant it visited* gets
# back down to that revision without meeting a merge point or a "real" branch point
# (one with two or more children counting depends_on). miglint starts that walk at
# the labelled revision itself, so a branch or merge point among the descendants
# does not stop it, and the ancestors get the label in miglint but not in Alembic.
LABEL_WALK = {
    "branch-point-below-label": ["a", "b@L<-a", "c<-b", "d<-c", "e<-c"],
    "merge-point-below-label": ["a", "b@L<-a", "y", "m<-b,y"],
    "depends-on-child-below-label": ["a", "b@L<-a", "c<-b", "d<-c", "x+c"],
    # control: a plain chain below the label; both give `a` the label
    "chain-below-label": ["a", "b@L<-a", "c<-b", "d<-c"],
}


@pytest.mark.parametrize("history", LABEL_WALK.values(), ids=LABEL_WALK.keys())
def test_label_reaches_ancestors_as_in_alembic(tmp_path: Path, history: list[str]) -> None:
    write_project(tmp_path, history)
    scripts = alembic_scripts(tmp_path)
    graph = lint(tmp_path, "MG102").graph
    for rev in ("a", "b"):
        assert graph.labels(rev) == scripts.revision_map.get_revision(rev).branch_labels, rev


# -- 2. histories Alembic refuses to load: miglint names the rule -----------------------


@pytest.mark.parametrize("seed", BROKEN_SEEDS, ids=lambda seed: f"seed{seed}")
@pytest.mark.parametrize("field", ["down_revision", "depends_on"])
def test_missing_parent_is_mg103(tmp_path: Path, seed: int, field: str) -> None:
    rng = random.Random(seed)
    specs = regenerate(rng)
    index = rng.randrange(len(specs))
    child = specs[index]
    if field == "down_revision":
        parents = list(child.parents) or [MISSING]
        parents[rng.randrange(len(parents))] = MISSING
        specs[index] = replace(child, parents=tuple(parents))
    else:
        specs[index] = replace(child, depends=(*child.depends, MISSING))
    write(tmp_path, specs, annotated=seed % 8 == 4)

    # Alembic: a bare KeyError from RevisionMap._revision_map (after a UserWarning
    # "Revision ... referenced from ... is not present" for a down_revision)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(KeyError, match=MISSING):
            alembic_scripts(tmp_path).get_heads()
        with pytest.raises(KeyError, match=MISSING):
            list(alembic_scripts(tmp_path).walk_revisions())

    found = diagnostics(lint(tmp_path, "MG103"), "MG103")
    assert [d.revisions for d in found] == [(child.rev, MISSING)], notation(specs)


def test_depends_on_a_branch_label_written_by_alembic_is_not_mg103(tmp_path: Path) -> None:
    """`alembic revision --depends-on=<label>` keeps the label in the file
    (ScriptDirectory.generate_revision: "maintain branch labels"), and
    RevisionMap._add_depends_on resolves it through the label map on load."""
    write_project(tmp_path, ["a@core", "n@net"])
    add_merge_template(tmp_path)
    ini = str(tmp_path / "alembic.ini")
    alembic_main(
        [
            "-c",
            ini,
            "revision",
            "-m",
            "uses net",
            "--rev-id",
            "c",
            "--head",
            "core@head",
            "--depends-on",
            "net",
        ]
    )
    (written,) = (tmp_path / "migrations" / "versions").glob("c_*.py")
    assert "depends_on: Union[str, Sequence[str], None] = 'net'" in written.read_text()

    scripts = alembic_scripts(tmp_path)
    assert sorted(scripts.get_heads()) == ["c", "n"]
    # n runs before c: it is among c's ancestors once dependencies are followed
    assert {r.revision for r in scripts.revision_map.iterate_revisions("c", "base")} == {"a", "c", "n"}

    report = lint(tmp_path, "MG1")
    assert sorted(report.graph.heads()) == ["c", "n"]
    assert not diagnostics(report, "MG103"), [d.message for d in report.diagnostics]


def test_dependency_cycle_through_a_branch_label_is_mg110(tmp_path: Path) -> None:
    """a depends on `net`, the label of b, and b revises a."""
    write_project(tmp_path, ["a+net", "b@net<-a", "c<-b"])
    with pytest.raises(DependencyCycleDetected):
        alembic_scripts(tmp_path).get_heads()

    report = lint(tmp_path, "MG1")
    assert [d.code for d in report.diagnostics] == ["MG110"], [d.message for d in report.diagnostics]
    assert sorted(report.diagnostics[0].revisions) == ["a", "b"]


NOTICES = pytest.mark.parametrize(
    "alembic_notices", [True, False], ids=["alembic-raises", "alembic-misses-it"]
)


@pytest.mark.parametrize("seed", BROKEN_SEEDS, ids=lambda seed: f"seed{seed}")
@NOTICES
def test_down_revision_cycle_is_mg101(tmp_path: Path, seed: int, alembic_notices: bool) -> None:
    specs, cycle = break_with_cycle(random.Random(seed), via_depends=False, alembic_notices=alembic_notices)
    write(tmp_path, specs, annotated=seed % 8 == 4)

    expected = alembic_cycle_error(specs)
    if expected is not None:
        with pytest.raises(CycleDetected) as raised:
            alembic_scripts(tmp_path).get_heads()
        assert type(raised.value) is expected, notation(specs)
        # Alembic lists every revision it cannot place: the cycle and what hangs off it
        assert set(cycle) <= set(raised.value.revisions)
        with pytest.raises(CommandError, match="ycle is detected"):
            list(alembic_scripts(tmp_path).walk_revisions())  # wrapped by _catch_revision_errors
    else:
        # Alembic loads the history and even plans an upgrade through the cycle
        scripts = alembic_scripts(tmp_path)
        graph = lint(tmp_path, "MG101").graph
        assert set(graph.heads()) == set(scripts.get_heads()), notation(specs)
        assert set(graph.bases()) == set(scripts.get_bases()), notation(specs)

    (found,) = diagnostics(lint(tmp_path, "MG101"), "MG101")
    assert sorted(found.revisions) == sorted(cycle), notation(specs)
    assert_in_link_order(found.revisions, specs, via_depends=False)


@pytest.mark.parametrize("seed", BROKEN_SEEDS, ids=lambda seed: f"seed{seed}")
@NOTICES
def test_depends_on_cycle_is_mg110(tmp_path: Path, seed: int, alembic_notices: bool) -> None:
    specs, cycle = break_with_cycle(random.Random(seed), via_depends=True, alembic_notices=alembic_notices)
    write(tmp_path, specs, annotated=seed % 8 == 4)

    expected = alembic_cycle_error(specs)
    if expected is not None:
        assert expected is DependencyCycleDetected  # down_revision links alone have no cycle
        with pytest.raises(DependencyCycleDetected) as raised:
            alembic_scripts(tmp_path).get_heads()
        assert set(cycle) <= set(raised.value.revisions)
        with pytest.raises(CommandError, match="Dependency cycle is detected"):
            list(alembic_scripts(tmp_path).walk_revisions())
    else:
        scripts = alembic_scripts(tmp_path)
        graph = lint(tmp_path, "MG110").graph
        assert set(graph.heads()) == set(scripts.get_heads()), notation(specs)

    report = lint(tmp_path, "MG101", "MG110")
    (found,) = diagnostics(report, "MG110")
    assert sorted(found.revisions) == sorted(cycle), notation(specs)
    assert_in_link_order(found.revisions, specs, via_depends=True)
    assert not diagnostics(report, "MG101")  # down_revision links alone have no cycle


UNNOTICED_CYCLE = ["a", "b<-a,c", "c<-b", "e<-c"]


def test_alembic_misses_a_cycle_between_a_base_and_a_head(tmp_path: Path) -> None:
    """Alembic 1.20 loads this history and walks it (in upgrade order: a, b, c, e)
    although b revises c and c revises b. miglint reports MG101."""
    write_project(tmp_path, UNNOTICED_CYCLE)
    scripts = alembic_scripts(tmp_path)
    assert scripts.get_heads() == ["e"] and scripts.get_bases() == ["a"]
    walked = [(script.revision, script.down_revision) for script in scripts.walk_revisions()]
    assert walked[::-1] == [("a", None), ("b", ("a", "c")), ("c", "b"), ("e", "c")]

    (found,) = diagnostics(lint(tmp_path, "MG101"), "MG101")
    assert sorted(found.revisions) == ["b", "c"]


@pytest.mark.parametrize("seed", BROKEN_SEEDS, ids=lambda seed: f"seed{seed}")
def test_duplicate_branch_label_is_mg108(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    specs = regenerate(rng)
    first, second = rng.sample(range(len(specs)), 2)
    for index in (first, second):
        specs[index] = replace(specs[index], labels=(*specs[index].labels, "shared"))
    write(tmp_path, specs, annotated=seed % 8 == 4)

    # Alembic: a plain RevisionError from RevisionMap._map_branch_labels
    with pytest.raises(RevisionError, match=r"Branch name 'shared' in revision .* already used") as raised:
        alembic_scripts(tmp_path).get_heads()
    assert type(raised.value) is RevisionError
    with pytest.raises(CommandError, match="Branch name 'shared'"):
        list(alembic_scripts(tmp_path).walk_revisions())

    found = diagnostics(lint(tmp_path, "MG108"), "MG108")
    pair = tuple(sorted((specs[first].rev, specs[second].rev)))
    assert len(found) == 2 and all(d.revisions == pair for d in found), notation(specs)
    assert all("'shared'" in d.message for d in found)


@pytest.mark.parametrize("seed", BROKEN_SEEDS, ids=lambda seed: f"seed{seed}")
def test_duplicate_revision_id_is_mg104(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    specs = regenerate(rng)
    original = rng.choice(specs)
    # a copied file that kept its id; labels dropped, or Alembic raises for those first
    specs.append(replace(original, labels=()))
    write(tmp_path, specs, annotated=seed % 8 == 4)

    with pytest.warns(UserWarning, match=f"Revision {original.rev} is present more than once"):
        alembic_scripts(tmp_path).get_heads()  # Alembic only warns

    found = diagnostics(lint(tmp_path, "MG104"), "MG104")
    files = sorted((tmp_path / "migrations" / "versions").glob(f"*_{original.rev}.py"))
    assert len(files) == 2
    assert [d.revisions for d in found] == [(original.rev,)] * 2, notation(specs)
    assert sorted(Path(d.path).name for d in found) == [f.name for f in files]


def test_duplicate_revision_id_heads_in_alembic(tmp_path: Path) -> None:
    """What Alembic 1.20 does with a duplicated id, beyond the warning.

    Every file's Revision object is added to the head set, but only the winning
    (later) object is discarded when a child names the id, so a duplicated id is
    always among Alembic's heads, even with children; walk_revisions() then fails.
    miglint keeps only the later file, as the RevisionMap's dict does, and reports
    MG104 instead of a second head.
    """
    history = ["a", "b<-a", "c<-b", "b<-a"]  # 0003_b.py is a copy of 0001_b.py
    write_project(tmp_path, history)
    with pytest.warns(UserWarning, match="present more than once"):
        assert sorted(alembic_scripts(tmp_path).get_heads()) == ["b", "c"]
    with pytest.warns(UserWarning), pytest.raises(CommandError, match="overlaps"):
        list(alembic_scripts(tmp_path).walk_revisions())
    report = lint(tmp_path, "MG102", "MG104")
    assert report.graph.heads() == ["c"]
    assert {d.code for d in report.diagnostics} == {"MG104"}


# -- 3. multiple heads: MG102 and Alembic agree ---------------------------------------------


def merge_command(help_text: str) -> list[str]:
    assert help_text.startswith("run: alembic merge "), help_text
    # the command ends where MG102's `miglint rebase` alternative begins
    return shlex.split(help_text[len("run: ") :].split(" (or, ", 1)[0])


def add_merge_template(root: Path) -> None:
    template = Path(alembic.__file__).parent / "templates" / "generic" / "script.py.mako"
    shutil.copy(template, root / "migrations" / "script.py.mako")


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed{seed}")
def test_mg102_flags_exactly_alembic_heads(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    specs = random_history(rng, labels=False)
    write(tmp_path, specs, annotated=seed % 4 == 1)
    heads = set(alembic_scripts(tmp_path).get_heads())

    found = diagnostics(lint(tmp_path, "MG102"), "MG102")
    if len(heads) == 1:
        assert not found, notation(specs)
        return
    assert len(found) == len(heads), notation(specs)
    assert all(set(d.revisions) == heads for d in found), notation(specs)
    flagged_files = {Path(d.path).name for d in found}
    assert flagged_files == {
        p.name for h in heads for p in (tmp_path / "migrations" / "versions").glob(f"*_{h}.py")
    }

    # the help is a command that works: run it, and Alembic and miglint see one head
    command = merge_command(found[0].help or "")
    assert command[:3] == ["alembic", "merge", "-m"] and set(command[4:]) == heads
    add_merge_template(tmp_path)
    alembic_main(["-c", str(tmp_path / "alembic.ini"), *command[1:]], prog="alembic")
    merged = alembic_scripts(tmp_path).get_heads()
    assert len(merged) == 1
    report = lint(tmp_path, "MG102")
    assert report.graph.heads() == merged and not diagnostics(report, "MG102")


def labelled_branches(rng: random.Random, *, fork_one: bool) -> tuple[list[Spec], dict[str, str], list[str]]:
    """A trunk, then branches that each start with a unique label; some branches
    start a new base (`alembic revision --head=base --branch-label=...`).

    Returns the history, label -> the head of its branch, and, with fork_one, the
    two heads of the one labelled branch that was forked without a new label (its
    label then maps to "").
    """
    ids = Ids(rng)
    specs = [Spec(ids.rev(), (), (), ())]
    for _ in range(rng.randint(0, 3)):
        specs.append(Spec(ids.rev(), (specs[-1].rev,), (), ()))
    trunk = [s.rev for s in specs]
    members: dict[str, list[str]] = {}
    for number in range(rng.randint(2, 4)):
        if number == 0:
            fork: tuple[str, ...] = (trunk[-1],)  # so the trunk's tip is not a head
        elif rng.random() < 0.2:
            fork = ()
        else:
            fork = (rng.choice(trunk),)
        label = ids.label()
        branch = [Spec(ids.rev(), fork, (label,), ())]
        for _ in range(rng.randint(1 if fork_one and number == 0 else 0, 3)):
            deps = (rng.choice([s.rev for s in specs]),) if rng.random() < 0.2 else ()
            branch.append(Spec(ids.rev(), (branch[-1].rev,), (), deps))
        specs += branch
        members[label] = [s.rev for s in branch]
    heads = {label: revs[-1] for label, revs in members.items()}
    forked: list[str] = []
    if fork_one:
        label = rng.choice([label for label, revs in members.items() if len(revs) > 1])
        extra = Spec(ids.rev(), (rng.choice(members[label][:-1]),), (), ())
        specs.append(extra)
        forked = sorted((heads[label], extra.rev))
        heads[label] = ""  # no single head any more
    if rng.random() < 0.3:
        rng.shuffle(specs)
    return specs, heads, forked


@pytest.mark.parametrize("seed", SEEDS[:30], ids=lambda seed: f"seed{seed}")
def test_heads_on_labelled_branches_are_not_mg102(tmp_path: Path, seed: int) -> None:
    specs, heads, _ = labelled_branches(random.Random(seed), fork_one=False)
    write(tmp_path, specs, annotated=seed % 4 == 1)
    scripts = alembic_scripts(tmp_path)
    assert set(scripts.get_heads()) == set(heads.values()), notation(specs)

    report = lint(tmp_path, "MG102")
    assert set(report.graph.heads()) == set(heads.values())
    assert not diagnostics(report, "MG102"), notation(specs)
    for label, head in heads.items():
        resolved = scripts.revision_map.get_revisions(f"{label}@head")
        assert [r.revision for r in resolved] == [head], (label, notation(specs))
        assert label in report.graph.labels(head)


@pytest.mark.parametrize("seed", SEEDS[:30], ids=lambda seed: f"seed{seed}")
def test_fork_inside_labelled_branch_is_mg102(tmp_path: Path, seed: int) -> None:
    specs, heads, forked = labelled_branches(random.Random(seed), fork_one=True)
    write(tmp_path, specs, annotated=seed % 4 == 1)
    scripts = alembic_scripts(tmp_path)
    (ambiguous,) = [label for label, head in heads.items() if not head]

    # Alembic cannot resolve label@head any more; the other labels still resolve
    with pytest.raises(MultipleHeads) as raised:
        scripts.revision_map.get_revisions(f"{ambiguous}@head")
    assert sorted(raised.value.heads) == forked
    for label, head in heads.items():
        if head:
            assert [r.revision for r in scripts.revision_map.get_revisions(f"{label}@head")] == [head]

    found = diagnostics(lint(tmp_path, "MG102"), "MG102")
    assert len(found) == 2 and all(list(d.revisions) == forked for d in found), notation(specs)
    assert set(merge_command(found[0].help or "")[4:]) == set(forked)


# -- 4. any history, broken in any of several ways at once: the same verdict ------------
#
# Each seed draws a valid history and breaks it 0 to 3 times: a duplicated id (its copy
# may name other parents), a missing parent (down_revision or depends_on), a cycle
# (down_revision, depends_on, or a revision revising itself), a branch label equal to a
# revision id, a branch label declared twice. Alembic loads it (what it raises, what it
# warns, its heads and bases) and miglint lints it; the two must tell the same story:
#
#   Alembic raises                       miglint reports
#   KeyError(x)                          MG103 naming x
#   RevisionError "Branch name 'L' ..."  MG108 naming L
#   CycleDetected                        MG101
#   DependencyCycleDetected              MG110, or MG101 (see below)
#   nothing, warns "present more than once"  MG104 for that id, and none of the above
#   nothing                              none of MG103/MG104/MG108; heads and bases equal
#
# Alembic raises only the first problem it meets; miglint reports each. Known, deliberate
# differences, each checked rather than skipped:
# - Alembic's cycle check is not a cycle search (alembic_cycle_error above): it misses a
#   cycle that a base leads into and that leads on to a head. miglint reports every
#   cycle; each one it reports is checked to be a cycle of the written links.
# - A down_revision cycle that Alembic's first (down_revision-only) check misses can be
#   caught by its second check, over down_revision and depends_on together, which then
#   raises DependencyCycleDetected: miglint reports that cycle as MG101.
# - With a duplicated id Alembic's heads include every copy (see
#   test_duplicate_revision_id_heads_in_alembic): heads are compared without duplicates.

BROKEN_GRAPHS = range(520)
LOAD_ERRORS = {"MG101", "MG103", "MG108", "MG110"}


def break_history(rng: random.Random, specs: list[Spec]) -> tuple[list[Spec], list[str]]:
    """specs broken 0-3 times; returns the history and the names of the breakages."""
    specs = list(specs)
    done: list[str] = []
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        kind = rng.choice(
            ("duplicate", "missing-down", "missing-depends", "cycle-down", "cycle-depends",
             "self", "label-is-id", "label-twice")
        )  # fmt: skip
        index = rng.randrange(len(specs))
        target = specs[index]
        revs = [s.rev for s in specs]
        if kind == "duplicate":
            parents = target.parents if rng.random() < 0.5 else tuple(rng.sample(revs, 1))
            specs.insert(rng.randint(0, len(specs)), replace(target, parents=parents, labels=()))
        elif kind == "missing-down":
            specs[index] = replace(target, parents=(*target.parents, MISSING)[-2:])
        elif kind == "missing-depends":
            specs[index] = replace(target, depends=(*target.depends, rng.choice((MISSING, "nolabel"))))
        elif kind in ("cycle-down", "cycle-depends"):
            later = [r for r in path_count_safe(specs, target.rev) if r != target.rev]
            if not later:
                continue
            descendant = rng.choice(later)
            if kind == "cycle-down":
                specs[index] = replace(target, parents=(*target.parents, descendant)[-2:])
            else:
                specs[index] = replace(target, depends=(*target.depends, descendant))
        elif kind == "self":
            specs[index] = replace(target, parents=(target.rev,))
        elif kind == "label-is-id":
            specs[index] = replace(target, labels=(*target.labels, rng.choice(revs)))
        else:
            labels = [label for s in specs for label in s.labels]
            if not labels:
                continue
            specs[index] = replace(target, labels=(*target.labels, rng.choice(labels)))
        done.append(kind)
    return specs, done


def path_count_safe(specs: Sequence[Spec], start: str) -> dict[str, int]:
    """Which revisions lie after `start` over both link kinds (a reachability walk)."""
    children: dict[str, set[str]] = {s.rev: set() for s in specs}
    for s in specs:
        for parent in (*s.parents, *s.depends):
            children.setdefault(parent, set()).add(s.rev)
    return dict.fromkeys(reach([start], children), 1)


def alembic_verdict(root: Path) -> tuple[BaseException | None, list[str], ScriptDirectory | None]:
    """(what Alembic raised on load, its warnings, the loaded scripts or None)."""
    scripts = alembic_scripts(root)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            scripts.get_heads()
        except Exception as error:  # what it raises is the point
            return error, [str(w.message) for w in caught], None
    return None, [str(w.message) for w in caught], scripts


def assert_is_a_cycle(cycle: Sequence[str], specs: Sequence[Spec], *, via_depends: bool) -> None:
    """A reported cycle is a cycle of the written links (some copy of each id has the link)."""
    links: dict[str, set[str]] = {}
    for s in specs:
        links.setdefault(s.rev, set()).update(s.parents, s.depends if via_depends else ())
    for previous, rev in zip([cycle[-1], *cycle[:-1]], cycle):
        assert previous in links[rev], f"{list(cycle)} is not a cycle"


@pytest.mark.parametrize("seed", BROKEN_GRAPHS, ids=lambda seed: f"graph{seed}")
def test_broken_history_gets_the_same_verdict_as_in_alembic(tmp_path: Path, seed: int, alarm: None) -> None:
    rng = random.Random(1000 + seed)
    specs, broken = break_history(rng, random_history(rng, size=rng.randint(1, 16)))
    write(tmp_path, specs, annotated=seed % 5 == 2)
    story = (broken, notation(specs))
    raised, warned, scripts = alembic_verdict(tmp_path)
    report = lint(tmp_path)
    found: dict[str, list] = {}
    for d in report.diagnostics:
        found.setdefault(d.code, []).append(d)

    for code in ("MG101", "MG110"):  # whatever Alembic says, a reported cycle is real
        for d in found.get(code, []):
            assert_is_a_cycle(d.revisions, specs, via_depends=code == "MG110")

    if isinstance(raised, KeyError):
        (missing,) = raised.args
        assert any(missing in d.revisions for d in found.get("MG103", [])), story
    elif type(raised) is RevisionError:
        label = re.match(r"Branch name '([^']*)'", str(raised))
        assert label is not None, (raised, story)
        assert any(repr(label.group(1)) in d.message for d in found.get("MG108", [])), story
    elif isinstance(raised, DependencyCycleDetected):
        assert "MG110" in found or "MG101" in found, story
    elif isinstance(raised, CycleDetected):
        assert "MG101" in found, story
    elif raised is not None:
        raise AssertionError(f"Alembic raised {raised!r}, which this test does not know: {story}")
    else:
        # Alembic loads it: nothing it would have refused, but the cycles it misses
        assert not found.keys() & {"MG103", "MG108"}, story
        assert scripts is not None
        if len({s.rev for s in specs}) == len(specs):  # (alembic_cycle_error knows no duplicates)
            if found.keys() & {"MG101", "MG110"}:
                assert alembic_cycle_error(specs) is None, story  # one it misses, by its rules
            assert set(report.graph.heads()) == set(scripts.get_heads()), story
            assert set(report.graph.bases()) == set(scripts.get_bases()), story

    duplicated = sorted(
        {m.group(1) for w in warned if (m := re.match(r"Revision (\S+) is present more than once", w))}
    )
    flagged = sorted({d.revisions[0] for d in found.get("MG104", [])})
    if raised is None:
        assert flagged == duplicated, story
    else:  # Alembic warns as it reads the files, and stops reading at a self-loop (LoopDetected)
        assert set(duplicated) <= set(flagged), story


# The shapes issue 12 named, and those the random histories above turned up, one each.
NAMED_DISAGREEMENTS = {
    "label-is-another-revisions-id": (["a", "b@a<-a"], RevisionError, "MG108"),
    "label-is-its-own-id": (["a@a"], RevisionError, "MG108"),
    "label-listed-twice": (["a", "b@x@x<-a"], RevisionError, "MG108"),
    "label-on-both-copies-of-an-id": (["a", "b@x<-a", "b@x<-a"], RevisionError, "MG108"),
    "kept-copy-has-a-missing-parent": (["a", "b<-a", "b<-gone"], KeyError, "MG103"),
    "set-aside-copy-has-a-missing-parent": (["a", "b<-gone", "b<-a"], KeyError, "MG103"),
    "set-aside-copy-revises-itself": (["a", "b<-b", "b<-a"], CycleDetected, "MG101"),
}


@pytest.mark.parametrize(
    ("history", "error", "code"), NAMED_DISAGREEMENTS.values(), ids=NAMED_DISAGREEMENTS.keys()
)
def test_named_shapes_alembic_refuses_are_reported(
    tmp_path: Path, history: list[str], error: type[Exception], code: str
) -> None:
    write_project(tmp_path, history)
    raised, _, _ = alembic_verdict(tmp_path)
    assert isinstance(raised, error)
    assert code in {d.code for d in lint(tmp_path).diagnostics}
