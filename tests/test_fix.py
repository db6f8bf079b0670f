"""--fix and --diff: exact edits, nothing else touched, atomic, idempotent, never broken."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import write_project
from miglint.cli import main
from miglint.fix import plan_fixes, write_fixes
from miglint.model import Diagnostic, Edit, Fix, Span
from miglint.pipeline import Options, lint_paths

BEFORE = '''"""seed personality

Revision ID: r1
Revises: x
"""
revision = "r1"
down_revision = None


def upgrade():
    op.execute("""
        CREATE TABLE personality_traits (id serial);  -- keep this comment
        INSERT INTO personality_traits VALUES (1);
    """)
    op.create_table(
        "t",
        sa.Column("id", sa.Integer()),
    )
'''

AFTER = '''"""seed personality

Revision ID: r1
Revises: 
"""
revision = "r1"
down_revision = None


def upgrade():
    op.execute("""
        CREATE TABLE IF NOT EXISTS personality_traits (id serial);  -- keep this comment
        INSERT INTO personality_traits VALUES (1) ON CONFLICT DO NOTHING;
    """)
    op.create_table(
        "t",
        sa.Column("id", sa.Integer()), if_not_exists=True,
    )
'''


def run(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(root)
    return cli_runner().invoke(main, ["lint", "--extend-select", "MG211", *args])


def test_fix_applies_exactly_the_safe_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_project(tmp_path, files={"0001_r1.py": BEFORE})["0001_r1.py"]
    os.chmod(path, 0o640)
    result = run(tmp_path, monkeypatch, "--fix")
    assert result.exit_code == 0, result.stdout
    assert result.stderr == "Fixed 4 findings in 1 file.\n"
    assert result.stdout == "All checks passed: 1 revision in 1 environment.\n"
    assert path.read_text() == AFTER
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_second_fix_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_project(tmp_path, files={"0001_r1.py": BEFORE})["0001_r1.py"]
    run(tmp_path, monkeypatch, "--fix")
    before = path.stat().st_mtime_ns
    result = run(tmp_path, monkeypatch, "--fix")
    assert (result.exit_code, result.stderr) == (0, "")
    assert path.stat().st_mtime_ns == before and path.read_text() == AFTER


def test_diff_prints_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_project(tmp_path, files={"0001_r1.py": BEFORE})["0001_r1.py"]
    result = run(tmp_path, monkeypatch, "--diff")
    assert result.exit_code == 1
    assert result.stderr == "Would fix 4 findings in 1 file.\n"
    assert "-        CREATE TABLE personality_traits (id serial);  -- keep this comment\n" in result.stdout
    assert (
        "+        CREATE TABLE IF NOT EXISTS personality_traits (id serial);  -- keep this comment\n"
        in result.stdout
    )
    assert result.stdout.startswith(
        "--- a/migrations/versions/0001_r1.py\n+++ b/migrations/versions/0001_r1.py\n"
    )
    assert path.read_text() == BEFORE


@pytest.mark.parametrize(
    ("encode", "name"),
    [
        (lambda text: text.replace("\n", "\r\n").encode(), "crlf"),
        (lambda text: text.replace("\n", "\r").encode(), "lone-cr"),  # old Mac line ends
        (lambda text: b"\xef\xbb\xbf" + text.encode(), "bom"),
        (
            lambda text: ("# -*- coding: latin-1 -*-\n" + text.replace("seed", "caf\u00e9")).encode(
                "latin-1"
            ),
            "latin-1",
        ),
    ],
)
def test_encoding_bom_and_line_endings_survive(tmp_path: Path, encode, name: str) -> None:  # type: ignore[no-untyped-def]
    path = write_project(tmp_path, files={"0001_r1.py": b""})["0001_r1.py"]
    original = encode(BEFORE)
    path.write_bytes(original)
    (report,) = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, extend_select=["MG211"]))
    written = write_fixes(plan_fixes(report.diagnostics))
    assert len(written) == 1
    data = path.read_bytes()
    expected = encode(AFTER)
    assert data == expected, name


def test_a_fix_that_would_break_the_file_is_not_written(tmp_path: Path) -> None:
    path = write_project(tmp_path, files={"0001_r1.py": "revision = 'r1'\ndown_revision = None\n"})[
        "0001_r1.py"
    ]
    broken = Diagnostic(
        code="MG201", name="x", severity="error", path=str(path), span=Span.point(1, 0), message="m",
        fix=Fix("bad", (Edit(str(path), Span.point(1, 0), "def ("),)),
    )  # fmt: skip
    (plan,) = plan_fixes([broken])
    assert plan.problem is not None and plan.problem.startswith("the fixed file would not compile")
    assert write_fixes([plan]) == []
    assert path.read_text() == "revision = 'r1'\ndown_revision = None\n"
