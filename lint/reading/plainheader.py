"""Read a header written the way `alembic revision` writes it, without a parser.

Why this exists: LibCST, which read every header once, cost ~0.3 ms a file even on
the header region alone, as much as CPython's compile() of the whole file, and at 5,000
revisions that decided whether miglint beats Alembic's own load time. (Reading the AST of
the header region, as reading/astheader.py does, costs ~0.07 ms a file; this module
~0.05 ms.) Nearly every real header is a docstring and four one-line literal assignments:

    revision = 'ab68d77b5088'
    down_revision: Union[str, Sequence[str], None] = ('a1', 'b2')
    branch_labels = None

This module accepts exactly that shape, and one more that expand/contract histories
write (openstack's): a dotted name or a one-line tuple or list of names and strings
(`branch_labels = (cli.EXPAND_BRANCH,)`), resolved through the module's top-level
imports, which the compiled module lists exactly (`_imports`). It answers None for
anything else (a value over several lines, a computed value, an f-string, a header name
used anywhere but its own assignment line, an import it does not follow, a parenthesised
first statement, ...); reading/astheader.py then reads the header from Python's AST.
It runs only after compile() accepted the file, so it never has to decide what is valid
Python, only to follow strings, comments and brackets well enough to know that a line is
a statement of its own.
tests/test_parse.py proves that both readers give the same record for every
file this one accepts.
"""

from __future__ import annotations

import dis
import re
import types

from ..lazydataclass import dataclass
from ..lazyre import pattern
from ..model import HEADER_FIELDS, DocLine, HeaderValue, Span

# no escape: the text is the value; a `u` prefix (Python 2's, ckan writes it) changes nothing
_STR = r"""[uU]?(?:'[^'\\\r\n]*'|"[^"\\\r\n]*")"""
_TUPLE = rf"\([ \t]*(?:{_STR}[ \t]*,(?:[ \t]*{_STR}[ \t]*,)*(?:[ \t]*{_STR})?[ \t]*)?\)"
_LIST = rf"\[[ \t]*(?:{_STR}(?:[ \t]*,[ \t]*{_STR})*[ \t]*,?[ \t]*)?\]"
# One whole line: name, optional annotation, `=`, a literal, optional comment.
_ASSIGNMENT = pattern(
    r"(?P<name>revision|down_revision|branch_labels|depends_on)"
    r"(?:[ \t]*:[ \t]*[^=\r\n#'\"]+?)?[ \t]*=[ \t]*"
    rf"(?P<value>None|{_STR}|{_TUPLE}|{_LIST})"
    r"[ \t]*(?:#[^\r\n]*)?(?=\r?\n|\Z)"
)
# `branch_labels = migration.EXPAND_BRANCH`: a dotted name, as an expand/contract split
# writes its labels; resolved through the module's imports (`_imports`), as reading/astheader.py does.
_DOTTED = r"[^\W\d]\w*(?:\.[^\W\d]\w*)+"
_NAME = r"[^\W\d]\w*(?:\.[^\W\d]\w*)*"
_ELEMENT = rf"(?:{_STR}|{_NAME})"
# or a tuple or list of such names and strings: `(cli.EXPAND_BRANCH,)`, `('ocata01', m.C)`
_NAMES_TUPLE = rf"\([ \t]*{_ELEMENT}[ \t]*,(?:[ \t]*{_ELEMENT}[ \t]*,)*(?:[ \t]*{_ELEMENT})?[ \t]*\)"
_NAMES_LIST = rf"\[[ \t]*{_ELEMENT}(?:[ \t]*,[ \t]*{_ELEMENT})*[ \t]*,?[ \t]*\]"
_REFERENCE = pattern(
    r"(?P<name>revision|down_revision|branch_labels|depends_on)"
    r"(?:[ \t]*:[ \t]*[^=\r\n#'\"]+?)?[ \t]*=[ \t]*"
    rf"(?P<value>{_DOTTED}|{_NAMES_TUPLE}|{_NAMES_LIST})"
    r"[ \t]*(?:#[^\r\n]*)?(?=\r?\n|\Z)"
)
_ELEMENTS = pattern(_ELEMENT)
_IDS = pattern(_STR)
DOC_REVISION_ID = pattern(r"^[ \t]*Revision ID:[ \t]*(?P<value>[^\r\n]*?)[ \t]*\r?$", re.M)
DOC_REVISES = pattern(r"^[ \t]*Revises:[ \t]*(?P<value>[^\r\n]*?)[ \t]*\r?$", re.M)

# Just enough of Python's tokenizer to follow strings, comments and brackets. Blanks
# before a token are part of the match (a token starts at its group's start).
_TOKENS = pattern(
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
_SIMPLE_LINES = pattern(
    r"(?:(?![^\r\n]*\b(?:revision|down_revision|branch_labels|depends_on)\b)[^'\"#()\[\]{}\\\r\n]*\r?\n)*"
)


@dataclass(frozen=True)
class PlainHeader:
    """A header as read: by this module, or by reading/astheader.py when this one declines."""

    values: dict[str, HeaderValue]
    message: str | None
    doc_revision_id: DocLine | None
    doc_revises: DocLine | None


def read_plain_header(text: str, region: str, code: types.CodeType | None = None) -> PlainHeader | None:
    """The header of `text` if `region` (its start, through every header line) is plain.
    With the compiled module (`code`), a value may be a dotted name (`migration.EXPAND`):
    the module's imports, read from the code, say where it comes from."""
    if "\r" in region.replace("\r\n", ""):
        return None  # a lone CR ends a line for Python: reading/parse.py turns it into LF before this
    lines = _statement_lines(region)
    if lines is None:
        return None
    doc_start, named = lines
    values: dict[str, HeaderValue] = {}
    imports: dict[str, tuple[str, str, int]] | None = None
    for name, start in named.items():
        match = _ASSIGNMENT.match(region, start)
        if match is not None and match.group("name") == name:
            values[name] = _value(text, match)
            continue
        reference = _REFERENCE.match(region, start) if code is not None else None
        if reference is None or reference.group("name") != name:
            return None
        if imports is None:
            assert code is not None
            imports = _imports(code, region.count("\n"))
            if imports is None:
                return None
        values[name] = _reference(text, reference, imports)
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
                if kind == "open":
                    return None  # `("""doc""")` is the module's docstring too: a parser reads it
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
    ids = tuple(item.lstrip("uU")[1:-1] for item in _IDS.findall(raw))
    shape = {"(": "tuple", "[": "list"}.get(raw[0], "str")
    return HeaderValue(ids=ids, span=span, shape=shape)


def literal_assignment(text: str, start: int) -> tuple[str, HeaderValue] | None:
    """(name, value) of the one-line literal header assignment at `start`, read as above;
    None for any other line (reading/astheader.py, when Python's AST gives up)."""
    match = _ASSIGNMENT.match(text, start)
    return (match.group("name"), _value(text, match)) if match is not None else None


def _reference(text: str, match: re.Match[str], imports: dict[str, tuple[str, str, int]]) -> HeaderValue:
    """A dotted name's value: dynamic, and where it is imported from when its first part
    is a name an import binds (`m.NAME` after `import m`, `import p.m as m`, `from p import m`)."""
    raw = match.group("value")
    start = match.start("value")
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1)
    span = Span(line, column, line, column + len(raw))
    if raw[0] not in "([":
        imported = reference(raw, imports)
        return HeaderValue(ids=(), span=span, shape="dynamic", dynamic=raw, imported_from=imported)
    # each element: where a name comes from, or a string's text; all known, or none kept
    found = [
        reference(item, imports) if item[-1] not in "'\"" else item.lstrip("uU")[1:-1]
        for item in _ELEMENTS.findall(raw)
    ]
    items = tuple(found) if all(item is not None for item in found) else None
    return HeaderValue(ids=(), span=span, shape="dynamic", dynamic=raw, imported_items=items)  # type: ignore[arg-type]


def reference(name: str, imports: dict[str, tuple[str, str, int]]) -> tuple[str, str, int] | None:
    """(module, name, level) of `NAME` after `from M import NAME`, or of `m.NAME` /
    `m.sub.NAME` after `import m`, `import p.m as m` or `from p import m`; `imports` maps
    each name an import binds to (module, imported name, level). reading/astheader.py
    asks it too."""
    if "." not in name:
        found = imports.get(name)
        return found if found is not None and found[1] else None
    head, *middle, last = name.split(".")
    bound = imports.get(head)
    if bound is None:
        return None
    module, imported_name, level = bound
    base = ".".join(p for p in (module, imported_name) if p)  # `from p import m`: module p.m
    return ".".join(p for p in (base, *middle) if p), last, level


def _imports(code: types.CodeType, last_line: int) -> dict[str, tuple[str, str, int]] | None:
    """Local name -> (module, imported name, level) of each top-level import statement on the
    first `last_line` lines, read from the compiled module as reading/astheader.py reads them
    from the header region's AST: `from M import N as L` binds L to (M, N, level),
    `import a.b` binds a to (a, "", 0), `import a.b as m` binds m to (a.b, "", 0). None for
    what this does not follow (an import inside a block or after a `;`, bytecode of another
    shape, a Python without instruction positions): the caller reads the header from the AST."""
    found: dict[str, tuple[str, str, int]] = {}
    recent: list[dis.Instruction] = []
    statement: tuple[str, object, int] | None = None  # (module, fromlist, level) being stored
    imported_name: str | None = None
    for instruction in dis.get_instructions(code):
        op = instruction.opname
        if op == "IMPORT_NAME":
            positions = getattr(instruction, "positions", None)
            if positions is None or positions.lineno is None:
                return None
            if positions.lineno > last_line:
                break  # past the header region: the AST reader does not see it either
            if positions.col_offset != 0 or len(recent) < 2 or any(r.opname != "LOAD_CONST" for r in recent):
                return None
            level, fromlist = recent[0].argval, recent[1].argval
            if not isinstance(level, int):
                return None
            statement, imported_name = (instruction.argval, fromlist, level), None
        elif op == "IMPORT_FROM" and statement is not None:
            imported_name = instruction.argval
        elif op == "STORE_NAME" and statement is not None:
            module, fromlist, level = statement
            local = instruction.argval
            if fromlist is not None:  # from M import N [as L]: more names may follow
                found[local] = (module, imported_name or "", level)
            else:
                if imported_name is None and local == module.split(".")[0]:  # import a.b
                    found[local] = (local, "", 0)
                else:  # import a.b as m, import a as m
                    found[local] = (module, "", level)
                statement = None  # what is stored next is not this import's
            imported_name = None
        elif op == "POP_TOP" and statement is not None and statement[1] is None:
            pass  # between the IMPORT_FROMs of `import a.b.c as m`
        elif op == "SWAP" or (op == "LOAD_CONST" and statement is None):
            pass
        else:
            statement, imported_name = None, None
        recent = [*recent[-1:], instruction]
    return found


def _docstring(region: str, start: int) -> tuple[str | None, DocLine | None, DocLine | None] | None:
    """What reading/parse.py reads from the docstring; None when it needs a real parser."""
    if start < 0:
        return None, None, None
    token = _TOKENS.match(region, start)
    assert token is not None and token.lastgroup == "string"
    raw = token.group("string")
    quote = raw[1:] if raw[0] in "uU" else raw
    if quote[0] not in "'\"" or "\\" in quote:
        return None  # escapes or a raw/bytes prefix: let Python's parser evaluate it
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
    tight = start > 0 and raw[start - 1] == ":"
    return DocLine(text=text, span=Span(line, column, line, column + len(text)), tight=tight)


def cleandoc(doc: str) -> str:
    """inspect.cleandoc (inspect itself costs a run ~4-6 ms to import): tabs expanded, the
    common indentation of the lines after the first removed, blank lines at the ends dropped."""
    lines = doc.expandtabs().split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.lstrip()]
    margin = min(indents) if indents else 0
    lines = [lines[0].lstrip()] + [line[margin:] for line in lines[1:]]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)
