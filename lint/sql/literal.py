"""Read SQL passed as literals to `execute`, from the text and the compiled module, without an AST.

Why: building Python's AST objects for a 4 KB revision costs ~0.35 ms, more than
compiling it, and it is the one cost that made miglint slower than Alembic on a
tree where every revision runs SQL. Nearly every execute call seen (all of the
examples, all of the generated SQL-heavy tree) passes a string literal, or
`text(literal)` with `.bindparams(...)` after it:

    op.execute("CREATE TABLE IF NOT EXISTS t (id int)")
    conn.execute(sa.text("INSERT INTO t VALUES (:id)").bindparams(id=1), {"x": 1})

This module reads exactly those shapes and answers None for anything else (a name,
an f-string, `+`, dedent(), an escape it cannot place, a call it cannot prove is
code, a function that mentions `sqlite3`), and sql/source.py then reads the file from
its AST as before. A match of
`.execute(` counts as code only when the compiled function has an instruction on
its line and holds the literal's value among its constants: text in a comment or
a string fails one of the two. Functions, their extents and what upgrade() reaches
come from the code objects compile() produced anyway. tests/test_sqlsource.py
proves both readers give the same extraction for every file this one accepts.
"""

from __future__ import annotations

import ast
import bisect
import dis
import itertools
import operator
import types
from collections.abc import Iterator

from ..lazydataclass import dataclass
from ..lazyre import pattern
from .source import (
    ENTRY_POINTS,
    Extraction,
    LineIndex,
    Piece,
    SqlSource,
    char_column,
    reached_functions,
)
from .source import _raw_body as raw_body

# inspect.CO_OPTIMIZED (a function's code, not a class body's): importing inspect for it
# cost every run ~4 ms
_CO_OPTIMIZED = 0x0001

_CALL = pattern(r"\.(?:execute|exec_driver_sql)\s*\(")
# Unrolled loops (normal* (special normal*)*): a long literal is consumed in runs of
# ordinary characters, not one alternation per character.
_STR = (
    r"[uU]?(?:"
    r"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    r"|'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'"
    r'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*")'
)
_GAP = r"(?:\s|\#[^\r\n]*)*"  # inside brackets, lines may break and carry comments
_ONE_STR = pattern(_STR)
_LITERALS = pattern(rf"{_GAP}(?P<literals>{_STR}(?:{_GAP}{_STR})*)")
# `sa.text(...)`, and `sa.DDL(...)`, which runs its text as it is (osparc)
_TEXT_CALL = pattern(rf"{_GAP}(?:[A-Za-z_]\w*{_GAP}\.{_GAP})*(?:text|TextClause|DDL){_GAP}\(")
_CLOSE = pattern(rf"{_GAP}\)")
# Their arguments may hold plain one-line strings (`value="pending"`) but no brackets.
_METHOD = pattern(
    rf"""{_GAP}\.{_GAP}(?:bindparams|columns|execution_options){_GAP}\((?:[^()'"\\#]|'[^'\\\r\n]*'|"[^"\\\r\n]*")*\)"""
)
_AFTER_ARGUMENT = pattern(rf"{_GAP}[,)]")
# What may stand before `.execute`: names and empty calls, dotted (`op`, `op.get_bind()`).
_RECEIVER = pattern(r"(?:[A-Za-z_]\w*(?:\(\))?\.)*[A-Za-z_]\w*(?:\(\))?\Z")
_TOP_LEVEL = pattern(r"(?:def\b|async[ \t]+def\b)")


@dataclass(frozen=True)
class _Function:
    """What sqlsource.reached_functions reads of a FunctionDef."""

    name: str
    lineno: int
    end_lineno: int


def extract_literal_sql(
    text: str, code: types.CodeType, entries: tuple[str, ...] = ENTRY_POINTS
) -> Extraction | None:
    lines = text.splitlines(keepends=True)
    found = _functions(code, lines)
    if found is None:
        return None
    widest, narrowest, facts = found
    offsets = [0, *itertools.accumulate(map(len, lines))]  # offset of each line's start
    line_of = LineIndex(text)
    sources: list[SqlSource] = []
    for entry in entries:
        if entry not in widest:
            continue
        # sqlsource searches a function's lines up to its AST end line, which lies
        # between its last instruction line and the next module-level statement.
        reached = [f.name for f in reached_functions(widest, entry, lines)]  # type: ignore[arg-type]
        if reached != [f.name for f in reached_functions(narrowest, entry, lines)]:  # type: ignore[arg-type]
            return None
        for name in reached:
            function_code, code_lines = facts[name]
            calls = _calls(text, lines, offsets, line_of, widest[name], code_lines, _strings(function_code))
            if calls is None:
                return None
            sources += [
                SqlSource(sql, pieces, name, entry, line, column) for sql, pieces, line, column in calls
            ]
    return Extraction(tuple(sources), ())


_Facts = tuple[types.CodeType, set[int]]  # a function's code and its (and nested code's) instruction lines


def _functions(
    code: types.CodeType, lines: list[str]
) -> tuple[dict[str, _Function], dict[str, _Function], dict[str, _Facts]] | None:
    """Top-level functions, as the AST would list them, with a wide and a narrow extent."""
    module_lines = sorted(_lines(code))
    widest: dict[str, _Function] = {}
    narrowest: dict[str, _Function] = {}
    codes: dict[str, _Facts] = {}
    for const in code.co_consts:
        if not isinstance(const, types.CodeType) or const.co_name.startswith("<"):
            continue
        if not const.co_flags & _CO_OPTIMIZED:
            continue  # a class body
        first = const.co_firstlineno
        if not 0 < first <= len(lines):
            return None
        if lines[first - 1].startswith("@") or lines[first - 1][:1].isspace():
            return None  # decorated (the def line is elsewhere) or not at the top level
        if not _TOP_LEVEL.match(lines[first - 1]) or const.co_name in codes:
            return None
        facts: _Facts = (const, _all_lines(const))
        last = max(max(facts[1], default=0), first)
        after = bisect.bisect_right(module_lines, last)
        following = module_lines[after] if after < len(module_lines) else len(lines) + 1
        end = following - 1
        while end > last and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        widest[const.co_name] = _Function(const.co_name, first, end)
        narrowest[const.co_name] = _Function(const.co_name, first, last)
        codes[const.co_name] = facts
    order = sorted(widest, key=lambda name: widest[name].lineno)
    return (
        {name: widest[name] for name in order},
        {name: narrowest[name] for name in order},
        codes,
    )


def _lines(code: types.CodeType) -> set[int]:
    """The lines `code`'s own instructions come from."""
    if hasattr(code, "co_lines"):  # Python 3.10+: read in C, unlike dis.findlinestarts
        found = set(map(_THIRD, code.co_lines()))
    else:
        found = {line for _, line in dis.findlinestarts(code)}
    found.discard(None)
    return found


_THIRD = operator.itemgetter(2)


def _nested(code: types.CodeType) -> Iterator[types.CodeType]:
    """`code` and the code nested in it (lambdas, comprehensions, inner functions)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _nested(const)


def _all_lines(code: types.CodeType) -> set[int]:
    """Instruction lines of `code` and of the code nested in it."""
    return set().union(*map(_lines, _nested(code)))


def _strings(code: types.CodeType) -> set[str]:
    """String constants of `code` and of the code nested in it: read only for reached functions."""
    return {const for inner in _nested(code) for const in inner.co_consts if isinstance(const, str)}


def _calls(
    text: str,
    lines: list[str],
    offsets: list[int],
    line_of: LineIndex,
    function: _Function,
    code_lines: set[int],
    strings: set[str],
) -> list[tuple[str, tuple[Piece, ...], int, int]] | None:
    start = offsets[function.lineno - 1]
    stop = offsets[function.end_lineno]
    body = text[start:stop]
    if "sqlite3" in body:
        return None  # a connection of Python's sqlite3 module may run some: the AST tells (source.py)
    matches = list(_CALL.finditer(body))
    if len(matches) != body.count("execute") + body.count("exec_driver_sql"):
        return None  # `execute` written other than as `.execute(`: let the AST decide
    found = []
    for match in matches:
        at = start + match.start()
        line = line_of.line(at)
        line_start = text.rfind("\n", 0, at) + 1
        if line not in code_lines or "#" in text[line_start:at]:
            return None
        receiver = _RECEIVER.search(text, line_start, at)
        if receiver is None or (receiver.start() > line_start and text[receiver.start() - 1] in "\"'.)]"):
            return None
        argument = _argument(text, lines, line_of, start + match.end(), strings)
        if argument is None:
            return None
        sql, pieces = argument
        column = receiver.start() - line_start
        found.append((sql, pieces, line, column))
    return found


def _argument(
    text: str, lines: list[str], line_of: LineIndex, at: int, strings: set[str]
) -> tuple[str, tuple[Piece, ...]] | None:
    """The first argument of the call whose `(` ends at `at`, if it is a literal SQL text."""
    wrapped = _TEXT_CALL.match(text, at)
    literals = _LITERALS.match(text, wrapped.end() if wrapped else at)
    if literals is None:
        return None
    end = literals.end()
    if wrapped:
        close = _CLOSE.match(text, end)
        if close is None:
            return None
        end = close.end()
        while True:
            method = _METHOD.match(text, end)
            if method is None:
                break
            end = method.end()
    if _AFTER_ARGUMENT.match(text, end) is None:
        return None  # the literal is only part of the argument (`"..." % x`, `+ y`)
    written = literals.group("literals")
    if "\\" in written or "#" in written:
        try:  # escapes, or comments between the parts: Python's own reading
            value = ast.literal_eval(f"({written})")
        except (SyntaxError, ValueError):
            return None
    else:
        value = "".join(_plain(part) for part in _ONE_STR.findall(written))
    if not isinstance(value, str) or value not in strings:
        return None
    piece = _piece(text, lines, line_of, literals.start("literals"), literals.end("literals"), value)
    return value, (piece,)


def _plain(written: str) -> str:
    body = written[1:] if written[0] in "uU" else written
    size = 3 if body[:3] in ('"""', "'''") else 1
    return body[size:-size].replace("\r\n", "\n")


def _piece(text: str, lines: list[str], line_of: LineIndex, start: int, end: int, value: str) -> Piece:
    """What sqlsource's _literal_piece makes of the literal node spanning text[start:end]."""
    line = line_of.line(start)
    end_line = line_of.line(end)
    column = start - (text.rfind("\n", 0, start) + 1)
    end_column = end - (text.rfind("\n", 0, end) + 1)
    node = _Node(
        line,
        len(lines[line - 1][:column].encode("utf-8")),
        end_line,
        len(lines[end_line - 1][:end_column].encode("utf-8")),
    )
    raw = raw_body(lines, node)  # type: ignore[arg-type]
    if raw is not None and raw[1] == value:
        (raw_line, raw_column), body = raw
        return Piece(0, len(value), raw_line, raw_column, True, body)
    return Piece(0, len(value), line, char_column(lines, line, node.col_offset), False)


@dataclass(frozen=True)
class _Node:
    """The position fields of an ast.Constant, which sqlsource._raw_body reads."""

    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int
