"""Every layout the real-world corpus shows, found with no configuration: one fixture each.

Flask-Migrate's ini without script_location (pgadmin4), a script_location that code
fills in (jupyterhub), version locations set in code (keystone), `package:path` under
src/ or a packaging setting, several environments and ini names at one root, script
directories configured only in code, Alembic's own templates (generic, pyproject,
async, multidb), and a single version file named on the command line. Each project is
written in tmp_path; tests assert exit codes, finding codes, lines and revision ids.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from conftest import cli_runner
from histories import revisions, write
from miglint.cli import main
from miglint.config import ConfigError
from miglint.reading.discover import EnvironmentProblem, Project, discover

ENV_PY = "from alembic import context\n# never run by miglint\n"
LOGGING = "[loggers]\nkeys = root\n\n[handlers]\nkeys = console\n"
REVISION_LINE = 13  # `revision = ...` in histories.version_source


def script_dir(directory: Path, *history: str) -> list[Path]:
    """env.py, script.py.mako and versions/ as `alembic init` leaves them."""
    write(directory / "env.py", ENV_PY)
    write(directory / "script.py.mako", "${message}\n")
    return revisions(directory / "versions", *history)


def found(project: Project) -> list[tuple[str, list[Path]]]:
    return [(env.name, list(env.files)) for env in project.environments]


def lint(cwd: Path, monkeypatch: pytest.MonkeyPatch, *arguments: str) -> tuple[int, dict[str, Any], str]:
    monkeypatch.chdir(cwd)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--format", "json", *arguments])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


def findings(report: dict[str, Any]) -> list[tuple[str, str, int, list[str]]]:
    return [(d["code"], d["path"], d["line"], d["revisions"]) for d in report["diagnostics"]]


def summary(report: dict[str, Any]) -> list[tuple[str, int, list[str], list[str]]]:
    return [(e["name"], e["revisions"], e["heads"], e["bases"]) for e in report["summary"]["environments"]]


# -- Flask-Migrate and script locations filled in by code -------------------------------


@pytest.mark.parametrize(
    "ini", ["[alembic]\n\n" + LOGGING, LOGGING, ""], ids=["empty-section", "no-section", "empty"]
)
def test_flask_migrate_ini_without_script_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ini: str
) -> None:
    """pgadmin4: migrations/alembic.ini beside env.py and versions/; Flask-Migrate passes the
    directory in code. It is the script directory, said in one line, and the run goes on."""
    write(tmp_path / "web" / "migrations" / "alembic.ini", ini)
    files = script_dir(tmp_path / "web" / "migrations", "a", "b1<-a", "b2<-a")
    project = discover([], tmp_path)
    assert found(project) == [("web/migrations/alembic.ini", files)]
    assert project.environments[0].script_location == tmp_path / "web" / "migrations"
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert code == 1
    assert stderr == (
        "miglint: web/migrations/alembic.ini: no script_location (Flask-Migrate passes it in code); "
        "linting web/migrations, which holds env.py and versions/\n"
    )
    assert findings(report) == [
        ("MG102", "web/migrations/versions/b1_rev.py", REVISION_LINE, ["b1", "b2"]),
        ("MG102", "web/migrations/versions/b2_rev.py", REVISION_LINE, ["b1", "b2"]),
    ]


def test_ini_without_script_location_outside_a_script_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\n")
    revisions(tmp_path / "versions", "a")  # no env.py: not the shape of a script directory
    with pytest.raises(ConfigError, match=r"^alembic.ini: no section has a script_location$"):
        discover([], tmp_path)


@pytest.mark.parametrize("where", ["beside", "own"])
def test_script_location_template_filled_in_by_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """jupyterhub: `script_location = {alembic_dir}` is a str.format template; the directory
    beside the ini (or the ini's own) shaped like a script directory is linted instead."""
    write(
        tmp_path / "hub" / "alembic.ini",
        "[alembic]\nscript_location = {alembic_dir}\nsqlalchemy.url = {db_url}\n",
    )
    scripts = tmp_path / "hub" / ("alembic" if where == "beside" else "")
    files = script_dir(scripts, "a", "b<-a")
    (tmp_path / "hub" / "templates").mkdir()  # other directories beside it are not candidates
    project = discover([], tmp_path)
    assert found(project) == [("hub/alembic.ini", files)]
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert code == 0
    shown = "hub/alembic" if where == "beside" else "hub"
    assert stderr == (
        "miglint: hub/alembic.ini: script_location {alembic_dir} does not exist (set in code?); "
        f"linting {shown}, which holds env.py and versions/\n"
    )
    assert summary(report) == [("hub/alembic.ini", 2, ["b"], ["a"])]


def test_missing_script_location_with_two_candidates_stays_an_error(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = {alembic_dir}\n")
    script_dir(tmp_path / "one", "a")
    script_dir(tmp_path / "two", "x")
    with pytest.raises(ConfigError, match=r"^alembic.ini: script_location \{alembic_dir\} does not exist$"):
        discover(["alembic.ini"], tmp_path)


@pytest.mark.parametrize("git", [True, False], ids=["git-checkout", "exported"])
@pytest.mark.parametrize(
    "target", [[], ["conf/alembic.ini"], ["app/migrations"], ["app/migrations/versions"]]
)
def test_relative_script_location_read_from_where_alembic_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git: bool, target: list[str]
) -> None:
    """hypothesis/h (`conf/alembic.ini`, run as `alembic -c conf/alembic.ini`) and keephq/keep
    (`keep/alembic.ini`): a relative script_location is read from the directory Alembic
    runs in, the repository's top, not from the ini's. Whatever path the user gives."""
    if git:
        (tmp_path / ".git").mkdir()
    write(
        tmp_path / "conf" / "alembic.ini",
        "[alembic]\nscript_location = app/migrations\nversion_locations = app/migrations/versions\n",
    )
    files = script_dir(tmp_path / "app" / "migrations", "a", "b<-a")
    # given the script directory itself, miglint reads it as one (the ini is not above it)
    by_ini = not target or target[0].endswith(".ini")
    name = "conf/alembic.ini" if by_ini else target[0]
    project = discover(target, tmp_path)
    assert found(project) == [(name, files)]
    code, report, stderr = lint(tmp_path, monkeypatch, *target)
    assert code == 0
    assert stderr == (
        "miglint: conf/alembic.ini: script_location app/migrations is read from the directory Alembic "
        "runs in; linting app/migrations, which holds env.py and versions/\n"
        if by_ini
        else ""
    )
    assert summary(report) == [(name, 2, ["b"], ["a"])]


def test_relative_script_location_of_an_exported_tree_linted_from_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """keephq/keep exported without .git and linted by absolute path from another working
    directory: the ini above the versions directory still resolves (never exit 2)."""
    project = tmp_path / "keep"
    write(project / "keep" / "alembic.ini", "[alembic]\nscript_location = keep/api/migrations\n")
    script_dir(project / "keep" / "api" / "migrations", "a", "b<-a")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, report, _ = lint(elsewhere, monkeypatch, str(project / "keep" / "api" / "migrations" / "versions"))
    assert code == 0
    assert [(e["revisions"], e["heads"], e["bases"]) for e in report["summary"]["environments"]] == [
        (2, ["b"], ["a"])
    ]


def test_relative_script_location_found_nowhere_stays_an_error(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "conf" / "alembic.ini", "[alembic]\nscript_location = app/migrations\n")
    revisions(tmp_path / "app" / "migrations" / "versions", "a")  # no env.py: not a script directory
    with pytest.raises(
        ConfigError, match=r"^conf/alembic.ini: script_location conf/app/migrations does not exist$"
    ):
        discover(["conf/alembic.ini"], tmp_path)


@pytest.mark.parametrize("live", [["live", "other"], ["live"]], ids=["two-siblings", "one-sibling"])
def test_stale_ini_beside_inis_read_from_where_alembic_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live: list[str]
) -> None:
    """Recidiviz: `<name>_alembic.ini` files in pkg/migrations/ whose script_location
    (`pkg/migrations/<name>`) is read from the repository's top; the folder of
    gone_alembic.ini was deleted upstream. MG005 names the path as Alembic does ("Path
    doesn't exist: pkg/migrations/gone"), not pkg/migrations/pkg/migrations/gone; with one
    live folder beside it, the stale ini no longer becomes that folder's environment."""
    folder = tmp_path / "pkg" / "migrations"
    write(folder / "gone_alembic.ini", "[alembic]\nscript_location = pkg/migrations/gone\n")
    for name in live:
        write(folder / f"{name}_alembic.ini", f"[alembic]\nscript_location = pkg/migrations/{name}\n")
        script_dir(folder / name, "a", "b<-a")
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert code == 1
    assert [(d["code"], d["path"], d["line"], d["column"], d["message"]) for d in report["diagnostics"]] == [
        (
            "MG005",
            "pkg/migrations/gone_alembic.ini",
            2,
            19,
            "script_location pkg/migrations/gone does not exist",
        )
    ]
    assert summary(report) == [
        *((f"pkg/migrations/{name}_alembic.ini", 2, ["b"], ["a"]) for name in live),
        ("pkg/migrations/gone_alembic.ini", 0, [], []),
    ]
    assert "gone_alembic.ini" not in stderr


def test_missing_script_location_not_redirected_to_another_inis_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stale ini (`script_location = gone`) beside the one folder shaped like a script
    directory, which another ini beside it configures: MG005, not a second environment
    for that folder. (A lone ini whose script_location code fills in still lints the
    folder beside it: test_script_location_template_filled_in_by_code.)"""
    write(tmp_path / "db" / "gone_alembic.ini", "[alembic]\nscript_location = gone\n")
    write(tmp_path / "db" / "live_alembic.ini", "[alembic]\nscript_location = %(here)s/live\n")
    script_dir(tmp_path / "db" / "live", "a")
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert code == 1
    assert [(d["code"], d["path"], d["line"], d["message"]) for d in report["diagnostics"]] == [
        ("MG005", "db/gone_alembic.ini", 2, "script_location db/gone does not exist")
    ]
    assert summary(report) == [("db/live_alembic.ini", 1, ["a"], ["a"]), ("db/gone_alembic.ini", 0, [], [])]
    assert stderr == ""


FLASK_COMMUNITY = "version_path_separator = :\nversion_locations = %(here)s/community\n"


@pytest.mark.parametrize("git", [True, False], ids=["git-checkout", "exported"])
@pytest.mark.parametrize(
    ("script", "shown"),
    [
        (
            "script_location = migrations\n",
            "script_location migrations is read from the directory Alembic runs in",
        ),
        ("", "no script_location (Flask-Migrate passes it in code)"),
    ],
    ids=["relative-script-location", "no-script-location"],
)
@pytest.mark.parametrize("where", [".", "server"])
def test_flask_migrate_script_directory_whose_versions_are_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git: bool, script: str, shown: str, where: str
) -> None:
    """MerginMaps/server: server/migrations/alembic.ini (Flask-Migrate, run from server/)
    sets `version_locations = %(here)s/community`, so the script directory beside it holds
    env.py and no versions/. It is the script directory all the same (exit 2 before:
    'script_location server/migrations/migrations does not exist')."""
    if git:
        (tmp_path / ".git").mkdir()
    migrations = tmp_path / "server" / "migrations"
    write(migrations / "alembic.ini", f"[alembic]\n{script}{FLASK_COMMUNITY}\n{LOGGING}")
    write(migrations / "env.py", ENV_PY)
    write(migrations / "script.py.mako", "${message}\n")
    files = revisions(migrations / "community", "a", "b<-a", "c<-b")
    cwd = tmp_path / where
    project = discover([], cwd)
    name = "migrations/alembic.ini" if where == "server" else "server/migrations/alembic.ini"
    assert found(project) == [(name, files)]
    assert project.environments[0].script_location == migrations
    assert project.problems == ()
    code, report, stderr = lint(cwd, monkeypatch)
    assert code == 0
    shown_dir = name.removesuffix("/alembic.ini")
    assert stderr == f"miglint: {name}: {shown}; linting {shown_dir}, which holds env.py\n"
    assert summary(report) == [(name, 3, ["c"], ["a"])]
    assert report["diagnostics"] == []


def test_a_sibling_holding_env_py_alone_is_no_script_directory(tmp_path: Path) -> None:
    """With version locations configured, the ini's own directory needs env.py only; a
    directory beside it is taken only with versions/ (env.py alone is too weak a sign)."""
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = {alembic_dir}\n" + FLASK_COMMUNITY)
    write(tmp_path / "alembic" / "env.py", ENV_PY)
    revisions(tmp_path / "community", "a")
    with pytest.raises(ConfigError, match=r"^alembic.ini: script_location \{alembic_dir\} does not exist$"):
        discover(["alembic.ini"], tmp_path)


def capev2_like(root: Path) -> list[Path]:
    """mig/ and mig_dist/ each hold alembic.ini (`script_location = .`), env.py and
    script.py.mako; only mig/ has versions/ (git keeps no empty directory)."""
    ini = "[alembic]\nscript_location = .\nfile_template = %%(slug)s\n\n" + LOGGING
    for directory in ("mig", "mig_dist"):
        write(root / directory / "alembic.ini", ini)
        write(root / directory / "env.py", ENV_PY)
        write(root / directory / "script.py.mako", "${message}\n")
    return revisions(root / "mig" / "versions", "a", "b<-a")


def test_a_script_directory_without_versions_yet_is_an_empty_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kevoreilly/CAPEv2's utils/db_migration_dist: Alembic loads it as 0 revisions, and
    `alembic revision` creates versions/. Before: MG005 'version location mig_dist/versions
    does not exist' (exit 1; exit 2 from mig_dist/ itself)."""
    files = capev2_like(tmp_path)
    project = discover([], tmp_path)
    assert found(project) == [("mig/alembic.ini", files), ("mig_dist/alembic.ini", [])]
    assert project.environments[1].script_location == tmp_path / "mig_dist"
    assert project.problems == ()
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert (code, stderr) == (0, "miglint: mig_dist/alembic.ini: no revision files found\n")
    assert summary(report) == [("mig/alembic.ini", 2, ["b"], ["a"]), ("mig_dist/alembic.ini", 0, [], [])]
    assert report["diagnostics"] == []
    text = cli_runner().invoke(main, ["lint", "--no-cache", "."])
    assert (text.exit_code, text.stdout) == (
        0,
        "mig/alembic.ini: 2 revisions, ok\n"
        "mig_dist/alembic.ini: 0 revisions, ok\n"
        "All checks passed: 2 revisions in 2 environments.\n",
    )
    # from the directory itself, and naming it
    for cwd, target in ((tmp_path / "mig_dist", []), (tmp_path, ["mig_dist"])):
        code, report, stderr = lint(cwd, monkeypatch, *target)
        assert (code, report["diagnostics"]) == (0, [])
        assert [(e["revisions"], e["heads"]) for e in report["summary"]["environments"]] == [(0, [])]


@pytest.mark.parametrize(
    "configure",
    [
        pytest.param(
            lambda root: write(root / "pyproject.toml", '[tool.alembic]\nscript_location = "m"\n'),
            id="tool-alembic",
        ),
        pytest.param(
            lambda root: write(
                root / "pyproject.toml",
                '[[tool.miglint.environments]]\nname = "main"\nscript-location = "m"\n',
            ),
            id="declared",
        ),
        pytest.param(lambda root: None, id="script-directory-named"),
    ],
)
def test_every_way_to_name_a_script_directory_without_versions_yet(tmp_path: Path, configure: Any) -> None:
    configure(tmp_path)
    write(tmp_path / "m" / "env.py", ENV_PY)
    write(tmp_path / "m" / "script.py.mako", "${message}\n")
    project = discover([] if (tmp_path / "pyproject.toml").exists() else ["m"], tmp_path)
    assert [(env.script_location, env.files, env.version_locations) for env in project.environments] == [
        (tmp_path / "m", (), (tmp_path / "m" / "versions",))
    ]


def test_a_versions_file_or_an_unrunnable_script_directory_stays_an_error(tmp_path: Path) -> None:
    """Only a missing versions/ of a script directory holding env.py is an empty history."""
    write(tmp_path / "a" / "alembic.ini", "[alembic]\nscript_location = %(here)s\n")  # no env.py
    write(tmp_path / "b" / "alembic.ini", "[alembic]\nscript_location = %(here)s\n")
    write(tmp_path / "b" / "env.py", ENV_PY)
    write(tmp_path / "b" / "versions", "")  # a file, not a directory
    with pytest.raises(ConfigError, match=r"^a/alembic.ini: version location a/versions does not exist$"):
        discover(["a/alembic.ini"], tmp_path)
    with pytest.raises(ConfigError, match=r"^b/alembic.ini: version location b/versions does not exist$"):
        discover(["b/alembic.ini"], tmp_path)


# -- package:path ------------------------------------------------------------------------


PACKAGING = {
    "src": ("src", None),
    "package-dir": ("lib", ("pyproject.toml", '[tool.setuptools]\npackage-dir = {"" = "lib"}\n')),
    "package-dir-one": (
        "code/app",
        ("pyproject.toml", '[tool.setuptools.package-dir]\nmyapp = "code/app/myapp"\n'),
    ),
    "packages-find": ("python", ("pyproject.toml", '[tool.setuptools.packages.find]\nwhere = ["python"]\n')),
    "setup-cfg": ("source", ("setup.cfg", "[options]\npackage_dir =\n    =source\n")),
    "poetry": (
        "pkgs",
        ("pyproject.toml", '[tool.poetry]\npackages = [{include = "myapp", from = "pkgs"}]\n'),
    ),
    "hatch": ("out", ("pyproject.toml", '[tool.hatch.build.targets.wheel]\npackages = ["out/myapp"]\n')),
}


@pytest.mark.parametrize("layout", sorted(PACKAGING))
def test_package_resource_from_an_ini_under_configs(tmp_path: Path, layout: str) -> None:
    """configs/alembic.ini naming `myapp.db:migrations`: found where Python would find myapp
    (src/, package-dir, packages.find, setup.cfg, Poetry, Hatch), never imported."""
    where, settings = PACKAGING[layout]
    package = tmp_path / where / "myapp"
    if layout == "package-dir-one":
        package = tmp_path / "code" / "app" / "myapp"
    write(package / "__init__.py", "raise RuntimeError('myapp must not be imported')\n")
    write(package / "db" / "__init__.py", "raise RuntimeError('myapp.db must not be imported')\n")
    if settings is not None:
        write(tmp_path / settings[0], settings[1])
    write(tmp_path / "configs" / "alembic.ini", "[alembic]\nscript_location = myapp.db:migrations\n")
    files = script_dir(package / "db" / "migrations", "a", "b<-a")
    project = discover([], tmp_path)
    assert found(project) == [("configs/alembic.ini", files)]
    assert project.environments[0].script_location == package / "db" / "migrations"
    assert "myapp" not in sys.modules


# -- version locations set in code ------------------------------------------------------


def keystone_like(root: Path) -> dict[str, Path]:
    """versions/ holds the base; versions/<release>/<expand|contract> the rest (labelled)."""
    write(root / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    write(root / "migrations" / "env.py", ENV_PY)
    versions = root / "migrations" / "versions"
    (base,) = revisions(versions, "a")
    (expand,) = revisions(versions / "r1" / "expand", "e1@expand<-a")
    (contract,) = revisions(versions / "r1" / "contract", "c1@contract<-a")
    (expand2,) = revisions(versions / "r2" / "expand", "e2<-e1")
    (versions / "EXPAND_HEAD").write_text("e2\n")
    return {"a": base, "e1": expand, "c1": contract, "e2": expand2}


def test_sub_directories_that_continue_the_history_are_read_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = keystone_like(tmp_path)
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", [files["a"]])]
    assert project.environments[0].uncovered == (files["c1"], files["e1"], files["e2"])
    code, report, _ = lint(tmp_path, monkeypatch)
    assert code == 0  # a warning: the run fails on it only with --fail-on warning
    assert summary(report) == [("alembic.ini", 4, ["c1", "e2"], ["a"])]
    (finding,) = report["diagnostics"]
    assert (finding["code"], finding["severity"], finding["path"], finding["line"]) == (
        "MG004",
        "warning",
        "migrations/versions/r1/contract/c1_rev.py",
        REVISION_LINE,
    )
    assert finding["message"] == (
        "3 revision files in 3 directories that no version location covers: "
        "versions/r1/contract (1), versions/r1/expand (1), versions/r2/expand (1); "
        "read into the graph, as they continue its history"
    )
    assert finding["revisions"] == ["c1", "e1", "e2"]
    assert [r["path"] for r in finding["related"]] == [
        "migrations/versions/r1/expand/e1_rev.py",
        "migrations/versions/r2/expand/e2_rev.py",
    ]


def test_a_directory_with_a_history_of_its_own_is_named_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archive of squashed revisions (its own base), a duplicate id, a parent nobody has."""
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    script_dir(tmp_path / "migrations", "a", "b<-a")
    revisions(tmp_path / "migrations" / "versions" / "archive", "old1", "old2<-old1")
    revisions(tmp_path / "migrations" / "versions" / "copy", "b<-a")
    revisions(tmp_path / "migrations" / "versions" / "stray", "s<-gone")
    write(tmp_path / "migrations" / "versions" / "helpers" / "sql.py", "def helper():\n    return 1\n")
    code, report, _ = lint(tmp_path, monkeypatch, "--fail-on", "warning")
    assert code == 1
    assert summary(report) == [("alembic.ini", 2, ["b"], ["a"])]
    assert findings(report) == [
        ("MG004", "migrations/versions/archive/old1_rev.py", REVISION_LINE, ["old1", "old2", "b", "s"])
    ]
    assert report["diagnostics"][0]["message"] == (
        "4 revision files in 3 directories that no version location covers: "
        "versions/archive (2), versions/copy (1), versions/stray (1); "
        "left out of the graph: they do not continue its history"
    )


@pytest.mark.parametrize(
    "setting",
    [
        "recursive_version_locations = true\n",
        "path_separator = space\nversion_locations = %(here)s/migrations/versions "
        "%(here)s/migrations/versions/r1/expand %(here)s/migrations/versions/r1/contract "
        "%(here)s/migrations/versions/r2/expand\n",
    ],
    ids=["recursive", "listed"],
)
def test_covered_sub_directories_are_not_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    keystone_like(tmp_path)
    write(tmp_path / "alembic.ini", f"[alembic]\nscript_location = %(here)s/migrations\n{setting}")
    code, report, _ = lint(tmp_path, monkeypatch)
    assert (code, report["diagnostics"]) == (0, [])
    assert summary(report) == [("alembic.ini", 4, ["c1", "e2"], ["a"])]


def test_excluded_sub_directories_are_not_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    script_dir(tmp_path / "migrations", "a", "b<-a")
    revisions(tmp_path / "migrations" / "versions" / "archive", "old1")
    write(tmp_path / "pyproject.toml", '[tool.miglint]\nexclude = ["migrations/versions/archive/*"]\n')
    code, report, _ = lint(tmp_path, monkeypatch)
    assert (code, report["diagnostics"]) == (0, [])


# -- several environments at one root ---------------------------------------------------


def test_ini_inside_its_script_directory_with_plugin_environments(tmp_path: Path) -> None:
    """ckan: `script_location = %(here)s`, versions/__init__.py, and one environment per
    plugin a few packages down; each found once."""
    ini = "[alembic]\nscript_location = %(here)s\n"
    write(tmp_path / "ckan" / "migration" / "alembic.ini", ini)
    core = script_dir(tmp_path / "ckan" / "migration", "a", "b<-a")
    write(tmp_path / "ckan" / "migration" / "versions" / "__init__.py", "")
    plugin = tmp_path / "ckanext" / "activity" / "migration" / "activity"
    write(plugin / "alembic.ini", ini)
    activity = script_dir(plugin, "x", "y<-x")
    assert found(discover([], tmp_path)) == [
        ("ckan/migration/alembic.ini", core),
        ("ckanext/activity/migration/activity/alembic.ini", activity),
    ]


def test_root_ini_beside_a_script_directory_named_alembic(tmp_path: Path) -> None:
    """mealie: alembic.ini at the root, the script directory `alembic/` beside it."""
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = alembic\nprepend_sys_path = .\n")
    files = script_dir(tmp_path / "alembic", "a", "b<-a")
    assert found(discover([], tmp_path)) == [("alembic.ini", files)]
    assert found(discover(["alembic"], tmp_path)) == [("alembic.ini", files)]


def test_every_environment_of_a_repository_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A root ini, other ini names, an ini under configs/, [tool.alembic] in a sub-project,
    a script directory configured only in code; one broken ini is one line, not the end."""
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    root = script_dir(tmp_path / "migrations", "a", "b<-a")
    write(tmp_path / "alembic-prod.ini", "[alembic]\nscript_location = %(here)s/prod\n")
    prod = script_dir(tmp_path / "prod", "p1")
    write(tmp_path / "configs" / "dev.alembic.ini", "[alembic]\nscript_location = %(here)s/../dev\n")
    dev = script_dir(tmp_path / "dev", "d1")
    write(tmp_path / "svc" / "pyproject.toml", '[tool.alembic]\nscript_location = "%(here)s/db"\n')
    svc = revisions(tmp_path / "svc" / "db" / "versions", "s1", "s2<-s1")
    coded = script_dir(tmp_path / "tenant" / "migrations", "t1", "t2a<-t1", "t2b<-t1")
    write(tmp_path / "broken" / "alembic.ini", "[alembic]\nscript_location = %(here)s/nowhere\n")
    # not environments: no alembic in env.py, and tool directories
    write(tmp_path / "docs" / "env.py", "print('sphinx')\n")
    revisions(tmp_path / "docs" / "versions", "z")
    for skipped in (
        ".venv/lib/site-packages/pkg",
        "node_modules/pkg",
        ".tox/py/pkg",
        "build/lib/pkg",
        "site-packages/pkg",
    ):
        write(tmp_path / skipped / "alembic.ini", "[alembic]\nscript_location = %(here)s/m\n")
        script_dir(tmp_path / skipped / "m", "x1", "x2<-x1", "x3<-x1")
    expected = [
        ("alembic.ini", root),
        ("alembic-prod.ini", prod),
        ("configs/dev.alembic.ini", dev),
        ("svc/pyproject.toml [tool.alembic]", svc),
        ("tenant/migrations", coded),
    ]
    project = discover([], tmp_path)
    assert found(project) == expected
    assert [(p.config, p.message) for p in project.problems] == [
        (
            tmp_path / "broken" / "alembic.ini",
            "broken/alembic.ini: script_location broken/nowhere does not exist",
        )
    ]
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert code == 1
    # one broken environment is one finding (MG005 at its setting), after the others
    assert stderr == ""
    assert [name for name, *_ in summary(report)] == [name for name, _ in expected] + ["broken/alembic.ini"]
    broken = next(d for d in report["diagnostics"] if d["code"] == "MG005")
    assert broken["message"] == "script_location broken/nowhere does not exist"
    assert broken["environment"] == "broken/alembic.ini"
    assert findings(report) == [
        ("MG005", "broken/alembic.ini", 2, []),
        ("MG102", "tenant/migrations/versions/t2a_rev.py", REVISION_LINE, ["t2a", "t2b"]),
        ("MG102", "tenant/migrations/versions/t2b_rev.py", REVISION_LINE, ["t2a", "t2b"]),
    ]
    # the same tree from below the root ini: found upwards, then every environment
    assert found(discover([], tmp_path / "prod" / "versions")) == [
        (f"../../{name}", files) for name, files in expected
    ]


def test_tool_alembic_at_the_root_and_an_ini_under_configs(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    main_files = script_dir(tmp_path / "migrations", "a", "b<-a")
    write(tmp_path / "configs" / "alembic.ini", "[alembic]\nscript_location = %(here)s/../analytics\n")
    analytics = script_dir(tmp_path / "analytics", "x")
    expected = [("pyproject.toml [tool.alembic]", main_files), ("configs/alembic.ini", analytics)]
    assert found(discover([], tmp_path)) == expected
    assert found(discover([], tmp_path / "migrations")) == [(f"../{n}", f) for n, f in expected]


def test_only_broken_environments_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a" / "alembic.ini", "[alembic]\nscript_location = %(here)s/nowhere\n")
    write(tmp_path / "b" / "alembic.ini", "[alembic]\nscript_location = %(here)s/gone\n")
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache"])
    assert result.exit_code == 2
    assert (
        result.stderr
        == "miglint: error: a/alembic.ini: script_location a/nowhere does not exist (and 1 more)\n"
    )


def test_a_broken_environment_is_one_finding_that_can_be_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "ok" / "alembic.ini", "[alembic]\nscript_location = %(here)s/m\n")
    script_dir(tmp_path / "ok" / "m", "a")
    write(tmp_path / "old" / "alembic.ini", "[alembic]\n# moved\nscript_location = %(here)s/gone\n")
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache"])
    assert result.exit_code == 1
    assert result.stdout == (
        "old/alembic.ini:3:19: MG005 script_location old/gone does not exist\n"
        "  help: correct the path in the configuration, or exclude this directory in [tool.miglint]\n"
        "\n"
        "ok/alembic.ini: 1 revision, ok\n"
        "old/alembic.ini: 0 revisions, 1 error, 0 warnings\n"
        "Found 1 error in 1 revision in 2 environments.\n"
    )
    assert result.stderr == ""
    ignored = cli_runner().invoke(main, ["lint", "--no-cache", "--ignore", "unreadable-environment"])
    assert (ignored.exit_code, ignored.stdout) == (0, "All checks passed: 1 revision in 1 environment.\n")


INLINE_COMMENT = "os  # Use os.pathsep. Default configuration used for new projects."


@pytest.mark.parametrize(
    ("ini", "finding", "code"),
    [
        pytest.param(
            "[alembic]\nscript_location = %(here)s/m\n"
            "version_locations = %(here)s/m/versions:%(here)s/m/extra\n"
            f"version_path_separator = {INLINE_COMMENT}\n",
            f"4:26: MG005 version_path_separator '{INLINE_COMMENT}' is not one of space, newline, os, "
            "':', ';' (an ini value runs to the end of its line: put the comment on a line of its own)",
            1,
            id="inline-comment-after-the-separator",
        ),
        pytest.param(
            "[alembic]\nscript_location = %(here)s/m\nversion_locations =\n"
            "    %(here)s/m/versions\n    %(here)s/nope\npath_separator = newline\n",
            "3:1: MG005 version location broken/nope does not exist",
            0,  # a warning: Alembic reads past it (test_a_missing_version_location_is_a_warning)
            id="locations-on-the-lines-below",
        ),
        pytest.param(
            "[DEFAULT]\n; every section's\nVersion_Locations: %(here)s/gone\n\n"
            "[alembic]\nscript_location = %(here)s/m\n",
            "3:20: MG005 version location broken/gone does not exist",
            0,
            id="inherited-from-default",
        ),
        pytest.param(
            "[alembic]\nscript_location = %(here)s/empty\n",
            "2:19: MG005 version location broken/empty/versions does not exist",
            1,
            id="versions-of-the-script-location",
        ),
        pytest.param(
            "[alembic]\nscript_location = %(here)s/m\nversion_locations = %(here)s/m/versions\n\n"
            "[other]\nscript_location = %(here)s/m\nversion_locations = %(here)s/m/versions %(here)s/m/gone\n",
            "7:21: MG005 version location broken/m/gone does not exist",
            0,
            id="the-option-of-its-own-section",
        ),
        pytest.param(
            "[alembic]\nscript_location = %(here)s/m\nScript_Location = %(here)s/m\n",
            "3:1: MG005 cannot read: option 'script_location' in section 'alembic' already exists (line 3)",
            1,
            id="an-ini-configparser-refuses",
        ),
    ],
)
def test_a_broken_environment_is_reported_at_the_option_at_fault(
    ini: str, finding: str, code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MG005 points at the line of the option at fault and the column of its value (1:1
    before), in the section whose environment it is, else the [DEFAULT] it inherits."""
    write(tmp_path / "ok" / "alembic.ini", "[alembic]\nscript_location = %(here)s/m\n")
    script_dir(tmp_path / "ok" / "m", "a")
    write(tmp_path / "broken" / "alembic.ini", ini)
    script_dir(tmp_path / "broken" / "m", "x")
    (tmp_path / "broken" / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise"])
    assert (result.exit_code, result.stdout.splitlines()[0]) == (code, f"broken/alembic.ini:{finding}")


def test_a_broken_section_of_an_ini_is_one_finding_and_the_others_are_linted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`alembic` runs with [alembic] whatever [other] holds: that environment is linted as
    alembic.ini, [other] is MG005 at its script_location (exit 1 before, with the script
    directory linted a second time as good/migrations and MG005 at alembic.ini:1:1)."""
    write(
        tmp_path / "alembic.ini",
        "[alembic]\nscript_location = good/migrations\n\n[other]\nscript_location = gone\n",
    )
    files = script_dir(tmp_path / "good" / "migrations", "a", "b<-a")
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", files)]
    assert project.problems == (
        EnvironmentProblem(
            tmp_path / "alembic.ini",
            "alembic.ini [other]: script_location gone does not exist",
            5,
            18,
            "alembic.ini [other]",
        ),
    )
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert (code, stderr) == (1, "")
    assert summary(report) == [("alembic.ini", 2, ["b"], ["a"]), ("alembic.ini [other]", 0, [], [])]
    assert [(d["code"], d["path"], d["line"], d["column"], d["message"]) for d in report["diagnostics"]] == [
        ("MG005", "alembic.ini", 5, 19, "script_location gone does not exist")
    ]


@pytest.mark.parametrize(
    ("ini", "history", "expected"),
    [
        # GeoNature: no script_location (the app gives it, and adds its modules' version
        # locations): a depends_on naming another package's revision is not missing
        ("[alembic]\n", ("a", "b<-a+6afe74833ed0"), []),
        # ... but a down_revision is, and so is a near miss of one of its own ids
        ("[alembic]\n", ("a", "b<-6afe74833ed0"), [("MG103", "b")]),
        ("[alembic]\n", ("9f3e1c2b7a40", "b<-9f3e1c2b7a40+9f3e1c2b7a41"), [("MG103", "b")]),
        # an ini that names the script location: every location is in the files
        ("[alembic]\nscript_location = %(here)s\n", ("a", "b<-a+6afe74833ed0"), [("MG103", "b")]),
    ],
)
def test_a_depends_on_outside_an_environment_whose_locations_code_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ini: str, history: tuple[str, ...], expected: list
) -> None:
    write(tmp_path / "migrations" / "alembic.ini", ini)
    script_dir(tmp_path / "migrations", *history)
    code, report, _ = lint(tmp_path, monkeypatch)
    assert [(d["code"], d["revisions"][0]) for d in report["diagnostics"]] == expected
    assert code == (1 if expected else 0)


def test_the_leftover_template_section_beside_the_sections_a_project_runs_is_no_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`alembic init` wrote [alembic] (script_location = ., the ini's own directory, with
    no env.py and no versions/); the project runs [pv] and [forecast] by name
    (nowcasting_datamodel). Before: MG005 error "version location versions does not
    exist" on the whole tree, and `miglint lint forecast` (or its versions/) exited 2."""
    write(
        tmp_path / "alembic.ini",
        "[alembic]\nscript_location = .\nsqlalchemy.url = driver://user:pass@localhost/dbname\n\n"
        "[pv]\nscript_location = %(here)s/pv\n\n[forecast]\nscript_location = %(here)s/forecast\n",
    )
    pv = script_dir(tmp_path / "pv", "p1")
    forecast = script_dir(tmp_path / "forecast", "f1", "f2<-f1")
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini [pv]", pv), ("alembic.ini [forecast]", forecast)]
    assert project.problems == ()
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert (code, stderr, report["diagnostics"]) == (0, "", [])
    assert summary(report) == [
        ("alembic.ini [pv]", 1, ["p1"], ["p1"]),
        ("alembic.ini [forecast]", 2, ["f2"], ["f1"]),
    ]
    for target in ("forecast", "forecast/versions"):
        code, report, stderr = lint(tmp_path, monkeypatch, target)
        assert (code, stderr, summary(report)) == (0, "", [("alembic.ini [forecast]", 2, ["f2"], ["f1"])])


def test_a_section_pointing_at_an_empty_directory_is_still_mg005_when_no_other_is_an_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a section beside real environments is taken for the template's leftover: alone,
    or beside another section that is broken too, an empty script directory lints nothing,
    and says so."""
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = .\n\n[other]\nscript_location = gone\n")
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert (
        result.stderr
        == "miglint: error: alembic.ini: version location versions does not exist (and 1 more)\n"
    )


def test_a_broken_section_does_not_stop_linting_the_directory_of_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`miglint lint main` asks for [main]'s directory: a section of the same ini that
    cannot be read is not its problem (it stopped the run with exit 2)."""
    write(
        tmp_path / "alembic.ini",
        "[alembic]\nscript_location = main\n\n[other]\nscript_location = main\n"
        "version_locations = %(here)s/main/versions %(here)s/gone\nversion_path_separator = bogus\n",
    )
    script_dir(tmp_path / "main", "a", "b<-a")
    code, report, stderr = lint(tmp_path, monkeypatch, "main")
    assert (code, stderr, summary(report)) == (0, "", [("alembic.ini", 2, ["b"], ["a"])])


@pytest.mark.parametrize("severity", [None, "error"])
def test_a_missing_version_location_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, severity: str | None
) -> None:
    """Alembic reads past a version location that does not exist and loads the others (an
    empty history when there are no others): [other] is linted so, with MG005 a warning at
    its version_locations (exit 1 before, [other] unread); a configured severity applies."""
    write(
        tmp_path / "alembic.ini",
        "[alembic]\nscript_location = good/migrations\n\n"
        "[other]\nscript_location = good/migrations\nversion_locations = nope\n",
    )
    if severity:
        write(tmp_path / "pyproject.toml", f'[tool.miglint.rules.MG005]\nseverity = "{severity}"\n')
    files = script_dir(tmp_path / "good" / "migrations", "a", "b<-a")
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", files), ("alembic.ini [other]", [])]
    assert project.problems == ()
    assert project.environments[1].problems == (
        EnvironmentProblem(
            tmp_path / "alembic.ini",
            "alembic.ini [other]: version location nope does not exist",
            6,
            20,
            "alembic.ini [other]",
        ),
    )
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert (code, stderr) == (1 if severity else 0, "")
    assert summary(report) == [("alembic.ini", 2, ["b"], ["a"]), ("alembic.ini [other]", 0, [], [])]
    assert [
        (d["code"], d["severity"], d["path"], d["line"], d["column"], d["message"])
        for d in report["diagnostics"]
    ] == [("MG005", severity or "warning", "alembic.ini", 6, 21, "version location nope does not exist")]


def test_version_locations_chosen_at_run_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bunkerweb: `version_locations = versions`, which does not exist; env.py and a Docker
    entrypoint's `sed` choose `<database>_versions/` at run time. Alembic loads an empty
    history from the ini: so does miglint (exit 2 before, "version location db/versions does
    not exist", for lint, graph and one-file lint), MG005 a warning at that line, and the
    revisions of the folders beside it MG004's, named and counted."""
    write(
        tmp_path / "db" / "alembic.ini",
        "[alembic]\nscript_location = .\nversion_locations = versions\nversion_path_separator = :\n",
    )
    write(tmp_path / "db" / "env.py", ENV_PY)
    mysql = revisions(tmp_path / "db" / "mysql_versions", "a", "b<-a")
    revisions(tmp_path / "db" / "sqlite_versions", "x")
    write(tmp_path / "db" / "helpers" / "names.py", "TABLES = ['user']\n")  # not a revision
    project = discover([], tmp_path)
    assert found(project) == [("db/alembic.ini", [])]
    assert [p.relative_to(tmp_path).as_posix() for p in project.environments[0].uncovered] == [
        "db/mysql_versions/a_rev.py",
        "db/mysql_versions/b_rev.py",
        "db/sqlite_versions/x_rev.py",
    ]
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert (code, stderr) == (0, "")
    assert summary(report) == [("db/alembic.ini", 0, [], [])]
    assert [
        (d["code"], d["severity"], d["path"], d["line"], d["column"], d["message"])
        for d in report["diagnostics"]
    ] == [
        ("MG005", "warning", "db/alembic.ini", 3, 21, "version location db/versions does not exist"),
        (
            "MG004",
            "warning",
            "db/mysql_versions/a_rev.py",
            REVISION_LINE,
            12,
            "3 revision files in 2 directories that no version location covers: db/mysql_versions (2), "
            "db/sqlite_versions (1); none is read: no version location is configured where miglint can see it",
        ),
    ]
    drawn = cli_runner().invoke(main, ["graph", "--no-cache", "--format", "json", "."])
    assert drawn.exit_code == 0, drawn.stderr
    assert json.loads(drawn.stdout)["revisions"] == []
    code, one, _ = lint(tmp_path, monkeypatch, str(mysql[0].relative_to(tmp_path)))
    assert code == 0
    assert findings(one) == [("MG004", "db/mysql_versions/a_rev.py", REVISION_LINE, ["a", "b", "x"])]


def test_a_script_directory_of_a_broken_ini_is_not_linted_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ini names migrations/ and cannot be read: before, migrations/ was linted a second
    time as an environment configured in code (1 revision of the 2), beside MG005 at 1:1.
    Now the ini's is the only environment, and it cannot be read: exit 2, as for every
    project whose environments are all broken."""
    write(
        tmp_path / "alembic.ini",
        "[alembic]\nscript_location = migrations\n"
        "version_locations = %(here)s/migrations/versions:%(here)s/migrations/extra\n"
        f"version_path_separator = {INLINE_COMMENT}\n",
    )
    script_dir(tmp_path / "migrations", "a")
    revisions(tmp_path / "migrations" / "extra", "b<-a")
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"miglint: error: alembic.ini: version_path_separator '{INLINE_COMMENT}' is not one of space, "
        "newline, os, ':', ';' (an ini value runs to the end of its line: put the comment on a line of "
        "its own)\n"
    )


def test_declared_environments_are_the_only_ones(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[[tool.miglint.environments]]\nscript-location = "main"\n')
    files = script_dir(tmp_path / "main", "a")
    script_dir(tmp_path / "other", "x")
    assert found(discover([], tmp_path)) == [("main", files)]


# -- Alembic's own templates ------------------------------------------------------------


def alembic_init(root: Path, template: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A real `alembic init -t TEMPLATE migrations` (Alembic runs here, in the test only)."""
    from alembic import command
    from alembic.config import Config

    monkeypatch.chdir(root)
    toml = template.startswith("pyproject")
    config = Config("alembic.ini", toml_file="pyproject.toml" if toml else None)
    command.init(config, "migrations", template=template)
    config = Config("alembic.ini", toml_file="pyproject.toml" if toml else None)
    return config


@pytest.mark.parametrize("template", ["generic", "async", "pyproject", "pyproject_async", "multidb"])
def test_alembic_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str) -> None:
    from alembic import command

    config = alembic_init(tmp_path, template, monkeypatch)
    first = command.revision(config, "first", rev_id="3f1c9e2b7a40")
    command.revision(config, "second", rev_id="8d02e6b1c5f9", head="3f1c9e2b7a40")
    command.revision(config, "fork", rev_id="c47a19e3d820", head="3f1c9e2b7a40", splice=True)
    assert first is not None
    code, report, stderr = lint(tmp_path, monkeypatch)
    assert stderr == ""
    name = "pyproject.toml [tool.alembic]" if template.startswith("pyproject") else "alembic.ini"
    assert summary(report) == [(name, 3, ["8d02e6b1c5f9", "c47a19e3d820"], ["3f1c9e2b7a40"])]
    assert code == 1
    assert [(c, Path(p).name[:8], r) for c, p, _, r in findings(report)] == [
        ("MG102", "8d02e6b1", ["8d02e6b1c5f9", "c47a19e3d820"]),
        ("MG102", "c47a19e3", ["8d02e6b1c5f9", "c47a19e3d820"]),
    ]


def test_multidb_engine_functions_are_read_like_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """multidb's upgrade(engine_name) runs `upgrade_<engine>()` through globals(): their SQL
    is checked as upgrade()'s is; downgrade_<engine>() as downgrade()'s."""
    from alembic import command

    config = alembic_init(tmp_path, "multidb", monkeypatch)
    script = command.revision(config, "tables", rev_id="3f1c9e2b7a40")
    path = Path(script.path)  # type: ignore[union-attr]
    text = path.read_text()
    text = text.replace(
        'def upgrade_engine1() -> None:\n    """Upgrade engine1 schema."""\n    pass',
        'def upgrade_engine1() -> None:\n    """Upgrade engine1 schema."""\n    op.execute("CREATE TABLE t (id int)")',
    ).replace(
        'def downgrade_engine2() -> None:\n    """Downgrade engine2 schema."""\n    pass',
        'def downgrade_engine2() -> None:\n    """Downgrade engine2 schema."""\n    op.execute("DROP TABLE t")',
    )
    path.write_text(text)
    line = text.splitlines().index('    op.execute("CREATE TABLE t (id int)")') + 1
    code, report, _ = lint(tmp_path, monkeypatch)
    assert code == 1
    assert findings(report) == [("MG201", f"migrations/versions/{path.name}", line, ["3f1c9e2b7a40"])]
    assert "upgrade_engine1()" in report["diagnostics"][0]["message"]
    # with include-downgrade, downgrade_engine2()'s DROP is read too
    write(tmp_path / "pyproject.toml", "[tool.miglint]\ninclude-downgrade = true\n")
    drop = text.splitlines().index('    op.execute("DROP TABLE t")') + 1
    _, report, _ = lint(tmp_path, monkeypatch)
    assert [(c, n) for c, _, n, _ in findings(report)] == [("MG201", line), ("MG203", drop)]


def test_helper_named_like_an_entry_is_not_an_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without multidb's dispatch, `upgrade_data()` runs only if upgrade() calls it."""
    versions = tmp_path / "migrations" / "versions"
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    write(tmp_path / "migrations" / "env.py", ENV_PY)
    write(
        versions / "a_rev.py",
        """\
        from alembic import op
        revision = "a"
        down_revision = None


        def upgrade():
            pass


        def upgrade_data():
            op.execute("CREATE TABLE t (id int)")
        """,
    )
    code, report, _ = lint(tmp_path, monkeypatch)
    assert (code, report["diagnostics"]) == (0, [])


# -- one version file ---------------------------------------------------------------------


def test_a_single_version_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor or lint-staged names one file: its environment is read whole (the graph
    needs every revision), and only findings located in that file are reported."""
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    script_dir(tmp_path / "migrations", "a", "b1<-a", "b2<-a")
    code, report, _ = lint(tmp_path, monkeypatch, "migrations/versions/b1_rev.py")
    assert code == 1
    assert findings(report) == [("MG102", "migrations/versions/b1_rev.py", REVISION_LINE, ["b1", "b2"])]
    assert summary(report) == [("alembic.ini", 3, ["b1", "b2"], ["a"])]
    code, report, _ = lint(tmp_path, monkeypatch, "migrations/versions/a_rev.py")
    assert (code, report["diagnostics"]) == (0, [])
    revisions(tmp_path / "migrations" / "versions", "c<-gone")
    code, report, _ = lint(tmp_path, monkeypatch, "migrations/versions/c_rev.py")
    assert [(c, p) for c, p, _, _ in findings(report)] == [("MG103", "migrations/versions/c_rev.py")]
    # from another directory, by absolute path; and a file of an uncovered sub-directory
    (sub,) = revisions(tmp_path / "migrations" / "versions" / "later", "d<-b1")
    code, report, _ = lint(tmp_path.parent, monkeypatch, str(sub))
    assert [c for c, *_ in findings(report)] == ["MG004"]


def test_a_baseline_is_never_written_from_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    script_dir(tmp_path / "migrations", "a", "b1<-a", "b2<-a")
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(
        main, ["lint", "--no-cache", "--write-baseline", "migrations/versions/b1_rev.py"]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "miglint: error: --write-baseline records the whole project: pass a directory, not a version file\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alembic.ini", "migrations"]


def test_a_version_file_of_a_script_directory_without_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script_dir(tmp_path / "db", "a", "b<-zzz")
    code, report, _ = lint(tmp_path, monkeypatch, "db/versions/b_rev.py")
    assert code == 1
    assert [(c, p, r) for c, p, _, r in findings(report)] == [("MG103", "db/versions/b_rev.py", ["b", "zzz"])]


def test_a_python_file_outside_every_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    script_dir(tmp_path / "migrations", "a")
    write(tmp_path / "app" / "models.py", "x = 1\n")
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "app/models.py"])
    assert result.exit_code == 2
    assert result.stderr == (
        "miglint: error: app/models.py: not a version file of an Alembic environment found here or above\n"
    )


@pytest.mark.parametrize(
    "toml",
    [
        "[tool]\nsetuptools = 1\n",
        "[tool.setuptools]\npackages = 1\npackage-dir = []\n",
        '[tool.hatch]\nbuild = "x"\n',
        "[tool.poetry]\npackages = 3\n",
        "[tool.setuptools.packages]\nfind = 1\n",
    ],
)
def test_odd_packaging_settings_are_ignored(tmp_path: Path, toml: str) -> None:
    write(tmp_path / "pyproject.toml", toml)
    write(tmp_path / "src" / "myapp" / "__init__.py", "")
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = myapp:migrations\n")
    files = script_dir(tmp_path / "src" / "myapp" / "migrations", "a")
    assert found(discover([], tmp_path)) == [("alembic.ini", files)]


def test_graph_and_plan_keep_to_the_environment_the_root_configures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lint` at a root reads every environment below it; `graph`, `plan` and `scenarios`
    draw one, and a root ini names it: a fixture project under tests/ does not make them
    ask for --env."""
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    files = script_dir(tmp_path / "migrations", "a", "b<-a")
    fixture = script_dir(tmp_path / "tests" / "fixture", "x")
    assert found(discover([], tmp_path)) == [("alembic.ini", files), ("tests/fixture", fixture)]
    assert found(discover([], tmp_path, whole_tree=False)) == [("alembic.ini", files)]
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["graph", "--no-cache", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert sorted(r["id"] for r in json.loads(result.stdout)["revisions"]) == ["a", "b"]
    result = cli_runner().invoke(main, ["plan", "--no-cache", "--from", "a"])
    assert result.exit_code == 0, result.stderr
    assert "b" in result.stdout


def test_env_names_an_environment_below_the_root_as_lint_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """quetz: a root alembic.ini and plugins/plug/alembic.ini. `lint .` lists both; `graph`,
    `plan` and `scenarios` (and `rebase`, `init-head-file`) take either name after --env (exit 2
    before: "no environment named 'plugins/plug/alembic.ini' (there are: alembic.ini)")."""
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = migrations\n")
    script_dir(tmp_path / "migrations", "a", "b<-a")
    write(tmp_path / "plugins" / "plug" / "alembic.ini", "[alembic]\nscript_location = plug:migrations\n")
    write(tmp_path / "plugins" / "plug" / "plug" / "__init__.py", "")
    plug = revisions(tmp_path / "plugins" / "plug" / "plug" / "migrations" / "versions", "x", "y<-x")
    assert found(discover([], tmp_path)) == [("alembic.ini", ANY), ("plugins/plug/alembic.ini", plug)]
    monkeypatch.chdir(tmp_path)
    plug_env = ["--no-cache", "--env", "plugins/plug/alembic.ini"]
    drawn = cli_runner().invoke(main, ["graph", "--format", "json", *plug_env, "."])
    assert drawn.exit_code == 0, drawn.stderr
    assert json.loads(drawn.stdout)["environment"] == "plugins/plug/alembic.ini"
    assert sorted(r["id"] for r in json.loads(drawn.stdout)["revisions"]) == ["x", "y"]
    text = cli_runner().invoke(main, ["graph", "--format", "text", *plug_env, "."])
    assert (text.exit_code, text.stdout.splitlines()[0]) == (
        0,
        "plugins/plug/plug/migrations: 2 revisions, 1 head, 0 findings",
    )
    planned = cli_runner().invoke(main, ["plan", "--from", "x", *plug_env])
    assert (planned.exit_code, planned.stdout) == (
        0,
        "alembic upgrade heads from x runs 1 revision:\n   1. y  revision y\n",
    )
    scenarios = cli_runner().invoke(main, ["scenarios", *plug_env])
    assert scenarios.exit_code == 0, scenarios.stderr
    # without --env, and with the root's own name, they keep to the root's environment
    root = cli_runner().invoke(main, ["plan", "--no-cache", "--from", "a"])
    assert (root.exit_code, root.stdout) == (
        0,
        "alembic upgrade heads from a runs 1 revision:\n   1. b  revision b\n",
    )
    named = cli_runner().invoke(main, ["plan", "--no-cache", "--from", "a", "--env", "alembic.ini"])
    assert named.stdout == root.stdout
    unknown = cli_runner().invoke(main, ["graph", "--no-cache", "--env", "plug"])
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        "miglint: error: no environment named 'plug' (there are: alembic.ini, plugins/plug/alembic.ini)\n",
    )


def test_env_error_lists_whole_names_then_how_many_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recidiviz: eleven inis with long names. The error line was cut at 500 characters, in
    the middle of a name; now it lists whole names, then how many more there are."""
    folder = "recidiviz/persistence/database/migrations"
    for index in range(11):
        name = f"database_number_{index:02d}"
        write(tmp_path / folder / f"{name}_alembic.ini", f"[alembic]\nscript_location = %(here)s/{name}\n")
        script_dir(tmp_path / folder / name, "a")
    monkeypatch.chdir(tmp_path)
    inis = [f"{folder}/database_number_{index:02d}_alembic.ini" for index in range(11)]
    pick = cli_runner().invoke(main, ["graph", "--no-cache", "."])
    shown = ", ".join(repr(n) for n in inis[:5])
    assert (pick.exit_code, pick.stderr) == (
        2,
        f"miglint: error: the project has 11 environments; pick one with --env ({shown}, "
        "and 6 more (`miglint lint` lists every one))\n",
    )
    unknown = cli_runner().invoke(main, ["graph", "--no-cache", "--env", "jails", "."])
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        f"miglint: error: no environment named 'jails' (there are: {', '.join(inis[:5])}, "
        "and 6 more (`miglint lint` lists every one))\n",
    )


def test_an_environment_found_below_keeps_its_own_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A script directory configured in code, in a sub-project with its own [tool.miglint]:
    linted from the root as it would be alone."""
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    script_dir(tmp_path / "migrations", "a", "b1<-a", "b2<-a")
    write(tmp_path / "tenant" / "pyproject.toml", '[tool.miglint]\nignore = ["MG102"]\n')
    script_dir(tmp_path / "tenant" / "migrations", "t1", "t2a<-t1", "t2b<-t1")
    code, report, _ = lint(tmp_path, monkeypatch)
    assert code == 1
    assert [(c, p) for c, p, _, _ in findings(report)] == [
        ("MG102", "migrations/versions/b1_rev.py"),
        ("MG102", "migrations/versions/b2_rev.py"),
    ]
    assert [name for name, *_ in summary(report)] == ["alembic.ini", "tenant/migrations"]


def test_an_invalid_pyproject_is_mg005_at_its_own_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """corpus 23: a cookiecutter sub-project's pyproject.toml holds a Jinja line; beside another
    environment it is MG005, pointed at pyproject.toml's line (was alembic.ini:1:1 with the
    absolute path in the message)."""
    write(tmp_path / "template" / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    write(tmp_path / "template" / "pyproject.toml", '[project]\nname = "x"\n\n{{ slug }} = "cli:main"\n')
    script_dir(tmp_path / "template" / "migrations")
    write(tmp_path / "example" / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    script_dir(tmp_path / "example" / "migrations", "a")
    code, report, _ = lint(tmp_path, monkeypatch)
    assert code == 1
    assert [(d["code"], d["path"], d["line"], d["column"], d["message"]) for d in report["diagnostics"]] == [
        ("MG005", "template/pyproject.toml", 4, 1, "invalid TOML: Invalid statement (at line 4, column 1)")
    ]
