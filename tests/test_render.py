"""`miglint graph`: the picture, the Mermaid source and the text tree of a history.

Mermaid and text output are compared with files under tests/render_expected/.
Regenerate after an intended change: MIGLINT_UPDATE_EXPECTED=1 pytest tests/test_render.py
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from histories import write_project
from miglint import cli
from miglint.cli import main
from miglint.graph import RevisionGraph
from miglint.pictures import build_view, cut, to_graphviz, to_mermaid, to_text, truncate
from miglint.pipeline import Options, lint_paths
from miglint.plan import upgrade_plan

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
EXPECTED = Path(__file__).parent / "render_expected"
SCENARIOS = [
    "seed-chain",
    "two-heads",
    "cycle",
    "labelled-branches",
    "clean",
    "missing-parent",
    "non-literal-revision",
]
SVG = "{http://www.w3.org/2000/svg}"
# pygraphviz renders without system Graphviz and parses DOT back; its wheels need Python 3.10+
needs_pygraphviz = pytest.mark.skipif(
    importlib.util.find_spec("pygraphviz") is None, reason="pygraphviz is not installed"
)
XLINK = "{http://www.w3.org/1999/xlink}"


def graph(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, ["graph", "--no-cache", *args])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def revisions_of(root: Path) -> RevisionGraph:
    (report,) = lint_paths([str(root)], root, Options(use_cache=False))
    assert report.graph is not None
    return report.graph


def edges_of(revisions: RevisionGraph) -> set[tuple[str, str]]:
    return {
        (parent, rev)
        for rev in revisions.revisions
        for parent in (*revisions.down_revisions(rev), *revisions.depends_on(rev))
        if parent in revisions.revisions
    }


def parse_dot(source: str) -> Any:
    import pygraphviz

    return pygraphviz.AGraph(string=source)


def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine without Graphviz: nothing called `dot` anywhere on PATH."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))
    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k)
    )


# -- expected files ----------------------------------------------------------------------


OUTPUTS = [
    *[(scenario, "text", "txt", []) for scenario in SCENARIOS],
    *[(scenario, "mermaid", "mmd", []) for scenario in SCENARIOS],
    *[(scenario, "text", "ascii.txt", ["--ascii"]) for scenario in ("seed-chain", "two-heads")],
]


@pytest.mark.parametrize(
    ("scenario", "fmt", "suffix", "extra"), OUTPUTS, ids=[f"{o[0]}.{o[2]}" for o in OUTPUTS]
)
def test_expected_output(
    scenario: str, fmt: str, suffix: str, extra: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    output = ok(graph(["--format", fmt, *extra], EXAMPLES / scenario, monkeypatch)).output
    expected = EXPECTED / f"{scenario}.{suffix}"
    if os.environ.get("MIGLINT_UPDATE_EXPECTED"):
        expected.write_text(output)
    assert output == expected.read_text()
    if extra:
        assert not any(c in output for c in "├└│→")


def test_seed_chain_text_tree_is_the_reviews_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-drawn chain of the incident review, drawn from the code."""
    output = ok(graph(["--format", "text"], EXAMPLES / "seed-chain", monkeypatch)).output.splitlines()
    outside = output.index("files with findings that are not in the graph:")
    assert output[outside + 1].strip() == "run_migrations.py [MG301]"  # the runner that stamps head
    lines = output[:outside]
    while lines and not lines[-1]:
        lines.pop()  # the blank line before the section
    assert lines[1] == "<base>"
    assert lines[2].startswith("└─→ 20251011_baseline_v106 (v1.0.6 schema snapshot) [base]")
    assert lines[-2].strip() == "336ce8830dfe (add learning persistence)"
    assert lines[-1] == " " * 12 + "└─→ ab68d77b5088 (merge, drawn above)"
    assert any(line.endswith("c64001afbd46 (backfill assistant personality) [head]") for line in lines)
    assert any("a1b2c3d4e5f6" in line and line.endswith("[MG111]") for line in lines)
    drawn = [line for line in lines if "drawn above" not in line]
    for rev in revisions_of(EXAMPLES / "seed-chain").revisions:
        assert sum(f" {rev} (" in f" {line.split('→ ')[-1].strip()}" for line in drawn) == 1, rev


# -- the text tree -------------------------------------------------------------------------


def text_of(tmp_path: Path, history: list[str], **kwargs: Any) -> str:
    write_project(tmp_path, history)
    revisions = revisions_of(tmp_path)
    return to_text(build_view(revisions, **kwargs))


def test_merge_reached_twice_is_drawn_once_and_referenced(tmp_path: Path) -> None:
    assert text_of(tmp_path, ["a", "b1<-a", "b2<-a", "m<-b1,b2", "c<-m"]) == (
        "<base>\n"
        "└─→ a (revision a) [base] [branch]\n"
        "    ├─→ b1 (revision b1)\n"
        "    │   m (revision m) [merge]\n"
        "    │   c (revision c) [head]\n"
        "    └─→ b2 (revision b2)\n"
        "        └─→ m (merge, drawn above)\n"
    )


def test_three_parent_merge_and_a_second_base(tmp_path: Path) -> None:
    text = text_of(tmp_path, ["a", "x", "b1<-a", "b2<-a", "m<-b1,b2,x"])
    assert text.count("m (merge, drawn above)") == 2
    assert text.count("m (revision m) [head] [merge]") == 1
    assert text.splitlines()[1].startswith("├─→ a ") and "└─→ x (revision x) [base]" in text


def test_ascii_tree(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "b1<-a", "b2<-a", "m<-b1,b2"])
    text = to_text(build_view(revisions_of(tmp_path)), ascii=True)
    assert text == (
        "<base>\n"
        "`-> a (revision a) [base] [branch]\n"
        "    |-> b1 (revision b1)\n"
        "    |   m (revision m) [head] [merge]\n"
        "    `-> b2 (revision b2)\n"
        "        `-> m (merge, drawn above)\n"
    )


def test_cycle_without_a_base_is_still_drawn_once(tmp_path: Path) -> None:
    text = text_of(tmp_path, ["a", "b<-a", "x<-z", "y<-x", "z<-y"])
    assert "\n<not reached from a base: a cycle>\n└─→ x (revision x)" in text
    for rev in "abxyz":
        assert text.count(f"{rev} (revision {rev})") == 1, text
    assert "x (cycle, drawn above)" in text


def test_depends_on_and_missing_parents_are_noted(tmp_path: Path) -> None:
    text = text_of(tmp_path, ["a", "d", "b<-a+d", "c<-gone", "e<-a+ghost"])
    assert "b (revision b) (depends on d) [head]" in text
    assert "c (revision c) (revises gone, which does not exist) [head]" in text
    # a depends_on entry that names nothing is said to be one (TaxHub's revision of another package)
    assert "e (revision e) (depends on ghost, which does not exist) [head]" in text


# -- SVG -------------------------------------------------------------------------------------


def svg_of(result: Result) -> ET.Element:
    return ET.fromstring(result.stdout_bytes)


@needs_pygraphviz
def test_svg_is_xml_with_every_revision_the_legend_and_the_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_dot(monkeypatch, tmp_path)
    result = ok(graph([], EXAMPLES / "seed-chain", monkeypatch))  # not a terminal: SVG
    root = svg_of(result)
    assert root.tag == f"{SVG}svg"
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    revisions = revisions_of(EXAMPLES / "seed-chain")
    for rev, file in revisions.revisions.items():
        node = groups[f"revision-{rev}"]
        link = next(node.iter(f"{SVG}a"))
        assert link.get(f"{XLINK}title", "").startswith(rev)
        assert link.get(f"{XLINK}href") == f"migrations/versions/{Path(file.path).name}"
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "cluster_legend" in titles
    problem = groups["revision-a1b2c3d4e5f6"]
    assert "problem" in (problem.get("class") or "").split()
    assert "MG111" in "".join(problem.itertext())
    assert "MG111 warning: revision id a1b2c3d4e5f6 looks hand-made" in next(problem.iter(f"{SVG}a")).get(
        f"{XLINK}title", ""
    )
    assert {g.get("id") for g in root.iter(f"{SVG}g") if "head" in (g.get("class") or "").split()} == {
        "revision-c64001afbd46"
    }


@needs_pygraphviz
def test_cycle_edges_are_red(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_dot(monkeypatch, tmp_path)
    root = svg_of(ok(graph(["--format", "svg"], EXAMPLES / "cycle", monkeypatch)))
    cyclic = [g for g in root.iter(f"{SVG}g") if "cycle" in (g.get("class") or "").split()]
    assert len(cyclic) == 3
    for edge in cyclic:
        assert next(edge.iter(f"{SVG}path")).get("stroke") == "#dc2626"


@needs_pygraphviz
def test_svg_without_dot_keeps_stderr_clean(tmp_path: Path) -> None:
    """A fresh process on a PATH without `dot`: pygraphviz's bundled engine renders, and
    what its C libraries print (fontconfig, Graphviz warnings) never reaches the user."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    target = tmp_path / "chain.svg"
    run = subprocess.run(
        [sys.executable, "-m", "miglint", "graph", "--no-cache", "-o", str(target)],
        cwd=EXAMPLES / "seed-chain",
        env={**os.environ, "PATH": str(empty)},
        capture_output=True,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, b"", b"")
    ET.parse(target)


def test_without_dot_or_pygraphviz_exit_2_names_the_formats_that_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_dot(monkeypatch, tmp_path)
    real_import = builtins.__import__

    def without_pygraphviz(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pygraphviz":
            raise ImportError("No module named 'pygraphviz'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_pygraphviz)
    for args in (["--format", "svg"], ["-o", str(tmp_path / "x.png")]):
        result = graph(args, EXAMPLES / "clean", monkeypatch)
        assert result.exit_code == 2
        assert "`dot` is not on PATH and pygraphviz is not installed" in result.output
        assert "dot, mermaid, text, json" in result.output
    for fmt in ("dot", "mermaid", "text", "json"):
        ok(graph(["--format", fmt], EXAMPLES / "clean", monkeypatch))


FAKE_DOT = """#!{python}
# `dot -Kdot -Tsvg` as the graphviz package runs it, answered by pygraphviz
import sys, pygraphviz
fmt = next(a[2:] for a in sys.argv if a.startswith("-T"))
open({log!r}, "a").write(fmt + "\\n")
sys.stdout.buffer.write(pygraphviz.AGraph(string=sys.stdin.read()).draw(format=fmt, prog="dot"))
"""


@needs_pygraphviz
def test_dot_on_path_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir, log = tmp_path / "bin", tmp_path / "dot.log"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text(FAKE_DOT.format(python=sys.executable, log=str(log)))
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = ok(graph(["--format", "svg"], EXAMPLES / "clean", monkeypatch))
    assert log.read_text() == "svg\n"
    ET.fromstring(result.stdout_bytes)


# -- DOT, Mermaid ------------------------------------------------------------------------------


@needs_pygraphviz
@pytest.mark.parametrize(
    "scenario", ["seed-chain", "labelled-branches", "dependency-cycle", "missing-parent"]
)
def test_dot_parses_back_with_the_same_nodes_and_edges(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = ok(graph(["--format", "dot"], EXAMPLES / scenario, monkeypatch)).output
    parsed = parse_dot(source)
    rev_of = {
        node.get_name(): node.attr["id"].removeprefix("revision-")
        for node in parsed.nodes()
        if (node.attr["id"] or "").startswith("revision-")
    }
    revisions = revisions_of(EXAMPLES / scenario)
    assert sorted(rev_of.values()) == sorted(revisions.revisions)
    drawn = {(rev_of[a], rev_of[b]) for a, b in parsed.edges() if a in rev_of and b in rev_of}
    assert drawn == edges_of(revisions)
    dashed = {
        (rev_of[e[0]], rev_of[e[1]]) for e in parsed.edges() if e.attr["style"] == "dashed" and e[0] in rev_of
    }
    assert dashed == {(p, c) for p, c in edges_of(revisions) if revisions.edge_kind(p, c) == "depends_on"}


def test_mermaid_ids_and_labels_are_safe(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        files={
            "0001_x.py": 'revision = "add-users@v2"\ndown_revision = None\n',
            "0002_y.py": (
                '"""Quote " and <b>tags</b> & #35; end"""\nrevision = "y"\ndown_revision = "add-users@v2"\n'
            ),
        },
    )
    text = to_mermaid(build_view(revisions_of(tmp_path)))
    lines = text.splitlines()
    assert lines[0] == "flowchart TB"
    assert any(line.startswith('    n0("<b>add-users@v2</b>') for line in lines)
    assert "<br/>Quote #quot; and #lt;b#gt;tags#lt;/b#gt; & #35;35; end<br/>" in text
    assert "    n0 --> n1" in lines
    assert all("@" not in line.split("[")[0].split("(")[0] for line in lines if line.startswith("    n"))


@needs_pygraphviz
def test_truncation_never_overflows(tmp_path: Path) -> None:
    write_project(tmp_path, files={f"{'a' * 60}.py": f'"""{"x" * 200}"""\nrevision = "{"r" * 60}"\n'})
    parsed = parse_dot(to_graphviz(build_view(revisions_of(tmp_path))).source)
    (node,) = [n for n in parsed.nodes() if n.attr["id"] == f"revision-{'r' * 60}"]
    label = node.attr["label"]
    assert "x" * 39 + "…" in label and "x" * 40 not in label
    assert "r" * 12 + "…" in label and "r" * 13 not in label  # ids longer than 32 are cut to 12
    assert "a" * 29 + "…" in label and "a" * 30 not in label  # file names are cut in the middle
    assert node.attr["tooltip"].startswith("r" * 60 + "\n" + "x" * 200)
    assert truncate("abc", 3) == "abc" and truncate("abcd", 3) == "ab…"


# -- determinism, output files ------------------------------------------------------------------


@needs_pygraphviz
def test_same_input_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_dot(monkeypatch, tmp_path)
    first = ok(graph(["--format", "svg"], EXAMPLES / "seed-chain", monkeypatch)).stdout_bytes
    second = ok(graph(["--format", "svg"], EXAMPLES / "seed-chain", monkeypatch)).stdout_bytes
    assert first == second


@pytest.mark.parametrize(
    "fmt", ["dot", "mermaid", "text", "json", pytest.param("svg", marks=needs_pygraphviz)]
)
def test_same_bytes_whatever_the_hash_seed(fmt: str) -> None:
    """Separate processes with different string hashing: no set order leaks into the output."""
    outputs = {
        subprocess.run(
            [sys.executable, "-m", "miglint", "graph", "--no-cache", "--format", fmt, "--plan-from", "base"],
            cwd=EXAMPLES / "labelled-branches",
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(outputs) == 1


@pytest.mark.parametrize(
    ("name", "check"),
    [
        pytest.param(
            "chain.svg", lambda data: ET.fromstring(data).tag == f"{SVG}svg", marks=needs_pygraphviz
        ),
        pytest.param("chain.png", lambda data: data.startswith(b"\x89PNG\r\n"), marks=needs_pygraphviz),
        pytest.param("chain.pdf", lambda data: data.startswith(b"%PDF"), marks=needs_pygraphviz),
        ("chain.dot", lambda data: data.startswith(b"digraph miglint {")),
        ("chain.gv", lambda data: data.startswith(b"digraph miglint {")),
        ("chain.mmd", lambda data: data.startswith(b"%% ") and b"\nflowchart TB\n" in data),
        ("chain.txt", lambda data: b"\n<base>\n" in data),
        ("chain.json", lambda data: json.loads(data)["heads"] == ["6f58997166a8"]),
    ],
)
def test_output_file_format_from_its_extension(
    name: str, check: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_dot(monkeypatch, tmp_path)
    target = tmp_path / name
    assert ok(graph(["-o", str(target)], EXAMPLES / "clean", monkeypatch)).output == ""
    assert check(target.read_bytes())


@needs_pygraphviz
def test_links_are_relative_to_the_output_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "docs" / "chain.dot"
    out.parent.mkdir()
    ok(graph([str(EXAMPLES / "clean"), "-o", str(out)], ROOT, monkeypatch))
    parsed = parse_dot(out.read_text())
    hrefs = {n.attr["URL"] for n in parsed.nodes() if n.attr["URL"]}
    assert hrefs and all(not h.startswith("/") and (out.parent / h).resolve().is_file() for h in hrefs)


def test_unknown_extension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = graph(["-o", str(tmp_path / "chain.jpeg")], EXAMPLES / "clean", monkeypatch)
    assert result.exit_code == 2 and "use --format" in result.output


@needs_pygraphviz
def test_png_to_stdout_is_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_dot(monkeypatch, tmp_path)
    png = ok(graph(["--format", "png"], EXAMPLES / "clean", monkeypatch)).stdout_bytes
    assert png.startswith(b"\x89PNG")  # untouched, when stdout is not a terminal


def test_default_format_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stdout:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.setattr(sys, "stdout", Stdout(False))
    assert cli._graph_format(None, None) == "svg"  # `miglint graph > chain.svg`
    monkeypatch.setattr(sys, "stdout", Stdout(True))
    assert cli._graph_format(None, None) == "text"
    assert cli._graph_format("dot", Path("x.svg")) == "dot"
    assert cli._graph_format(None, Path("x.SVG")) == "svg"


# -- cuts and the plan --------------------------------------------------------------------------

CHAIN = ["a", "b<-a", "c<-b", "x<-b", "d<-c", "e<-d"]


@pytest.mark.parametrize(
    ("args", "kept"),
    [
        (["--from", "c"], "cde"),
        (["--to", "c"], "abc"),
        (["--from", "b", "--to", "d"], "bcd"),
        (["--around", "c:1"], "bcd"),
        (["--around", "c"], "abcdex"),  # two edges by default
        (["--around", "e:2"], "cde"),
        (["--from", "head"], "e"),
    ],
)
def test_cuts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], kept: str) -> None:
    write_project(tmp_path, CHAIN)
    result = graph(["--format", "json", *args], tmp_path, monkeypatch)
    if args == ["--from", "head"]:  # two heads: `head` names neither
        assert result.exit_code == 2 and "--from head" in result.output
        return
    payload = json.loads(ok(result).output)
    assert "".join(sorted(r["id"] for r in payload["revisions"])) == kept
    text = ok(graph(["--format", "text", *args], tmp_path, monkeypatch)).output
    assert "".join(sorted(re.findall(r"(\w) \(revision \w\)", text))) == kept
    assert f"{len(kept)} of 6 revisions" in text.splitlines()[0]


def test_cut_function_follows_depends_on(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "b<-a", "o", "p<-o+b"])
    revisions = revisions_of(tmp_path)
    assert cut(revisions, from_rev="a") == {"a", "b", "p"}
    assert cut(revisions, to_rev="p") == {"a", "b", "o", "p"}


@needs_pygraphviz
def test_plan_from_colours_what_runs_and_what_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = ok(
        graph(["--format", "dot", "--plan-from", "336ce8830dfe"], EXAMPLES / "seed-chain", monkeypatch)
    )
    parsed = parse_dot(source.output)
    classes = {
        n.attr["id"].removeprefix("revision-"): set(n.attr["class"].split())
        for n in parsed.nodes()
        if (n.attr["id"] or "").startswith("revision-")
    }
    plan = upgrade_plan(revisions_of(EXAMPLES / "seed-chain"), "336ce8830dfe")
    assert {r for r, c in classes.items() if "runs" in c} == set(plan)
    assert {r for r, c in classes.items() if "skipped" in c} == set(classes) - set(plan)
    assert {r for r, c in classes.items() if "stamp" in c} == {"336ce8830dfe"}
    text = ok(
        graph(["--format", "text", "--plan-from", "336ce8830dfe"], EXAMPLES / "seed-chain", monkeypatch)
    )
    assert "c64001afbd46 (backfill assistant personality) [head] [step 7]" in text.output
    assert "336ce8830dfe (add learning persistence) [stamped here]" in text.output


def test_plan_from_head_is_the_incident(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ok(graph(["--format", "text", "--plan-from", "head"], EXAMPLES / "seed-chain", monkeypatch)).output
    assert "[step" not in text and text.count("[skipped]") == 23


def test_plan_from_unknown_revision_is_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    result = graph(["--format", "text", "--plan-from", "nothere"], EXAMPLES / "seed-chain", monkeypatch)
    assert result.exit_code == 2 and "--plan-from nothere: no such revision" in result.output


def test_baseline_from_settings_is_marked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, ["a", "b<-a", "c<-b"])
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "b"\n')
    text = ok(graph(["--format", "text"], tmp_path, monkeypatch)).output
    assert "b (revision b) [baseline]" in text
    dot = ok(graph(["--format", "dot"], tmp_path, monkeypatch)).output
    assert 'class="revision baseline"' in dot


def test_committed_picture_of_the_seed_chain() -> None:
    """docs/seed-chain.svg, shown in the README: regenerate it with the command in docs/README.md."""
    root = ET.parse(ROOT / "docs" / "seed-chain.svg").getroot()
    drawn = {g.get("id") for g in root.iter(f"{SVG}g")}
    assert {f"revision-{rev}" for rev in revisions_of(EXAMPLES / "seed-chain").revisions} <= drawn
    assert (
        "miglint graph examples/seed-chain -o docs/seed-chain.svg"
        in (ROOT / "docs" / "README.md").read_text()
    )
