"""`--format markdown`: the pull-request comment, read back with a Markdown parser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_runner
from histories import copy_bundled_example
from miglint.cli import main
from miglint.formats import Finding
from miglint.formats.markdown import LIMIT, MARKER, Links, render
from miglint.model import Diagnostic, Span
from miglint.report import EnvironmentReport
from test_against import VERSIONS, commit, git, new_repo, two_branches, write

markdown_it = pytest.importorskip("markdown_it")

EXAMPLES = Path(__file__).parent.parent / "examples"
DOCS = "https://github.com/miglint/miglint/blob/main/docs/rules/"
BLOB = "https://github.com/acme/shop/blob/0123abc"
HEAD_3DF = "migrations/versions/3df49f95e6d3_add_task_labels.py"
HEAD_A06 = "migrations/versions/a06b46547cd5_add_task_due_dates.py"


def parse(text: str) -> list[Any]:
    """The tokens GitHub's renderer would see: CommonMark with GFM tables."""
    return markdown_it.MarkdownIt("commonmark").enable("table").parse(text)  # type: ignore[no-any-return]


def table_rows(tokens: list[Any], which: int = 0) -> list[list[Any]]:
    """The body rows of the `which`-th table, each a list of its cells' inline tokens."""
    tables = [i for i, t in enumerate(tokens) if t.type == "table_open"]
    rows: list[list[Any]] = []
    at = tables[which]
    while tokens[at].type != "table_close":
        if tokens[at].type == "tbody_open":
            while tokens[at].type != "tbody_close":
                if tokens[at].type == "tr_open":
                    rows.append([])
                if tokens[at].type == "inline":
                    rows[-1].append(tokens[at])
                at += 1
        at += 1
    return rows


def text_of(inline: Any) -> str:
    return "".join(c.content for c in inline.children if c.type in ("text", "code_inline"))


def hrefs(inline: Any) -> list[str]:
    return [c.attrs["href"] for c in inline.children if c.type == "link_open"]


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    monkeypatch.chdir(cwd)
    for name in ("GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_SERVER_URL", "MIGLINT_BLOB_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return cli_runner().invoke(main, ["lint", "--format", "markdown", *args])


@pytest.fixture
def two_heads(tmp_path: Path) -> Path:
    if any((directory / ".git").exists() for directory in tmp_path.parents):
        pytest.skip(f"{tmp_path} is inside a git repository")
    project = tmp_path / "two-heads"
    copy_bundled_example(EXAMPLES / "two-heads", project)
    return project


def test_comment_tables_link_each_line_and_rule(two_heads: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(["--no-cache"], two_heads, monkeypatch, GITHUB_REPOSITORY="acme/shop", GITHUB_SHA="0123abc")
    assert result.exit_code == 1  # the format does not change the exit status
    text = result.stdout
    assert text.startswith(f"{MARKER}\n### miglint: Found 2 errors in 4 revisions in 1 environment.\n")
    tokens = parse(text)
    assert tokens[0].type == "html_block" and tokens[0].content == f"{MARKER}\n"  # hidden when rendered
    findings = table_rows(tokens, 0)
    assert [[text_of(cell) for cell in row[:3]] for row in findings] == [
        ["❌ error", "MG102 multiple-heads", f"{HEAD_3DF}:13"],
        ["❌ error", "MG102 multiple-heads", f"{HEAD_A06}:13"],
    ]
    assert [hrefs(row[1]) + hrefs(row[2]) for row in findings] == [
        [f"{DOCS}MG102.md", f"{BLOB}/{HEAD_3DF}#L13"],
        [f"{DOCS}MG102.md", f"{BLOB}/{HEAD_A06}#L13"],
    ]
    message = findings[0][3]
    assert [c.type for c in message.children if c.type != "text"] == ["html_inline"]  # the <br>
    assert text_of(message) == (
        "revision 3df49f95e6d3 is one of 2 heads (3df49f95e6d3, a06b46547cd5), which diverged at 9bdb6b8ff06e"
        'run: alembic merge -m "merge heads 3df49f95e6d3 and a06b46547cd5" 3df49f95e6d3 a06b46547cd5'
        " (or, if this branch is unreleased, make the history linear: miglint rebase 3df49f95e6d3"
        " --onto a06b46547cd5)"
    )
    heads = table_rows(tokens, 1)
    assert [[text_of(cell) for cell in row] for row in heads] == [
        ["alembic.ini", "3df49f95e6d3, a06b46547cd5 (2)"]
    ]
    (picture,) = [t for t in tokens if t.type == "fence"]
    assert picture.info == "mermaid" and picture.content.startswith("flowchart TB\n")
    # the heads, their branch point and its parent: all four revisions lie within two edges
    assert picture.content.count("<b>") == 4 and "head<br/>MG102" in picture.content


def test_links_are_relative_outside_ci_and_rules_pages_exist(
    two_heads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = run(["--no-cache"], two_heads, monkeypatch).stdout
    row = table_rows(parse(text), 0)[0]
    assert hrefs(row[2]) == [f"{HEAD_3DF}#L13"]
    page = Path(__file__).parent.parent / "docs" / "rules" / hrefs(row[1])[0].removeprefix(DOCS)
    assert page.is_file()
    given = run(["--no-cache"], two_heads, monkeypatch, MIGLINT_BLOB_URL="https://git.example/x/tree/main/")
    assert hrefs(table_rows(parse(given.stdout), 0)[0][2]) == [
        f"https://git.example/x/tree/main/{HEAD_3DF}#L13"
    ]


def test_a_clean_project_gives_a_short_comment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from histories import write_project

    write_project(tmp_path, ["a", "b<-a"])
    result = run(["--no-cache"], tmp_path, monkeypatch)
    assert result.exit_code == 0
    tokens = parse(result.stdout)
    assert result.stdout.splitlines()[1] == "### miglint: All checks passed: 2 revisions in 1 environment."
    assert [t.type for t in tokens].count("table_open") == 1  # the heads only
    assert [[text_of(c) for c in row] for row in table_rows(tokens, 0)] == [["alembic.ini", "b"]]


def test_a_cached_report_still_draws_its_picture(two_heads: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = two_heads.parent / "cache"
    first = run(["--cache-dir", str(cache)], two_heads, monkeypatch).stdout
    second = run(["--cache-dir", str(cache)], two_heads, monkeypatch).stdout
    assert first == second and "```mermaid" in second


def test_against_shows_the_heads_before_and_after_and_draws_the_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_branches(tmp_path)  # main: base <- a <- c; feature: base <- a <- b
    result = run(["--against", "main"], repo, monkeypatch)
    assert result.exit_code == 1
    tokens = parse(result.stdout)
    findings = table_rows(tokens, 0)
    # c is only in main: its finding is shown at the nearest line of the checkout (b's);
    # b's parent is not a head of main: the merge forks (MG123, at its down_revision)
    assert [(text_of(row[2]), text_of(row[1]).split()[0]) for row in findings] == [
        (f"{VERSIONS}/0002_b.py:13", "MG102"),
        (f"{VERSIONS}/0002_b.py:13", "MG102"),
        (f"{VERSIONS}/0002_b.py:14", "MG123"),
    ]
    heads = table_rows(tokens, 1)
    header = [t for t in tokens if t.type == "inline"]
    assert "Heads in main" in [text_of(t) for t in header]
    assert [[text_of(c) for c in row] for row in heads] == [["alembic.ini", "c", "b, c (2)"]]
    # the new head is bold: it is what the merge adds
    assert "**`b`**, `c`" in result.stdout
    (picture,) = [t for t in tokens if t.type == "fence"]
    assert drawn(picture.content) == ["a", "b", "base", "c"]


def test_against_draws_only_the_changed_part_of_a_long_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = ["r0"] + [f"r{n}<-r{n - 1}" for n in range(1, 20)]
    repo = new_repo(tmp_path, history)
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "0020_x.py", "x<-r19")
    commit(repo, "add x")
    git(repo, "checkout", "-q", "main")
    for number, (rev, parent) in enumerate(
        zip(["c1", "c2", "c3", "c4", "c5"], ["r19", "c1", "c2", "c3", "c4"]), 20
    ):
        write(repo, f"{number:04d}_{rev}.py", f"{rev}<-{parent}")
    commit(repo, "add c1..c5")
    git(repo, "checkout", "-q", "feature")
    result = run(["--against", "main"], repo, monkeypatch)
    assert result.exit_code == 1, result.stdout
    tokens = parse(result.stdout)
    assert [[text_of(c) for c in row] for row in table_rows(tokens, 1)] == [
        ["alembic.ini", "c5", "c5, x (2)"]
    ]
    (picture,) = [t for t in tokens if t.type == "fence"]
    # what both sides added and what lies within two edges of it; not the 20 revisions
    # before; and all that main added, more than the heads' own neighbourhood (c3, c4, c5)
    assert drawn(picture.content) == ["c1", "c2", "c3", "c4", "c5", "r18", "r19", "x"]


def drawn(mermaid: str) -> list[str]:
    return sorted(line.split("<b>")[1].split("</b>")[0] for line in mermaid.splitlines() if "<b>" in line)


# -- the size limit ------------------------------------------------------------------------


def many(count: int, message: str = "x") -> tuple[list[Finding], list[EnvironmentReport]]:
    diagnostics = tuple(
        Diagnostic(
            code="MG201",
            name="create-without-if-not-exists",
            severity="warning",
            path=f"migrations/versions/{n:05d}_r.py",
            span=Span(3, 0, 3, 10),
            message=f"{message} {n}",
            help="add IF NOT EXISTS",
        )
        for n in range(count)
    )
    report = EnvironmentReport("alembic.ini", count, count, ("r",), ("r",), diagnostics)
    return [Finding(report.name, d, d.path) for d in diagnostics], [report]


def test_a_comment_too_long_for_github_leaves_findings_out_and_says_how_many() -> None:
    found, reports = many(3000, "CREATE TABLE t_é (a int) ☃ " * 10)
    text = render(found, reports, Path("."), Links(BLOB))
    assert len(text.encode("utf-16-le")) // 2 <= LIMIT
    assert LIMIT - 2000 < len(text.encode("utf-16-le")) // 2  # it fills the room, not half of it
    tokens = parse(text)
    shown = len(table_rows(tokens, 0))
    assert 0 < shown < 3000
    note = f"{3000 - shown} more findings not shown: GitHub limits a comment to 65,536 characters"
    assert note in text
    # the rows kept are the first ones, whole
    assert text_of(table_rows(tokens, 0)[-1][2]) == f"migrations/versions/{shown - 1:05d}_r.py:3"


def test_a_comment_that_fits_is_whole() -> None:
    found, reports = many(40)
    text = render(found, reports, Path("."))
    assert len(table_rows(parse(text), 0)) == 40 and "not shown" not in text


def test_a_cell_holds_markdown_and_html_as_text() -> None:
    found, reports = many(1, "DROP TABLE `a|b` <script>alert(1)</script> *x* [y](z) ![i](j) &amp; #1 ~~s~~")
    tokens = parse(render(found, reports, Path(".")))
    (row,) = table_rows(tokens, 0)
    assert len(row) == 4  # the `|` did not split the cell
    assert [c.type for c in row[3].children if c.type != "text"] == ["html_inline"]  # only the <br>
    assert text_of(row[3]).startswith(
        "DROP TABLE `a|b` <script>alert(1)</script> *x* [y](z) ![i](j) &amp; #1 ~~s~~ 0"
    )


def test_the_picture_goes_before_any_finding_does() -> None:
    from miglint.formats.markdown import _fit

    rows = [f"| x | y | z | finding {n} |" for n in range(100)]
    picture = ["```mermaid", "flowchart TB", *[f"    n{n}(a)" for n in range(8000)], "```", ""]
    text = _fit(["head", ""], rows, ["heads table", "", *picture])
    assert len(text) <= LIMIT and "not shown" not in text and len(table_rows(parse(text), 0)) == 100
    assert "_The picture is left out: the comment would exceed GitHub's limit._" in text
    assert "flowchart" not in text and "heads table" in text
    small = ["```mermaid", "flowchart TB", "```", ""]
    assert "flowchart TB" in _fit(["head", ""], rows, small)


REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"


@pytest.mark.parametrize(
    "project", sorted(p.name for p in REALWORLD.iterdir() if p.is_dir()) if REALWORLD.is_dir() else ["absent"]
)
def test_real_world_comments_list_every_finding_and_draw_every_environment(
    project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not REALWORLD.is_dir():
        pytest.skip(f"the real-world corpus is not at {REALWORLD} (it comes with ../shared)")
    import json

    as_json = json.loads(run(["--no-cache", "--format", "json"], REALWORLD / project, monkeypatch).stdout)
    text = run(["--no-cache"], REALWORLD / project, monkeypatch).stdout
    assert len(text.encode("utf-16-le")) // 2 <= LIMIT
    tokens = parse(text)
    findings = len(as_json["diagnostics"])
    tables = [t.type for t in tokens].count("table_open")
    assert tables == (2 if findings else 1)  # the findings (when any), then the heads
    environments = [e for e in as_json["summary"]["environments"] if e["revisions"]]
    pictures = [t for t in tokens if t.type == "fence" and t.info == "mermaid"]
    left_out = re.search(r"_(\d+) more findings? not shown", text)
    if left_out:  # over GitHub's limit (the deploy-safety rules read the whole history): rows, no pictures
        assert len(table_rows(tokens, 0)) + int(left_out.group(1)) == findings
        assert pictures == []
    else:
        assert len(table_rows(tokens, 0)) == findings if findings else True
        # every finding fits, and each picture that does not is said to be left out (ckan: 101 findings)
        left_out_pictures = text.count("_The picture is left out: the comment would exceed GitHub's limit._")
        assert len(pictures) + left_out_pictures == len(environments)
    heads = table_rows(tokens, 1 if findings else 0)
    assert [text_of(row[0]) for row in heads] == [e["name"] for e in environments]
