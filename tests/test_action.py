"""The composite GitHub Action (action.yml), its steps run locally with bash as a runner would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
BASH = shutil.which("bash")


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    return loaded


def is_install(step: dict[str, Any]) -> bool:
    return "pip install" in step["run"]


def substitute(text: str, inputs: dict[str, str], action_path: str) -> str:
    """What the runner does to `${{ ... }}` before bash sees the text."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "github.action_path":
            return action_path
        assert name.startswith("inputs."), f"unexpected expression {match.group(0)}"
        return inputs[name[len("inputs.") :]]

    return EXPRESSION.sub(value, text)


def run_steps(
    cwd: Path, bin_dir: Path, *, install: bool = False, **given: str
) -> subprocess.CompletedProcess[str]:
    """Run the action's steps (the install step only when asked) with defaults for the inputs not given."""
    declared = action()["inputs"]
    assert set(given) <= set(declared)
    inputs = {name: str(given.get(name, spec.get("default", ""))) for name, spec in declared.items()}
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    result = None
    for step in action()["runs"]["steps"]:
        if is_install(step) != install:
            continue
        assert step["shell"] == "bash"
        step_env = {k: substitute(str(v), inputs, str(ROOT)) for k, v in step.get("env", {}).items()}
        script = substitute(step["run"], inputs, str(ROOT))
        # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`
        result = subprocess.run(
            [BASH, "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=cwd,
            env={**env, **step_env},
            capture_output=True,
            text=True,
        )
        if result.returncode:
            break
    assert result is not None
    return result


@pytest.fixture
def python_bin(tmp_path: Path) -> Path:
    """A directory whose `python` is this interpreter, where miglint is installed already."""
    if any((directory / ".git").exists() for directory in tmp_path.parents):
        pytest.skip(f"{tmp_path} is inside a git repository: paths would start at its top level")
    directory = tmp_path / "bin"
    directory.mkdir()
    # a script, not a symlink: a venv's python finds its packages only when run by its own path
    (directory / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (directory / "python").chmod(0o755)
    return directory


pytestmark = pytest.mark.skipif(BASH is None, reason="the action's steps are bash scripts")


def test_action_declares_its_inputs_and_a_composite_run() -> None:
    loaded = action()
    assert loaded["runs"]["using"] == "composite"
    assert {name: spec.get("default") for name, spec in loaded["inputs"].items()} == {
        "path": ".",
        "format": "github",
        "args": "",
        "version": "",
        "sarif-file": "",
    }
    (install,) = [step for step in loaded["runs"]["steps"] if is_install(step)]
    # never `python -m`: it would import from the checkout (tests/test_entry_points.py)
    assert 'python "$MIGLINT_ACTION_PATH/action/run_module.py" pip install' in install["run"]
    assert "python -m" not in "".join(step["run"] for step in loaded["runs"]["steps"])
    assert install["env"]["MIGLINT_ACTION_PATH"] == "${{ github.action_path }}"
    # inputs reach the scripts through the environment only: a value cannot inject shell code
    for step in loaded["runs"]["steps"]:
        assert EXPRESSION.search(step["run"]) is None


def test_install_step_installs_the_checkout_or_the_version_asked_for(tmp_path: Path) -> None:
    # a stand-in `python` that prints what it was asked to do instead of installing
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "python").write_text('#!/bin/sh\necho "$@"\n')
    (fake / "python").chmod(0o755)
    pip = f"{ROOT}/action/run_module.py pip install --disable-pip-version-check --quiet"
    asked = {
        "": f"{pip} {ROOT}\n",
        "0.2.0": f"{pip} miglint==0.2.0\n",
        "miglint>=0.2": f"{pip} miglint>=0.2\n",
    }
    for version, expected in asked.items():
        result = run_steps(tmp_path, fake, install=True, version=version)
        assert (result.returncode, result.stdout) == (0, expected)


def test_action_annotates_two_heads_and_fails(tmp_path: Path, python_bin: Path) -> None:
    project = tmp_path / "two-heads"
    shutil.copytree(EXAMPLES / "two-heads", project)
    result = run_steps(project, python_bin)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(",")[0] for line in lines[:2]] == [
        "::error file=migrations/versions/3df49f95e6d3_add_task_labels.py",
        "::error file=migrations/versions/a06b46547cd5_add_task_due_dates.py",
    ]
    assert lines[2:] == ["Found 2 errors in 4 revisions in 1 environment."]


def test_action_passes_on_a_clean_project(tmp_path: Path, python_bin: Path) -> None:
    project = tmp_path / "clean"
    shutil.copytree(EXAMPLES / "clean", project)
    result = run_steps(project, python_bin, args="--no-cache --statistics")
    assert (result.returncode, result.stdout) == (0, "All checks passed: 8 revisions in 1 environment.\n")
    assert not (project / ".miglint_cache").exists()  # args reached miglint


def test_action_writes_sarif_for_upload(tmp_path: Path, python_bin: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(EXAMPLES / "two-heads", workspace / "db")
    result = run_steps(workspace, python_bin, path="db", args="--no-cache", **{"sarif-file": "miglint.sarif"})
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=db/migrations/versions/3df49f95e6d3_add_task_labels.py,")
    results = json.loads((workspace / "miglint.sarif").read_text())["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == [
        "db/migrations/versions/3df49f95e6d3_add_task_labels.py",
        "db/migrations/versions/a06b46547cd5_add_task_due_dates.py",
    ]


def test_action_steps_import_nothing_from_the_checkout(tmp_path: Path, python_bin: Path) -> None:
    from test_entry_points import imported_by_a_run, plant

    clean = tmp_path / "clean"
    shutil.copytree(EXAMPLES / "two-heads", clean)
    planted = tmp_path / "planted"
    shutil.copytree(EXAMPLES / "two-heads", planted)
    marker = tmp_path / "imported.txt"
    names = imported_by_a_run()
    assert {"pip", "runpy", "miglint", "click", "json"} <= names
    plant(planted, names, marker)
    # pip really runs, with a requirement this environment satisfies: nothing to download
    install = run_steps(planted, python_bin, install=True, version="miglint")
    assert (install.returncode, install.stderr) == (0, "")
    result = run_steps(planted, python_bin, args="--no-cache")
    assert not marker.exists()
    expected = run_steps(clean, python_bin, args="--no-cache")
    assert (result.returncode, result.stdout, result.stderr) == (1, expected.stdout, expected.stderr)
    assert result.stdout.startswith("::error file=migrations/versions/3df49f95e6d3_add_task_labels.py,")
