"""The real-world corpus, linted as a new user would: `miglint lint <project root>`, no config.

`../shared/realworld/` holds the migration trees of nine public projects (read in place,
never copied here); `expected.json` gives each environment's revisions, heads and bases
as Alembic itself computes them, with the version locations each project sets in code.
Every project root must lint (exit 0 or 1, never 2), every environment must be found,
and each must have Alembic's graph. Their layouts are reproduced as small fixtures in
tests/test_layouts.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_runner
from miglint.cli import main

REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"
EXPECTED_FILE = REALWORLD / "expected.json"
EXPECTED: dict[str, list[dict[str, Any]]] = (
    json.loads(EXPECTED_FILE.read_text()) if EXPECTED_FILE.is_file() else {}
)


def lint_root(
    project: str, monkeypatch: pytest.MonkeyPatch, *arguments: str
) -> tuple[int, dict[str, Any], str]:
    root = REALWORLD / project
    monkeypatch.chdir(root)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--format", "json", *arguments])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


@pytest.fixture(autouse=True)
def _corpus_present() -> None:
    if not EXPECTED:
        pytest.skip(f"the real-world corpus is not at {REALWORLD} (it comes with ../shared)")


def test_the_corpus_has_nine_projects_and_thirteen_environments() -> None:
    assert len(EXPECTED) == 9
    assert sum(len(envs) for envs in EXPECTED.values()) == 13


@pytest.mark.parametrize("how", ["no-argument", "dot", "from-above"])
@pytest.mark.parametrize("project", sorted(EXPECTED) or ["absent"])
def test_project_root_lints_with_alembics_graph(
    project: str, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`miglint lint` at the root, `miglint lint .`, and `miglint lint <root>` from above it."""
    if how == "from-above":
        monkeypatch.chdir(REALWORLD)
        result = cli_runner().invoke(main, ["lint", "--no-cache", "--format", "json", project])
        code, report, stderr = result.exit_code, json.loads(result.stdout), result.stderr
        prefix = f"{project}/"
    else:
        code, report, stderr = lint_root(project, monkeypatch, *(["."] if how == "dot" else []))
        prefix = ""
    assert code in (0, 1), stderr
    assert "error:" not in stderr  # no environment failed to be read
    found = {env["name"]: env for env in report["summary"]["environments"]}
    expected = {prefix + env["config"]: env for env in EXPECTED[project]}
    assert sorted(found) == sorted(expected)
    for config, env in expected.items():
        got = found[config]
        assert got["revisions"] == env["revisions"], config
        assert sorted(got["heads"]) == sorted(env["heads"]), config
        assert sorted(got["bases"]) == sorted(env["bases"]), config
    # only keystone sets version locations in code
    codes = {d["code"] for d in report["diagnostics"]}
    assert ("MG004" in codes) == (project == "openstack__keystone")


def test_flask_migrate_ini_is_linted_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    """pgadmin4: web/migrations/alembic.ini has an empty [alembic] section."""
    _, _, stderr = lint_root("pgadmin-org__pgadmin4", monkeypatch)
    assert stderr.splitlines()[0] == (
        "miglint: web/migrations/alembic.ini: no script_location (Flask-Migrate passes it in code); "
        "linting web/migrations, which holds env.py and versions/"
    )


def test_templated_script_location_is_linted_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    """jupyterhub: `script_location = {alembic_dir}`, filled in by jupyterhub/dbutil.py."""
    _, _, stderr = lint_root("jupyterhub__jupyterhub", monkeypatch)
    assert stderr.splitlines()[0] == (
        "miglint: jupyterhub/alembic.ini: script_location {alembic_dir} does not exist (set in code?); "
        "linting jupyterhub/alembic, which holds env.py and versions/"
    )


def test_version_locations_set_in_code_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """keystone: the ini names versions/ (1 revision); upgrades.py adds 10 more directories
    in code, 7 of which exist. miglint reads them because they continue the history, and
    says so (MG004), naming each directory and its count."""
    _, report, _ = lint_root("openstack__keystone", monkeypatch)
    (finding,) = [d for d in report["diagnostics"] if d["code"] == "MG004"]
    assert finding["severity"] == "warning"
    assert finding["path"] == (
        "keystone/common/sql/migrations/versions/2024.1/expand/"
        "47147121_add_identity_federation_attribute_mapping_schema_version.py"
    )
    assert finding["message"] == (
        "9 revision files in 7 directories that no version location covers: "
        "versions/2024.1/expand (1), versions/2025.2/expand (1), versions/2026.1/expand (1), "
        "versions/bobcat/contract (2), versions/bobcat/expand (2), versions/yoga/contract (1), "
        "versions/yoga/expand (1); read into the graph, as they continue its history"
    )
    (keystone,) = EXPECTED["openstack__keystone"]
    code_locations = {
        Path(p).relative_to("keystone/common/sql/migrations").as_posix()
        for p in keystone["version_locations"]
    }
    named = {part.split(" (")[0] for part in finding["message"].split(": ", 1)[1].split(";")[0].split(", ")}
    # every directory named is one the code configures
    assert named <= code_locations


def test_a_version_file_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor names one file: its environment is read whole, its findings alone reported."""
    path = "nova/db/main/migrations/versions"
    monkeypatch.chdir(REALWORLD / "openstack__nova")
    files = sorted(p.name for p in Path(path).glob("*.py") if p.name != "__init__.py")
    whole = cli_runner().invoke(main, ["lint", "--no-cache", "--format", "json", "."])
    flagged = {d["path"] for d in json.loads(whole.stdout)["diagnostics"]}
    for name in files:
        one = cli_runner().invoke(main, ["lint", "--no-cache", "--format", "json", f"{path}/{name}"])
        payload = json.loads(one.stdout)
        assert {d["path"] for d in payload["diagnostics"]} == ({f"{path}/{name}"} & flagged)
        assert payload["summary"]["environments"][0]["revisions"] == 10
