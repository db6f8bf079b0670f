"""Hostile inputs (tests/hostile.py) end in a finding or one clear line, promptly.

Each case runs through the real command line in this process (click's CliRunner),
under an alarm: a case that hangs fails after HANG_SECONDS instead of freezing the
suite. A few run as a separate process too, through the console entry point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HANG_SECONDS, cli_runner
from hostile import HostileCase, all_cases
from miglint.cli import main

CASES = all_cases()


def assert_ends_cleanly(exit_code: int, stdout: str, stderr: str, case: HostileCase) -> None:
    both = stdout + stderr
    assert exit_code in (0, 1, 2), both[-2000:]
    assert "Traceback" not in both and "internal error" not in both, both[-2000:]
    if exit_code == 2:
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("miglint: "), stderr[-2000:]
        assert len(lines[0]) < 1000, lines[0][:300]  # a path thousands long is shortened
    if case.expect:
        assert case.expect in both, both[-2000:]
    if case.forbid:
        assert case.forbid not in both, both[-2000:]


def test_there_are_a_few_hundred_cases_with_unique_names() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)) and len(names) >= 300


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_hostile_input_ends_cleanly(
    case: HostileCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alarm: None
) -> None:
    case.write(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, list(case.args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert_ends_cleanly(result.exit_code, result.output, result.stderr, case)


IN_A_PROCESS = [
    "graph-self-revising-labelled",
    "source-elif-50000",
    "files-link-loops",
    "files-non-utf8-name",
    "files-long-script-location-x-10000",
    "config-pyproject-nested-arrays",
]


@pytest.mark.parametrize("name", IN_A_PROCESS)
def test_hostile_input_through_the_console_script(name: str, tmp_path: Path) -> None:
    (case,) = [c for c in CASES if c.name == name]
    case.write(tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}  # strict UTF-8, as on most terminals
    env.pop("MIGLINT_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "miglint", *case.args],
        cwd=tmp_path,
        capture_output=True,
        timeout=HANG_SECONDS,
        env=env,
    )
    stdout = done.stdout.decode("utf-8")  # escaped, so always valid UTF-8
    stderr = done.stderr.decode("utf-8")
    assert_ends_cleanly(done.returncode, stdout, stderr, case)


# -- what each named input of issue 12 gives, exactly ---------------------------------


def run(case_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str):  # type: ignore[no-untyped-def]
    (case,) = [c for c in CASES if c.name == case_name]
    case.write(tmp_path)
    monkeypatch.chdir(tmp_path)
    return cli_runner().invoke(main, list(args or case.args))


def test_self_revising_labelled_revision_is_a_cycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alarm: None
) -> None:
    result = run("graph-self-revising-labelled", tmp_path, monkeypatch, "lint", "--no-cache", "--concise")
    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        "migrations/versions/0000_a.py:14:17: MG101 down_revision links form a cycle of 1: a -> a",
        "migrations/versions/0002_c.py:13:12: MG102 revision c is one of 2 heads (c, d), which diverged at b",
        "migrations/versions/0003_d.py:13:12: MG102 revision d is one of 2 heads (c, d), which diverged at b",
    ]


def test_link_loops_are_unreadable_files_and_linked_directories_are_not_entered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alarm: None
) -> None:
    result = run("files-link-loops", tmp_path, monkeypatch, "lint", "--no-cache", "--concise")
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if "MG001" in line] == [
        f"migrations/versions/{name}.py:1:1: MG001 cannot read file: Too many levels of symbolic links"
        for name in ("ping", "pong", "self")
    ]


def test_a_name_that_is_not_utf8_is_linted_and_printed_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run("files-non-utf8-name", tmp_path, monkeypatch, "lint", "--no-cache", "--concise")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "migrations/versions/0001_b\\udcff\\udcfe.py:13:12: MG102 revision b is one of 2 heads (b, c), "
        "which diverged at a"
    )
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--format", "json"])
    assert '"path": "migrations/versions/0001_b\\udcff\\udcfe.py"' in result.output


def test_a_long_script_location_is_one_shortened_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run("files-long-script-location-x-10000", tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr == (  # the path as discovery shows it: 60 characters, ..., the last 60
        f"miglint: error: alembic.ini: script_location {'x' * 60}...{'x' * 60} (10000 characters) "
        "cannot be read: File name too long\n"
    )


@pytest.mark.parametrize(
    ("case_name", "message"),
    [
        ("config-pyproject-not-utf8", "pyproject.toml: invalid TOML: byte 26 is not UTF-8"),
        (
            "config-pyproject-nested-arrays",
            "pyproject.toml: invalid TOML: arrays or tables nested too deeply to read",
        ),
        (
            "config-pyproject-tool-is-5",
            "pyproject.toml: `tool` must be a table ([tool.NAME] sections), not a value",
        ),
        ("config-ini-no-section", "alembic.ini: cannot read: File contains no section headers (line 1)"),
    ],
)
def test_configuration_problems_are_one_line(
    case_name: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(case_name, tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.startswith("miglint: error: ") and result.stderr.endswith(f"{message}\n")
    assert result.stderr.count("\n") == 1


def test_an_elif_chain_too_deep_for_python_is_mg001(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("source-elif-50000", tmp_path, monkeypatch, "lint", "--no-cache", "--concise")
    assert result.exit_code == 1
    (line,) = result.output.splitlines()[:-2]
    assert line.startswith(
        "migrations/versions/0001_b.py:1:1: MG001 cannot compile: the code is nested too deeply"
    )
