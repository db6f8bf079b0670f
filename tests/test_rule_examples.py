"""Every rule's own examples are tests: each invalid example flags exactly what it says."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from histories import write_project
from miglint.pipeline import Options, lint_paths
from miglint.rule import Example, Rule, RunnerRule, all_rules

RULES = all_rules()


def _cases(kind: str) -> list[tuple[type[Rule], Example]]:
    return [(rule, example) for rule in RULES.values() for example in getattr(rule, kind)]


def _id(case: tuple[type[Rule], Example]) -> str:
    rule, example = case
    return f"{rule.code}-{example.note or ','.join(example.flagged) or ','.join(example.history)}"


def flagged_by(rule: type[Rule], example: Example, root: Path) -> list[str]:
    if example.against is not None:
        # main holds `against`; the working tree of a branch made from it holds the example
        write_project(root, example.against, example.against_files)
        commit_all(root, "main")
        git(root, "checkout", "-q", "-b", "feature")
        for old in (root / "migrations" / "versions").glob("*.py"):
            old.unlink()
    written = write_project(root, example.history, example.files)
    for name, text in example.project_files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        written[Path(name).name] = root / name
    by_path = {str(p): key for key, p in written.items()}
    against = "main" if example.against is not None else None
    reports = lint_paths([str(root)], root, Options(use_cache=False, select=[rule.code], against=against))
    flagged = []
    for report in reports:
        for diagnostic in report.diagnostics:
            assert diagnostic.code == rule.code
            assert diagnostic.name == rule.name
            assert diagnostic.message and diagnostic.span.line >= 1
            record = next((f for f in report.graph.files if f.path == diagnostic.path), None)
            rev_id = record.revision_id if record is not None else None
            if record is None and against is not None and diagnostic.revisions:
                rev_id = diagnostic.revisions[0]  # a revision of main that the merge lacks (MG122)
            flagged.append(rev_id or by_path.get(diagnostic.path, Path(diagnostic.path).name))
    return sorted(flagged)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True)


def commit_all(repo: Path, branch: str) -> None:
    git(repo, "init", "-q")
    git(repo, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
    for key, value in (
        ("user.name", "Test"),
        ("user.email", "test@example.com"),
        ("commit.gpgsign", "false"),
    ):
        git(repo, "config", key, value)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "history on main")


def test_every_rule_has_failing_and_passing_examples() -> None:
    for code, rule in RULES.items():
        if code in ("MG005", "MG009") or issubclass(rule, RunnerRule):
            # MG009 is checked by the engine, MG005 by tests/test_layouts.py, runner
            # rules by tests/test_runner.py
            continue
        assert rule.invalid, f"{code} has no failing example"
        assert rule.valid, f"{code} has no passing example"


@pytest.mark.parametrize("case", _cases("invalid"), ids=_id)
def test_invalid_example_is_flagged(case: tuple[type[Rule], Example], tmp_path: Path) -> None:
    rule, example = case
    assert flagged_by(rule, example, tmp_path) == sorted(example.flagged)


@pytest.mark.parametrize("case", _cases("valid"), ids=_id)
def test_valid_example_is_clean(case: tuple[type[Rule], Example], tmp_path: Path) -> None:
    rule, example = case
    assert flagged_by(rule, example, tmp_path) == []
