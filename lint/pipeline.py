"""discover -> collect -> engine for every environment: what `miglint lint` runs."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .collect import Store
from .discover import Project, discover
from .engine import select_rules
from .report import EnvironmentReport
from .rule import Rule

OP_RULES = frozenset({"MG211", "MG212"})


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
        project=settings,
    )
    # op calls cost a full parse of every file: read them only for the rules that use them
    wants_ops = any(rule.code in OP_RULES for rule in rules)
    store = Store(cache_dir_for(project, options), settings.dialect, wants_ops)
    prints = [store.fingerprint(env.files) for env in project.environments]
    key = _results_key(project, rules, options, prints)
    cached = store.results(key)
    if isinstance(cached, list) and all(isinstance(r, EnvironmentReport) for r in cached):
        store.save()
        return cached

    # Deferred: a run served from the cache never imports networkx or LibCST.
    from .engine import lint_records
    from .resolve import resolve_imported_labels

    reports = []
    consulted: set[str] = set()
    for env, env_prints in zip(project.environments, prints):
        records, read_for_labels = resolve_imported_labels(
            store.records(env.files, env_prints, options.jobs), project.root
        )
        consulted |= read_for_labels
        result = lint_records(records, rules, honour_ignores=options.honour_ignores)
        graph = result.graph
        reports.append(
            EnvironmentReport(
                name=env.name,
                files=len(env.files),
                revisions=len(graph.revisions),
                heads=tuple(sorted(graph.heads())),
                bases=tuple(sorted(graph.bases())),
                diagnostics=result.diagnostics,
                suppressed=result.suppressed,
                unread_sql=sum(
                    1
                    for record in records
                    for problem in record.sql_problems
                    if problem.entry == "upgrade" or settings.include_downgrade
                ),
                graph=graph,
            )
        )
    store.save_results(key, [dataclasses.replace(r, graph=None) for r in reports], consulted)
    store.save()
    return reports


def _results_key(
    project: Project,
    rules: Sequence[Rule],
    options: Options,
    prints: Sequence[Sequence[tuple[str, bytes | None]]],
) -> str:
    """Everything a report depends on: settings, rules, and every file's content."""
    digest = hashlib.sha1()
    digest.update(repr(project.settings).encode())
    digest.update(repr([(r.code, r.effective_severity, sorted(r.settings.items())) for r in rules]).encode())
    digest.update(repr(options.honour_ignores).encode())
    for env, env_prints in zip(project.environments, prints):
        digest.update(env.name.encode())
        for path, (content, _) in zip(env.files, env_prints):
            digest.update(f"\0{path}\0{content}".encode())
    return digest.hexdigest()
