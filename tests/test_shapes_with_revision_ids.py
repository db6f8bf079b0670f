"""The shapes real projects taught in session 12, failing and passing, asserted by code, line
and revision ids (the other tests of each shape assert its message and its facts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from histories import write_project
from miglint.pipeline import Options, lint_paths

HEAD = "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = {rev!r}\ndown_revision = {down!r}\n\n\n"
BASE = HEAD.format(rev="r1", down=None) + (
    "def upgrade():\n"
    "    op.create_table('users', sa.Column('id', sa.Integer()))\n"
    "    op.create_table('customers', sa.Column('id', sa.Integer()))\n"
)


def second(body: str, top: str = "") -> str:
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return HEAD.format(rev="r2", down="r1") + top + "def upgrade():\n" + lines


def found(tmp_path: Path, code: str, source: str) -> list[tuple[str, int, tuple[str, ...]]]:
    write_project(tmp_path, files={"0001_r1.py": BASE, "0002_r2.py": source})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=[code]))
    return [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics]


# code, upgrade() of r2, the line reported (None: nothing); upgrade()'s first line is 9
CASES = [
    pytest.param("MG404", "op.add_column('users', sa.Column('n', sa.Integer(), sa.Sequence('s'), nullable=False))",
                 9, id="mg404-sequence"),
    pytest.param("MG404", "op.add_column('users', sa.Column('n', sa.Integer(), primary_key=True, nullable=False))",
                 None, id="mg404-serial"),
    pytest.param("MG405", "op.add_column('users', sa.Column('n', sa.Integer(), sa.Identity()))", 9,
                 id="mg405-identity"),
    pytest.param("MG405", "op.add_column('users', sa.Column('n', sa.Integer()))", None, id="mg405-plain"),
    pytest.param("MG409", "op.execute('ALTER TABLE users ADD COLUMN slug text UNIQUE')", 9,
                 id="mg409-sql-unique"),
    pytest.param("MG409", "op.execute('ALTER TABLE users ADD COLUMN slug text')", None, id="mg409-sql-plain"),
    pytest.param("MG408", "op.add_column('users', sa.Column('c', sa.Integer(), sa.ForeignKey('customers.id')))",
                 9, id="mg408-add-column-foreign-key"),
    pytest.param("MG408", "op.add_column('users', sa.Column('c', sa.Integer()))", None,
                 id="mg408-add-column-plain"),
    pytest.param("MG401", "op.create_index('ix_users_id', 'users', ['id'])", 9, id="mg401-existing"),
    pytest.param("MG401", "op.create_entity(PGMaterializedView(signature='mv', definition='SELECT 1'))\n"
                 "op.create_index('ix_mv', 'mv', ['id'])", None, id="mg401-materialized-view-made-here"),
    pytest.param("MG204", "op.execute('CREATE TABLE tmp (id int)')\nop.execute('INSERT INTO tmp SELECT id FROM users')",
                 10, id="mg204-helper-kept"),
    pytest.param("MG204", "op.execute('CREATE TABLE tmp (id int)')\nop.execute('INSERT INTO tmp SELECT id FROM users')\n"
                 "op.execute('DROP TABLE tmp')", None, id="mg204-helper-dropped-later"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "body", "line"), CASES)
def test_code_line_and_revision_ids(tmp_path: Path, code: str, body: str, line: int | None) -> None:
    assert found(tmp_path, code, second(body)) == ([] if line is None else [(code, line, ("r2",))])


def test_an_innodb_name_silences_postgresql_rules_only_where_the_history_did_not_write_it(
    tmp_path: Path,
) -> None:
    drop = "op.drop_constraint('users_ibfk_1', 'users', type_='foreignkey')\nop.create_index('ix_u', 'users', ['id'])"
    assert found(tmp_path, "MG401", second(drop)) == []
    named = BASE.replace(
        "sa.Column('id', sa.Integer()))\n",
        "sa.Column('id', sa.Integer()), sa.ForeignKeyConstraint(['id'], ['customers.id'], name='users_ibfk_1'))\n",
        1,
    )
    write_project(tmp_path, files={"0001_r1.py": named, "0002_r2.py": second(drop)})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG401"]))
    assert [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics] == [
        ("MG401", 10, ("r2",))
    ]


@pytest.mark.parametrize(("revises", "flagged"), [("<None>", False), ("r0", True)])
def test_mg106_revises_none_in_angle_brackets(tmp_path: Path, revises: str, flagged: bool) -> None:
    source = f'"""first\n\nRevision ID: r1\nRevises: {revises}\n"""\n' + BASE
    write_project(tmp_path, files={"0001_r1.py": source})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG106"]))
    result = [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics]
    assert result == ([("MG106", 4, ("r1",))] if flagged else [])
