"""Reports for CI: SARIF, GitHub annotations, GitLab Code Quality, JUnit; --output-file; --statistics."""

from __future__ import annotations

import json
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_runner
from histories import copy_bundled_example
from miglint.cli import main
from miglint.docs import rule_markdown
from miglint.formats import Finding, fingerprints
from miglint.formats.github import annotation, step_summary
from miglint.formats.junit import render as junit_render
from miglint.formats.statistics import statistics
from miglint.model import Diagnostic, Span
from miglint.report import EnvironmentReport
from miglint.rule import all_rules, lookup

EXAMPLES = Path(__file__).parent.parent / "examples"
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"

HEAD_3DF = "migrations/versions/3df49f95e6d3_add_task_labels.py"
HEAD_A06 = "migrations/versions/a06b46547cd5_add_task_due_dates.py"
HEADS_MESSAGE = "revision {} is one of 2 heads (3df49f95e6d3, a06b46547cd5), which diverged at 9bdb6b8ff06e"
MERGE_HELP = 'run: alembic merge -m "merge heads 3df49f95e6d3 and a06b46547cd5" 3df49f95e6d3 a06b46547cd5'
REBASE_HELP = " (or, if this branch is unreleased, make the history linear: miglint rebase {} --onto {})"
PLACEHOLDER = "migrations/versions/a1b2c3d4e5f6_add_cdl_table_comments.py"
RUNNER = "scripts/run_migrations.py"
SEED_SUMMARY = "Found 1 error and 1 warning in 24 revisions in 1 environment."


@pytest.fixture
def outside_git(tmp_path: Path) -> Path:
    """tmp_path, which must not lie inside a git repository (paths are then from the working directory)."""
    if any((directory / ".git").exists() for directory in tmp_path.parents):
        pytest.skip(f"{tmp_path} is inside a git repository")
    return tmp_path


def example(name: str, where: Path) -> Path:
    project = where / name
    copy_bundled_example(EXAMPLES / name, project)
    return project


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch, summary: Path | None = None) -> Any:
    monkeypatch.chdir(cwd)
    # a CI that runs these tests has its own step summary, which must not be written to
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    if summary is not None:
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return cli_runner().invoke(main, ["lint", "--no-cache", *args])


def sarif_of(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    result = run(["--format", "sarif", *args], project, monkeypatch)
    assert result.exit_code in (0, 1), result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def prints(project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    """(code, path) -> fingerprint, from SARIF; GitLab's must be the same."""
    results = sarif_of(project, monkeypatch)["runs"][0]["results"]
    found = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r[
            "partialFingerprints"
        ]["miglintFingerprint/v1"]
        for r in results
    }
    gitlab = json.loads(run(["--format", "gitlab"], project, monkeypatch).stdout)
    assert {(i["check_name"], i["location"]["path"]): i["fingerprint"] for i in gitlab} == found
    return found


# -- github ----------------------------------------------------------------------


def test_github_annotations_for_two_heads(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = example("two-heads", outside_git)
    result = run(["--format", "github"], project, monkeypatch)
    assert result.exit_code == 1
    help_3df = MERGE_HELP + REBASE_HELP.format("3df49f95e6d3", "a06b46547cd5")
    help_a06 = MERGE_HELP + REBASE_HELP.format("a06b46547cd5", "3df49f95e6d3")
    assert result.stdout == (
        f"::error file={HEAD_3DF},line=13,col=12,endLine=13,endColumn=26,title=MG102 multiple-heads"
        f"::{HEADS_MESSAGE.format('3df49f95e6d3')}%0Ahelp: {help_3df}\n"
        f"::error file={HEAD_A06},line=13,col=12,endLine=13,endColumn=26,title=MG102 multiple-heads"
        f"::{HEADS_MESSAGE.format('a06b46547cd5')}%0Ahelp: {help_a06}\n"
        "Found 2 errors in 4 revisions in 1 environment.\n"
    )
    assert result.stderr == ""


def test_github_prints_errors_before_warnings(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GitHub shows only 10 annotations of each level: the errors must not be crowded out
    project = example("seed-chain", outside_git)
    result = run(["--format", "github"], project, monkeypatch)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(" ")[0] + " " + line.split(",")[0].split("=")[1] for line in lines[:2]] == [
        f"::error {RUNNER}",
        f"::warning {PLACEHOLDER}",
    ]
    assert lines[0].startswith(
        f"::error file={RUNNER},line=119,col=34,endLine=119,endColumn=40,title=MG301 stamp-head-on-legacy::"
        "stamps 'head' (line 129) where"
    )
    assert lines[1] == (
        f"::warning file={PLACEHOLDER},line=13,col=12,endLine=13,endColumn=26,"
        "title=MG111 placeholder-revision-id::revision id a1b2c3d4e5f6 looks hand-made (interleaves two "
        "runs of consecutive characters); such ids collide across branches%0Ahelp: use a generated id "
        "(`alembic revision` makes one) before anything depends on it"
    )
    assert lines[2:] == [SEED_SUMMARY]


def test_github_escapes_data_and_properties() -> None:
    diagnostic = Diagnostic(
        code="MG102",
        name="multiple-heads",
        severity="warning",
        path="/x/a:b,c%.py",
        span=Span(3, 0, 4, 2),
        message="100% sure,\r\nsee: line 2",
        help="run: this",
    )
    found = Finding("alembic.ini", diagnostic, "dir,1/a:b,c%.py")
    # properties escape `%`, CR, LF, `:` and `,`; the message only `%`, CR and LF
    assert annotation(found) == (
        "::warning file=dir%2C1/a%3Ab%2Cc%25.py,line=3,col=1,endLine=4,endColumn=3,title=MG102 multiple-heads"
        "::100%25 sure,%0D%0Asee: line 2%0Ahelp: run: this"
    )


def test_step_summary_is_appended_when_github_step_summary_is_set(
    outside_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = example("seed-chain", outside_git)
    summary = outside_git / "summary.md"
    summary.write_text("# an earlier step\n")
    result = run(["--format", "github"], project, monkeypatch, summary=summary)
    assert result.exit_code == 1
    assert summary.read_text() == (
        "# an earlier step\n"
        "## miglint\n"
        "\n"
        "| Code | Rule | Location | Message |\n"
        "| --- | --- | --- | --- |\n"
        f"| MG111 | placeholder-revision-id | {PLACEHOLDER}:13 | revision id a1b2c3d4e5f6 looks hand-made "
        "(interleaves two runs of consecutive characters); such ids collide across branches |\n"
        f"| MG301 | stamp-head-on-legacy | {RUNNER}:119 | stamps 'head' (line 129) where the database has "
        "tables but no Alembic version (line 113: `table_count > 0 and (not has_alembic_version)`): 23 "
        "revisions after 20251011_baseline_v106 would be marked applied without running, 11 creating tables "
        "(c5bc995c619f, 1fd48f6d9650, 2230add_keyword_templates, 8b77eda62e71, eaae2e8f35f2 and 6 more), 4 changing data (11f9e26c6345, "
        "2230add_keyword_templates, 8b77eda62e71, c64001afbd46) |\n"
        "\n"
        f"**{SEED_SUMMARY}**\n"
        "\n"
    )
    clean = example("clean", outside_git)
    assert run(["--format", "github"], clean, monkeypatch, summary=summary).exit_code == 0
    assert summary.read_text().endswith(
        f"|\n\n**{SEED_SUMMARY}**\n\n## miglint\n\n**All checks passed: 8 revisions in 1 environment.**\n\n"
    )


def test_step_summary_is_not_written_otherwise(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = example("two-heads", outside_git)
    summary = outside_git / "summary.md"
    for fmt in ("text", "json", "sarif", "gitlab", "junit"):
        assert run(["--format", fmt], project, monkeypatch, summary=summary).exit_code == 1
    assert not summary.exists()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", "")
    monkeypatch.chdir(project)
    assert cli_runner().invoke(main, ["lint", "--no-cache", "--format", "github"]).exit_code == 1
    assert sorted(p.name for p in outside_git.iterdir()) == ["two-heads"]


def test_step_summary_cells_cannot_break_the_table() -> None:
    diagnostic = Diagnostic("MG104", "duplicate-revision", "error", "/p/a.py", Span(2, 0, 2, 1), "a | b\nc")
    text = step_summary([Finding("env", diagnostic, "a|b.py")], [])
    assert "| MG104 | duplicate-revision | a\\|b.py:2 | a \\| b c |\n" in text


# -- gitlab ----------------------------------------------------------------------


def test_gitlab_code_quality_for_two_heads(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = example("two-heads", outside_git)
    result = run(["--format", "gitlab"], project, monkeypatch)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "description": f"MG102 multiple-heads: {HEADS_MESSAGE.format('3df49f95e6d3')}",
            "check_name": "MG102",
            # pinned: a changed fingerprint reopens every finding in every project's history
            "fingerprint": "8f299efb5a1e4c86206c09f932b75191f4caf73acd6ad0718619352531b3ccf9",
            "severity": "major",
            "location": {"path": HEAD_3DF, "lines": {"begin": 13}},
        },
        {
            "description": f"MG102 multiple-heads: {HEADS_MESSAGE.format('a06b46547cd5')}",
            "check_name": "MG102",
            "fingerprint": "f71f99e6af695fa45dec75c51f2b15f2426ac655d3be6bd7040858906591a0f5",
            "severity": "major",
            "location": {"path": HEAD_A06, "lines": {"begin": 13}},
        },
    ]


def test_gitlab_severity_scale(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = example("seed-chain", outside_git)
    issues = json.loads(run(["--format", "gitlab"], project, monkeypatch).stdout)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("MG111", "minor", {"path": PLACEHOLDER, "lines": {"begin": 13}}),
        ("MG301", "major", {"path": RUNNER, "lines": {"begin": 119}}),
    ]


# -- fingerprints ----------------------------------------------------------------


def test_fingerprint_survives_unrelated_lines_and_changes_with_the_revision(
    outside_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = example("two-heads", outside_git)
    before = prints(project, monkeypatch)
    moved = project / HEAD_3DF
    moved.write_text("# an unrelated comment\n" * 5 + moved.read_text())
    result = run(["--format", "github"], project, monkeypatch)
    assert f"file={HEAD_3DF},line=18," in result.stdout  # the finding did move
    assert prints(project, monkeypatch) == before

    other = project / HEAD_A06
    other.write_text(other.read_text().replace("a06b46547cd5", "b17c57658de6"))
    after = prints(project, monkeypatch)
    assert after.keys() == before.keys()
    # both heads' messages name the renamed revision
    assert all(after[key] != before[key] for key in before)


def test_fingerprint_ignores_line_numbers_inside_the_message(
    outside_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = example("seed-chain", outside_git)
    before = prints(project, monkeypatch)
    runner = project / RUNNER
    shebang, rest = runner.read_text().split("\n", 1)
    runner.write_text(f"{shebang}\n" + "# unrelated\n" * 3 + rest)
    result = run(["--format", "github", "--select", "MG301"], project, monkeypatch)
    assert "stamps 'head' (line 132)" in result.stdout and "(line 116: `table_count" in result.stdout
    assert prints(project, monkeypatch) == before


def test_identical_findings_in_one_file_get_distinct_stable_fingerprints() -> None:
    def finding(line: int, code: str = "MG204", path: str = "v/x.py") -> Finding:
        message = "INSERT t is not safe to run twice"
        d = Diagnostic(
            code, "insert-without-conflict-guard", "error", f"/r/{path}", Span.point(line), message
        )
        return Finding("env", d, path)

    first = fingerprints([finding(10), finding(20)])
    assert len(set(first)) == 2
    shifted = fingerprints([finding(1, path="v/a.py"), finding(14), finding(25)])
    assert shifted[1:] == first


# -- junit -----------------------------------------------------------------------


def test_junit_for_two_heads(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = example("two-heads", outside_git)
    result = run(["--format", "junit"], project, monkeypatch)
    assert result.exit_code == 1

    def case(path: str, rev: str) -> str:
        message = HEADS_MESSAGE.format(rev)
        other = "a06b46547cd5" if rev == "3df49f95e6d3" else "3df49f95e6d3"
        return (
            f'    <testcase name="MG102 multiple-heads at {path}:13:12" classname="alembic.ini" '
            f'file="{path}" line="13">\n'
            f'      <failure message="{message}" type="MG102">{path}:13:12: MG102 {message}\n'
            f"help: run: alembic merge -m &quot;merge heads 3df49f95e6d3 and a06b46547cd5&quot; "
            f"3df49f95e6d3 a06b46547cd5{REBASE_HELP.format(rev, other)}\n"
            "</failure>\n"
            "    </testcase>\n"
        ).replace("&quot;", '"')

    assert result.stdout == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="miglint" tests="2" failures="2" errors="0">\n'
        '  <testsuite name="alembic.ini" tests="2" failures="2" errors="0" skipped="0">\n'
        + case(HEAD_3DF, "3df49f95e6d3")
        + case(HEAD_A06, "a06b46547cd5")
        + "  </testsuite>\n</testsuites>\n"
    )
    suites = ET.fromstring(result.stdout)
    failures = suites.findall("./testsuite/testcase/failure")
    assert [(f.get("type"), f.get("message")) for f in failures] == [
        ("MG102", HEADS_MESSAGE.format("3df49f95e6d3")),
        ("MG102", HEADS_MESSAGE.format("a06b46547cd5")),
    ]


def test_junit_clean_environments_pass(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = example("multi-env", outside_git)
    result = run(["--format", "junit"], project, monkeypatch)
    assert result.exit_code == 0
    suites = ET.fromstring(result.stdout)
    assert (suites.get("tests"), suites.get("failures")) == ("2", "0")
    assert [
        (s.get("name"), [(c.get("name"), len(c)) for c in s.findall("testcase")])
        for s in suites.findall("testsuite")
    ] == [("alembic.ini [core]", [("no findings", 0)]), ("alembic.ini [tenant]", [("no findings", 0)])]


def test_junit_escapes_markup_and_control_characters() -> None:
    message = "a <b> & \"c\"\x01 'd'"
    d = Diagnostic("MG001", "syntax-error", "error", "/r/x.py", Span(1, 0, 1, 1), message, help="fix <it>")
    text = junit_render(
        [Finding("env <1>", d, "x&y.py")], [EnvironmentReport("env <1>", 1, 0, (), (), (d,))], Path("/r")
    )
    suites = ET.fromstring(text)
    (suite,) = suites.findall("testsuite")
    failure = suite.find("testcase/failure")
    assert failure is not None
    assert suite.get("name") == "env <1>"
    assert failure.get("message") == "a <b> & \"c\"\ufffd 'd'"
    assert failure.text == "x&y.py:1:1: MG001 a <b> & \"c\"\ufffd 'd'\nhelp: fix <it>\n"


# -- sarif -----------------------------------------------------------------------


def validate_sarif(payload: dict[str, Any]) -> None:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"the SARIF 2.1.0 schema is not at {SARIF_SCHEMA} (it comes with ../shared/schemas)")
    from jsonschema import FormatChecker
    from jsonschema.validators import validator_for

    schema = json.loads(SARIF_SCHEMA.read_text())
    # the validator of the draft the schema declares in its "$schema" (draft-04 for this file)
    validator = validator_for(schema)
    validator.check_schema(schema)
    validator(schema, format_checker=FormatChecker()).validate(payload)


@pytest.mark.parametrize(
    "scenario", ["two-heads", "seed-chain", "clean", "multi-env", "syntax-error", "non-idempotent-sql"]
)
def test_sarif_matches_the_schema(scenario: str, outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    validate_sarif(sarif_of(example(scenario, outside_git), monkeypatch))


def test_sarif_describes_every_rule(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = sarif_of(example("clean", outside_git), monkeypatch)
    assert payload["version"] == "2.1.0" and payload["runs"][0]["results"] == []
    driver = payload["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["informationUri"]) == ("miglint", "https://github.com/miglint/miglint")
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert list(rules) == list(all_rules())
    heads = lookup("MG102")
    assert heads is not None
    assert rules["MG102"] == {
        "id": "MG102",
        "name": "multiple-heads",
        "shortDescription": {"text": heads.summary()},
        "fullDescription": {"text": heads.description()},
        "helpUri": "https://github.com/miglint/miglint/blob/main/docs/rules/MG102.md",
        "help": {"text": rule_markdown(heads), "markdown": rule_markdown(heads)},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["alembic", "migrations", "revision-graph"]},
    }
    # every helpUri is a page docs/rules/ holds, named by the code
    docs = Path(__file__).parent.parent / "docs" / "rules"
    assert all((docs / rule["helpUri"].rsplit("/", 1)[1]).is_file() for rule in rules.values())
    assert rules["MG201"]["properties"]["tags"] == ["alembic", "migrations", "sql", "fixable"]
    assert rules["MG102"]["help"]["markdown"].startswith("# multiple-heads (MG102)\n\nSeverity: error;")
    assert rules["MG009"]["defaultConfiguration"] == {"level": "warning", "enabled": False}
    assert rules["MG111"]["defaultConfiguration"] == {"level": "warning"}
    # a summary is the first sentence; the dots of `ALTER TABLE ... ADD COLUMN` do not end it
    assert rules["MG202"]["shortDescription"]["text"] == (
        "Flags `ALTER TABLE ... ADD COLUMN` without IF NOT EXISTS, in dialects that have it (PostgreSQL)."
    )


def test_sarif_results_for_the_seed_chain(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = example("seed-chain", outside_git)
    run_ = sarif_of(project, monkeypatch)["runs"][0]
    assert run_["originalUriBaseIds"] == {"%SRCROOT%": {"uri": project.as_uri() + "/"}}
    assert run_["columnKind"] == "unicodeCodePoints"
    rules = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    results = run_["results"]
    assert [(r["ruleId"], rules[r["ruleIndex"]], r["level"]) for r in results] == [
        ("MG111", "MG111", "warning"),
        ("MG301", "MG301", "error"),
    ]
    stamp = results[1]["fixes"][0]
    assert stamp["properties"] == {"applicability": "safe"}  # [tool.miglint] baseline names it
    # a literal as code: SARIF consumers cannot know the file's quote style, --fix does
    assert stamp["artifactChanges"][0]["replacements"][0]["insertedContent"] == {
        "text": "'20251011_baseline_v106'"
    }
    assert "fixes" not in results[0] and "relatedLocations" not in results[0]
    assert results[1]["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": RUNNER, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 129, "startColumn": 13, "endLine": 129, "endColumn": 77},
            },
            "message": {"text": "the stamp"},
        }
    ]
    assert [len(r["partialFingerprints"]["miglintFingerprint/v1"]) for r in results] == [64, 64]


def test_sarif_carries_a_safe_sql_fix(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = example("non-idempotent-sql", outside_git)
    create = sarif_of(project, monkeypatch)["runs"][0]["results"][0]
    path = "migrations/versions/7d3f0a9c2e41_create_personality_tables.py"
    assert create["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 21, "startColumn": 9, "endLine": 26, "endColumn": 10},
            }
        }
    ]
    assert create["message"]["text"] == (
        "CREATE TABLE personality_traits is not safe to run twice: it fails when the object already exists"
        "\nhelp: make it idempotent with IF NOT EXISTS"
    )
    assert create["fixes"] == [
        {
            "description": {"text": "insert 'IF NOT EXISTS'"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": 21,
                                "startColumn": 21,
                                "endLine": 21,
                                "endColumn": 21,
                            },
                            "insertedContent": {"text": " IF NOT EXISTS"},
                        }
                    ],
                }
            ],
            "properties": {"applicability": "safe"},
        }
    ]


def test_paths_start_at_the_git_top_level(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = outside_git / "repo"
    (repository / ".git").mkdir(parents=True)
    project = example("two-heads", repository / "db")
    (project / "migrations" / "versions" / "with space.py").write_text("x = (\n")  # MG001, a URI to encode
    for cwd, args in ((project, []), (outside_git, ["repo/db/two-heads"]), (project / "migrations", [".."])):
        run_ = sarif_of(cwd, monkeypatch, *args)["runs"][0]
        assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repository.as_uri() + "/"
        assert [
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]
        ] == [
            f"db/two-heads/{HEAD_3DF}",
            f"db/two-heads/{HEAD_A06}",
            "db/two-heads/migrations/versions/with%20space.py",
        ]
        annotations = run(["--format", "github", *args], cwd, monkeypatch).stdout.splitlines()
        assert annotations[0].startswith(f"::error file=db/two-heads/{HEAD_3DF},line=13,")
        assert annotations[2].startswith("::error file=db/two-heads/migrations/versions/with space.py,line=")


# -- --output-file and --statistics ----------------------------------------------


def test_output_file_gets_the_report_and_stdout_the_text(
    outside_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = example("two-heads", outside_git)
    text = run([], project, monkeypatch)
    report = project / "out" / "miglint.json"
    report.parent.mkdir()
    report.write_text("old")
    report.chmod(0o640)
    result = run(["--format", "json", "--output-file", "out/miglint.json"], project, monkeypatch)
    assert (result.exit_code, result.stdout, result.stderr) == (1, text.stdout, "")
    assert json.loads(report.read_text()) == json.loads(
        run(["--format", "json"], project, monkeypatch).stdout
    )
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert os.listdir(report.parent) == ["miglint.json"]  # no temporary file left behind

    sarif = run(
        ["--format", "sarif", "--output-file", str(outside_git / "r.sarif"), "--concise"],
        project,
        monkeypatch,
    )
    assert sarif.stdout == run(["--concise"], project, monkeypatch).stdout
    assert len(json.loads((outside_git / "r.sarif").read_text())["runs"][0]["results"]) == 2


def test_text_output_file_leaves_the_summary_on_stdout(
    outside_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = example("two-heads", outside_git)
    result = run(["--output-file", "report.txt", "--color"], project, monkeypatch)
    assert (result.exit_code, result.stdout) == (1, "Found 2 errors in 4 revisions in 1 environment.\n")
    assert (project / "report.txt").read_text() == run([], project, monkeypatch).stdout  # never coloured
    assert run(["--output-file", "report.txt", "--exit-zero"], project, monkeypatch).exit_code == 0


def test_output_file_that_cannot_be_written_exits_two(
    outside_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = example("two-heads", outside_git)
    result = run(["--format", "sarif", "--output-file", "missing/r.sarif"], project, monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "miglint: error: cannot write missing/r.sarif: No such file or directory\n"


def test_statistics_follow_the_text_report(outside_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = example("seed-chain", outside_git)
    plain = run([], project, monkeypatch).stdout
    result = run(["--statistics"], project, monkeypatch)
    assert result.exit_code == 1
    assert result.stdout == plain + ("1  MG111  placeholder-revision-id\n1  MG301  stamp-head-on-legacy\n")
    machine = run(["--statistics", "--format", "json"], project, monkeypatch)
    assert json.loads(machine.stdout)["summary"]["errors"] == 1
    assert machine.stderr == result.stdout[len(plain) :]
    to_file = run(["--statistics", "--format", "gitlab", "--output-file", "gl.json"], project, monkeypatch)
    assert (to_file.stdout, to_file.stderr) == (result.stdout, "")
    assert run(["--statistics"], example("clean", outside_git), monkeypatch).stdout == (
        "All checks passed: 8 revisions in 1 environment.\n"
    )


def test_statistics_sort_by_count_then_code() -> None:
    def found(code: str, name: str) -> Diagnostic:
        return Diagnostic(code, name, "error", "/p.py", Span.point(1), "m")

    diagnostics = (
        *[found("MG204", "insert-without-conflict-guard")] * 10,
        found("MG111", "placeholder-revision-id"),
        *[found("MG102", "multiple-heads")] * 2,
        found("MG103", "missing-parent"),
    )
    report = EnvironmentReport("env", 1, 1, (), (), diagnostics)
    assert statistics([report]) == (
        "10  MG204  insert-without-conflict-guard\n"
        " 2  MG102  multiple-heads\n"
        " 1  MG103  missing-parent\n"
        " 1  MG111  placeholder-revision-id\n"
    )


def test_help_documents_the_new_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # click wraps at spaces and hyphens: compare without white space
    text = "".join(run(["--help"], tmp_path, monkeypatch).stdout.split())
    assert "--format[text|json|sarif|github|gitlab|junit|markdown]" in text
    assert "--output-fileFILE" in text and "(with--formattext,onlyitssummaryline)" in text
    assert "onstderrwhenstdoutcarriesamachine-readablereport" in text


def test_also_write_gives_several_reports_from_one_run(
    outside_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = example("two-heads", outside_git)
    out = outside_git / "out"
    out.mkdir()
    both = run(
        [
            "--format",
            "github",
            "--also-write",
            f"sarif:{out}/r.sarif",
            "--also-write",
            f"markdown:{out}/r.md",
        ],
        project,
        monkeypatch,
    )
    alone = {
        fmt: run(["--format", fmt], project, monkeypatch).stdout for fmt in ("github", "sarif", "markdown")
    }
    assert both.exit_code == 1 and both.stdout == alone["github"]
    assert (out / "r.sarif").read_text() == alone["sarif"]
    assert (out / "r.md").read_text() == alone["markdown"]
    bad = run(["--also-write", "yaml:r.yaml"], project, monkeypatch)
    assert bad.exit_code == 2 and bad.stderr == (
        "miglint: error: --also-write yaml:r.yaml: expected FORMAT:FILE with FORMAT one of "
        "text, json, sarif, github, gitlab, junit, markdown\n"
    )
