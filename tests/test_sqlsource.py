"""Which strings a revision runs as SQL, and where each character is in the file."""

from __future__ import annotations

import ast

import pytest
from miglint.sql.source import LineIndex, extract_sql, reached_functions, source_segment


def texts(source: str) -> list:
    return [(s.text, s.function, s.entry) for s in extract_sql(source).sources]


def at(source: str, needle: str) -> tuple:
    """(line, column) miglint reports for the first SQL text containing `needle`."""
    for found in extract_sql(source).sources:
        if needle in found.text:
            return found.position(found.text.index(needle))
    raise AssertionError(needle)


def test_execute_forms_in_upgrade() -> None:
    source = (
        "def upgrade():\n"
        "    op.execute('A')\n"
        "    op.get_bind().execute(sa.text('B'))\n"
        "    conn = op.get_bind()\n"
        '    conn.exec_driver_sql("C")\n'
        "    op.execute(text('D' 'E'))\n"
        "    op.execute('F' + 'G')\n"
    )
    assert [t for t, _, _ in texts(source)] == ["A", "B", "C", "DE", "FG"]


def test_a_name_bound_again_runs_the_value_bound_last_before_it() -> None:
    """zuul f7843ddf1552: `statement = "..."; connection.execute(sa.text(statement))`, then
    `statement` bound again for the next one: each call runs the value bound just before
    it (a value bound in a branch or a loop between them may too; in a loop, every value)."""
    source = (
        "def upgrade():\n"
        "    statement = 'A'\n"
        "    op.execute(statement)\n"
        "    statement = 'B'\n"
        "    if flag:\n"
        "        statement = 'C'\n"
        "    op.execute(statement)\n"
        "    for x in y:\n"
        "        op.execute(statement)\n"
        "        statement = 'D'\n"
    )
    assert [(t, line) for t, line in ((s.text, s.line) for s in extract_sql(source).sources)] == [
        ("A", 3),
        ("B", 7),
        ("C", 7),
        ("A", 9),
        ("B", 9),
        ("C", 9),
        ("D", 9),
    ]


def test_positions_inside_triple_quoted_strings() -> None:
    source = 'def upgrade():\n    op.execute("""\n        CREATE TABLE a (id int);\n        CREATE TABLE b (id int);\n    """)\n'
    assert at(source, "CREATE TABLE a") == (3, 8)
    assert at(source, "CREATE TABLE b") == (4, 8)


def test_positions_after_a_line_break_escaped_at_the_opening_quotes() -> None:
    # koschei: `"""\\` then the SQL; every statement was put at the string's start
    source = (
        'def upgrade():\n    op.execute("""\\\n    CREATE INDEX tmp ON d(name);\n'
        '    ALTER TABLE d DROP COLUMN distance;\n    """)\n'
    )
    assert at(source, "CREATE INDEX") == (3, 4)
    assert at(source, "DROP COLUMN") == (4, 18)
    # another escape anywhere: the whole literal still maps to its start
    other = source.replace("distance;", "distance; -- \\t")
    assert at(other, "DROP COLUMN") == (2, 15)


def test_position_after_non_ascii_text_counts_characters() -> None:
    source = "def upgrade():\n    op.execute('INSERT INTO t VALUES (\u00e9'); op.execute('DROP TABLE x')\n"
    assert at(source, "DROP TABLE") == (2, 55)  # character 55, byte 56


def test_dedent_keeps_each_line_in_place() -> None:
    source = (
        "import textwrap\n"
        "def upgrade():\n"
        '    op.execute(textwrap.dedent("""\n'
        "        CREATE TABLE a (id int);\n"
        "        ALTER TABLE t ADD COLUMN c int\n"
        '    """))\n'
    )
    assert at(source, "ALTER TABLE") == (5, 8)
    assert at(source, "ADD COLUMN") == (5, 22)


def test_fstring_placeholders_become_identifiers() -> None:
    source = "def upgrade():\n    for t in TABLES:\n        op.execute(f'DROP TABLE {t} CASCADE')\n"
    assert texts(source) == [("DROP TABLE __miglint_p0__ CASCADE", "upgrade", "upgrade")]


def test_fstring_names_bound_once_to_a_string_are_read_as_it() -> None:
    # notifications-api 0323: name = "template_type"; tmp_name = "tmp_" + name at the top,
    # then f"ALTER TYPE {name} RENAME TO {tmp_name}" and f"DROP TYPE {tmp_name}"
    source = (
        "name = 'template_type'\ntmp_name = 'tmp_' + name\n\n\n"
        "def upgrade():\n"
        "    op.execute(f'ALTER TYPE {name} RENAME TO {tmp_name}')\n"
        "    local = 'ix_a'\n"
        "    op.execute(f'DROP INDEX {local}')\n"
    )
    assert [t for t, _, _ in texts(source)] == [
        "ALTER TYPE template_type RENAME TO tmp_template_type",
        "DROP INDEX ix_a",
    ]


@pytest.mark.parametrize(
    "body",
    [
        "def upgrade(name='x'):\n    op.execute(f'DROP TABLE {name}')\n",  # a parameter
        "def upgrade():\n    for name in NAMES:\n        op.execute(f'DROP TABLE {name}')\n",
        "def upgrade():\n    name = 'a'\n    name = 'b'\n    op.execute(f'DROP TABLE {name}')\n",
        "def upgrade():\n    op.execute(f'DROP TABLE {name!r}')\n",  # a conversion
        "def upgrade():\n    op.execute(f'DROP TABLE {name:>9}')\n",  # a format
        "def set_name():\n    global name\n    name = 'b'\n\n\ndef upgrade():\n    op.execute(f'DROP TABLE {name}')\n",
        "def upgrade():\n    op.execute(f'DROP TABLE {other}')\n",  # imported
    ],
    ids=["parameter", "loop", "bound-twice", "conversion", "format", "global", "imported"],
)
def test_fstring_names_that_may_hold_another_value_stay_placeholders(body: str) -> None:
    source = "from mod import other\nname = 'fixed'\n\n\n" + body
    (text,) = [t for t, _, _ in texts(source)]
    assert text.startswith("DROP TABLE __miglint_p"), text


def test_fstring_placeholders_are_shown_as_written() -> None:
    source = (
        "def upgrade():\n"
        "    op.execute(f'CREATE INDEX ix_{t.name}_id ON {t.name!r} (id)')\n"
        "    op.execute(f'DROP TABLE {prefix + \"_old\":>10}')\n"
    )
    first, second = extract_sql(source).sources
    assert first.shown(first.text) == "CREATE INDEX ix_{t.name}_id ON {t.name} (id)"
    assert second.shown(second.text) == "DROP TABLE {prefix + '_old'}"
    assert second.placeholders == (("__miglint_p2__", "{prefix + '_old'}"),)  # numbered per function


def test_str_format_fills_its_fields_as_an_fstring_would() -> None:
    # emergency-alerts-api 0078: enum_name = "..."; tmp_name = "tmp_" + enum_name at the top,
    # then "ALTER TYPE {enum} RENAME TO {tmp_name}".format(enum=enum_name, tmp_name=tmp_name)
    # and a module-level template formatted once per table
    source = (
        "enum_name = 'notify_status_type'\ntmp_name = 'tmp_' + enum_name\n"
        "alter_str = 'ALTER TABLE {table} ALTER COLUMN status TYPE {enum}'\n\n\n"
        "def upgrade():\n"
        "    op.execute('ALTER TYPE {enum} RENAME TO {tmp_name}'.format(enum=enum_name, tmp_name=tmp_name))\n"
        "    op.execute(alter_str.format(table='notifications', enum=enum_name))\n"
        "    op.execute('INSERT INTO t VALUES ({}, {1}, {{x}})'.format(7, 'b'))\n"
        "    op.execute('DROP TABLE {}'.format(table_of(x)))\n"
    )
    sources = extract_sql(source).sources
    assert [s.text for s in sources] == [
        "ALTER TYPE notify_status_type RENAME TO tmp_notify_status_type",
        "ALTER TABLE notifications ALTER COLUMN status TYPE notify_status_type",
        "INSERT INTO t VALUES (7, b, {x})",
        "DROP TABLE __miglint_p0__",
    ]
    assert sources[3].shown(sources[3].text) == "DROP TABLE {table_of(x)}"
    # each at its format() call, the template bound at the top included
    assert [s.position(0) for s in sources] == [(7, 15), (8, 15), (9, 15), (10, 15)]


@pytest.mark.parametrize(
    "call",
    ["'DROP TABLE {0.name}'.format(t)", "'DROP TABLE {t!r}'.format(t='a')", "'DROP TABLE {n:>5}'.format(n='a')",
     "'DROP TABLE {missing}'.format(t='a')", "'DROP TABLE {}'.format(*names)", "'DROP TABLE {'.format()",
     "'DROP TABLE {t}'.format(**names)"],
)  # fmt: skip
def test_str_format_it_does_not_imitate_is_unresolved(call: str) -> None:
    extraction = extract_sql(f"def upgrade():\n    op.execute({call})\n")
    assert extraction.sources == ()
    assert len(extraction.unresolved) == 1


def test_names_bound_in_function_and_module_every_value() -> None:
    source = (
        "CREATE = 'CREATE TABLE m (id int)'\n"
        "def upgrade():\n"
        "    op.execute(CREATE)\n"
        "    if cond:\n"
        "        sql = 'A'\n"
        "    else:\n"
        "        sql = 'B'\n"
        "    op.execute(sql)\n"
    )
    assert [t for t, _, _ in texts(source)] == ["CREATE TABLE m (id int)", "A", "B"]
    assert at(source, "CREATE TABLE m") == (1, 10)


def test_helpers_reached_from_upgrade_and_downgrade_is_marked() -> None:
    source = (
        "def _seed(conn):\n"
        "    conn.execute(text('INSERT INTO t VALUES (:id)'), {'id': 1})\n"
        "def _backfill():\n"
        "    _seed(op.get_bind())\n"
        "def _unused():\n"
        "    op.execute('NEVER RUN')\n"
        "def upgrade():\n"
        "    _backfill()\n"
        "def downgrade():\n"
        "    op.execute('DROP TABLE t')\n"
    )
    assert texts(source) == [
        ("INSERT INTO t VALUES (:id)", "_seed", "upgrade"),
        ("DROP TABLE t", "downgrade", "downgrade"),
    ]


@pytest.mark.parametrize(
    ("argument", "shown"),
    [("build_sql()", "build_sql()"), ("QUERIES[0]", "QUERIES[0]"), ("unknown_name", "unknown_name")],
)
def test_unresolved_arguments_are_counted_not_guessed(argument: str, shown: str) -> None:
    extraction = extract_sql(f"def upgrade():\n    op.execute({argument})\n")
    assert extraction.sources == ()
    assert extraction.unresolved == (("upgrade", 2, 4, shown),)


def test_escaped_literal_maps_to_its_start() -> None:
    source = "def upgrade():\n    op.execute('A;\\nDROP TABLE x')\n"
    (found,) = extract_sql(source).sources
    assert found.text == "A;\nDROP TABLE x"
    assert found.position(found.text.index("DROP")) == (2, 15) and not found.exact_at(3)


# -- the readers stay linear on huge files (benchmarks/pathological.py times them) --------

SEGMENT_TEXTS = [
    "x = f(a, 'b')\ny = g(\n    'é' + c,\r\n    d)\rz = h(e)\n",
    "def upgrade():\n    op.execute(sql_for('t'))\n    op.execute(\n        query\n    )\n",
    "s = '''one\ntwo\\fthree'''\nt = k(s)\n",  # a form feed is no line break to ast
]


@pytest.mark.parametrize("text", SEGMENT_TEXTS, ids=["crlf-cr-unicode", "calls", "form-feed"])
def test_source_segment_is_ast_get_source_segment(text: str) -> None:
    lines = None
    nodes = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.expr)]
    assert nodes
    for node in nodes:
        segment, lines = source_segment(text, node, lines)
        assert segment == ast.get_source_segment(text, node)


def test_line_index_counts_newlines_before_each_offset() -> None:
    text = "a\nbb\r\n\nccc\rd\n"
    index = LineIndex(text)
    assert [index.line(i) for i in range(len(text) + 1)] == [
        text.count("\n", 0, i) + 1 for i in range(len(text) + 1)
    ]


@pytest.mark.parametrize("padding", [0, 10], ids=["searched-by-name", "scanned-once"])
def test_reached_functions_follow_called_names_only(padding: int) -> None:
    text = "".join(f"def unused_{i}():\n    pass\n\n" for i in range(padding)) + (
        "def upgrade():\n    x.helper()\n    prefix_other ()\n    mentioned = later\n\n"
        "def helper():\n    héllo(1)\n\n"
        "def héllo(n):\n    pass\n\n"
        "def other():\n    pass\n\n"
        "def later():\n    pass\n\n"
        "def prefix_other():\n    other  (\n)\n"
    )
    tree = ast.parse(text)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    lines = text.splitlines(keepends=True)
    reached = [f.name for f in reached_functions(functions, "upgrade", lines)]
    assert reached == ["upgrade", "helper", "prefix_other", "héllo", "other"]
