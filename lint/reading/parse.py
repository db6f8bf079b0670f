"""Read one version file's bytes into a RevisionFile, without importing or executing it.

A pure function of (path, bytes): that is what makes it cacheable and parallel.

Cost decides the shape. A full LibCST parse of a typical 3 KB version file takes
~5 ms, which over 5,000 files is several times Alembic's own load time, and
importing LibCST costs a worker process ~130 ms. So:
- CPython's `compile()` checks the whole file (~0.3 ms, no Python AST objects):
  it accepts exactly what Alembic's import would, and its message and position
  for a syntax error are the best available. The code object also names the
  module's functions. SQL passed as literals to execute() is read from the text
  and those code objects (sql/literal.py, no AST), and so are op calls (facts/ops.py:
  each call's own text is parsed); other SQL, and the inspector guards MG211/MG212
  look for, need Python's AST: the file is parsed once and the tree compiled.
- A header of one-line literals, as `alembic revision` writes it, is read by
  reading/plainheader.py (~0.05 ms); it answers only when sure, and a test proves it
  agrees with the reader below on every file it takes.
- Any other header (about one file in a thousand) is read from Python's AST by
  reading/astheader.py, on the header region only: from the top of the file to the
  first top-level `def`/`class` after the last header assignment. If that cut lands
  inside a string, the whole file is parsed instead. Reading a file never imports LibCST.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import types
import warnings

from ..facts.entrybodies import entry_bodies
from ..facts.flagbranches import untaken_lines
from ..facts.imports import import_facts, mark_header_only, may_import_others
from ..facts.importtime import import_time_uses, may_use_proxies_at_import
from ..facts.offline import may_need_a_database, offline_uses
from ..facts.opcalls import KEY_HINT, NOT_NULL_HINT, KeyReader, may_call_op
from ..lazydataclass import replace
from ..lazyre import pattern
from ..model import (
    HEADER_FIELDS,
    ParseProblem,
    RevisionFile,
    Span,
    SqlProblem,
    SqlStatement,
    Suppression,
)
from ..sql.facts import runs_sql, sql_facts
from .plainheader import PlainHeader, read_plain_header

# A header assignment at column 0, and the first line of code that no header needs.
_HEADER_ASSIGNMENT = rf"(?:{'|'.join(HEADER_FIELDS)})[ \t]*[:=]"
_BODY_KEYWORD = r"(?:async[ \t]+def\b|def\b|class\b|@)"
_BODY_START = pattern(rf"^{_BODY_KEYWORD}", re.M)
_HEADER_LINE_AFTER_NEWLINE = pattern(rf"\n{_HEADER_ASSIGNMENT}")
_BODY_START_AFTER_NEWLINE = pattern(rf"\n{_BODY_KEYWORD}")
_LONE_CR = pattern(r"\r(?!\n)")
_SUPPRESSION = pattern(r"#\s*miglint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")
# What can make an op call safe to repeat (facts/opcalls.py, facts/pyguards.py) is a compound
# statement: an `if`/`elif`/`while` test or a `try`, first on its logical line. Most version
# files have none (3 of open-event-server's 588): they skip the syntax tree, which costs as
# much as compiling the file again, and the walk that looks for guarded calls. A match inside
# a string only costs the tree. (Led by a newline: searched for at C speed.)
_GUARD_STATEMENT = pattern(r"\n[ \t\f]*(?:if|elif|while|try)\b")


def parse_revision_file(
    path: str, data: bytes, dialect: str = "postgresql", ops: bool = False, downgrade: bool | str = True
) -> RevisionFile:
    """Extract the header, docstring lines, suppressions and SQL facts of a version file.

    `ops`: the facts of the opt-in rules that read the Python around the calls: which op calls
    an inspector check guards (MG211/MG212), and what asks a live database (MG505; it costs
    a syntax tree of each such file, a tenth of onyx's). `downgrade`: read downgrade()'s SQL and
    calls as well as upgrade()'s (`include-downgrade`); "facts": read them for their facts
    only (the MG5xx rules), without proving fixes or reasoning about order for its SQL.
    """
    text, problem = _decode(data)
    if problem is not None:
        return _undecodable(path, data, problem)
    assert text is not None
    suppressions = _suppressions(text)

    wants_sql = runs_sql(text)
    wants_ops = ops and "op." in text
    wants_guards = wants_ops and _may_guard(text)
    calls_op = may_call_op(text)
    wants_keys = calls_op and (
        KEY_HINT.search(text) is not None
        # a column added NOT NULL (MG406); a table created without a key is rare enough to miss
        or ("add_column" in text and NOT_NULL_HINT.search(text) is not None)
    )
    wants_imports = may_import_others(text)
    wants_offline = ops and may_need_a_database(text)
    # guarded op calls need the AST; literal SQL does not (sql/literal.py)
    problem, functions, tree, code = _compile_check(text, with_tree=wants_guards or wants_offline)
    if problem is not None:
        return _uncompiled(path, text, problem, suppressions)

    entries = ("upgrade", "downgrade") if downgrade else ("upgrade",)
    # the branches of steps written for both directions, read once for the SQL and the op calls
    untaken = untaken_lines(text, entries, tree)
    sql: tuple[SqlStatement, ...] = ()
    sql_problems: tuple[SqlProblem, ...] = ()
    if wants_sql:
        checked = ("upgrade",) if downgrade == "facts" else None
        sql, sql_problems = sql_facts(text, dialect, tree, entries, code, checked, untaken)
        if any(s.insert is not None for s in sql):
            from ..facts.ops import other_dialect_lines

            foreign = other_dialect_lines(text)  # another database's SQL: no PostgreSQL fix there
            if foreign:
                sql = tuple(replace(s, insert=None) if s.span.line in foreign else s for s in sql)
    header = _header_region(text)
    read = read_plain_header(text, text if header is None else header, code)
    if read is None:
        from .astheader import read_header  # deferred: about one file in a thousand needs it

        read = read_header(text, header)
    record = RevisionFile(
        path=path,
        **_header_fields(read),
        has_upgrade="upgrade" in functions,
        has_downgrade="downgrade" in functions,
        suppressions=suppressions,
        sql=sql,
        sql_problems=sql_problems,
    )
    changes: dict[str, object] = {}  # the facts read below, set on the record at once
    if code is not None and (calls_op or any(s.ops for s in sql)):
        from ..facts.ops import ENUM_FACTS, extract_operations

        guarded = frozenset()
        if wants_guards:
            from ..facts.opcalls import guarded_calls

            guarded = guarded_calls(text, tree, entries)
        keys = KeyReader() if wants_keys else None
        operations = extract_operations(
            text, code, sql, entries, guarded, full=wants_ops, inverse=downgrade, keys=keys, untaken=untaken
        )
        if keys is not None:
            found = keys.found()
            changes.update(
                op_keys=found.keys,
                op_renames=found.renames,
                op_cascades=found.cascades,
                op_primary=found.primary,
                op_not_null=found.not_null,
                op_column_types=found.types,
            )
        if operations:
            enums = tuple(o for o in operations if o.name in ENUM_FACTS)
            raises = tuple(dict.fromkeys(o.entry for o in operations if o.name == "raise"))
            if enums or raises:
                operations = tuple(o for o in operations if o.name not in ENUM_FACTS and o.name != "raise")
            changes.update(operations=operations, enums=enums, raises=raises)
    changes.update(_downgrade_facts(record, text, code, wants_imports, tree if wants_offline else None))
    record = replace(record, **changes) if changes else record  # once: each replace() copies every field
    # worked out here, they are cached with the record (see RevisionFile)
    if record.operations:
        record.operation_names, record.upgrade_operation_names  # noqa: B018
    if record.sql:
        record.sql_codes  # noqa: B018
    return record


def _may_guard(text: str) -> bool:
    """Whether a statement of the file may be an `if`/`elif`/`while`/`try` (see _GUARD_STATEMENT)."""
    return _GUARD_STATEMENT.search(text) is not None or _GUARD_STATEMENT.match("\n" + text[:80]) is not None


def _downgrade_facts(
    record: RevisionFile,
    text: str,
    code: types.CodeType | None,
    wants_imports: bool,
    offline_tree: ast.Module | None,
) -> dict[str, object]:
    """The facts of the MG5xx rules, as changes to `record`: entry bodies and imports (from
    the code object), offline-unsafe calls (from the tree); imports and calls only when the
    text hints at them."""
    changes: dict[str, object] = {}
    if "_ibfk_" in text:
        from ..facts.ops import INNODB_LITERAL

        changes["innodb_names"] = tuple(sorted(set(INNODB_LITERAL.findall(text))))
    if code is not None:
        changes["entry_bodies"] = entry_bodies(code)
        if may_use_proxies_at_import(code):  # a set test on the module's names (facts/importtime.py)
            try:
                changes["import_time_uses"] = import_time_uses(text, offline_tree)
            except (RecursionError, SyntaxError, ValueError, MemoryError):
                pass
    try:
        if wants_imports and code is not None:
            headers = (record.branch_labels, record.depends_on)
            changes["imports"] = mark_header_only(import_facts(code, text), headers)
        if offline_tree is not None:
            changes["offline_uses"] = offline_uses(offline_tree, text)
    except RecursionError:
        pass  # nested deeper than these readers go (hostile input): no facts, never a crash
    return changes


def _uncompiled(
    path: str, text: str, problem: ParseProblem, suppressions: tuple[Suppression, ...]
) -> RevisionFile:
    """A file Python cannot compile (MG001), with its header when the part before its first
    def or class compiles on its own and the plain reader reads it: the revision keeps its
    place in the graph. A Python 2 `print` in a body (nylas: 26 files) dropped the revision,
    and each child's parent went missing with it (MG103) and the heads multiplied."""
    record = RevisionFile(path=path, problem=problem, suppressions=suppressions)
    header = _header_region(text)
    if not header or problem.span.line <= header.count("\n"):
        return record  # no body to blame, or the error is in the header's part itself
    fields = _region_header(text, header)
    return record if fields is None else replace(record, **fields)


def _region_header(text: str, header: str) -> dict[str, object] | None:
    """The header fields read from a region that compiles on its own, else None (the rest of
    the file is not Python's: MG001)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(header, "<header>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    read = read_plain_header(text, header)  # without the module's code no import is followed here
    if read is None:
        from .astheader import read_header

        read = read_header(header, header)  # the region compiles: read as a module of its own
    return _header_fields(read)


def _undecodable(path: str, data: bytes, problem: ParseProblem) -> RevisionFile:
    """A file Python cannot decode (MG001), with its header when the header's lines read
    as UTF-8 with the bad bytes replaced (an accented letter of another encoding in the
    docstring or a string): the revision keeps its place in the graph, and its children's
    parent is not reported missing besides (MG103)."""
    record = RevisionFile(path=path, problem=problem)
    text = _LONE_CR.sub("\n", data.decode("utf-8", "replace")).lstrip("\ufeff")
    fields = _region_header(text, _header_region(text) or text)
    if fields is None:
        return record
    for value in (fields["revision"], fields["down_revision"], fields["branch_labels"], fields["depends_on"]):
        if value is not None and any("\ufffd" in str(i) for i in getattr(value, "ids", ()) or ()):
            return record  # the bad byte is in an id: what it reads as is not the id
    return replace(record, **fields)


def _header_fields(read: PlainHeader) -> dict[str, object]:
    """A header as the record's fields."""
    values = read.values
    return {
        "revision": values.get("revision"),
        "down_revision": values.get("down_revision"),
        "branch_labels": values.get("branch_labels"),
        "depends_on": values.get("depends_on"),
        "message": read.message,
        "doc_revision_id": read.doc_revision_id,
        "doc_revises": read.doc_revises,
    }


def _compile_check(
    text: str, with_tree: bool = False
) -> tuple[ParseProblem | None, frozenset[str], ast.Module | None, types.CodeType | None]:
    """Compile as Python would on import: a problem, or the module's function names.

    `with_tree`: also return the module's AST, for the SQL and op readers. Parsing to
    an AST and compiling that costs less than compiling the text and parsing it again,
    and the parser's errors are the same either way (compile() runs the same parser).
    """
    tree = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not ours to print
            if with_tree:
                tree = ast.parse(text, "<revision>")
                code = compile(tree, "<revision>", "exec", dont_inherit=True)
            else:
                code = compile(text, "<revision>", "exec", dont_inherit=True)
    except SyntaxError as error:
        line = error.lineno or 1
        column = max((error.offset or 1) - 1, 0)
        # CPython's bare "invalid syntax" would read "invalid syntax: invalid syntax"
        message = error.msg if error.msg.startswith("invalid syntax") else f"invalid syntax: {error.msg}"
        return ParseProblem(message, Span.point(line, column)), frozenset(), None, None
    except (RecursionError, MemoryError) as error:
        if with_tree:
            # compiling an AST recurses deeper than compiling text: what the import
            # would accept is decided on the text, and the readers do without a tree
            return _compile_check(text)
        # CPython's parser gives up on very deep nesting (a chain of thousands of
        # `elif`s, a long `a + b + ...`) with a bare MemoryError or RecursionError:
        # the import fails the same way. Nothing else is asked to read the file.
        return (
            ParseProblem(
                f"cannot compile: the code is nested too deeply for Python's parser ({type(error).__name__})",
                Span.point(1),
            ),
            frozenset(),
            None,
            None,
        )
    except ValueError as error:
        return ParseProblem(f"cannot compile: {error}", Span.point(1)), frozenset(), None, None
    names = frozenset(c.co_name for c in code.co_consts if isinstance(c, types.CodeType))
    return None, names, tree, code


def _header_region(text: str) -> str | None:
    """The text up to the first top-level def/class after the last header line."""
    # A pattern that starts with a newline is searched for at C speed; `^` with
    # re.M is tried at every offset. (A header on the first line needs no match of
    # its own: the body cannot start before the second line then.)
    start = 0
    for match in _HEADER_LINE_AFTER_NEWLINE.finditer(text):
        start = match.end()
    if start == 0 and _BODY_START.match(text):
        return ""
    body = _BODY_START_AFTER_NEWLINE.search(text, start)
    return text[: body.start() + 1] if body else None


def _decode(data: bytes) -> tuple[str | None, ParseProblem | None]:
    """Decode as Python would: a BOM or PEP 263 coding line, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if "invalid or missing" not in str(error.msg):
            return None, ParseProblem(f"bad encoding declaration: {error.msg}", Span.point(1))
        encoding = "utf-8"  # a stray non-UTF-8 byte in the first two lines: located below
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1)
        return None, ParseProblem(
            f"cannot decode as {encoding}: byte 0x{data[error.start]:02x} is not valid "
            "(declare the encoding with a '# -*- coding: ... -*-' line or save as UTF-8)",
            Span.point(line, column),
        )
    except LookupError:
        return None, ParseProblem(f"unknown encoding {encoding!r}", Span.point(1))
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        # Python reads source with universal newlines: a lone CR ends a line as LF
        # does. Reading it as LF keeps every line number and column the same, so
        # the record is that of the LF file (CRLF already reads that way).
        text = _LONE_CR.sub("\n", text)
    return text, None


def _suppressions(text: str) -> tuple[Suppression, ...]:
    """Find `# miglint: ignore[...]` comments.

    A regex finds candidates cheaply; the tokenizer then confirms each is a real
    comment and not text inside a string. A comment alone on a line before the
    first line of code applies to the whole file.
    """
    if "miglint" not in text or not _SUPPRESSION.search(text):
        return ()
    found: list[Suppression] = []
    seen_code = False
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                match = _SUPPRESSION.search(token.string)
                if match:
                    raw = match.group("codes")
                    codes = tuple(c.strip() for c in raw.split(",") if c.strip()) if raw else ()
                    line, column = token.start
                    span = Span(line, column + match.start(), line, column + match.end())
                    found.append(Suppression(codes, not seen_code, span))
            elif token.type not in (
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.ENCODING,
                tokenize.INDENT,
                tokenize.DEDENT,
            ):
                seen_code = True
    except (tokenize.TokenError, SyntaxError):
        pass  # the parser reports the syntax error; keep what was confirmed
    return tuple(found)
