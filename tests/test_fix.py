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
        sa.Column("id", sa.Integer()),
        if_not_exists=True,
    )
'''

# --fix without --unsafe-fixes: the docstring and IF NOT EXISTS only. ON CONFLICT DO NOTHING
# is a no-op without a unique key (the INSERT lists no columns), and if_not_exists=True
# needs a recent Alembic: both unsafe.
AFTER_SAFE = AFTER.replace("(1) ON CONFLICT DO NOTHING;", "(1);").replace("        if_not_exists=True,\n", "")


def run(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(root)
    return cli_runner().invoke(main, ["lint", "--extend-select", "MG211", *args])


def test_fix_applies_exactly_the_safe_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_project(tmp_path, files={"0001_r1.py": BEFORE})["0001_r1.py"]
    os.chmod(path, 0o640)
    result = run(tmp_path, monkeypatch, "--fix", "--concise")
    assert result.exit_code == 1, result.stdout
    assert result.stderr == "Fixed 2 findings in 1 file.\n"
    assert result.stdout == (
        "migrations/versions/0001_r1.py:13:9: MG204 INSERT personality_traits is not safe to run twice: "
        "it duplicates its rows, or fails on a unique key, when run again\n"
        "migrations/versions/0001_r1.py:15:5: MG211 op.create_table('t') is not safe to run twice: "
        "it passes no if_not_exists=True and no inspector check guards it\n"
        "\n"
        "Found 2 errors in 1 revision in 1 environment.\n"
        "2 fixable with --fix --unsafe-fixes (none with --fix alone).\n"
    )
    assert path.read_text() == AFTER_SAFE
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_unsafe_fixes_apply_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_project(tmp_path, files={"0001_r1.py": BEFORE})["0001_r1.py"]
    result = run(tmp_path, monkeypatch, "--fix", "--unsafe-fixes", "--show-fixes")
    assert result.exit_code == 0, result.stdout
    assert result.stderr == (
        "Fixed 4 findings in 1 file.\n"
        "  migrations/versions/0001_r1.py:4:10: MG106 rewrite the docstring's Revises from `down_revision`\n"
        "  migrations/versions/0001_r1.py:12:9: MG201 insert 'IF NOT EXISTS'\n"
        "  migrations/versions/0001_r1.py:13:9: MG204 insert 'ON CONFLICT DO NOTHING' "
        "(no unique key known to cover the inserted rows)\n"
        "  migrations/versions/0001_r1.py:15:5: MG211 pass if_not_exists=True\n"
    )
    assert result.stdout == "All checks passed: 1 revision in 1 environment.\n"
    assert path.read_text() == AFTER


def test_second_fix_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_project(tmp_path, files={"0001_r1.py": BEFORE})["0001_r1.py"]
    run(tmp_path, monkeypatch, "--fix", "--unsafe-fixes")
    before = path.stat().st_mtime_ns
    result = run(tmp_path, monkeypatch, "--fix", "--unsafe-fixes")
    assert (result.exit_code, result.stderr) == (0, "")
    assert path.stat().st_mtime_ns == before and path.read_text() == AFTER


def test_diff_prints_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_project(tmp_path, files={"0001_r1.py": BEFORE})["0001_r1.py"]
    result = run(tmp_path, monkeypatch, "--diff")
    assert result.exit_code == 1
    assert result.stderr == "Would fix 2 findings in 1 file; 2 more with --unsafe-fixes.\n"
    assert "ON CONFLICT" not in result.stdout and "if_not_exists" not in result.stdout
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
    written = write_fixes(plan_fixes(report.diagnostics, unsafe=True))
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


def test_diff_with_unsafe_fixes_shows_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_project(tmp_path, files={"0001_r1.py": BEFORE})["0001_r1.py"]
    result = run(tmp_path, monkeypatch, "--diff", "--unsafe-fixes")
    assert (result.exit_code, result.stderr) == (1, "Would fix 4 findings in 1 file.\n")
    assert "+        INSERT INTO personality_traits VALUES (1) ON CONFLICT DO NOTHING;\n" in result.stdout
    assert "+        if_not_exists=True,\n" in result.stdout
    assert path.read_text() == BEFORE


def test_show_fixes_puts_each_fix_under_its_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, files={"0001_r1.py": BEFORE})
    lines = run(tmp_path, monkeypatch, "--show-fixes").stdout.splitlines()
    assert [line for line in lines if line.startswith("  fix")] == [
        "  fix: rewrite the docstring's Revises from `down_revision`",
        "  fix: insert 'IF NOT EXISTS'",
        "  fix (unsafe, --unsafe-fixes): insert 'ON CONFLICT DO NOTHING' (no unique key known to cover the inserted rows)",
        "  fix (unsafe, --unsafe-fixes): pass if_not_exists=True",
    ]
    assert lines[-1] == "2 fixable with --fix (2 more with --unsafe-fixes)."
    assert run(tmp_path, monkeypatch, "--unsafe-fixes").stdout.splitlines()[-1] == (
        "4 fixable with --fix --unsafe-fixes."
    )
    assert all(not line.startswith("  fix") for line in run(tmp_path, monkeypatch).stdout.splitlines())


@pytest.mark.parametrize(("written", "fixed"), [("Revises:", "Revises: r1"), ("Revises: ", "Revises: r1")])
def test_an_empty_revises_line_gets_its_space(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str, fixed: str
) -> None:
    # dispatch's merge revision: "Revises:" with nothing after the colon
    source = f'"""merge\n\nRevision ID: r2\n{written}\n"""\nrevision = "r2"\ndown_revision = "r1"\n'
    first = '"""first\n\nRevision ID: r1\nRevises:\n"""\nrevision = "r1"\ndown_revision = None\n'
    path = write_project(tmp_path, files={"0001_r1.py": first, "0002_r2.py": source})["0002_r2.py"]
    monkeypatch.chdir(tmp_path)
    cli_runner().invoke(main, ["lint", "--select", "MG106", "--fix"])
    assert path.read_text().splitlines()[3] == fixed
