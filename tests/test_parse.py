"""The parse boundary: header shapes, positions, docstrings, encodings, bad input."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import pytest
from miglint.model import Span
from miglint.reading.parse import parse_revision_file

TEMPLATE = b'''"""add personality traits

Revision ID: 9c23e4e81011
Revises: ab68d77b5088
Create Date: 2025-10-19 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '9c23e4e81011'
down_revision: Union[str, Sequence[str], None] = 'ab68d77b5088'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("CREATE TABLE IF NOT EXISTS personality_traits (id serial)")


def downgrade() -> None:
    pass
'''


def test_annotated_header_values_and_positions() -> None:
    record = parse_revision_file("v.py", TEMPLATE)
    assert record.revision_id == "9c23e4e81011"
    assert record.revision is not None and record.revision.span == Span(13, 16, 13, 30)
    assert record.down_revision is not None
    assert record.down_revision.ids == ("ab68d77b5088",)
    assert record.down_revision.span == Span(14, 49, 14, 63)
    assert record.branch_labels is not None and record.branch_labels.shape == "none"
    assert record.depends_on is not None and record.depends_on.ids == ()
    assert record.message == "add personality traits"
    assert record.doc_revision_id is not None
    assert (record.doc_revision_id.text, record.doc_revision_id.span) == ("9c23e4e81011", Span(3, 13, 3, 25))
    assert record.doc_revises is not None
    assert (record.doc_revises.text, record.doc_revises.span.line) == ("ab68d77b5088", 4)
    assert record.has_upgrade and record.has_downgrade and record.problem is None


def test_crlf_and_bom_keep_lines() -> None:
    data = b"\xef\xbb\xbf" + TEMPLATE.replace(b"\n", b"\r\n")
    record = parse_revision_file("v.py", data)
    assert record.revision is not None and record.revision.span == Span(13, 16, 13, 30)
    assert record.doc_revision_id is not None and record.doc_revision_id.text == "9c23e4e81011"


@pytest.mark.parametrize(
    ("source", "shape", "ids"),
    [
        ("down_revision = None", "none", ()),
        ("down_revision = 'a'", "str", ("a",)),
        ("down_revision = ('a', 'b')", "tuple", ("a", "b")),
        ("down_revision = ['a', 'b', 'c']", "list", ("a", "b", "c")),
        ("down_revision = ()", "tuple", ()),
        ("down_revision = ('a',\n    'b',\n)", "tuple", ("a", "b")),
        ("down_revision: Union[str, None] = ('a', 'b')", "tuple", ("a", "b")),
        ("down_revision: str | None = 'a'", "str", ("a",)),
        ("down_revision = 'ab' 'cd'", "str", ("abcd",)),
        ("PARENT = 'p'\ndown_revision = PARENT", "str", ("p",)),
    ],
)
def test_down_revision_shapes(source: str, shape: str, ids: tuple) -> None:
    record = parse_revision_file("v.py", f"revision = 'x'\n{source}\n".encode())
    assert record.down_revision is not None
    assert (record.down_revision.shape, record.down_revision.ids) == (shape, ids)


@pytest.mark.parametrize(
    ("source", "dynamic"),
    [
        ("down_revision = get_parent()", "get_parent()"),
        ("down_revision = 'a' + 'b'", "'a' + 'b'"),
        ("down_revision = f'{x}'", "f'{x}'"),
        ("down_revision = (*PARENTS,)", "(*PARENTS,)"),
        ("from app.ids import PARENT\ndown_revision = PARENT", "PARENT"),
    ],
)
def test_computed_values_are_marked_not_guessed(source: str, dynamic: str) -> None:
    record = parse_revision_file("v.py", f"revision = 'x'\n{source}\n".encode())
    assert record.down_revision is not None
    assert record.down_revision.dynamic == dynamic and record.down_revision.ids == ()


def test_imported_name_remembers_its_module() -> None:
    record = parse_revision_file(
        "v.py", b"from ..labels import EXPAND as E\nrevision = 'x'\nbranch_labels = E\n"
    )
    assert record.branch_labels is not None
    assert record.branch_labels.imported_from == ("labels", "EXPAND", 2)


def test_semicolons_and_last_assignment_wins() -> None:
    record = parse_revision_file("v.py", b"revision = 'old'\nrevision = 'a'; down_revision = 'b'\n")
    assert record.revision_id == "a"
    assert record.down_revision is not None and record.down_revision.span == Span(2, 32, 2, 35)


def test_syntax_error_uses_python_position() -> None:
    record = parse_revision_file(
        "v.py", b"revision = 'a'\ndef upgrade():\n    op.execute('x'\n\ndef downgrade():\n    pass\n"
    )
    assert record.problem is not None
    if sys.version_info >= (3, 10):  # CPython names the unclosed bracket from 3.10 on
        assert record.problem.message == "invalid syntax: '(' was never closed"
        assert record.problem.span.line == 3 and record.problem.span.column == 14
    else:
        assert record.problem.message.startswith("invalid syntax")
        assert record.problem.span.line in (3, 4, 5)


def test_non_utf8_byte_is_located() -> None:
    record = parse_revision_file("v.py", b"revision = 'a'\n# caf\xe9\n")
    assert record.problem is not None
    assert record.problem.message.startswith("cannot decode as utf-8: byte 0xe9")
    assert record.problem.span.line == 2 and record.problem.span.column == 5


def test_pep263_coding_line_is_honoured() -> None:
    record = parse_revision_file("v.py", b"# -*- coding: latin-1 -*-\nrevision = 'caf\xe9'\n")
    assert record.problem is None and record.revision_id == "caf\u00e9"


def test_empty_and_helper_files_are_not_revisions() -> None:
    assert not parse_revision_file("e.py", b"").looks_like_revision
    helper = parse_revision_file("h.py", b"def add_audit_columns(op):\n    pass\n")
    assert not helper.looks_like_revision and helper.problem is None


def test_op_as_parameter_and_no_downgrade() -> None:
    record = parse_revision_file(
        "v.py", b"revision = 'a'\ndown_revision = None\ndef upgrade(op, tables, tester):\n    pass\n"
    )
    assert record.has_upgrade and not record.has_downgrade


def test_suppression_comments_but_not_strings() -> None:
    source = (
        b"# miglint: ignore[MG106]\n"
        b"revision = 'a1b2c3d4e5f6'  # miglint: ignore[MG111, header-mismatch]\n"
        b"x = '# miglint: ignore[MG102]'\n"
        b"y = 1  # miglint: ignore\n"
    )
    found = parse_revision_file("v.py", source).suppressions
    assert [(s.span.line, s.codes, s.whole_file) for s in found] == [
        (1, ("MG106",), True),
        (2, ("MG111", "header-mismatch"), False),
        (4, (), False),
    ]


def test_record_is_small_and_picklable() -> None:
    record = parse_revision_file("v.py", TEMPLATE)
    assert pickle.loads(pickle.dumps(record)) == record
    assert len(pickle.dumps(record)) < 2000


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("'abc'", "abc"),
        ('"abc"', "abc"),
        ("u'abc'", "abc"),
        ("'''abc'''", "abc"),
        ("''", ""),
        ("'a\\tb'", "a\tb"),
        ("r'a\\tb'", "a\\tb"),
        ("'caf\\u00e9'", "caf\u00e9"),
    ],
)
def test_string_values_read_like_python(literal: str, value: str) -> None:
    record = parse_revision_file("v.py", f"revision = {literal}\n".encode())
    assert record.revision is not None and record.revision.ids == (value,)


@pytest.mark.parametrize("literal", ["b'abc'", "f'abc'", "rb'abc'"])
def test_bytes_and_fstrings_are_not_ids(literal: str) -> None:
    record = parse_revision_file("v.py", f"revision = {literal}\n".encode())
    assert record.revision is not None and record.revision.is_dynamic


def test_header_line_imitated_inside_a_string_does_not_move_positions() -> None:
    source = b'"""notes\nrevision = \'fake\'\n"""\nimport os\n\nrevision = \'real\'\ndown_revision = None\n'
    record = parse_revision_file("v.py", source)
    assert record.revision_id == "real"
    assert record.revision is not None and record.revision.span == Span(6, 11, 6, 17)


TRICKY = [
    b"revision: str = 'a'  # comment\ndown_revision: Union[str, Sequence[str], None] = ('b', 'c')\n",
    b"revision = 'a'; down_revision = 'b'\n",
    b"revision = \\\n    'a'\ndown_revision = None\n",
    b"revision: 'Annotated[str, \"=\"]' = 'a'\ndown_revision = (\n    'b',  # first\n    'c',\n)\n",
    b"revision = 'a'\nrevision = 'b'\ndown_revision = None\n",
    b"revision = ('a'\n)\ndown_revision = None\n",
]


def _version_files() -> list:
    import sys
    from pathlib import Path

    root = Path(__file__).parent.parent
    sys.path.insert(0, str(root / "benchmarks"))
    import generate  # benchmarks/generate.py

    out = [p.read_bytes() for p in sorted((root / "examples").rglob("versions/**/*.py"))]
    for sql_heavy in (False, True):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            generate.generate_project(Path(tmp), 60, sql_heavy=sql_heavy, seed=3)
            out += [p.read_bytes() for p in sorted(Path(tmp).rglob("versions/*.py"))]
    return out + TRICKY


def _held(text: str, span: Span) -> str:
    """The text a span covers."""
    lines = text.split("\n")
    if span.line == span.end_line:
        return lines[span.line - 1][span.column : span.end_column]
    middle = lines[span.line : span.end_line - 1]
    return "\n".join(
        [lines[span.line - 1][span.column :], *middle, lines[span.end_line - 1][: span.end_column]]
    )


def test_each_header_span_holds_its_value_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read from Python's AST (whose columns count UTF-8 bytes), each value's span covers the
    value's text exactly, its parentheses included: a literal evaluates to its ids, a computed
    value is its text."""
    import ast

    from miglint.reading import parse

    monkeypatch.setattr(parse, "read_plain_header", lambda *args: None)
    files = _version_files() + PLAIN_TRICKY + [source.encode() for source, _ in AST_HEADERS]
    checked = 0
    for data in files:
        record = parse_revision_file("v.py", data)
        if record.problem is not None:
            continue
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        for value in (record.revision, record.down_revision, record.branch_labels, record.depends_on):
            if value is None:
                continue
            held = _held(text, value.span)
            assert held == held.strip(), (held, data[:300])
            if value.is_dynamic:
                assert held == value.dynamic, data[:300]
                continue
            try:
                found = ast.literal_eval(held)
            except ValueError:  # a name bound to a literal elsewhere (`down_revision = BASE`)
                assert held.strip("()").strip().isidentifier(), data[:300]
                continue
            ids = () if found is None else (found,) if isinstance(found, str) else tuple(found)
            assert ids == value.ids, data[:300]
            checked += 1
    assert checked > 800


# Headers the plain reader must either read exactly as reading/astheader.py does or hand over.
PLAIN_TRICKY = [
    # a header line imitated inside the docstring, no real one
    b'"""notes\nrevision = \'fake\'\n"""\ndef upgrade():\n    pass\n',
    # ... and with a real one after it
    b'"""notes\nrevision = \'fake\'\n"""\nrevision = \'real\'\ndown_revision = None\n',
    # a keyword argument at column 0 inside a call
    b"x = dict(\nrevision='kw')\ndown_revision = None\n",
    b"x = dict(\nrevision='kw'\n)\ndown_revision = None\n",
    b"x = 1; revision = 'b'\ndown_revision = None\n",
    b"revision = 'a'\nx = 1; revision = 'b'\n",
    b"if True:\n    revision = 'a'\ndown_revision = None\n",
    b"revision = 'a'\nprint(revision)\n",
    b"down_revision = ('a')\nrevision = 'r'\n",
    b"down_revision = ('a',)\nrevision = 'r'\n",
    b"down_revision = ( 'a' , 'b' , )\nrevision = 'r'\n",
    b"down_revision = ()\nbranch_labels = []\nrevision = 'r'\ndepends_on = ['x', \"y\"]\n",
    b"down_revision = 'a', 'b'\nrevision = 'r'\n",
    b"branch_labels = {'a'}\nrevision = 'r'\n",
    b"revision = 'r'  \t# trailing\ndown_revision = None   \n",
    b"revision\t:\tstr\t=\t'r'\n",
    b"revision: Final = 'r'\ndown_revision: Optional[str] = None\n",
    b"revision: str\nrevision = 'r'\n",
    b"revision = down_revision = 'r'\n",
    b"revision = 'r' if True else 'q'\n",
    b"revision = 'a' 'b'\n",
    b"revision = f'r'\n",
    b"x = f'{1}'\nrevision = 'r'\n",
    b"revision = 'r'\nX = '''it's\ndef foo(): pass\n'''\n",
    b"revision = 'r'\nX = '''\ndef foo(): pass\n'''\ndef upgrade():\n    pass\n",
    b"def helper():\n    return revision\nrevision = 'r'\n",
    b"(revision) = 'r'\n",
    b"revision += 'r'\n",
    b"revision = 'r'\r\ndown_revision = ('a', 'b')\r\n",
    b'"""Add t\r\n\r\nRevision ID: r\r\nRevises: a\r\n"""\r\nrevision = \'r\'\r\ndown_revision = \'a\'\r\n',
    b"revision = 'r'\rdown_revision = 'a'\r",
    b'#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n"""Caf\xc3\xa9 \xe2\x80\x94 menu\n\nRevision ID: r\nRevises: a\n"""\nrevision = \'r\'\n',
    b"'''single quoted\n\nRevision ID: r\n'''\nrevision = 'r'\n",
    b"'doc'\nrevision = 'r'\n",
    b"u'doc'\nrevision = 'r'\n",
    b"r'''raw \\d doc\nRevision ID: r\n'''\nrevision = 'r'\n",
    b"'''esc\\tdoc\nRevision ID: r\n'''\nrevision = 'r'\n",
    b'"""doc""" "more"\nrevision = \'r\'\n',
    b'"""doc"""; revision = \'r\'\n',
    b'"""doc""" + "x"\nrevision = \'r\'\n',
    b'("""parenthesised\nRevision ID: r\n""")\nrevision = \'r\'\n',  # a docstring all the same
    b"(1)\nrevision = 'r'\n",
    b'import os\n"""not a docstring\nRevision ID: q\n"""\nrevision = \'r\'\n',
    b'"""\n\n   Indented   message  \n  Revision ID:  r  \n"""\nrevision = \'r\'\n',
    b'""""""\nrevision = \'r\'\n',
    b"revision = \\\n    'a'\n",
    b"x = [\n    1,\n]\nrevision = 'r'  # after brackets\n",
    b"x = '''a\nrevision = 'no'\n'''\nrevision = 'r'\n",
    b"x = 'a\\\nrevision = 1'\nrevision = 'r'\n",
    b"revision = 'caf\xc3\xa9'\ndown_revision = \"\xe2\x80\x94\"\n",
    b"revision = 'a\\tb'\n",
    b"revision = 'r'\nrevision = 'r2'\n",
    b"class A:\n    revision = 'no'\nrevision = 'r'\n",
    b"@decorator\ndef f():\n    pass\nrevision = 'r'\n",
    b"revision = 'r'",
    b"revision = None\n",
    b"",
    b"x = 1\n",
    # dotted names, resolved through the imports (read from the compiled module)
    b"from glance.db import migration\nrevision = 'r'\nbranch_labels = migration.EXPAND_BRANCH\n",
    b"import myapp.labels as labels\nrevision = 'r'\ndepends_on = labels.sub.X\n",
    b"import myapp.labels\nrevision = 'r'\nbranch_labels = myapp.labels.EXPAND  # why\n",
    b"import a.b.c as m\nrevision = 'r'\nbranch_labels = m.X\n",
    b"from . import labels\nfrom ..up import ids as i\nrevision = 'r'\ndepends_on = i.USERS\nbranch_labels = labels.E\n",
    b"revision = 'r'\nbranch_labels = unknown.EXPAND\n",
    b"revision = 'r'\nbranch_labels = cli.EXPAND\nfrom x import cli\n",
    b"from x import cli\nrevision = 'r'\nbranch_labels = cli.E\n\n\ndef upgrade():\n    pass\nfrom y import cli\n",
    b"try:\n    from a import b\nexcept ImportError:\n    b = None\nrevision = 'r'\nbranch_labels = b.X\n",
    b"import a; import b\nrevision = 'r'\nbranch_labels = b.X\n",
    b"from m import *\nimport q\nrevision = q.R\ndown_revision = q.D\n",
    b"from m import (x,\n    y as z)\nrevision = 'r'\nbranch_labels = z.X\ndepends_on = x.Y\n",
    b"from neutron.db.migration import cli\nrevision = 'r'\nbranch_labels = (cli.EXPAND_BRANCH,)\n",
    b"from glance.db import migration\nrevision = 'r'\nbranch_labels = ('ocata01', migration.C)\n",
    b"from m import E\nrevision = 'r'\nbranch_labels = [E, u'x', \"y\"]\ndepends_on = (None, m.X)\n",
    b"revision = 'r'\nbranch_labels = (unknown.X, 'a')\ndepends_on = (x)\n",
    b"revision = u'abc'\ndown_revision = U\"def\"\nbranch_labels = (u'a', 'b')\n",
]


def _plain_reads(data: bytes) -> bool:
    from miglint.reading import parse, plainheader

    text = parse._decode(data)[0]
    if text is None or parse._compile_check(text)[0] is not None:
        return False
    return plainheader.read_plain_header(text, parse._header_region(text) or text) is not None


# Headers reading/plainheader.py declines, each read from Python's AST: (source, {field: (shape,
# ids or the computed text, span)}); a field not named is absent.
AST_HEADERS = [
    # a header name used again later in the file
    (
        "import logging\n\nrevision = 'abc123'\ndown_revision = 'def456'\n"
        "log = logging.getLogger('alembic.env.' + revision)\n",
        {
            "revision": ("str", ("abc123",), (3, 11, 3, 19)),
            "down_revision": ("str", ("def456",), (4, 16, 4, 24)),
        },
    ),
    (
        'revision = "abc123"\ndown_revision = None\nprint(f"upgrading {revision}")\n',
        {"revision": ("str", ("abc123",), (1, 11, 1, 19)), "down_revision": ("none", (), (2, 16, 2, 20))},
    ),
    # an assignment made twice: the last one counts
    (
        "revision = 'r1'\ndown_revision = 'r0'\nbranch_labels = None\ndepends_on = None\ndepends_on = None\n",
        {
            "revision": ("str", ("r1",), (1, 11, 1, 15)),
            "down_revision": ("str", ("r0",), (2, 16, 2, 20)),
            "branch_labels": ("none", (), (3, 16, 3, 20)),
            "depends_on": ("none", (), (5, 13, 5, 17)),
        },
    ),
    # the header after a def; a parenthesised value spans its parentheses, not the comment
    (
        "def helper():\n    pass\n\nrevision = 'r1'\ndown_revision = ('r0')  # the parent (see #12)\n",
        {"revision": ("str", ("r1",), (4, 11, 4, 15)), "down_revision": ("str", ("r0",), (5, 16, 5, 22))},
    ),
    (
        "revision = (\n    # why (\n    'r1'  # ok )\n)\ndown_revision = (('r0'))\n"
        "depends_on = (\n    m.X  # )\n)\n",
        {
            "revision": ("str", ("r1",), (1, 11, 4, 1)),
            "down_revision": ("str", ("r0",), (5, 16, 5, 24)),
            "depends_on": ("dynamic", "(\n    m.X  # )\n)", (6, 13, 8, 1)),
        },
    ),
    # non-ASCII text before a value on its line: columns count characters, not UTF-8 bytes
    (
        "x = 'é—ü'; revision = 'r1'\ndown_revision = None\nbranch_labels = ('é', \"naïve\")  # café\n"
        "é = 1; depends_on = get('ü') + x\n",
        {
            "revision": ("str", ("r1",), (1, 22, 1, 26)),
            "down_revision": ("none", (), (2, 16, 2, 20)),
            "branch_labels": ("tuple", ("é", "naïve"), (3, 16, 3, 30)),
            "depends_on": ("dynamic", "get('ü') + x", (4, 20, 4, 32)),
        },
    ),
    # a value over several lines, computed, bound to a name, imported
    (
        "from ..labels import EXPAND\nimport app.ids as ids\nBASE = 'b0'\nrevision = 'r1'\n"
        "down_revision = BASE\nbranch_labels = (EXPAND, 'x')\ndepends_on = ids.USERS\n",
        {
            "revision": ("str", ("r1",), (4, 11, 4, 15)),
            "down_revision": ("str", ("b0",), (5, 16, 5, 20)),
            "branch_labels": ("dynamic", "(EXPAND, 'x')", (6, 16, 6, 29)),
            "depends_on": ("dynamic", "ids.USERS", (7, 13, 7, 22)),
        },
    ),
    # LibCST (the reader before this one) refused a parenthesised annotated target, which
    # Python accepts and which assigns the name all the same
    (
        "(revision): str = 'r1'\ndown_revision = None\n",
        {"revision": ("str", ("r1",), (1, 18, 1, 22)), "down_revision": ("none", (), (2, 16, 2, 20))},
    ),
    # LibCST's reader placed the value on the one line starting `revision=` (a keyword argument)
    (
        "(revision) = 'r1'\ndown_revision = None\nx = dict(\nrevision='kw')\n",
        {"revision": ("str", ("r1",), (1, 13, 1, 17)), "down_revision": ("none", (), (2, 16, 2, 20))},
    ),
    (
        "revision \\\n    = 'r1'\ndown_revision = None\nx = dict(\nrevision='kw')\n",
        {"revision": ("str", ("r1",), (2, 6, 2, 10)), "down_revision": ("none", (), (3, 16, 3, 20))},
    ),
    # ... and left out the form feed that starts a line (a character of the line all the same)
    ("\x0crevision = 'r1'\n", {"revision": ("str", ("r1",), (1, 12, 1, 16))}),
    # Python reads a line break inside a string as "\n" whatever the file's (LibCST's reader kept "\r\n")
    (
        "revision = 'r1'\r\ndepends_on = '''a\r\nb'''\r\n",
        {
            "revision": ("str", ("r1",), (1, 11, 1, 15)),
            "depends_on": ("str", ("a\nb",), (2, 13, 3, 4)),
        },
    ),
]


@pytest.mark.parametrize(("source", "expected"), AST_HEADERS)
def test_headers_the_plain_reader_declines_are_read_from_the_ast(source: str, expected: dict) -> None:
    data = source.encode()
    assert not _plain_reads(data)
    record = parse_revision_file("v.py", data)
    assert record.problem is None
    found = {}
    for name in ("revision", "down_revision", "branch_labels", "depends_on"):
        value = getattr(record, name)
        if value is not None:
            held = value.dynamic if value.is_dynamic else value.ids
            span = value.span
            found[name] = (value.shape, held, (span.line, span.column, span.end_line, span.end_column))
    assert found == expected


@pytest.mark.parametrize(
    ("docstring", "message", "revision_id"),
    [
        ('(\n    """Add t\n\n    Revision ID: r1\n    """\n)', "Add t", ("r1", Span(4, 17, 4, 19))),
        ("b'''Bytes\nRevision ID: r1\n'''", None, ("r1", Span(2, 13, 2, 15))),  # no text, its lines read
        ("f'''F\nRevision ID: r1\n''' 'x'", None, ("r1", Span(2, 13, 2, 15))),
        ("'''F\nRevision ID: r1\n''' f'x'", None, ("r1", Span(2, 13, 2, 15))),
        ("f'''F\nRevision ID: r1\n'''", None, None),  # not a string of its own
        ("'''Caf\\u00e9 \u2014 menu\n\n  Revision ID:  r1 \n'''", "Café — menu", ("r1", Span(3, 16, 3, 18))),
    ],
)
def test_docstrings_the_plain_reader_declines(
    docstring: str, message: str | None, revision_id: tuple | None
) -> None:
    data = f"{docstring}\nx = 1; revision = 'r1'\n".encode()
    assert not _plain_reads(data)
    record = parse_revision_file("v.py", data)
    assert record.revision_id == "r1" and record.message == message
    found = record.doc_revision_id
    assert (found.text, found.span) == revision_id if found is not None else revision_id is None


def test_reading_a_header_never_imports_libcst() -> None:
    """LibCST's import costs a worker process ~130 ms: the parse stage does without it."""
    import subprocess

    sources = [source for source, _ in AST_HEADERS]
    script = (
        "import sys\n"
        "from miglint.reading.parse import parse_revision_file\n"
        f"for source in {sources!r}:\n"
        "    assert parse_revision_file('v.py', source.encode()).revision_id == 'r1' or 'abc123' in source\n"
        "print('miglint.reading.astheader' in sys.modules, 'libcst' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]


def test_a_header_too_deep_for_python_objects_is_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """compile() may accept an expression a few frames shallower than the AST objects can be
    built: the literal lines are still read, the other value is computed, at its line."""
    from miglint.reading import astheader

    monkeypatch.setattr(astheader, "_parse", lambda source: None)
    sum_of_many = " + ".join(["'a'"] * 50)
    source = f"'''doc'''\nrevision = 'b'\ndown_revision = {sum_of_many}\n"
    revision, down = (
        parse_revision_file("v.py", source.encode()).header(name) for name in ("revision", "down_revision")
    )
    assert revision is not None and (revision.ids, revision.span) == (("b",), Span(2, 11, 2, 14))
    assert down is not None and (down.dynamic, down.span) == ("<nested too deeply to show>", Span.point(3))


def test_a_deeply_nested_value_is_read_whole() -> None:
    """LibCST's reader could not render `'a' + 'a' + ...` a thousand deep (its span was a
    point); Python's AST reads it, as deep as compile() accepts."""
    sum_of_many = " + ".join(["'a'"] * 2500)
    record = parse_revision_file("v.py", f"revision = 'b'\ndown_revision = {sum_of_many}\n".encode())
    assert record.problem is None and record.down_revision is not None
    assert record.down_revision.dynamic == sum_of_many
    assert record.down_revision.span == Span(2, 16, 2, 16 + len(sum_of_many))


def test_plain_header_reader_agrees_with_the_ast_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    from miglint.reading import parse

    files = _version_files() + PLAIN_TRICKY
    fast = [parse_revision_file("v.py", data) for data in files]
    monkeypatch.setattr(parse, "read_plain_header", lambda *args: None)
    slow = [parse_revision_file("v.py", data) for data in files]
    for data, a, b in zip(files, fast, slow):
        assert a == b, data[:300]


def test_plain_header_reader_takes_the_common_shapes() -> None:
    # It must take what `alembic revision` writes, or it saves nothing. The examples'
    # exceptions are a computed down_revision and a file that does not compile.
    files = _version_files()[: -len(TRICKY)]
    assert len(files) > 200
    handed_over = [data for data in files if not _plain_reads(data)]
    assert len(handed_over) == 2
    assert b"down_revision = TENANT_DOMAINS_REV" in handed_over[0]


@pytest.mark.parametrize(
    ("source", "taken"),
    [
        (b"x = dict(\nrevision='kw')\n", False),
        (b"x = dict(\nrevision='kw'\n)\n", False),
        (b'"""notes\nrevision = \'fake\'\n"""\n', True),  # no revision, rightly
        (b"x = 1; revision = 'b'\n", False),
        (b"revision = 'r'\nrevision = 'r2'\n", False),
        (b"revision = 'r'\rdown_revision = 'a'\r", True),  # decoding reads a lone CR as LF
        (b"x = f'{1}'\nrevision = 'r'\n", False),
        (b"r'''raw\n'''\nrevision = 'r'\n", False),
        (b"down_revision = ('a')\nrevision = 'r'\n", False),
        (b"revision: str = 'r'  # c\r\ndown_revision = ('a', 'b',)\r\n", True),
        (b"'doc'\nrevision = 'r'\nbranch_labels = []\n", True),
        (b"('doc')\nrevision = 'r'\n", False),  # its docstring needs a parser
    ],
)
def test_plain_header_reader_hands_over_what_it_does_not_follow(source: bytes, taken: bool) -> None:
    assert _plain_reads(source) is taken


def test_header_region_is_what_line_start_patterns_say() -> None:
    """_header_region searches for newlines (fast) instead of trying `^` at every offset:
    on any mix of lines it must cut exactly where the multi-line patterns would."""
    import random
    import re

    from miglint.reading.parse import _BODY_START, _header_region

    header_line = re.compile(r"^(?:revision|down_revision|branch_labels|depends_on)[ \t]*[:=]", re.M)

    def reference(text: str) -> str | None:
        ends = [match.end() for match in header_line.finditer(text)]
        body = _BODY_START.search(text, ends[-1] if ends else 0)
        return text[: body.start()] if body else None

    lines = [
        "revision = 'a'\n", "down_revision: str=None\n", "def f():\n", "  x = 1\n", "class C:\n", "@d\n",
        "\n", "# revision = 'c'\n", "async  def g(): pass\n", "defx = 1\n", "  def h(): pass\n", '"""doc\n',
        "revision\n", "\r\n",
    ]  # fmt: skip
    rng = random.Random(7)
    texts = ["".join(rng.choices(lines, k=rng.randint(0, 9))) for _ in range(3000)]
    assert sum(1 for text in texts if reference(text) == "") > 10  # a body on the first line is covered
    for text in texts:
        assert _header_region(text) == reference(text), repr(text)


def test_sql_in_fstrings_names_objects_as_written() -> None:
    source = (
        "revision = 'a'\ndown_revision = None\nTABLE = 'users'\n\n"
        "def upgrade():\n"
        "    op.execute(f'DROP TABLE {name}')\n"
        "    op.execute(f'CREATE TABLE {TABLE}_archive (id int)')\n"
        "    op.execute(f'CREATE TABLE {TABLE} {x} (id int)')\n"
    )
    record = parse_revision_file("a.py", source.encode())
    assert [(s.kind, s.target, s.span.line) for s in record.sql] == [
        ("DROP TABLE", "{name}", 6),
        ("CREATE TABLE", "users_archive", 7),  # TABLE is bound once, to a string: read as it
    ]
    (problem,) = record.sql_problems
    assert (problem.parsed, problem.span.line, problem.reason) == (True, 8, 'syntax error at or near "{x}"')


def test_lone_cr_crlf_and_lf_files_give_the_same_record() -> None:
    """Python reads a lone CR as a line end (universal newlines), so Alembic loads an
    old-Mac file as it loads the LF one: every field of the record must agree,
    line numbers, docstring lines and SQL included."""
    files = [data for data in _version_files() if b"\r" not in data]
    assert len(files) > 200
    read_something = 0
    for data in files:
        lf = parse_revision_file("v.py", data)
        for ending in (b"\r\n", b"\r"):
            assert parse_revision_file("v.py", data.replace(b"\n", ending)) == lf, (ending, data[:300])
        read_something += lf.revision is not None and lf.problem is None
    assert read_something > 200


def test_code_nested_too_deeply_for_the_parser_is_a_clear_problem() -> None:
    branches = "".join(f"    elif x == {i}:\n        pass\n" for i in range(1, 50_000))
    source = f"revision = 'b'\ndown_revision = 'a'\n\ndef upgrade():\n    x = 1\n    if x == 0:\n        pass\n{branches}"
    record = parse_revision_file("v.py", source.encode())
    assert record.problem is not None and record.revision is None
    assert record.problem.message in (
        "cannot compile: the code is nested too deeply for Python's parser (MemoryError)",
        "cannot compile: the code is nested too deeply for Python's parser (RecursionError)",
    ) or record.problem.message.startswith("invalid syntax")  # a later CPython may say so itself


SPARSE_TRICKY = [
    "op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True), schema='s')",
    "op.create_table(table_name='t', *columns)",
    "op.create_table('t', sa.Column('a', sa.Text(), unique=True), sa.Column('b', sa.Text()))",
    "op.create_table('t', sa.Column('p', sa.Integer(), sa.ForeignKey('u.id', ondelete='CASCADE')))",
    "op.create_table('t', sa.Column('a'), sa.UniqueConstraint('a', 'b'))  # a comment",
    "op.create_table(\n    't',\n    sa.Column('a', sa.Integer()),  # why\n    sa.PrimaryKeyConstraint('a'),\n)",
    "op.add_column('t', sa.Column('a', sa.Integer(), unique=True), schema='s')",
    "op.create_table('t', sa.Column('a', x['primary_key']), sa.PrimaryKeyConstraint(*cols))",
    'op.create_table("t", sa.Column("a", sa.Text(), server_default="primary_key"), sa.Column("u", unique = True))',
]


def test_keys_read_from_a_sparse_call_equal_those_of_the_whole_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """facts/opcalls.py parses only the arguments of create_table / add_column that may declare
    a key: on every example, generated and tricky file it finds what parsing the whole call finds."""
    from miglint.facts import opcalls

    files = _version_files()
    files += [f"revision = 'r'\n\ndef upgrade():\n    {call}\n".encode() for call in SPARSE_TRICKY]

    def keys() -> list[tuple[object, ...]]:
        records = [parse_revision_file("v.py", data) for data in files]
        return [(r.op_keys, r.op_renames, r.op_cascades) for r in records]

    sparse = keys()
    assert sum(1 for found in sparse if found[0]) > 100  # the examples declare keys
    assert sum(1 for found in sparse[-len(SPARSE_TRICKY) :] if found[0] or found[2]) == 7
    monkeypatch.setattr(opcalls, "_sparse_call", lambda *args: None)
    assert keys() == sparse


@pytest.mark.parametrize(
    "value",
    [
        "None", "'expand'", '"expand"', "('expand')", "'exp' 'and'", "u'x'", "r'a\\\\b'", "'a\\tb'",
        "b'bytes'", "f'x{1}'", "'a' f'{b}'", "('a',)", "['a', 'b']", "{'a'}", "()", "[]", "('a', b)",
        "(*a,)", "True", "1", "name", "mod.NAME", "'a' + 'b'", '"""doc"""', "('a', ('b',))",
    ],
)  # fmt: skip
def test_label_modules_are_read_as_header_values_are(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """reading/resolve.py reads a label module with Python's parser, as the parse stage reads
    a header it cannot read without one: both take the same values as literals, with the same
    shape and ids."""
    import ast

    from miglint.reading import parse, resolve

    monkeypatch.setattr(parse, "read_plain_header", lambda *args: None)
    header = parse_revision_file("v.py", f"revision = 'r'\ndepends_on = {value}\n".encode()).depends_on
    assert header is not None
    found = resolve.literal(ast.parse(value, mode="eval").body)
    assert (header.shape, header.ids) == (found if found is not None else ("dynamic", ()))


@pytest.mark.parametrize(
    ("source", "taken"),
    [
        (b"from glance.db import migration\nrevision = 'r'\nbranch_labels = migration.EXPAND_BRANCH\n", True),
        (b"import a.b.c as m\nrevision = 'r'\nbranch_labels = m.X\n", True),
        (b"revision = 'r'\nbranch_labels = unknown.EXPAND\n", True),  # dynamic, imported from nowhere
        (b"revision = 'r'\nbranch_labels = cli.EXPAND\nfrom x import cli\n", True),
        (
            b"try:\n    from a import b\nexcept ImportError:\n    b = None\nrevision = 'r'\nbranch_labels = b.X\n",
            False,
        ),
        (b"import a; import b\nrevision = 'r'\nbranch_labels = b.X\n", False),
        (b"revision = 'r'\nbranch_labels = labels()\n", False),
        (
            b"from glance.db import migration\nrevision = 'r'\nbranch_labels = ('ocata01', migration.C)\n",
            True,
        ),
        (b"revision = u'abc'\ndown_revision = U\"def\"\nbranch_labels = (u'a', 'b')\n", True),
    ],
)
def test_plain_header_reader_follows_dotted_names_through_the_imports(source: bytes, taken: bool) -> None:
    """A dotted header value (imported labels, as openstack writes them) is read without a
    parser; what it does not follow goes to reading/astheader.py
    (test_plain_header_reader_agrees_with_the_ast_reader checks both give the same record)."""
    from miglint.reading import parse, plainheader

    text = source.decode()
    code = compile(text, "v.py", "exec")
    read = plainheader.read_plain_header(text, parse._header_region(text) or text, code)
    assert (read is not None) is taken
    if b"EXPAND_BRANCH" in source:
        assert read is not None
        value = read.values["branch_labels"]
        assert value.imported_from == ("glance.db.migration", "EXPAND_BRANCH", 0)
        assert value.dynamic == "migration.EXPAND_BRANCH" and value.span == Span(3, 16, 3, 39)
    if b"ocata01" in source:
        assert read is not None
        assert read.values["branch_labels"].imported_items == ("ocata01", ("glance.db.migration", "C", 0))


def test_a_file_python_cannot_decode_keeps_its_header_when_the_bad_byte_is_elsewhere() -> None:
    """An accented letter saved as latin-1 in a string: MG001, and the revision keeps its place
    (its child's parent was reported missing too, MG103, for the one cause)."""
    record = parse_revision_file("v.py", b'revision = "b"\ndown_revision = "a"\nx = "\xe9"\n')
    assert record.problem is not None and record.problem.message.startswith("cannot decode as utf-8")
    assert (record.revision.ids, record.down_revision.ids) == (("b",), ("a",))
    in_the_id = parse_revision_file("v.py", b'revision = "b\xe9"\ndown_revision = "a"\n')
    assert in_the_id.problem is not None and in_the_id.revision is None


_REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"
_GUARDED_CREATE = """revision = "a1"
down_revision = None


def upgrade():
    bind = op.get_bind()
{statement}
        op.create_table("audit", sa.Column("id", sa.Integer))
"""


@pytest.mark.parametrize(
    ("statement", "guarded"),
    [
        ("    if not sa.inspect(bind).has_table('audit'):", True),
        ("    while not sa.inspect(bind).has_table('audit'):", True),
        ("    try:\n        pass\n    except Exception:\n        pass\n    for _ in [1]:", False),
        ("    for _ in [1]:", False),
    ],
)
def test_guards_are_read_where_a_compound_statement_may_hold_one(statement: str, guarded: bool) -> None:
    source = _GUARDED_CREATE.format(statement=statement)
    record = parse_revision_file("a1.py", source.encode(), ops=True)
    (create,) = [o for o in record.operations if o.name == "create_table"]
    assert create.guarded is guarded


def test_files_without_a_compound_guard_statement_read_the_same_without_the_syntax_tree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The syntax tree is built only where an `if`/`while`/`try` may guard an op call
    # (reading/parse.py _may_guard): every record must be what the tree would give.
    import miglint.reading.parse as parse_module

    roots = [_REALWORLD, Path(__file__).parent, Path(__file__).parents[1] / "examples"]
    paths = sorted(p for root in roots if root.is_dir() for p in root.rglob("versions/**/*.py"))
    assert len(paths) > 300
    skipped = 0
    for path in paths:
        data = path.read_bytes()
        for downgrade in ("facts", True):
            gated = parse_revision_file(str(path), data, "postgresql", True, downgrade)
            with monkeypatch.context() as forced:
                forced.setattr(parse_module, "_may_guard", lambda text: True)
                assert parse_revision_file(str(path), data, "postgresql", True, downgrade) == gated, path
        skipped += not parse_module._may_guard(data.decode("utf-8", "replace"))
    assert skipped > 100
