"""MG121-MG123 with `--against REF` on real git histories: deployed history is not rewritten."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_against import FORK, VERSIONS, commit, git, new_repo, run, two_branches, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / VERSIONS / name
    source = path.read_text()
    assert old in source
    path.write_text(source.replace(old, new))


def test_an_edited_upgrade_of_a_revision_on_ref_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "b<-a"])
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo, "0002_b.py", "def upgrade():\n    pass", "def upgrade():\n    op.drop_table('t')")
    # comments, blank lines and downgrade() are not what databases ran
    edit(repo, "0001_a.py", "def upgrade():\n    pass", "def upgrade():\n\n    # nothing to do\n    pass")
    edit(repo, "0000_base.py", "def downgrade():\n    pass", "def downgrade():\n    op.drop_table('x')")
    commit(repo, "edit released revisions")

    merged = run(["lint", "--against", "main"], repo, monkeypatch)
    assert merged.exit_code == 1
    assert merged.stdout.splitlines() == [
        f"{VERSIONS}/0002_b.py:19:1: MG121 revision b is on main, and its upgrade() changed here: "
        "databases already at b or past it never run the new version",
        '  help: restore b as main has it and put the change in a new revision (alembic revision -m "...")',
        "",
        "Found 1 error in 3 revisions in 1 environment.",
    ]
    found = json.loads(run(["lint", "--against", "main", "--format", "json"], repo, monkeypatch).stdout)
    (diagnostic,) = found["diagnostics"]
    assert [(r["path"], r["line"], r["message"]) for r in diagnostic["related"]] == [
        (f"main:{VERSIONS}/0002_b.py", 19, "upgrade() on main")
    ]
    # alone, nothing is compared
    assert run(["lint"], repo, monkeypatch).exit_code == 0


def test_an_upgrade_changed_on_ref_and_left_alone_here_is_not_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "b<-a"])
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "0003_c.py", "c<-b")
    commit(repo, "add c")
    git(repo, "checkout", "-q", "main")
    edit(repo, "0002_b.py", "def upgrade():\n    pass", "def upgrade():\n    op.f()")
    commit(repo, "b changes on main")
    git(repo, "checkout", "-q", "feature")
    merged = run(["lint", "--against", "main"], repo, monkeypatch)
    assert (merged.exit_code, merged.stdout) == (0, "All checks passed: 4 revisions in 1 environment.\n")


def test_a_changed_revision_id_is_reported_on_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "b<-a"])
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo, "0002_b.py", "revision = 'b'", "revision = 'b2'")
    commit(repo, "renumber b")

    merged = run(["lint", "--against", "main", "--select", "MG122"], repo, monkeypatch)
    assert merged.exit_code == 1
    assert merged.stdout.splitlines() == [
        f"{VERSIONS}/0002_b.py:13:12: MG122 revision b is on main, and its file now says b2: "
        "databases at b can no longer be upgraded",
        '  help: put back revision = "b"; released ids never change',
        "",
        "Found 1 error in 3 revisions in 1 environment.",
    ]


def test_a_deleted_revision_is_annotated_on_its_child_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "b<-a"])
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "rm", "-q", f"{VERSIONS}/0001_a.py")
    edit(repo, "0002_b.py", "down_revision = 'a'", "down_revision = 'base'")
    commit(repo, "squash a away")

    text = run(["lint", "--against", "main", "--select", "MG122"], repo, monkeypatch)
    assert text.stdout.splitlines()[:2] == [
        f"main:{VERSIONS}/0001_a.py:13:12: MG122 revision a is on main and was deleted here: "
        "databases at a can no longer be upgraded",
        f"  help: restore it: git checkout main -- {VERSIONS}/0001_a.py",
    ]
    github = run(["lint", "--against", "main", "--select", "MG122", "--format", "github"], repo, monkeypatch)
    # no child revises a any more: the nearest revision of the checkout is not in the graph either,
    # so the finding stays where it is; with a child, it moves there
    assert f"(in main:{VERSIONS}/0001_a.py:13)" not in github.stdout
    assert github.stdout.startswith(f"::error file=main%3A{VERSIONS}/0001_a.py,line=13")

    edit(repo, "0002_b.py", "down_revision = 'base'", "down_revision = 'a'")
    commit(repo, "b still revises a")
    github = run(["lint", "--against", "main", "--select", "MG122", "--format", "github"], repo, monkeypatch)
    assert github.stdout.startswith(f"::error file={VERSIONS}/0002_b.py,line=14,col=17")
    assert f"(in main:{VERSIONS}/0001_a.py:13)" in github.stdout


def test_a_revision_inserted_before_one_on_ref_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo(tmp_path, ["base", "a<-base", "c<-a"])
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "0001_b.py", "b<-a")
    edit(repo, "0002_c.py", "down_revision = 'a'", "down_revision = 'b'")
    edit(repo, "0002_c.py", "Revises: a", "Revises: b")
    commit(repo, "insert b before c")

    alone = run(["lint"], repo, monkeypatch)
    assert alone.exit_code == 0  # a linear history on its own
    merged = run(["lint", "--against", "main"], repo, monkeypatch)
    assert merged.exit_code == 1
    assert merged.stdout.splitlines() == [
        f"{VERSIONS}/0001_b.py:14:17: MG123 revision b is inserted before c, which main already has: "
        "databases already at c never run b",
        "  help: make b revise main's head instead, and leave c as main has it",
        "",
        "Found 1 error in 4 revisions in 1 environment.",
    ]


def test_a_fork_is_reported_on_the_new_revision_not_on_ref_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_branches(tmp_path)
    write(repo, "0003_d.py", "d<-b")  # the branch goes on: its first revision is the one to rebase
    commit(repo, "add d")
    merged = run(["lint", "--against", "main", "--select", "MG123"], repo, monkeypatch)
    assert merged.stdout.splitlines()[:2] == [
        FORK[0].replace("heads (b, c)", "heads (c, d)"),
        FORK[1],
    ]
    assert "Found 1 error in 5 revisions" in merged.stdout


def test_rebasing_the_branch_onto_ref_s_head_makes_the_merge_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_branches(tmp_path)
    git(repo, "merge", "-q", "--no-edit", "main")
    assert run(["rebase", "b", "--onto", "c"], repo, monkeypatch).exit_code == 0
    commit(repo, "rebase b onto c")
    merged = run(["lint", "--against", "main"], repo, monkeypatch)
    assert (merged.exit_code, merged.stdout) == (0, "All checks passed: 4 revisions in 1 environment.\n")
