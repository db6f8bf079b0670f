"""`miglint lint --against REF` on real git repositories: the merge's graph, before the merge."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import spec, version_source, write_project
from miglint.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

VERSIONS = "migrations/versions"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def new_repo(tmp_path: Path, history: list[str], project: str = "") -> Path:
    """A repository whose `main` holds an Alembic project (in `project`) with `history`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
    for key, value in (
        ("user.name", "Test"),
        ("user.email", "test@example.com"),
        ("commit.gpgsign", "false"),
    ):
        git(repo, "config", key, value)
    write_project(repo / project, history)
    commit(repo, "base")
    return repo


def write(repo: Path, name: str, history_entry: str, project: str = "") -> None:
    (repo / project / VERSIONS / name).write_text(version_source(spec(history_entry)))


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(cwd)
    return cli_runner().invoke(main, args)


def note(files: int) -> str:
    """The line on stderr that says what was linted."""
    counted = f"{files} version file{'' if files == 1 else 's'}"
    return f"miglint: linting the merge of the working tree into main ({counted} from main)\n"


def heads_error(path: str, head: str) -> list[str]:
    # b's branch is not on main: it may be rebased onto c instead of merged
    rebase = " (or, as this branch is not on main, make the history linear: miglint rebase b --onto c)"
    return [
        f"{path}:13:12: MG102 revision {head} is one of 2 heads (b, c), which diverged at a",
        # c is not in the checkout: `alembic merge ... b c` here would not find it
        "  help: c is only in main: merge or rebase main first, "
        'then run: alembic merge -m "merge heads b and c" b c' + (rebase if head == "b" else ""),
    ]


FORK = [
    f"{VERSIONS}/0002_b.py:14:17: MG123 revision b revises a, which main already continues with c: "
    "merged, the history has 2 heads (b, c)",
    "  help: merge main into this branch, then keep the history linear: miglint rebase b --onto c "
    "(or add a merge revision joining the heads)",
]


def two_branches(tmp_path: Path) -> Path:
    """main: base <- a <- c; feature (checked out): base <- a <- b, forked before c."""
    repo = new_repo(tmp_path, ["base", "a<-base"])
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "0002_b.py", "b<-a")
    commit(repo, "add b")
    git(repo, "checkout", "-q", "main")
    write(repo, "0002_c.py", "c<-a")
    commit(repo, "add c")
    git(repo, "checkout", "-q", "feature")
    return repo


def test_a_second_head_is_found_before_the_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = two_branches(tmp_path)
    alone = run(["lint"], repo, monkeypatch)
    assert (alone.exit_code, alone.stdout) == (0, "All checks passed: 3 revisions in 1 environment.\n")

    merged = run(["lint", "--against", "main"], repo, monkeypatch)
    assert merged.exit_code == 1
    assert merged.stdout.splitlines() == [
        *heads_error(f"main:{VERSIONS}/0002_c.py", "c"),
        *heads_error(f"{VERSIONS}/0002_b.py", "b"),
        *FORK,
        "",
        "Found 3 errors in 4 revisions in 1 environment.",
    ]
    assert (
        merged.stderr
        == "miglint: linting the merge of the working tree into main (1 version file from main)\n"
    )

    as_json = json.loads(run(["lint", "--against", "main", "--format", "json"], repo, monkeypatch).stdout)
    found = [
        (d["code"], d["path"], d["revisions"], [r["path"] for r in d["related"]])
        for d in as_json["diagnostics"]
    ]
    assert found == [
        ("MG102", f"main:{VERSIONS}/0002_c.py", ["b", "c"], [f"{VERSIONS}/0002_b.py"]),
        ("MG102", f"{VERSIONS}/0002_b.py", ["b", "c"], [f"main:{VERSIONS}/0002_c.py"]),
        ("MG123", f"{VERSIONS}/0002_b.py", ["b", "c"], [f"main:{VERSIONS}/0002_c.py"]),
    ]
    assert as_json["summary"]["environments"][0]["heads"] == ["b", "c"]

    # the merge's results are not cached as the working tree's
    again = run(["lint"], repo, monkeypatch)
    assert (again.exit_code, again.stdout) == (0, "All checks passed: 3 revisions in 1 environment.\n")


def test_the_merge_revision_makes_the_merge_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = two_branches(tmp_path)
    write(repo, "0003_m.py", "m<-b,c")
    commit(repo, "merge heads b and c")

    merged = run(["lint", "--against", "main"], repo, monkeypatch)
    assert (merged.exit_code, merged.stdout) == (0, "All checks passed: 5 revisions in 1 environment.\n")
    assert merged.stderr == note(1)
    # alone, the branch names a parent it does not have yet
    alone = run(["lint", "--concise", "--select", "MG103"], repo, monkeypatch)
    assert (alone.exit_code, alone.stdout.splitlines()[0]) == (
        1,
        f"{VERSIONS}/0003_m.py:14:17: MG103 down_revision of m names 'c', "
        "which is not a revision in this environment",
    )


def test_a_revision_picked_from_there_is_the_working_tree_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_branches(tmp_path)
    git(repo, "cherry-pick", "main")

    merged = run(["lint", "--against", "main", "--concise"], repo, monkeypatch)
    assert merged.stdout.splitlines()[:3] == [
        f"{VERSIONS}/0002_b.py:13:12: MG102 revision b is one of 2 heads (b, c), which diverged at a",
        FORK[0],
        f"{VERSIONS}/0002_c.py:13:12: MG102 revision c is one of 2 heads (b, c), which diverged at a",
    ]
    assert merged.stderr == note(0)


def test_a_file_deleted_here_and_untouched_there_stays_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "b<-a"])
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "rm", "-q", f"{VERSIONS}/0002_b.py")
    write(repo, "0002_b2.py", "b2<-a")
    commit(repo, "replace b with b2")
    git(repo, "checkout", "-q", "main")
    (repo / "README").write_text("main moves on elsewhere\n")
    commit(repo, "docs")
    git(repo, "checkout", "-q", "feature")

    # merged, b is gone; and b is on main: databases there are at b (MG122)
    merged = run(["lint", "--against", "main", "--concise"], repo, monkeypatch)
    assert merged.stdout.splitlines() == [
        f"main:{VERSIONS}/0002_b.py:13:12: MG122 revision b is on main and was deleted here: "
        "databases at b can no longer be upgraded",
        "",
        "Found 1 error in 3 revisions in 1 environment.",
    ]
    assert merged.stderr == note(0)
    assert run(["lint", "--against", "main", "--ignore", "MG122"], repo, monkeypatch).stdout == (
        "All checks passed: 3 revisions in 1 environment.\n"
    )

    # but when main changed it meanwhile, the merge keeps main's (a modify/delete conflict)
    git(repo, "checkout", "-q", "main")
    source = (repo / VERSIONS / "0002_b.py").read_text()
    (repo / VERSIONS / "0002_b.py").write_text(
        source.replace("def upgrade():\n    pass", "def upgrade():\n    op.f()")
    )
    commit(repo, "change b")
    git(repo, "checkout", "-q", "feature")
    merged = run(["lint", "--against", "main", "--concise"], repo, monkeypatch)
    assert merged.exit_code == 1
    assert merged.stdout.splitlines() == [
        f"main:{VERSIONS}/0002_b.py:13:12: MG102 revision b is one of 2 heads (b, b2), which diverged at a",
        f"{VERSIONS}/0002_b2.py:13:12: MG102 revision b2 is one of 2 heads (b, b2), which diverged at a",
        f"{VERSIONS}/0002_b2.py:14:17: MG123 revision b2 revises a, which main already continues with b: "
        "merged, the history has 2 heads (b, b2)",
        "",
        "Found 3 errors in 4 revisions in 1 environment.",
    ]


def test_a_file_deleted_there_and_untouched_here_is_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "b<-a"])
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "0003_c.py", "c<-b")
    commit(repo, "add c")
    git(repo, "checkout", "-q", "main")
    git(repo, "rm", "-q", f"{VERSIONS}/0002_b.py")
    write(repo, "0002_b2.py", "b2<-a")
    commit(repo, "replace b with b2")
    git(repo, "checkout", "-q", "feature")

    merged = run(["lint", "--against", "main", "--concise"], repo, monkeypatch)
    assert merged.exit_code == 1
    assert merged.stdout.splitlines() == [
        f"{VERSIONS}/0003_c.py:14:17: MG103 down_revision of c names 'b', which is not a revision in this environment",
        "",
        "Found 1 error in 4 revisions in 1 environment.",
    ]
    assert merged.stderr == (
        "miglint: linting the merge of the working tree into main "
        "(1 version file from main; 1 version file deleted there)\n"
    )


def test_a_file_deleted_on_both_sides_is_deleted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "b<-a"])
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "rm", "-q", f"{VERSIONS}/0002_b.py")
    commit(repo, "drop b here")
    git(repo, "checkout", "-q", "main")
    git(repo, "rm", "-q", f"{VERSIONS}/0002_b.py")
    write(repo, "0002_c.py", "c<-a")
    commit(repo, "drop b there, add c")
    git(repo, "checkout", "-q", "feature")

    merged = run(["lint", "--against", "main"], repo, monkeypatch)
    assert (merged.exit_code, merged.stdout) == (0, "All checks passed: 3 revisions in 1 environment.\n")
    assert merged.stderr == note(1)


def test_a_file_changed_there_and_untouched_here_is_theirs_without_fixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "b<-a"])
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "0003_c.py", "c<-b")
    commit(repo, "add c")
    git(repo, "checkout", "-q", "main")
    source = (repo / VERSIONS / "0002_b.py").read_text()
    (repo / VERSIONS / "0002_b.py").write_text(source.replace("Revises: a", "Revises: zz"))
    commit(repo, "b's docstring goes wrong")
    git(repo, "checkout", "-q", "feature")

    merged = run(["lint", "--against", "main", "--format", "json"], repo, monkeypatch)
    assert merged.exit_code == 0  # MG106 is a warning
    found = [
        (d["code"], d["path"], d["line"], d["revisions"], d["fix"])
        for d in json.loads(merged.stdout)["diagnostics"]
    ]
    assert found == [("MG106", f"main:{VERSIONS}/0002_b.py", 4, ["b"], None)]
    # the fix would edit a file that is not in the working tree: none is offered
    diff = run(["lint", "--against", "main", "--diff"], repo, monkeypatch)
    assert (diff.exit_code, diff.stdout) == (0, "")
    assert diff.stderr.splitlines()[-1] == "Would fix 0 findings in 0 files."
    assert (repo / VERSIONS / "0002_b.py").read_text() == source


def test_a_file_changed_on_both_sides_is_the_working_tree_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "b<-a"])
    source = (repo / VERSIONS / "0002_b.py").read_text()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / VERSIONS / "0002_b.py").write_text(source.replace("Revises: a", "Revises: zz"))
    commit(repo, "b's docstring goes wrong here")
    git(repo, "checkout", "-q", "main")
    (repo / VERSIONS / "0002_b.py").write_text(
        source.replace("def upgrade():\n    pass", "def upgrade():\n    op.f()")
    )
    commit(repo, "b changes there")
    git(repo, "checkout", "-q", "feature")

    merged = run(["lint", "--against", "main", "--format", "json"], repo, monkeypatch)
    found = [(d["code"], d["path"], d["fix"] is not None) for d in json.loads(merged.stdout)["diagnostics"]]
    assert found == [("MG106", f"{VERSIONS}/0002_b.py", True)]
    assert merged.stderr == note(0)


def test_a_revision_on_a_parent_renamed_here_is_a_missing_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base"])
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "rm", "-q", f"{VERSIONS}/0001_a.py")
    write(repo, "0001_a1.py", "a1<-base")
    commit(repo, "rename revision a to a1")
    git(repo, "checkout", "-q", "main")
    write(repo, "0002_c.py", "c<-a")
    commit(repo, "add c")
    git(repo, "checkout", "-q", "feature")

    assert run(["lint"], repo, monkeypatch).exit_code == 0
    merged = run(["lint", "--against", "main"], repo, monkeypatch)
    assert merged.exit_code == 1
    assert merged.stdout.splitlines() == [
        f"main:{VERSIONS}/0001_a.py:13:12: MG122 revision a is on main and was deleted here: "
        "databases at a can no longer be upgraded",
        f"  help: restore it: git checkout main -- {VERSIONS}/0001_a.py",
        f"main:{VERSIONS}/0002_c.py:14:17: MG103 down_revision of c names 'a', "
        "which is not a revision in this environment",
        "  help: did you mean 'a1' (the only revision id starting with 'a')?",
        "",
        "Found 2 errors in 3 revisions in 1 environment.",
    ]


def test_uncommitted_files_count_and_ref_paths_are_from_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base"], project="service")
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "checkout", "-q", "main")
    write(repo, "0002_c.py", "c<-a", project="service")
    commit(repo, "add c")
    git(repo, "checkout", "-q", "feature")
    write(repo, "0002_b.py", "b<-a", project="service")  # not even added to the index

    merged = run(["lint", "--against", "main", "--concise"], repo / "service", monkeypatch)
    assert merged.exit_code == 1
    assert merged.stdout.splitlines() == [
        f"main:service/{VERSIONS}/0002_c.py:13:12: MG102 revision c is one of 2 heads (b, c), which diverged at a",
        f"{VERSIONS}/0002_b.py:13:12: MG102 revision b is one of 2 heads (b, c), which diverged at a",
        FORK[0],
        "",
        "Found 3 errors in 4 revisions in 1 environment.",
    ]


def test_unrelated_histories_merge_from_an_empty_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base"])
    git(repo, "checkout", "-q", "--orphan", "other")
    git(repo, "rm", "-q", "-r", "--cached", ".")
    (repo / VERSIONS / "0000_base.py").unlink()
    (repo / VERSIONS / "0001_a.py").unlink()
    write(repo, "0000_z.py", "z")
    commit(repo, "another history")
    git(repo, "checkout", "-q", "main")

    merged = run(["lint", "--against", "other", "--select", "MG105", "--concise"], repo, monkeypatch)
    assert merged.exit_code == 1
    assert merged.stdout.splitlines() == [
        f"{VERSIONS}/0000_base.py:14:17: MG105 revision base is one of 2 unlabelled bases (base, z)",
        f"other:{VERSIONS}/0000_z.py:14:17: MG105 revision z is one of 2 unlabelled bases (base, z)",
        "",
        "Found 2 errors in 3 revisions in 1 environment.",
    ]
    assert merged.stderr.endswith("(1 version file from other)\n")


@pytest.mark.parametrize("recursive", [True, False])
def test_sub_directories_of_there_are_read_as_alembic_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recursive: bool
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base"])
    if recursive:
        with (repo / "alembic.ini").open("a") as ini:
            ini.write("recursive_version_locations = true\n")
        commit(repo, "recursive")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "0002_b.py", "b<-a")
    commit(repo, "add b")
    git(repo, "checkout", "-q", "main")
    (repo / VERSIONS / "2025").mkdir()
    write(repo, "2025/0002_c.py", "c<-a")
    (repo / VERSIONS / "__pycache__").mkdir()
    write(repo, "__pycache__/0002_d.py", "d<-a")  # committed by mistake; never loaded
    commit(repo, "add c in a sub-directory")
    git(repo, "checkout", "-q", "feature")

    merged = run(["lint", "--against", "main", "--concise"], repo, monkeypatch)
    if recursive:
        assert merged.stdout.splitlines()[0] == (
            f"main:{VERSIONS}/2025/0002_c.py:13:12: MG102 revision c is one of 2 heads (b, c), which diverged at a"
        )
        assert merged.stderr.endswith("(1 version file from main)\n")
    else:
        assert (merged.exit_code, merged.stdout) == (0, "All checks passed: 3 revisions in 1 environment.\n")
        assert merged.stderr.endswith("(0 version files from main)\n")


def test_an_unknown_ref_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = new_repo(tmp_path, ["base"])
    result = run(["lint", "--against", "origin/nope"], repo, monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "miglint: error: --against origin/nope: unknown revision: no branch, tag or commit of that name "
        "in this repository (fetch it first, e.g. `git fetch origin main`)\n"
    )
    # taken as REF, never as an option to git
    result = run(["lint", "--against", "--help"], repo, monkeypatch)
    assert (result.exit_code, result.stderr) == (
        2,
        "miglint: error: --against '--help': not a git revision\n",
    )


def test_a_shallow_clone_without_the_merge_base_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_branches(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", repo.as_uri(), str(clone))
    git(clone, "checkout", "-q", "feature")
    result = run(["lint", "--against", "origin/main"], clone, monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "miglint: error: --against origin/main: no merge base with HEAD in this shallow clone; fetch more "
        "history (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout)\n"
    )
    git(clone, "fetch", "-q", "--unshallow")
    result = run(["lint", "--against", "origin/main", "--concise"], clone, monkeypatch)
    assert result.stdout.splitlines()[:3] == [
        f"{VERSIONS}/0002_b.py:13:12: MG102 revision b is one of 2 heads (b, c), which diverged at a",
        FORK[0].replace("main", "origin/main"),
        f"origin/main:{VERSIONS}/0002_c.py:13:12: MG102 revision c is one of 2 heads (b, c), which diverged at a",
    ]


def test_outside_a_repository_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path / "plain", ["base"])
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # whatever holds tmp_path is not asked
    result = run(["lint", "--against", "main"], tmp_path / "plain", monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"miglint: error: --against main: {Path.cwd()} is not inside a git repository\n"


def test_without_git_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = new_repo(tmp_path, ["base"])
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    result = run(["lint", "--against", "main"], repo, monkeypatch)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "miglint: error: --against needs git, which is not installed (or not on PATH)\n"
