"""Read a header written the way `alembic revision` writes it, without a parser.

Why this exists: LibCST costs ~0.3 ms a file even on the header region alone,
as much as CPython's compile() of the whole file, and at 5,000 revisions that
decides whether miglint beats Alembic's own load time. Nearly every real header
is a docstring and four one-line literal assignments:

    revision = 'ab68d77b5088'
    down_revision: Union[str, Sequence[str], None] = ('a1', 'b2')
    branch_labels = None

This module accepts exactly that shape and answers None for anything else
(a value over several lines, a computed value, an f-string, a header name used
anywhere but its own assignment line, ...); reading/parse.py then reads the file with
LibCST as before. It runs only after compile() accepted the file, so it never
has to decide what is valid Python, only to follow strings, comments and
brackets well enough to know that a line is a statement of its own.
tests/test_parse.py proves that both readers give the same record for every
file this one accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import HEADER_FIELDS, DocLine, HeaderValue, Span

_STR = r"""(?:'[^'\\\r\n]*'|"[^"\\\r\n]*")"""  # no prefix, no escape: the text is the value
_TUPLE = rf"\([ \t]*(?:{_STR}[ \t]*,(?:[ \t]*{_STR}[ \t]*,)*(?:[ \t]*{_STR})?[ \t]*)?\)"
_LIST = rf"\[[ \t]*(?:{_STR}(?:[ \t]*,[ \t]*{_STR})*[ \t]*,?[ \t]*)?\]"
# One whole line: name, optional annotation, `=`, a literal, optional comment.
_ASSIGNMENT = re.compile(
    r"(?P<name>revision|down_revision|branch_labels|depends_on)"
    r"(?:[ \t]*:[ \t]*[^=\r\n#'\"]+?)?[ \t]*=[ \t]*"
    rf"(?P<value>None|{_STR}|{_TUPLE}|{_LIST})"
    r"[ \t]*(?:#[^\r\n]*)?(?=\r?\n|\Z)"
)
_IDS = re.compile(_STR)
DOC_REVISION_ID = re.compile(r"^[ \t]*Revision ID:[ \t]*(?P<value>[^\r\n]*?)[ \t]*\r?$", re.M)
DOC_REVISES = re.compile(r"^[ \t]*Revises:[ \t]*(?P<value>[^\r\n]*?)[ \t]*\r?$", re.M)

# Just enough of Python's tokenizer to follow strings, comments and brackets. Blanks
# before a token are part of the match (a token starts at its group's start).
_TOKENS = re.compile(
    r"""
    [ \t\f]*
    (?:
      (?P<skip>\#[^\r\n]*)
    | (?P<fstring>(?:[rR]?[fFtT]|[fFtT][rR])['"])
    | (?P<string>(?:[rR][bB]?|[bB][rR]?|[uU])?
        (?:'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''|\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
          |'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"))
    | (?P<name>[^\W\d]\w*)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<continuation>\\\r?\n)
    | (?P<newline>\r?\n)
    | (?P<other>.)
    )
    """,
    re.X | re.S,
)
_NAMES = frozenset(HEADER_FIELDS)
# Top-level lines that cannot change what the lexer knows: no string, comment, bracket,
# continuation or header name (imports, mostly). Skipped in one match, not token by token.
_SIMPLE_LINES = re.compile(
    r"(?:(?![^\r\n]*\b(?:revision|down_revision|branch_labels|depends_on)\b)[^'\"#()\[\]{}\\\r\n]*\r?\n)*"
)


@dataclass(frozen=True)
class PlainHeader:
    values: dict[str, HeaderValue]
    message: str | None
    doc_revision_id: DocLine | None
    doc_revises: DocLine | None


def read_plain_header(text: str, region: str) -> PlainHeader | None:
    """The header of `text` if `region` (its start, through every header line) is plain."""
    if "\r" in region.replace("\r\n", ""):
        return None  # a lone CR ends a line for Python: reading/parse.py turns it into LF before this
    lines = _statement_lines(region)
    if lines is None:
        return None
    doc_start, named = lines
    values: dict[str, HeaderValue] = {}
    for name, start in named.items():
        match = _ASSIGNMENT.match(region, start)
        if match is None or match.group("name") != name:
            return None
        values[name] = _value(text, match)
    docstring = _docstring(region, doc_start)
    if docstring is None:
        return None
    return PlainHeader(values, *docstring)


def _statement_lines(region: str) -> tuple[int, dict[str, int]] | None:
    """(offset of a leading docstring or -1, {header name: offset of its line}).

    None when the region holds anything this module does not follow, or a
    header name anywhere but at the start of a top-level line of its own.
    """
    depth = 0
    line_start = 0  # offset where the current logical line began
    first_token = -1  # offset of the logical line's first token
    tokens_in_line = 0
    doc_start = -2  # -2: no statement seen yet
    named: dict[str, int] = {}
    at = 0
    while at < len(region):
        token = _TOKENS.match(region, at)
        if token is None:  # blanks at the end
            break
        at = token.end()
        kind = token.lastgroup
        assert kind is not None
        begin = token.start(kind)
        if kind == "skip" or kind == "continuation":
            continue
        if kind == "newline":
            if depth == 0:
                if doc_start != -2:  # past the first statement (a docstring or not):
                    at = _SIMPLE_LINES.match(region, at).end()  # type: ignore[union-attr]
                line_start = at
                first_token, tokens_in_line = -1, 0
            continue
        if kind == "fstring" or (kind == "other" and token.group(kind) in "'\""):
            return None  # an f-string, or a string cut off where the region ends
        if first_token < 0:
            first_token = begin
            if doc_start == -2:
                doc_start = first_token if kind == "string" else -1
        tokens_in_line += 1
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "name" and token.group(kind) in _NAMES:
            name = token.group(kind)
            if tokens_in_line != 1 or depth or begin != line_start or name in named:
                return None
            named[name] = begin
    if depth:
        return None
    return max(doc_start, -1), named


def _value(text: str, match: re.Match[str]) -> HeaderValue:
    raw = match.group("value")
    start = match.start("value")
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1)
    span = Span(line, column, line, column + len(raw))
    if raw == "None":
        return HeaderValue(ids=(), span=span, shape="none")
    ids = tuple(item[1:-1] for item in _IDS.findall(raw))
    shape = {"(": "tuple", "[": "list"}.get(raw[0], "str")
    return HeaderValue(ids=ids, span=span, shape=shape)


def _docstring(region: str, start: int) -> tuple[str | None, DocLine | None, DocLine | None] | None:
    """What reading/parse.py reads from the docstring; None when it needs a real parser."""
    if start < 0:
        return None, None, None
    token = _TOKENS.match(region, start)
    assert token is not None and token.lastgroup == "string"
    raw = token.group("string")
    quote = raw[1:] if raw[0] in "uU" else raw
    if quote[0] not in "'\"" or "\\" in quote:
        return None  # escapes or a raw/bytes prefix: let LibCST evaluate it
    # The statement must be the string alone: nothing after it but a comment.
    rest = _TOKENS.match(region, token.end())
    while rest is not None and rest.lastgroup == "skip":
        rest = _TOKENS.match(region, rest.end())
    if rest is not None and rest.lastgroup != "newline":
        return None
    size = 3 if quote[:3] in ('"""', "'''") else 1
    value = quote[size:-size]
    docstring = cleandoc(value) if value else None
    message = None
    if docstring:
        message = next((ln.strip() for ln in docstring.splitlines() if ln.strip()), None)
    line = region.count("\n", 0, start) + 1
    return message, doc_line(raw, DOC_REVISION_ID, line), doc_line(raw, DOC_REVISES, line)


def doc_line(raw: str, pattern: re.Pattern[str], start_line: int) -> DocLine | None:
    match = pattern.search(raw)
    if match is None:
        return None
    start = match.start("value")
    line = start_line + raw.count("\n", 0, start)
    column = start - (raw.rfind("\n", 0, start) + 1)
    text = match.group("value")
    return DocLine(text=text, span=Span(line, column, line, column + len(text)))


def cleandoc(text: str) -> str:
    """inspect.cleandoc, imported only when a file is parsed (inspect takes ~4 ms to import)."""
    import inspect

    return inspect.cleandoc(text)
