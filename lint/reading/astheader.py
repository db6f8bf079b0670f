"""Read a header that reading/plainheader.py declines, with Python's own parser.

About one version file in a thousand (a header name used again later in the file, a
header after code, an assignment made twice, a computed value, a value over several
lines ...) needs a real parser. The file has already compiled, so `ast.parse` accepts
it (reading a typical header region costs ~0.07 ms); LibCST, which read these headers
before, cost each worker process that met one ~130 ms to import.

What it reads is what the plain reader would, for any shape:
- each header name's last top-level assignment (`=` or annotated; a name assigned with
  `a = b = ...` too), with the span of its value, the value's own parentheses included
  and a comment after it excluded; columns count characters (`ast` counts UTF-8 bytes);
- a literal (None, a string, a tuple, list or set of strings) as ids; a name bound to a
  literal elsewhere at module level as that literal; anything else as dynamic source
  text, with where an imported name (or a tuple or list of them) comes from;
- the message and the `Revision ID:` / `Revises:` lines of the leading string.
Only the header region is read, as the plain reader reads it: from the top of the file to the
first top-level `def`/`class` after the last header line (the whole file when that cut
falls inside a string or brackets).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings

from ..model import HEADER_FIELDS, DocLine, HeaderValue, Span
from .plainheader import (
    DOC_REVISES,
    DOC_REVISION_ID,
    PlainHeader,
    cleandoc,
    doc_line,
    literal_assignment,
    reference,
)
from .resolve import literal

_Imports = dict[str, tuple[str, str, int]]
_SKIPPED_TOKENS = frozenset(
    (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
)


def read_header(text: str, region: str | None) -> PlainHeader:
    """The header of `text` (which compiles), read from `region` (its start) when that parses."""
    tree = _parse(region) if region is not None else None
    if tree is None:
        tree = _parse(text)
    if tree is None:
        return _without_tree(text)
    return _Reader(text).read(tree)


def _parse(source: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not ours to print
            return ast.parse(source, "<revision>")
    except (SyntaxError, ValueError):
        return None  # the region's cut fell inside a string or brackets
    except (RecursionError, MemoryError):
        # compile() accepted the file, but building Python objects for a very deep
        # expression may give up a few frames deeper than compiling it did
        return None


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts: list[int] | None = None

    def read(self, tree: ast.Module) -> PlainHeader:
        assigned: dict[str, tuple[ast.stmt, ast.expr]] = {}
        imports: _Imports = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        assigned[target.id] = (stmt, stmt.value)
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                if isinstance(stmt.target, ast.Name):
                    assigned[stmt.target.id] = (stmt, stmt.value)
            elif isinstance(stmt, ast.ImportFrom):
                if any(alias.name == "*" for alias in stmt.names):
                    continue
                for alias in stmt.names:
                    imports[alias.asname or alias.name] = (stmt.module or "", alias.name, stmt.level)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:  # `import a.b` binds a; `import a.b as m` binds m
                    if alias.asname is not None:
                        imports[alias.asname] = (alias.name, "", 0)
                    else:
                        first = alias.name.split(".")[0]
                        imports[first] = (first, "", 0)
        values = {
            name: self._header_value(*assigned[name], assigned, imports)
            for name in HEADER_FIELDS
            if name in assigned
        }
        return PlainHeader(values, *self._docstring(tree))

    # -- values --------------------------------------------------------------

    def _header_value(
        self,
        stmt: ast.stmt,
        value: ast.expr,
        assigned: dict[str, tuple[ast.stmt, ast.expr]],
        imports: _Imports,
    ) -> HeaderValue:
        start, end = self._value_range(stmt, value)
        span = self._span(start, end)
        found = literal(value)
        if found is None and isinstance(value, ast.Name) and value.id in assigned:
            # A name bound to a literal elsewhere at module level is as static as the
            # literal itself (`BASE = "abc"`, `down_revision = BASE`).
            bound = assigned[value.id][1]
            if bound is not value:
                found = literal(bound)
        if found is not None:
            shape, ids = found
            return HeaderValue(ids=ids, span=span, shape=shape)
        imported = _reference(value, imports)
        items = None
        if imported is None and isinstance(value, (ast.Tuple, ast.List)):
            elements = [_reference(e, imports) or _string(e) for e in value.elts]
            if all(item is not None for item in elements):
                items = tuple(item for item in elements if item is not None)
        return HeaderValue(
            ids=(),
            span=span,
            shape="dynamic",
            dynamic=self.text[start:end].strip(),
            imported_from=imported,
            imported_items=items,
        )

    def _value_range(self, stmt: ast.stmt, value: ast.expr) -> tuple[int, int]:
        """Offsets of the assigned value with the parentheses around it, which `ast` leaves out
        (`revision = ("abc")`): the value is the statement's last part, so what follows it up
        to the statement's end is their `)`s, blanks and comments."""
        start = self._offset(value.lineno, value.col_offset)
        end = self._offset(value.end_lineno, value.end_col_offset)  # type: ignore[arg-type]
        stmt_end = self._offset(stmt.end_lineno, stmt.end_col_offset)  # type: ignore[arg-type]
        if ")" not in self.text[end:stmt_end]:
            return start, end
        # a comment there may hold a `)`, and one before the value a `(`: count tokens
        stmt_start = self._offset(stmt.lineno, stmt.col_offset)
        segment = self.text[stmt_start:stmt_end]
        starts = [stmt_start]  # offset of each line of the segment
        starts += [stmt_start + m.end() for m in re.finditer("\n", segment)]
        opening: list[int] = []  # the `(`s just before the value
        closing = 0
        try:
            for token in tokenize.generate_tokens(io.StringIO(segment).readline):
                if token.type in _SKIPPED_TOKENS:
                    continue
                row, column = token.start
                offset = starts[row - 1] + column
                bracket = token.string if token.type == tokenize.OP else ""
                if offset < start:
                    opening = [*opening, offset] if bracket == "(" else []
                elif offset >= end and bracket == ")":
                    closing += 1
        except (tokenize.TokenError, SyntaxError):
            closing = 0
        if not closing or closing > len(opening):
            return start, end  # not expected: then at least the value itself
        return opening[-closing], stmt_end

    # -- docstring -----------------------------------------------------------

    def _docstring(self, tree: ast.Module) -> tuple[str | None, DocLine | None, DocLine | None]:
        first = tree.body[0] if tree.body else None
        if not isinstance(first, ast.Expr):
            return None, None, None
        node = first.value
        # the statement is the string with its parentheses, if any
        start = self._offset(first.lineno, first.col_offset)
        raw = self.text[start : self._offset(first.end_lineno, first.end_col_offset)]  # type: ignore[arg-type]
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            text = node.value if isinstance(node.value, str) else None
        elif isinstance(node, ast.JoinedStr) and _string_parts(raw) > 1:
            # an f-string joined to other strings: no text, yet its lines are read, as
            # those of a bytes string are (what LibCST, which read them before, did)
            text = None
        else:
            return None, None, None
        docstring = cleandoc(text) if text else None
        message = None
        if docstring:
            message = next((ln.strip() for ln in docstring.splitlines() if ln.strip()), None)
        return message, doc_line(raw, DOC_REVISION_ID, first.lineno), doc_line(raw, DOC_REVISES, first.lineno)

    # -- positions -----------------------------------------------------------

    def _offset(self, line: int, byte_column: int) -> int:
        """Offset in the text of a position `ast` gives (its columns count UTF-8 bytes)."""
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        start = self._line_starts[line - 1]
        head = self.text[start : start + byte_column]
        if head.isascii():
            return start + byte_column
        end = self.text.find("\n", start)
        encoded = self.text[start : end if end >= 0 else len(self.text)].encode()
        return start + len(encoded[:byte_column].decode())

    def _span(self, start: int, end: int) -> Span:
        text = self.text
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1)
        end_line = line + text.count("\n", start, end)
        end_column = end - (text.rfind("\n", 0, end) + 1)
        return Span(line, column, end_line, end_column)


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _reference(node: ast.expr, imports: _Imports) -> tuple[str, str, int] | None:
    """(module, name, level) of an imported name: `NAME` after `from M import NAME`, or
    `m.NAME` / `m.sub.NAME` after `import m`, `import p.m as m` or `from p import m`."""
    if isinstance(node, ast.Name):
        return reference(node.id, imports)
    if not isinstance(node, ast.Attribute):
        return None
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None  # an attribute of a call, a subscript or a literal
    return reference(".".join([node.id, *reversed(parts)]), imports)


def _string_parts(raw: str) -> int:
    """How many string literals make up `raw`, an expression of strings only."""
    parts = depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(raw).readline):
            name = tokenize.tok_name[token.type]
            if name == "FSTRING_START":  # Python 3.12+: an f-string is several tokens
                parts += depth == 0
                depth += 1
            elif name == "FSTRING_END":
                depth -= 1
            elif token.type == tokenize.STRING and depth == 0:
                parts += 1
    except (tokenize.TokenError, SyntaxError):
        return 0
    return parts


def _without_tree(text: str) -> PlainHeader:
    """The header of a file too deeply nested for Python's AST objects (compile() took it):
    a one-line literal on the one line a header name starts is read as the plain reader
    reads it; any other value is computed, placed at the first line its name starts; the
    docstring is not read."""
    values: dict[str, HeaderValue] = {}
    for name in HEADER_FIELDS:
        places = [m.start() for m in re.finditer(rf"^{name}[ \t]*[:=]", text, re.M)]
        if not places:
            continue
        found = literal_assignment(text, places[0]) if len(places) == 1 else None
        if found is not None and found[0] == name:
            values[name] = found[1]
        else:
            line = text.count("\n", 0, places[0]) + 1
            values[name] = HeaderValue(
                ids=(), span=Span.point(line), shape="dynamic", dynamic="<nested too deeply to show>"
            )
    return PlainHeader(values, None, None, None)
