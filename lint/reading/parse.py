"""Read one version file's bytes into a RevisionFile, without importing or executing it.

A pure function of (path, bytes): that is what makes it cacheable and parallel.

Cost decides the shape. A full LibCST parse of a typical 3 KB version file takes
~5 ms, which over 5,000 files is several times Alembic's own load time. So:
- CPython's `compile()` checks the whole file (~0.3 ms, no Python AST objects):
  it accepts exactly what Alembic's import would, and its message and position
  for a syntax error are the best available. The code object also names the
  module's functions. SQL passed as literals to execute() is read from the text
  and those code objects (sql/literal.py, no AST), and so are op calls (facts/ops.py:
  each call's own text is parsed); other SQL, and the inspector guards MG211/MG212
  look for, need Python's AST: the file is parsed once and the tree compiled.
- A header of one-line literals, as `alembic revision` writes it, is read by
  reading/plainheader.py (~0.05 ms); it answers only when sure, and a test proves it
  agrees with the LibCST reader below on every file it takes.
- Any other header is read by LibCST, on the header region only: from the top of
  the file to the first top-level `def`/`class` after the last header assignment
  (~0.3 ms). If that cut lands inside a string, the whole file is parsed instead.
No visitor walks the tree and no LibCST metadata is resolved (a MetadataWrapper
deep-copies the tree and costs 4-5x the parse): positions come from rendering the
top-level statements that precede a header value.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import types
import warnings
from typing import TYPE_CHECKING

from ..facts.entrybodies import entry_bodies
from ..facts.flagbranches import untaken_lines
from ..facts.imports import import_facts, mark_header_only, may_import_others
from ..facts.offline import may_need_a_database, offline_uses
from ..facts.opcalls import KEY_HINT, NOT_NULL_HINT, KeyReader, may_call_op
from ..lazydataclass import replace
from ..lazyre import pattern
from ..model import (
    HEADER_FIELDS,
    DocLine,
    HeaderValue,
    ParseProblem,
    RevisionFile,
    Span,
    SqlProblem,
    SqlStatement,
    Suppression,
)
from ..sql.facts import runs_sql, sql_facts
from .plainheader import DOC_REVISES, DOC_REVISION_ID, cleandoc, doc_line, read_plain_header, reference

if TYPE_CHECKING:
    import libcst as cst

# A header assignment at column 0, and the first line of code that no header needs.
_HEADER_ASSIGNMENT = rf"(?:{'|'.join(HEADER_FIELDS)})[ \t]*[:=]"
_BODY_KEYWORD = r"(?:async[ \t]+def\b|def\b|class\b|@)"
_HEADER_LINE = pattern(rf"^{_HEADER_ASSIGNMENT}", re.M)
_BODY_START = pattern(rf"^{_BODY_KEYWORD}", re.M)
_HEADER_LINE_AFTER_NEWLINE = pattern(rf"\n{_HEADER_ASSIGNMENT}")
_BODY_START_AFTER_NEWLINE = pattern(rf"\n{_BODY_KEYWORD}")
_LONE_CR = pattern(r"\r(?!\n)")
_SUPPRESSION = pattern(r"#\s*miglint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")


def parse_revision_file(
    path: str, data: bytes, dialect: str = "postgresql", ops: bool = False, downgrade: bool | str = True
) -> RevisionFile:
    """Extract the header, docstring lines, suppressions and SQL facts of a version file.

    `ops`: find which op calls an inspector check guards (MG211/MG212). `downgrade`: read downgrade()'s SQL and
    calls as well as upgrade()'s (`include-downgrade`); "facts": read them for their facts
    only (the MG5xx rules), without proving fixes or reasoning about order for its SQL.
    """
    text, problem = _decode(data)
    if problem is not None:
        return RevisionFile(path=path, problem=problem)
    assert text is not None
    suppressions = _suppressions(text)

    wants_sql = runs_sql(text)
    wants_ops = ops and "op." in text
    calls_op = may_call_op(text)
    wants_keys = calls_op and (
        KEY_HINT.search(text) is not None
        # a column added NOT NULL (MG406); a table created without a key is rare enough to miss
        or ("add_column" in text and NOT_NULL_HINT.search(text) is not None)
    )
    wants_imports = may_import_others(text)
    wants_offline = may_need_a_database(text)
    # op calls need the AST whatever happens; literal SQL alone does not (sql/literal.py)
    problem, functions, tree, code = _compile_check(text, with_tree=wants_ops or wants_offline)
    if problem is not None:
        return RevisionFile(path=path, problem=problem, suppressions=suppressions)

    entries = ("upgrade", "downgrade") if downgrade else ("upgrade",)
    # the branches of steps written for both directions, read once for the SQL and the op calls
    untaken = untaken_lines(text, entries, tree)
    sql: tuple[SqlStatement, ...] = ()
    sql_problems: tuple[SqlProblem, ...] = ()
    if wants_sql:
        checked = ("upgrade",) if downgrade == "facts" else None
        sql, sql_problems = sql_facts(text, dialect, tree, entries, code, checked, untaken)
    header = _header_region(text)
    plain = read_plain_header(text, text if header is None else header, code)
    if plain is not None:
        record = RevisionFile(
            path=path,
            revision=plain.values.get("revision"),
            down_revision=plain.values.get("down_revision"),
            branch_labels=plain.values.get("branch_labels"),
            depends_on=plain.values.get("depends_on"),
            message=plain.message,
            doc_revision_id=plain.doc_revision_id,
            doc_revises=plain.doc_revises,
            has_upgrade="upgrade" in functions,
            has_downgrade="downgrade" in functions,
            suppressions=suppressions,
            sql=sql,
            sql_problems=sql_problems,
        )
    else:
        record_or_problem = _read_with_libcst(path, text, header, suppressions, functions)
        if isinstance(record_or_problem, ParseProblem):
            return RevisionFile(path=path, problem=record_or_problem, suppressions=suppressions)
        record = record_or_problem
        if sql or sql_problems:
            record = replace(record, sql=sql, sql_problems=sql_problems)
    changes: dict[str, object] = {}  # the facts read below, set on the record at once
    if code is not None and (calls_op or any(s.ops for s in sql)):
        from ..facts.ops import ENUM_FACTS, extract_operations

        guarded = frozenset()
        if wants_ops:
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
    if code is not None:
        changes["entry_bodies"] = entry_bodies(code)
    try:
        if wants_imports and code is not None:
            headers = (record.branch_labels, record.depends_on)
            changes["imports"] = mark_header_only(import_facts(code, text), headers)
        if offline_tree is not None:
            changes["offline_uses"] = offline_uses(offline_tree, text)
    except RecursionError:
        pass  # nested deeper than these readers go (hostile input): no facts, never a crash
    return changes


def _read_with_libcst(
    path: str, text: str, header: str | None, suppressions: tuple[Suppression, ...], functions: frozenset[str]
) -> RevisionFile | ParseProblem:
    import libcst as cst  # deferred: a fully cached run never pays for the import

    module = None
    if header is not None:
        try:
            module = cst.parse_module(header)
        except cst.ParserSyntaxError:
            module = None  # the cut fell inside a string: read the whole file
    if module is None:
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError as error:
            first_line = str(error.message).strip().splitlines()[0] if error.message else "invalid syntax"
            return ParseProblem(
                f"LibCST cannot parse this file: {first_line}",
                Span.point(max(error.raw_line, 1), max(error.raw_column, 0)),
            )
    return _Reader(module, text, _unique_header_lines(text)).read(path, suppressions, functions)


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


def _unique_header_lines(text: str) -> dict[str, tuple[int, int]]:
    """(line, offset) of each header name that starts exactly one line of the file.

    LibCST has already found the assignment statement; when only one line of the
    file starts with its name, that line is where it starts, and nothing before
    it needs rendering to count lines.
    """
    found: dict[str, list[tuple[int, int]]] = {}
    for match in _HEADER_LINE.finditer(text):
        name = match.group(0).rstrip(" \t:=")
        found.setdefault(name, []).append((text.count("\n", 0, match.start()) + 1, match.start()))
    return {name: places[0] for name, places in found.items() if len(places) == 1}


def _assignment_value_offset(text: str, start: int) -> int | None:
    """Offset of the value in the assignment starting at `start`, or None if unsure.

    Scans for the `=` outside brackets and strings (an annotation such as
    `Union[str, None]` comes first); anything unusual - a line break outside
    brackets, a backslash - gives up and lets the caller render instead.
    """
    depth = 0
    index = start
    size = len(text)
    while index < size:
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char in "'\"":
            quote = char * 3 if text.startswith(char * 3, index) else char
            end = text.find(quote, index + len(quote))
            if end < 0 or "\\" in text[index:end]:
                return None
            index = end + len(quote)
            continue
        elif char == "\\" or (char == "\n" and depth == 0) or char == "#":
            return None
        elif char == "=" and depth == 0:
            if text.startswith("==", index):
                return None
            index += 1
            while index < size and text[index] in " \t":
                index += 1
            return index
        index += 1
    return None


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


class _Reader:
    """Walks the top-level statements of one parsed module."""

    def __init__(self, module: cst.Module, text: str, header_lines: dict[str, tuple[int, int]]) -> None:
        self.module = module
        self.text = text
        self.header_lines = header_lines
        self._rendered_upto = -1
        # first line of each top-level statement, filled lazily in source order
        self._first_lines: list[int] = []
        self._next_line = 1 + len(module.header)

    def read(
        self, path: str, suppressions: tuple[Suppression, ...], functions: frozenset[str]
    ) -> RevisionFile:
        import libcst as cst

        body = self.module.body
        assigned: dict[str, tuple[int, cst.BaseSmallStatement, cst.BaseExpression]] = {}
        imports: dict[str, tuple[str, str, int]] = {}
        for index, stmt in enumerate(body):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and small.value is not None:
                        for target in small.targets:
                            if isinstance(target.target, cst.Name):
                                assigned[target.target.value] = (index, small, small.value)
                    elif isinstance(small, cst.AnnAssign) and small.value is not None:
                        if isinstance(small.target, cst.Name):
                            assigned[small.target.value] = (index, small, small.value)
                    elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                        module_name = _dotted(small.module) if small.module else ""
                        for alias in small.names:
                            if isinstance(alias.name, cst.Name):
                                local = alias.name.value
                                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                                    local = alias.asname.name.value
                                imports[local] = (module_name, alias.name.value, len(small.relative))
                    elif isinstance(small, cst.Import):
                        for alias in small.names:  # `import a.b` binds a; `import a.b as m` binds m
                            dotted = _dotted(alias.name)
                            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                                imports[alias.asname.name.value] = (dotted, "", 0)
                            elif dotted:
                                imports[dotted.split(".")[0]] = (dotted.split(".")[0], "", 0)

        headers: dict[str, HeaderValue] = {}
        for name in HEADER_FIELDS:
            if name in assigned:
                index, small, value = assigned[name]
                try:
                    headers[name] = self._header_value(index, small, value, assigned, imports)
                except RecursionError:
                    # LibCST renders a node recursively: `'a' + 'a' + ...` a thousand
                    # times deep compiles, but cannot be rendered. It is computed anyway.
                    headers[name] = self._too_deep(name)

        message, doc_revision_id, doc_revises = self._docstring()
        return RevisionFile(
            path=path,
            revision=headers.get("revision"),
            down_revision=headers.get("down_revision"),
            branch_labels=headers.get("branch_labels"),
            depends_on=headers.get("depends_on"),
            message=message,
            doc_revision_id=doc_revision_id,
            doc_revises=doc_revises,
            has_upgrade="upgrade" in functions,
            has_downgrade="downgrade" in functions,
            suppressions=suppressions,
        )

    # -- values --------------------------------------------------------------

    def _header_value(
        self,
        index: int,
        small: cst.BaseSmallStatement,
        value: cst.BaseExpression,
        assigned: dict[str, tuple[int, cst.BaseSmallStatement, cst.BaseExpression]],
        imports: dict[str, tuple[str, str, int]],
    ) -> HeaderValue:
        import libcst as cst

        span = self._value_span(index, small, value)
        literal = _literal(value)
        if literal is not None:
            shape, ids = literal
            return HeaderValue(ids=ids, span=span, shape=shape)
        source = self.module.code_for_node(value).strip()
        # A name bound to a literal elsewhere at module level is as static as the
        # literal itself (`BASE = "abc"`, `down_revision = BASE`).
        if isinstance(value, cst.Name) and value.value in assigned:
            _, _, bound = assigned[value.value]
            if bound is not value:
                literal = _literal(bound)
                if literal is not None:
                    shape, ids = literal
                    return HeaderValue(ids=ids, span=span, shape=shape)
        imported = _reference(value, imports)
        items = None
        if imported is None and isinstance(value, (cst.Tuple, cst.List)):
            found = [
                _reference(e.value, imports) or _string(e.value) if isinstance(e, cst.Element) else None
                for e in value.elements
            ]
            if all(item is not None for item in found):
                items = tuple(item for item in found if item is not None)
        return HeaderValue(
            ids=(), span=span, shape="dynamic", dynamic=source, imported_from=imported, imported_items=items
        )

    def _too_deep(self, name: str) -> HeaderValue:
        """A computed value nested too deeply to render, placed at its line without rendering."""
        known = self.header_lines.get(name)
        if known is not None:
            line = known[0]
        else:
            found = re.search(rf"^{name}[ \t]*[:=]", self.text, re.M)
            line = self.text.count("\n", 0, found.start()) + 1 if found else 1
        return HeaderValue(
            ids=(), span=Span.point(line), shape="dynamic", dynamic="<nested too deeply to show>"
        )

    def _value_span(self, index: int, small: cst.BaseSmallStatement, value: cst.BaseExpression) -> Span:
        import libcst as cst

        code_for = self.module.code_for_node
        stmt = self.module.body[index]
        assert isinstance(stmt, cst.SimpleStatementLine)
        leading = _target_name(stmt.body[0])
        known = self.header_lines.get(leading) if leading and stmt.body[0] is small else None
        if known is not None:
            line, offset = known
            value_offset = _assignment_value_offset(self.text, offset)
            if value_offset is not None:
                text = code_for(value)
                if self.text.startswith(text, value_offset):
                    column = value_offset - offset
                    end_line = line + text.count("\n")
                    end_column = len(text.rsplit("\n", 1)[-1]) if "\n" in text else column + len(text)
                    return Span(line, column, end_line, end_column)
        line = known[0] if known is not None else self._first_line(index)
        column = 0  # a top-level statement starts at column 0
        for other in stmt.body:
            if other is small:
                break
            column += len(code_for(other))
        # The value is the last expression of an assignment: all that precedes
        # it in the statement's code is target, annotation and `=`.
        statement = code_for(small)
        text = code_for(value)
        prefix = statement[: statement.rfind(text)]
        line += prefix.count("\n")
        column = len(prefix.rsplit("\n", 1)[-1]) if "\n" in prefix else column + len(prefix)
        end_line = line + text.count("\n")
        end_column = len(text.rsplit("\n", 1)[-1]) if "\n" in text else column + len(text)
        return Span(line, column, end_line, end_column)

    def _first_line(self, index: int) -> int:
        """Line of top-level statement `index`, rendering only the statements before it."""
        body = self.module.body
        while self._rendered_upto < index:
            self._rendered_upto += 1
            stmt = body[self._rendered_upto]
            self._first_lines.append(self._next_line + len(stmt.leading_lines))
            self._next_line += self.module.code_for_node(stmt).count("\n")
        return self._first_lines[index]

    # -- docstring -----------------------------------------------------------

    def _docstring(self) -> tuple[str | None, DocLine | None, DocLine | None]:
        import libcst as cst

        body = self.module.body
        if not body or not isinstance(body[0], cst.SimpleStatementLine):
            return None, None, None
        first = body[0].body[0] if body[0].body else None
        if not isinstance(first, cst.Expr) or not isinstance(
            first.value, (cst.SimpleString, cst.ConcatenatedString)
        ):
            return None, None, None
        text = _string(first.value)
        docstring = cleandoc(text) if text else None
        message = None
        if docstring:
            message = next((ln.strip() for ln in docstring.splitlines() if ln.strip()), None)
        raw = self.module.code_for_node(first.value)
        start_line = self._first_line(0)
        return message, doc_line(raw, DOC_REVISION_ID, start_line), doc_line(raw, DOC_REVISES, start_line)


def _literal(node: cst.BaseExpression) -> tuple[str, tuple[str, ...]] | None:
    """(shape, ids) for a literal header value, None for anything computed."""
    import libcst as cst

    if isinstance(node, cst.Name) and node.value == "None":
        return "none", ()
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        text = _string(node)
        return ("str", (text,)) if text is not None else None
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        ids: list[str] = []
        for element in node.elements:
            if not isinstance(element, cst.Element):
                return None  # a starred element is computed
            text = _string(element.value)
            if text is None:
                return None
            ids.append(text)
        shape = {cst.Tuple: "tuple", cst.List: "list", cst.Set: "set"}[type(node)]
        return shape, tuple(ids)
    return None


def _string(node: cst.BaseExpression) -> str | None:
    import libcst as cst

    if isinstance(node, cst.SimpleString):
        # Most ids are plain quoted text: slice it rather than let LibCST run
        # ast.literal_eval (a compile() per string) for evaluated_value.
        raw = node.value
        quote = raw[1:] if raw[:1] in ("u", "U") else raw
        if quote[:1] in ("'", '"'):  # no r/b/f prefix
            size = 3 if quote[:3] in ('"""', "'''") else 1
            body = quote[size:-size]
            if "\\" not in body and len(quote) >= 2 * size:
                return body
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:
            return None
        return value if isinstance(value, str) else None
    return None


def _reference(
    node: cst.BaseExpression, imports: dict[str, tuple[str, str, int]]
) -> tuple[str, str, int] | None:
    """(module, name, level) of an imported name: `NAME` after `from M import NAME`, or
    `m.NAME` / `m.sub.NAME` after `import m`, `import p.m as m` or `from p import m`."""
    import libcst as cst

    if isinstance(node, cst.Name):
        return reference(node.value, imports)
    if not isinstance(node, cst.Attribute):
        return None
    dotted = _dotted(node)
    if "." not in dotted:
        return None  # an attribute of a call or a subscript
    return reference(dotted, imports)


def _dotted(node: cst.BaseExpression) -> str:
    import libcst as cst

    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _target_name(small: cst.BaseSmallStatement) -> str | None:
    """The name a simple assignment binds, when it binds exactly one name."""
    import libcst as cst

    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign):
        target = small.target
    else:
        return None
    return target.value if isinstance(target, cst.Name) else None
