"""Smaller defects a new user hit (issue 12, section 7)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import copy_bundled_example, write_project
from miglint.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ANSI = "\x1b["


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch, **env: str):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(cwd)
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return cli_runner().invoke(main, args)


# -- colour ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color"], {}, True),
        (["--color"], {"NO_COLOR": "1"}, True),
        ([], {}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": ""}, True),
        ([], {"FORCE_COLOR": "0"}, False),
        (["--no-color"], {"FORCE_COLOR": "1"}, False),
        ([], {"NO_COLOR": "1"}, False),
    ],
)
def test_color_when_piped(
    args: list[str], env: dict[str, str], coloured: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, ["a", "b1<-a", "b2<-a"])
    result = run(["lint", "--no-cache", *args], tmp_path, monkeypatch, **env)
    assert result.exit_code == 1
    assert (ANSI in result.stdout) is coloured
    if coloured:
        assert "\x1b[1;31mMG102\x1b[0m revision b1 is one of 2 heads" in result.stdout


def test_color_with_output_file_colours_the_terminal_report_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, ["a", "b1<-a", "b2<-a"])
    result = run(
        ["lint", "--no-cache", "--color", "--format", "json", "-o", "out.json"], tmp_path, monkeypatch
    )
    assert ANSI in result.stdout
    assert ANSI not in (tmp_path / "out.json").read_text()


# -- lint -o ---------------------------------------------------------------------------


def test_lint_o_is_output_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, ["a", "b<-a"])
    result = run(["lint", "--no-cache", "--format", "sarif", "-o", "report.sarif"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed: 2 revisions in 1 environment.\n"
    assert '"version": "2.1.0"' in (tmp_path / "report.sarif").read_text()


# -- --env by section --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tenant", "alembic.ini [tenant]"])
def test_env_accepts_the_section_name(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "multi-env"
    copy_bundled_example(EXAMPLES / "multi-env", project)
    for command in (["graph", "--format", "json"], ["plan", "--from", "base"], ["scenarios"]):
        result = run([*command, "--no-cache", "--env", name], project, monkeypatch)
        assert result.exit_code == 0, result.output + result.stderr
    drawn = run(["graph", "--no-cache", "--format", "json", "--env", name], project, monkeypatch)
    assert '"environment": "alembic.ini [tenant]"' in drawn.stdout


def test_env_unknown_section_lists_the_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "multi-env"
    copy_bundled_example(EXAMPLES / "multi-env", project)
    result = run(["graph", "--no-cache", "--env", "tenants"], project, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr == (
        "miglint: error: no environment named 'tenants' (there are: alembic.ini [core], alembic.ini [tenant])\n"
    )


# -- plan ----------------------------------------------------------------------------------


def test_plan_with_nothing_to_run_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, ["a", "b<-a"])
    result = run(["plan", "--from", "b", "--no-cache"], tmp_path, monkeypatch)
    assert (result.exit_code, result.stdout) == (
        0,
        "alembic upgrade heads from b runs nothing: every revision heads needs is already applied at b\n",
    )
    to_a = run(["plan", "--from", "b", "--to", "a", "--no-cache"], tmp_path, monkeypatch)
    assert (
        to_a.stdout
        == "alembic upgrade a from b runs nothing: every revision a needs is already applied at b\n"
    )
    as_json = run(["plan", "--from", "b", "--no-cache", "--format", "json"], tmp_path, monkeypatch)
    assert '"revisions": []' in as_json.stdout


# -- scenarios ------------------------------------------------------------------------------


def test_scenarios_rows_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(["scenarios", "--no-cache"], EXAMPLES / "seed-chain", monkeypatch)
    rows = result.stdout.split("\n\n")[0].splitlines()
    assert rows[0].split()[:4] == ["scenario", "where", "when", "stamp"]
    assert len(set(rows[1:])) == len(rows) - 1  # no two rows alike
    fixed = [line for line in rows if "run_migrations_fixed.py:129" in line]
    assert [" ".join(line.split()[3:-5]) for line in fixed] == [
        "table_count < 30",
        "not (table_count < 30) and table_count < 60",
        "not (table_count < 30) and not (table_count < 60)",
    ]


RUNNER = """import os
import subprocess


def main():
    if os.environ.get("LEGACY"):
        rev = os.environ["REV"]
    else:
        rev = "a"
    subprocess.run(["alembic", "stamp", rev], check=True)
    subprocess.run(["alembic", "upgrade", "head"], check=True)
"""


def test_a_computed_stamp_target_is_not_called_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, ["a", "b<-a"])
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "run_migrations.py").write_text(RUNNER)
    result = run(["scenarios", "--no-cache"], tmp_path, monkeypatch)
    assert result.exit_code == 0
    assert "no such revision" not in result.stdout
    assert [line.split() for line in result.stdout.splitlines() if "run_migrations.py:10" in line][:2] == [
        ["runner", "stamp", "run_migrations.py:10", "os.environ.get('LEGACY')", "(computed)", "?", "?"],
        ["runner", "stamp", "run_migrations.py:10", "not", "(os.environ.get('LEGACY'))", "a", "1", "0"],
    ]
    assert (
        "  run_migrations.py:10 stamp (computed): the revision is computed at run time; miglint cannot tell which"
        in result.stdout.splitlines()
    )
    import json

    as_json = run(["scenarios", "--no-cache", "--format", "json"], tmp_path, monkeypatch)
    (computed,) = [r for r in json.loads(as_json.stdout) if r["stamp"] == "(computed)"]
    assert computed["problem"] == "the revision is computed at run time; miglint cannot tell which"
    assert computed["when"] == "os.environ.get('LEGACY')"


def test_the_same_stamp_twice_on_one_path_names_the_value_line() -> None:
    from miglint.graph import RevisionGraph
    from miglint.model import Span
    from miglint.reading.parse import parse_revision_file
    from miglint.runners.python import StampSite, Target
    from miglint.runners.scenarios import scenarios

    graph = RevisionGraph([parse_revision_file("a.py", b"revision = 'a'\ndown_revision = None\n")])
    targets = (Target("a", Span.point(3), ()), Target("a", Span.point(5), ()))
    site = StampSite("run.py", Span.point(7), "alembic CLI", targets, (), False)
    rows = [r for r in scenarios(graph, [site], "a", []) if r.where]
    assert [r.when for r in rows] == ["(value at line 3)", "(value at line 5)"]


# -- --against -------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_against_annotations_point_at_files_of_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import re

    from test_against import two_branches

    repo = two_branches(tmp_path)
    github = run(["lint", "--against", "main", "--format", "github"], repo, monkeypatch)
    files = re.findall(r"^::error file=([^,]+),line=(\d+)", github.stdout, re.MULTILINE)
    assert files == [("migrations/versions/0002_b.py", "13")] * 2 + [("migrations/versions/0002_b.py", "14")]
    assert (
        "revision c is one of 2 heads (b, c), which diverged at a (in main:migrations/versions/0002_c.py:13)"
        in (github.stdout)
    )
    assert "c is only in main: merge or rebase main first, then run: alembic merge" in github.stdout
    sarif = json.loads(run(["lint", "--against", "main", "--format", "sarif"], repo, monkeypatch).stdout)
    places = [
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for location in (*result["locations"], *result.get("relatedLocations", ()))
    ]
    assert places and all((repo / uri).is_file() for uri in places)
    for fmt in ("gitlab", "junit"):
        out = run(["lint", "--against", "main", "--format", fmt], repo, monkeypatch).stdout
        assert "main:migrations" not in out.replace("(in main:migrations", "")
    # the text report still says where each finding is
    text = run(["lint", "--against", "main", "--concise"], repo, monkeypatch).stdout
    assert text.startswith("main:migrations/versions/0002_c.py:13:12: MG102 revision c")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_against_a_finding_only_ref_has_moves_to_the_nearest_revision_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_against import commit, git, new_repo, write

    repo = new_repo(tmp_path, ["base", "a<-base"])
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "checkout", "-q", "main")
    write(repo, "0002_c.py", "c<-a")
    write(repo, "0003_d.py", "d<-c")
    path = repo / "migrations" / "versions" / "0003_d.py"
    path.write_text(path.read_text().replace("Revises: c", "Revises: zz"))
    commit(repo, "c and d")
    git(repo, "checkout", "-q", "feature")
    github = run(["lint", "--against", "main", "--format", "github"], repo, monkeypatch)
    assert github.stdout.splitlines()[0] == (
        "::warning file=migrations/versions/0001_a.py,line=13,col=12,endLine=13,endColumn=15,"
        "title=MG106 header-mismatch::docstring says Revises 'zz' but `down_revision` is c "
        "(in main:migrations/versions/0003_d.py:4)%0Ahelp: set the docstring line to 'Revises: c'"
    )
