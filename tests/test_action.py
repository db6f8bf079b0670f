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
from histories import copy_bundled_example

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}")
BASH = shutil.which("bash")
TOKEN = "ghs_test-token"


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    return loaded


def is_install(step: dict[str, Any]) -> bool:
    return "pip install" in step.get("run", "")


class Context:
    """What a runner knows when it evaluates `${{ ... }}`: inputs, github.*, steps' outputs."""

    def __init__(self, inputs: dict[str, str]) -> None:
        self.inputs = inputs
        self.steps: dict[str, dict[str, str]] = {}

    def value(self, name: str) -> str:
        if name.startswith("'") and name.endswith("'"):
            return name[1:-1]
        if name == "github.action_path":
            return str(ROOT)
        if name == "github.token":
            return TOKEN
        if name.startswith("inputs."):
            return self.inputs[name[len("inputs.") :]]
        parts = name.split(".")
        assert len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs", f"unexpected {name}"
        return self.steps.get(parts[1], {}).get(parts[3], "")

    def evaluate(self, expression: str) -> str:
        """GitHub's expressions as the action uses them: ||, &&, ==, !=, names and 'strings'."""
        options = [part.strip() for part in expression.split("||")]
        for option in options:
            found = self._all(option)
            if found or option is options[-1]:
                return found
        return ""

    def _all(self, expression: str) -> str:
        found = ""
        for part in (p.strip() for p in expression.split("&&")):
            comparison = re.fullmatch(r"(.+?)\s*(==|!=)\s*(.+)", part)
            if comparison:
                left, op, right = comparison.groups()
                equal = self.value(left.strip()) == self.value(right.strip())
                found = "true" if equal == (op == "==") else ""
            else:
                found = self.value(part)
            if not found or found == "false":
                return ""
        return found

    def substitute(self, text: str) -> str:
        """What the runner does to `${{ ... }}` before bash sees the text."""
        return EXPRESSION.sub(lambda match: self.evaluate(match.group(1)), text)


class Ran(subprocess.CompletedProcess):  # type: ignore[type-arg]
    """The steps' output, their exit status, the action's outputs and the `uses:` steps run."""

    outputs: dict[str, str]
    used: list[dict[str, Any]]


def run_steps(
    cwd: Path,
    bin_dir: Path,
    *,
    install: bool = False,
    env: dict[str, str] | None = None,
    uses_outputs: dict[str, dict[str, str]] | None = None,
    path_only: bool = False,
    **given: str,
) -> Ran:
    """Run the action's steps as a runner would (the install step only when asked), with
    defaults for the inputs not given. A `uses:` step that would run is recorded, and its
    outputs taken from `uses_outputs`."""
    declared = action()["inputs"]
    assert set(given) <= set(declared)
    context = Context(
        {name: str(given.get(name, spec.get("default", ""))) for name, spec in declared.items()}
    )
    context.inputs = {name: context.substitute(value) for name, value in context.inputs.items()}
    base = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "CI")}
    base["PATH"] = str(bin_dir) if path_only else f"{bin_dir}{os.pathsep}{base.get('PATH', '')}"
    base["RUNNER_TEMP"] = str(cwd.parent)
    base.update(env or {})
    stdout, stderr, status = "", "", 0
    used: list[dict[str, Any]] = []
    for number, step in enumerate(action()["runs"]["steps"]):
        if "if" in step and not context.evaluate(step["if"]):
            continue
        if "uses" in step:
            used.append(step)
            context.steps[step["id"]] = dict((uses_outputs or {}).get(step["id"], {}))
            continue
        if is_install(step) != install and (is_install(step) or step.get("id") != "python"):
            continue  # with install=True: find Python, then install; else everything but the install
        assert step["shell"] == "bash"
        outputs = cwd.parent / f"output-{number}.txt"
        outputs.write_text("")
        step_env = {k: context.substitute(str(v)) for k, v in step.get("env", {}).items()}
        # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`
        result = subprocess.run(
            [BASH, "--noprofile", "--norc", "-eo", "pipefail", "-c", context.substitute(step["run"])],
            cwd=cwd,
            env={**base, **step_env, "GITHUB_OUTPUT": str(outputs)},
            capture_output=True,
            text=True,
        )
        stdout, stderr, status = stdout + result.stdout, stderr + result.stderr, result.returncode
        if "id" in step:
            context.steps[step["id"]] = dict(
                line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line
            )
        if status:
            break
    ran = Ran([], status, stdout, stderr)
    ran.outputs = {name: context.substitute(spec["value"]) for name, spec in action()["outputs"].items()}
    ran.used = used
    return ran


@pytest.fixture
def python_bin(tmp_path: Path) -> Path:
    """A directory whose `python` is this interpreter, where miglint is installed already."""
    if any((directory / ".git").exists() for directory in tmp_path.parents):
        pytest.skip(f"{tmp_path} is inside a git repository: paths would start at its top level")
    directory = tmp_path / "bin"
    directory.mkdir()
    # a script, not a symlink: a venv's python finds its packages only when run by its own path;
    # it logs each command line, so that a test can count the lint runs
    (directory / "python").write_text(
        f'#!/bin/sh\necho "$*" >> "{tmp_path}/python-calls.log"\nexec "{sys.executable}" "$@"\n'
    )
    (directory / "python").chmod(0o755)
    return directory


pytestmark = pytest.mark.skipif(BASH is None, reason="the action's steps are bash scripts")


def test_action_declares_its_inputs_outputs_and_a_composite_run() -> None:
    loaded = action()
    assert loaded["runs"]["using"] == "composite"
    assert {name: spec.get("default") for name, spec in loaded["inputs"].items()} == {
        "path": ".",
        "format": "github",
        "args": "",
        "version": "",
        "sarif-file": "",
        "comment": "false",
        "token": "${{ github.token }}",
    }
    assert set(loaded["outputs"]) == {"findings", "errors", "heads", "sarif-file"}
    steps = loaded["runs"]["steps"]
    (install,) = [step for step in steps if is_install(step)]
    # never `python -m`: it would import from the checkout (tests/test_entry_points.py)
    assert '"$MIGLINT_PYTHON" "$MIGLINT_ACTION_PATH/action/run_module.py" pip install' in install["run"]
    assert "python -m" not in "".join(step.get("run", "") for step in steps)
    assert install["env"]["MIGLINT_ACTION_PATH"] == "${{ github.action_path }}"
    # inputs reach the scripts through the environment only: a value cannot inject shell code
    for step in steps:
        assert EXPRESSION.search(step.get("run", "")) is None
    # miglint runs once; the only `uses:` is setup-python, and only when no Python is found
    assert sum("action/lint.py" in step.get("run", "") for step in steps) == 1
    (setup,) = [step for step in steps if "uses" in step]
    assert (
        setup["uses"].startswith("actions/setup-python@")
        and setup["if"] == "steps.python.outputs.python == ''"
    )


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
    copy_bundled_example(EXAMPLES / "two-heads", project)
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
    copy_bundled_example(EXAMPLES / "clean", project)
    result = run_steps(project, python_bin, args="--no-cache --statistics")
    assert (result.returncode, result.stdout) == (0, "All checks passed: 8 revisions in 1 environment.\n")
    assert not (project / ".miglint_cache").exists()  # args reached miglint


def test_action_writes_sarif_for_upload(tmp_path: Path, python_bin: Path) -> None:
    workspace = tmp_path / "workspace"
    copy_bundled_example(EXAMPLES / "two-heads", workspace / "db")
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
    copy_bundled_example(EXAMPLES / "two-heads", clean)
    planted = tmp_path / "planted"
    copy_bundled_example(EXAMPLES / "two-heads", planted)
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


# -- one run: outputs, SARIF, args ---------------------------------------------------------


def lint_runs(tmp_path: Path) -> list[str]:
    """The steps' lint runs: action/lint.py, which runs `miglint lint` once (never miglint directly)."""
    log = (tmp_path / "python-calls.log").read_text().splitlines()
    assert not [line for line in log if "run_module.py miglint" in line]
    return [line for line in log if line.endswith("action/lint.py")]


def test_one_run_gives_the_report_the_sarif_file_the_outputs_and_the_status(
    tmp_path: Path, python_bin: Path
) -> None:
    project = tmp_path / "two-heads"
    copy_bundled_example(EXAMPLES / "two-heads", project)
    result = run_steps(project, python_bin, args="--no-cache")
    assert result.returncode == 1 and result.stdout.startswith(
        "::error file=migrations/versions/3df49f95e6d3"
    )
    assert len(lint_runs(tmp_path)) == 1
    sarif = Path(result.outputs["sarif-file"])
    assert sarif.parent.parent == tmp_path  # under RUNNER_TEMP when no sarif-file is given
    assert len(json.loads(sarif.read_text())["runs"][0]["results"]) == 2
    assert {k: v for k, v in result.outputs.items() if k != "sarif-file"} == {
        "findings": "2",
        "errors": "2",
        "heads": "3df49f95e6d3 a06b46547cd5",
    }
    clean = tmp_path / "clean"
    copy_bundled_example(EXAMPLES / "clean", clean)
    passed = run_steps(clean, python_bin, args="--no-cache", **{"sarif-file": "out/m.sarif"})
    assert passed.returncode == 0
    assert (passed.outputs["findings"], passed.outputs["errors"]) == ("0", "0")
    assert (
        passed.outputs["sarif-file"] == str(clean / "out" / "m.sarif")
        and (clean / "out" / "m.sarif").exists()
    )


def test_a_usage_error_is_exit_status_2_without_outputs(tmp_path: Path, python_bin: Path) -> None:
    project = tmp_path / "two-heads"
    copy_bundled_example(EXAMPLES / "two-heads", project)
    result = run_steps(project, python_bin, args="--no-such-option")
    assert result.returncode == 2 and "No such option '--no-such-option'" in result.stderr
    assert (result.outputs["findings"], result.outputs["heads"]) == ("", "")
    unclosed = run_steps(project, python_bin, args='--cache-dir "oops')
    assert unclosed.returncode == 2 and "the action's args: No closing quotation" in unclosed.stderr
    assert len(lint_runs(tmp_path)) == 2  # the second ended before running miglint


def test_args_are_split_as_a_shell_splits_words_and_nothing_is_expanded(
    tmp_path: Path, python_bin: Path
) -> None:
    project = tmp_path / "clean"
    copy_bundled_example(EXAMPLES / "clean", project)
    result = run_steps(project, python_bin, args="""--cache-dir "my cache" --statistics""")
    assert result.returncode == 0, result.stderr
    assert (project / "my cache").is_dir() and not (project / "my").exists()
    literal = run_steps(project, python_bin, args="--cache-dir '$HOME/c*'")
    assert literal.returncode == 0, literal.stderr
    assert (project / "$HOME" / "c*").is_dir()


# -- Python ---------------------------------------------------------------------------------


def test_python_is_set_up_only_when_none_usable_is_found(tmp_path: Path, python_bin: Path) -> None:
    project = tmp_path / "two-heads"
    copy_bundled_example(EXAMPLES / "two-heads", project)
    found = run_steps(project, python_bin, args="--no-cache")
    assert found.used == [] and found.returncode == 1
    # no Python at all on PATH (nothing but the shell's builtins): setup-python runs, and
    # every later step uses the interpreter it reports
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    old = tmp_path / "old-bin"
    old.mkdir()
    (old / "python").write_text("#!/bin/sh\nexit 1\n")  # a Python the version check refuses
    (old / "python").chmod(0o755)
    for bin_dir in (empty, old):
        set_up = run_steps(
            project,
            bin_dir,
            path_only=True,
            args="--no-cache",
            uses_outputs={"setup-python": {"python-path": str(python_bin / "python")}},
        )
        assert [step["id"] for step in set_up.used] == ["setup-python"]
        assert set_up.used[0]["with"] == {"python-version": "3.12", "update-environment": False}
        assert set_up.returncode == 1 and set_up.outputs["errors"] == "2", set_up.stderr


def externally_managed_python() -> str | None:
    """A system Python that PEP 668 marks as managed by the OS (Debian's, Ubuntu's), if any."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if not os.path.exists(candidate):
            continue
        check = "import os, sys, sysconfig; print(os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')) and sys.prefix == sys.base_prefix)"
        done = subprocess.run([candidate, "-I", "-c", check], capture_output=True, text=True)
        if done.stdout.strip() == "True":
            return candidate
    return None


def test_a_python_pip_may_not_install_into_is_not_used(tmp_path: Path, python_bin: Path) -> None:
    system = externally_managed_python()
    if system is None:
        pytest.skip("no externally managed system Python here")
    only_system = tmp_path / "system-bin"
    only_system.mkdir()
    (only_system / "python3").symlink_to(system)
    project = tmp_path / "two-heads"
    copy_bundled_example(EXAMPLES / "two-heads", project)
    result = run_steps(
        project,
        only_system,
        path_only=True,
        args="--no-cache",
        uses_outputs={"setup-python": {"python-path": str(python_bin / "python")}},
    )
    assert [step["id"] for step in result.used] == ["setup-python"] and result.returncode == 1


# -- the pull-request comment ----------------------------------------------------------------

FAKE_CURL = """#!/bin/sh
# records each call (arguments, stdin, the request body) and answers from response-N
dir="$CURL_DIR"
n=$(ls "$dir" | grep -c '^call-.*\\.args$')
printf '%s\\n' "$@" > "$dir/call-$n.args"
cat > "$dir/call-$n.stdin"
for arg in "$@"; do case "$arg" in @*) cp "${arg#@}" "$dir/call-$n.body" ;; esac; done
if [ -f "$dir/response-$n" ]; then cat "$dir/response-$n"; else printf '[]\\n200'; fi
"""


@pytest.fixture
def github(tmp_path: Path, python_bin: Path) -> tuple[Path, dict[str, str]]:
    """A fake `curl` beside the python, and the variables a pull_request event sets."""
    calls = tmp_path / "curl"
    calls.mkdir()
    (python_bin / "curl").write_text(FAKE_CURL)
    (python_bin / "curl").chmod(0o755)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    env = {
        "CURL_DIR": str(calls),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_API_URL": "https://api.example",
        "GITHUB_SHA": "0123abc",
    }
    return calls, env


def calls(directory: Path) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, url, body) of each curl call, in order; the token only ever on stdin."""
    found = []
    for number in range(len(list(directory.glob("call-*.args")))):
        args = (directory / f"call-{number}.args").read_text().splitlines()
        assert TOKEN not in " ".join(args)
        assert (
            directory / f"call-{number}.stdin"
        ).read_text() == f'header = "Authorization: Bearer {TOKEN}"\n'
        body = directory / f"call-{number}.body"
        found.append(
            (
                args[args.index("--request") + 1],
                args[-1],
                json.loads(body.read_text()) if body.exists() else None,
            )
        )
    return found


LIST = "https://api.example/repos/acme/shop/issues/7/comments?per_page=100&page=1"


def test_comment_is_posted_once_with_the_markdown_report(
    tmp_path: Path, python_bin: Path, github: tuple[Path, dict[str, str]]
) -> None:
    directory, env = github
    project = tmp_path / "two-heads"
    copy_bundled_example(EXAMPLES / "two-heads", project)
    (directory / "response-0").write_text('[{"id": 5, "body": "LGTM", "html_url": "u5"}]\n200')
    (directory / "response-1").write_text(
        '{"id": 6, "html_url": "https://github.com/acme/shop/pull/7#c6"}\n201'
    )
    result = run_steps(project, python_bin, env=env, args="--no-cache", comment="true")
    assert result.returncode == 1, result.stderr  # miglint's status, after the comment
    made = calls(directory)
    assert [(method, url) for method, url, _ in made] == [
        ("GET", LIST),
        ("POST", "https://api.example/repos/acme/shop/issues/7/comments"),
    ]
    body = made[1][2]
    assert body is not None and body["body"].startswith(
        "<!-- miglint-comment -->\n### miglint: Found 2 errors"
    )
    assert (
        "](https://github.com/acme/shop/blob/0123abc/migrations/versions/3df49f95e6d3_add_task_labels.py#L13)"
        in body["body"]
    )
    assert "miglint: posted https://github.com/acme/shop/pull/7#c6" in result.stdout
    assert len(lint_runs(tmp_path)) == 1


def test_comment_is_updated_in_place_and_left_alone_when_unchanged(
    tmp_path: Path, python_bin: Path, github: tuple[Path, dict[str, str]]
) -> None:
    directory, env = github
    project = tmp_path / "two-heads"
    copy_bundled_example(EXAMPLES / "two-heads", project)
    old = {"id": 42, "body": "<!-- miglint-comment -->\nold", "html_url": "u42"}
    (directory / "response-0").write_text(json.dumps([{"id": 1, "body": "hi"}, old]) + "\n200")
    (directory / "response-1").write_text('{"id": 42, "html_url": "u42"}\n200')
    result = run_steps(project, python_bin, env=env, args="--no-cache", comment="true")
    made = calls(directory)
    assert [(method, url) for method, url, _ in made] == [
        ("GET", LIST),
        ("PATCH", "https://api.example/repos/acme/shop/issues/comments/42"),
    ]
    body = made[1][2]
    assert result.returncode == 1 and body is not None and "multiple-heads" in body["body"]
    # the same report again: nothing is written
    shutil.rmtree(directory)
    directory.mkdir()
    same = {"id": 42, "body": body["body"], "html_url": "u42"}
    (directory / "response-0").write_text(json.dumps([same]) + "\n200")
    again = run_steps(project, python_bin, env=env, args="--no-cache", comment="true")
    assert [(method, url) for method, url, _ in calls(directory)] == [("GET", LIST)]
    assert "miglint: comment u42 is up to date" in again.stdout


def test_a_clean_run_posts_nothing_but_updates_an_earlier_comment(
    tmp_path: Path, python_bin: Path, github: tuple[Path, dict[str, str]]
) -> None:
    directory, env = github
    project = tmp_path / "clean"
    copy_bundled_example(EXAMPLES / "clean", project)
    result = run_steps(project, python_bin, env=env, args="--no-cache", comment="true")
    assert result.returncode == 0 and [m for m, _, _ in calls(directory)] == ["GET"]
    shutil.rmtree(directory)
    directory.mkdir()
    (directory / "response-0").write_text('[{"id": 3, "body": "<!-- miglint-comment -->\\nx"}]\n200')
    result = run_steps(project, python_bin, env=env, args="--no-cache", comment="true")
    made = calls(directory)
    assert [m for m, _, _ in made] == ["GET", "PATCH"]
    assert made[1][2] is not None and "All checks passed" in made[1][2]["body"]


def test_a_refused_comment_is_a_warning_and_miglint_s_status_stands(
    tmp_path: Path, python_bin: Path, github: tuple[Path, dict[str, str]]
) -> None:
    directory, env = github
    project = tmp_path / "two-heads"
    copy_bundled_example(EXAMPLES / "two-heads", project)
    (directory / "response-1").write_text('{"message": "Resource not accessible by integration"}\n403')
    result = run_steps(project, python_bin, env=env, args="--no-cache", comment="true")
    assert result.returncode == 1
    assert (
        "::warning title=miglint::could not post the pull-request comment: POST "
        "https://api.example/repos/acme/shop/issues/7/comments: HTTP 403 Resource not accessible by integration"
    ) in result.stdout


def test_no_comment_unless_asked_or_outside_a_pull_request(
    tmp_path: Path, python_bin: Path, github: tuple[Path, dict[str, str]]
) -> None:
    directory, env = github
    project = tmp_path / "two-heads"
    copy_bundled_example(EXAMPLES / "two-heads", project)
    assert run_steps(project, python_bin, env=env, args="--no-cache").returncode == 1
    assert calls(directory) == []
    push = tmp_path / "push.json"
    push.write_text(json.dumps({"ref": "refs/heads/main"}))
    result = run_steps(project, python_bin, env={**env, "GITHUB_EVENT_PATH": str(push)}, comment="true")
    assert result.returncode == 1 and calls(directory) == []
    assert "miglint: not a pull request event: no comment posted" in result.stdout


def test_the_marker_is_the_markdown_report_s() -> None:
    from miglint.formats.markdown import MARKER

    assert f'MARKER = "{MARKER}"' in (ROOT / "action" / "comment.py").read_text()


def test_readme_workflow_uses_only_what_the_action_declares() -> None:
    text = (ROOT / "README.md").read_text()
    block = text.split("```yaml\non: pull_request\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load("on: pull_request\n" + block)
    steps = workflow["jobs"]["miglint"]["steps"]
    (ours,) = [step for step in steps if step.get("uses", "").startswith("miglint/miglint@")]
    assert set(ours["with"]) <= set(action()["inputs"])
    used = set(re.findall(r"steps\.miglint\.outputs\.([\w-]+)", block))
    assert used and used <= set(action()["outputs"])
