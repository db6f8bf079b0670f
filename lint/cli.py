"""The `miglint` command line: its commands and options, declared with click (a plain
`lint` runs without it: lint/lintcommand.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from . import __version__
from .config import ConfigError
from .lazydataclass import replace
from .lintcommand import (
    REPORT_FORMATS,
    cache_checked,
    load_graph,
    parse_progress,
    plural,
    record_baseline,
)
from .terminal import guarded, interactive, on_terminal, one_line, run_and_exit

if TYPE_CHECKING:
    from .pipeline import Options
    from .report import EnvironmentReport

F = TypeVar("F", bound=Callable[..., Any])


# module names that tests replace (a terminal, a person at it)
_on_terminal = on_terminal
_interactive = interactive


def _guarded(command: F) -> F:
    """Configuration and usage problems exit 2 with one line on stderr, never a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return guarded(command, *args, **kwargs)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper  # type: ignore[return-value]


def run() -> None:
    """The console script, for every command line lint/replay.py does not run itself."""
    run_and_exit(lambda: main(prog_name="miglint"))


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
def lint(**arguments: Any) -> None:
    """Lint the revision graphs of the Alembic environments at PATHS (default: here)."""
    from .lintcommand import lint as run_lint

    run_lint(**arguments)


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

    if fail_on_change and output is None:
        raise ConfigError("--exit-non-zero-on-change needs -o FILE")
    fmt = _graph_format(output_format, output)
    if fail_on_change and fmt == "pdf":
        # Graphviz's PDF embeds its creation time: the hook would fail on every run
        raise ConfigError(
            "--exit-non-zero-on-change: a PDF differs on every run; use mermaid, text, dot or json"
        )
    cwd = Path.cwd()
    project, env = _one_environment(path, cwd, environment)
    options = cache_checked(project, Options(use_cache=not no_cache, cache_dir=cache_dir), cwd)
    # JSON is the graph alone; a picture marks findings, so it needs the lint run too.
    with parse_progress():
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


def _one_environment(path: str | None, cwd: Path, name: str | None) -> tuple[Project, Environment]:
    """The environment `--env NAME` (or the only one) of the commands that work on one, and
    the project as it sees it (its own [tool.miglint]).

    Without --env, a root stands for the environments it configures itself (`whole_tree=False`),
    so that a fixture project under tests/ does not make `miglint graph` ask for --env. A NAME
    those do not have is looked for in the whole tree, as `lint` discovers it
    (plugins/plug/alembic.ini below a root alembic.ini); the root's own come first, so a section
    name (`--env main`) that also names a section of an ini below does not become ambiguous.
    """
    from .reading.discover import discover, project_of

    project = discover([path] if path else [], cwd, whole_tree=False)
    if name is not None and not _named(project.environments, name):
        project = discover([path] if path else [], cwd)
    env = _environment(project, name)
    return project_of(project, env), env


def _named(envs: Sequence[Environment], name: str) -> tuple[Environment, ...]:
    # the generated name (`alembic.ini [tenant]`) or its section alone (`tenant`)
    return tuple(e for e in envs if e.name == name) or tuple(
        e for e in envs if e.name.endswith(f" [{name}]") or f" [{name}] (" in e.name
    )


def _environment(project: Project, name: str | None) -> Environment:
    envs = project.environments
    if name is not None:
        envs = _named(envs, name)
        if not envs:
            names = _whole_names([e.name for e in project.environments], quoted=False)
            raise ConfigError(f"no environment named {name!r} (there are: {names})")
    if not envs:
        raise ConfigError("no Alembic environment found")
    if len(envs) > 1:
        names = _whole_names([e.name for e in envs], quoted=True)
        raise ConfigError(f"the project has {len(envs)} environments; pick one with --env ({names})")
    return envs[0]


def _whole_names(names: Sequence[str], *, quoted: bool, budget: int = 400) -> str:
    """The names for an error line, each whole: as many as fit, then how many more there
    are (an error line is cut at 500 characters, which would cut a name in half)."""
    shown = [repr(n) if quoted else n for n in names]
    listed: list[str] = []
    for index, text in enumerate(shown):
        rest = len(shown) - index - 1
        tail = len(f", and {rest} more") if rest else 0
        if listed and len(", ".join([*listed, text])) + tail > budget:
            return (
                f"{', '.join(listed)}, and {len(shown) - len(listed)} more (`miglint lint` lists every one)"
            )
        listed.append(text)
    return ", ".join(listed)


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
    return load_graph(project, env, options)


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
    noun = f"revision{'s' * (report.revisions != 1)}"
    shown = f"{count} of {report.revisions} {noun}" if keep is not None else f"{count} {noun}"
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

    project, env = _one_environment(path, Path.cwd(), environment)
    options = cache_checked(project, Options(use_cache=not no_cache), Path.cwd())
    # op facts tell which revisions create tables
    graph = load_graph(project, env, options, ops=True)
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
    click.echo(f"alembic upgrade {to_rev} from {from_rev} runs {plural(len(steps), 'revision')}:")
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

    from .lintcommand import runner_notes
    from .pipeline import Options, _read_runners, unread_runners
    from .reading.runnerfiles import find_runners, runner_owners
    from .report import display_path
    from .runners.scenarios import baseline_of, critical_revisions
    from .runners.scenarios import scenarios as compute

    cwd = Path.cwd()
    project, env = _one_environment(path, cwd, environment)
    graph = load_graph(project, env, cache_checked(project, Options(use_cache=not no_cache), cwd), ops=True)
    runner_files = find_runners(project)
    all_sites, read = _read_runners(runner_files)
    unread = unread_runners(runner_files, set(read))
    owners = runner_owners(project, sorted({Path(s.path) for s in all_sites} | {Path(u[0]) for u in unread}))
    mine = project.environments.index(env)
    sites = [s for s in all_sites if owners.get(s.path) == mine]
    for note in runner_notes([u for u in unread if owners.get(u[0]) == mine], cwd):
        click.echo(f"miglint: {note}", err=True)
    baseline = baseline_of(graph, project.settings.baseline)
    critical = critical_revisions(graph, project.settings.critical)
    rows = compute(graph, sites, baseline, critical, project.settings.root)
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
    from .report import display_path

    cwd = Path.cwd()
    project, env = _one_environment(path, cwd, environment)
    target = configured_path(project, env)
    if target is None:
        raise ConfigError(
            'no head file is configured: add head-file = "migrations/HEAD" to [tool.miglint] '
            "(or to the environment's [[tool.miglint.environments]] entry)"
        )
    graph = load_graph(project, env, cache_checked(project, Options(use_cache=not no_cache), cwd))
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
    from .report import display_path

    cwd = Path.cwd()
    project, env = _one_environment(path, cwd, environment)
    options = cache_checked(project, Options(use_cache=not no_cache), cwd)
    graph = load_graph(project, env, options)
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
    heads = sorted(load_graph(project, env, options).heads())
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
            f"Record the {plural(found, 'current finding')} in a baseline, so that only new ones are reported?",
            default=False,
        )
    if not record:
        click.echo(
            f"{plural(found, 'finding')} now; `miglint lint --write-baseline` records them, "
            "so that only new ones are reported (README: Adopting miglint)."
        )
        return
    from .report import baseline

    places = baseline.places(discover([str(root)], cwd), None, cwd)
    for place in places:
        record_baseline(place.path, baseline.members(reports, place, len(places) == 1), place.root, cwd)


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
        click.echo(one_line(f"miglint: error: unknown rule {code!r} (see `miglint rules`)"), err=True)
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
        f"miglint: {directory}: {plural(len(done.written), 'file')} written, "
        f"{len(done.unchanged)} unchanged{removed}",
        err=True,
    )
