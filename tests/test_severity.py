"""Severity a team can adopt (issue 12, section 6): warnings do not fail the run unless
asked, computed branch labels and dependencies imported from the repository are read,
and each environment is linted under its own [tool.miglint]."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli_runner
from histories import write_project
from miglint.cli import main


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(cwd)
    return cli_runner().invoke(main, args)


def findings(output: str) -> list[str]:
    """The finding lines of a concise text report."""
    return sorted(line for line in output.splitlines() if ": MG" in line)


# -- settings per environment --------------------------------------------------------


def _two_projects(tmp_path: Path) -> None:
    """a ignores multiple-heads and selects MG111; b keeps the defaults but ignores MG111."""
    for name, table in (
        ("a", 'ignore = ["multiple-heads"]\nextend-select = ["MG009"]\n'),
        ("b", 'ignore = ["MG111"]\n'),
    ):
        root = tmp_path / name
        write_project(root, ["a1b2c3d4e5f6", "x<-a1b2c3d4e5f6", "y<-a1b2c3d4e5f6"])
        (root / "pyproject.toml").write_text(f"[tool.miglint]\n{table}")


def test_each_environment_is_linted_under_its_own_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_projects(tmp_path)
    alone_a = run(["lint", "--no-cache", "--concise", "a"], tmp_path, monkeypatch)
    alone_b = run(["lint", "--no-cache", "--concise", "b"], tmp_path, monkeypatch)
    assert [line.split()[1] for line in findings(alone_a.output)] == ["MG111"]
    assert [line.split()[1] for line in findings(alone_b.output)] == ["MG102", "MG102"]
    for order in (["a", "b"], ["b", "a"], []):  # [] finds both below the working directory
        both = run(["lint", "--no-cache", "--concise", *order], tmp_path, monkeypatch)
        assert findings(both.output) == sorted(findings(alone_a.output) + findings(alone_b.output))
        assert both.exit_code == 1


def test_graph_uses_the_settings_of_its_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _two_projects(tmp_path)
    (tmp_path / "b" / "pyproject.toml").write_text('[tool.miglint]\nbaseline = "x"\n')
    # no path: both environments are found below, each with its own pyproject.toml
    drawn = run(["graph", "--no-cache", "--format", "json", "--env", "b/alembic.ini"], tmp_path, monkeypatch)
    assert drawn.exit_code == 0, drawn.output
    drawn = run(["graph", "--no-cache", "--format", "dot", "--env", "b/alembic.ini"], tmp_path, monkeypatch)
    assert "baseline" in drawn.output


# -- warnings do not fail the run by default -----------------------------------------


def _warnings_only(tmp_path: Path) -> None:
    """One MG111 (a warning by default) and one MG106 (a warning since issue 12)."""
    source = '"""b\n\nRevision ID: b\nRevises: zz\n"""\nrevision = "b"\ndown_revision = "a1b2c3d4e5f6"\n'
    write_project(tmp_path, ["a1b2c3d4e5f6"], files={"0002_b.py": source})


def test_warnings_alone_exit_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _warnings_only(tmp_path)
    result = run(["lint", "--no-cache", "--concise"], tmp_path, monkeypatch)
    assert [line.split()[1] for line in findings(result.output)] == ["MG111", "MG106"]
    assert result.output.splitlines()[-2:] == [
        "Found 2 warnings in 2 revisions in 1 environment.",
        "1 fixable with --fix.",  # the MG106 docstring
    ]
    assert result.exit_code == 0


def test_fail_on_warning_option_and_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _warnings_only(tmp_path)
    assert run(["lint", "--no-cache", "--fail-on", "warning"], tmp_path, monkeypatch).exit_code == 1
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nfail-on = "warning"\n')
    assert run(["lint", "--no-cache"], tmp_path, monkeypatch).exit_code == 1
    assert run(["lint", "--no-cache", "--fail-on", "error"], tmp_path, monkeypatch).exit_code == 0
    assert run(["lint", "--no-cache", "--exit-zero"], tmp_path, monkeypatch).exit_code == 0


def test_an_error_still_fails_and_a_severity_setting_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _warnings_only(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.miglint.rules.header-mismatch]\nseverity = "error"\n')
    result = run(["lint", "--no-cache", "--concise"], tmp_path, monkeypatch)
    assert result.output.splitlines()[-2] == "Found 1 error and 1 warning in 2 revisions in 1 environment."
    assert result.exit_code == 1


def test_fail_on_must_be_a_severity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _warnings_only(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nfail-on = "info"\n')
    result = run(["lint", "--no-cache"], tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.endswith("fail-on must be one of error, warning, not 'info'\n")


def test_fail_on_is_per_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _warnings_only(tmp_path / "strict")
    _warnings_only(tmp_path / "lenient")
    (tmp_path / "strict" / "pyproject.toml").write_text('[tool.miglint]\nfail-on = "warning"\n')
    assert run(["lint", "--no-cache", "lenient"], tmp_path, monkeypatch).exit_code == 0
    assert run(["lint", "--no-cache", "lenient", "strict"], tmp_path, monkeypatch).exit_code == 1


# -- computed branch labels and dependencies ---------------------------------------------


def _package(tmp_path: Path, source: str) -> None:
    package = tmp_path / "myapp"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('never imported')\n")
    (package / "ids.py").write_text(source)


def _depends_on_imported(tmp_path: Path, name: str) -> None:
    source = f"from myapp.ids import {name}\nrevision = 'b'\ndown_revision = 'a'\ndepends_on = {name}\n"
    write_project(
        tmp_path,
        ["a", "d<-a", "c<-d"],
        files={"0009_b.py": source, "0010_m.py": "revision = 'm'\ndown_revision = ('b', 'c')\n"},
    )


def test_depends_on_imported_from_the_repository_is_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _package(tmp_path, "USERS: str = 'd'\nGONE = ('zz',)\n")
    _depends_on_imported(tmp_path, "USERS")
    result = run(["lint", "--no-cache", "--concise", "--select", "ALL"], tmp_path, monkeypatch)
    assert (result.exit_code, result.output) == (0, "All checks passed: 5 revisions in 1 environment.\n")
    shown = run(["graph", "--no-cache", "--format", "json"], tmp_path, monkeypatch)
    import json

    (b,) = [r for r in json.loads(shown.output)["revisions"] if r["id"] == "b"]
    assert b["depends_on"] == ["d"]


def test_a_resolved_dependency_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _package(tmp_path, "USERS: str = 'd'\nGONE = ('zz',)\n")
    _depends_on_imported(tmp_path, "GONE")
    result = run(["lint", "--no-cache", "--concise"], tmp_path, monkeypatch)
    assert [line.split()[1] for line in findings(result.output)] == ["MG103"]
    assert "0009_b.py:4:14: MG103" in result.output


def test_an_unresolved_dependency_is_an_error_and_a_label_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _package(tmp_path, "USERS = compute()\n")
    _depends_on_imported(tmp_path, "USERS")
    labels = "from myapp.ids import EXPAND\nrevision = 'e'\ndown_revision = 'a'\nbranch_labels = EXPAND\n"
    (tmp_path / "migrations" / "versions" / "0011_e.py").write_text(labels)
    result = run(["lint", "--no-cache", "--concise", "--select", "MG003"], tmp_path, monkeypatch)
    assert findings(result.output) == [
        "migrations/versions/0009_b.py:4:14: MG003 `depends_on` is computed (`USERS`), not a literal: "
        "its dependencies are not checked",
        "migrations/versions/0011_e.py:4:17: MG003 `branch_labels` is computed (`EXPAND`), not a literal: "
        "heads on its branch are not reported as extra heads",
    ]
    assert result.output.splitlines()[-1] == "Found 1 error and 1 warning in 6 revisions in 1 environment."
    assert result.exit_code == 1
    (tmp_path / "migrations" / "versions" / "0009_b.py").unlink()
    assert run(["lint", "--no-cache", "--select", "MG003"], tmp_path, monkeypatch).exit_code == 0
    # a configured severity applies to every finding of the rule
    (tmp_path / "pyproject.toml").write_text('[tool.miglint.rules.MG003]\nseverity = "error"\n')
    assert run(["lint", "--no-cache", "--select", "MG003"], tmp_path, monkeypatch).exit_code == 1


def test_each_project_keeps_its_own_findings_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_projects(tmp_path)
    written = run(["lint", "--no-cache", "--write-baseline", "b"], tmp_path, monkeypatch)
    assert written.stderr == "Wrote 2 findings to b/.miglint-baseline.json.\n"
    alone_b = run(["lint", "--no-cache", "--concise", "b"], tmp_path, monkeypatch)
    assert alone_b.output == "All checks passed: 3 revisions in 1 environment (2 baselined).\n"
    both = run(["lint", "--no-cache", "--concise", "a", "b"], tmp_path, monkeypatch)
    assert [line.split()[1] for line in findings(both.output)] == ["MG111"]  # a's, not baselined
    assert both.output.splitlines()[-1] == ("Found 1 warning in 6 revisions in 2 environments (2 baselined).")
    # writing for both writes each project's own file, a's findings in a's
    again = run(["lint", "--no-cache", "--write-baseline", "a", "b"], tmp_path, monkeypatch)
    assert again.stderr == (
        "Wrote 1 finding to a/.miglint-baseline.json.\n"
        "Wrote 2 findings to b/.miglint-baseline.json (0 pruned).\n"
    )
    assert (
        '"path": "migrations/versions/0000_a1b2c3d4e5f6.py"'
        in (tmp_path / "a" / ".miglint-baseline.json").read_text()
    )


@pytest.mark.parametrize(
    ("imports", "value"),
    [
        ("from myapp.db.migration import cli", "(cli.EXPAND_BRANCH,)"),  # neutron's shape
        ("from myapp.db import migration", "[migration.cli.EXPAND_BRANCH, 'extra']"),
        ("import myapp.db.migration.cli as cli", "cli.EXPAND_BRANCH"),
        ("import myapp.db.migration.cli", "(myapp.db.migration.cli.EXPAND_BRANCH,)"),
        ("from .. import cli", "(cli.EXPAND_BRANCH,)"),  # migrations/cli.py, beside versions/
    ],
)
def test_labels_named_through_a_module_attribute_are_resolved(
    imports: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    constants = "EXPAND_BRANCH = 'expand'\nCONTRACT_BRANCH = 'contract'\n"
    package = tmp_path / "myapp" / "db" / "migration"
    package.mkdir(parents=True)
    (package / "cli.py").write_text(constants)
    expand = f"{imports}\nrevision = 'e'\ndown_revision = 'a'\nbranch_labels = {value}\n"
    contract = "revision = 'c'\ndown_revision = 'a'\nbranch_labels = ('contract',)\n"
    write_project(tmp_path, ["a"], files={"0010_e.py": expand, "0011_c.py": contract})
    (tmp_path / "migrations" / "cli.py").write_text(constants)
    result = run(["lint", "--no-cache", "--concise", "--select", "ALL"], tmp_path, monkeypatch)
    assert (result.exit_code, result.output) == (0, "All checks passed: 3 revisions in 1 environment.\n")
    shown = run(["graph", "--no-cache", "--format", "json"], tmp_path, monkeypatch)
    import json

    (e,) = [r for r in json.loads(shown.output)["revisions"] if r["id"] == "e"]
    assert e["branch_labels"][0] == "expand"


def test_a_tuple_naming_a_tuple_is_not_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _package(tmp_path, "LABELS = ('expand',)\n")
    source = "from myapp import ids\nrevision = 'e'\ndown_revision = 'a'\nbranch_labels = (ids.LABELS,)\n"
    write_project(tmp_path, ["a"], files={"0010_e.py": source})
    result = run(["lint", "--no-cache", "--concise", "--select", "MG003"], tmp_path, monkeypatch)
    assert findings(result.output) == [
        "migrations/versions/0010_e.py:4:17: MG003 `branch_labels` is computed (`(ids.LABELS,)`), not a literal: "
        "heads on its branch are not reported as extra heads"
    ]
