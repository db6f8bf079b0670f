"""The `miglint` command. The only module that writes to the terminal."""

from __future__ import annotations

import gc
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from . import __version__
from .config import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select MG1,MG2 --select MG3` -> (MG1, MG2, MG3)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _guarded(command: F) -> F:
    """Configuration and usage problems exit 2 with one line on stderr, never a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as error:
            click.echo(f"miglint: error: {error}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception:
            if os.environ.get("MIGLINT_DEBUG"):
                traceback.print_exc()
            bug = sys.exc_info()[1]
            click.echo(
                f"miglint: internal error: {type(bug).__name__}: {bug}\n"
                "This is a bug in miglint; run again with MIGLINT_DEBUG=1 for details and report it.",
                err=True,
            )
            sys.exit(2)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="miglint")
def main() -> None:
    """A static linter for Alembic migration directories."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--select", multiple=True, help="Rules to enable (codes, prefixes, names, ALL); replaces the default set."
)
@click.option("--extend-select", multiple=True, help="Rules to enable in addition.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Cache directory [default: <project>/.miglint_cache].",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--no-ignore-comments", is_flag=True, help="Report findings that `# miglint: ignore[...]` suppresses."
)
@click.option("--concise", is_flag=True, help="One line per finding, without help lines.")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), help="Worker processes for parsing [default: CPU count]."
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text output [default: when on a terminal]."
)
@_guarded
def lint(
    paths: tuple[str, ...],
    output_format: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    no_cache: bool,
    cache_dir: Path | None,
    exit_zero: bool,
    no_ignore_comments: bool,
    concise: bool,
    jobs: int | None,
    color: bool | None,
) -> None:
    """Lint the revision graphs of the Alembic environments at PATHS (default: here)."""
    # A short run that builds no reference cycles: the cyclic collector would only
    # pause it, repeatedly, while tens of thousands of cached records are loaded.
    gc.disable()
    from .pipeline import Options, lint_paths
    from .report import json_report, text_report

    cwd = Path.cwd()
    options = Options(
        select=_split(select),
        extend_select=_split(extend_select),
        ignore=_split(ignore),
        use_cache=not no_cache,
        cache_dir=cache_dir,
        honour_ignores=not no_ignore_comments,
        jobs=jobs,
    )
    reports = lint_paths(paths, cwd, options)
    for report in reports:
        if not report.files:
            click.echo(f"miglint: {report.name}: no revision files found", err=True)
    if output_format == "json":
        click.echo(json_report(reports, cwd), nl=False)
    else:
        use_color = sys.stdout.isatty() and "NO_COLOR" not in os.environ if color is None else color
        click.echo(text_report(reports, cwd, color=use_color, show_help=not concise), nl=False)
    findings = sum(len(r.diagnostics) for r in reports)
    sys.exit(1 if findings and not exit_zero else 0)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("--format", "output_format", type=click.Choice(["json"]), default="json", show_default=True)
@click.option("--env", "environment", help="Which environment, when the project has several.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@_guarded
def graph(path: str | None, output_format: str, environment: str | None, no_cache: bool) -> None:
    """Print the revision graph of an environment."""
    from .collect import collect
    from .discover import discover
    from .graph import RevisionGraph
    from .pipeline import Options, cache_dir_for
    from .report import graph_json

    cwd = Path.cwd()
    project = discover([path] if path else [], cwd)
    envs = project.environments
    if environment is not None:
        envs = tuple(e for e in envs if e.name == environment)
        if not envs:
            names = ", ".join(e.name for e in project.environments)
            raise ConfigError(f"no environment named {environment!r} (there are: {names})")
    if len(envs) > 1:
        names = ", ".join(repr(e.name) for e in envs)
        raise ConfigError(f"the project has {len(envs)} environments; pick one with --env ({names})")
    env = envs[0]
    records = collect(env.files, cache_dir_for(project, Options(use_cache=not no_cache)))
    click.echo(graph_json(env.name, RevisionGraph(records), cwd), nl=False)


@main.command(name="rules")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules_command(output_format: str) -> None:
    """List every rule: code, name, default state, summary."""
    import json

    from .rule import all_rules

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
@click.argument("code")
def rule(code: str) -> None:
    """Show the documentation of one rule (by code or name)."""
    from .rule import lookup

    found = lookup(code)
    if found is None:
        click.echo(f"miglint: error: unknown rule {code!r} (see `miglint rules`)", err=True)
        sys.exit(2)
    state = "enabled" if found.default_enabled else "disabled"
    fix = "; fixable" if found.fixable else ""
    click.echo(f"# {found.name} ({found.code})\n\nSeverity: {found.severity}; {state} by default{fix}.\n")
    click.echo(found.docs())
