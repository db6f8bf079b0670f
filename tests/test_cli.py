"""The command line as users and CI see it: output formats, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import write_project
from miglint import __version__
from miglint.cli import main
from miglint.rule import all_rules


def run(args: list, cwd: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(cwd)
    return cli_runner().invoke(main, args)


def test_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(["--version"], tmp_path, monkeypatch)
    # the first line as click's version option prints it; the parsers and engine follow
    assert result.exit_code == 0 and result.output.startswith(f"miglint, version {__version__}\nPython: ")


def test_clean_project_exits_zero_with_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, ["a", "b<-a"])
    result = run(["lint", "--no-cache"], tmp_path, monkeypatch)
    assert (result.exit_code, result.output) == (0, "All checks passed: 2 revisions in 1 environment.\n")


def test_text_lines_are_relative_sorted_and_one_based(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, ["a", "b1<-a", "b2<-a"])
    result = run(["lint", "--no-cache", "--concise"], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "migrations/versions/0001_b1.py:13:12: MG102 revision b1 is one of 2 heads (b1, b2), which diverged at a",
        "migrations/versions/0002_b2.py:13:12: MG102 revision b2 is one of 2 heads (b1, b2), which diverged at a",
        "",
        "Found 2 errors in 3 revisions in 1 environment.",
    ]


def test_exit_zero_and_ignore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, ["a", "b1<-a", "b2<-a"])
    assert run(["lint", "--no-cache", "--exit-zero"], tmp_path, monkeypatch).exit_code == 0
    assert run(["lint", "--no-cache", "--ignore", "multiple-heads"], tmp_path, monkeypatch).exit_code == 0
    assert (
        run(["lint", "--no-cache", "--select", "MG1", "--ignore", "MG102"], tmp_path, monkeypatch).exit_code
        == 0
    )


def test_json_report_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, ["a", "b1<-a", "b2<-a"])
    result = run(["lint", "--no-cache", "--format", "json"], tmp_path, monkeypatch)
    payload = json.loads(result.output)
    assert payload["version"] == 1
    first = payload["diagnostics"][0]
    assert set(first) == {
        "code",
        "name",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "help",
        "revisions",
        "environment",
        "related",
        "fix",
    }
    assert (first["code"], first["name"], first["path"], first["line"], first["column"]) == (
        "MG102",
        "multiple-heads",
        "migrations/versions/0001_b1.py",
        13,
        12,
    )
    assert first["revisions"] == ["b1", "b2"] and first["fix"] is None
    summary = payload["summary"]
    assert (summary["errors"], summary["warnings"], summary["revisions"]) == (2, 0, 3)
    assert summary["environments"] == [
        {"name": "alembic.ini", "files": 3, "revisions": 3, "heads": ["b1", "b2"], "bases": ["a"]}
    ]


def test_graph_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, ["a", "b1<-a", "b2<-a", "m<-b1,b2+a", "l@feature<-m"])
    result = run(["graph", "--no-cache", "--format", "json"], tmp_path, monkeypatch)
    payload = json.loads(result.output)
    assert (payload["heads"], payload["bases"], payload["merges"], payload["branchpoints"]) == (
        ["l"],
        ["a"],
        ["m"],
        ["a"],
    )
    m = next(r for r in payload["revisions"] if r["id"] == "m")
    assert m == {
        "id": "m",
        "down_revisions": ["b1", "b2"],
        "depends_on": ["a"],
        "branch_labels": [],
        "path": "migrations/versions/0003_m.py",
        "line": 13,
        "message": "revision m",
    }


def test_rules_table_and_rule_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = run(["rules"], tmp_path, monkeypatch).output.splitlines()
    assert len(table) == 1 + len(all_rules())
    assert table[1].split()[:4] == ["MG001", "syntax-error", "on", "error"]
    assert any(line.split()[:3] == ["MG009", "unused-ignore", "off"] for line in table)
    docs = run(["rule", "multiple-heads"], tmp_path, monkeypatch)
    assert docs.exit_code == 0 and docs.output.startswith("# multiple-heads (MG102)")
    assert "## Why is this bad?" in docs.output and "alembic merge" in docs.output
    assert run(["rule", "MG999"], tmp_path, monkeypatch).exit_code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lint", "does-not-exist"], "miglint: error: does-not-exist: no such file or directory\n"),
        (["lint", "--select", "MG999"], "miglint: error: unknown rule 'MG999' (see `miglint rules`)\n"),
    ],
)
def test_usage_errors_exit_two_without_traceback(
    args: list, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, ["a"])
    result = run(args, tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr == message
    assert "Traceback" not in result.output


def test_missing_version_location_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/nowhere\n")
    result = run(["lint"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr == "miglint: error: alembic.ini: script_location nowhere does not exist\n"


def test_bad_files_are_findings_not_crashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(
        tmp_path,
        ["a"],
        files={
            "0002_b.py": b"revision = 'b'\ndown_revision = 'a'\n# caf\xe9\n",
            "0003_c.py": "revision = 'c'\ndown_revision = 'a'\ndef upgrade(:\n    pass\n",
            "0004_d.py": "revision = make_id()\ndown_revision = 'a'\n",
            "0005_e.py": "",
        },
    )
    result = run(["lint", "--no-cache", "--concise"], tmp_path, monkeypatch)
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [
        line.split(": ", 1)[0] + ": " + line.split(": ")[1][:5] for line in result.output.splitlines()[:3]
    ]
    assert lines == [
        "migrations/versions/0002_b.py:3:6: MG001",
        "migrations/versions/0003_c.py:3:13: MG001",
        "migrations/versions/0004_d.py:1:12: MG003",
    ]


def test_plan_lists_what_an_upgrade_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from histories import write_project as write

    write(
        tmp_path,
        ["a", "b<-a"],
        files={
            "0009_c.py": "revision = 'c'\ndown_revision = 'b'\ndef upgrade():\n    op.create_table('t')\n    op.execute('INSERT INTO t VALUES (1)')\n"
        },
    )
    result = run(["plan", "--from", "a", "--no-cache"], tmp_path, monkeypatch)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "alembic upgrade heads from a runs 2 revisions:",
        "   1. b  revision b",
        "   2. c    [creates tables, changes data]",
    ]
    bad = run(["plan", "--from", "zz", "--no-cache"], tmp_path, monkeypatch)
    assert bad.exit_code == 2
    assert (
        bad.stderr
        == "miglint: error: no such revision or branch 'zz'; a prefix needs at least four characters\n"
    )


def test_the_graph_title_counts_one_revision_in_the_singular(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # helper-36: "migrations: 1 revisions, 1 head, 0 findings"
    write_project(tmp_path, ["a"])
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(
        main, ["graph", "--no-cache", "--format", "text", "."], catch_exceptions=False
    )
    assert result.output.splitlines()[0] == "migrations: 1 revision, 1 head, 0 findings"
