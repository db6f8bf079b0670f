"""`miglint lint`: the command's work, from its parsed arguments to its exit status.

lint/cli.py declares the command's options with click; a plain `lint` command line
(paths and the options that shape the report) is parsed by lint/replay.py and runs
here without click being imported at all (see lint/terminal.py).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .config import ConfigError
from .lazydataclass import dataclass, replace
from .terminal import echo, on_terminal, split

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .graph import RevisionGraph
    from .model import Diagnostic
    from .pipeline import Options
    from .reading.discover import Environment, Project
    from .report import EnvironmentReport, FixesShown

REPORT_FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "markdown")


def lint(
    paths: tuple[str, ...] = (),
    output_format: str = "text",
    output_file: Path | None = None,
    also_write: tuple[str, ...] = (),
    show_statistics: bool = False,
    select: tuple[str, ...] = (),
    extend_select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    no_cache: bool = False,
    cache_dir: Path | None = None,
    exit_zero: bool = False,
    fail_on: str | None = None,
    no_ignore_comments: bool = False,
    concise: bool = False,
    jobs: int | None = None,
    color: bool | None = None,
    apply_fixes: bool = False,
    show_diff: bool = False,
    unsafe_fixes: bool = False,
    show_fixes: bool = False,
    write_baseline: bool = False,
    baseline_file: Path | None = None,
    no_baseline_file: bool = False,
    against: str | None = None,
) -> None:
    """Lint the revision graphs of the Alembic environments at PATHS (default: here).

    The defaults are what click passes when an option is not given (lint/cli.py declares
    them; tests/test_plain_lint.py checks that they agree)."""
    # A short run that builds no reference cycles: the cyclic collector would only
    # pause it, repeatedly, while tens of thousands of cached records are loaded.
    gc.disable()
    from .pipeline import Options, lint_paths
    from .reading.discover import discover
    from .report import baseline, display_path

    also = _also_write(also_write)
    if write_baseline and (no_baseline_file or apply_fixes or show_diff):
        raise ConfigError("--write-baseline cannot be combined with --no-baseline-file, --fix or --diff")

    cwd = Path.cwd()
    options = Options(
        select=split(select),
        extend_select=split(extend_select),
        ignore=split(ignore),
        use_cache=not no_cache,
        cache_dir=cache_dir,
        honour_ignores=not no_ignore_comments,
        jobs=jobs,
        against=against,
    )
    project = discover(paths, cwd)
    if write_baseline and project.focus:
        # a baseline written from one file's findings would drop every other file's
        raise ConfigError("--write-baseline records the whole project: pass a directory, not a version file")
    for env in project.environments:
        if env.note:
            echo(f"miglint: {env.note}", err=True)
    # Held from before the lint until the fixes are written: a second --fix on this
    # project waits, then lints what the first one wrote (lint/fix.py).
    held = contextlib.ExitStack()
    locked = False
    if apply_fixes:
        from .fix import fix_lock

        locked = held.enter_context(fix_lock(project.root))
    digests: dict[str, str] = {}  # what each file held when it was linted
    options = cache_checked(project, options, cwd)
    with parse_progress():
        reports = lint_paths(paths, cwd, options, project, digests)
    if against is not None:
        echo(_merge_note(against, reports), err=True)
    # one baseline per [tool.miglint], as for every other setting
    places = baseline.places(project, baseline_file, cwd)
    recorded = None
    if not (no_baseline_file or write_baseline):
        recorded = [baseline.read(p.path, display_path(str(p.path), cwd), required=p.named) for p in places]
    if recorded is not None and any(r is not None for r in recorded):
        # Fixes, like the report, cover only what the baseline does not hide (ruff's choice).
        reports = baseline.apply_each(reports, places, recorded, cwd)
    else:
        recorded = None
    if show_diff:
        sys.exit(_print_diff(reports, cwd, unsafe_fixes, digests))
    if apply_fixes:

        def relinted(fresh: list[EnvironmentReport]) -> list[EnvironmentReport]:
            # linted again: the baseline applies anew
            return baseline.apply_each(fresh, places, recorded, cwd) if recorded is not None else fresh

        reports = _apply_fixes(
            reports, paths, cwd, options, Fixing(unsafe_fixes, show_fixes, digests, locked), relinted
        )
        held.close()
    for report in reports:
        # not one that could not be read (MG005), nor one a version file was given of (its
        # report holds only that file's findings: a file MG004 covers may have none)
        if not report.files and not report.diagnostics and not project.focus:
            echo(f"miglint: {report.name}: no revision files found", err=True)
    if write_baseline:
        for place in places:
            record_baseline(place.path, baseline.members(reports, place, len(places) == 1), place.root, cwd)
        sys.exit(0)
    use_color = _use_color(color)
    from .report import FixesShown

    fixes_shown = FixesShown(show_fixes, unsafe_fixes)
    if "markdown" in (output_format, *(fmt for fmt, _ in also)):  # its picture needs each graph
        reports = _with_graphs(reports, project, options)
    _emit_report(
        reports,
        paths,
        cwd,
        output_format,
        output_file,
        use_color,
        not concise,
        show_statistics,
        fixes_shown,
        against=against,
        also=also,
    )
    # an environment that could not be read is an MG005 error in the report: it fails the run
    failed = _fails(reports, project, fail_on)
    sys.exit(1 if failed and not exit_zero else 0)


def _with_graphs(
    reports: list[EnvironmentReport], project: Project, options: Options
) -> list[EnvironmentReport]:
    """Each environment's report with its graph, rebuilt from the cached records when the
    report itself came from the cache (cached reports do not keep their graph)."""
    from .reading.discover import project_of

    out = list(reports)
    for index, env in enumerate(project.environments[: len(reports)]):
        if out[index].graph is None and out[index].files:
            graph = load_graph(project_of(project, env), env, options)
            out[index] = replace(out[index], graph=graph)
    return out


def parse_progress() -> contextlib.AbstractContextManager[None]:
    """A bar on stderr while a slow cold run parses, on a terminal outside CI (lint/report/progress.py)."""
    from .report import progress

    wanted = progress.wanted(sys.stderr)
    return progress.showing(progress.Progress(sys.stderr) if wanted else None)


def _fails(reports: list[EnvironmentReport], project: Project, fail_on: str | None) -> bool:
    """Errors fail the run; warnings only with --fail-on / fail-on = "warning" (as eslint).

    Each environment's own [tool.miglint] decides for its findings.
    """
    from .reading.discover import settings_of

    # report i is environment i; reports past them (MG005) fall under the project's settings
    envs = project.environments if len(project.environments) <= len(reports) else ()
    thresholds = [fail_on or settings_of(project, env).fail_on for env in envs]
    thresholds += [fail_on or project.settings.fail_on] * (len(reports) - len(thresholds))
    return any(
        d.severity == "error" or threshold == "warning"
        for report, threshold in zip(reports, thresholds)
        for d in report.diagnostics
    )


def _use_color(requested: bool | None) -> bool:
    """--color/--no-color, else FORCE_COLOR, else NO_COLOR (https://no-color.org), else a terminal."""
    if requested is not None:
        return requested
    forced = os.environ.get("FORCE_COLOR")
    if forced is not None:  # as Node.js reads it: FORCE_COLOR=0 turns colour off
        return forced.lower() not in ("0", "false")
    if os.environ.get("NO_COLOR", ""):
        return False
    return on_terminal()


def cache_checked(project: Project, options: Options, cwd: Path) -> Options:
    """`options`, after saying which cache directories are not miglint's to use: those
    runs go uncached (the store refuses them itself; see collect.cache_refusal)."""
    from .pipeline import unusable_cache
    from .reading.discover import by_settings
    from .report import display_path

    said = set()
    for part in by_settings(project):  # each [tool.miglint] has its own cache-dir
        unusable = unusable_cache(part, options)
        if unusable is not None and unusable[0] not in said:
            directory, reason = unusable
            said.add(directory)
            shown = display_path(str(directory), cwd)
            echo(f"miglint: warning: not using the cache directory {shown}: {reason}", err=True)
    return options


def _merge_note(ref: str, reports: list[EnvironmentReport]) -> str:
    taken = plural(sum(r.from_ref for r in reports), "version file")
    deleted = sum(r.deleted_by_ref for r in reports)
    gone = f"; {plural(deleted, 'version file')} deleted there" if deleted else ""
    return f"miglint: linting the merge of the working tree into {ref} ({taken} from {ref}{gone})"


def _emit_report(
    reports: list[EnvironmentReport],
    paths: tuple[str, ...],
    cwd: Path,
    output_format: str,
    output_file: Path | None,
    color: bool,
    show_help: bool,
    show_statistics: bool,
    fixes: FixesShown | None = None,
    against: str | None = None,
    also: Sequence[tuple[str, Path]] = (),
) -> None:
    """The report in its format to stdout, or to --output-file with the text report on stdout;
    then each --also-write report to its file."""
    from .report import FixesShown, summary_line, text_report

    fixes = fixes if fixes is not None else FixesShown()
    report = _formatted(
        output_format, reports, paths, cwd, against, show_help, fixes, color=color and output_file is None
    )
    if output_format == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        from .formats import findings, repository_root
        from .formats.github import step_summary
        from .formats.output import append

        root = repository_root(Path(paths[0]) if paths else cwd, cwd)
        append(Path(os.environ["GITHUB_STEP_SUMMARY"]), step_summary(findings(reports, root), reports))
    if output_file is None:
        echo(report, nl=False, color=color or None)
    else:
        from .formats.output import write_atomically

        write_atomically(output_file, report)
        if output_format == "text":
            echo(summary_line(reports))
        else:
            text = text_report(reports, cwd, color=color, show_help=show_help, fixes=fixes)
            echo(text, nl=False, color=color or None)
    for fmt, path in also:
        from .formats.output import write_atomically

        write_atomically(path, _formatted(fmt, reports, paths, cwd, against, show_help, fixes))
    if show_statistics:
        from .formats.statistics import statistics

        machine_readable = output_format != "text" and output_file is None
        echo(statistics(reports), nl=False, err=machine_readable)


def _formatted(
    fmt: str,
    reports: list[EnvironmentReport],
    paths: tuple[str, ...],
    cwd: Path,
    against: str | None,
    show_help: bool,
    fixes: FixesShown,
    color: bool = False,
) -> str:
    """The report in one --format, as text."""
    from .report import json_report, text_report

    if fmt == "text":
        return text_report(reports, cwd, color=color, show_help=show_help, fixes=fixes)
    if fmt == "json":
        return json_report(reports, cwd)
    from .formats import findings, render, repository_root

    root = repository_root(Path(paths[0]) if paths else cwd, cwd)
    if fmt == "markdown":
        from .formats.markdown import Links
        from .formats.markdown import render as markdown

        return markdown(findings(reports, root), reports, root, Links.from_environment(os.environ), against)
    return render(fmt, reports, root)


def _also_write(values: tuple[str, ...]) -> list[tuple[str, Path]]:
    """`--also-write sarif:out.sarif` -> [("sarif", Path("out.sarif"))]."""
    pairs = []
    for value in values:
        fmt, colon, path = value.partition(":")
        if not colon or not path or fmt not in REPORT_FORMATS:
            raise ConfigError(
                f"--also-write {value}: expected FORMAT:FILE with FORMAT one of {', '.join(REPORT_FORMATS)}"
            )
        pairs.append((fmt, Path(path)))
    return pairs


def _print_diff(
    reports: list[EnvironmentReport], cwd: Path, unsafe: bool = False, digests: dict[str, str] | None = None
) -> int:
    from .fix import plan_fixes
    from .report import display_path

    diagnostics = [d for r in reports for d in r.diagnostics]
    fixes = plan_fixes(diagnostics, unsafe, digests)
    count = 0
    for fix in fixes:
        if fix.problem is not None:
            echo(f"miglint: {display_path(fix.path, cwd)}: {fix.problem}", err=True)
            continue
        echo(fix.diff(display_path(fix.path, cwd)), nl=False)
        count += len(fix.fixed)
    files = sum(1 for f in fixes if f.problem is None)
    echo(
        f"Would fix {plural(count, 'finding')} in {plural(files, 'file')}{_hidden(diagnostics, unsafe)}.",
        err=True,
    )
    return 1 if count else 0


@dataclass(frozen=True)
class Fixing:
    """How --fix runs: with the unsafe fixes, listing them, the digests linted, under the lock."""

    unsafe: bool = False
    show: bool = False
    digests: dict[str, str] | None = None
    locked: bool = False


# A fix can make room for another: an index drop wrapped in autocommit_block() commits, and
# the next drop of the same table no longer runs under the lock the first one took (MG403).
# As ruff does, fixes are applied and the project linted again until none is left to apply.
_FIX_PASSES = 10


def _apply_fixes(
    reports: list[EnvironmentReport],
    paths: tuple[str, ...],
    cwd: Path,
    options: Options,
    how: Fixing,
    relinted: Callable[[list[EnvironmentReport]], list[EnvironmentReport]],
) -> list[EnvironmentReport]:
    """Apply the fixes, lint again, and so on until a pass writes nothing (at most
    _FIX_PASSES); the reports of what is left. `relinted` applies the baseline to a new lint."""
    from .fix import FileFix, plan_fixes, write_fixes
    from .pipeline import lint_paths
    from .report import display_path

    digests = how.digests
    fixed: list[Diagnostic] = []
    files: dict[str, None] = {}
    for _ in range(_FIX_PASSES):
        diagnostics = [d for r in reports for d in r.diagnostics]
        fixes = plan_fixes(diagnostics, how.unsafe, digests)
        for fix in fixes:
            if fix.problem is not None:
                echo(f"miglint: {display_path(fix.path, cwd)}: {fix.problem}", err=True)
        skipped: list[FileFix] = []
        written = write_fixes(fixes, skipped, locked=how.locked)
        for fix in skipped:
            echo(f"miglint: {display_path(fix.path, cwd)}: {fix.problem}", err=True)
        if not written:
            if skipped:  # changed under us: report what it holds now
                reports = relinted(lint_paths(paths, cwd, options))
            break
        fixed.extend(d for fix in written for d in fix.fixed)
        files.update(dict.fromkeys(fix.path for fix in written))
        digests = {}
        reports = relinted(lint_paths(paths, cwd, options, digests=digests))  # what is left
    if fixed:
        echo(f"Fixed {plural(len(fixed), 'finding')} in {plural(len(files), 'file')}.", err=True)
    if how.show:
        for d in fixed:
            where = f"{display_path(d.path, cwd)}:{d.span.line}:{d.span.column + 1}:"
            assert d.fix is not None
            echo(f"  {where} {d.code} {d.fix.description}", err=True)
    return reports


def _hidden(diagnostics: list[Diagnostic], unsafe: bool) -> str:
    """How many findings only --unsafe-fixes would fix, as a note for the summary."""
    if unsafe:
        return ""
    hidden = sum(1 for d in diagnostics if d.fix is not None and not d.fix.safe)
    return f"; {hidden} more with --unsafe-fixes" if hidden else ""


def record_baseline(where: Path, reports: list[EnvironmentReport], root: Path, cwd: Path) -> None:
    from .report import baseline, display_path

    shown = display_path(str(where), cwd)
    written = baseline.write(where, shown, reports, root, cwd)
    notes = [f"{written.added} added"] if written.added and written.had_previous else []
    if written.had_previous:
        notes.append(f"{written.pruned} pruned")
    if written.replaced_unreadable:
        notes.append("replaced an unreadable file")
    tail = f" ({', '.join(notes)})" if notes else ""
    echo(f"Wrote {plural(written.findings, 'finding')} to {shown}{tail}.", err=True)


def plural(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def load_graph(project: Project, env: Environment, options: Options, ops: bool = False) -> RevisionGraph:
    """An environment's graph from its (cached) records, read as `lint` reads them."""
    from .graph import RevisionGraph
    from .pipeline import cache_dir_for, lint_reading, read_files, split_uncovered
    from .reading.collect import collect
    from .reading.resolve import resolve_imported_labels

    cache = cache_dir_for(project, options)
    # read as lint reads them: after a lint run, nothing is parsed again
    lint_ops, downgrade = lint_reading(project.settings, options)
    records = collect(
        read_files(env), cache, dialect=project.settings.dialect, ops=ops or lint_ops, downgrade=downgrade
    )
    records, uncovered = split_uncovered(env, records)
    graph = RevisionGraph(resolve_imported_labels(records, project.root)[0])
    graph.uncovered = uncovered
    return graph


def run_plain(arguments: dict[str, object]) -> None:
    """A plain `lint` command line, parsed by lint/replay.py: run it and exit."""
    from .terminal import guarded, run_and_exit

    run_and_exit(lambda: guarded(lint, **arguments))
