"""Stamps in shell-like runner files: entrypoints, Dockerfiles, compose files, Makefiles.

Line based, like the files themselves: `if ...; then` / `elif` / `else` / `fi`
nesting gives each command its conditions, and `alembic [options] stamp|upgrade X`
gives the site. The result has the same shape as Python runners' (runner.StampSite),
so the same rules read both.

A test on a variable is read by what the variable holds: `N=$(psql -tAc "SELECT
count(*) FROM information_schema.tables")` makes `[ "$N" -gt 0 ]` "the database has
tables" and `V=$(psql -tAc "SELECT to_regclass('alembic_version') IS NOT NULL")` makes
`[ "$V" = "f" ]` "no Alembic version", whatever the names. A test on nothing that can
be followed is read from its words.
"""

from __future__ import annotations

import ast
import re
import shlex
from functools import reduce

from ..lazyre import pattern
from ..model import Span
from .facts import UNKNOWN, Condition, DbFacts, StampSite, Target
from .flow import Count, Flag, TableNames, count_facts, sql_kind, truth
from .python import command_index

_IF = pattern(r"^\s*(?:if|elif)\s+(?P<test>.+?)\s*;?\s*(?:then)?\s*$")
_ELSE = pattern(r"^\s*else\b")
_FI = pattern(r"^\s*fi\b")
_ALEMBIC = pattern(r"\balembic\b[^\n;&|]*\b(?:stamp|upgrade)\b[^\n;&|]*")
_EXIT = pattern(r"^\s*(?:exit|return)\b")
_ASSIGN = pattern(r"^\s*(?:export\s+|local\s+|readonly\s+)?(?P<name>[A-Za-z_]\w*)=(?P<value>.+)$")
_VAR = r"\"?\$\{?(?P<var>[A-Za-z_]\w*)\}?\"?"
_BINARY = pattern(_VAR + r"\s+(?P<op>-eq|-ne|-gt|-ge|-lt|-le|==|=|!=)\s+[\"']?(?P<value>[^\"'\s\]]*)")
_UNARY = pattern(r"(?P<op>-z|-n)\s+" + _VAR)
_NUMERIC = {"-eq": ast.Eq, "==": ast.Eq, "=": ast.Eq, "-ne": ast.NotEq, "!=": ast.NotEq,
            "-gt": ast.Gt, "-ge": ast.GtE, "-lt": ast.Lt, "-le": ast.LtE}  # fmt: skip
_TRUE_WORDS = ("t", "true", "1", "yes", "on")
_FALSE_WORDS = ("f", "false", "0", "no", "off", "")


def analyze_shell(path: str, text: str) -> tuple[StampSite, ...]:
    # One frame per open `if`: its tests so far; in an elif/else branch the earlier
    # tests of the frame were false.
    frames: list[list[Condition]] = []
    found: list[tuple[int, int, str, str | None, int, tuple[Condition, ...]]] = []
    lines = text.splitlines()
    assigned: dict[str, str] = {}  # variable -> the text last assigned to it

    def negated(conditions: list[Condition]) -> list[Condition]:
        return [_condition(c.text, c.line, False, assigned) for c in conditions]

    for number, line in enumerate(lines, 1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        assignment = _ASSIGN.match(line)
        if assignment:
            assigned[assignment.group("name")] = assignment.group("value")
        if _FI.match(code):
            if frames:
                frames.pop()
            continue
        if _ELSE.match(code):
            if frames:
                frames[-1] = negated(frames[-1])
            continue
        opened = _IF.match(code)
        if opened:
            test = _condition(opened.group("test"), number, True, assigned)
            if code.lstrip().startswith("elif") and frames:
                frames[-1] = [*negated(frames[-1]), test]
            else:
                frames.append([test])
        for match in _ALEMBIC.finditer(code):
            try:
                words: list[str | None] = list(shlex.split(match.group(0)))
            except ValueError:
                continue
            site = command_index(words)
            if site is None:
                continue
            command, index = site
            value = words[index] if index < len(words) else None
            after_command = match.group(0).find(command) + len(command)
            column = match.start() + (match.group(0).find(value, after_command) if value else 0)
            found.append((number, column, command, value, match.start(), tuple(c for f in frames for c in f)))
    sites = []
    for number, column, command, value, start, conditions in found:
        upgraded, exits_at = _what_follows(lines, number) if command == "stamp" else (True, None)
        targets = (
            (Target(value, Span(number, column, number, column + len(value)), (), exact=True),)
            if value
            else ()
        )
        sites.append(
            StampSite(
                path=path,
                span=Span.point(number, start),
                tool="alembic CLI",
                targets=targets,
                conditions=conditions,
                after_create_all=False,
                command=command,
                upgraded_after=upgraded,
                exits_at=exits_at,
            )
        )
    return tuple(sites)


def _what_follows(lines: list[str], after: int) -> tuple[bool, int | None]:
    for number in range(after + 1, len(lines) + 1):
        code = lines[number - 1].split("#", 1)[0]
        if re.search(r"\balembic\b.*\bupgrade\b", code):
            return True, None
        if _EXIT.match(code):
            return False, number
    return False, 0


def _condition(test: str, line: int, holds: bool, assigned: dict[str, str]) -> Condition:
    """A shell test, read through the variables it compares when they hold a query's output;
    from its words when none can be followed."""
    if "&&" in test and "||" in test:
        return Condition(test, line, holds)
    parts = [_primary(part, holds, assigned) for part in re.split(r"&&|\|\|", test)]
    if all(p is None for p in parts):
        return Condition(test, line, holds)
    combine = DbFacts.both if ("||" not in test) == holds else DbFacts.either
    return Condition(test, line, holds, reduce(combine, (p if p is not None else UNKNOWN for p in parts)))


def _primary(test: str, holds: bool, assigned: dict[str, str]) -> DbFacts | None:
    """`[ "$N" -gt 0 ]`, `[ "$V" = "f" ]`, `[ -z "$T" ]`; None when no variable is followed."""
    if re.match(r"\s*(?:\[\[?\s*)?!\s", test):  # `! [ ... ]`, `[ ! ... ]`
        holds = not holds
    unary = _UNARY.search(test)
    binary = _BINARY.search(test) if unary is None else None
    match = unary or binary
    if match is None or match.group("var") not in assigned:
        return None
    value = assigned[match.group("var")]
    kind = sql_kind(value) if ("$(" in value or "`" in value) else None
    if kind is None:
        return None
    prints_boolean = re.search(r"\bis\s+(?:not\s+)?null\b|\bexists\s*\(", value, re.IGNORECASE) is not None
    if unary is not None:
        empty = (unary.group("op") == "-z") == holds
        if isinstance(kind, TableNames) or (isinstance(kind, Flag) and not prints_boolean):
            return truth(kind, not empty)
        return UNKNOWN
    op, word = binary.group("op"), binary.group("value").lower()  # type: ignore[union-attr]
    if isinstance(kind, Count) and word.isdigit():
        return count_facts(kind.subject, _NUMERIC[op](), int(word), holds)
    if isinstance(kind, Flag) and prints_boolean and word in (*_TRUE_WORDS, *_FALSE_WORDS):
        equal = (op in ("=", "==", "-eq")) == holds
        return truth(kind, (word in _TRUE_WORDS) == equal)
    return UNKNOWN
