"""MG204 and foreign keys ON DELETE CASCADE declared in another revision: a DELETE of the
parent table run before an INSERT into the child empties the child too, so the INSERT
can run again (rules/insert_without_conflict_guard.py, lint/sql/guards.py emptied_before).

The shapes are written anew after one seen in a real project: a data migration that
wipes the parent rows, then re-creates the parents and links children to them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from histories import write_project
from miglint.pipeline import Options, lint_paths

HEADER = "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = {rev!r}\ndown_revision = {down!r}\n\n"


def revision(rev: str, down: str | None, body: str) -> str:
    return HEADER.format(rev=rev, down=down) + "def upgrade():\n" + body + "\n"


def mg204(root: Path) -> list[tuple[str, int, tuple[str, ...]]]:
    reports = lint_paths([str(root)], root, Options(use_cache=False, select=["MG204"]))
    return [(d.code, d.span.line, d.revisions) for r in reports for d in r.diagnostics]


TABLES = "    op.create_table('configs', sa.Column('id', sa.String(), primary_key=True))\n"
LINKS = {
    "foreign-key-constraint": (
        "    op.create_table(\n"
        "        'links',\n"
        "        sa.Column('config_id', sa.String(), nullable=False),\n"
        "        sa.Column('notice_id', sa.String(), nullable=False),\n"
        "        sa.ForeignKeyConstraint(['config_id'], ['configs.id'], ondelete={ondelete!r}),\n"
        "    )\n"
    ),
    "column-foreign-key": (
        "    op.create_table(\n"
        "        'links',\n"
        "        sa.Column('config_id', sa.String(), sa.ForeignKey('configs.id', ondelete={ondelete!r})),\n"
        "        sa.Column('notice_id', sa.String()),\n"
        "    )\n"
    ),
    "create-foreign-key": (
        "    op.create_table('links', sa.Column('config_id', sa.String()), sa.Column('notice_id', sa.String()))\n"
        "    op.create_foreign_key('fk_links_config', 'links', 'configs', ['config_id'], ['id'], ondelete={ondelete!r})\n"
    ),
    "sql-references": (
        "    op.execute('CREATE TABLE links (config_id text REFERENCES configs (id) ON DELETE {ondelete}, notice_id text)')\n"
    ),
    "sql-add-constraint": (
        "    op.execute('CREATE TABLE links (config_id text, notice_id text)')\n"
        "    op.execute('ALTER TABLE links ADD CONSTRAINT fk_links_config FOREIGN KEY (config_id) "
        "REFERENCES configs (id) ON DELETE {ondelete}')\n"
    ),
}

# The data migration: helpers nested in a module function, called in order, as seen.
DATA = (
    "def wipe(bind):\n"
    "    def delete_configs(bind):\n"
    "        bind.execute(sa.text('DELETE FROM configs'))\n"
    "    delete_configs(bind)\n"
    "\n"
    "\n"
    "def upgrade():\n"
    "    bind = op.get_bind()\n"
    "    wipe(bind)\n"
    "    bind.execute(sa.text(\"INSERT INTO configs (id) VALUES ('eu') ON CONFLICT DO NOTHING\"))\n"
    "    bind.execute(sa.text(\"INSERT INTO links (config_id, notice_id) VALUES ('eu', 'n1')\"))\n"
)
INSERT_LINE = 17  # of the INSERT INTO links in 0003_c.py


def write(root: Path, links: str, data: str = DATA) -> None:
    write_project(
        root,
        files={
            "0001_a.py": revision("a", None, TABLES),
            "0002_b.py": revision("b", "a", links),
            "0003_c.py": HEADER.format(rev="c", down="b") + data,
        },
    )


@pytest.mark.parametrize("declared", sorted(LINKS))
def test_a_delete_of_the_parent_cascades_to_the_inserted_table(declared: str, tmp_path: Path) -> None:
    write(tmp_path, LINKS[declared].format(ondelete="CASCADE"))
    assert mg204(tmp_path) == []


@pytest.mark.parametrize("declared", sorted(LINKS))
@pytest.mark.parametrize("ondelete", ["SET NULL", "RESTRICT"])
def test_a_foreign_key_that_does_not_cascade_leaves_the_rows(
    declared: str, ondelete: str, tmp_path: Path
) -> None:
    # SET NULL keeps the child rows (a second run adds them again); RESTRICT deletes none
    write(tmp_path, LINKS[declared].format(ondelete=ondelete))
    assert mg204(tmp_path) == [("MG204", INSERT_LINE, ("c",))]


def test_the_cascade_follows_a_renamed_parent_and_a_grandparent(tmp_path: Path) -> None:
    links = LINKS["foreign-key-constraint"].format(ondelete="CASCADE") + (
        "    op.create_table('regions', sa.Column('id', sa.String(), primary_key=True))\n"
        "    op.create_foreign_key('fk_configs_region', 'configs', 'regions', ['region_id'], ['id'], ondelete='CASCADE')\n"
        "    op.rename_table('regions', 'areas')\n"
    )
    write(tmp_path, links, DATA.replace("DELETE FROM configs", "DELETE FROM areas"))
    assert mg204(tmp_path) == []


def test_the_delete_must_come_first_on_the_same_path(tmp_path: Path) -> None:
    links = LINKS["foreign-key-constraint"].format(ondelete="CASCADE")
    after = DATA.replace("    wipe(bind)\n", "").replace(
        "VALUES ('eu', 'n1')\"))\n", "VALUES ('eu', 'n1')\"))\n    wipe(bind)\n"
    )
    write(tmp_path, links, after)
    assert mg204(tmp_path) == [("MG204", INSERT_LINE - 1, ("c",))]
    write(
        tmp_path,
        links,
        DATA.replace("    wipe(bind)\n", "    if bind.dialect.name == 'x':\n        wipe(bind)\n"),
    )
    assert mg204(tmp_path) == [("MG204", INSERT_LINE + 1, ("c",))]


def test_the_cascade_runs_from_parent_to_child_only(tmp_path: Path) -> None:
    # deleting the child does not empty the parent
    links = LINKS["foreign-key-constraint"].format(ondelete="CASCADE")
    swapped = DATA.replace("DELETE FROM configs", "DELETE FROM links").replace(
        "\"INSERT INTO links (config_id, notice_id) VALUES ('eu', 'n1')\"",
        "\"INSERT INTO configs (id) VALUES ('us')\"",
    )
    write(tmp_path, links, swapped)
    assert mg204(tmp_path) == [("MG204", INSERT_LINE, ("c",))]


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
@pytest.mark.parametrize(
    ("ondelete", "expected"), [("CASCADE", []), ("SET NULL", [("MG204", INSERT_LINE, ("c",))])]
)
def test_other_dialects_read_references_in_sql(
    dialect: str, ondelete: str, expected: list[tuple[str, int, tuple[str, ...]]], tmp_path: Path
) -> None:
    data = DATA.replace(
        " ON CONFLICT DO NOTHING", ""
    )  # not every dialect has it; the finding is not asked about
    write(tmp_path, LINKS["sql-add-constraint"].format(ondelete=ondelete), data)
    (tmp_path / "pyproject.toml").write_text(f'[tool.miglint]\ndialect = "{dialect}"\n')
    found = mg204(tmp_path)
    assert [f for f in found if f[1] == INSERT_LINE] == expected


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
@pytest.mark.parametrize(
    ("emptied", "expected"), [("links", []), ("audit_log", [("MG204", INSERT_LINE, ("c",))])]
)
def test_other_dialects_name_the_table_a_delete_empties(
    dialect: str, emptied: str, expected: list[tuple[str, int, tuple[str, ...]]], tmp_path: Path
) -> None:
    data = DATA.replace(" ON CONFLICT DO NOTHING", "").replace(
        "DELETE FROM configs", f"DELETE FROM {emptied}"
    )
    write(tmp_path, LINKS["sql-add-constraint"].format(ondelete="CASCADE"), data)
    (tmp_path / "pyproject.toml").write_text(f'[tool.miglint]\ndialect = "{dialect}"\n')
    assert [f for f in mg204(tmp_path) if f[1] == INSERT_LINE] == expected
