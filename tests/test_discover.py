"""Discovery: which environments miglint finds, and which files each one reads.

Every configuration form Alembic accepts (alembic.ini, [tool.alembic], named sections,
package resources, several version locations, recursive ones), the layouts measured in
real repositories (REAL-WORLD.md, "Where the revisions are"), [tool.miglint], and the
configuration errors the CLI turns into exit code 2. Each test builds its project in
tmp_path and asserts the exact environment names and the exact files, in order.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import revisions, script_directory_without_versions, spec, version_source, write, write_project
from miglint.cli import main
from miglint.config import ConfigError, EnvironmentSpec, Settings
from miglint.pipeline import Options, lint_paths
from miglint.reading.discover import EnvironmentProblem, Project, _place, discover

INI = """\
[alembic]
script_location = %(here)s/migrations
path_separator = os
"""


def found(project: Project) -> list[tuple[str, list[Path]]]:
    return [(env.name, list(env.files)) for env in project.environments]


def standard_project(root: Path, ini: str = INI) -> list[Path]:
    """alembic.ini + migrations/env.py + migrations/versions/{a,b}."""
    write(root / "alembic.ini", ini)
    write(root / "migrations" / "env.py", "raise RuntimeError('env.py is never run')\n")
    return revisions(root / "migrations" / "versions", "a", "b<-a")


def codes(root: Path) -> list[str]:
    reports = lint_paths([str(root)], root, Options(use_cache=False))
    return sorted(d.code for report in reports for d in report.diagnostics)


# -- where miglint starts ------------------------------------------------------------


def test_no_argument_at_project_root(tmp_path: Path) -> None:
    files = standard_project(tmp_path)
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", files)]
    assert project.root == tmp_path
    assert project.settings == Settings(root=tmp_path)
    (env,) = project.environments
    assert env.script_location == tmp_path / "migrations"
    assert env.version_locations == (tmp_path / "migrations" / "versions",)


def test_no_argument_below_project_root_searches_upwards(tmp_path: Path) -> None:
    files = standard_project(tmp_path)
    below = tmp_path / "app" / "models"
    below.mkdir(parents=True)
    project = discover([], below)
    # Named the way the report names files: relative to the working directory.
    assert found(project) == [("../../alembic.ini", files)]
    assert project.root == tmp_path


def test_no_argument_inside_versions_directory(tmp_path: Path) -> None:
    files = standard_project(tmp_path)
    project = discover([], tmp_path / "migrations" / "versions")
    assert found(project) == [("../../alembic.ini", files)]
    assert project.root == tmp_path


@pytest.mark.parametrize(
    "target", [".", "alembic.ini", "migrations", "migrations/versions", "migrations/versions/"]
)
def test_path_argument_in_project(tmp_path: Path, target: str) -> None:
    """The project root, its ini, its script location and its versions directory all
    read the environment as alembic.ini configures it."""
    files = standard_project(tmp_path)
    for cwd, argument in ((tmp_path, target), (tmp_path.parent, str(tmp_path / target))):
        project = discover([argument], cwd)
        name = "alembic.ini" if cwd == tmp_path else f"{tmp_path.name}/alembic.ini"
        assert found(project) == [(name, files)], argument
        assert project.root == tmp_path


@pytest.mark.parametrize("target", ["migrations", "migrations/versions"])
def test_script_or_versions_directory_uses_the_configured_locations(tmp_path: Path, target: str) -> None:
    """Pointing at migrations/ must not drop the second version location (MG103 on a
    chain that crosses both) nor the sub-directories of a recursive one."""
    write(
        tmp_path / "pyproject.toml",
        """\
        [tool.alembic]
        script_location = "%(here)s/migrations"
        version_locations = ["%(here)s/migrations/versions", "%(here)s/migrations/extra_versions"]
        recursive_version_locations = true
        """,
    )
    a, b = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    (c,) = revisions(tmp_path / "migrations" / "versions" / "2025", "c<-b")
    (d,) = revisions(tmp_path / "migrations" / "extra_versions", "d<-c")
    project = discover([target], tmp_path)
    assert found(project) == [("pyproject.toml [tool.alembic]", [a, b, c, d])]
    assert project.root == tmp_path
    assert codes(tmp_path / target) == []


def test_script_location_directory_without_configuration(tmp_path: Path) -> None:
    write(tmp_path / "migrations" / "env.py", "")
    files = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    project = discover(["migrations"], tmp_path)
    assert found(project) == [("migrations", files)]
    assert project.root == tmp_path / "migrations"


def test_versions_directory_without_configuration(tmp_path: Path) -> None:
    files = revisions(tmp_path / "versions", "a", "b<-a")
    project = discover(["versions"], tmp_path)
    assert found(project) == [("versions", files)]
    assert project.environments[0].version_locations == (tmp_path / "versions",)


def test_pyproject_argument(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    files = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    for cwd, argument, name in (
        (tmp_path, "pyproject.toml", "pyproject.toml [tool.alembic]"),
        (tmp_path.parent, str(tmp_path / "pyproject.toml"), f"{tmp_path.name}/pyproject.toml [tool.alembic]"),
    ):
        project = discover([argument], cwd)
        assert found(project) == [(name, files)]
        assert project.root == tmp_path


def test_file_that_is_neither_config_nor_directory(tmp_path: Path) -> None:
    standard_project(tmp_path)
    readme = write(tmp_path / "migrations" / "README", "Generic single-database configuration.\n")
    with pytest.raises(ConfigError, match="pass a project directory"):
        discover([str(readme)], tmp_path)


# -- alembic.ini ---------------------------------------------------------------------


def test_relative_script_location_resolves_against_the_ini(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    files = standard_project(root, "[alembic]\nscript_location = migrations\n")
    project = discover(["proj"], tmp_path)
    assert found(project) == [("proj/alembic.ini", files)]
    assert project.environments[0].script_location == root / "migrations"


@pytest.mark.parametrize(
    ("separator_line", "joiner"),
    [
        ("path_separator = os", os.pathsep),
        ("path_separator = space", " "),
        ("path_separator = newline", "\n    "),
        ("path_separator = ;", "; "),
        ("path_separator = :", ":"),
        ("version_path_separator = ;", ";"),  # deprecated name, still read
        ("version_path_separator = os", os.pathsep),
        ("", " "),  # legacy: no separator, split on spaces ...
        ("", ", "),  # ... and on commas
        ("", ","),
    ],
    ids=[
        "os",
        "space",
        "newline",
        "semicolon",
        "colon",
        "legacy-name",
        "legacy-name-os",
        "none-space",
        "none-comma-space",
        "none-comma",
    ],
)
def test_version_locations_separators(tmp_path: Path, separator_line: str, joiner: str) -> None:
    locations = ["%(here)s/migrations/versions", "%(here)s/extra"]
    value = joiner.join(locations)
    if "\n" in joiner:
        value = "\n    " + value
    write(
        tmp_path / "alembic.ini",
        f"[alembic]\nscript_location = %(here)s/migrations\n{separator_line}\nversion_locations = {value}\n",
    )
    a, b = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    (c,) = revisions(tmp_path / "extra", "c<-b")
    project = discover([], tmp_path)
    # Several version locations are one environment: one graph.
    assert found(project) == [("alembic.ini", [a, b, c])]
    assert project.environments[0].version_locations == (
        tmp_path / "migrations" / "versions",
        tmp_path / "extra",
    )
    assert codes(tmp_path) == []


def test_version_locations_relative_to_the_ini(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(
        root / "alembic.ini",
        "[alembic]\nscript_location = migrations\npath_separator = os\n"
        f"version_locations = migrations/versions{os.pathsep}migrations/more\n",
    )
    a, b = revisions(root / "migrations" / "versions", "a", "b<-a")
    (c,) = revisions(root / "migrations" / "more", "c<-b")
    assert found(discover([], root)) == [("alembic.ini", [a, b, c])]


def test_recursive_version_locations(tmp_path: Path) -> None:
    files = standard_project(tmp_path, INI + "recursive_version_locations = true\n")
    versions = tmp_path / "migrations" / "versions"
    (c,) = revisions(versions / "release1", "c<-b")
    (d,) = revisions(versions / "release2" / "contract", "d<-c")
    (e,) = revisions(versions / "release2" / "expand", "e<-d")
    revisions(versions / "__pycache__", "stale")
    revisions(versions / "release1" / "__pycache__", "stale2")
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", [*files, c, d, e])]
    assert codes(tmp_path) == []


@pytest.mark.parametrize(
    "setting", ["", "recursive_version_locations = false\n", "recursive_version_locations = True\n"]
)
def test_sub_directories_are_not_read_unless_recursive(tmp_path: Path, setting: str) -> None:
    # Alembic compares the ini value with "true" exactly.
    files = standard_project(tmp_path, INI + setting)
    revisions(tmp_path / "migrations" / "versions" / "release1", "c<-b")
    assert found(discover([], tmp_path)) == [("alembic.ini", files)]


def test_only_revision_files_are_read(tmp_path: Path) -> None:
    files = standard_project(tmp_path)
    versions = tmp_path / "migrations" / "versions"
    (versions / "__init__.py").write_text("")
    (versions / ".#b_rev.py").symlink_to("user@host.1234:1700000000")  # an Emacs lock: dangling
    (versions / ".#c_rev.py").write_text(version_source(spec("c<-b")))
    for name in ("README.md", "a_rev.pyc", "notes.txt", "script.py.mako", "b_rev.py~", "b_rev.py.orig"):
        (versions / name).write_text("revision = 'zzz'\n")
    assert found(discover([], tmp_path)) == [("alembic.ini", files)]


def test_directory_reached_through_two_locations_is_read_once(tmp_path: Path) -> None:
    write(
        tmp_path / "alembic.ini",
        INI + "version_locations = %(here)s/migrations/versions:%(here)s/alias\n",
    )
    files = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    (tmp_path / "alias").symlink_to(tmp_path / "migrations" / "versions", target_is_directory=True)
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", files)]
    assert codes(tmp_path) == []  # no MG104 for the same file seen twice


def test_file_symlinked_into_another_location_is_read_once(tmp_path: Path) -> None:
    write(
        tmp_path / "alembic.ini",
        INI + "version_locations = %(here)s/migrations/versions:%(here)s/shared\n",
    )
    a, b = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    revisions(tmp_path / "shared", "c<-b")
    link = tmp_path / "migrations" / "versions" / "c_link.py"
    link.symlink_to(tmp_path / "shared" / "c_rev.py")
    assert found(discover([], tmp_path)) == [("alembic.ini", [a, b, link])]


def test_percent_in_an_unread_option_is_harmless(tmp_path: Path) -> None:
    # Alembic only interpolates the options it reads; a URL-encoded password is fine.
    files = standard_project(tmp_path, INI + "sqlalchemy.url = postgresql://app:p%40ss@db/app\n")
    assert found(discover([], tmp_path)) == [("alembic.ini", files)]


def test_ini_that_is_a_symlink(tmp_path: Path) -> None:
    """%(here)s is the directory of the link, as in Alembic (Path.absolute, not resolve)."""
    write(tmp_path / "config" / "alembic.ini", INI)
    (tmp_path / "alembic.ini").symlink_to(tmp_path / "config" / "alembic.ini")
    files = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    for argument in ([], ["alembic.ini"], ["."]):
        assert found(discover(argument, tmp_path)) == [("alembic.ini", files)], argument


# -- pyproject.toml [tool.alembic] -----------------------------------------------------


def test_tool_alembic_without_ini(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """\
        [project]
        name = "app"

        [tool.alembic]
        script_location = "%(here)s/migrations"
        version_locations = ["%(here)s/migrations/versions", "migrations/extra"]
        recursive_version_locations = true
        """,
    )
    a, b = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    (c,) = revisions(tmp_path / "migrations" / "versions" / "sub", "c<-b")
    (d,) = revisions(tmp_path / "migrations" / "extra", "d<-c")
    project = discover([], tmp_path)
    assert found(project) == [("pyproject.toml [tool.alembic]", [a, b, c, d])]
    assert project.environments[0].version_locations == (
        tmp_path / "migrations" / "versions",
        tmp_path / "migrations" / "extra",
    )
    assert project.settings == Settings(root=tmp_path)


def test_tool_alembic_default_versions_not_recursive(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.alembic]\nscript_location = "migrations"\n')
    files = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    revisions(tmp_path / "migrations" / "versions" / "sub", "c<-b")
    assert found(discover([], tmp_path)) == [("pyproject.toml [tool.alembic]", files)]


def test_ini_wins_over_tool_alembic_option_by_option(tmp_path: Path) -> None:
    """script_location from the ini; version_locations and the recursive flag, absent
    from the ini, from [tool.alembic]."""
    standard_project(tmp_path)
    write(
        tmp_path / "pyproject.toml",
        """\
        [tool.alembic]
        script_location = "%(here)s/not_this_one"
        version_locations = ["%(here)s/migrations/versions", "%(here)s/extra"]
        recursive_version_locations = true
        """,
    )
    versions = tmp_path / "migrations" / "versions"
    (c,) = revisions(versions / "2025", "c<-b")
    (d,) = revisions(tmp_path / "extra", "d<-c")
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", [versions / "a_rev.py", versions / "b_rev.py", c, d])]
    assert project.environments[0].script_location == tmp_path / "migrations"
    # The same when the ini itself is named on the command line.
    assert found(discover(["alembic.ini"], tmp_path)) == found(project)


def test_ini_values_win_over_tool_alembic(tmp_path: Path) -> None:
    files = standard_project(
        tmp_path,
        INI + "recursive_version_locations = false\nversion_locations = %(here)s/migrations/versions\n",
    )
    revisions(tmp_path / "migrations" / "versions" / "2025", "c<-b")
    write(
        tmp_path / "pyproject.toml",
        '[tool.alembic]\nversion_locations = ["%(here)s/nowhere"]\nrecursive_version_locations = true\n',
    )
    assert found(discover([], tmp_path)) == [("alembic.ini", files)]


def test_script_location_only_in_tool_alembic(tmp_path: Path) -> None:
    """An alembic.ini kept for logging and the URL, its [alembic] options still read."""
    write(
        tmp_path / "alembic.ini",
        "[alembic]\nsqlalchemy.url = sqlite://\npath_separator = os\n"
        f"version_locations = %(here)s/migrations/versions{os.pathsep}%(here)s/extra\n\n"
        "[loggers]\nkeys = root\n",
    )
    write(tmp_path / "pyproject.toml", '[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    a, b = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    (c,) = revisions(tmp_path / "extra", "c<-b")
    project = discover([], tmp_path)
    assert found(project) == [("pyproject.toml [tool.alembic]", [a, b, c])]
    assert project.environments[0].script_location == tmp_path / "migrations"


def test_path_separator_is_read_from_the_ini_only(tmp_path: Path) -> None:
    # Alembic reads path_separator with get_main_option: [tool.alembic] never sets it.
    write(
        tmp_path / "alembic.ini",
        INI.replace("path_separator = os\n", "")
        + "version_locations = %(here)s/migrations/versions %(here)s/extra\n",
    )
    write(tmp_path / "pyproject.toml", '[tool.alembic]\npath_separator = ";"\n')
    a, b = revisions(tmp_path / "migrations" / "versions", "a", "b<-a")
    (c,) = revisions(tmp_path / "extra", "c<-b")
    assert found(discover([], tmp_path)) == [("alembic.ini", [a, b, c])]


# -- several environments in one project -----------------------------------------------

NAMED_SECTIONS = """\
[core]
script_location = {core}
path_separator = os

[tenant]
script_location = {tenant}
path_separator = os

[loggers]
keys = root
"""


def test_named_sections_are_separate_environments(tmp_path: Path) -> None:
    write(
        tmp_path / "alembic.ini",
        NAMED_SECTIONS.format(core="%(here)s/core_migrations", tenant="%(here)s/tenant_migrations"),
    )
    # The same base revision id starts both environments (REAL-WORLD.md).
    core = revisions(tmp_path / "core_migrations" / "versions", "base", "c1<-base")
    tenant = revisions(tmp_path / "tenant_migrations" / "versions", "base", "t1<-base")
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini [core]", core), ("alembic.ini [tenant]", tenant)]
    assert codes(tmp_path) == []


@pytest.mark.parametrize("layout", ["flat", "src"])
def test_package_resource_script_location_is_found_without_importing(tmp_path: Path, layout: str) -> None:
    package = tmp_path / ("src" if layout == "src" else "") / "mypkg"
    write(package / "__init__.py", "raise RuntimeError('mypkg must not be imported')\n")
    write(package / "db" / "__init__.py", "raise RuntimeError('mypkg.db must not be imported')\n")
    write(
        tmp_path / "alembic.ini",
        NAMED_SECTIONS.format(core="mypkg:core_migrations", tenant="mypkg.db:tenant/migrations"),
    )
    core = revisions(package / "core_migrations" / "versions", "base", "c1<-base")
    tenant = revisions(package / "db" / "tenant" / "migrations" / "versions", "base", "t1<-base")
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini [core]", core), ("alembic.ini [tenant]", tenant)]
    assert project.environments[0].script_location == package / "core_migrations"
    assert "mypkg" not in sys.modules


def test_missing_package_resource(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = no_such_pkg_miglint:migrations\n")
    with pytest.raises(
        ConfigError, match=r"alembic.ini: cannot find package resource 'no_such_pkg_miglint:migrations'"
    ):
        discover([], tmp_path)


def test_one_graph_per_dialect_directory(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", INI)
    write(tmp_path / "migrations" / "env.py", "")
    versions = tmp_path / "migrations" / "versions"
    postgresql = revisions(versions / "postgresql", "a", "b<-a", "c<-b")
    sqlite = revisions(versions / "sqlite", "a", "b<-a", "d<-b")
    (versions / "__pycache__").mkdir()
    project = discover([], tmp_path)
    assert found(project) == [
        ("alembic.ini (migrations/versions/postgresql)", postgresql),
        ("alembic.ini (migrations/versions/sqlite)", sqlite),
    ]
    assert [env.version_locations for env in project.environments] == [
        (versions / "postgresql",),
        (versions / "sqlite",),
    ]
    # Ids repeat across the two graphs: neither a duplicate nor a second head.
    assert codes(tmp_path) == []
    # Pointing at the versions directory reads the same two graphs; at one of them, that one.
    assert found(discover(["migrations/versions"], tmp_path)) == found(project)
    assert found(discover(["migrations/versions/sqlite"], tmp_path)) == found(project)[1:]


def test_three_environments_below_the_root(tmp_path: Path) -> None:
    a = standard_project(tmp_path / "svc_a")
    b = standard_project(tmp_path / "svc_b", "[alembic]\nscript_location = migrations\n")
    write(tmp_path / "svc_c" / "pyproject.toml", '[tool.alembic]\nscript_location = "%(here)s/db"\n')
    c = revisions(tmp_path / "svc_c" / "db" / "versions", "x", "y<-x")
    # Installed packages and tooling carry alembic.ini files of their own.
    standard_project(tmp_path / ".venv" / "lib" / "site-packages" / "somepkg")
    standard_project(tmp_path / "node_modules" / "pkg")
    write(tmp_path / "node_modules" / "broken" / "alembic.ini", "[alembic]\n")
    expected = [
        ("svc_a/alembic.ini", a),
        ("svc_b/alembic.ini", b),
        ("svc_c/pyproject.toml [tool.alembic]", c),
    ]
    project = discover([], tmp_path)
    assert found(project) == expected
    assert project.root == tmp_path
    assert found(discover(["."], tmp_path)) == expected
    assert found(discover([str(tmp_path)], tmp_path)) == expected
    # Each service alone, and from inside one of them.
    assert found(discover(["svc_b"], tmp_path)) == [expected[1]]
    assert found(discover([], tmp_path / "svc_c")) == [("pyproject.toml [tool.alembic]", c)]


def test_root_settings_over_environments_below(tmp_path: Path) -> None:
    """A [tool.miglint] table at the root configures the repository; its environments
    are still the ones found below."""
    write(tmp_path / "pyproject.toml", '[tool.miglint]\nignore = ["MG111"]\n')
    a = standard_project(tmp_path / "svc_a")
    b = standard_project(tmp_path / "svc_b")
    for cwd in (tmp_path, tmp_path / "docs"):
        cwd.mkdir(exist_ok=True)
        project = discover([], cwd)
        prefix = "" if cwd == tmp_path else "../"
        assert found(project) == [(f"{prefix}svc_a/alembic.ini", a), (f"{prefix}svc_b/alembic.ini", b)]
        assert project.settings.ignore == ("MG111",)
        assert project.root == tmp_path


# -- [tool.miglint] ------------------------------------------------------------------


def test_tool_miglint_settings(tmp_path: Path) -> None:
    files = standard_project(tmp_path)
    write(
        tmp_path / "pyproject.toml",
        """\
        [tool.miglint]
        select = ["MG1", "MG001"]
        extend-select = ["MG009"]
        ignore = ["MG111"]
        baseline = "miglint-baseline.json"
        dialect = "mysql"
        exclude = ["migrations/versions/legacy_*.py"]
        critical = ["MG101", "MG104"]
        runners = ["scripts/*.sh", "Dockerfile"]
        cache-dir = ".cache/miglint"
        include-downgrade = true

        [tool.miglint.rules.MG111]
        allow = ["deadbeef0001"]
        """,
    )
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", files)]
    assert project.settings == Settings(
        root=tmp_path,
        source=tmp_path / "pyproject.toml",
        select=("MG1", "MG001"),
        extend_select=("MG009",),
        ignore=("MG111",),
        exclude=("migrations/versions/legacy_*.py",),
        baseline="miglint-baseline.json",
        runners=("scripts/*.sh", "Dockerfile"),
        critical=("MG101", "MG104"),
        dialect="mysql",
        include_downgrade=True,
        cache_dir=".cache/miglint",
        rule_settings={"MG111": {"allow": ["deadbeef0001"]}},
    )


def test_settings_come_from_the_nearest_tool_miglint_above(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.miglint]\ndialect = "sqlite"\n')
    files = standard_project(tmp_path / "svc")
    project = discover(["svc"], tmp_path)
    assert found(project) == [("svc/alembic.ini", files)]
    assert project.settings.dialect == "sqlite"
    assert project.settings.source == tmp_path / "pyproject.toml"


def test_relative_settings_are_relative_to_their_pyproject(tmp_path: Path) -> None:
    """exclude (and cache-dir) mean the same whether miglint starts at the repository
    root or in the service below it."""
    write(tmp_path / "pyproject.toml", '[tool.miglint]\nexclude = ["svc/migrations/versions/a_*"]\n')
    _, b = standard_project(tmp_path / "svc")
    for cwd, arguments in (
        (tmp_path, ["svc"]),
        (tmp_path, []),
        (tmp_path / "svc", []),
        (tmp_path / "svc", ["migrations"]),
    ):
        project = discover(arguments, cwd)
        assert [list(env.files) for env in project.environments] == [[b]], (cwd, arguments)
        assert project.root == tmp_path
        assert project.settings.root == tmp_path


def test_declared_environments_replace_discovery(tmp_path: Path) -> None:
    standard_project(tmp_path)  # alembic.ini at the root: not read
    write(
        tmp_path / "pyproject.toml",
        """\
        [[tool.miglint.environments]]
        name = "main"
        script-location = "app/migrations"

        [[tool.miglint.environments]]
        name = "archive"
        version-locations = ["archive/v1", "archive/v2"]
        recursive-version-locations = true

        [[tool.miglint.environments]]
        config = "tenants/alembic.ini"
        section = "tenant"

        [[tool.miglint.environments]]
        config = "tenants/alembic.ini"
        section = "alembic"
        """,
    )
    main_files = revisions(tmp_path / "app" / "migrations" / "versions", "m1", "m2<-m1")
    archive = revisions(tmp_path / "archive" / "v1", "o1") + revisions(
        tmp_path / "archive" / "v2" / "x", "o2<-o1"
    )
    write(
        tmp_path / "tenants" / "alembic.ini",
        "[alembic]\nscript_location = %(here)s/shared\n\n"
        + NAMED_SECTIONS.format(core="%(here)s/core", tenant="%(here)s/tenant"),
    )
    shared = revisions(tmp_path / "tenants" / "shared" / "versions", "s1")
    revisions(tmp_path / "tenants" / "core" / "versions", "c1")
    tenant = revisions(tmp_path / "tenants" / "tenant" / "versions", "t1")
    project = discover([], tmp_path)
    assert found(project) == [
        ("main", main_files),
        ("archive", archive),
        ("tenants/alembic.ini [tenant]", tenant),
        ("tenants/alembic.ini", shared),
    ]
    assert project.settings.environments[0] == EnvironmentSpec(
        name="main", script_location="app/migrations", named=True
    )


def test_declared_environment_inline(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.miglint]\nversion-locations = "db/versions"\n')
    files = revisions(tmp_path / "db" / "versions", "a", "b<-a")
    assert found(discover([], tmp_path)) == [("miglint", files)]


def test_declared_environment_with_missing_section(tmp_path: Path) -> None:
    standard_project(tmp_path)
    write(
        tmp_path / "pyproject.toml",
        '[[tool.miglint.environments]]\nconfig = "alembic.ini"\nsection = "tenant"\n',
    )
    with pytest.raises(ConfigError, match=r"alembic.ini: no \[tenant\] section with a script_location"):
        discover([], tmp_path)


def test_declared_environment_with_missing_config(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[[tool.miglint.environments]]\nconfig = "conf/alembic.ini"\n')
    with pytest.raises(ConfigError, match=r"conf/alembic.ini"):
        discover([], tmp_path)


def test_exclude_globs_remove_files(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    write(tmp_path / "alembic.ini", INI + "recursive_version_locations = true\n")
    a, b = revisions(versions, "a", "b<-a")
    revisions(versions / "legacy", "l1", "l2<-l1")
    (scratch,) = revisions(versions, "scratch")
    write(
        tmp_path / "pyproject.toml",
        '[tool.miglint]\nexclude = ["migrations/versions/legacy/*", "scratch_*.py"]\n',
    )
    assert scratch.name == "scratch_rev.py"
    assert found(discover([], tmp_path)) == [("alembic.ini", [a, b])]


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('colour = "auto"', "colour"),
        ("select = 1", "select"),
        ('ignore = ["MG1", 2]', "ignore"),
        ("baseline = 3", "baseline"),
        ('dialect = "db2"', "dialect"),
        ("dialect = 3", "dialect"),
        ('include-downgrade = "yes"', "include-downgrade"),
        ("cache-dir = []", "cache-dir"),
        ("rules = 1", "rules"),
        ('environments = "x"', "environments"),
        ('[[tool.miglint.environments]]\nscriptlocation = "m"', "scriptlocation"),
        ("[[tool.miglint.environments]]\nname = 1\nscript-location = 'm'", "name"),
        ("[[tool.miglint.environments]]\nscript-location = 1", "script-location"),
        ("[[tool.miglint.environments]]\nversion-locations = 5", "version-locations"),
        ("[[tool.miglint.environments]]\nversion-locations = ['v', 5]", "version-locations"),
        (
            "[[tool.miglint.environments]]\nscript-location = 'm'\nrecursive-version-locations = 'yes'",
            "recursive-version-locations",
        ),
        ("[[tool.miglint.environments]]\nconfig = true", "config"),
        ("[[tool.miglint.environments]]\nconfig = 'alembic.ini'\nsection = ['a']", "section"),
        ("[[tool.miglint.environments]]\nname = 'empty'", "environments[0]"),
    ],
)
def test_bad_tool_miglint_settings(tmp_path: Path, table: str, key: str) -> None:
    standard_project(tmp_path)
    header = "" if table.startswith("[[") else "[tool.miglint]\n"
    write(tmp_path / "pyproject.toml", header + table + "\n")
    with pytest.raises(ConfigError) as caught:
        discover([], tmp_path)
    message = str(caught.value)
    assert "pyproject.toml" in message and key in message, message


@pytest.mark.parametrize("section", ["[tool.miglint", "[tool.alembic]\nscript_location = "])
def test_invalid_toml_names_the_file(tmp_path: Path, section: str) -> None:
    standard_project(tmp_path)
    write(tmp_path / "pyproject.toml", section + "\n")
    with pytest.raises(ConfigError, match="invalid TOML") as caught:
        discover([], tmp_path)
    assert str(tmp_path / "pyproject.toml") in str(caught.value)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[tool]\nalembic = "migrations"\n', r"^pyproject.toml \[tool.alembic\]: must be a table$"),
        (
            '[tool.alembic]\nscript_location = ["m"]\n',
            r"^pyproject.toml \[tool.alembic\]: script_location must be a string$",
        ),
        (
            '[tool.alembic]\nscript_location = "%(nope)s/m"\n',
            r"^pyproject.toml \[tool.alembic\]: script_location: cannot interpolate",
        ),
        (
            '[tool.alembic]\nscript_location = "m"\nversion_locations = "m/versions"\n',
            r"^pyproject.toml \[tool.alembic\]: version_locations must be a list of strings$",
        ),
    ],
)
def test_bad_tool_alembic(tmp_path: Path, toml: str, message: str) -> None:
    write(tmp_path / "pyproject.toml", toml)
    revisions(tmp_path / "m" / "versions", "a")
    with pytest.raises(ConfigError, match=message):
        discover([], tmp_path)


def test_tool_alembic_recursive_must_be_a_boolean(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.alembic]\nscript_location = "m"\nrecursive_version_locations = "true"\n',
    )
    revisions(tmp_path / "m" / "versions", "a")
    with pytest.raises(ConfigError, match=r"pyproject.toml \[tool.alembic\]: recursive_version_locations"):
        discover([], tmp_path)


# -- errors --------------------------------------------------------------------------


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^nope/migrations: no such file or directory$"):
        discover(["nope/migrations"], tmp_path)


def test_script_location_that_does_not_exist(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    with pytest.raises(ConfigError, match=r"^alembic.ini: script_location migrations does not exist$"):
        discover([], tmp_path)


def test_version_location_that_does_not_exist(tmp_path: Path) -> None:
    """Alembic reads past a version location that does not exist: the environment is read
    from the others, the missing one is its problem (MG005, a warning), never exit 2."""
    files = standard_project(
        tmp_path, INI + "version_locations = %(here)s/migrations/versions:%(here)s/gone\n"
    )
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", files)]
    assert project.problems == ()
    assert project.environments[0].problems == (
        EnvironmentProblem(
            tmp_path / "alembic.ini",
            "alembic.ini: version location gone does not exist",
            4,
            20,
            "alembic.ini",
        ),
    )


@pytest.mark.parametrize(
    ("setting", "line", "column"),
    [
        ("path_separator = space\nversion_locations = migrations/versions gone\n", 4, 40),
        ("path_separator = newline\nversion_locations =\n    migrations/versions\n    gone\n", 6, 4),
        ("path_separator = newline\nversion_locations = migrations/versions\n  gone  \n", 5, 2),
    ],
    ids=["on-the-option-line", "one-per-continuation-line", "after-the-first-on-the-option-line"],
)
def test_a_missing_version_location_is_reported_where_it_is_written(
    tmp_path: Path, setting: str, line: int, column: int
) -> None:
    standard_project(tmp_path, INI.replace("path_separator = os\n", "") + setting)
    (problem,) = discover([], tmp_path).environments[0].problems
    assert (problem.message, problem.line, problem.column) == (
        "alembic.ini: version location gone does not exist",
        line,
        column,
    )


def test_versions_directory_that_does_not_exist(tmp_path: Path) -> None:
    # without env.py, migrations/ is no script directory Alembic could run: a typo, reported
    (tmp_path / "migrations").mkdir()
    write(tmp_path / "alembic.ini", INI)
    with pytest.raises(
        ConfigError, match=r"^alembic.ini: version location migrations/versions does not exist$"
    ):
        discover([], tmp_path)


@pytest.mark.parametrize("ini", ["[alembic]\nsqlalchemy.url = sqlite://\n", "", "[loggers]\nkeys = root\n"])
def test_ini_without_script_location(tmp_path: Path, ini: str) -> None:
    write(tmp_path / "alembic.ini", ini)
    with pytest.raises(ConfigError, match=r"^alembic.ini: no section has a script_location$"):
        discover([], tmp_path)


def test_tool_alembic_without_script_location(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.alembic]\nversion_locations = ["v"]\n')
    with pytest.raises(
        ConfigError, match=r"^pyproject.toml \[tool.alembic\]: script_location must be a string$"
    ):
        discover([], tmp_path)


def test_no_environment_anywhere(tmp_path: Path) -> None:
    (tmp_path / "src" / "app").mkdir(parents=True)
    write(tmp_path / "pyproject.toml", '[project]\nname = "app"\n')
    with pytest.raises(ConfigError, match="no Alembic environment found") as caught:
        discover([], tmp_path)
    assert str(caught.value).startswith(".: ")
    with pytest.raises(ConfigError, match=r"^src: no Alembic environment found"):
        discover(["src"], tmp_path)


@pytest.mark.parametrize("separator", ["comma", "pathsep", "|"])
def test_bad_path_separator(tmp_path: Path, separator: str) -> None:
    standard_project(
        tmp_path,
        f"[alembic]\nscript_location = %(here)s/migrations\npath_separator = {separator}\n"
        "version_locations = %(here)s/migrations/versions\n",
    )
    with pytest.raises(ConfigError, match=rf"^alembic.ini: path_separator '{separator}' is not one of"):
        discover([], tmp_path)


def test_broken_interpolation(tmp_path: Path) -> None:
    standard_project(tmp_path, "[alembic]\nscript_location = %(nope)s/migrations\n")
    with pytest.raises(ConfigError, match=r"^alembic.ini: script_location: .*'nope'"):
        discover([], tmp_path)


def test_broken_interpolation_in_a_named_section(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[tenant]\nscript_location = %(here)s/m\nversion_locations = %(nope)s\n")
    (tmp_path / "m").mkdir()
    with pytest.raises(ConfigError, match=r"^alembic.ini \[tenant\]: version_locations: .*'nope'"):
        discover([], tmp_path)


def test_unreadable_ini(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "script_location = migrations\n")  # no section header
    with pytest.raises(ConfigError, match=r"^alembic.ini: cannot read: "):
        discover([], tmp_path)


# -- no revisions yet ------------------------------------------------------------------


def test_empty_version_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "alembic.ini", INI)
    write(tmp_path / "migrations" / "env.py", "")
    (tmp_path / "migrations" / "versions").mkdir()
    (tmp_path / "migrations" / "versions" / "__init__.py").write_text("")
    project = discover([], tmp_path)
    assert found(project) == [("alembic.ini", [])]
    assert project.environments[0].files == ()

    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == "miglint: alembic.ini: no revision files found\n"


def test_cli_reports_configuration_errors_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "missing"])
    assert result.exit_code == 2
    assert result.stderr == "miglint: error: missing: no such file or directory\n"


def test_the_same_environment_named_twice_is_read_once(tmp_path: Path) -> None:
    files = standard_project(tmp_path)
    project = discover([".", "alembic.ini", "migrations"], tmp_path)
    assert found(project) == [("alembic.ini", files)]


def test_named_section_falls_back_to_tool_alembic_like_alembic(tmp_path: Path) -> None:
    # Alembic's get_alembic_option consults [tool.alembic] for the section `-n` selects.
    write(tmp_path / "alembic.ini", "[core]\nscript_location = %(here)s/core\n")
    write(tmp_path / "pyproject.toml", "[tool.alembic]\nrecursive_version_locations = true\n")
    write(tmp_path / "core" / "versions" / "nested" / "a_rev.py", version_source(spec("a")))
    (env,) = discover([], tmp_path).environments
    assert env.name == "alembic.ini [core]"
    assert [f.name for f in env.files] == ["a_rev.py"]


def test_declared_section_keeps_the_name_written_for_it(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", NAMED_SECTIONS.format(core="%(here)s/core", tenant="%(here)s/tenant"))
    revisions(tmp_path / "tenant" / "versions", "t1")
    revisions(tmp_path / "core" / "versions", "c1")
    write(
        tmp_path / "pyproject.toml",
        '[[tool.miglint.environments]]\nname = "tenants"\nconfig = "alembic.ini"\nsection = "tenant"\n',
    )
    assert [e.name for e in discover([], tmp_path).environments] == ["tenants"]


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("sqlite:////var/lib/securedrop/db.sqlite", "sqlite"),
        ("mysql+pymysql://root:p%ss@localhost/mlrun", "mysql"),  # a lone % read raw, no error
        ("cockroachdb://root@localhost/app", "postgresql"),
        ("driver://user:pass@localhost/dbname", None),  # Alembic's template names no database
        ("%(DB_URL)s", None),
        ("", None),
    ],
)
def test_an_environment_records_the_database_its_ini_url_names(
    tmp_path: Path, url: str, dialect: str | None
) -> None:
    write_project(tmp_path)
    ini = tmp_path / "alembic.ini"
    ini.write_text(ini.read_text() + f"sqlalchemy.url = {url}\n")
    (env,) = discover([str(tmp_path)], tmp_path).environments
    assert env.url_dialect == dialect


def test_a_script_location_in_the_default_section_makes_no_environment_of_every_section(
    tmp_path: Path,
) -> None:
    # onyx: [DEFAULT] script_location = alembic, then [post_write_hooks], [loggers], [alembic], [schema_private]
    write_project(tmp_path, ["r1", "r2 <- r1"])
    other = tmp_path / "tenants" / "versions"
    other.mkdir(parents=True)
    (other / "t1.py").write_text(version_source(spec("t1")))
    (tmp_path / "alembic.ini").write_text(
        "[DEFAULT]\nscript_location = migrations\n\n[post_write_hooks]\nhooks = black\n\n"
        "[loggers]\nkeys = root\n\n[alembic]\nscript_location = migrations\n\n"
        "[schema_private]\nscript_location = tenants\n"
    )
    (tmp_path / "tenants" / "env.py").write_text("")
    found = discover([str(tmp_path)], tmp_path).environments
    assert [(env.name, len(env.files)) for env in found] == [
        ("alembic.ini", 2),
        ("alembic.ini [schema_private]", 1),
    ]


def test_sections_that_inherit_the_default_script_location_and_set_their_versions_are_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # c2cgeoportal: no [alembic]; [DEFAULT] script_location; [main] and [static] set only
    # version_locations (`alembic -n main`); logging's sections beside them are none
    for tree, revs in (("main", ["m1", "m2<-m1"]), ("static", ["s1"])):
        versions = tmp_path / "migrations" / tree
        versions.mkdir(parents=True)
        for item in revs:
            written = spec(item)
            (versions / f"{written.rev}.py").write_text(version_source(written))
    (tmp_path / "migrations" / "env.py").write_text("")
    (tmp_path / "alembic.ini").write_text(
        "[DEFAULT]\nscript_location = %(here)s/migrations\n\n"
        "[main]\nversion_locations = %(here)s/migrations/main\n\n"
        "[static]\nversion_locations = %(here)s/migrations/static\n\n"
        "[loggers]\nkeys = root\n\n[handlers]\nkeys = console\n\n[formatters]\nkeys = generic\n\n"
        "[logger_root]\nlevel = WARN\nhandlers = console\n\n[post_write_hooks]\nhooks = black\n"
    )
    found = discover([str(tmp_path)], tmp_path).environments
    assert [(env.name, sorted(p.name for p in env.files)) for env in found] == [
        ("alembic.ini [main]", ["m1.py", "m2.py"]),
        ("alembic.ini [static]", ["s1.py"]),
    ]
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "."], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.endswith("All checks passed: 3 revisions in 2 environments.\n")


def _daf_butler_layout(root: Path) -> None:
    """lsst's daf_butler_migrate: migrations/_alembic holds env.py; code names migrations/<tree>."""
    script_directory_without_versions(root)
    for tree, rev in (("core", "aaa111"), ("extra", "bbb222")):
        (root / "migrations" / tree).mkdir()
        (root / "migrations" / tree / f"{rev}.py").write_text(version_source(spec(rev)))


def test_a_script_directory_without_versions_reports_the_revisions_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _daf_butler_layout(tmp_path)
    monkeypatch.chdir(tmp_path)
    for target in (".", "migrations/_alembic"):
        result = cli_runner().invoke(
            main, ["lint", "--no-cache", "--concise", target], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        assert (
            "migrations/core/aaa111.py:13:12: MG004 2 revision files in 2 directories that no version "
            "location covers: migrations/core (1), migrations/extra (1); none is read: no version location "
            "is configured where miglint can see it"
        ) in result.stdout
        assert "env.py without versions/ (version locations set in code?)" in result.stderr


def test_a_revision_beside_a_script_directory_without_versions_can_be_linted_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lint-staged hands miglint the changed file: its environment is found from just above
    (the script directory is its sibling), and the file's own findings are reported."""
    _daf_butler_layout(tmp_path)
    monkeypatch.chdir(tmp_path)
    first = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "migrations/core/aaa111.py"])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("migrations/core/aaa111.py:13:12: MG004 2 revision files in 2 directories")
    other = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "migrations/extra/bbb222.py"])
    assert (other.exit_code, other.stdout) == (0, "All checks passed: 0 revisions in 1 environment.\n")
    assert "no revision files found" not in other.stderr  # the file given is there


def test_a_plugin_version_directory_is_linted_without_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """invenio-rdm-records, indico-plugins: a package ships its branch of the host's history
    in a directory of revisions, and the host's env.py finds it by an entry point. Nothing
    here configures Alembic: each such directory is one history, at the root and alone."""
    for package, revs in (("myplugin/alembic", ("b1", "c2<-b1")), ("other/migrations", ("x1",))):
        directory = tmp_path / package
        directory.mkdir(parents=True)
        for text in revs:
            rev = spec(text)
            (directory / f"{rev.rev}_step.py").write_text(version_source(rev))
    (tmp_path / "tests" / "data").mkdir(parents=True)  # a fixture is not the project's history
    (tmp_path / "tests" / "data" / "z9_step.py").write_text(version_source(spec("z9")))
    (tmp_path / "myplugin" / "__init__.py").write_text("")
    # the plugin's branch depends on a revision of its host (invenio-db's): not missing
    base = tmp_path / "myplugin" / "alembic" / "b1_step.py"
    base.write_text(base.read_text().replace("depends_on = None", "depends_on = 'dbdbc1b19cf2'"))
    monkeypatch.chdir(tmp_path)
    whole = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "."])
    assert (whole.exit_code, whole.stdout) == (
        0,
        "myplugin/alembic: 2 revisions, ok\nother/migrations: 1 revision, ok\n"
        "All checks passed: 3 revisions in 2 environments.\n",
    )
    assert whole.stderr == (
        "miglint: myplugin/alembic: revision files that no Alembic configuration here names: linted as one history\n"
        "miglint: other/migrations: revision files that no Alembic configuration here names: linted as one history\n"
    )
    alone = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "myplugin/alembic/c2_step.py"])
    assert (alone.exit_code, alone.stdout) == (0, "All checks passed: 2 revisions in 1 environment.\n")
    # the directory named, or `.` inside it, is read as the walk from the top reads it (corpus 21:
    # invenio-communities' alembic/ gave 6 false MG103 so)
    by_path = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "myplugin/alembic"])
    assert (by_path.exit_code, by_path.stdout) == (0, "All checks passed: 2 revisions in 1 environment.\n")
    assert by_path.stderr.endswith("linted as one history\n")
    monkeypatch.chdir(tmp_path / "myplugin" / "alembic")
    inside = cli_runner().invoke(main, ["lint", "--no-cache", "--concise"])
    assert (inside.exit_code, inside.stdout) == (0, "All checks passed: 2 revisions in 1 environment.\n")
    monkeypatch.chdir(tmp_path)
    # a near miss of one of its own revisions is still a missing parent
    typo = tmp_path / "myplugin" / "alembic" / "c2_step.py"
    typo.write_text(typo.read_text().replace("down_revision = 'b1'", "down_revision = 'b1_step'"))
    found = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "myplugin"])
    assert found.exit_code == 1 and "MG103 down_revision of c2 names 'b1_step'" in found.stdout
    nothing = tmp_path / "empty"
    nothing.mkdir()
    monkeypatch.chdir(nothing)
    missing = cli_runner().invoke(main, ["lint", "--no-cache", "."])
    assert missing.exit_code == 2 and "no Alembic environment found" in missing.stderr


def test_an_absolute_location_that_does_not_exist_is_named_as_written(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "alembic.ini").write_text("[alembic]\nscript_location = /usr/share/nowhere-miglint/alembic\n")
    result = cli_runner().invoke(main, ["lint", "--no-cache", str(conf / "alembic.ini")])
    assert result.exit_code == 2
    # named as written; the ini given by name is what the user asked for: still an error
    assert "script_location /usr/share/nowhere-miglint/alembic is outside the repository" in result.stderr


@pytest.mark.parametrize("sets_it", [True, False])
def test_an_ini_whose_script_location_code_replaces_is_no_environment(tmp_path: Path, sets_it: bool) -> None:
    """cloudkitty's common/db/alembic: an ini (`script_location = alembic`, not there), a
    shared env.py, and migration.py that sets script_location to each module's script
    directory, found on its own by its versions/. Without that code the path is a typo (MG005)."""
    common = tmp_path / "pkg" / "common" / "db" / "alembic"
    write(common / "alembic.ini", "[alembic]\nscript_location = alembic\n")
    write(common / "env.py", "from alembic import context\n")
    setter = "config.set_main_option('script_location', repo_path)" if sets_it else "config = None"
    write(common / "migration.py", f"def upgrade(config, repo_path):\n    {setter}\n")
    module = tmp_path / "pkg" / "rating" / "db" / "alembic"
    write(module / "env.py", "from alembic import context\n")
    revisions(module / "versions", "r1", "r2 < r1")
    found = discover([str(tmp_path)], tmp_path)
    assert [env.name for env in found.environments] == ["pkg/rating/db/alembic"]
    problems = [(p.config.name, p.message) for p in found.problems]
    if sets_it:
        assert problems == []
    else:
        assert problems == [
            (
                "alembic.ini",
                "pkg/common/db/alembic/alembic.ini: script_location pkg/common/db/alembic/alembic does not exist",
            )
        ]


@pytest.mark.parametrize("where", ["above", "nowhere"])
def test_a_template_ini_code_above_it_points_alembic_at_is_no_environment(tmp_path: Path, where: str) -> None:
    """zou's utils/plugin_alembic_template: alembic.ini without script_location, a shared env.py
    and no versions/; utils/plugins.py, in the directory above, sets script_location to the
    template and version_locations to each plugin's own versions/. Without that code the ini
    names no environment (MG005)."""
    template = tmp_path / "app" / "utils" / "plugin_alembic_template"
    write(template / "alembic.ini", "[alembic]\n\n[loggers]\nkeys = root\n")
    write(template / "env.py", "from alembic import context\n")
    setter = (
        "cfg.set_main_option(\n    'script_location', str(TEMPLATE))" if where == "above" else "cfg = None"
    )
    write(tmp_path / "app" / "utils" / "plugins.py", f"def run(cfg):\n    {setter}\n")
    migrations = tmp_path / "migrations"
    write(migrations / "alembic.ini", "[alembic]\nscript_location = .\n")
    write(migrations / "env.py", "from alembic import context\n")
    revisions(migrations / "versions", "r1", "r2 < r1")
    found = discover([str(tmp_path)], tmp_path)
    assert [env.name for env in found.environments] == ["migrations/alembic.ini"]
    problems = [(p.config.name, p.message) for p in found.problems]
    if where == "above":
        assert problems == []
    else:
        assert problems == [
            ("alembic.ini", "app/utils/plugin_alembic_template/alembic.ini: no section has a script_location")
        ]


def test_an_absolute_script_location_of_another_machine_is_a_warning(tmp_path: Path) -> None:
    """Pagure's files/alembic.ini (`/usr/share/pagure/alembic`) and dev/openshift_alembic.ini
    (`/code/alembic`, a container's): the deployed system's paths, not this checkout's, whose
    alembic/ is linted on its own. MG005 says so as a warning; a missing path inside the
    repository stays an error."""
    (tmp_path / ".git").mkdir()
    script = tmp_path / "alembic"
    (script / "env.py").parent.mkdir()
    (script / "env.py").write_text("from alembic import context\n")
    revisions(script / "versions", "r1")
    write(
        tmp_path / "files" / "alembic.ini",
        "[alembic]\nscript_location = /usr/share/nowhere-miglint/alembic\n",
    )
    write(tmp_path / "conf" / "alembic.ini", f"[alembic]\nscript_location = {tmp_path}/gone\n")
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "--format", "json", str(tmp_path)])
    import json

    found = {
        (d["path"].rsplit("/", 2)[-2], d["severity"]): d["message"]
        for d in json.loads(result.stdout)["diagnostics"]
        if d["code"] == "MG005"
    }
    assert found == {
        ("files", "warning"): "script_location /usr/share/nowhere-miglint/alembic is outside the repository "
        "and does not exist here (a path of the deployed system?): not linted",
        # named as every configured location is: relative to the working directory unless the
        # absolute path is shorter (a checkout under /tmp, beside pytest's directories)
        ("conf", "error"): f"script_location {_place(tmp_path / 'gone', Path.cwd())} does not exist",
    }


def test_a_template_directory_is_no_environment(tmp_path: Path) -> None:
    # alembic/templates/generic and its siblings: env.py and script.py.mako, no revision anywhere
    write_project(tmp_path, ["r1"])
    for template in ("generic", "async"):
        (tmp_path / "vendor" / "templates" / template).mkdir(parents=True)
        (tmp_path / "vendor" / "templates" / template / "env.py").write_text("from alembic import context\n")
        (tmp_path / "vendor" / "templates" / template / "script.py.mako").write_text("")
    found = discover([str(tmp_path)], tmp_path)
    assert [env.name for env in found.environments] == ["alembic.ini"]
    assert found.problems == ()


@pytest.mark.parametrize(
    "top_file",
    [
        # pybossa: cli.py calls command.stamp(Config("alembic.ini"), "head"), no ini committed
        "from alembic import command\nfrom alembic.config import Config\n\n\n"
        "def setup():\n    command.stamp(Config('alembic.ini'), 'head')\n",
        "# down_revision\n",  # a comment that names it: no assignment, no revision
    ],
    ids=["runner", "comment"],
)
def test_a_script_at_the_top_does_not_make_the_top_a_versions_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, top_file: str
) -> None:
    write_project(tmp_path, ["a1", "b2 <- a1"])
    (tmp_path / "alembic.ini").unlink()
    (tmp_path / "migrations" / "env.py").write_text("from alembic import context\n")
    (tmp_path / "migrations" / "script.py.mako").write_text("")
    (tmp_path / "setup_db.py").write_text(top_file)
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--select", "MG0,MG1", "."])
    assert "2 revisions in 1 environment" in result.stdout, result.output
    assert "MG004" not in result.stdout


def test_a_version_directory_that_cannot_be_listed_is_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path)  # no revision: the per-dialect split lists versions/
    real = Path.iterdir

    def refusing(self: Path):  # type: ignore[no-untyped-def]
        if self.name == "versions":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "iterdir", refusing)
    result = cli_runner().invoke(main, ["lint", "--no-cache", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot list" in result.stderr and "Permission denied" in result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.stderr


def test_a_plugin_directory_beside_a_configured_environment_is_linted_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GeoNature: backend/app/migrations is configured (alembic.ini, env.py); the modules'
    branches under contrib/<module>/migrations are added to version_locations in code. A
    lint of the repository read the first and skipped 49 revisions without a word."""
    app = tmp_path / "backend" / "app" / "migrations"
    (app / "versions").mkdir(parents=True)
    (app / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s\n")
    (app / "env.py").write_text("from alembic import context\n")
    (app / "versions" / "a1_step.py").write_text(version_source(spec("a1")))
    module = tmp_path / "contrib" / "reports" / "migrations"
    module.mkdir(parents=True)
    branch = version_source(spec("r1")).replace("depends_on = None", "depends_on = 'a1'")
    (module / "r1_step.py").write_text(branch)
    (module / "r2_step.py").write_text(version_source(spec("r2<-r1")))
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--concise", "."])
    assert (result.exit_code, result.stdout) == (
        0,
        "backend/app/migrations/alembic.ini: 1 revision, ok\ncontrib/reports/migrations: 2 revisions, ok\n"
        "All checks passed: 3 revisions in 2 environments.\n",
    )
    assert result.stderr == (
        "miglint: contrib/reports/migrations: revision files that no Alembic configuration here names:"
        " linted as one history\n"
    )


@pytest.mark.parametrize("depth", [5, 6])
def test_a_script_directory_at_the_deepest_level_searched_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, depth: int
) -> None:
    # cloudkitty: cloudkitty/rating/hash/db/sqlalchemy/alembic holds env.py and versions/, six
    # levels below the repository root; the walk stops there, but sees its versions/
    script = tmp_path.joinpath(*[f"d{i}" for i in range(depth - 1)], "alembic")
    (script / "versions").mkdir(parents=True)
    (script / "env.py").write_text("")
    (script / "script.py.mako").write_text("")
    (script / "versions" / "a1_x.py").write_text('revision = "a1"\ndown_revision = None\n')
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(
        main, ["lint", "--no-cache", "--format", "json", "."], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    import json

    (environment,) = json.loads(result.stdout)["summary"]["environments"]
    assert (environment["revisions"], environment["heads"]) == (1, ["a1"])
