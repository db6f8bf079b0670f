"""`miglint rebase REV --onto HEAD_REV` on real Alembic environments."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_runner
from histories import spec, version_source, write_project
from miglint.cli import main

ENV_PY = """\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

INI = """[alembic]
script_location = %(here)s/migrations
path_separator = os
sqlalchemy.url = sqlite:///%(here)s/app.db
"""


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(cwd)
    return cli_runner().invoke(main, args)


def alembic(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=root, capture_output=True, text=True, timeout=120
    )


def creating_table(entry: str, annotated: bool = False) -> str:
    """A version file as `alembic revision` writes it, whose upgrade creates table t_<id>."""
    s = spec(entry)
    source = version_source(s, annotated=annotated)
    return source.replace(
        "def upgrade():\n    pass",
        f"def upgrade():\n    op.create_table('t_{s.rev}', sa.Column('id', sa.Integer(), primary_key=True))",
    ).replace("def downgrade():\n    pass", f"def downgrade():\n    op.drop_table('t_{s.rev}')")


def alembic_project(root: Path, entries: dict[str, str], annotated: bool = False) -> dict[str, Path]:
    write_project(root)
    (root / "alembic.ini").write_text(INI)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    paths = {}
    for name, entry in entries.items():
        path = root / "migrations" / "versions" / name
        path.write_text(creating_table(entry, annotated))
        paths[spec(entry).rev] = path
    return paths


def test_a_rebase_leaves_one_head_that_alembic_upgrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = alembic_project(
        tmp_path,
        {"0001_a.py": "a", "0002_b1.py": "b1<-a", "0003_b2.py": "b2<-a", "0004_c2.py": "c2<-b2"},
        annotated=True,
    )
    before = alembic(tmp_path, "heads")
    assert (before.returncode, sorted(before.stdout.split("\n"))) == (0, ["", "b1 (head)", "c2 (head)"])
    refused = alembic(tmp_path, "upgrade", "head")
    assert refused.returncode != 0 and "Multiple head revisions are present" in refused.stdout
    original = paths["b2"].read_text()

    done = run(["rebase", "b2", "--onto", "b1", "--no-cache"], tmp_path, monkeypatch)
    assert (done.exit_code, done.stdout) == (0, "")
    assert done.stderr == "miglint: migrations/versions/0003_b2.py: b2 now revises b1 (was a); heads: c2\n"
    # exactly two lines change, each only in the id: quotes, annotation and the rest stay
    changed = [
        (old, new)
        for old, new in zip(original.splitlines(), paths["b2"].read_text().splitlines())
        if old != new
    ]
    assert changed == [
        ("Revises: a", "Revises: b1"),
        (
            "down_revision: Union[str, Sequence[str], None] = 'a'",
            "down_revision: Union[str, Sequence[str], None] = 'b1'",
        ),
    ]
    after = alembic(tmp_path, "heads")
    assert (after.returncode, after.stdout) == (0, "c2 (head)\n")
    upgraded = alembic(tmp_path, "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    with sqlite3.connect(tmp_path / "app.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("c2",)]
    assert tables == {"alembic_version", "t_a", "t_b1", "t_b2", "t_c2"}
    lint = run(["lint", "--no-cache"], tmp_path, monkeypatch)
    assert (lint.exit_code, lint.stdout) == (0, "All checks passed: 4 revisions in 1 environment.\n")


def test_a_second_rebase_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = alembic_project(tmp_path, {"0001_a.py": "a", "0002_b1.py": "b1<-a", "0003_b2.py": "b2<-a"})
    assert run(["rebase", "b2", "--onto", "b1", "--no-cache"], tmp_path, monkeypatch).exit_code == 0
    rebased = paths["b2"].read_bytes()
    again = run(["rebase", "b2", "--onto", "b1", "--no-cache"], tmp_path, monkeypatch)
    assert (again.exit_code, again.stderr) == (0, "miglint: b2 already revises b1; nothing to do\n")
    assert paths["b2"].read_bytes() == rebased


@pytest.mark.parametrize(
    ("down_revision", "rebased"),
    [
        ('("a",)', '("b1",)'),  # a one-element tuple stays a tuple
        ("['a']", "['b1']"),
        ('u"a"', 'u"b1"'),
        ("None", '"b1"'),  # a base: the quotes of `revision`
    ],
)
def test_the_literal_keeps_its_shape_and_quotes(
    down_revision: str, rebased: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, ["a", "b1<-a"])
    path = tmp_path / "migrations" / "versions" / "0009_x.py"
    path.write_bytes(
        f'"""x\r\n\r\nRevision ID: x\r\nRevises: \r\n"""\r\nrevision = "x"\r\ndown_revision = {down_revision}\r\n\r\n'
        "def upgrade():\r\n    pass  # keep me\r\n".encode()
    )
    done = run(["rebase", "x", "--onto", "b1", "--no-cache"], tmp_path, monkeypatch)
    assert done.exit_code == 0, done.stderr
    assert path.read_bytes() == (
        f'"""x\r\n\r\nRevision ID: x\r\nRevises: b1\r\n"""\r\nrevision = "x"\r\ndown_revision = {rebased}\r\n\r\n'
        "def upgrade():\r\n    pass  # keep me\r\n".encode()
    )


@pytest.mark.parametrize(
    ("args", "files", "message"),
    [
        (
            ["zz", "--onto", "b1"],
            {},
            "REV zz: no such revision or branch 'zz'; a prefix needs at least four characters",
        ),
        (["b2", "--onto", "nope"], {}, "--onto nope: no such revision or branch 'nope'"),
        (
            ["a", "--onto", "b1"],
            {},
            "cannot rebase a onto b1: b1 comes after a, so the history would have a cycle",
        ),
        (["b2", "--onto", "b2"], {}, "cannot rebase b2 onto b2: b2 is b2, so the history would have a cycle"),
        (
            ["m", "--onto", "b1"],
            {"0005_m.py": "revision = 'm'\ndown_revision = ('b2', 'c')\ndef upgrade():\n    pass\n"},
            "migrations/versions/0005_m.py:2: m is a merge of b2, c; rebase the first revision of one branch instead",
        ),
        (
            ["d", "--onto", "b1"],
            {"0006_d.py": "revision = 'd'\ndown_revision = PARENT\ndef upgrade():\n    pass\n"},
            "migrations/versions/0006_d.py:2: down_revision of d is not a literal (PARENT); edit it by hand",
        ),
    ],
    ids=["unknown-rev", "unknown-onto", "onto-a-descendant", "onto-itself", "a-merge", "non-literal"],
)
def test_refusals_are_one_line_and_write_nothing(
    args: list[str], files: dict[str, str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, ["a", "b1<-a", "b2<-a", "c<-a"], files)
    before = {p: p.read_bytes() for p in (tmp_path / "migrations" / "versions").iterdir()}
    done = run(["rebase", *args, "--no-cache"], tmp_path, monkeypatch)
    assert (done.exit_code, done.stdout, done.stderr) == (2, "", f"miglint: error: {message}\n")
    assert {p: p.read_bytes() for p in (tmp_path / "migrations" / "versions").iterdir()} == before


def test_a_configured_head_file_is_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, ["a", "b1<-a", "b2<-a"])
    (tmp_path / "pyproject.toml").write_text('[tool.miglint]\nhead-file = "migrations/HEAD"\n')
    (tmp_path / "migrations" / "HEAD").write_text("b1\nb2\n")
    done = run(["rebase", "b2", "--onto", "b1", "--no-cache"], tmp_path, monkeypatch)
    assert done.exit_code == 0
    assert done.stderr.splitlines()[-1] == "miglint: migrations/HEAD: wrote b2"
    assert (tmp_path / "migrations" / "HEAD").read_text() == "b2\n"
    lint = run(["lint", "--no-cache"], tmp_path, monkeypatch)
    assert (lint.exit_code, lint.stdout) == (0, "All checks passed: 3 revisions in 1 environment.\n")


def test_a_version_file_that_is_a_link_is_not_rebased(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, ["a", "b1<-a"])
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text(version_source(spec("b2<-a")))
    link = tmp_path / "migrations" / "versions" / "0002_b2.py"
    link.symlink_to(elsewhere)
    done = run(["rebase", "b2", "--onto", "b1", "--no-cache"], tmp_path, monkeypatch)
    assert (done.exit_code, done.stderr) == (
        2,
        f"miglint: error: migrations/versions/0002_b2.py is a symbolic link (to {elsewhere}); rebase that file instead\n",
    )
    assert link.is_symlink() and "down_revision = 'a'" in elsewhere.read_text()
