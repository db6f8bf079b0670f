"""discover -> collect -> engine for every environment: what `miglint lint` runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .collect import collect
from .discover import Project, discover
from .engine import lint_records, select_rules
from .report import EnvironmentReport
from .resolve import resolve_imported_labels


@dataclass(frozen=True)
class Options:
    select: Sequence[str] = ()
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    use_cache: bool = True
    cache_dir: Path | None = None
    honour_ignores: bool = True
    jobs: int | None = None


def cache_dir_for(project: Project, options: Options) -> Path | None:
    if not options.use_cache:
        return None
    if options.cache_dir is not None:
        return options.cache_dir
    configured = project.settings.cache_dir
    if configured:
        return Path(configured) if Path(configured).is_absolute() else project.root / configured
    return project.root / ".miglint_cache"


def lint_paths(paths: Sequence[str], cwd: Path, options: Options = Options()) -> list[EnvironmentReport]:
    project = discover(paths, cwd)
    settings = project.settings
    rules = select_rules(
        select=options.select or settings.select,
        extend_select=[*settings.extend_select, *options.extend_select],
        ignore=[*settings.ignore, *options.ignore],
        rule_settings=settings.rule_settings,
    )
    cache_dir = cache_dir_for(project, options)
    reports = []
    for env in project.environments:
        records = resolve_imported_labels(collect(env.files, cache_dir, options.jobs), project.root)
        result = lint_records(records, rules, honour_ignores=options.honour_ignores)
        reports.append(
            EnvironmentReport(env.name, result.graph, result.diagnostics, len(env.files), result.suppressed)
        )
    return reports
