"""Each examples/<scenario>/ is linted as a user would, and must print expected.txt.

Regenerate after an intended change: MIGLINT_UPDATE_EXPECTED=1 pytest tests/test_examples.py
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import copy_bundled_example
from miglint.cli import main

EXAMPLES = Path(__file__).parent.parent / "examples"
SYNTAX_ERROR = re.compile(r":\d+:\d+: MG001 invalid syntax(?:: .*)?")
SCENARIOS = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_example_output(scenario: str, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = EXAMPLES / scenario
    monkeypatch.chdir(directory)
    result = cli_runner().invoke(main, ["lint", "--no-cache"])
    expected_file = directory / "expected.txt"
    output = f"{result.output}[exit {result.exit_code}]\n"
    if os.environ.get("MIGLINT_UPDATE_EXPECTED"):
        expected_file.write_text(output)
    expected = expected_file.read_text()
    if sys.version_info < (3, 10):
        # CPython's own syntax-error message and position differ before 3.10
        output, expected = (
            SYNTAX_ERROR.sub(":L:C: MG001 invalid syntax", text) for text in (output, expected)
        )
    assert output == expected
    assert (directory / "README.md").is_file()


def test_clean_examples_exit_zero_and_broken_ones_exit_one() -> None:
    codes = {s: (EXAMPLES / s / "expected.txt").read_text().rsplit("[exit ", 1)[1] for s in SCENARIOS}
    clean = {s for s, code in codes.items() if code.startswith("0")}
    # warnings alone do not fail the run
    warned = {"header-mismatch", "placeholder-revision-id"}
    assert clean == {"clean", "dialect-dirs", "labelled-branches", "multi-env", "pyproject-config"} | warned


def test_fix_on_the_non_idempotent_sql_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    project = tmp_path / "project"
    copy_bundled_example(EXAMPLES / "non-idempotent-sql", project)
    monkeypatch.chdir(project)
    fixed = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG2", "--fix", "--concise"])
    assert fixed.stderr == "Fixed 4 findings in 2 files.\n"
    assert [line.split(": ")[1].split()[0] for line in fixed.stdout.splitlines()[:-2]] == [
        "MG205",
        "MG204",
        "MG206",
    ]
    versions = project / "migrations" / "versions"
    text = (versions / "7d3f0a9c2e41_create_personality_tables.py").read_text()
    assert "CREATE TABLE IF NOT EXISTS personality_traits (" in text
    assert "CREATE UNIQUE INDEX IF NOT EXISTS uq_personality_traits ON" in text
    assert 'op.execute("ALTER TABLE characters ADD COLUMN IF NOT EXISTS emoji_style TEXT")' in text
    again = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG2", "--fix", "--concise"])
    assert again.stderr == "" and again.stdout == fixed.stdout


def test_fix_on_the_seed_runner_stamps_the_baseline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    project = tmp_path / "seed-chain"
    copy_bundled_example(EXAMPLES / "seed-chain", project)
    monkeypatch.chdir(project)
    fixed = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG3", "--fix"])
    assert (fixed.exit_code, fixed.stderr) == (0, "Fixed 1 finding in 1 file.\n")
    runner = (project / "scripts" / "run_migrations.py").read_text()
    # in the literal's own quotes
    assert 'stamp_revision = "20251011_baseline_v106"  # v1.0.6 had full schema for its time\n' in runner


def test_scenarios_reproduce_the_reviews_test_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.chdir(EXAMPLES / "seed-chain")
    result = cli_runner().invoke(main, ["scenarios", "--no-cache", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {(r["where"], r["stamp"], r["condition"]): r for r in json.loads(result.stdout)}
    shipped_legacy = rows[
        (
            "run_migrations.py:129",
            "head",
            # the early return of the fresh-install branch is on the path too
            "not (table_count == 0) and table_count > 0 and (not has_alembic_version) and table_count < 30",
        )
    ]
    assert shipped_legacy["scenario"] == "legacy database"
    assert (len(shipped_legacy["runs"]), len(shipped_legacy["skipped"])) == (0, 23)
    assert shipped_legacy["critical"] == {
        "9c23e4e81011": False,
        "c64001afbd46": False,
    }  # the lost personality
    fixed_legacy = rows[
        (
            "run_migrations_fixed.py:129",
            "20251011_baseline_v106",
            "not (table_count == 0) and table_count > 0 and (not has_alembic_version) and table_count < 30",
        )
    ]
    assert (len(fixed_legacy["runs"]), fixed_legacy["skipped"]) == (23, [])
    assert fixed_legacy["critical"] == {"9c23e4e81011": True, "c64001afbd46": True}
    fresh = next(r for r in rows.values() if r["scenario"] == "fresh install")
    assert (len(fresh["runs"]), fresh["critical"]) == (24, {"9c23e4e81011": True, "c64001afbd46": True})
    quickstart = rows[("run_migrations.py:94", "20251011_baseline_v106", "table_count == 0")]
    assert quickstart["scenario"] == "fresh database" and len(quickstart["runs"]) == 23


def test_after_fix_the_legacy_row_of_the_matrix_runs_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    project = tmp_path / "seed-chain"
    copy_bundled_example(EXAMPLES / "seed-chain", project)
    monkeypatch.chdir(project)
    cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG301", "--fix"])
    result = cli_runner().invoke(main, ["scenarios", "--no-cache", "--format", "json"])
    legacy = [
        r
        for r in json.loads(result.stdout)
        if r["where"] == "run_migrations.py:129" and r["condition"].endswith("< 30")
    ]
    assert [(r["stamp"], r["skipped"], r["critical"]) for r in legacy] == [
        ("20251011_baseline_v106", [], {"9c23e4e81011": True, "c64001afbd46": True})
    ]
