"""What a repository commits cannot make miglint write outside its cache, delete files
it did not write, hang, or trust a stale record: the cache directory, the files in it,
version files that are not regular files, and --fix on a symbolic link."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import cli_runner
from histories import copy_bundled_example, revisions_with_imported_labels, write_project
from miglint.cli import main
from miglint.reading import collect as collect_module
from miglint.reading.collect import SIGNATURE, collect

ROOT = Path(__file__).resolve().parent.parent
TWO_HEADS = ROOT / "examples" / "two-heads"
VERSIONS = Path("migrations") / "versions"
HEADS_REPORT = (TWO_HEADS / "expected.txt").read_text().replace("[exit 1]\n", "")

posix_only = pytest.mark.skipif(
    os.name != "posix", reason="FIFOs, devices and symbolic links as POSIX has them"
)


def lint(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(project)
    return cli_runner().invoke(main, ["lint", *args])


def lint_process(project: Path, *args: str, command: str = "lint") -> subprocess.CompletedProcess[str]:
    """A separate miglint, bounded in time and memory: what these tests guard against is a
    run that blocks on a FIFO or reads /dev/zero until memory runs out."""

    def bounded() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "miglint", command, *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=bounded,
    )


def two_heads(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    copy_bundled_example(TWO_HEADS, project)
    return project


def tree(directory: Path) -> dict[str, bytes | str]:
    """Every entry under `directory`: a file's bytes, a link's target."""
    found: dict[str, bytes | str] = {}
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        found[name] = f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes()
    return found


# -- the cache directory -----------------------------------------------------------------------


@posix_only
def test_a_committed_cache_link_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = two_heads(tmp_path)
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    (elsewhere / "records-notes.pickle").write_bytes(b"not miglint's")
    (project / ".miglint_cache").symlink_to(elsewhere)
    for _ in range(2):
        result = lint(project, monkeypatch)
        assert (result.exit_code, result.stdout) == (1, HEADS_REPORT)
        assert result.stderr == (
            "miglint: warning: not using the cache directory .miglint_cache: it is a symbolic link\n"
        )
    assert tree(elsewhere) == {"records-notes.pickle": b"not miglint's"}
    assert (project / ".miglint_cache").is_symlink()


@pytest.mark.parametrize("how", ["option", "pyproject"])
def test_a_foreign_cache_dir_is_never_cleaned_nor_written(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = two_heads(tmp_path)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    mine = {"records-2024.pickle": b"a user's", "index-old.pickle": b"data", "notes.txt": b"keep"}
    for name, data in mine.items():
        (foreign / name).write_bytes(data)
    args: list[str] = []
    if how == "option":
        args = ["--cache-dir", str(foreign)]
    else:
        (project / "pyproject.toml").write_text('[tool.miglint]\ncache-dir = "../foreign"\n')
    result = lint(project, monkeypatch, *args)
    assert (result.exit_code, result.stdout) == (1, HEADS_REPORT)
    why = (
        "it holds files and miglint did not create it (no .gitignore written by miglint)"
        if how == "option"
        else "cache-dir in the project's configuration points outside the repository"
    )
    assert result.stderr == f"miglint: warning: not using the cache directory ../foreign: {why}\n"
    assert tree(foreign) == mine


@posix_only
@pytest.mark.parametrize(
    ("configured", "used"),
    [
        (".cache/miglint", True),
        ("{elsewhere}/cache", False),  # absolute
        ("../elsewhere/cache", False),
        ("link/cache", False),  # a committed link in the path
    ],
)
def test_a_configured_cache_dir_stays_inside_the_repository(
    configured: str, used: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = two_heads(tmp_path)
    (project / ".git").mkdir()  # the repository's top-level
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "link").symlink_to(elsewhere)
    configured = configured.format(elsewhere=elsewhere.as_posix())
    (project / "pyproject.toml").write_text(f'[tool.miglint]\ncache-dir = "{configured}"\n')
    result = lint(project, monkeypatch)
    assert (result.exit_code, result.stdout) == (1, HEADS_REPORT)
    assert list(elsewhere.iterdir()) == []
    if used:
        assert result.stderr == ""
        assert (project / configured / ".gitignore").read_bytes().startswith(SIGNATURE)
    else:
        assert result.stderr.startswith("miglint: warning: not using the cache directory ")
        assert result.stderr.endswith(
            ": cache-dir in the project's configuration points outside the repository\n"
        )


def test_an_empty_or_missing_directory_becomes_miglints_and_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = two_heads(tmp_path)
    for cache in (tmp_path / "empty", tmp_path / "missing" / "cache"):
        if cache.name == "empty":
            cache.mkdir()
        for _ in range(2):
            result = lint(project, monkeypatch, "--cache-dir", str(cache))
            assert (result.exit_code, result.stdout, result.stderr) == (1, HEADS_REPORT, "")
        assert (cache / ".gitignore").read_bytes() == SIGNATURE + b"\n*\n"
        assert {"index", "records", "results"} <= {p.name.split("-")[0] for p in cache.glob("*.pickle")}


@posix_only
def test_a_gitignore_link_in_the_cache_is_never_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = two_heads(tmp_path)
    victim = tmp_path / "profile"  # does not exist: write_text would create it through the link
    (project / ".miglint_cache").mkdir()
    (project / ".miglint_cache" / ".gitignore").symlink_to(victim)
    result = lint(project, monkeypatch)
    assert (result.exit_code, result.stdout) == (1, HEADS_REPORT)
    assert "not using the cache directory .miglint_cache: it holds files" in result.stderr
    assert not victim.exists()


@posix_only
def test_links_fifos_and_devices_inside_the_cache_are_replaced_never_read(tmp_path: Path) -> None:
    project = two_heads(tmp_path)
    first = lint_process(project)
    assert (first.returncode, first.stdout, first.stderr) == (1, HEADS_REPORT, "")
    cache = project / ".miglint_cache"
    outside = tmp_path / "outside"
    outside.mkdir()
    stored = sorted(cache.glob("*.pickle"))
    assert len(stored) >= 3
    for number, path in enumerate(stored):
        path.unlink()
        if number == 0:
            os.mkfifo(path)  # opening it would block
        elif number == 1:
            path.symlink_to("/dev/zero")  # reading it would never end
        else:
            (outside / path.name).write_bytes(b"precious")
            path.symlink_to(outside / path.name)
    second = lint_process(project)
    assert (second.returncode, second.stdout, second.stderr) == (1, HEADS_REPORT, "")
    assert tree(outside) == {path.name: b"precious" for path in stored[2:]}
    assert all(p.is_file() and not p.is_symlink() for p in cache.glob("*.pickle"))


# -- trusting the index: size and mtime are not enough ----------------------------------------


def _age_index(cache: Path, seconds: int = 10) -> None:
    """As if the index had been written `seconds` later: its entries have settled."""
    (index,) = cache.glob("index-*.pickle")
    later = time.time_ns() + seconds * 1_000_000_000
    os.utime(index, ns=(later, later))


def test_an_edit_behind_a_restored_mtime_is_seen(tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a"])
    paths = sorted(files.values())
    cache = tmp_path / "cache"
    assert [r.down_revision.ids for r in collect(paths, cache)] == [(), ("a",)]  # type: ignore[union-attr]
    _age_index(cache)
    before = os.stat(files["b"])
    # same size, mtime put back: `touch -r`, an editor or a checkout tool that keeps times
    files["b"].write_text(files["b"].read_text().replace("down_revision = 'a'", "down_revision = 'x'"))
    os.utime(files["b"], ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(files["b"]).st_size == before.st_size
    assert [r.down_revision.ids for r in collect(paths, cache)] == [(), ("x",)]  # type: ignore[union-attr]


def test_a_racy_entry_is_digested_again_until_it_has_settled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file system that keeps neither ctime nor inode apart (some network and FAT
    # mounts): only the index's own age tells a same-tick edit from no edit.
    real_stat = Path.stat

    def coarse(path: Path, *args: object, **kwargs: object) -> object:
        info = real_stat(path, *args, **kwargs)  # type: ignore[arg-type]
        if path.suffix != ".py":
            return info
        return SimpleNamespace(
            st_mode=info.st_mode, st_size=info.st_size, st_mtime_ns=info.st_mtime_ns, st_ctime_ns=0, st_ino=0
        )

    monkeypatch.setattr(Path, "stat", coarse)
    files = write_project(tmp_path, ["a", "b<-a"])
    paths = sorted(files.values())
    cache = tmp_path / "cache"
    collect(paths, cache)
    before = os.stat(files["b"])
    files["b"].write_text(files["b"].read_text().replace("down_revision = 'a'", "down_revision = 'x'"))
    os.utime(files["b"], ns=(before.st_atime_ns, before.st_mtime_ns))  # the same tick
    assert collect(paths, cache)[1].down_revision.ids == ("x",)  # type: ignore[union-attr]

    _age_index(cache)  # settled: the stat is trusted, nothing is read
    read = []
    real = collect_module.read_regular
    monkeypatch.setattr(
        collect_module, "read_regular", lambda path, **kw: read.append(path) or real(path, **kw)
    )
    assert collect(paths, cache)[1].down_revision.ids == ("x",)  # type: ignore[union-attr]
    assert [path for path in read if path in paths] == []


@pytest.mark.parametrize(
    "entry",
    [(), "abc", 7, ["digest"], ("digest",), "stat", "stat+int", "stat+list"],
)
def test_a_malformed_index_entry_is_not_trusted(entry: object, tmp_path: Path) -> None:
    # the index is a pickle of builtins: a committed one can hold any shape
    files = write_project(tmp_path, ["a", "b<-a"])
    paths = sorted(files.values())
    cache = tmp_path / "cache"
    expected = collect(paths, cache)
    _age_index(cache)
    (index,) = cache.glob("index-*.pickle")
    info = os.stat(files["b"])
    stat = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    shapes = {"stat": stat, "stat+int": (*stat, 7), "stat+list": (*stat, ["x"])}
    header = pickle.loads(index.read_bytes())
    header["value"][str(files["b"])] = shapes.get(entry, entry) if isinstance(entry, str) else entry
    later = index.stat().st_mtime_ns
    index.write_bytes(pickle.dumps(header))
    os.utime(index, ns=(later, later))
    assert collect(paths, cache) == expected


# -- version files that are not regular files -------------------------------------------------


@posix_only
@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
def test_fifos_devices_and_links_to_them_are_findings_never_read(cache: bool, tmp_path: Path) -> None:
    project = two_heads(tmp_path)
    versions = project / VERSIONS
    os.mkfifo(versions / "0001_fifo.py")
    (versions / "0002_zero.py").symlink_to("/dev/zero")
    (versions / "0003_random.py").symlink_to("/dev/urandom")
    args = [] if cache else ["--no-cache"]
    for _ in range(2 if cache else 1):
        result = lint_process(project, *args, "--concise")
        assert result.returncode == 1
        assert result.stderr == ""
        assert result.stdout.splitlines()[:3] == [
            f"{VERSIONS.as_posix()}/0001_fifo.py:1:1: MG001 cannot read file: not a regular file (a FIFO)",
            f"{VERSIONS.as_posix()}/0002_zero.py:1:1: MG001 cannot read file: not a regular file "
            "(a character device)",
            f"{VERSIONS.as_posix()}/0003_random.py:1:1: MG001 cannot read file: not a regular file "
            "(a character device)",
        ]
        assert "MG102" in result.stdout  # the rest is linted as before


@posix_only
@pytest.mark.parametrize("name", ["deploy.sh", "scripts/migrate.py", "labels.py"])
def test_other_files_the_run_reads_are_never_read_when_links_to_devices(name: str, tmp_path: Path) -> None:
    # git commits symbolic links: a runner script, or the module branch labels are imported
    # from, pointing at /dev/zero would otherwise be read until memory runs out
    project = tmp_path / "project"
    write_project(project, ["a"], files=revisions_with_imported_labels("labels", {"e": "EXPAND"}))
    (project / "labels.py").write_text("EXPAND = 'expand'\n")
    (project / name).unlink(missing_ok=True)
    absent = lint_process(project, "--no-cache", "--select", "ALL")  # as if the link were not there
    (project / name).parent.mkdir(exist_ok=True)
    (project / name).symlink_to("/dev/zero")
    result = lint_process(project, "--no-cache", "--select", "ALL")
    assert (result.returncode, result.stdout, result.stderr) == (absent.returncode, absent.stdout, "")
    assert absent.returncode in (0, 1) and "revisions in 1 environment" in absent.stdout


@posix_only
def test_an_env_py_link_to_a_device_is_not_read_while_searching(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "db").mkdir(parents=True)
    copy_bundled_example(TWO_HEADS / "migrations", project / "db" / "migrations")
    (project / "db" / "migrations" / "env.py").unlink()
    (project / "db" / "migrations" / "env.py").symlink_to("/dev/zero")
    for name in ("script.py.mako", "alembic.ini"):
        (project / "db" / "migrations" / name).unlink(missing_ok=True)
    result = lint_process(project, "--no-cache")
    # not read (a read would never end): no script directory, so the revisions are linted
    # as a directory of them that nothing configures
    assert result.returncode == 1
    assert result.stderr == (
        "miglint: db/migrations/versions: revision files that no Alembic configuration here names: "
        "linted as one history\n"
    )


@posix_only
def test_graph_output_that_is_a_link_to_a_device_is_replaced_not_read(tmp_path: Path) -> None:
    project = two_heads(tmp_path)
    (project / "graph.mmd").symlink_to("/dev/zero")
    result = lint_process(
        project, "--no-cache", "-o", "graph.mmd", "--exit-non-zero-on-change", command="graph"
    )
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert not (project / "graph.mmd").is_symlink()
    assert (project / "graph.mmd").read_text().startswith("%% migrations: 4 revisions, 2 heads")


@pytest.mark.parametrize("configured", ["../baseline.json", "link/baseline.json"])
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
def test_a_configured_baseline_file_stays_inside_the_repository(
    configured: str, write: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = two_heads(tmp_path)
    if configured.startswith("link/"):
        if os.name != "posix":
            pytest.skip("symbolic links")
        (project / "link").symlink_to(tmp_path)
    (project / "pyproject.toml").write_text(f'[tool.miglint]\nbaseline-file = "{configured}"\n')
    outside = tmp_path / "baseline.json"
    outside.write_text("{}")  # a file of the user's, outside the checkout
    result = lint(project, monkeypatch, "--no-cache", *(["--write-baseline"] if write else []))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"miglint: error: baseline-file {configured!r} points outside the repository; "
        "name it with --baseline-file\n"
    )
    assert outside.read_text() == "{}"


@posix_only
def test_a_baseline_link_to_a_device_is_an_error_not_a_hang(tmp_path: Path) -> None:
    project = two_heads(tmp_path)
    (project / ".miglint-baseline.json").symlink_to("/dev/zero")
    result = lint_process(project, "--no-cache")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "miglint: error: .miglint-baseline.json: cannot read the baseline: "
        "not a regular file (a character device)\n"
    )


# -- --fix on a symbolic link -------------------------------------------------------------------

FIXABLE = '''"""create traits

Revision ID: r1
Revises:
"""
from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    op.execute("CREATE TABLE traits (id serial)")
'''


@posix_only
def test_fix_never_replaces_a_symbolic_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path / "project")
    shared = tmp_path / "shared" / "0001_r1.py"
    shared.parent.mkdir()
    shared.write_text(FIXABLE)
    link = tmp_path / "project" / VERSIONS / "0001_r1.py"
    link.symlink_to(shared)
    result = lint(tmp_path / "project", monkeypatch, "--fix", "--concise")
    assert result.exit_code == 1
    assert result.stderr == (
        f"miglint: {VERSIONS.as_posix()}/0001_r1.py: not fixed: it is a symbolic link (to {shared}); "
        "fix that file instead\n"
    )
    assert "MG201" in result.stdout
    assert link.is_symlink() and shared.read_text() == FIXABLE


@pytest.mark.parametrize("pattern", ["../*.py", "link/*.py"])
def test_configured_runners_stay_inside_the_repository(
    pattern: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # MG301's --fix writes to runner files: a pattern in the repository's own
    # configuration must not lead miglint to a file outside it.
    project = two_heads(tmp_path)
    if pattern.startswith("link/"):
        if os.name != "posix":
            pytest.skip("symbolic links")
        (project / "link").symlink_to(tmp_path)
    outside = tmp_path / "deploy.py"
    runner = "import subprocess\nsubprocess.run(['alembic', 'stamp', 'head'])\n"
    outside.write_text(runner)
    (project / "pyproject.toml").write_text(f'[tool.miglint]\nrunners = ["{pattern}"]\n')
    result = lint(project, monkeypatch, "--no-cache", "--fix", "--unsafe-fixes")
    assert (result.exit_code, result.stdout) == (2, "")
    shown = pattern.replace("*", "deploy")
    assert result.stderr == (
        f"miglint: error: runners names {shown}, outside the repository; runner files must be inside it\n"
    )
    assert outside.read_text() == runner


def test_temporary_files_are_new_private_and_never_through_a_link(tmp_path: Path) -> None:
    import os
    import stat

    from miglint.atomic import make_temporary

    handle, name = make_temporary(tmp_path, ".x-", ".tmp")
    os.close(handle)
    assert Path(name).parent == tmp_path and Path(name).name.startswith(".x-") and name.endswith(".tmp")
    assert stat.S_IMODE(os.stat(name).st_mode) == 0o600
    other_handle, other = make_temporary(tmp_path, ".x-", ".tmp")
    os.close(other_handle)
    assert other != name
