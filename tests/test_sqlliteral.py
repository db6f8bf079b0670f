"""The literal reader (sqlliteral.py) gives sqlsource's extraction, or hands over."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest
from miglint.sql.literal import extract_literal_sql
from miglint.sql.source import extract_sql

ROOT = Path(__file__).resolve().parent.parent

# Sources the literal reader must either read exactly as sqlsource does or hand over.
TRICKY = [
    # the same SQL in a comment and in a docstring, and really run
    'def upgrade():\n    """op.execute("CREATE TABLE t (id int)")"""\n'
    '    # op.execute("CREATE TABLE t (id int)")\n    op.execute("CREATE TABLE t (id int)")\n',
    'def upgrade():\n    x = 1  # op.execute("DROP TABLE t")\n    op.execute("DROP TABLE t")\n',
    "def upgrade():\n    op.execute('a' 'b')\n    op.execute(\n        'c'  # first\n        \"d\"\n    )\n",
    "def upgrade():\n    op.execute('a\\tb')\n    op.execute(u'caf\\u00e9')\n    op.execute(u'plain')\n",
    "def upgrade():\n    op.execute(r'a\\b')\n    op.execute(f'x {y}')\n    op.execute(b'x')\n",
    "def upgrade():\n    conn.execute(sa.text('UPDATE t SET a = :v').bindparams(v='x, (y)'), {'k': 1})\n",
    "def upgrade():\n    conn.execute(sa.text(\n        'UPDATE t SET a = :v '\n        'WHERE b'\n    ).bindparams(v=\"p\", w=1))\n",
    "def upgrade():\n    op.execute('x %s' % y)\n",
    "def upgrade():\n    op.execute('x' + y)\n",
    "async def upgrade():\n    await conn.execute('A')\n    return conn.execute('B')\n",
    "def upgrade():\n    op.get_bind().execute('A')\n    (op).execute('B')\n",
    "def upgrade():\n    op.get_bind(\n    ).execute('A')\n",
    "def upgrade():\n    conn \\\n        .execute('A')\n",
    "def upgrade():\n    items[0].execute('A')\n",
    "def upgrade():\n    op.execute('A')\n    op.execute(sql='B')\n    op.execute()\n",
    "@decorated\ndef upgrade():\n    op.execute('A')\n",
    "def upgrade():\n    helper()\n\ndef helper():\n    op.execute('H')\n\ndef unused():\n    op.execute('U')\n",
    "def upgrade():\n    op.execute('A')\n# helper()\n\ndef helper():\n    op.execute('H')\n",
    "def upgrade():\n    op.execute('A')\n    '''\n    helper()\n    '''\n\ndef helper():\n    op.execute('H')\n",
    "def upgrade():\n    def inner():\n        op.execute('I')\n    inner()\n    op.execute('A')\n",
    "def upgrade():\n    if False:\n        op.execute('DEAD')\n    op.execute('A')\n",
    "def upgrade():\n    op.execute(textwrap.dedent('''\n        SELECT 1\n    '''))\n",
    "def upgrade():\n    op.execute('A')\r\n    op.execute('''\r\nCREATE TABLE t (id int)\r\n''')\r\n",
    "def upgrade():\n    op.execute('CREATE TRIGGER x execute function f()')\n",
    "def upgrade():\n    op.execute('A')\n\ndef upgrade():\n    op.execute('B')\n",
    "class A:\n    def execute(self, sql):\n        pass\n\ndef upgrade():\n    A().execute('A')\n",
    "def upgrade():\n    op.executemany('A')\n    op.execute('B')\n",
    "if True:\n    def upgrade():\n        op.execute('A')\n",
    "def upgrade():\n    op.execute('A')\n\ndef downgrade():\n    op.execute('DROP TABLE a')\n",
    "SQL = 'CREATE TABLE t (id int)'\n\ndef upgrade():\n    op.execute(SQL)\n    op.execute('CREATE TABLE t (id int)')\n",
    'def upgrade():\n    op.execute(\'caf\u00e9 \u2014 A\')  # \u00e9\n    op.execute("""\n        \u00e9 CREATE TABLE t (id int)\n    """)\n',
    'def upgrade():\n    op.execute("""CREATE TABLE a (id int);\nCREATE TABLE "b" (id int)""")\n',
    "def upgrade():\n    op.execute('''it''s''')\n",
    'def upgrade():\n    op.execute("""\\\n    CREATE INDEX i ON d(n);\n    DROP INDEX i;\n    """)\n',  # koschei
    "def upgrade():\n    op . execute('A')\n    op.execute ('B')\n    op.execute\\\n('C')\n",
    "def upgrade():\n    note = 'then op.execute(\"A\") runs'\n",
]


def _sources() -> list[str]:
    examples = [p.read_text("utf-8") for p in sorted((ROOT / "examples").rglob("versions/**/*.py"))]
    return examples + _generated()


def _generated() -> list[str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate  # benchmarks/generate.py

    found: list[str] = []
    for sql_heavy in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            generate.generate_project(Path(tmp), 80, sql_heavy=sql_heavy, seed=5)
            found += [p.read_text("utf-8") for p in sorted(Path(tmp).rglob("versions/*.py"))]
    return found


def _compiled(source: str):  # type: ignore[no-untyped-def]
    try:
        return compile(source, "<revision>", "exec", dont_inherit=True)
    except SyntaxError:
        return None


@pytest.mark.parametrize("entries", [("upgrade",), ("upgrade", "downgrade")])
def test_literal_reader_agrees_with_the_ast_reader(entries: tuple[str, ...]) -> None:
    taken = 0
    for source in _sources() + TRICKY:
        code = _compiled(source)
        if code is None or not re.search(r"\.(?:execute|exec_driver_sql)\s*\(", source):
            continue
        fast = extract_literal_sql(source, code, entries)
        if fast is not None:
            taken += 1
            assert fast == extract_sql(source, None, entries), source[:400]
    assert taken > 80


def test_literal_reader_takes_every_generated_sql_file() -> None:
    # It must take the common shapes, or it saves nothing.
    generated = [s for s in _generated() if "op.execute" in s or "conn.execute" in s]
    assert len(generated) > 60
    assert [s[:200] for s in generated if extract_literal_sql(s, _compiled(s), ("upgrade",)) is None] == []


@pytest.mark.parametrize(
    ("index", "taken"),
    [
        (0, False),  # the SQL also in a docstring: its line has no instruction
        (1, False),  # ... in a comment on a line of code
        (2, True),  # implicit concatenation, over lines, with a comment
        (3, True),  # escapes and u-prefixes
        (4, False),  # r-, f- and b-strings
        (5, True),  # text().bindparams() with a string holding ", (" and a second argument
        (7, False),  # `%`: the literal is only part of the argument
        (9, True),  # await / return
        (10, False),  # a parenthesized receiver
        (11, False),  # a receiver over lines
        (14, False),  # execute() without a literal first argument
        (15, False),  # a decorated function
        (16, True),  # a helper reached, one not
        (18, False),  # a helper named only inside a string that ends the function
        (20, False),  # dead code: the literal is not among the constants
        (21, False),  # dedent
        (22, True),  # CRLF
        (23, False),  # `execute` inside the SQL
        (24, False),  # a function defined twice
        (26, False),  # executemany
        (29, False),  # a name
        (34, False),  # a call written inside a string on a line of code: not a constant
    ],
)
def test_literal_reader_hands_over_what_it_does_not_follow(index: int, taken: bool) -> None:
    source = TRICKY[index]
    code = _compiled(source)
    assert code is not None
    assert (extract_literal_sql(source, code, ("upgrade",)) is not None) is taken
