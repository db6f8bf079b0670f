"""A revision's SQL as facts for the rules: extraction (sqlsource) + analysis (sql).

Runs only on files that call `execute` at all; the result is part of the record,
so it is cached with it and costs nothing on warm runs.
"""

from __future__ import annotations

import ast
import functools
import types
from collections.abc import Collection
from typing import TYPE_CHECKING

from ..facts.flagbranches import Untaken, untaken_lines
from ..lazydataclass import replace
from ..lazyre import pattern
from ..model import Span, SqlProblem, SqlStatement
from .guards import Settled, Step, settle, worth_reading
from .source import ENTRY_POINTS, Extraction, SqlSource, extract_sql

if TYPE_CHECKING:
    from .ops import SqlOp

_PRAGMA = pattern(r"\s*(?i:PRAGMA)\b")
_PRAGMA_OPS = (("pragma", "", "", ()),)
# MySQL's own syntax, in a statement PostgreSQL's parser refused: `ALTER TABLE t
# MODIFY|CHANGE [COLUMN]`, `ADD INDEX|KEY`, `DROP FOREIGN KEY` (sql/postgres.py refuses it), `UPDATE a [INNER|LEFT]
# JOIN b`, backquoted names, `ENGINE=`, AUTO_INCREMENT
_MYSQL_STATEMENT = pattern(
    r"(?is)\s*(?:ALTER\s+TABLE\s+\S+\s+(?:MODIFY|CHANGE|ADD\s+(?:INDEX|KEY)|DROP\s+FOREIGN\s+KEY)\b"
    r"|UPDATE\s+\S+(?:\s+\w+)?\s+(?:INNER\s+|LEFT\s+)?JOIN\b)"
)
_MYSQL_WORDS = pattern(r"(?i)`\w+`|\bENGINE\s*=|\bAUTO_INCREMENT\b")
# A routine PostgreSQL's parser refused, with a BEGIN ... END body (MySQL's, SQLite's): what
# it makes is known by its name, so that a DROP of it in the same upgrade() is of an object
# made there (sql/guards.py)
_ROUTINE = pattern(
    r"(?is)\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
    r"(?P<kind>PROCEDURE|FUNCTION|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[\w.`\"]+)[^;]*?\bBEGIN\b"
)

# A type PostgreSQL's parser refused because a value of its list is a placeholder (`AS
# ENUM({values(...)})`, an f-string's call: rucio): what it makes is known by its name, so that
# a DROP TYPE of it before, in the same upgrade(), is of an object made again there
_ENUM_TYPE = pattern(r'(?is)\s*CREATE\s+(?P<kind>TYPE)\s+(?P<name>[\w."]+)\s+AS\s+ENUM\s*\(')
# MySQL's `DROP INDEX [IF EXISTS] ix ON t`, which PostgreSQL's parser refuses: the index is
# dropped all the same, and a CREATE INDEX of its name after it makes it again (aurweb)
_MYSQL_DROP_INDEX = pattern(
    r"(?is)\s*DROP\s+INDEX\s+(?P<guard>IF\s+EXISTS\s+)?(?P<name>[\w.`\"]+)\s+ON\s+(?P<table>[\w.`\"]+)\s*;?\s*$"
)


def _mysql_only(text: str, start: int, end: int) -> bool:
    return (
        _MYSQL_STATEMENT.match(text, start, end) is not None
        or _MYSQL_WORDS.search(text, start, end) is not None
    )


_MYSQL_OPS = (("mysql_only", "", "", ()),)
# A file without this cannot run SQL through execute(); most revisions are skipped here.
_EXECUTES = pattern(r"\.(?:execute|exec_driver_sql)\s*\(")


def runs_sql(text: str) -> bool:
    return _EXECUTES.search(text) is not None


def sql_facts(
    text: str,
    dialect: str,
    tree: ast.Module | None = None,
    entries: tuple[str, ...] = ENTRY_POINTS,
    code: types.CodeType | None = None,
    checked: Collection[str] | None = None,
    untaken: Untaken | None = None,
) -> tuple[tuple[SqlStatement, ...], tuple[SqlProblem, ...]]:
    """`tree`: the module's AST if the caller has it; else `code`, its compiled form, lets
    literal SQL be read without building the AST (sql/literal.py).

    `checked`: the entry points whose statements the SQL rules report (None: all of
    `entries`); the others are read for their facts only (the MG5xx rules compare
    downgrade() with upgrade()): no fix is proved for them, no order reasoned about.
    `untaken`: facts/flagbranches.py's answer, when the caller has it."""
    if not runs_sql(text):
        return (), ()
    from . import analyze

    extraction = None
    if tree is None and code is not None:
        from .literal import extract_literal_sql

        extraction = extract_literal_sql(text, code, entries)
    if extraction is None:
        if tree is None:  # parsed once, for the extraction and for settle() below
            tree = ast.parse(text)
        extraction = extract_sql(text, tree, entries)
    extraction = _runs(extraction, untaken_lines(text, entries, tree) if untaken is None else untaken)
    statements: list[SqlStatement] = []
    steps: list[Step] = []  # the same statements, for reading them in order (sql/guards.py)
    problems = [
        SqlProblem(Span.point(line, column), f"cannot read the SQL statically: `{shown}`", entry, False)
        for entry, line, column, shown in extraction.unresolved
    ]
    for source in extraction.sources:
        found, unparsed = analyze(source.text, dialect, checked is None or source.entry in checked)
        for statement in found:
            insert = None
            if statement.fix is not None and source.exact_at(statement.fix[0]):
                line, column = source.position(statement.fix[0])
                insert = (line, column, statement.fix[1])
            statements.append(
                SqlStatement(
                    code=statement.rule,
                    kind=statement.kind,
                    target=source.shown(statement.target),
                    # an ALTER TABLE points at its offending action, not at ALTER
                    span=_span(source, statement.at if statement.at >= 0 else statement.start, statement.end),
                    guarded=statement.guarded,
                    safe_when=statement.safe_when,
                    function=source.function,
                    entry=source.entry,
                    insert=insert,
                    columns=statement.columns,
                    keys=tuple((source.shown(table), columns) for table, columns in statement.keys),
                    renamed_to=source.shown(statement.renamed_to),
                    cascades=tuple(
                        (source.shown(child), source.shown(parent)) for child, parent in statement.cascades
                    ),
                    ops=_shown_ops(source, statement.ops) if source.placeholders else statement.ops,
                    # the text written before the call that runs it (a name bound to it): runs there
                    run_line=source.line
                    if source.pieces and source.line > max(p.line for p in source.pieces)
                    else 0,
                )
            )
            steps.append(
                Step(
                    statement.rule,
                    statement.kind,
                    # an f-string's `{name}` as written: the op call naming the object by the
                    # same variable is the same object (sql/guards.py _op_steps)
                    source.shown(statement.target) if source.placeholders else statement.target,
                    statement.guarded,
                    source.function,
                    source.entry,
                    source.line,
                    table=source.shown(statement.table) if source.placeholders else statement.table,
                    renamed_to=source.shown(statement.new_name)
                    if source.placeholders
                    else statement.new_name,
                    # the same f-string field in both is the same condition, whatever its place
                    selection=source.shown(statement.selection)
                    if source.placeholders
                    else statement.selection,
                )
            )
        for bad in unparsed:
            span = _span(source, bad.start, bad.end)

            made_of = functools.partial(_refused, statements, steps, source, span)
            if _PRAGMA.match(source.text, bad.start):
                # SQLite's own statement, which PostgreSQL refuses: read as a fact
                # (history/deploy.py: a history that runs one never runs on PostgreSQL)
                made_of("PRAGMA", ops=_PRAGMA_OPS)
                continue
            routine = _ROUTINE.match(source.text, bad.start, bad.end) or _ENUM_TYPE.match(
                source.text, bad.start, bad.end
            )
            if routine is not None:
                made_of(f"CREATE {routine.group('kind').upper()}", source.shown(routine.group("name")))
            elif (drop := _MYSQL_DROP_INDEX.match(source.text, bad.start, bad.end)) is not None:
                name, table = source.shown(drop.group("name")), source.shown(drop.group("table"))
                made_of("DROP INDEX", name, bool(drop.group("guard")), table)
                if not source.placeholders:  # MySQL's own syntax, as below
                    made_of("MYSQL", ops=_MYSQL_OPS)
            elif not source.placeholders and _mysql_only(source.text, bad.start, bad.end):
                # PostgreSQL refuses it, MySQL runs it: a history that runs one outside a branch
                # for another database never runs on PostgreSQL (history/deploy.py)
                made_of("MYSQL", ops=_MYSQL_OPS)
            problems.append(SqlProblem(span, source.shown(bad.reason), source.entry, True))
    reported = steps if checked is None else [s for s in steps if s.entry in checked]
    if any(s.code and not s.guarded for s in reported) and worth_reading(text, reported):
        # Only files with an unsafe-looking statement pay for the syntax tree.
        try:
            settled = settle(tree if tree is not None else ast.parse(text), steps, text, checked)
        except (RecursionError, MemoryError):  # code nested past what ast.dump can walk
            settled = Settled()  # each statement is then judged alone, as before
        statements = [
            replace(s, guarded=True)
            if i in settled.safe
            else replace(s, emptied_before=settled.emptied_before[i])
            if i in settled.emptied_before
            else s
            for i, s in enumerate(statements)
        ]
    return tuple(statements), tuple(problems)


def _refused(
    statements: list[SqlStatement],
    steps: list[Step],
    source: SqlSource,
    span: Span,
    kind: str,
    target: str = "",
    guarded: bool = False,
    table: str = "",
    ops: tuple[SqlOp, ...] = (),
) -> None:
    """A fact of what a statement PostgreSQL's parser refused does, as a statement and its
    step: the two lists stay one to one (settle() answers by the steps' indexes)."""
    statements.append(
        SqlStatement(None, kind, target, span, guarded, "", source.function, source.entry, ops=ops)
    )
    steps.append(Step(None, kind, target, guarded, source.function, source.entry, source.line, table=table))


def _runs(extraction: Extraction, untaken: Untaken) -> Extraction:
    """The SQL an entry point runs: a step's branch its flag rules out is left out
    (`def step(upgrade=True): if upgrade: ... else: ...`, facts/flagbranches.py)."""
    if not untaken:
        return extraction
    by_entry: dict[str, set[int]] = {}
    for (_, entry), lines in untaken.items():
        by_entry.setdefault(entry, set()).update(lines)
    return Extraction(
        tuple(s for s in extraction.sources if s.line not in untaken.get((s.function, s.entry), ())),
        tuple(u for u in extraction.unresolved if u[1] not in by_entry.get(u[0], ())),
    )


def _shown_ops(source: SqlSource, ops: tuple[SqlOp, ...]) -> tuple[SqlOp, ...]:
    """The op facts of a statement built from an f-string, with each placeholder shown as
    written (`{schema}.{table}`): their names reach the MG4xx messages."""
    return tuple(
        (name, source.shown(table), source.shown(target), tuple((k, source.shown(v)) for k, v in options))
        for name, table, target, options in ops
    )


def _span(source: SqlSource, start: int, end: int) -> Span:
    line, column = source.position(start)
    end_line, end_column = source.position(end)
    if (end_line, end_column) < (line, column):
        end_line, end_column = line, column
    return Span(line, column, end_line, end_column)
