"""A plain `miglint lint` runs without click (lint/replay.py -> lint/lintcommand.py), and
prints, byte for byte, what the click command prints for the same command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from histories import copy_bundled_example

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
THROUGH_CLICK = "import sys; sys.argv[0] = 'miglint'; from miglint.cli import run; run()"
WITHOUT_CLICK = "import sys; sys.argv[0] = 'miglint'; from miglint.replay import run; run()"
PROBE = (
    "import atexit, os, sys\n"
    "exit = os._exit\n"
    "def leave(status):\n"
    "    sys.stderr.write('click imported: %s\\n' % ('click' in sys.modules)); sys.stderr.flush(); exit(status)\n"
    "os._exit = leave\n"
    "sys.argv[0] = 'miglint'\n"
    "from miglint.replay import run; run()\n"
)


def _run(code: str, argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[str, str, int]:
    environ = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True, text=True, env=environ, timeout=120
    )
    return done.stdout, done.stderr, done.returncode


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plain")
    for name in ("seed-chain", "two-heads", "non-idempotent-sql"):
        copy_bundled_example(EXAMPLES / name, root / name)
    (root / "broken").mkdir()
    (root / "broken" / "pyproject.toml").write_text("[tool.miglint]\nselect = 3\n")
    return root


@pytest.mark.parametrize(
    "argv",
    [
        ["seed-chain"],
        ["seed-chain", "--concise"],
        ["seed-chain", "--format", "json"],
        ["seed-chain", "--format=json", "--statistics"],
        ["seed-chain", "--statistics", "--concise"],
        ["seed-chain", "--select", "MG1", "--select=MG3"],
        ["seed-chain", "--extend-select", "MG411,MG412", "--ignore", "MG111"],
        ["seed-chain", "--exit-zero"],
        ["two-heads", "--fail-on", "warning"],
        ["two-heads", "--color"],
        ["two-heads", "--color", "--no-color"],
        ["non-idempotent-sql", "--no-ignore-comments", "--no-baseline-file", "-j", "1"],
        ["seed-chain", "two-heads", "--jobs=2"],
        ["nowhere"],
        ["broken"],
        ["seed-chain", "--select", "MG999"],
        ["seed-chain", "-j=2"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_the_same_output_as_the_click_command(project: Path, argv: list[str]) -> None:
    command = ["lint", "--no-cache", *argv]
    expected = _run(THROUGH_CLICK, command, project)
    assert _run(WITHOUT_CLICK, command, project) == expected
    assert expected[2] in (0, 1, 2)


def test_a_plain_run_imports_no_click(project: Path) -> None:
    out, err, status = _run(PROBE, ["lint", "--no-cache", "seed-chain"], project)
    assert status == 1 and "MG301" in out
    assert err.endswith("click imported: False\n")


@pytest.mark.parametrize("argv", [["--diff"], ["--format", "sarif"], ["-j", "0"], ["--help"]])
def test_other_command_lines_go_through_click(project: Path, argv: list[str]) -> None:
    _, err, _ = _run(PROBE, ["lint", "--no-cache", "seed-chain", *argv], project)
    assert err.endswith("click imported: True\n")


def test_a_cached_plain_run_prints_what_the_click_command_prints(project: Path, tmp_path: Path) -> None:
    """With the cache (and its replay memo) in play: first run, then a replayed one."""
    runs = []
    for code, cache in ((THROUGH_CLICK, tmp_path / "a"), (WITHOUT_CLICK, tmp_path / "b")):
        command = ["lint", "seed-chain", "--cache-dir", str(cache), "--concise"]
        runs.append([_run(code, command, project) for _ in range(2)])
    assert runs[0] == runs[1]
    assert runs[0][0][2] == 1 and "MG301" in runs[0][0][0]


def test_the_plain_defaults_are_the_click_commands() -> None:
    """lint/lintcommand.py's defaults stand for the options a plain command line leaves out."""
    import inspect

    from miglint import lintcommand
    from miglint.cli import lint

    defaults = {name: p.default for name, p in inspect.signature(lintcommand.lint).parameters.items()}
    assert lint.make_context("lint", []).params == defaults
