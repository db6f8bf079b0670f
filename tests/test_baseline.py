"""The findings baseline: record today's findings, report only new ones, prune fixed ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import Spec, copy_bundled_example, version_source, write_project
from miglint.cli import main
from miglint.report.baseline import normalize_message

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
VERSIONS = Path("migrations") / "versions"
FTS = VERSIONS / "44a1a45d7c2e_add_full_text_search.py"  # docstring Revises is wrong
DOC_VERSIONS = VERSIONS / "c8c95ab1c68a_add_document_versions.py"  # docstring Revision ID is wrong
TAGS = VERSIONS / "2ad5e1a59b19_add_document_tags.py"  # clean

HEADER_MISMATCH_BASELINE = """\
{
  "version": 1,
  "findings": [
    {
      "path": "migrations/versions/44a1a45d7c2e_add_full_text_search.py",
      "code": "MG106",
      "revisions": [
        "44a1a45d7c2e"
      ],
      "message": "docstring says Revises 'c8c95ab1c68a' but `down_revision` is 2ad5e1a59b19",
      "count": 1
    },
    {
      "path": "migrations/versions/c8c95ab1c68a_add_document_versions.py",
      "code": "MG106",
      "revisions": [
        "c8c95ab1c68a"
      ],
      "message": "docstring says Revision ID '09cf1d30df20' but `revision` is 'c8c95ab1c68a'",
      "count": 1
    }
  ]
}
"""

TWO_HEADS_BASELINE = """\
{
  "version": 1,
  "findings": [
    {
      "path": "migrations/versions/3df49f95e6d3_add_task_labels.py",
      "code": "MG102",
      "revisions": [
        "3df49f95e6d3",
        "a06b46547cd5"
      ],
      "message": "revision 3df49f95e6d3 is one of heads (3df49f95e6d3, a06b46547cd5), which diverged at 9bdb6b8ff06e",
      "count": 1
    },
    {
      "path": "migrations/versions/a06b46547cd5_add_task_due_dates.py",
      "code": "MG102",
      "revisions": [
        "3df49f95e6d3",
        "a06b46547cd5"
      ],
      "message": "revision a06b46547cd5 is one of heads (3df49f95e6d3, a06b46547cd5), which diverged at 9bdb6b8ff06e",
      "count": 1
    }
  ]
}
"""


def copy_example(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / name
    copy_bundled_example(EXAMPLES / name, project)
    monkeypatch.chdir(project)
    return project


def lint(*args: str):  # type: ignore[no-untyped-def]
    return cli_runner().invoke(main, ["lint", *args])


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_write_baseline_records_the_findings_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    result = lint("--write-baseline")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "Wrote 2 findings to .miglint-baseline.json.\n"
    assert (project / ".miglint-baseline.json").read_text() == HEADER_MISMATCH_BASELINE
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".miglint-baseline")) == [
        ".miglint-baseline.json"
    ]  # no temporary file left behind


def test_two_heads_baseline_has_no_counts_in_its_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_example("two-heads", tmp_path, monkeypatch)
    assert lint("--write-baseline").exit_code == 0
    assert (project / ".miglint-baseline.json").read_text() == TWO_HEADS_BASELINE
    result = lint()
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "All checks passed: 4 revisions in 1 environment (2 baselined).\n"


def test_second_run_passes_and_counts_what_the_baseline_hides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_example("header-mismatch", tmp_path, monkeypatch)
    lint("--write-baseline")
    result = lint()
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "All checks passed: 4 revisions in 1 environment (2 baselined).\n"


def test_json_summary_counts_baselined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_example("header-mismatch", tmp_path, monkeypatch)
    lint("--write-baseline")
    payload = json.loads(lint("--format", "json").stdout)
    assert payload["diagnostics"] == []
    assert (payload["summary"]["errors"], payload["summary"]["baselined"]) == (0, 2)
    unfiltered = json.loads(lint("--format", "json", "--no-baseline-file").stdout)
    assert (len(unfiltered["diagnostics"]), unfiltered["summary"]["baselined"]) == (2, 0)


def test_lines_inserted_above_a_finding_keep_it_baselined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    lint("--write-baseline")
    replace_in(
        project / FTS, "add full text search\n", "add full text search\n\nWith a GIN index.\nAnd a trigger.\n"
    )
    moved = lint("--no-baseline-file", "--concise")
    assert f"{FTS.as_posix()}:7:10: MG106" in moved.stdout  # was line 4
    result = lint()
    assert result.exit_code == 0
    assert result.stdout == "All checks passed: 4 revisions in 1 environment (2 baselined).\n"


def test_a_new_header_mismatch_in_another_file_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    lint("--write-baseline")
    replace_in(project / TAGS, "Revises: c8c95ab1c68a", "Revises: 09cf1d30df20")
    result = lint("--concise")
    assert result.exit_code == 0  # MG106 is a warning
    assert result.stdout == (
        f"{TAGS.as_posix()}:4:10: MG106 docstring says Revises '09cf1d30df20' but `down_revision` is c8c95ab1c68a\n"
        "\n"
        "Found 1 warning in 4 revisions in 1 environment (2 baselined).\n"
        "1 fixable with --fix.\n"
    )


def test_a_revision_that_makes_a_second_head_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    lint("--write-baseline")
    source = version_source(Spec("5f0e9d4c3b2a", ("09cf1d30df20",), (), ()), "add audit log")
    (project / VERSIONS / "5f0e9d4c3b2a_add_audit_log.py").write_text(source)
    result = lint("--concise")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines[:2]] == [
        f"{FTS.as_posix()}:13:12",
        f"{VERSIONS.as_posix()}/5f0e9d4c3b2a_add_audit_log.py:13:12",
    ]
    assert all(" MG102 " in line for line in lines[:2])
    assert lines[2:] == ["", "Found 2 errors in 5 revisions in 1 environment (2 baselined)."]


def test_a_third_head_changes_the_facts_so_every_head_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key holds the heads (the finding's revisions): with three heads the merge to
    # run involves all three, so the two baselined heads are new findings too.
    project = copy_example("two-heads", tmp_path, monkeypatch)
    lint("--write-baseline")
    source = version_source(Spec("7c1d2e3f4a5b", ("9bdb6b8ff06e",), (), ()), "add task owners")
    (project / VERSIONS / "7c1d2e3f4a5b_add_task_owners.py").write_text(source)
    result = lint("--concise")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "Found 3 errors in 5 revisions in 1 environment."


def test_fixing_a_finding_then_rewriting_prunes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    lint("--write-baseline")
    replace_in(project / FTS, "Revises: c8c95ab1c68a", "Revises: 2ad5e1a59b19")
    assert lint().stdout == "All checks passed: 4 revisions in 1 environment (1 baselined).\n"
    result = lint("--write-baseline")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "Wrote 1 finding to .miglint-baseline.json (1 pruned).\n"
    recorded = json.loads((project / ".miglint-baseline.json").read_text())["findings"]
    assert [(f["path"], f["count"]) for f in recorded] == [(DOC_VERSIONS.as_posix(), 1)]
    # the fix is not undone by the pruned entry: bringing the finding back reports it
    replace_in(project / FTS, "Revises: 2ad5e1a59b19", "Revises: c8c95ab1c68a")
    assert lint().stdout.splitlines()[-2:] == [
        "Found 1 warning in 4 revisions in 1 environment (1 baselined).",
        "1 fixable with --fix.",
    ]


def test_rewriting_says_how_many_findings_were_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    lint("--write-baseline")
    replace_in(project / TAGS, "Revises: c8c95ab1c68a", "Revises: 09cf1d30df20")
    result = lint("--write-baseline")
    assert result.stderr == "Wrote 3 findings to .miglint-baseline.json (1 added, 0 pruned).\n"


def test_writing_is_deterministic_wherever_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    baseline = project / ".miglint-baseline.json"
    lint("--write-baseline")
    first = baseline.read_bytes()
    again = lint("--write-baseline")
    assert again.stderr == "Wrote 2 findings to .miglint-baseline.json (0 pruned).\n"
    assert baseline.read_bytes() == first
    # from the parent directory, naming the project: paths stay relative to the project root
    baseline.unlink()
    monkeypatch.chdir(tmp_path)
    elsewhere = lint("--write-baseline", "--no-cache", "header-mismatch")
    assert elsewhere.stderr == "Wrote 2 findings to header-mismatch/.miglint-baseline.json.\n"
    assert baseline.read_bytes() == first
    assert lint("header-mismatch").stdout.endswith("(2 baselined).\n")


def test_the_same_finding_twice_in_a_file_is_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    statement = '    op.execute("CREATE TABLE t (id int)")\n'
    header = 'revision = "r1"\ndown_revision = None\n\n\ndef upgrade():\n'
    path = write_project(tmp_path, files={"0001_r1.py": header + statement * 2})["0001_r1.py"]
    monkeypatch.chdir(tmp_path)
    lint("--write-baseline")
    recorded = json.loads((tmp_path / ".miglint-baseline.json").read_text())["findings"]
    assert [(f["code"], f["count"]) for f in recorded] == [("MG201", 2)]
    path.write_text(header + statement * 3)
    result = lint("--concise")
    assert result.exit_code == 1
    assert result.stdout == (
        "migrations/versions/0001_r1.py:8:17: MG201 CREATE TABLE t is not safe to run twice: "
        "it fails when the object already exists\n"
        "\n"
        "Found 1 error in 1 revision in 1 environment (2 baselined).\n"
        "1 fixable with --fix.\n"
    )


def test_fix_changes_only_the_reported_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    lint("--write-baseline")
    baselined = (project / FTS).read_text(), (project / DOC_VERSIONS).read_text()
    replace_in(project / TAGS, "Revises: c8c95ab1c68a", "Revises: 09cf1d30df20")
    result = lint("--fix")
    assert result.exit_code == 0
    assert result.stderr == "Fixed 1 finding in 1 file.\n"
    assert result.stdout == "All checks passed: 4 revisions in 1 environment (2 baselined).\n"
    assert "Revises: c8c95ab1c68a" in (project / TAGS).read_text()
    assert ((project / FTS).read_text(), (project / DOC_VERSIONS).read_text()) == baselined
    assert lint("--diff").stderr == "Would fix 0 findings in 0 files.\n"


def test_no_baseline_file_reports_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_example("header-mismatch", tmp_path, monkeypatch)
    lint("--write-baseline")
    result = lint("--no-baseline-file", "--fail-on", "warning")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:] == [
        "Found 2 warnings in 4 revisions in 1 environment.",
        "2 fixable with --fix.",
    ]


def test_baseline_file_option_chooses_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    (project / "ci").mkdir()
    result = lint("--write-baseline", "--baseline-file", "ci/miglint.json")
    assert result.stderr == "Wrote 2 findings to ci/miglint.json.\n"
    assert (project / "ci" / "miglint.json").read_text() == HEADER_MISMATCH_BASELINE
    assert not (project / ".miglint-baseline.json").exists()
    assert lint().stdout.endswith(
        "Found 2 warnings in 4 revisions in 1 environment.\n2 fixable with --fix.\n"
    )  # the default file does not exist
    assert lint("--baseline-file", "ci/miglint.json").stdout.endswith("(2 baselined).\n")


def test_baseline_file_setting_is_relative_to_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    (project / "pyproject.toml").write_text('[tool.miglint]\nbaseline-file = "ci/miglint.json"\n')
    (project / "ci").mkdir()
    assert lint("--write-baseline").stderr == "Wrote 2 findings to ci/miglint.json.\n"
    monkeypatch.chdir(project / "migrations")
    result = lint()
    assert (result.exit_code, result.stdout) == (
        0,
        "All checks passed: 4 revisions in 1 environment (2 baselined).\n",
    )


def test_a_named_baseline_that_does_not_exist_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_example("header-mismatch", tmp_path, monkeypatch)
    result = lint("--baseline-file", "missing.json")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "miglint: error: missing.json: no such baseline file (write it with --write-baseline)\n"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{", "invalid JSON at line 1, column 2: Expecting property name enclosed in double quotes"),
        ("[]", "expected an object with a version field"),
        ('{"version": 2, "findings": []}', "version 2 is not 1, the version this miglint reads; "
         "rewrite it with --write-baseline"),
        ('{"version": 1}', "findings must be a list"),
        ('{"version": 1, "findings": [3]}', "findings[0] must be an object"),
        ('{"version": 1, "findings": [{"path": "a.py", "code": "MG102", "revisions": [], "message": "m"}]}',
         "findings[0]: count must be a positive integer"),
        ('{"version": 1, "findings": [{"path": "a.py", "code": "MG102", "revisions": "r", '
         '"message": "m", "count": 1}]}', "findings[0]: revisions must be a list of strings"),
    ],
    ids=["truncated", "not-an-object", "future-version", "no-findings", "entry-not-object", "no-count",
         "revisions-not-list"],
)  # fmt: skip
def test_a_malformed_baseline_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, reason: str
) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    (project / ".miglint-baseline.json").write_text(content)
    result = lint()
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"miglint: error: .miglint-baseline.json: not a miglint baseline: {reason}\n"


def test_write_baseline_replaces_a_malformed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_example("header-mismatch", tmp_path, monkeypatch)
    (project / ".miglint-baseline.json").write_text("{")
    result = lint("--write-baseline")
    assert result.exit_code == 0
    assert result.stderr == "Wrote 2 findings to .miglint-baseline.json (replaced an unreadable file).\n"
    assert (project / ".miglint-baseline.json").read_text() == HEADER_MISMATCH_BASELINE


def test_a_baseline_that_cannot_be_written_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_example("header-mismatch", tmp_path, monkeypatch)
    result = lint("--write-baseline", "--baseline-file", "no/such/dir/baseline.json")
    assert result.exit_code == 2
    assert result.stderr == (
        "miglint: error: no/such/dir/baseline.json: cannot write the baseline: No such file or directory\n"
    )


@pytest.mark.parametrize("other", ["--fix", "--diff", "--no-baseline-file"])
def test_write_baseline_stands_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: str) -> None:
    copy_example("header-mismatch", tmp_path, monkeypatch)
    result = lint("--write-baseline", other)
    assert result.exit_code == 2
    assert result.stderr == (
        "miglint: error: --write-baseline cannot be combined with --no-baseline-file, --fix or --diff\n"
    )


@pytest.mark.parametrize(
    ("message", "normalized"),
    [
        ("stamps 'head' (line 12) where the database has tables (line 9: `x`)",
         "stamps 'head' (line ) where the database has tables (line : `x`)"),
        ("revision 0001 is one of 2 heads (0001, 0002)", "revision 0001 is one of heads (0001, )"),
        ("a  b\n\tc ", "a b c"),
        ("revision ab12cd is declared in 3 files: x_1.py, 2a.py", "revision ab12cd is declared in files: x_1.py, 2a.py"),
    ],
    ids=["line-numbers", "numeric-revision-ids-stay", "whitespace", "ids-and-names-stay"],
)  # fmt: skip
def test_normalize_message(message: str, normalized: str) -> None:
    assert normalize_message(message, ("0001",)) == normalized
