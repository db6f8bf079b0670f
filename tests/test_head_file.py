"""The head file (MG120, `miglint init-head-file`) on real git repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import spec, version_source, write_project
from miglint.cli import main

PYPROJECT = '[tool.miglint]\nhead-file = "migrations/HEAD"\n'
VERSIONS = "migrations/versions"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=check)


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(cwd)
    return cli_runner().invoke(main, args)


def project(root: Path, history: list[str], head: str | None = None, pyproject: str = PYPROJECT) -> Path:
    write_project(root, history)
    (root / "pyproject.toml").write_text(pyproject)
    if head is not None:
        (root / "migrations" / "HEAD").write_text(head)
    return root / "migrations" / "HEAD"


def add(root: Path, name: str, entry: str) -> None:
    (root / VERSIONS / name).write_text(version_source(spec(entry)))


@needs_git
def test_two_branches_that_each_add_a_revision_conflict_on_the_head_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
    for key, value in (("user.name", "Test"), ("user.email", "t@example.com"), ("commit.gpgsign", "false")):
        git(repo, "config", key, value)
    project(repo, ["a"])
    assert run(["init-head-file"], repo, monkeypatch).exit_code == 0
    assert (repo / "migrations" / "HEAD").read_text() == "a\n"
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a")
    for branch, revision in (("one", "b1"), ("two", "b2")):
        git(repo, "checkout", "-q", "-b", branch, "main")
        add(repo, f"0001_{revision}.py", f"{revision}<-a")
        stale = run(["lint", "--no-cache"], repo, monkeypatch)
        assert stale.exit_code == 1
        assert stale.stdout.startswith(
            f"migrations/HEAD:1:1: MG120 the head file names a, which is not a head "
            f"and does not name the head {revision}\n"
        )
        fixed = run(["lint", "--no-cache", "--fix"], repo, monkeypatch)
        assert (fixed.exit_code, fixed.stdout) == (0, "All checks passed: 2 revisions in 1 environment.\n")
        assert (repo / "migrations" / "HEAD").read_text() == f"{revision}\n"
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", revision)
    git(repo, "checkout", "-q", "main")
    assert git(repo, "merge", "-q", "one").returncode == 0  # the first merge is a fast-forward
    merged = git(repo, "merge", "two", check=False)
    # without the head file git merges the two revisions silently into two heads
    assert merged.returncode == 1
    assert "CONFLICT (content): Merge conflict in migrations/HEAD" in merged.stdout
    conflicted = run(["lint", "--no-cache", "--select", "MG120"], repo, monkeypatch)
    assert conflicted.exit_code == 1
    assert conflicted.stdout.splitlines()[:2] == [
        "migrations/HEAD:1:1: MG120 the head file holds an unresolved git merge conflict: "
        "two branches each moved the head; the history's heads are b1, b2",
        "  help: make the history linear (miglint rebase <first revision of one branch> --onto <the "
        "other head>) or merge the heads (alembic merge), then run: miglint lint --fix",
    ]
    # resolved by making the history linear: the head file follows
    rebased = run(["rebase", "b2", "--onto", "b1", "--no-cache"], repo, monkeypatch)
    assert rebased.exit_code == 0
    assert rebased.stderr.splitlines()[-1] == "miglint: migrations/HEAD: wrote b2"
    assert (repo / "migrations" / "HEAD").read_text() == "b2\n"
    clean = run(["lint", "--no-cache"], repo, monkeypatch)
    assert (clean.exit_code, clean.stdout) == (0, "All checks passed: 3 revisions in 1 environment.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-edit")


def test_fix_creates_a_missing_head_file_and_a_second_run_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = project(tmp_path, ["a", "b2<-a", "b1<-a"])
    found = run(["lint", "--no-cache", "--select", "MG120"], tmp_path, monkeypatch)
    assert found.exit_code == 1
    assert found.stdout.splitlines()[0] == (
        "migrations/HEAD:1:1: MG120 the head file is missing; it must name the heads (b1, b2)"
    )
    fixed = run(["lint", "--no-cache", "--select", "MG120", "--fix"], tmp_path, monkeypatch)
    assert fixed.exit_code == 0 and fixed.stderr == "Fixed 1 finding in 1 file.\n"
    assert head.read_bytes() == b"b1\nb2\n"
    before = head.stat().st_mtime_ns
    again = run(["lint", "--no-cache", "--select", "MG120", "--fix"], tmp_path, monkeypatch)
    assert (again.exit_code, again.stderr) == (0, "")
    assert head.stat().st_mtime_ns == before


def test_a_head_file_in_another_order_with_crlf_is_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, ["a", "b1<-a", "b2<-a"], head="\r\n b2 \r\nb1\r\n")
    done = run(["lint", "--no-cache", "--select", "MG120"], tmp_path, monkeypatch)
    assert (done.exit_code, done.stdout) == (0, "All checks passed: 3 revisions in 1 environment.\n")


def test_the_cached_result_follows_the_head_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    head = project(tmp_path, ["a", "b<-a"], head="b\n")
    assert run(["lint", "--select", "MG120"], tmp_path, monkeypatch).exit_code == 0
    head.write_text("a\n")
    stale = run(["lint", "--select", "MG120"], tmp_path, monkeypatch)
    assert stale.exit_code == 1 and "MG120 the head file names a" in stale.stdout
    head.unlink()
    missing = run(["lint", "--select", "MG120"], tmp_path, monkeypatch)
    assert missing.exit_code == 1 and "MG120 the head file is missing" in missing.stdout


def test_init_head_file_writes_atomically_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = project(tmp_path, ["a", "b<-a"], head="a\n")
    done = run(["init-head-file", "--no-cache"], tmp_path, monkeypatch)
    assert (done.exit_code, done.stderr) == (0, "miglint: migrations/HEAD: wrote b\n")
    assert head.read_text() == "b\n"
    os.utime(head, ns=(1, 1))
    again = run(["init-head-file", "--no-cache"], tmp_path, monkeypatch)
    assert (again.exit_code, again.stderr) == (0, "miglint: migrations/HEAD: already names b\n")
    assert head.stat().st_mtime_ns == 1
    assert sorted(p.name for p in head.parent.iterdir()) == [
        "HEAD",
        "env.py",
        "versions",
    ]  # no temporary left


def test_init_head_file_without_configuration_says_what_to_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, ["a"])
    done = run(["init-head-file"], tmp_path, monkeypatch)
    assert done.exit_code == 2
    assert done.stderr == (
        'miglint: error: no head file is configured: add head-file = "migrations/HEAD" to [tool.miglint] '
        "(or to the environment's [[tool.miglint.environments]] entry)\n"
    )


def test_init_head_file_refuses_when_the_heads_are_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = project(tmp_path, ["a", "b<-gone"])
    done = run(["init-head-file"], tmp_path, monkeypatch)
    assert done.exit_code == 2
    assert (
        "the heads are unknown while a down_revision cannot be read or names a missing revision"
        in done.stderr
    )
    assert not head.exists()


def test_a_head_file_outside_the_repository_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    project(root, ["a"], pyproject='[tool.miglint]\nhead-file = "../HEAD"\n')
    for args in (["lint", "--no-cache"], ["init-head-file"]):
        done = run(args, root, monkeypatch)
        assert done.exit_code == 2
        assert "head-file '" in done.stderr and "is outside the repository" in done.stderr
    assert not (tmp_path / "HEAD").exists()


def test_each_environment_has_its_own_head_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, history in (("core", ["a", "b<-a"]), ("tenant", ["t"])):
        write_project(tmp_path / name, history)
    (tmp_path / "core" / "HEAD").write_text("b\n")
    (tmp_path / "pyproject.toml").write_text(
        "[[tool.miglint.environments]]\n"
        'name = "core"\nscript-location = "core/migrations"\nhead-file = "core/HEAD"\n'
        "[[tool.miglint.environments]]\n"
        'name = "tenant"\nscript-location = "tenant/migrations"\nhead-file = "tenant/HEAD"\n'
    )
    done = run(["lint", "--no-cache", "--select", "MG120"], tmp_path, monkeypatch)
    assert done.exit_code == 1
    assert (
        done.stdout.splitlines()[0]
        == "tenant/HEAD:1:1: MG120 the head file is missing; it must name the head (t)"
    )
    written = run(["init-head-file", "--env", "tenant"], tmp_path, monkeypatch)
    assert (written.exit_code, written.stderr) == (0, "miglint: tenant/HEAD: wrote t\n")


def test_one_head_file_for_several_environments_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("core", "tenant"):
        write_project(tmp_path / name, ["a"])
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    done = run(["lint", "--no-cache"], tmp_path, monkeypatch)
    assert done.exit_code == 2
    assert "[tool.miglint] head-file names the heads of one environment, and 2 use it" in done.stderr


def test_head_file_must_be_a_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, ["a"], pyproject="[tool.miglint]\nhead-file = 1\n")
    done = run(["lint", "--no-cache"], tmp_path, monkeypatch)
    assert done.exit_code == 2 and "head-file must be a string" in done.stderr


@needs_git
def test_with_against_the_head_file_is_not_compared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the graph linted is the merge's; the head file is the working tree's (see MG120's docs)
    project(tmp_path, ["a", "b<-a"], head="a\n")
    git(tmp_path, "init", "-q")
    for key, value in (("user.name", "Test"), ("user.email", "t@example.com"), ("commit.gpgsign", "false")):
        git(tmp_path, "config", key, value)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "b")
    assert run(["lint", "--no-cache"], tmp_path, monkeypatch).exit_code == 1
    merged = run(["lint", "--no-cache", "--against", "HEAD"], tmp_path, monkeypatch)
    assert (merged.exit_code, merged.stdout) == (0, "All checks passed: 2 revisions in 1 environment.\n")


def test_the_fix_in_json_replaces_the_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    project(tmp_path, ["a", "b<-a"], head="x\ny")  # no newline at the end
    done = run(["lint", "--no-cache", "--select", "MG120", "--format", "json"], tmp_path, monkeypatch)
    (found,) = json.loads(done.stdout)["diagnostics"]
    (edit,) = found["fix"]["edits"]
    assert edit["replacement"] == "b\n"
    assert (edit["line"], edit["column"], edit["end_line"], edit["end_column"]) == (1, 1, 2, 2)
