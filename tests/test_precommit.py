"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit.

pre-commit installs a hook repository by cloning it at a commit and pip-installing
the clone into a virtual environment of its own. `pre-commit try-repo <checkout>`
does that with a throw-away store for every run, so five runs would build five
environments. So one test runs try-repo itself, as a user would (two builds), and
the others do what try-repo does, once: commit a snapshot of this checkout
(uncommitted and untracked changes included, which try-repo would leave out) and
point each test project's .pre-commit-config.yaml at it, with one PRE_COMMIT_HOME
for the session; pre-commit then builds one environment and reuses it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import copy_bundled_example
from miglint.cli import main

ROOT = Path(__file__).resolve().parent.parent
TWO_HEADS = ROOT / "examples" / "two-heads"
VERSIONS = Path("migrations") / "versions"
PICTURE = "docs/migrations.mmd"

MERGE = '''"""merge heads 3df49f95e6d3 and a06b46547cd5

Revision ID: e7d41c9a0b36
Revises: 3df49f95e6d3, a06b46547cd5
Create Date: 2025-10-14 09:30:00.000000

"""
revision = 'e7d41c9a0b36'
down_revision = ('3df49f95e6d3', 'a06b46547cd5')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''

NEXT = '''"""add task priority

Revision ID: c93f0e5a7d12
Revises: a06b46547cd5
Create Date: 2025-10-15 11:00:00.000000

"""
revision = 'c93f0e5a7d12'
down_revision = 'a06b46547cd5'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''


# -- the `files` pattern: when the hooks run ----------------------------------------------


def _manifest() -> list[dict[str, object]]:
    import yaml  # pre-commit's own dependency

    with (ROOT / ".pre-commit-hooks.yaml").open() as handle:
        hooks: list[dict[str, object]] = yaml.safe_load(handle)
    return hooks


def test_manifest_offers_both_hooks_reading_the_whole_project() -> None:
    hooks = {str(hook["id"]): hook for hook in _manifest()}
    assert sorted(hooks) == ["miglint", "miglint-graph"]
    assert hooks["miglint"]["entry"] == "miglint lint"
    assert hooks["miglint-graph"]["entry"] == "miglint graph --exit-non-zero-on-change"
    for hook in hooks.values():
        assert (hook["language"], hook["pass_filenames"], hook["require_serial"]) == ("python", False, True)
    assert hooks["miglint"]["files"] == hooks["miglint-graph"]["files"]


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("migrations/versions/3df49f95e6d3_add_task_labels.py", True),
        ("alembic/versions/postgresql/0001_init.py", True),  # a per-dialect sub-directory
        ("versions/0001_init.py", True),
        ("alembic.ini", True),
        ("deploy/tenant.ini", True),
        ("pyproject.toml", True),
        ("services/api/pyproject.toml", True),
        ("migrations/env.py", True),
        ("scripts/start.sh", True),
        ("run.bash", True),
        ("Dockerfile", True),
        ("docker/Dockerfile.prod", True),
        ("docker/docker-entrypoint.sh", True),
        ("entrypoint", True),
        ("Procfile", True),
        ("Makefile", True),
        ("justfile", True),
        ("docker-compose.yml", True),
        ("deploy/compose.prod.yaml", True),
        ("scripts/bootstrap_db.py", True),
        ("bin/release.py", True),
        ("app/db/run_migrations.py", True),
        ("migrate.py", True),
        ("manage.py", True),
        # a version location of any name (version_locations), and any Python runner
        ("db/tenant_revisions/0001_init.py", True),
        ("alembic/2025/0001_init.py", True),
        ("app/db/bootstrap.py", True),
        ("README.md", False),
        ("migrations/script.py.mako", False),
        ("docs/migrations.mmd", False),
        ("src/migrations/helpers/__init__.txt", False),
    ],
)
def test_files_pattern(path: str, runs: bool) -> None:
    for hook in _manifest():
        # pre-commit's own test: re.search on the path relative to the repository root
        assert bool(re.compile(str(hook["files"])).search(path)) is runs, (hook["id"], path)


# -- `miglint graph --exit-non-zero-on-change`, in process ------------------------------------


def _graph(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(project)
    return cli_runner().invoke(main, ["graph", "--no-cache", *args])


def test_graph_writes_a_changed_file_and_leaves_an_identical_one_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    copy_bundled_example(TWO_HEADS, project)
    picture = project / "graph.mmd"

    first = _graph(project, monkeypatch, "-o", "graph.mmd", "--exit-non-zero-on-change")
    assert (first.exit_code, first.stdout) == (1, "")
    assert first.stderr == "miglint: graph.mmd: updated to the current graph; add it to the commit\n"
    assert picture.read_text().startswith("%% migrations: 4 revisions, 2 heads, 2 findings\nflowchart TB\n")
    assert picture.stat().st_mode & 0o777 == 0o666 & ~_umask()
    before = picture.stat()

    second = _graph(project, monkeypatch, "-o", "graph.mmd", "--exit-non-zero-on-change")
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    after = picture.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not even rewritten

    picture.chmod(0o640)
    (project / VERSIONS / "e7d41c9a0b36_merge_heads.py").write_text(MERGE)
    third = _graph(project, monkeypatch, "-o", "graph.mmd", "--exit-non-zero-on-change")
    assert third.exit_code == 1
    assert picture.read_text().startswith("%% migrations: 5 revisions, 1 head, 0 findings\n")
    assert picture.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode
    assert sorted(p.name for p in project.iterdir() if p.name.endswith(".tmp")) == []

    plain = _graph(project, monkeypatch, "-o", "graph.mmd")  # without the flag: 0 either way
    assert (plain.exit_code, plain.stderr) == (0, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "miglint: error: --exit-non-zero-on-change needs -o FILE\n"),
        (
            ["-o", "graph.pdf"],
            "miglint: error: --exit-non-zero-on-change: a PDF differs on every run; "
            "use mermaid, text, dot or json\n",
        ),
        (
            ["-o", "missing/graph.mmd"],
            "miglint: error: cannot write missing/graph.mmd: No such file or directory\n",
        ),
    ],
)
def test_graph_exit_on_change_usage_errors(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    copy_bundled_example(TWO_HEADS, project)
    result = _graph(project, monkeypatch, *args, "--exit-non-zero-on-change")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert sorted(p.name for p in project.iterdir()) == sorted(
        p.name for p in TWO_HEADS.iterdir() if p.name != ".miglint_cache"
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- the real pre-commit ---------------------------------------------------------------------


@dataclass(frozen=True)
class HookRepo:
    url: str  # a local git repository holding a snapshot of this checkout
    rev: str
    env: dict[str, str]  # PRE_COMMIT_HOME and a git without the caller's repository


def _git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def _commit_all(repo: Path, message: str, env: dict[str, str]) -> str:
    if not (repo / ".git").exists():
        _git(repo, "init", "-q", env=env)
        _git(repo, "config", "user.name", "miglint tests", env=env)
        _git(repo, "config", "user.email", "tests@miglint.invalid", env=env)
        _git(repo, "config", "commit.gpgsign", "false", env=env)
    _git(repo, "add", "-A", env=env)
    _git(repo, "commit", "-q", "--allow-empty", "-m", message, env=env)
    return _git(repo, "rev-parse", "HEAD", env=env)


def _config(hooks: HookRepo) -> str:
    return (
        "repos:\n"
        f"- repo: {hooks.url}\n"
        f"  rev: {hooks.rev}\n"
        "  hooks:\n"
        "  - id: miglint\n"
        "  - id: miglint-graph\n"
        f"    args: [-o, {PICTURE}]\n"
    )


def _pre_commit(
    project: Path, hooks: HookRepo, *args: str, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=project,
        env=hooks.env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _index_url() -> str:
    """The package index pip installs from (as configured), which hook environments need."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"].split()[0]
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        if key.endswith(".index-url"):
            return value.strip("'\"").split()[0]
    return "https://pypi.org/simple/"


def _unreachable(url: str) -> str | None:
    """Why `url` cannot be reached, or None when something answers there."""
    try:
        urllib.request.urlopen(url, timeout=30).close()
    except urllib.error.HTTPError:
        return None  # an answer, even an error, means the network is there
    except (urllib.error.URLError, OSError) as error:
        return str(getattr(error, "reason", error))
    return None


@pytest.fixture(scope="session")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    """This checkout as a hook repository, with its environment built once for the session."""
    base = tmp_path_factory.mktemp("pre-commit")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # not the caller's repo
    env.update(PRE_COMMIT_HOME=str(base / "home"), GIT_CONFIG_NOSYSTEM="1")
    snapshot = base / "miglint"
    shutil.copytree(
        ROOT,
        snapshot,
        ignore=shutil.ignore_patterns(
            ".git", "__pycache__", "*.egg-info", ".*_cache", ".venv", "venv", "build", "dist"
        ),
    )
    repo = HookRepo(str(snapshot), _commit_all(snapshot, "snapshot", env), env)

    scratch = base / "install"
    scratch.mkdir()
    (scratch / ".pre-commit-config.yaml").write_text(_config(repo))
    _commit_all(scratch, "config", env)
    built = _pre_commit(scratch, repo, "install-hooks", timeout=1800)
    if built.returncode != 0:
        url = _index_url()
        why = _unreachable(url)
        if why is not None:
            pytest.skip(
                f"pre-commit cannot build the hook environment: the package index {url} is unreachable ({why})"
            )
        pytest.fail(f"pre-commit install-hooks failed:\n{built.stdout}\n{built.stderr}")
    return repo


def _project(tmp_path: Path, hooks: HookRepo) -> Path:
    """The two-heads example as a git repository that uses both hooks."""
    project = tmp_path / "project"
    copy_bundled_example(TWO_HEADS, project)
    (project / "docs").mkdir()
    (project / "docs" / "README.md").write_text("The migration graph.\n")
    (project / ".pre-commit-config.yaml").write_text(_config(hooks))
    _commit_all(project, "two heads", hooks.env)
    return project


def _ran(hook: str, result: subprocess.CompletedProcess[str]) -> str:
    """pre-commit's verdict line for a hook: Passed, Failed, or the reason it skipped."""
    found = re.search(rf"^{re.escape(hook)}\.+(.*)$", result.stdout, re.MULTILINE)
    assert found, result.stdout + result.stderr
    return found.group(1)


def test_miglint_hook_fails_on_two_heads_and_passes_after_the_merge(hooks: HookRepo, tmp_path: Path) -> None:
    project = _project(tmp_path, hooks)

    first = _pre_commit(project, hooks, "run", "--all-files", "miglint")
    assert (first.returncode, _ran("miglint", first)) == (1, "Failed"), first.stdout + first.stderr
    expected = (TWO_HEADS / "expected.txt").read_text().replace("[exit 1]\n", "")
    assert expected in first.stdout  # miglint's own report, MG102 for both heads

    unrelated = _pre_commit(project, hooks, "run", "miglint", "--files", "docs/README.md")
    assert (unrelated.returncode, _ran("miglint", unrelated)) == (0, "(no files to check)Skipped")

    (project / VERSIONS / "e7d41c9a0b36_merge_heads.py").write_text(MERGE)
    _commit_all(project, "merge heads", hooks.env)
    second = _pre_commit(project, hooks, "run", "--all-files", "miglint")
    assert (second.returncode, _ran("miglint", second)) == (0, "Passed"), second.stdout + second.stderr
    assert "MG102" not in second.stdout


def test_miglint_graph_hook_keeps_a_committed_picture_current(
    hooks: HookRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, hooks)
    picture = project / PICTURE

    first = _pre_commit(project, hooks, "run", "--all-files", "miglint-graph")
    assert (first.returncode, _ran("miglint graph", first)) == (1, "Failed"), first.stdout + first.stderr
    assert f"miglint: {PICTURE}: updated to the current graph; add it to the commit" in first.stdout
    # the hook's miglint draws what this checkout's miglint draws
    assert _graph(project, monkeypatch, "-o", "docs/expected.mmd").exit_code == 0
    assert picture.read_text() == (project / "docs" / "expected.mmd").read_text()
    (project / "docs" / "expected.mmd").unlink()
    _commit_all(project, "add the picture", hooks.env)
    before = picture.stat()

    second = _pre_commit(project, hooks, "run", "--all-files", "miglint-graph")
    assert (second.returncode, _ran("miglint graph", second)) == (0, "Passed"), second.stdout + second.stderr
    assert (picture.stat().st_ino, picture.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)

    (project / VERSIONS / "c93f0e5a7d12_add_task_priority.py").write_text(NEXT)
    _git(project, "add", "-A", env=hooks.env)
    third = _pre_commit(project, hooks, "run", "--all-files", "miglint-graph")
    assert (third.returncode, _ran("miglint graph", third)) == (1, "Failed"), third.stdout + third.stderr
    assert "- files were modified by this hook" in third.stdout  # pre-commit saw the tracked file change
    assert "c93f0e5a7d12" in picture.read_text()
    assert picture.read_text().startswith("%% migrations: 5 revisions, 2 heads, 2 findings\n")


def test_try_repo_fails_on_two_heads_and_passes_after_the_merge(hooks: HookRepo, tmp_path: Path) -> None:
    # What a user runs to try the hook before adding it to their config. try-repo builds
    # a fresh environment each time (its store is a temporary directory): two builds.
    project = _project(tmp_path, hooks)
    try_repo = ("try-repo", hooks.url, "miglint", "--ref", hooks.rev, "--all-files")

    first = _pre_commit(project, hooks, *try_repo, timeout=1800)
    assert (first.returncode, _ran("miglint", first)) == (1, "Failed"), first.stdout + first.stderr
    assert (TWO_HEADS / "expected.txt").read_text().replace("[exit 1]\n", "") in first.stdout

    (project / VERSIONS / "e7d41c9a0b36_merge_heads.py").write_text(MERGE)
    _commit_all(project, "merge heads", hooks.env)
    second = _pre_commit(project, hooks, *try_repo, timeout=1800)
    assert (second.returncode, _ran("miglint", second)) == (0, "Passed"), second.stdout + second.stderr


def test_hooks_import_nothing_from_the_repository(hooks: HookRepo, tmp_path: Path) -> None:
    # The hook's entry is the console script of pre-commit's environment for it.
    from test_entry_points import imported_by_a_run, plant

    launcher = Path(sys.executable).parent / "pre-commit"
    if not launcher.exists():
        pytest.skip("pre-commit's console script is not beside this Python")
    clean = _project(tmp_path / "clean", hooks)
    planted = _project(tmp_path / "planted", hooks)
    marker = tmp_path / "imported.txt"
    plant(planted, imported_by_a_run(), marker)
    _commit_all(planted, "plant modules", hooks.env)
    runs = []
    for project in (planted, clean):
        # pre-commit's own console script too: `python -m pre_commit` would import the plants
        runs.append(
            subprocess.run(
                [str(launcher), "run", "--all-files", "miglint", "--color", "never"],
                cwd=project,
                env=hooks.env,
                capture_output=True,
                text=True,
                timeout=300,
            )
        )
    assert not marker.exists()
    assert (runs[0].returncode, _ran("miglint", runs[0])) == (1, "Failed"), runs[0].stdout + runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
