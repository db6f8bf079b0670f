"""The small things users of ruff expect: --version with the parsers, shell completion,
a progress bar on slow cold runs, and `miglint init`."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from conftest import cli_runner
from miglint import __version__
from miglint.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / ("miglint.exe" if os.name == "nt" else "miglint")


# -- --version ---------------------------------------------------------------------------


def test_version_lists_the_parsers_and_the_graphviz_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("miglint.versions.shutil.which", lambda name: None)  # no `dot` on PATH
    result = cli_runner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:5] == [
        f"miglint, version {__version__}",
        f"Python: {sys.version.split()[0]}",
        f"pglast: {metadata.version('pglast')}",
        f"sqlglot: {metadata.version('sqlglot')}",
        f"libcst: {metadata.version('libcst')}",
    ]
    try:
        bundled = metadata.version("pygraphviz")
    except metadata.PackageNotFoundError:
        assert lines[5].startswith("Graphviz: none (SVG, PNG and PDF need")
    else:
        import pygraphviz

        assert lines[5] == f"Graphviz: {pygraphviz.__graphviz_version__} (bundled with pygraphviz {bundled})"
    assert len(lines) == 6


def test_version_names_dot_when_it_is_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dot = tmp_path / "dot"
    dot.write_text("#!/bin/sh\necho 'dot - graphviz version 2.43.0 (0)' >&2\n")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli_runner().invoke(main, ["--version"])
    assert result.output.splitlines()[-1] == f"Graphviz: 2.43.0 (dot at {dot})"


def test_version_and_a_lint_run_import_no_parser_for_it() -> None:
    """The versions come from metadata: neither --version nor a run that parses nothing imports them."""
    script = (
        "import sys\n"
        "from miglint.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:], prog_name='miglint')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pglast', 'sqlglot', 'libcst'))), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("miglint, version") and done.stderr.splitlines()[-1] == ""


# -- shell completion --------------------------------------------------------------------


def complete(words: str, shell: str = "bash") -> subprocess.CompletedProcess[str]:
    """What the console script answers a shell's completion request with (click's protocol)."""
    if not SCRIPT.exists():
        pytest.skip("the miglint console script is not installed beside this interpreter")
    cword = str(len(words.split()) - (0 if words.endswith(" ") else 1))
    env = {**os.environ, "_MIGLINT_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    return subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def test_completion_script_is_printed_for_each_documented_shell() -> None:
    if not SCRIPT.exists():
        pytest.skip("the miglint console script is not installed beside this interpreter")
    for shell, marker in (("bash", "complete -o nosort -F"), ("zsh", "#compdef miglint"), ("fish", "complete")):
        env = {**os.environ, "_MIGLINT_COMPLETE": f"{shell}_source"}
        done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and marker in done.stdout and "_MIGLINT_COMPLETE" in done.stdout


def test_completion_completes_commands_options_and_choices() -> None:
    assert complete("miglint li").stdout.splitlines() == ["plain,lint"]
    assert complete("miglint lint --again").stdout.splitlines() == ["plain,--against"]
    choices = complete("miglint lint --format ").stdout.splitlines()
    assert {"plain,sarif", "plain,github", "plain,json"} <= set(choices)


def test_readme_documents_completion() -> None:
    readme = (ROOT / "README.md").read_text()
    for line in (
        'eval "$(_MIGLINT_COMPLETE=bash_source miglint)"',
        'eval "$(_MIGLINT_COMPLETE=zsh_source miglint)"',
        "_MIGLINT_COMPLETE=fish_source miglint | source",
    ):
        assert line in readme
