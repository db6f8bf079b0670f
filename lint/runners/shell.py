"""Stamps in shell-like runner files: entrypoints, Dockerfiles, compose files, Makefiles.

Line based, like the files themselves: `if ...; then` / `elif` / `else` / `fi`
nesting gives each command its conditions, and `alembic [options] stamp|upgrade X`
gives the site. The result has the same shape as Python runners' (runner.StampSite),
so the same rules read both.

A stamp's revision written as `$REV` or `${REV}` is followed to the assignments of REV
before it in the script, as the Python reader follows names: `REV=abc123` gives abc123, with
the tests on the way to the assignment; anything else (`REV=$(find ...)`, a variable the
script never assigns, `${REV:-x}`, `$(cmd)`) is a revision computed at run time, which
miglint cannot name. What follows a stamp is read along its path: a branch of the same `if`
is not on it, nor the branch of `if ! alembic stamp ...; then` taken when the stamp fails.

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

from ..lazydataclass import dataclass
from ..lazyre import pattern
from ..model import Span
from .facts import UNKNOWN, Condition, DbFacts, StampSite, Target
from .flow import Count, Flag, TableNames, count_facts, sql_kind, truth
from .python import FLASK_CLI, command_index

_IF = pattern(r"^\s*(?:if|elif)\s+(?P<test>.+?)\s*;?\s*(?:then)?\s*$")
_ELSE = pattern(r"^\s*else\b")
_FI = pattern(r"^\s*fi\b")
# `alembic ... stamp|upgrade REV`, and Flask-Migrate's `flask [--app x] db stamp|upgrade [REV]`
_ALEMBIC = pattern(r"\b(?:alembic|flask|manage\.py)\b[^\n;&|]*\b(?:stamp|upgrade)\b[^\n;&|]*")
_UPGRADE = pattern(r"\balembic\b.*\bupgrade\b|\b(?:flask|manage\.py)\b.*\bdb\s+upgrade\b")
_EXIT = pattern(r"^\s*(?:exit|return)\b")
_ASSIGN = pattern(r"^\s*(?:export\s+|local\s+|readonly\s+)?(?P<name>[A-Za-z_]\w*)=(?P<value>.+)$")
_EXPANSION = pattern(r"\$\{(?P<braced>[A-Za-z_]\w*)\}|\$(?P<bare>[A-Za-z_]\w*)")
_OTHER_BINDING = pattern(r"^\s*(?:for\s+(?P<loop>[A-Za-z_]\w*)\s+in\b|read\b(?P<read>[^;&|]*))")
_SINGLE_LINE_IF = pattern(r"^\s*if\b.*[;\s]fi\s*;?\s*$")
_ONE_LINE_IF = pattern(r"^\s*if\s+(?P<test>.+?)\s*;\s*then\b(?P<body>.*?)[;\s]fi\s*;?\s*$")
_ONE_LINE_ELSE = pattern(r"[;\s]else\b")
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
    found: list[tuple[int, str, tuple[Target, ...], bool, int, tuple[Condition, ...], str]] = []
    lines = text.splitlines()
    assigned: dict[str, str] = {}  # variable -> the text last assigned to it
    # variable -> what each assignment that may reach here gives it (the value None: not a literal)
    bindings: dict[str, list[_Binding]] = {}

    def negated(conditions: list[Condition]) -> list[Condition]:
        return [_condition(c.text, c.line, False, assigned) for c in conditions]

    for number, line in enumerate(lines, 1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        assignment = _ASSIGN.match(line)
        if assignment:
            assigned[assignment.group("name")] = assignment.group("value")
        here = tuple(c for f in frames for c in f)
        for name, binding in _bindings(code, number, here):
            # an assignment on every path through this one replaces those before it
            bindings[name] = [b for b in bindings.get(name, []) if b.conditions[: len(here)] != here] + [
                binding
            ]
        if _FI.match(code):
            if frames:
                frames.pop()
            continue
        if _ELSE.match(code):
            if frames:
                frames[-1] = negated(frames[-1])
            continue
        # `if TEST; then A; [else B;] fi` on one line: its frame closes with the line
        single = _ONE_LINE_IF.match(code)
        opened = single or _IF.match(code)
        otherwise = None  # where the one-line `else` starts
        if opened:
            test = _condition(opened.group("test"), number, True, assigned)
            if code.lstrip().startswith("elif") and frames:
                frames[-1] = [*negated(frames[-1]), test]
            else:
                frames.append([test])
            if single:
                found_else = _ONE_LINE_ELSE.search(code, single.start("body"), single.end("body"))
                otherwise = found_else.start() if found_else else None
        for match in _ALEMBIC.finditer(code):
            try:
                words: list[str | None] = list(shlex.split(match.group(0)))
            except ValueError:
                continue
            site = command_index(words)
            if site is None:
                continue
            command, index, tool = site
            value = words[index] if index < len(words) else None
            after_command = match.group(0).find(command) + len(command)
            column = match.start() + (match.group(0).find(value, after_command) if value else 0)
            conditions = tuple(c for f in frames for c in f)
            if otherwise is not None and match.start() > otherwise:
                conditions = (*(c for f in frames[:-1] for c in f), *negated(frames[-1]))
            span = Span(number, column, number, column + len(value)) if value else None
            targets = _targets(value, span, bindings, conditions) if value and span else ()
            if value is None and tool == FLASK_CLI and command == "stamp":
                # `flask db stamp` stamps head when not told a revision (Flask-Migrate's default)
                at = Span(number, match.start(), number, match.end())
                targets = (Target("head", at, (), exact=False),)
            in_test = opened is not None and opened.start("test") <= match.start() < opened.end("test")
            on_failure = in_test and opened.group("test").lstrip().startswith("!")  # type: ignore[union-attr]
            found.append((number, command, targets, on_failure, match.start(), conditions, tool))
        if single and frames:
            frames.pop()
    sites = []
    for number, command, targets, on_failure, start, conditions, tool in found:
        upgraded, exits_at = _what_follows(lines, number, on_failure) if command == "stamp" else (True, None)
        sites.append(
            StampSite(
                path=path,
                span=Span.point(number, start),
                tool=tool,
                targets=targets,
                conditions=conditions,
                after_create_all=False,
                command=command,
                upgraded_after=upgraded,
                exits_at=exits_at,
                in_shell=True,
            )
        )
    return tuple(sites)


@dataclass(frozen=True)
class _Binding:
    """One assignment of a variable: its literal value (None: computed), where, and the tests on the way."""

    value: str | None
    span: Span
    conditions: tuple[Condition, ...]


def _bindings(code: str, number: int, conditions: tuple[Condition, ...]) -> list[tuple[str, _Binding]]:
    """What this line assigns: `REV=abc`, `export REV="abc"`; `read REV` and `for REV in`
    assign what miglint cannot name."""
    assignment = _ASSIGN.match(code)
    if assignment:
        start = assignment.start("value")
        raw = re.match(r"\"[^\"]*\"|'[^']*'|[^\s;&|]+", assignment.group("value"))
        end = start + (raw.end() if raw else 0)
        return [
            (
                assignment.group("name"),
                _Binding(_literal(assignment.group("value")), Span(number, start, number, end), conditions),
            )
        ]
    other = _OTHER_BINDING.match(code)
    if other is None:
        return []
    names = (
        [other.group("loop")]
        if other.group("loop")
        else re.findall(r"(?<![-\w$])[A-Za-z_]\w*", other.group("read") or "")
    )
    return [(name, _Binding(None, Span.point(number), conditions)) for name in names]


def _literal(value: str) -> str | None:
    """The one word an assignment's text gives when nothing in it is expanded; None otherwise."""
    try:
        lexer = shlex.shlex(value, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        words = []
        for word in lexer:
            if word and set(word) <= set(";&|"):
                break
            words.append(word)
    except ValueError:
        return None
    if len(words) != 1 or not words[0] or "$" in words[0] or "`" in words[0]:
        return None  # `A=1 cmd`, `A=$(...)`, `A="$B"`, `A=""`
    return words[0]


def _targets(
    word: str, span: Span, bindings: dict[str, list[_Binding]], conditions: tuple[Condition, ...]
) -> tuple[Target, ...]:
    """The values a stamp's revision word may hold: itself, or what `$REV` / `${REV}` was assigned."""
    if "$" not in word and "`" not in word:
        return (Target(word, span, (), exact=True),)
    whole = _EXPANSION.fullmatch(word)
    name = (whole.group("braced") or whole.group("bare")) if whole else None
    if name is None or not bindings.get(name):
        return (Target(None, span, ()),)  # `$(cmd)`, `${REV:-x}`, `v$N`, or set outside the script
    # the last assignment on every path to the stamp hides those before it
    reaching = bindings[name]
    for index in range(len(reaching) - 1, -1, -1):
        if conditions[: len(reaching[index].conditions)] == reaching[index].conditions:
            reaching = reaching[index:]
            break
    # rewriting an assignment would change every use of the variable: never fixed in place
    return tuple(
        Target(b.value, b.span, b.conditions, exact=False)
        if b.value is not None
        else Target(None, span, b.conditions)
        for b in reaching
    )


def _what_follows(lines: list[str], after: int, on_failure: bool = False) -> tuple[bool, int | None]:
    """Whether an upgrade follows the stamp on its path, or the line of the exit reached first
    (0: the script ends). Branches of an `if` the path does not take are skipped: the other
    branches of the `if` that holds the stamp, and the then-branch of `if ! alembic stamp ...`."""
    level = 0  # the `if`s opened since the stamp and still open (below 0: enclosing ones closed)
    # `if ! alembic stamp ...; then`: its then-branch is where the stamp failed
    skip_below: int | None = 0 if on_failure else None  # skipping until `fi` closes this level
    own_open = on_failure  # the stamp's own `if ! ...` is still open: its other branches are on the path
    for number in range(after + 1, len(lines) + 1):
        code = lines[number - 1].split("#", 1)[0]
        opened = _IF.match(code)
        elif_or_else = _ELSE.match(code) or (opened is not None and code.lstrip().startswith("elif"))
        if _FI.match(code):
            level -= 1
            if skip_below is not None and level < skip_below:
                skip_below = None
            if level < 0:
                own_open = False
            continue
        if elif_or_else:
            if own_open and level == 0:
                skip_below = None  # the stamp succeeded: its `else`/`elif` is where the path goes
            elif skip_below is None and level <= 0:
                skip_below = level  # a branch of an `if` the stamp's branch belongs to
        elif opened and not _SINGLE_LINE_IF.match(code):
            level += 1
            if skip_below is not None:
                continue
        if skip_below is not None:
            continue
        if _UPGRADE.search(code):
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
