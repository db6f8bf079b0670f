"""A warm `miglint lint` replayed from the memo (lint/replay.py): the same bytes and exit
status as the full run, and never once anything it looked at has changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from histories import write_project
from miglint import replay

# The console script, with the racy window closed: files written by the test a moment
# ago would otherwise keep every run from leaving a memo for two seconds.
SCRIPT = "import sys; from miglint import replay; replay.RACY_NS = 0; replay.run()"


def lint(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[str, str, int]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "lint", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return done.stdout, done.stderr, done.returncode


def memo(root: Path) -> Path:
    (found,) = (root / ".miglint_cache").glob("replay-*.json")
    return found


def tamper(root: Path) -> None:
    """Change the memo's text only: output holding it proves the run was served from it."""
    path = memo(root)
    stored = json.loads(path.read_text())
    stored["stdout"] = "served from the memo\n"
    path.write_text(json.dumps(stored))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path, ["a", "b<-a", "c<-a"])  # two heads: findings, exit 1
    return tmp_path


def test_replayed_run_is_byte_identical(project: Path) -> None:
    first = lint(project)
    assert first[2] == 1 and "MG102" in first[0]
    second = lint(project)
    assert second == first
    assert lint(project, "--format", "json") == lint(project, "--format", "json")
    tamper(project)
    assert lint(project, "--format", "json")[0] == "served from the memo\n"


@pytest.mark.parametrize("given", ["migrations", "migrations/versions", "./migrations/"])
def test_a_script_directory_given_without_configuration_is_replayed(project: Path, given: str) -> None:
    """No alembic.ini: the cache is the script directory's (hypothesis/h linted as
    `miglint lint h/migrations` from the top), and the next run looks for the memo there."""
    (project / "alembic.ini").unlink()
    first = lint(project, given)
    assert first[2] == 1 and "MG102" in first[0]
    assert not (project / ".miglint_cache").exists()
    (found,) = project.rglob("replay-*.json")  # in the directory given, or the script directory
    assert found.parent.parent in (project / "migrations", project / "migrations" / "versions")
    stored = json.loads(found.read_text())
    stored["stdout"] = "served from the memo\n"
    found.write_text(json.dumps(stored))
    assert lint(project, given)[0] == "served from the memo\n"


def test_served_only_while_nothing_changed(project: Path) -> None:
    lint(project)
    tamper(project)
    assert lint(project) == ("served from the memo\n", "", 1)
    versions = project / "migrations" / "versions"
    (versions / "0001_b.py").write_text((versions / "0001_b.py").read_text() + "# edited\n")
    edited = lint(project)
    assert edited[0] != "served from the memo\n" and "MG102" in edited[0]
    assert edited == lint(project, "--no-cache")


@pytest.mark.parametrize(
    "change",
    [
        # a new file in a listed directory: one head again
        lambda root: (root / "migrations" / "versions" / "0003_d.py").write_text(
            "revision = 'd'\ndown_revision = ('b', 'c')\n"
        ),
        # a configuration file where there was none
        lambda root: (root / "pyproject.toml").write_text('[tool.miglint]\nignore = ["MG102"]\n'),
        # a baseline file where there was none
        lambda root: (root / ".miglint-baseline.json").write_text("{}"),
    ],
    ids=["new-version-file", "new-configuration", "new-baseline"],
)
def test_new_files_end_the_replay(project: Path, change) -> None:  # type: ignore[no-untyped-def]
    lint(project)
    tamper(project)
    change(project)
    after = lint(project)
    assert after[0] != "served from the memo\n"
    assert after == lint(project, "--no-cache")


def test_other_environment_or_terminal_state_is_another_memo(project: Path) -> None:
    lint(project)
    tamper(project)
    assert lint(project, env={"NO_COLOR": "1"})[0] != "served from the memo\n"


def test_control_characters_are_never_replayed(project: Path) -> None:
    lint(project)
    path = memo(project)
    stored = json.loads(path.read_text())
    stored["stdout"] = "\x1b]0;title\x07 hidden\n"
    path.write_text(json.dumps(stored))
    assert "hidden" not in lint(project)[0]


def test_memo_outside_a_miglint_cache_directory_is_ignored(project: Path) -> None:
    lint(project)
    tamper(project)
    (project / ".miglint_cache" / ".gitignore").write_text("*\n")  # not miglint's marker
    assert lint(project)[0] != "served from the memo\n"


def test_explicit_cache_dir(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("elsewhere") / "cache"
    first = lint(project, "--cache-dir", str(cache))
    assert len(list(cache.glob("replay-*.json"))) == 1
    assert lint(project, "--cache-dir", str(cache)) == first
    assert not (project / ".miglint_cache").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["lint", "--fix"],
        ["lint", "--diff"],
        ["lint", "--format", "sarif"],
        ["lint", "--format=github"],
        ["lint", "-o", "report.json"],
        ["lint", "--against", "main"],
        ["lint", "--write-baseline"],
        ["lint", "--"],
        ["lint", "--cache-dir"],
        ["lint", "--concise=yes"],
        ["lint", "--jobs", "0"],
        ["lint", "-j", "two"],
        ["lint", "--fail-on", "info"],
        ["lint", "-j3"],
        ["lint", "-j=2"],
        ["graph"],
        [],
    ],
)
def test_only_plain_lint_is_replayed(argv: list[str]) -> None:
    """Nor run without click: what click would refuse, it refuses itself."""
    assert replay._plain(argv) is None


def test_plain_lint_command_lines() -> None:
    argv = [
        "lint",
        "a",
        "--cache-dir=/x",
        "--format",
        "json",
        "--select",
        "MG1,MG2",
        "--select=MG3",
        "--concise",
    ]
    plain = replay._plain([*argv, "--no-color", "-j", "2", "--fail-on", "warning", "--color", "b"])
    assert plain is not None and plain.cache_dir == "/x" and plain.replayable
    assert plain.arguments == {
        "paths": ("a", "b"),
        "cache_dir": Path("/x"),
        "output_format": "json",
        "select": ("MG1,MG2", "MG3"),  # split by lint(), as click passes them
        "extend_select": (),
        "ignore": (),
        "concise": True,
        "color": True,  # the last of --color / --no-color
        "jobs": 2,
        "fail_on": "warning",
    }


def test_no_cache_runs_without_click_but_is_not_replayed() -> None:
    plain = replay._plain(["lint", "--no-cache", "x"])
    assert plain is not None and not plain.replayable
    assert plain.arguments == {
        "paths": ("x",),
        "no_cache": True,
        "select": (),
        "extend_select": (),
        "ignore": (),
    }


@pytest.mark.parametrize(
    ("text", "terminal", "harmless"),
    [
        ("plain — ünïcode\n\ttab\n", False, True),
        ("\x1b[1;31merror\x1b[0m\n", True, True),
        ("\x1b[1;31merror\x1b[0m\n", False, False),
        ("\x1b[2J cleared\n", True, False),
        ("bell\x07\n", False, False),
        ("carriage\rreturn\n", False, False),
    ],
)
def test_harmless(text: str, terminal: bool, harmless: bool) -> None:
    assert replay._harmless(text, terminal) is harmless


RUNNER = "import subprocess\nsubprocess.run(['alembic', 'stamp', 'nosuchrevision'], check=True)\n"


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_in_a_git_repository_what_git_lists_is_witnessed(project: Path) -> None:
    """Runners are found by `git ls-files` there: a runner added, untracked, ends the replay."""
    git(project, "init", "-q")
    (project / "deploy" / "scripts").mkdir(parents=True)
    (project / "deploy" / "scripts" / "README").write_text("nothing listed here but by git\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "start")
    first = lint(project)
    assert len(list((project / ".miglint_cache").glob("replay-*.json"))) == 1
    tamper(project)
    assert lint(project)[0] == "served from the memo\n"
    (project / "deploy" / "scripts" / "start.py").write_text(RUNNER)
    after = lint(project)
    assert after[0] != "served from the memo\n"
    assert "MG303" in after[0] and "MG303" not in first[0]
    assert after == lint(project, "--no-cache")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_in_a_git_repository_the_index_is_witnessed(project: Path) -> None:
    git(project, "init", "-q")
    (project / "deploy").mkdir()
    (project / "deploy" / "start.py").write_text(RUNNER)
    (project / ".gitignore").write_text("deploy/\n.miglint_cache/\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "start")
    first = lint(project)
    assert "MG303" not in first[0]  # ignored, untracked: not a runner
    tamper(project)
    assert lint(project)[0] == "served from the memo\n"
    git(project, "add", "-f", "deploy/start.py")
    after = lint(project)
    assert "MG303" in after[0]
    assert after == lint(project, "--no-cache")


def test_miglint_s_own_modules_are_witnessed_imported_or_not(project: Path) -> None:
    """A warm run imports neither the parser nor the SQL reader; editing them in an
    editable checkout changes what a full run reports all the same."""
    import miglint

    lint(project)
    witnessed = {path for path, _ in json.loads(memo(project).read_text())["witnesses"]}
    package = Path(miglint.__file__).parent
    assert {
        str(package / "reading" / "parse.py"),
        str(package / "sql" / "__init__.py"),
        str(package / "docs.py"),
    } <= witnessed


def test_the_reading_libraries_are_witnessed(project: Path) -> None:
    """Another pglast or sqlglot may read the same files otherwise: no replay."""
    from miglint.reading.collect import library_files

    lint(project)
    witnessed = {path for path, _ in json.loads(memo(project).read_text())["witnesses"]}
    found = library_files()
    assert any(Path(p).parent.name == "sqlglot" for p in found)  # installed with miglint
    assert set(found) <= witnessed


def test_shell_completion_is_left_to_click(monkeypatch: pytest.MonkeyPatch) -> None:
    """With _MIGLINT_COMPLETE set, click answers the shell: the plain path must not lint."""
    assert replay._plain(["lint", "."]) is not None
    monkeypatch.setenv("_MIGLINT_COMPLETE", "bash_complete")
    assert replay._plain(["lint", "."]) is None
