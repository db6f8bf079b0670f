"""Run the selected rules over one environment's records and apply suppressions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .config import ConfigError, Settings
from .lazydataclass import dataclass
from .model import Diagnostic, RevisionFile, Suppression
from .rule import FileRule, GraphRule, Rule, RunnerRule, all_rules

if TYPE_CHECKING:
    from .graph import RevisionGraph
    from .history.deploy import DeployContext
    from .history.headfile import HeadFile
    from .history.reference import RefHistory
    from .memo import RuleMemo
    from .reading.uncovered import UncoveredDirectory
    from .runners.facts import StampSite

UNUSED_IGNORE = "MG009"


def _matching(selector: str, rules: Mapping[str, type[Rule]]) -> list[str]:
    """Codes a selector names: `ALL`, a code, a code prefix (`MG1`), or a rule name."""
    key = selector.strip()
    if key.upper() == "ALL":
        return list(rules)
    by_code = [code for code in rules if code.startswith(key.upper())] if key.upper().startswith("MG") else []
    if by_code:
        return by_code
    by_name = [code for code, rule in rules.items() if rule.name == key.lower()]
    if by_name:
        return by_name
    raise ConfigError(f"unknown rule {selector!r} (see `miglint rules`)")


def select_rules(
    select: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    rule_settings: Mapping[str, Mapping[str, Any]] | None = None,
    project: Settings | None = None,
) -> list[Rule]:
    """Instances of the enabled rules, the way ruff combines select and ignore."""
    rules = all_rules()
    if select:
        enabled: set[str] = {c for s in select for c in _matching(s, rules)}
    else:
        enabled = {
            code
            for code, rule in rules.items()
            if rule.default_enabled or (rule.enabled_by and getattr(project, rule.enabled_by, False) is True)
        }
    enabled |= {c for s in extend_select for c in _matching(s, rules)}
    enabled -= {c for s in ignore for c in _matching(s, rules)}

    settings_by_code: dict[str, Mapping[str, Any]] = {}
    for key, values in (rule_settings or {}).items():
        codes = _matching(key, rules)
        if len(codes) != 1:
            raise ConfigError(f"[tool.miglint.rules.{key}] must name one rule")
        settings_by_code[codes[0]] = values
    instances = []
    for code in sorted(enabled):
        settings = dict(settings_by_code.get(code, {}))
        severity = settings.pop("severity", None)
        if severity not in (None, "error", "warning"):
            raise ConfigError(f"[tool.miglint.rules.{code}] severity must be 'error' or 'warning'")
        unknown = set(settings) - set(rules[code].settings_defaults)
        if unknown:
            raise ConfigError(f"[tool.miglint.rules.{code}] unknown setting(s) {', '.join(sorted(unknown))}")
        instances.append(rules[code](settings, severity, project))
    return instances


@dataclass(frozen=True)
class EnvironmentResult:
    graph: RevisionGraph
    diagnostics: tuple[Diagnostic, ...]
    suppressed: int


def lint_records(
    records: Sequence[RevisionFile],
    rules: Sequence[Rule],
    *,
    honour_ignores: bool = True,
    runner_sites: Sequence[StampSite] = (),
    runner_suppressions: Mapping[str, tuple[Suppression, ...]] | None = None,
    uncovered: Sequence[UncoveredDirectory] = (),
    deploy: DeployContext | None = None,
    head_file: HeadFile | None = None,
    reference: RefHistory | None = None,
    memo: RuleMemo | None = None,
    branch_of_another: bool = False,
    in_code: bool = False,
) -> EnvironmentResult:
    """Every finding of the enabled rules on one environment, sorted, suppressions applied.
    `memo`: the previous run's findings of the per-revision rules (lint/memo.py)."""
    from .graph import RevisionGraph

    graph = RevisionGraph(records)
    graph.uncovered = tuple(uncovered)
    graph.branch_of_another = branch_of_another  # discover.Environment.branch_of_another
    graph.in_code = in_code  # discover.Environment.in_code
    if deploy is not None:
        graph.deploy = deploy
    graph.head_file = head_file
    graph.reference = reference
    graph.memo = memo
    found: list[Diagnostic] = []
    # what FileRules compute once for this run (see FileRule.check_files), the memo, and the
    # graph (MG504 asks the history about the few objects its findings name)
    shared: dict[str, Any] = {"graph": graph} if memo is None else {"memo": memo, "graph": graph}
    for rule in rules:
        if isinstance(rule, FileRule):
            if memo is not None and rule.memo:
                found.extend(rule.check_files_memoised(records, shared, memo))
            else:
                found.extend(rule.check_files(records, shared))
        elif isinstance(rule, GraphRule):
            found.extend(rule.check_graph(graph))
        elif isinstance(rule, RunnerRule):
            found.extend(rule.check_runners(runner_sites, graph))
    # One constant feeding several stamps yields the same finding at the same place: once is enough.
    found = list({(d.code, d.path, d.span, d.message): d for d in found}.values())
    if not honour_ignores:
        return EnvironmentResult(graph, tuple(sorted(found, key=lambda d: d.sort_key)), 0)

    kept, suppressed, unused = _apply_suppressions(found, records, runner_suppressions or {})
    unused_rule = next((r for r in rules if r.code == UNUSED_IGNORE), None)
    if unused_rule is not None:
        for path, suppression in unused:
            names = ", ".join(suppression.codes) or "every rule"
            kept.append(
                unused_rule.diagnostic(
                    path,
                    suppression.span,
                    f"suppression of {names} is unused: nothing is reported "
                    + ("in this file" if suppression.whole_file else "on this line"),
                    help="remove the comment",
                )
            )
    return EnvironmentResult(graph, tuple(sorted(kept, key=lambda d: d.sort_key)), suppressed)


def _apply_suppressions(
    found: Iterable[Diagnostic],
    records: Sequence[RevisionFile],
    more: Mapping[str, tuple[Suppression, ...]],
) -> tuple[list[Diagnostic], int, list[tuple[str, Suppression]]]:
    by_path = {r.path: r.suppressions for r in records if r.suppressions}
    by_path.update({path: found for path, found in more.items() if found})
    used: set[tuple[str, int]] = set()
    kept: list[Diagnostic] = []
    suppressed = 0
    for diagnostic in found:
        matched = None
        for suppression in by_path.get(diagnostic.path, ()):
            applies = suppression.whole_file or suppression.span.line == diagnostic.span.line
            names = suppression.codes
            if applies and (not names or diagnostic.code in names or diagnostic.name in names):
                matched = suppression
                break
        if matched is None:
            kept.append(diagnostic)
        else:
            suppressed += 1
            used.add((diagnostic.path, matched.span.line))
    unused = [
        (path, s)
        for path, suppressions in by_path.items()
        for s in suppressions
        if (path, s.span.line) not in used
    ]
    return kept, suppressed, unused
