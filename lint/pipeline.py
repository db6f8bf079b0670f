"""discover -> collect -> engine for every environment: what `miglint lint` runs."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .engine import select_rules
from .history.headfile import configured_path, read_head_file
from .lazydataclass import dataclass, replace
from .lazyre import pattern
from .model import Span
from .reading.collect import NOT_A_DIGEST, Lookup, Prints, RunFiles, Store
from .reading.confine import inside, repository_top
from .reading.discover import Environment, Project, by_settings, discover, settings_of
from .reading.readfile import read_regular
from .reading.runnerfiles import find_runners, runner_language, runner_owners
from .report import EnvironmentReport, display_path
from .rule import WARNING, Rule, RunnerRule
from .sha1 import sha1

if TYPE_CHECKING:
    from .config import Settings
    from .graph import RevisionGraph
    from .history.against import RefChanges
    from .model import Diagnostic, RevisionFile, Suppression
    from .reading.collect import RunnerFacts
    from .reading.discover import EnvironmentProblem
    from .reading.uncovered import UncoveredDirectory
    from .runners.facts import StampSite

# opt-in rules that read the Python around the calls: what they need is read only for them
# (reading/parse.py `ops`)
OP_RULES = frozenset({"MG211", "MG212", "MG505"})
# rules that compare upgrade() with downgrade(): downgrade()'s calls and SQL are read for them
DOWNGRADE_RULES = frozenset({"MG407", "MG501", "MG502", "MG504"})  # MG407: the type downgrade() restores
APPLICATION_IMPORT_RULES = frozenset({"MG506"})  # they need to know which imports are the repository's


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
    """The repository's own `cache-dir` cannot make miglint write outside it (lint/reading/confine.py)."""
    configured = options.cache_dir is None and project.settings.cache_dir
    return bool(configured) and not inside(directory, repository_top(project.root))


def unusable_cache(project: Project, options: Options) -> tuple[Path, str] | None:
    """The cache directory not used although the cache is on, and why: for the CLI to say."""
    from .reading.collect import cache_refusal

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
    if not project.focus:
        reports = [
            _with_setting_findings(r, env, project, options, cwd)
            for r, env in zip(reports, project.environments)
        ]
    # after the environments' reports, so that report i is still environment i
    return reports + unreadable_reports(project, options, cwd)


def _with_setting_findings(
    report: EnvironmentReport, env: Environment, project: Project, options: Options, cwd: Path
) -> EnvironmentReport:
    """The report with an MG005 finding for each part of its configuration that Alembic reads
    past (a version location that does not exist): a warning, as Alembic loads the history
    without it (rules/unreadable_environment.py); made after the cache, as discovery is."""
    if not env.problems:
        return report
    rule = next((r for r in _rules(settings_of(project, env), options) if r.code == "MG005"), None)
    if rule is None:
        return report
    found = [_setting_finding(rule, problem, cwd) for problem in env.problems]
    if rule.configured_severity is None:
        found = [replace(d, severity=WARNING) for d in found]
    return replace(report, diagnostics=tuple(sorted((*found, *report.diagnostics), key=lambda d: d.sort_key)))


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
        name = problem.environment or display_path(str(problem.config), cwd)
        finding = _setting_finding(rule, problem, cwd)
        if problem.elsewhere and rule.configured_severity is None:
            finding = replace(finding, severity=WARNING)  # another machine's path: nothing to fix here
        reports.append(EnvironmentReport(name, 0, 0, (), (), (finding,)))
    return reports


def _setting_finding(rule: Rule, problem: EnvironmentProblem, cwd: Path) -> Diagnostic:
    """MG005 at the configuration file, at the option at fault when it is known."""
    name = problem.environment or display_path(str(problem.config), cwd)
    # discovery's messages start with the environment's name: the finding is located there
    message = problem.message.removeprefix(f"{name}: ")
    if problem.line is not None:
        where = Span.point(problem.line, problem.column)
    else:
        where = Span.point(_setting_line(problem.config, message))
    return rule.diagnostic(
        str(problem.config),
        where,
        message,
        help="correct the path in the configuration, or exclude this directory in [tool.miglint]",
    )


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


def reads_downgrade(settings: Settings, rules: Sequence[Rule]) -> bool | str:
    """Whether downgrade()'s calls and SQL are read: True for `include-downgrade` (its SQL is
    checked as upgrade()'s is); "facts" for the rules that compare it with upgrade(), which
    need its facts only; else False."""
    if settings.include_downgrade:
        return True
    return "facts" if any(rule.code in DOWNGRADE_RULES for rule in rules) else False


def _reading(settings: Settings, rules: Sequence[Rule]) -> tuple[bool, bool | str]:
    """How the version files are read for these rules (part of the cache's key): the full
    op-call facts (they cost a full parse of every file: only for the rules that use them),
    and downgrade() (reads_downgrade)."""
    return any(rule.code in OP_RULES for rule in rules), reads_downgrade(settings, rules)


def lint_reading(settings: Settings, options: Options) -> tuple[bool, bool | str]:
    """How `lint` reads the version files with these settings and options: the other
    commands read them the same way, so that they share its cached records."""
    return _reading(settings, _rules(settings, options))


def _lint_project(
    project: Project, options: Options, digests: dict[str, str] | None = None
) -> list[EnvironmentReport]:
    """Discovery's files -> the cache -> facts -> rules -> reports -> the cache."""
    settings = project.settings
    rules = _rules(settings, options)
    wants_ops, downgrade = _reading(settings, rules)
    store = Store(cache_dir_for(project, options), settings.dialect, wants_ops, downgrade)
    head_files = _head_files(project, rules, options)
    runner_files = find_runners(project) if any(isinstance(r, RunnerRule) for r in rules) else []
    # a head file is read for MG120 on every run: its content is part of the key
    files = RunFiles(
        [read_files(env) for env in project.environments],
        [runner_files, [p for p in head_files if p is not None]],
    )

    def key_of(prints: list[Prints]) -> str:
        return _results_key(project, rules, options, prints, files.others)

    # REF's side is not part of the key: a merge is linted afresh, and its results not kept.
    found = store.look_up(files, key_of, reuse=options.against is None)
    reports = found.reports
    if reports is None:
        reports, consulted = _lint_environments(
            project, rules, options, store, files, found, head_files, wants_ops
        )
        if options.against is None:
            store.keep(files, found, key_of, [replace(r, graph=None) for r in reports], consulted)
    store.save()
    if digests is not None:
        digests.update(store.digests())
    return _focus(reports, project)


def _lint_environments(
    project: Project,
    rules: Sequence[Rule],
    options: Options,
    store: Store,
    files: RunFiles,
    found: Lookup,
    head_files: Sequence[Path | None],
    wants_ops: bool,
) -> tuple[list[EnvironmentReport], set[str]]:
    """Each environment's report, and the files read beyond the version files (their
    content decides the reports too: a module a branch label was resolved from)."""
    settings = project.settings
    merge = None
    if options.against is not None:
        from .history.against import open_ref

        merge = open_ref(options.against, project.root)

    # Deferred: a run served from the cache never imports networkx or LibCST.
    from .engine import lint_records
    from .history.deploy import deploy_context
    from .memo import memo_config
    from .reading.resolve import resolve_imported_labels

    runner_files, runner_prints = files.others[0], found.other_prints[0]
    # Runners are read while the workers parse the first environment (or after it).
    read_runners = functools.cache(lambda: store.runner_facts(runner_files, runner_prints, read_runner_facts))
    reports = []
    consulted: set[str] = set()
    owner: dict[str, int] | None = None
    unread: tuple[tuple[str, int, str], ...] = ()
    for index, (env, env_paths, env_prints) in enumerate(
        zip(project.environments, files.environments, found.prints)
    ):
        records = store.records(env_paths, env_prints, options.jobs, meanwhile=read_runners)
        if index == len(project.environments) - 1:
            store.write_records()  # before the rules: what the workers pickled is let go
        sites, runner_suppressions = read_runners()
        if owner is None:
            unread = unread_runners(runner_files, set(runner_suppressions))
            owner = runner_owners(
                project,
                [
                    Path(p)
                    for p in {s.path for s in sites} | set(runner_suppressions) | {u[0] for u in unread}
                ],
            )
        records, uncovered = split_uncovered(env, records)
        changes = None
        reference = None
        if merge is not None:
            from .history.against import ref_changes
            from .history.reference import ref_history

            changes = ref_changes(env, merge, settings, wants_ops)
            reference = ref_history(env, merge, settings, records)
            records = [r for r in records if r.path not in changes.dropped] + list(changes.added)
        head_file = head_files[index]
        records, read_for_labels = resolve_imported_labels(records, project.root)
        deploy = deploy_context(
            env,
            settings.dialect,
            settings.postgres_version,
            settings.deployed,
            options.against,
            changes.only_here if changes is not None else None,
        )
        consulted |= read_for_labels
        if env.script_location is not None:  # env.py's lock_timeout, autocommit...: MG4xx read them
            consulted.add(str(Path(env.script_location) / "env.py"))
            if any(rule.code == "MG502" for rule in rules) and _creates_unnamed(records):
                from .facts.convention import naming_convention

                kinds, read = naming_convention(
                    Path(env.script_location) / "env.py", repository_top(project.root)
                )
                deploy = replace(deploy, naming_convention=kinds)
                consulted |= read
        if any(rule.code in APPLICATION_IMPORT_RULES for rule in rules):
            from .facts.appimports import mark_application_imports

            records, read_for_imports = mark_application_imports(records, env, project.root)
            consulted |= read_for_imports
        memo = None
        if merge is None:  # REF's files have no digest here, and the results are not kept
            resolved = store.resolved(env_paths, env_prints)
            digests = {str(p): d for p, (d, _) in zip(env_paths, resolved) if not d.startswith(NOT_A_DIGEST)}
            memo = store.rule_memo(memo_config(rules, deploy, settings), digests)
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
            head_file=None if head_file is None else read_head_file(head_file),
            reference=reference,
            memo=memo,
            branch_of_another=env.branch_of_another,
            in_code=env.in_code,
        )
        graph = result.graph
        diagnostics = result.diagnostics
        if changes is not None and changes.added:
            # a fix would edit a file that is not here
            ref_paths = {r.path for r in changes.added}
            diagnostics = tuple(replace(d, fix=None) if d.path in ref_paths else d for d in diagnostics)
            assert options.against is not None
            diagnostics = _merge_first(diagnostics, changes.added, options.against)
        ref_heads, changed = _ref_sides(graph, changes) if changes is not None else (None, ())
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
                ref_heads=ref_heads,
                changed=changed,
                unread_runners=tuple(u for u in unread if owner.get(u[0]) == index),
            )
        )
    return reports, consulted


def _creates_unnamed(records: Sequence[RevisionFile]) -> bool:
    """Whether a revision creates a constraint without a name (MG502 then asks env.py's
    naming convention)."""
    from .rules.unnamed_constraint import UNNAMED_CREATES, creates_unnamed

    return any(
        not record.operation_names.isdisjoint(UNNAMED_CREATES)
        and any(map(creates_unnamed, record.operations))
        for record in records
    )


def _ref_sides(graph: RevisionGraph, changes: RefChanges) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """REF's heads before the merge, and the revisions the merge brings together: those
    only the working tree has and those taken from REF (what a PR comment draws)."""
    from .graph import RevisionGraph

    ours = changes.only_here
    theirs = {r.path for r in changes.added}
    before = RevisionGraph([f for f in graph.files if f.path not in ours])
    changed = tuple(rev for rev, f in graph.revisions.items() if f.path in ours or f.path in theirs)
    return tuple(sorted(before.heads())), changed


def _head_files(project: Project, rules: Sequence[Rule], options: Options) -> list[Path | None]:
    """Each environment's head file, when MG120 runs (not with --against: see its docs)."""
    if options.against is not None or not any(r.code == "MG120" for r in rules):
        return [None] * len(project.environments)
    return [configured_path(project, env) for env in project.environments]


def read_files(env: Environment) -> tuple[Path, ...]:
    """What is parsed for an environment: its version files, then the uncovered ones (MG004)."""
    return env.files + env.uncovered if env.uncovered else env.files


def split_uncovered(
    env: Environment, records: list[RevisionFile]
) -> tuple[list[RevisionFile], tuple[UncoveredDirectory, ...]]:
    """The records the graph is built from (adopted sub-directories included), and MG004's facts."""
    if not env.uncovered:
        return records, ()
    from .reading.uncovered import adopt

    covered = len(env.files)
    # without version locations (reading/discover.py's _unversioned_script), named beside the script directory
    places = env.version_locations or ((env.script_location,) if env.script_location is not None else ())
    return adopt(records[:covered], records[covered:], [str(p) for p in places])


def _focus(reports: list[EnvironmentReport], project: Project) -> list[EnvironmentReport]:
    """With version files named on the command line, only the findings located in them."""
    if not project.focus:
        return reports
    wanted = {p.resolve() for p in project.focus}
    return [
        replace(r, diagnostics=tuple(d for d in r.diagnostics if Path(d.path).resolve() in wanted))
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
            d = replace(d, help=f"{only}: merge or rebase {ref} first, then run: {advice}")
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
    digest = sha1()
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


def read_runner_facts(paths: Sequence[Path]) -> dict[str, RunnerFacts | None]:
    """Each runner's stamp sites and suppressions by path; None: not a file miglint can read."""
    from .reading.parse import _suppressions
    from .runners.python import analyze_runner
    from .runners.shell import analyze_shell

    facts: dict[str, RunnerFacts | None] = {}
    for path in paths:
        try:
            text = read_regular(path).decode("utf-8")
            analyze = analyze_runner if runner_language(path.name, text) == "python" else analyze_shell
            sites = analyze(str(path), text)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
            # not a Python file miglint can read (MemoryError: CPython's parser on code
            # nested too deeply, as reading/parse.py notes): it has no stamps to report
            facts[str(path)] = None
            continue
        facts[str(path)] = (tuple(sites), _suppressions(text))
    return facts


def unread_runners(paths: Sequence[Path], read: Collection[str]) -> tuple[tuple[str, int, str], ...]:
    """(path, line or 0, why) for each runner that mentions `alembic` but could not be read (Python 2
    syntax, not UTF-8): its stamps are not followed. `read`: the paths that were."""
    from .runners.python import analyze_runner

    found = []
    for path in paths:
        if str(path) in read:
            continue
        try:
            data = read_regular(path)
        except OSError:
            continue  # gone since discovery, or a configured glob's FIFO: nothing to say of it
        if not _stamps_with_alembic(data.decode("utf-8", errors="replace")):
            continue  # a model with a `timestamp` column that imports alembic_utils: not a runner
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            found.append((str(path), 0, f"not UTF-8 (byte {error.start + 1})"))
            continue
        if runner_language(path.name, text) != "python":
            continue
        try:
            analyze_runner(str(path), text)
        except SyntaxError as error:
            found.append((str(path), error.lineno or 1, error.msg or "invalid syntax"))
        except ValueError as error:
            found.append((str(path), 0, str(error)))
        except (RecursionError, MemoryError):
            found.append((str(path), 0, "nested too deeply"))
    return tuple(found)


def _stamps_with_alembic(text: str) -> bool:
    """The text mentions alembic (or Flask-Migrate) and a stamp (`command.stamp`, `alembic stamp`,
    `flask db stamp`) or the version table."""
    from .reading.runnerfiles import runs_migrations

    return runs_migrations(text) and (_STAMP_WORD.search(text) is not None or "alembic_version" in text)


_STAMP_WORD = pattern(r"\bstamp\b")


def _read_runners(paths: Sequence[Path]) -> tuple[list[StampSite], dict[str, tuple[Suppression, ...]]]:
    """Every runner's stamp sites, and the suppressions of each runner read."""
    sites: list[StampSite] = []
    suppressions: dict[str, tuple[Suppression, ...]] = {}
    for path, found in read_runner_facts(paths).items():
        if found is not None:
            sites.extend(found[0])
            suppressions[path] = found[1]
    return sites, suppressions
