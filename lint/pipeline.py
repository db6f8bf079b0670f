"""discover -> collect -> engine for every environment: what `miglint lint` runs."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .collect import Store
from .config import ConfigError
from .confine import inside, repository_top
from .discover import SKIP_DIRS, Environment, Project, by_settings, discover
from .engine import select_rules
from .model import Span
from .readfile import read_regular
from .report import EnvironmentReport, display_path
from .rule import Rule, RunnerRule

if TYPE_CHECKING:
    from .config import Settings
    from .model import Diagnostic, RevisionFile, Suppression
    from .runner import StampSite
    from .uncovered import UncoveredDirectory

OP_RULES = frozenset({"MG211", "MG212"})
# rules that compare upgrade() with downgrade(): downgrade()'s calls and SQL are read for them
DOWNGRADE_RULES = frozenset({"MG501", "MG502", "MG504"})


@dataclass(frozen=True)
class Options:
    select: Sequence[str] = ()
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    use_cache: bool = True
    cache_dir: Path | None = None
    honour_ignores: bool = True
    jobs: int | None = None
    against: str | None = None  # a git revision: lint the merge of the working tree into it


def cache_dir_for(project: Project, options: Options) -> Path | None:
    directory = _cache_location(project, options)
    return None if directory is None or _configured_outside(project, options, directory) else directory


def _cache_location(project: Project, options: Options) -> Path | None:
    if not options.use_cache:
        return None
    if options.cache_dir is not None:
        return options.cache_dir
    configured = project.settings.cache_dir
    if configured:
        return Path(configured) if Path(configured).is_absolute() else project.root / configured
    return project.root / ".miglint_cache"


def _configured_outside(project: Project, options: Options, directory: Path) -> bool:
    """The repository's own `cache-dir` cannot make miglint write outside it (lint/confine.py)."""
    configured = options.cache_dir is None and project.settings.cache_dir
    return bool(configured) and not inside(directory, repository_top(project.root))


def unusable_cache(project: Project, options: Options) -> tuple[Path, str] | None:
    """The cache directory not used although the cache is on, and why: for the CLI to say."""
    from .collect import cache_refusal

    directory = _cache_location(project, options)
    if directory is None:
        return None
    if _configured_outside(project, options, directory):
        return directory, "cache-dir in the project's configuration points outside the repository"
    reason = cache_refusal(directory)
    return None if reason is None else (directory, reason)


def lint_paths(
    paths: Sequence[str],
    cwd: Path,
    options: Options = Options(),
    project: Project | None = None,
    digests: dict[str, str] | None = None,
) -> list[EnvironmentReport]:
    """`project`, when given, is what `discover(paths, cwd)` found: the CLI needs it too.
    `digests`, when given, receives the content digest of every file linted (for --fix)."""
    project = project if project is not None else discover(paths, cwd)
    # Settings apply per environment: each [tool.miglint] lints its environments as it
    # would alone (its rules, dialect, runners, cache).
    parts = by_settings(project)
    if len(parts) == 1:
        reports = _lint_project(project, options, digests)
    else:
        found: dict[int, EnvironmentReport] = {}
        for part in parts:
            for env, report in zip(part.environments, _lint_project(part, options, digests)):
                found[id(env)] = report
        reports = [found[id(env)] for env in project.environments]  # in the order they were found
    # after the environments' reports, so that report i is still environment i
    return reports + unreadable_reports(project, options, cwd)


def unreadable_reports(project: Project, options: Options, cwd: Path) -> list[EnvironmentReport]:
    """One report per environment a search found but could not read, holding one MG005
    finding at its configuration file: one broken environment is one diagnostic."""
    if not project.problems or project.focus:
        return []
    settings = project.settings
    rules = _rules(settings, options)
    rule = next((r for r in rules if r.code == "MG005"), None)
    if rule is None:
        return []
    reports = []
    for problem in project.problems:
        name = display_path(str(problem.config), cwd)
        # discovery's messages start with the configuration's name: the finding is located there
        message = problem.message.removeprefix(f"{name}: ")
        diagnostic = rule.diagnostic(
            str(problem.config),
            Span.point(_setting_line(problem.config, message)),
            message,
            help="correct the path in the configuration, or exclude this directory in [tool.miglint]",
        )
        reports.append(EnvironmentReport(name, 0, 0, (), (), (diagnostic,)))
    return reports


def _rules(settings: Settings, options: Options) -> list[Rule]:
    return select_rules(
        select=options.select or settings.select,
        extend_select=[*settings.extend_select, *options.extend_select],
        ignore=[*settings.ignore, *options.ignore],
        rule_settings=settings.rule_settings,
        project=settings,
    )


def _setting_line(config: Path, message: str) -> int:
    """The line of the setting the message names, else 1."""
    try:
        with open(config, "rb") as stream:
            text = stream.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return 1
    for key in ("script_location", "version_locations", "path_separator"):
        if key in message:
            for number, line in enumerate(text.splitlines(), 1):
                if line.lstrip().startswith(key):
                    return number
    return 1


def _lint_project(
    project: Project, options: Options, digests: dict[str, str] | None = None
) -> list[EnvironmentReport]:
    settings = project.settings
    rules = _rules(settings, options)
    # op calls cost a full parse of every file: read them only for the rules that use them
    wants_ops = any(rule.code in OP_RULES for rule in rules)
    downgrade = settings.include_downgrade or any(rule.code in DOWNGRADE_RULES for rule in rules)
    store = Store(cache_dir_for(project, options), settings.dialect, wants_ops, downgrade)
    # With no results to check, nothing needs every file's digest before parsing, so
    # the workers read and hash the files the index does not know (a cold run).
    up_front = store.has_results() and options.against is None
    prints = [store.fingerprint(read_files(env), read=up_front) for env in project.environments]
    runner_files = find_runners(project) if any(isinstance(r, RunnerRule) for r in rules) else []
    runner_prints = store.fingerprint(runner_files)
    key = _results_key(project, rules, options, [*prints, runner_prints], [runner_files]) if up_front else ""
    # REF's side is not part of the key: a merge is linted afresh, and its results not kept.
    cached = store.results(key) if up_front else None
    if isinstance(cached, list) and all(isinstance(r, EnvironmentReport) for r in cached):
        store.save()
        if digests is not None:
            digests.update(store.digests())
        return _focus(cached, project)
    merge = None
    if options.against is not None:
        from .against import open_ref

        merge = open_ref(options.against, project.root)

    # Deferred: a run served from the cache never imports networkx or LibCST.
    from .deploy import deploy_context
    from .engine import lint_records
    from .resolve import resolve_imported_labels

    sites, runner_suppressions = _read_runners(runner_files)
    reports = []
    consulted: set[str] = set()
    owner = _runner_owners(project, [Path(p) for p in {s.path for s in sites} | set(runner_suppressions)])
    for index, (env, env_prints) in enumerate(zip(project.environments, prints)):
        records = store.records(read_files(env), env_prints, options.jobs)
        records, uncovered = split_uncovered(env, records)
        changes = None
        if merge is not None:
            from .against import ref_changes

            changes = ref_changes(env, merge, settings, wants_ops)
            records = [r for r in records if r.path not in changes.dropped] + list(changes.added)
        records, read_for_labels = resolve_imported_labels(records, project.root)
        deploy = deploy_context(
            env,
            settings.dialect,
            settings.postgres_version,
            settings.deployed,
            options.against,
            changes.in_ref if changes is not None else None,
        )
        consulted |= read_for_labels
        # A runner is checked against the environment it lives closest to.
        result = lint_records(
            records,
            rules,
            honour_ignores=options.honour_ignores,
            runner_sites=[s for s in sites if owner.get(s.path) == index],
            runner_suppressions={
                p: found for p, found in runner_suppressions.items() if owner.get(p) == index
            },
            uncovered=uncovered,
            deploy=deploy,
        )
        graph = result.graph
        diagnostics = result.diagnostics
        if changes is not None and changes.added:
            # a fix would edit a file that is not here
            ref_paths = {r.path for r in changes.added}
            diagnostics = tuple(
                dataclasses.replace(d, fix=None) if d.path in ref_paths else d for d in diagnostics
            )
            assert options.against is not None
            diagnostics = _merge_first(diagnostics, changes.added, options.against)
        reports.append(
            EnvironmentReport(
                name=env.name,
                files=len(records),
                revisions=len(graph.revisions),
                heads=tuple(sorted(graph.heads())),
                bases=tuple(sorted(graph.bases())),
                diagnostics=diagnostics,
                suppressed=result.suppressed,
                unread_sql=sum(
                    1
                    for record in records
                    for problem in record.sql_problems
                    if problem.entry == "upgrade" or settings.include_downgrade
                ),
                graph=graph,
                from_ref=len(changes.added) if changes else 0,
                deleted_by_ref=changes.deleted if changes else 0,
                deploy_known=bool(deploy.known_by),
            )
        )
    if merge is None:
        if not up_front:  # the workers have hashed the files now: the index knows them all
            prints = [
                store.resolved(read_files(env), found) for env, found in zip(project.environments, prints)
            ]
            key = _results_key(project, rules, options, [*prints, runner_prints], [runner_files])
        store.save_results(key, [dataclasses.replace(r, graph=None) for r in reports], consulted)
    store.save()
    if digests is not None:
        digests.update(store.digests())
    return _focus(reports, project)


def read_files(env: Environment) -> tuple[Path, ...]:
    """What is parsed for an environment: its version files, then the uncovered ones (MG004)."""
    return env.files + env.uncovered if env.uncovered else env.files


def split_uncovered(
    env: Environment, records: list[RevisionFile]
) -> tuple[list[RevisionFile], tuple[UncoveredDirectory, ...]]:
    """The records the graph is built from (adopted sub-directories included), and MG004's facts."""
    if not env.uncovered:
        return records, ()
    from .uncovered import adopt

    covered = len(env.files)
    return adopt(records[:covered], records[covered:], [str(p) for p in env.version_locations])


def _focus(reports: list[EnvironmentReport], project: Project) -> list[EnvironmentReport]:
    """With version files named on the command line, only the findings located in them."""
    if not project.focus:
        return reports
    wanted = {p.resolve() for p in project.focus}
    return [
        dataclasses.replace(
            r, diagnostics=tuple(d for d in r.diagnostics if Path(d.path).resolve() in wanted)
        )
        for r in reports
    ]


def _merge_first(
    diagnostics: tuple[Diagnostic, ...], from_ref: Sequence[RevisionFile], ref: str
) -> tuple[Diagnostic, ...]:
    """`alembic merge` advice that names a revision only REF has cannot run in this
    checkout (Alembic does not know the revision): merge or rebase REF first."""
    theirs = {r.revision_id for r in from_ref if r.revision_id}
    out = []
    for d in diagnostics:
        missing = [rev for rev in d.revisions if rev in theirs]
        if d.help and missing and "alembic merge" in d.help:
            only = f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} only in {ref}"
            advice = d.help[len("run: ") :] if d.help.startswith("run: ") else d.help
            d = dataclasses.replace(d, help=f"{only}: merge or rebase {ref} first, then run: {advice}")
        out.append(d)
    return tuple(out)


def _results_key(
    project: Project,
    rules: Sequence[Rule],
    options: Options,
    prints: Sequence[Sequence[tuple[str, bytes | None]]],
    extra_files: Sequence[Sequence[Path]] = (),
) -> str:
    """Everything a report depends on: settings, rules, and every file's content."""
    digest = hashlib.sha1()
    digest.update(repr(project.settings).encode())
    digest.update(repr([(r.code, r.effective_severity, sorted(r.settings.items())) for r in rules]).encode())
    digest.update(repr(options.honour_ignores).encode())
    # Names are relative to the working directory: a result cached elsewhere names them otherwise.
    digest.update("\0".join(env.name for env in project.environments).encode())
    file_lists = [read_files(env) for env in project.environments] + list(extra_files)
    for files, file_prints in zip(file_lists, prints):
        digest.update(b"\1")
        for path, (content, _) in zip(files, file_prints):
            # a file name need not be UTF-8: keep its bytes as the file system gave them
            digest.update(f"\0{path}\0{content}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _runner_owners(project: Project, runners: Sequence[Path]) -> dict[str, int]:
    """Each runner's environment: the one whose script location shares the longest path with it.

    A repository may hold several projects (examples/, a monorepo); a runner stamps the
    environment beside it, not the first one discovery happened to find.
    """
    anchors = [
        (
            env.script_location or (env.version_locations[0] if env.version_locations else project.root)
        ).resolve()
        for env in project.environments
    ]
    owners: dict[str, int] = {}
    for runner in runners:
        parts = runner.resolve().parts
        shared = [_shared_parts(parts, anchor.parts) for anchor in anchors]
        if shared:
            owners[str(runner)] = shared.index(max(shared))  # ties: the first environment
    return owners


def _shared_parts(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """How many leading path components two paths have in common."""
    count = 0
    for left, right in zip(a, b):
        if left != right:
            break
        count += 1
    return count


def find_runners(project: Project) -> list[Path]:
    """Runner files: `[tool.miglint] runners` globs, else Python and shell-like files that
    mention `alembic` and `stamp` (or `alembic_version`), outside the version directories
    and virtual environments."""
    root = project.settings.root
    if project.settings.runners:
        found = {p for pattern in project.settings.runners for p in root.glob(pattern) if p.is_file()}
        # MG301's fix writes to runner files: the repository's configuration cannot name
        # one outside it (`../deploy.py`, or through a committed link; lint/confine.py)
        top = repository_top(root)
        outside = sorted(p for p in found if not inside(p, top))
        if outside:
            raise ConfigError(
                f"runners names {display_path(str(outside[0]), Path.cwd())}, outside the repository; "
                "runner files must be inside it"
            )
        return sorted(found)
    versions = {location.resolve() for env in project.environments for location in env.version_locations}
    tracked = _git_files(root)
    if tracked is not None:
        candidates = [
            p for p in tracked
            if (p.suffix == ".py" or is_shell_like(p.name))
            and not any(part in _SKIP or part.startswith(".") for part in p.relative_to(root).parts[:-1])
            and not any(v == p.parent.resolve() or v in p.resolve().parents for v in versions)
        ]  # fmt: skip
        return [p for p in candidates if _mentions_stamping(p)]
    runners = []
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in _SKIP and not d.startswith(".") and (here / d).resolve() not in versions
        )
        if len(here.relative_to(root).parts) > 6:
            dirnames[:] = []
        for name in sorted(filenames):
            if (name.endswith(".py") or is_shell_like(name)) and _mentions_stamping(here / name):
                runners.append(here / name)
    return runners


def _mentions_stamping(path: Path) -> bool:
    try:
        text = read_regular(path).decode("utf-8", errors="replace")  # a link to /dev/zero never ends
    except OSError:
        return False
    # a runner may also write the version row itself, never saying "stamp"
    return "alembic" in text and ("stamp" in text or "alembic_version" in text)


def _git_files(root: Path) -> list[Path] | None:
    """The files git tracks below root, or None outside a git repository (or without git)."""
    # Spawning git costs more than a whole warm run's other I/O: look for a repository first.
    if not any((directory / ".git").exists() for directory in (root, *root.parents)):
        return None
    import subprocess

    from .replay import note_git

    note_git(root)  # what git reports is witnessed for a replay (lint/replay.py)
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            timeout=20,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    names = [n for n in listed.stdout.decode("utf-8", "replace").split("\0") if n]
    return sorted(root / n for n in names if (root / n).is_file())


def is_shell_like(name: str) -> bool:
    """Entrypoints, Dockerfiles, compose files and Makefiles run alembic too."""
    lowered = name.lower()
    return (
        lowered.endswith((".sh", ".bash"))
        or lowered.startswith("dockerfile")
        or lowered in ("makefile", "justfile", "procfile", "entrypoint")
        or (lowered.endswith((".yml", ".yaml")) and ("compose" in lowered))
    )


# discovery's list, and tests: a test's fixture runner is not the project's runner
_SKIP = frozenset(SKIP_DIRS | {"tests"})


def _read_runners(paths: Sequence[Path]) -> tuple[list[StampSite], dict[str, tuple[Suppression, ...]]]:
    from .parse import _suppressions
    from .runner import analyze_runner
    from .shellrunner import analyze_shell

    sites: list[StampSite] = []
    suppressions: dict[str, tuple[Suppression, ...]] = {}
    for path in paths:
        try:
            text = read_regular(path).decode("utf-8")
            analyze = analyze_runner if path.suffix == ".py" else analyze_shell
            sites.extend(analyze(str(path), text))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
            # not a Python file miglint can read (MemoryError: CPython's parser on code
            # nested too deeply, as parse.py notes): it has no stamps to report
            continue
        suppressions[str(path)] = _suppressions(text)
    return sites, suppressions
