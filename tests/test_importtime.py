"""MG507: Alembic's `op` and `context` used while a version file is imported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from histories import write_project
from miglint.facts.importtime import PROXY_ATTRIBUTES, import_time_uses, may_use_proxies_at_import
from miglint.pipeline import Options, lint_paths


def uses(source: str) -> list[tuple[str, int, int]]:
    text = textwrap.dedent(source)
    code = compile(text, "<revision>", "exec")
    assert may_use_proxies_at_import(code) or not import_time_uses(text)  # the pre-check never misses one
    return [(u.what, u.span.line, u.span.column) for u in import_time_uses(text)]


def test_what_each_proxy_holds_from_its_import_is_alembics() -> None:
    """zato: `add_col = op.add_column` at module level reads a function Alembic made when
    alembic.op was imported; only a call raises. `context.config` raises when read."""
    from alembic import context, op
    from miglint.facts.importtime import _METHODS

    for name, module in (("op", op), ("context", context)):
        readable = set()
        for attribute in PROXY_ATTRIBUTES:
            try:
                getattr(module, attribute)
            except (AttributeError, NameError):
                continue
            readable.add(attribute)
        assert readable == _METHODS[name], name
    assert (
        uses("from alembic import op\nadd_col = op.add_column\n\n\ndef upgrade():\n    add_col('t', None)\n")
        == []
    )
    assert (
        uses("from alembic import op\nadd_col = op.add_column\nadd_col('t', None)\n") == []
    )  # not seen: a name
    assert uses("from alembic import op, context\nx = op.config\ny = context.add_column\n") == [
        ("op.config", 2, 4),
        ("context.add_column", 3, 4),
    ]


def test_the_attribute_list_is_alembics() -> None:
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext

    public = {n for cls in (Operations, EnvironmentContext) for n in dir(cls) if not n.startswith("_")}
    assert public <= PROXY_ATTRIBUTES


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from alembic import op\nbind = op.get_bind()\n", [("op.get_bind", 2, 7)]),
        # SuperAGI, cds-snc: one statement, the first use
        ("from alembic import op\nname = op.get_bind().engine.url.database\n", [("op.get_bind", 2, 7)]),
        ("from alembic import op as alembic_op\nx = alembic_op.f('ix')\n", [("alembic_op.f", 2, 4)]),
        ("import alembic.op as aop\nif True:\n    aop.execute('SELECT 1')\n", [("aop.execute", 3, 4)]),
        (
            "from alembic import context\nurl = context.config.get_main_option('x')\n",
            [("context.config", 2, 6)],
        ),
        ("from alembic import op\nclass T:\n    bind = op.get_bind()\n", [("op.get_bind", 3, 11)]),
        ("from alembic import op\ndef f(bind=op.get_bind()):\n    pass\n", [("op.get_bind", 2, 11)]),
        # handlers that let the import survive (magfest/ubersystem, RootTheBox, FitTrackee)
        ("from alembic import op\ntry:\n    b = op.get_bind()\nexcept NameError:\n    b = None\n", []),
        ("from alembic import op\ntry:\n    b = op.get_bind()\nexcept:\n    b = None\n", []),
        (
            "from alembic import op\ntry:\n    b = op.get_bind()\nexcept (KeyError, Exception):\n    pass\n",
            [],
        ),
        # the branch a failed import never takes (magfest/ubersystem, 241 files)
        (
            "from alembic import op\ntry:\n    is_sqlite = op.get_context().dialect.name == 'sqlite'\n"
            "except:\n    is_sqlite = False\nif is_sqlite:\n    op.get_context().connection.execute('PRAGMA x')\n"
            "else:\n    default = op.f('utc')\n",
            [("op.f", 9, 14)],
        ),
        # a handler that does not: the NameError goes through
        (
            "from alembic import op\ntry:\n    b = op.get_bind()\nexcept ValueError:\n    b = None\n",
            [("op.get_bind", 3, 8)],
        ),
        # what waits to be called
        ("from alembic import op\ndef upgrade():\n    op.get_bind()\nf = lambda: op.get_bind()\n", []),
        ("from alembic import op\nclass T:\n    def m(self):\n        return op.get_bind()\n", []),
        # another `op`
        ("import operator as op\nx = op.add(1, 2)\n", []),
        ("from alembic import op\nrevision = 'r1'\n", []),
    ],
)
def test_what_runs_on_import(source: str, expected: list[tuple[str, int, int]]) -> None:
    assert uses(source) == expected


def test_finding(tmp_path: Path) -> None:
    source = (
        "from alembic import op\n"
        "revision = 'r1'\n"
        "down_revision = None\n"
        "bind = op.get_context().bind\n"  # bazarr
        "\n"
        "def upgrade():\n"
        "    if bind.dialect.name == 'sqlite':\n"
        "        pass\n"
    )
    write_project(tmp_path, (), {"0001_r1.py": source})
    reports = lint_paths([str(tmp_path)], tmp_path, Options(use_cache=False, select=["MG507"]))
    (found,) = [d for r in reports for d in r.diagnostics]
    assert (found.code, found.span.line, found.span.column, found.revisions) == ("MG507", 4, 7, ("r1",))
    assert found.message == (
        "op.get_context is used while the file is imported, outside any function: `alembic heads`, "
        "`history`, `check` and `revision` import every revision with no migration running, and there "
        "it raises NameError"
    )
    assert found.help == "move it into upgrade() / downgrade(), or a function they call"


def test_an_ordinary_revision_is_not_parsed_for_it() -> None:
    """The pre-check is a set test on the module's own names: op calls in functions are not there."""
    text = (
        "from alembic import op, context\nimport sqlalchemy as sa\nrevision = 'r1'\ndown_revision = None\n"
        "def upgrade():\n    op.create_table('t', sa.Column('id', sa.Integer()))\n"
        "    if context.is_offline_mode():\n        op.execute('SELECT 1')\n"
    )
    assert not may_use_proxies_at_import(compile(text, "<revision>", "exec"))
