"""The `miglint` command. The only module that writes to the terminal."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from . import __version__
from .config import ConfigError
from .lazydataclass import dataclass, replace

if TYPE_CHECKING:
    from .model import Diagnostic
    from .pipeline import Options
    from .report import EnvironmentReport, FixesShown

F = TypeVar("F", bound=Callable[..., Any])


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select MG1,MG2 --select MG3` -> (MG1, MG2, MG3)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _interactive() -> bool:
    """Whether a question can be asked: both stdin and stdout are a terminal."""
    return _on_terminal() and sys.stdin is not None and sys.stdin.isatty()


def _on_terminal() -> bool:
    """Whether stdout is a terminal; it is None when the descriptor was closed (`>&-`)."""
    return sys.stdout is not None and sys.stdout.isatty()


def _internal_error() -> None:
    """Report the exception being handled as a bug in miglint, and exit 2."""
    if os.environ.get("MIGLINT_DEBUG"):
        import traceback  # deferred: only a bug needs it, and every run would pay its import

        traceback.print_exc()
    bug = sys.exc_info()[1]
    click.echo(
        f"miglint: internal error: {type(bug).__name__}: {bug}\n"
        "This is a bug in miglint; run again with MIGLINT_DEBUG=1 for details and report it.",
        err=True,
    )
    sys.exit(2)


def _escape_undecodable_names() -> None:
    """Print a file name that is not valid UTF-8 with escapes (`b\\udcff.py`), not crash on it.

    Python hands such a name over with its bytes as lone surrogates; a strict
    UTF-8 stream refuses them. JSON readers accept the escape as written.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream
                pass


def _one_line(message: str, limit: int = 500) -> str:
    """A message as one readable line: a value echoed back may be thousands of characters."""
    line = " ".join(message.split("\n"))
    if len(line) <= limit:
        return line
    keep = limit // 2 - 20
    return f"{line[:keep]} ... {line[-keep:]} ({len(line)} characters)"


def _guarded(command: F) -> F:
    """Configuration and usage problems exit 2 with one line on stderr, never a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _escape_undecodable_names()
        try:
            return command(*args, **kwargs)
        except ConfigError as error:
            click.echo(f"miglint: error: {_one_line(str(error))}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:
            # `miglint ... | head`: the reader left; say nothing more (Python's documented recipe)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.EIO, errno.EBADF):
                _internal_error()
            # the report could not be written: the disk is full, the terminal is gone
            click.echo(f"miglint: error: cannot write the report: {error.strerror}", err=True)
            sys.exit(2)
        except Exception:
            _internal_error()

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper  # type: ignore[return-value]


def run() -> None:
    """The console script: main(), then exit without tearing the interpreter down.

    After the report is out, freeing tens of thousands of records object by object
    costs a run ~30 ms for nothing; like mypy, flush the output and leave.
    """
    from .replay import recording

    recorder = recording()
    if recorder is not None:
        _record_output(recorder)
    try:
        main(prog_name="miglint")
        status = 0
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            status = done.code or 0
        else:
            print(done.code, file=sys.stderr)
            status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the descriptor was closed (`miglint ... >&-`)
                stream.flush()
        except (OSError, ValueError):  # the reader left (`| head`), a full disk, a closed file
            status = status or 1
    if recorder is not None:
        recorder.finish(status)
    os._exit(status)


def _record_output(recorder: Any) -> None:
    """Keep what click.echo writes, as it writes it, for lint/replay.py's memo."""
    from click._compat import should_strip_ansi, strip_ansi

    echo = click.echo

    def recorded(
        message: Any = None, file: Any = None, nl: bool = True, err: bool = False, color: bool | None = None
    ) -> None:
        if file is not None or isinstance(message, (bytes, bytearray)):
            recorder.foreign_output = True
        else:
            text = "" if message is None else str(message)
            text += "\n" if nl else ""
            if text and should_strip_ansi(sys.stderr if err else sys.stdout, color):
                text = strip_ansi(text)
            recorder.echoed(text, err)
        echo(message, file, nl, err, color)

    click.echo = recorded


def _print_versions(context: click.Context, _: click.Parameter, asked: bool) -> None:
    if not asked or context.resilient_parsing:
        return
    from .versions import versions

    click.echo(f"miglint, version {__version__}")
    for name, version in versions():
        click.echo(f"{name}: {version}")
    context.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_versions,
    help="Show miglint's version and those of its parsers and Graphviz engine, and exit.",
)
def main() -> None:
    """A static linter for Alembic migration directories.

    Shell completion: eval "$(_MIGLINT_COMPLETE=bash_source miglint)" (zsh_source, fish_source).
    """


REPORT_FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "markdown")


def _complete_rules(context: click.Context, parameter: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of rule selectors: codes (with their names as help), names, ALL;
    after a comma, the next selector of `--select MG101,MG1...`."""
    from click.shell_completion import CompletionItem

    from .rule import all_rules

    done, comma, last = incomplete.rpartition(",")
    prefix = done + comma
    rules = all_rules()
    candidates = [(code, rule.name) for code, rule in rules.items()]
    candidates += [(rule.name, code) for code, rule in rules.items()] + [("ALL", "every rule")]
    return [
        CompletionItem(prefix + value, help=note)
        for value, note in candidates
        if value.lower().startswith(last.lower())
    ]


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(REPORT_FORMATS),
    default="text",
    show_default=True,
    help="sarif: SARIF 2.1.0 (GitHub code scanning); github: workflow annotations (and the step "
    "summary when GITHUB_STEP_SUMMARY is set); gitlab: Code Quality JSON; junit: JUnit XML; "
    "markdown: a pull-request comment (findings, heads, a Mermaid picture). "
    "Paths in sarif, github, gitlab, junit and markdown are relative to the git top-level.",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the --format report to FILE; the text report still goes to stdout "
    "(with --format text, only its summary line).",
)
@click.option(
    "--also-write",
    "also_write",
    multiple=True,
    metavar="FORMAT:FILE",
    help="Also write the report in FORMAT to FILE (repeatable): one run, several reports "
    "(the GitHub Action writes SARIF, JSON and Markdown beside its annotations).",
)
@click.option(
    "--statistics",
    "show_statistics",
    is_flag=True,
    help="After the report, count the findings by rule; on stderr when stdout carries a "
    "machine-readable report.",
)
@click.option(
    "--select",
    multiple=True,
    shell_complete=_complete_rules,
    help="Rules to enable (codes, prefixes, names, ALL); replaces the default set.",
)
@click.option(
    "--extend-select", multiple=True, shell_complete=_complete_rules, help="Rules to enable in addition."
)
@click.option("--ignore", multiple=True, shell_complete=_complete_rules, help="Rules to disable.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Cache directory [default: <project>/.miglint_cache].",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    help="The lowest severity that makes the exit code 1 [default: [tool.miglint] fail-on, else error].",
)
@click.option(
    "--no-ignore-comments", is_flag=True, help="Report findings that `# miglint: ignore[...]` suppresses."
)
@click.option("--concise", is_flag=True, help="One line per finding, without help lines.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes for parsing [default: the idle CPUs, from the load average].",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the text output, also when piped [default: when on a terminal; FORCE_COLOR and NO_COLOR are honoured].",
)
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply the safe fixes, then report what is left.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the safe fixes as a diff; change nothing.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix or --diff, the unsafe fixes too (`miglint rule CODE` says why each is unsafe).",
)
@click.option("--show-fixes", is_flag=True, help="Under each finding, its fix and whether --fix applies it.")
@click.option(
    "--write-baseline", is_flag=True, help="Record every current finding in the baseline file, then exit 0."
)
@click.option(
    "--baseline-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only findings not recorded here [default: <project>/.miglint-baseline.json, if present].",
)
@click.option("--no-baseline-file", is_flag=True, help="Report every finding; ignore the baseline file.")
@click.option(
    "--against",
    metavar="REF",
    help="Lint the merge of the working tree into git REF (e.g. origin/main): "
    "finds the second head a merge would create before it happens.",
)
@_guarded
def lint(
    paths: tuple[str, ...],
    output_format: str,
    output_file: Path | None,
    also_write: tuple[str, ...],
    show_statistics: bool,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    no_cache: bool,
    cache_dir: Path | None,
    exit_zero: bool,
    fail_on: str | None,
    no_ignore_comments: bool,
    concise: bool,
    jobs: int | None,
    color: bool | None,
    apply_fixes: bool,
    show_diff: bool,
    unsafe_fixes: bool,
    show_fixes: bool,
    write_baseline: bool,
    baseline_file: Path | None,
    no_baseline_file: bool,
    against: str | None,
) -> None:
    """Lint the revision graphs of the Alembic environments at PATHS (default: here)."""
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
        select=_split(select),
        extend_select=_split(extend_select),
        ignore=_split(ignore),
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
            click.echo(f"miglint: {env.note}", err=True)
    # Held from before the lint until the fixes are written: a second --fix on this
    # project waits, then lints what the first one wrote (lint/fix.py).
    held = contextlib.ExitStack()
    locked = False
    if apply_fixes:
        from .fix import fix_lock

        locked = held.enter_context(fix_lock(project.root))
    digests: dict[str, str] = {}  # what each file held when it was linted
    options = _cache_checked(project, options, cwd)
    with _progress():
        reports = lint_paths(paths, cwd, options, project, digests)
    if against is not None:
        click.echo(_merge_note(against, reports), err=True)
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
        fixed = _apply_fixes(reports, paths, cwd, options, Fixing(unsafe_fixes, show_fixes, digests, locked))
        held.close()
        if fixed is not reports and recorded is not None:  # linted again: the baseline applies anew
            fixed = baseline.apply_each(fixed, places, recorded, cwd)
        reports = fixed
    for report in reports:
        if not report.files and not report.diagnostics:  # not one that could not be read (MG005)
            click.echo(f"miglint: {report.name}: no revision files found", err=True)
    if write_baseline:
        for place in places:
            _write_baseline(place.path, baseline.members(reports, place, len(places) == 1), place.root, cwd)
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
            graph = _load_graph(project_of(project, env), env, options)
            out[index] = replace(out[index], graph=graph)
    return out


def _progress() -> contextlib.AbstractContextManager[None]:
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
    return _on_terminal()


def _cache_checked(project: Project, options: Options, cwd: Path) -> Options:
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
            click.echo(f"miglint: warning: not using the cache directory {shown}: {reason}", err=True)
    return options


def _merge_note(ref: str, reports: list[EnvironmentReport]) -> str:
    taken = _count(sum(r.from_ref for r in reports), "version file")
    deleted = sum(r.deleted_by_ref for r in reports)
    gone = f"; {_count(deleted, 'version file')} deleted there" if deleted else ""
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
        click.echo(report, nl=False, color=color or None)
    else:
        from .formats.output import write_atomically

        write_atomically(output_file, report)
        if output_format == "text":
            click.echo(summary_line(reports))
        else:
            text = text_report(reports, cwd, color=color, show_help=show_help, fixes=fixes)
            click.echo(text, nl=False, color=color or None)
    for fmt, path in also:
        from .formats.output import write_atomically

        write_atomically(path, _formatted(fmt, reports, paths, cwd, against, show_help, fixes))
    if show_statistics:
        from .formats.statistics import statistics

        machine_readable = output_format != "text" and output_file is None
        click.echo(statistics(reports), nl=False, err=machine_readable)


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
            click.echo(f"miglint: {display_path(fix.path, cwd)}: {fix.problem}", err=True)
            continue
        click.echo(fix.diff(display_path(fix.path, cwd)), nl=False)
        count += len(fix.fixed)
    files = sum(1 for f in fixes if f.problem is None)
    click.echo(
        f"Would fix {_count(count, 'finding')} in {_count(files, 'file')}{_hidden(diagnostics, unsafe)}.",
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


def _apply_fixes(
    reports: list[EnvironmentReport],
    paths: tuple[str, ...],
    cwd: Path,
    options: Options,
    how: Fixing = Fixing(),
) -> list[EnvironmentReport]:
    from .fix import FileFix, plan_fixes, write_fixes
    from .pipeline import lint_paths
    from .report import display_path

    diagnostics = [d for r in reports for d in r.diagnostics]
    fixes = plan_fixes(diagnostics, how.unsafe, how.digests)
    for fix in fixes:
        if fix.problem is not None:
            click.echo(f"miglint: {display_path(fix.path, cwd)}: {fix.problem}", err=True)
    skipped: list[FileFix] = []
    written = write_fixes(fixes, skipped, locked=how.locked)
    for fix in skipped:
        click.echo(f"miglint: {display_path(fix.path, cwd)}: {fix.problem}", err=True)
    if skipped and not written:
        return lint_paths(paths, cwd, options)  # changed under us: report what it holds now
    if not written:
        return reports
    fixed = sum(len(f.fixed) for f in written)
    click.echo(f"Fixed {_count(fixed, 'finding')} in {_count(len(written), 'file')}.", err=True)
    if how.show:
        for fix in written:
            for d in fix.fixed:
                where = f"{display_path(d.path, cwd)}:{d.span.line}:{d.span.column + 1}:"
                assert d.fix is not None
                click.echo(f"  {where} {d.code} {d.fix.description}", err=True)
    return lint_paths(paths, cwd, options)  # what is left, reported as after any run


def _hidden(diagnostics: list[Diagnostic], unsafe: bool) -> str:
    """How many findings only --unsafe-fixes would fix, as a note for the summary."""
    if unsafe:
        return ""
    hidden = sum(1 for d in diagnostics if d.fix is not None and not d.fix.safe)
    return f"; {hidden} more with --unsafe-fixes" if hidden else ""


def _write_baseline(where: Path, reports: list[EnvironmentReport], root: Path, cwd: Path) -> None:
    from .report import baseline, display_path

    shown = display_path(str(where), cwd)
    written = baseline.write(where, shown, reports, root, cwd)
    notes = [f"{written.added} added"] if written.added and written.had_previous else []
    if written.had_previous:
        notes.append(f"{written.pruned} pruned")
    if written.replaced_unreadable:
        notes.append("replaced an unreadable file")
    tail = f" ({', '.join(notes)})" if notes else ""
    click.echo(f"Wrote {_count(written.findings, 'finding')} to {shown}{tail}.", err=True)


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


# -- graph -------------------------------------------------------------------------------

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from .graph import RevisionGraph
    from .pictures import PlanMarks
    from .pipeline import Options
    from .reading.discover import Environment, Project
    from .report import EnvironmentReport

GRAPH_FORMATS = ("svg", "png", "pdf", "dot", "mermaid", "text", "json")
_BINARY = ("png", "pdf")
_EXTENSIONS = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".txt": "text",
    ".json": "json",
}
_ENGINELESS = "dot, mermaid, text, json"


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(GRAPH_FORMATS),
    help="[default: from -o's extension; else svg when stdout is not a terminal, text when it is]",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@click.option("--from", "from_rev", metavar="REV", help="Only REV and the revisions after it.")
@click.option("--to", "to_rev", metavar="REV", help="Only REV and the revisions it needs.")
@click.option(
    "--around", metavar="REV[:DEPTH]", help="Only revisions within DEPTH edges of REV [default: 2]."
)
@click.option(
    "--plan-from",
    metavar="REV",
    help="Colour what `alembic upgrade heads` runs on a database stamped at REV.",
)
@click.option("--ascii", "ascii_only", is_flag=True, help="Plain ASCII for the text tree.")
@click.option("--env", "environment", help="Which environment, when the project has several.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Cache directory [default: <project>/.miglint_cache].",
)
@click.option(
    "--exit-non-zero-on-change",
    "fail_on_change",
    is_flag=True,
    help="Exit 1 when -o FILE was created or changed (the pre-commit hook `miglint-graph`).",
)
@_guarded
def graph(
    path: str | None,
    output_format: str | None,
    output: Path | None,
    from_rev: str | None,
    to_rev: str | None,
    around: str | None,
    plan_from: str | None,
    ascii_only: bool,
    environment: str | None,
    no_cache: bool,
    cache_dir: Path | None,
    fail_on_change: bool,
) -> None:
    """Draw the revision graph of an environment: heads, merges, the baseline and every finding.

    `miglint graph > chain.svg` writes a picture; on a terminal it prints a tree.
    """
    from .pictures import build_view, cut, to_graphviz, to_mermaid, to_text
    from .pipeline import Options, lint_paths
    from .reading.discover import discover, project_of

    if fail_on_change and output is None:
        raise ConfigError("--exit-non-zero-on-change needs -o FILE")
    fmt = _graph_format(output_format, output)
    if fail_on_change and fmt == "pdf":
        # Graphviz's PDF embeds its creation time: the hook would fail on every run
        raise ConfigError(
            "--exit-non-zero-on-change: a PDF differs on every run; use mermaid, text, dot or json"
        )
    cwd = Path.cwd()
    project = discover([path] if path else [], cwd, whole_tree=False)
    env = _environment(project, environment)
    project = project_of(project, env)  # its own [tool.miglint]
    options = _cache_checked(project, Options(use_cache=not no_cache, cache_dir=cache_dir), cwd)
    # JSON is the graph alone; a picture marks findings, so it needs the lint run too.
    with _progress():
        reports = None if fmt == "json" else lint_paths([path] if path else [], cwd, options)
    report = None if reports is None else _report_for(env, reports)
    revisions = _graph_of(report, env, project, options)
    keep = None
    if from_rev or to_rev or around:
        centre, depth = _around(around)
        keep = cut(
            revisions,
            from_rev=_one(revisions, from_rev, "--from"),
            to_rev=_one(revisions, to_rev, "--to"),
            around=_one(revisions, centre, "--around"),
            depth=depth,
        )
    plan = _plan_marks(revisions, plan_from)
    if report is None:
        changed = _emit(_graph_json(env.name, revisions, cwd, keep, plan), output)
        _exit_on_change(fail_on_change and changed, output)
        return
    base = (output.absolute().parent if output else cwd).as_posix()
    view = build_view(
        revisions,
        report.diagnostics,
        title=_graph_title(env, report, cwd, keep),
        baseline=_baseline(revisions, project.settings.baseline),
        keep=keep,
        plan=plan,
        link=lambda file: Path(os.path.relpath(os.path.abspath(file), base)).as_posix(),
    )
    if fmt == "text":
        changed = _emit(to_text(view, ascii=ascii_only), output)
    elif fmt == "mermaid":
        changed = _emit(to_mermaid(view), output)
    elif fmt == "dot":
        changed = _emit(to_graphviz(view).source, output)
    else:
        changed = _emit(_render(to_graphviz(view).source, fmt), output, binary=fmt in _BINARY)
    _exit_on_change(fail_on_change and changed, output)


def _exit_on_change(changed: bool, output: Path | None) -> None:
    """pre-commit fails a hook that changes a tracked file, but not one that creates a file."""
    if changed:
        click.echo(f"miglint: {output}: updated to the current graph; add it to the commit", err=True)
        sys.exit(1)


def _graph_format(requested: str | None, output: Path | None) -> str:
    if requested:
        return requested
    if output is not None:
        found = _EXTENSIONS.get(output.suffix.lower())
        if found is None:
            known = ", ".join(_EXTENSIONS)
            raise ConfigError(f"cannot tell the format from {output.name!r} ({known}); use --format")
        return found
    return "text" if _on_terminal() else "svg"


def _environment(project: Project, name: str | None) -> Environment:
    envs = project.environments
    if name is not None:
        # the generated name (`alembic.ini [tenant]`) or its section alone (`tenant`)
        envs = tuple(e for e in envs if e.name == name) or tuple(
            e for e in envs if e.name.endswith(f" [{name}]") or f" [{name}] (" in e.name
        )
        if not envs:
            names = ", ".join(e.name for e in project.environments)
            raise ConfigError(f"no environment named {name!r} (there are: {names})")
    if not envs:
        raise ConfigError("no Alembic environment found")
    if len(envs) > 1:
        names = ", ".join(repr(e.name) for e in envs)
        raise ConfigError(f"the project has {len(envs)} environments; pick one with --env ({names})")
    return envs[0]


def _report_for(env: Environment, reports: Sequence[EnvironmentReport]) -> EnvironmentReport:
    for report in reports:
        if report.name == env.name:
            return report
    raise ConfigError(f"environment {env.name!r} was not linted")  # discovery is deterministic


def _graph_of(
    report: EnvironmentReport | None, env: Environment, project: Project, options: Options
) -> RevisionGraph:
    """The graph the report was computed from; rebuilt from (cached) records when there
    is no report, or it came from the cache (cached reports do not keep their graph)."""
    if report is not None and report.graph is not None:
        return report.graph
    return _load_graph(project, env, options)


def _load_graph(project: Project, env: Environment, options: Options, ops: bool = False) -> RevisionGraph:
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


def _one(revisions: RevisionGraph, identifier: str | None, option: str) -> str | None:
    """One revision for a cut option: an id, a unique prefix, a label, `head`..."""
    if identifier is None:
        return None
    from .plan import PlanError, resolve

    try:
        found = resolve(revisions, identifier)
    except PlanError as error:
        raise ConfigError(f"{option} {identifier}: {error}") from None
    if len(found) != 1:
        raise ConfigError(f"{option} {identifier}: names {len(found)} revisions, not one")
    return found[0]


def _around(value: str | None) -> tuple[str | None, int]:
    if value is None:
        return None, 2
    rev, _, depth = value.rpartition(":")
    if rev and depth.isdigit():
        return rev, int(depth)
    return value, 2


def _plan_marks(revisions: RevisionGraph, stamp: str | None) -> PlanMarks | None:
    if stamp is None:
        return None
    from .pictures import PlanMarks
    from .plan import PlanError, resolve, upgrade_plan

    try:
        stamped = resolve(revisions, stamp)
        runs = upgrade_plan(revisions, stamp)
    except PlanError as error:
        raise ConfigError(f"--plan-from {stamp}: {error}") from None
    return PlanMarks(stamped[0] if len(stamped) == 1 else None, tuple(runs))


def _baseline(revisions: RevisionGraph, configured: str | None) -> str | None:
    """The configured baseline as a revision id; a prefix or label is accepted too."""
    if configured is None or configured in revisions.revisions:
        return configured
    from .plan import PlanError, resolve

    try:
        found = resolve(revisions, configured)
    except PlanError:
        return configured  # drawn in the legend only: nothing in the history matches it
    return found[0] if len(found) == 1 else configured


def _graph_title(env: Environment, report: EnvironmentReport, cwd: Path, keep: Collection[str] | None) -> str:
    from .report import display_path

    where = display_path(str(env.script_location), cwd) if env.script_location else env.name
    count = len(keep) if keep is not None else report.revisions
    shown = f"{count} of {report.revisions} revisions" if keep is not None else f"{count} revisions"
    heads = len(report.heads)
    findings = len(report.diagnostics)
    return f"{where}: {shown}, {heads} head{'s' * (heads != 1)}, {findings} finding{'s' * (findings != 1)}"


def _graph_json(
    name: str, revisions: RevisionGraph, cwd: Path, keep: Collection[str] | None, plan: PlanMarks | None
) -> str:
    """`graph_json`, limited to a cut and with the plan when one was asked for."""
    import json

    from .report import graph_json

    text = graph_json(name, revisions, cwd)
    if keep is None and plan is None:
        return text
    payload = json.loads(text)
    if keep is not None:
        payload["revisions"] = [r for r in payload["revisions"] if r["id"] in keep]
        for key in ("heads", "bases", "merges", "branchpoints"):
            payload[key] = [r for r in payload[key] if r in keep]
    if plan is not None:
        payload["plan"] = {"from": plan.stamp, "runs": list(plan.runs)}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _render(source: str, fmt: str) -> bytes:
    """SVG, PNG or PDF bytes: Graphviz's `dot` when on PATH, else pygraphviz's bundled engine."""
    import shutil

    # a file name that is not UTF-8 reaches here as lone surrogates; both engines want UTF-8
    source = source.encode("utf-8", "backslashreplace").decode("utf-8")

    if shutil.which("dot"):
        import graphviz

        try:
            data: bytes = graphviz.Source(source).pipe(format=fmt, engine="dot", quiet=True)
            return data
        except graphviz.CalledProcessError as error:
            raise ConfigError(f"dot failed to render {fmt}: {error}") from None
    try:
        import pygraphviz
    except ImportError:
        raise ConfigError(
            f"cannot render {fmt}: Graphviz's `dot` is not on PATH and pygraphviz is not installed "
            "(install Graphviz, or on Python 3.10+ `pip install pygraphviz`); "
            f"formats that need neither: {_ENGINELESS}"
        ) from None
    return _draw_quietly(pygraphviz.AGraph(string=source), fmt)


def _draw_quietly(picture: Any, fmt: str) -> bytes:
    """Lay out and render in this process, with what the bundled engine's C libraries write
    straight to file descriptor 2 thrown away: fontconfig complains about the system's
    configuration, Graphviz warns that a big graph may take long."""
    import tempfile
    import warnings

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as sink, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            os.dup2(sink.fileno(), 2)
            drawn: bytes = picture.draw(format=fmt, prog="dot")
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return drawn


def _emit(content: str | bytes, output: Path | None, *, binary: bool = False) -> bool:
    """Print, or write to `output` unless it already holds these bytes; True if anything was written."""
    data = content.encode("utf-8", "backslashreplace") if isinstance(content, str) else content
    if output is not None:
        from .atomic import write_if_changed

        try:
            return write_if_changed(output, data)
        except OSError as error:
            raise ConfigError(f"cannot write {output}: {error.strerror}") from None
    if binary and _on_terminal():
        raise ConfigError("not writing PNG or PDF to a terminal; use -o FILE or redirect the output")
    click.echo(data, nl=False)  # bytes go to the binary stream untouched
    return True


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option(
    "--from", "from_rev", required=True, help="The revision the database is stamped at (`base` for empty)."
)
@click.option("--to", "to_rev", default="heads", show_default=True, help="The upgrade target.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--env", "environment", help="Which environment, when the project has several.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@_guarded
def plan(
    path: str | None, from_rev: str, to_rev: str, output_format: str, environment: str | None, no_cache: bool
) -> None:
    """The revisions `alembic upgrade TO` runs on a database stamped at FROM, in order."""
    import json

    from .facts.effects import effects
    from .pipeline import Options
    from .plan import PlanError, upgrade_plan
    from .reading.discover import discover, project_of

    project = discover([path] if path else [], Path.cwd(), whole_tree=False)
    env = _environment(project, environment)
    project = project_of(project, env)  # its own [tool.miglint]
    options = _cache_checked(project, Options(use_cache=not no_cache), Path.cwd())
    # op facts tell which revisions create tables
    graph = _load_graph(project, env, options, ops=True)
    try:
        steps = upgrade_plan(graph, None if from_rev == "base" else from_rev, to_rev)
    except PlanError as error:
        raise ConfigError(str(error)) from None
    if output_format == "json":
        rows = [
            {"id": rev, "message": graph.revisions[rev].message, "does": list(effects(graph.revisions[rev]))}
            for rev in steps
        ]
        payload = {"from": from_rev, "to": to_rev, "revisions": rows}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if not steps:
        click.echo(
            f"alembic upgrade {to_rev} from {from_rev} runs nothing: "
            f"every revision {to_rev} needs is already applied at {from_rev}"
        )
        return
    click.echo(f"alembic upgrade {to_rev} from {from_rev} runs {_count(len(steps), 'revision')}:")
    width = max((len(rev) for rev in steps), default=0)
    for number, rev in enumerate(steps, 1):
        done = effects(graph.revisions[rev])
        does = f"  [{', '.join(done)}]" if done else ""
        click.echo(f"{number:4}. {rev:<{width}}  {graph.revisions[rev].message or ''}{does}")


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--env", "environment", help="Which environment, when the project has several.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@_guarded
def scenarios(path: str | None, output_format: str, environment: str | None, no_cache: bool) -> None:
    """Every upgrade path the runners take: what runs, what is skipped, whether the critical revisions run."""
    import json

    from .pipeline import Options, _read_runners
    from .reading.discover import discover, project_of
    from .reading.runnerfiles import find_runners, runner_owners
    from .report import display_path
    from .runners.scenarios import baseline_of, critical_revisions
    from .runners.scenarios import scenarios as compute

    cwd = Path.cwd()
    project = discover([path] if path else [], cwd, whole_tree=False)
    env = _environment(project, environment)
    project = project_of(project, env)  # its own [tool.miglint]
    graph = _load_graph(project, env, _cache_checked(project, Options(use_cache=not no_cache), cwd), ops=True)
    all_sites, _ = _read_runners(find_runners(project))
    owners = runner_owners(project, sorted({Path(s.path) for s in all_sites}))
    mine = project.environments.index(env)
    sites = [s for s in all_sites if owners.get(s.path) == mine]
    baseline = baseline_of(graph, project.settings.baseline)
    critical = critical_revisions(graph, project.settings.critical)
    rows = compute(graph, sites, baseline, critical)
    if output_format == "json":
        payload = [
            {
                "scenario": row.name,
                "where": row.where,
                "condition": row.condition,
                "when": row.when,
                "stamp": row.stamp,
                "runs": list(row.runs),
                "skipped": list(row.skipped),
                "critical": row.critical,
                "problem": row.problem or None,
            }
            for row in rows
        ]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    header = ["scenario", "where", "when", "stamp", "runs", "skipped", *critical]
    table = [header]
    for row in rows:
        marks = [
            "runs" if row.critical.get(c) else ("SKIPPED" if c in row.skipped else "-") for c in critical
        ]
        marks = ["?"] * len(critical) if row.problem else marks
        counts = ["?", "?"] if row.problem else [str(len(row.runs)), str(len(row.skipped))]
        table.append([row.name, row.where, row.when, row.stamp or "(nothing)", *counts, *marks])
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    conditions = [(row.where, row.stamp, row.condition) for row in rows if row.condition]
    if conditions:
        click.echo("\nconditions on each runner path:")
        for where, stamp, condition in conditions:
            click.echo(f"  {where} stamp {stamp}: {condition}")
    problems = [(row.where, row.stamp, row.problem) for row in rows if row.problem]
    if problems:
        click.echo("\nnot computed:")
        for where, stamp, problem in problems:
            click.echo(f"  {where + ' ' if where else ''}stamp {stamp}: {problem}")
    click.echo(
        f"\nbaseline: {baseline or '(none: set [tool.miglint] baseline)'}; project: {display_path(str(project.root), cwd)}"
    )


@main.command(name="init-head-file")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("--env", "environment", help="Which environment, when the project has several.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@_guarded
def init_head_file(path: str | None, environment: str | None, no_cache: bool) -> None:
    """Write the configured head-file: the current head(s), one per line (MG120)."""
    from .history.headfile import configured_path, write_head_file
    from .pipeline import Options
    from .reading.discover import discover, project_of
    from .report import display_path

    cwd = Path.cwd()
    project = discover([path] if path else [], cwd, whole_tree=False)
    env = _environment(project, environment)
    project = project_of(project, env)
    target = configured_path(project, env)
    if target is None:
        raise ConfigError(
            'no head file is configured: add head-file = "migrations/HEAD" to [tool.miglint] '
            "(or to the environment's [[tool.miglint.environments]] entry)"
        )
    graph = _load_graph(project, env, _cache_checked(project, Options(use_cache=not no_cache), cwd))
    if not graph.complete or any(ref.kind == "down_revision" for ref in graph.dangling):
        raise ConfigError(
            f"{env.name}: the heads are unknown while a down_revision cannot be read or names a "
            "missing revision; run miglint lint and correct that first"
        )
    heads = sorted(graph.heads())
    try:
        written = write_head_file(target, heads)
    except OSError as error:
        raise ConfigError(
            f"cannot write {display_path(str(target), cwd)}: {error.strerror or error}"
        ) from None
    shown = display_path(str(target), cwd)
    named = ", ".join(heads) or "no revision"
    click.echo(f"miglint: {shown}: {'wrote' if written else 'already names'} {named}", err=True)


@main.command()
@click.argument("rev")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("--onto", "onto", required=True, metavar="HEAD_REV", help="The revision REV is to revise.")
@click.option("--env", "environment", help="Which environment, when the project has several.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@_guarded
def rebase(rev: str, path: str | None, onto: str, environment: str | None, no_cache: bool) -> None:
    """Re-point REV (the first revision of a branch) onto HEAD_REV: a linear history
    instead of `alembic merge`. Its down_revision and docstring `Revises:` are rewritten."""
    from .history.headfile import configured_path, write_head_file
    from .history.rebase import plan_rebase, write_rebase
    from .pipeline import Options
    from .reading.discover import discover, project_of
    from .report import display_path

    cwd = Path.cwd()
    project = discover([path] if path else [], cwd, whole_tree=False)
    env = _environment(project, environment)
    project = project_of(project, env)
    options = _cache_checked(project, Options(use_cache=not no_cache), cwd)
    graph = _load_graph(project, env, options)
    # a revision whose down_revision is not a literal is not in the graph, but is REV
    unread = {f.revision_id: f for f in graph.unreadable if f.revision_id is not None}
    rev_id = rev if rev in unread else _one(graph, rev, "REV")
    onto_id = _one(graph, onto, "--onto")
    assert rev_id is not None and onto_id is not None
    file = unread.get(rev_id) or graph.revisions[rev_id]
    shown = display_path(file.path, cwd)
    done = plan_rebase(graph, file.path, rev_id, onto_id, shown)
    if done.encoded == done.original:
        click.echo(f"miglint: {rev_id} already revises {onto_id}; nothing to do", err=True)
        return
    try:
        if not write_rebase(done):
            raise ConfigError(f"{shown}: changed since miglint read it; nothing was written (run it again)")
    except OSError as error:
        raise ConfigError(f"cannot write {shown}: {error.strerror or error}") from None
    heads = sorted(_load_graph(project, env, options).heads())
    click.echo(
        f"miglint: {shown}: {rev_id} now revises {onto_id} (was {done.old_parent or 'a base'}); "
        f"heads: {', '.join(heads)}",
        err=True,
    )
    head_file = configured_path(project, env)
    if head_file is not None and write_head_file(head_file, heads):
        click.echo(f"miglint: {display_path(str(head_file), cwd)}: wrote {', '.join(heads)}", err=True)


@main.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--baseline/--no-baseline",
    "record",
    default=None,
    help="Record the current findings in the baseline file, or not [default: ask on a terminal, else not].",
)
@_guarded
def init(path: Path | None, record: bool | None) -> None:
    """Write a [tool.miglint] section into PATH/pyproject.toml (default: here) for what is found there."""
    from . import init as initialise
    from .pipeline import Options, lint_paths
    from .reading.discover import discover
    from .reading.runnerfiles import find_runners
    from .report import display_path

    cwd = Path.cwd()
    root = (cwd / path) if path is not None else cwd
    pyproject = root / "pyproject.toml"
    if pyproject.exists():
        from .config import miglint_table

        if miglint_table(pyproject) is not None:  # before any work: a one-line refusal
            initialise.write(pyproject, "")
    project = discover([str(root)], cwd)
    if not project.environments:
        raise ConfigError(f"no Alembic environment found in {display_path(str(root), cwd)}: nothing to write")
    project = replace(project, root=root)
    written = initialise.section(project, find_runners(project), cwd)
    created = initialise.write(pyproject, written.text)
    shown = display_path(str(pyproject), cwd)
    click.echo(f"{'Created' if created else 'Added [tool.miglint] to'} {shown}:\n")
    click.echo(written.text)
    reports = lint_paths([str(root)], cwd, Options(use_cache=False))
    found = sum(len(r.diagnostics) for r in reports)
    if not found:
        click.echo("No findings: every check passes.")
        return
    if record is None and _interactive():
        record = click.confirm(
            f"Record the {_count(found, 'current finding')} in a baseline, so that only new ones are reported?",
            default=False,
        )
    if not record:
        click.echo(
            f"{_count(found, 'finding')} now; `miglint lint --write-baseline` records them, "
            "so that only new ones are reported (README: Adopting miglint)."
        )
        return
    from .report import baseline

    places = baseline.places(discover([str(root)], cwd), None, cwd)
    for place in places:
        _write_baseline(place.path, baseline.members(reports, place, len(places) == 1), place.root, cwd)


@main.command()
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to keep the cache."
)
@_guarded
def server(no_cache: bool, cache_dir: Path | None) -> None:
    """Run the language server: LSP over stdio, for editors (needs miglint[server])."""
    try:
        from .editor.server import serve  # deferred: only this command needs pygls
    except ImportError as error:
        missing = (error.name or "").split(".")[0]
        if missing not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        click.echo(
            f"miglint: error: `miglint server` needs pygls ({missing} is missing): "
            "pip install 'miglint[server]'",
            err=True,
        )
        sys.exit(2)
    serve(use_cache=not no_cache, cache_dir=cache_dir)


@main.command(name="rules")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one Markdown page per rule and an index to DIR instead (docs/rules).",
)
@_guarded
def rules_command(output_format: str, docs_dir: Path | None) -> None:
    """List every rule: code, name, default state, summary."""
    import json

    from .rule import all_rules

    if docs_dir is not None:
        _write_docs(docs_dir)
        return
    rules = all_rules()
    if output_format == "json":
        rows = [
            {
                "code": c,
                "name": r.name,
                "severity": r.severity,
                "default": r.default_enabled,
                "fixable": r.fixable,
                "summary": r.summary(),
            }
            for c, r in rules.items()
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r.name) for r in rules.values())
    click.echo(f"{'code':<6} {'name':<{width}} {'default':<7} {'level':<7} summary")
    for code, rule in rules.items():
        state = "on" if rule.default_enabled else "off"
        click.echo(f"{code:<6} {rule.name:<{width}} {state:<7} {rule.severity:<7} {rule.summary()}")


@main.command()
@click.argument("code", shell_complete=_complete_rules)
def rule(code: str) -> None:
    """Show the documentation of one rule (by code or name)."""
    from .docs import rule_markdown
    from .rule import lookup

    found = lookup(code)
    if found is None:
        click.echo(_one_line(f"miglint: error: unknown rule {code!r} (see `miglint rules`)"), err=True)
        sys.exit(2)
    click.echo(rule_markdown(found), nl=False)


def _write_docs(directory: Path) -> None:
    from .docs import write_rule_docs

    try:
        done = write_rule_docs(directory)
    except OSError as error:
        raise ConfigError(f"cannot write {error.filename or directory}: {error.strerror}") from None
    removed = f", {len(done.removed)} removed" if done.removed else ""
    click.echo(
        f"miglint: {directory}: {_count(len(done.written), 'file')} written, "
        f"{len(done.unchanged)} unchanged{removed}",
        err=True,
    )
