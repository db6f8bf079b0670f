"""What runner code does with Alembic, as facts: each stamp or upgrade it performs, the
values its revision argument may hold, and the tests on the way to it.

The readers (runners/python.py for Python, runners/shell.py for shell, runners/flow.py for what a
test says about the database) produce these; the runner rules read them; the cache
keeps them by each runner file's content, so a run in which no runner changed neither
reads the runners again nor imports their readers.
"""

from __future__ import annotations

from functools import reduce

from ..lazydataclass import dataclass, replace
from ..lazyre import pattern
from ..model import Span


@dataclass(frozen=True)
class DbFacts:
    """What a branch knows about the database: it holds tables, it has an
    `alembic_version` table (None: not known)."""

    tables: bool | None = None
    versioned: bool | None = None

    def both(self, other: DbFacts) -> DbFacts:
        """Both branches' facts hold (`a and b`); the first one wins a contradiction."""
        return DbFacts(
            self.tables if self.tables is not None else other.tables,
            self.versioned if self.versioned is not None else other.versioned,
        )

    def either(self, other: DbFacts) -> DbFacts:
        """One of them holds (`a or b`): only what they agree on."""
        return DbFacts(
            self.tables if self.tables == other.tables else None,
            self.versioned if self.versioned == other.versioned else None,
        )

    @property
    def known(self) -> bool:
        return self.tables is not None or self.versioned is not None


UNKNOWN = DbFacts()


# Words in a shell test that show it inspects what the database already holds (Python
# tests are read by data flow instead: runners/flow.py).
_TABLE_WORDS = ("table", "alembic_version", "information_schema", "get_table_names", "has_table")


# `== 0`, `< 1`, `<= 0`; in shell tests `-eq 0`, `-lt 1`, `= "0"`, `-z "$TABLES"`
_EMPTY = pattern(r"(==\s*0|<\s*1|<=\s*0|-eq\s+\"?0\"?|-lt\s+\"?1\"?|\s=\s*\"?0\"?|-z\s)(?![\d.])")


@dataclass(frozen=True)
class Condition:
    """One `if` test on the path to a statement; `holds` is False in its else branch."""

    text: str
    line: int
    holds: bool
    # What the test says about the database on this branch, followed through names
    # (runners/flow.py, runners/shell.py); None: read from the test's words (a shell test on
    # nothing that can be followed).
    facts: DbFacts | None = None

    @property
    def db(self) -> DbFacts:
        return self.facts if self.facts is not None else _word_facts(self.text, self.holds)

    @property
    def finds_empty(self) -> bool:
        """On this branch the database was found empty (the fresh-install path)."""
        return self.db.tables is False

    @property
    def finds_tables(self) -> bool:
        """On this branch the database holds tables, or has no alembic_version (the legacy case)."""
        return self.db.tables is True or self.db.versioned is False


@dataclass(frozen=True)
class Target:
    """One value a stamp's revision argument may hold, and where it is written."""

    value: str | None  # None: not a literal (computed)
    span: Span
    conditions: tuple[Condition, ...]  # those on the path of the assignment
    exact: bool = True  # the text at `span` is a literal of exactly `value` (a fix may replace it)
    source: str = ""  # the expression a symbolic value was read from (`script.get_current_head()`)


@dataclass(frozen=True)
class CallContext:
    """One way into the function that holds a stamp: the calls from the outermost caller
    in, and the tests on that way."""

    calls: tuple[tuple[Span, str], ...]  # (the call, the function it runs), outermost first
    conditions: tuple[Condition, ...]
    creates_before: bool  # the schema is created before one of these calls
    creates_after: bool  # ... or after one of them, before its caller returns
    upgraded_after: bool = False  # an upgrade (or a revision check that stops) follows one of these calls


@dataclass(frozen=True)
class StampSite:
    """An `alembic stamp` (or `upgrade`) that runner code performs."""

    path: str
    span: Span
    tool: str  # "alembic CLI" or "alembic.command"
    targets: tuple[Target, ...]
    conditions: tuple[Condition, ...]  # those on the path to the call itself
    # The schema is created (create_all, a dump) on its path before the stamp: the
    # fresh-database pattern; or after it, before the function returns (`created_after`).
    after_create_all: bool
    command: str = "stamp"  # or "upgrade"
    # What follows on the same path: an upgrade, or the line of a return/exit reached first
    # (0: the function simply ends there).
    upgraded_after: bool = True
    exits_at: int | None = None
    exits_program: bool = False  # what is reached at exits_at ends the program (sys.exit), not the function
    in_shell: bool = False  # a shell script's line: it has no function to end, it exits
    # The line of a test of the database's revision that follows and stops the program
    # when it is not what it should be (a loud stop, not a silent one).
    checked_at: int | None = None
    function: str = ""  # the function holding the stamp ("" at module level)
    callers: tuple[CallContext, ...] = ()  # the calls of this module that reach that function
    created_after: bool = False

    def path_to(self, target: Target, context: CallContext | None = None) -> tuple[Condition, ...]:
        """The tests on the way to the stamp and to the assignment of this value, each once."""
        path: list[Condition] = []
        outer = context.conditions if context is not None else ()
        for condition in (*outer, *self.conditions, *target.conditions):
            if condition not in path:
                path.append(condition)
        return tuple(path)

    def finds_empty(self, target: Target) -> bool:
        return any(c.finds_empty for c in self.path_to(target))

    def legacy_path(self, target: Target) -> tuple[Condition, CallContext | None] | None:
        """The test that put this stamp on a "tables but no alembic_version" path, and the
        calls that lead there when the stamp is in a helper; None when no path is legacy."""
        # A function this module calls is judged by its calls; one it never calls (an entry
        # point, a CLI command, a function other modules call) by its own tests.
        for context in self.callers or (None,):
            if self.after_create_all or (context is not None and context.creates_before):
                continue
            path = self.path_to(target, context)
            facts = reduce(DbFacts.both, (c.db for c in path), UNKNOWN)
            if facts.tables is False or facts.versioned is True:
                continue
            # Stamping, then creating the schema, is the fresh-install pattern too - unless the
            # database was found to hold tables, which create_all() leaves as they are.
            created_after = self.created_after or (context is not None and context.creates_after)
            if created_after and not facts.tables:
                continue
            if facts.tables or facts.versioned is False:
                # name the test that led here, rather than one whose early return did
                named = [c for c in path if c.finds_tables]
                condition = next((c for c in named if c.holds), named[0])
                own = condition in self.conditions or condition in target.conditions
                # the test as the path knows it: `elif no version` after `if empty:` has tables too
                condition = replace(condition, facts=facts)
                return condition, None if own else context  # the calls matter when the test is theirs
        return None

    def legacy_condition(self, target: Target) -> Condition | None:
        found = self.legacy_path(target)
        return found[0] if found else None


def _word_facts(text: str, holds: bool) -> DbFacts:
    """A shell test, read from its words: `[ "$TABLES" -eq 0 ]`."""
    lowered = text.lower()
    if not any(word in lowered for word in _TABLE_WORDS):
        return UNKNOWN
    empty = _tests_empty(text)
    if holds and empty:
        return DbFacts(tables=False)
    # Only a test for emptiness that holds says "empty": the else of `count < 30` is
    # "30 or more", not "none".
    return DbFacts(tables=True) if (not empty) == holds else UNKNOWN


def _tests_empty(text: str) -> bool:
    """A test that the database is empty: `== 0`, `< 1`, `not tables` (not `not has_alembic_version`)."""
    if _EMPTY.search(text):
        return True
    stripped = text.strip()
    return stripped.startswith("not ") and "alembic_version" not in stripped and " and " not in stripped
