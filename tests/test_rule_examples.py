"""Every rule's own examples are tests: each invalid example flags exactly what it says."""

from __future__ import annotations

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
    written = write_project(root, example.history, example.files)
    by_path = {str(p): key for key, p in written.items()}
    reports = lint_paths([str(root)], root, Options(use_cache=False, select=[rule.code]))
    flagged = []
    for report in reports:
        for diagnostic in report.diagnostics:
            assert diagnostic.code == rule.code
            assert diagnostic.name == rule.name
            assert diagnostic.message and diagnostic.span.line >= 1
            record = next((f for f in report.graph.files if f.path == diagnostic.path), None)
            rev_id = record.revision_id if record is not None else None
            flagged.append(rev_id or by_path.get(diagnostic.path, Path(diagnostic.path).name))
    return sorted(flagged)


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
