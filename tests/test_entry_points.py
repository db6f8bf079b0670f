"""Nothing the linted repository holds is imported, through any documented entry point.

Each test plants, in the working directory (the linted project), a module for every
top-level name a run imports (miglint's dependencies and the standard library) that
records its name in a marker file when imported. A run must leave no marker and print
what it prints in a project without them. The action (tests/test_action.py) and the
pre-commit hooks (tests/test_precommit.py) run the same check through their own entries.
"""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "examples" / "seed-chain"  # SQL, op calls, a runner script, pyproject config
ARGS = ["lint", ".", "--no-cache", "--select", "ALL"]


def imported_before_miglint() -> set[str]:
    """What `python -m` finds on the path before miglint's own code runs, which miglint
    cannot guard: miglint itself, and before Python 3.11 (where runpy is frozen and
    imported before the working directory is put on the path) runpy and what it imports."""
    if sys.version_info >= (3, 11):
        return {"miglint"}
    script = (
        "import sys; before = set(sys.modules); import runpy; "
        "print(' '.join({m.partition('.')[0] for m in set(sys.modules) - before}))"
    )
    found = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True)
    return {"miglint", "runpy", *found.stdout.split()}


def imported_by_a_run() -> set[str]:
    """Top-level names of every module a lint run of PROJECT imports, this Python's
    standard library, and the tools around it (pip, setuptools, the site hooks)."""
    script = (
        "import sys\n"
        "from miglint.cli import main\n"
        "try:\n"
        f"    main({[*ARGS, '--jobs', '1']!r}, prog_name='miglint')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted({m.partition('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    run = subprocess.run(
        [sys.executable, "-P" if sys.version_info >= (3, 11) else "-I", "-c", script],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    names = set(run.stderr.splitlines()[-1].split())
    assert {"click", "pglast", "json", "re"} <= names  # the run got as far as the SQL
    stdlib = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib")}
    names |= {module.name for module in pkgutil.iter_modules(sorted(stdlib))}
    names |= set(getattr(sys, "stdlib_module_names", ()))
    names |= {"pip", "setuptools", "pkg_resources", "sitecustomize", "usercustomize", "miglint"}
    names |= {"click", "libcst", "networkx", "graphviz", "pygraphviz", "pglast", "sqlglot", "tomli", "yaml"}
    return {name for name in names if name.isidentifier() and name not in sys.builtin_module_names}


def plant(directory: Path, names: set[str], marker: Path) -> None:
    """A module per name that writes its name to `marker` when imported, then fails."""
    for name in names:
        (directory / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name + chr(10)!r})\n"
            f"raise ImportError('planted {name} was imported')\n"
        )


@pytest.fixture(scope="module")
def planted_names() -> set[str]:
    return imported_by_a_run()


def planted_project(tmp_path: Path, names: set[str]) -> tuple[Path, Path]:
    project = tmp_path / "planted"
    shutil.copytree(PROJECT, project)
    marker = tmp_path / "imported.txt"
    plant(project, names, marker)
    return project, marker


def clean_run(tmp_path: Path, command: list[str]) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "clean"
    shutil.copytree(PROJECT, project)
    return subprocess.run(command, cwd=project, capture_output=True, text=True)


def assert_immune(tmp_path: Path, names: set[str], command: list[str]) -> None:
    project, marker = planted_project(tmp_path, names)
    planted = subprocess.run(command, cwd=project, capture_output=True, text=True)
    imported = marker.read_text().split() if marker.exists() else []
    assert imported == []
    expected = clean_run(tmp_path, command)
    assert (planted.returncode, planted.stdout, planted.stderr) == (
        expected.returncode,
        expected.stdout,
        expected.stderr,
    )
    assert expected.returncode == 1 and "MG" in expected.stdout  # a real report, compared


def console_script() -> Path:
    found = Path(sysconfig.get_path("scripts")) / ("miglint.exe" if os.name == "nt" else "miglint")
    if not found.exists():
        pytest.skip("the console script is not installed beside this Python")
    return found


def test_console_script_imports_nothing_from_the_working_directory(
    tmp_path: Path, planted_names: set[str]
) -> None:
    assert_immune(tmp_path, planted_names, [str(console_script()), *ARGS])


def test_python_m_miglint_drops_the_working_directory_before_importing(
    tmp_path: Path, planted_names: set[str]
) -> None:
    # A repository's own miglint/ (and before 3.11, runpy.py and what it imports) is found
    # before miglint runs: README tells to use -P or the console script there.
    names = planted_names - imported_before_miglint()
    assert {"click", "libcst", "networkx", "pglast", "json", "__future__", "traceback"} <= names
    assert_immune(tmp_path, names, [sys.executable, "-m", "miglint", *ARGS])


@pytest.mark.skipif(sys.version_info < (3, 11), reason="-P is Python 3.11+")
def test_python_safe_path_m_miglint_imports_nothing_from_the_working_directory(
    tmp_path: Path, planted_names: set[str]
) -> None:
    assert_immune(tmp_path, planted_names, [sys.executable, "-P", "-m", "miglint", *ARGS])


def test_action_launcher_runs_a_module_without_the_working_directory(
    tmp_path: Path, planted_names: set[str]
) -> None:
    launcher = ROOT / "action" / "run_module.py"
    assert_immune(tmp_path, planted_names, [sys.executable, str(launcher), "miglint", *ARGS])


@pytest.mark.skipif(sys.version_info < (3, 11), reason="without fork, Python < 3.11 parses in one process")
def test_spawned_workers_import_nothing_from_the_working_directory(
    tmp_path: Path, planted_names: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows has no fork: each worker is a fresh `python -c ...` in the working directory.
    from miglint.reading import collect

    project, marker = planted_project(tmp_path, planted_names)
    files = sorted(str(p) for p in project.glob("migrations/versions/*.py"))
    items: list[tuple[str, bytes | None]] = [(path, None) for path in files * 2]
    assert len(items) >= collect.PARALLEL_THRESHOLD
    monkeypatch.chdir(project)
    monkeypatch.delenv("PYTHONSAFEPATH", raising=False)
    monkeypatch.setattr(collect, "_start_method", lambda: "spawn")
    parsed, blobs = collect._parse_all(items, jobs=2)
    assert not marker.exists()
    assert len(blobs) > 1  # workers did the parsing
    assert parsed == collect._parse_batch(items)
    assert "PYTHONSAFEPATH" not in os.environ  # given to the workers only


def test_workers_fork_where_they_can_and_never_spawn_unsafely(monkeypatch: pytest.MonkeyPatch) -> None:
    from miglint.reading import collect

    monkeypatch.setattr(os, "fork", lambda: 0, raising=False)
    assert collect._start_method() == "fork"
    monkeypatch.delattr(os, "fork")
    monkeypatch.setattr(sys, "version_info", (3, 10, 0))
    assert collect._start_method() is None  # no PYTHONSAFEPATH before 3.11: one process
    monkeypatch.setattr(sys, "version_info", (3, 11, 0))
    assert collect._start_method() == "spawn"


def test_a_package_resource_is_located_without_running_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `script_location = shop.db:migrations` names an installed package: Alembic imports
    # it, miglint only finds it on sys.path (its __init__ would run any code it holds).
    from miglint.reading.discover import discover

    site = tmp_path / "site"
    marker = tmp_path / "imported.txt"
    versions = site / "shopx" / "db" / "migrations" / "versions"
    versions.mkdir(parents=True)
    for package in (site / "shopx", site / "shopx" / "db"):
        (package / "__init__.py").write_text(f"open({str(marker)!r}, 'a').write({package.name!r})\n")
    (versions / "0001_a.py").write_text("revision = 'a'\ndown_revision = None\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "alembic.ini").write_text("[alembic]\nscript_location = shopx.db:migrations\n")
    monkeypatch.syspath_prepend(str(site))
    found = discover([str(project)], project)
    assert [f.name for env in found.environments for f in env.files] == ["0001_a.py"]
    assert not marker.exists()
    assert "shopx" not in sys.modules and "shopx.db" not in sys.modules


def test_what_parsing_needs_is_imported_before_the_workers_fork(tmp_path: Path) -> None:
    """Imported in the parent, the readers are shared by every forked worker; imported in
    each worker, they cost every worker their import (and the op facts' patterns)."""
    code = """
import sys
from miglint.reading import collect, forkpool
real = forkpool.run_forked
def spy(*args, **kwargs):
    print(sorted(m for m in ("miglint.reading.parse", "miglint.facts.ops", "miglint.sql.literal") if m in sys.modules))
    return real(*args, **kwargs)
forkpool.run_forked = spy
collect.PARALLEL_THRESHOLD = 1
items = [(str(i), b"revision = 'a%d'\\ndown_revision = None\\n" % i) for i in range(4)]
collect._parse_all(items, 2)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['miglint.facts.ops', 'miglint.reading.parse', 'miglint.sql.literal']"
