"""Which unsafe-looking statements are safe in their function: read in order, with the Python around them.

miglint.sql judges one statement alone. Here the statements an entry point runs
(and its `op.*` calls on named objects) are read in order, the module functions it
calls inlined where they are called, and a statement is taken as safe to run twice
(in every place it is reached) when:

- Python guards it (facts/pyguards.py): an `if` that looks the object up first, an
  early `return` after such a lookup, a `try` that swallows the database error,
  an `except IndexError:` after an empty lookup;
- an earlier statement frees its name: `DROP x` (with or without IF EXISTS) or
  `RENAME x TO ...` before `CREATE x` / `ADD CONSTRAINT x` / `ADD COLUMN x`, a DROP only
  for an object of its own kind (`DROP VIEW IF EXISTS v` fails on a second run where
  `CREATE MATERIALIZED VIEW v` made v);
- it drops (or renames away) an object that an earlier statement made (a temporary
  helper table or function, a type renamed to `*_old` and dropped), or that a later
  statement makes again (a drop and re-create pair runs again as a whole);
- it makes an object that a later statement drops again (a temporary object);
- it renames x to y where x was made earlier, or where x is made again (or, a table,
  written to: made by a helper not read here) and y dropped later (the enum swap
  `RENAME TO x_old; CREATE x; ...; DROP x_old`);
- it writes to (adds an index, a constraint, a column, a partition or rows to) a table that is
  new on every run that reaches it: dropped earlier, made TEMPORARY earlier, or made
  earlier by `op.create_table` without `if_not_exists` (a second run stops at that
  call). A raw `CREATE TABLE` does not count: `--fix` adds IF NOT EXISTS to it, and
  what follows would then run twice; unless a later statement drops the table again (a
  temporary helper, whose CREATE is not reported and not fixed: each run makes it anew);
- it inserts into a table that an earlier `DELETE FROM t` (with any WHERE: the
  usual "replace these rows" pattern) or `TRUNCATE t` emptied;
- it moves rows: `INSERT INTO archive SELECT ... FROM t WHERE c`, and a later `DELETE FROM
  t WHERE c` (the same table, unaliased, and the same condition) deletes every row it read:
  a second run finds none to copy (airflow's pickled XCom rows).

An INSERT that stays unsafe here is told which tables were emptied before it
(`emptied_before`): a DELETE of a parent table empties the child through an
ON DELETE CASCADE foreign key, which only the whole history shows (MG204 asks).

"Earlier" means on the same Python path or an enclosing one (a path that is a prefix of
the statement's: _History), so that it always ran before; "later" likewise always runs
after. Names are
compared without schema and case: two objects that differ only by schema are taken
as one, which can only make miglint report less.
"""

from __future__ import annotations

import ast
import bisect
import itertools
import re
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence

from ..facts.pyguards import contexts_by_line, function_contexts, lacking_rows, walk_statements
from ..lazydataclass import dataclass, field
from ..lazyre import pattern
from .source import _SCOPES, ENTRY_POINTS, _bindings, _entry_functions, _ModuleFacts, _Reader, call_name

Key = tuple[str, ...]
# the rules of statements that fail when their object is missing (a drop, a rename): safe
# on an object a loop over a lookup's rows found in the database
_ACTS_ON_EXISTING = frozenset({"MG203", "MG206"})


@dataclass(frozen=True)
class Step:
    """One statement of a function, in the function's order."""

    code: str | None
    kind: str
    target: str
    guarded: bool
    function: str
    entry: str
    line: int  # the execute call (or op call) that runs it
    table: str = ""
    renamed_to: str = ""
    selection: str = ""  # the rows an INSERT ... SELECT reads or a DELETE deletes (Statement.selection)


@dataclass
class _Event:
    line: int
    order: int
    index: int  # into the caller's steps; -1 for an op call
    step: Step
    path: tuple[int, ...] = ()
    python_guarded: bool = False
    python_existing: bool = False  # in a loop over a lookup's rows (pyguards.Context.existing)
    python_lacking: frozenset[str] = frozenset()  # pyguards.Context.lacking
    made: list[Key] = field(default_factory=list)
    removed: list[Key] = field(default_factory=list)
    written: str = ""  # the table whose rows or parts it changes
    emptied: str = ""  # DELETE / TRUNCATE
    new_table: str = ""  # a table this step makes that can hold nothing yet on any run
    # a table a raw CREATE TABLE without IF NOT EXISTS makes: new on each run when a later
    # statement drops it again (a temporary helper, which MG201 leaves alone: no fix touches it)
    bare_table: str = ""


def worth_reading(text: str, steps: Sequence[Step]) -> bool:
    """Whether settle() could find anything, told from the text and the SQL alone.

    Building the syntax tree costs more than reading the SQL of a typical revision;
    most files with an unsafe statement have neither an `if`/`try` nor a second
    statement (or op call) on the same name, and are answered here without it. What
    the other statements of an entry point make, remove, empty or create is counted
    once (asking each pair cost a file of 2,000 statements 8 s), and the quoted
    strings of the text are gathered once.
    """
    if _BRANCHES.search(text):
        return True
    if any(s.kind == "INSERT" for s in steps) and _LOOP.search(text) and lacking_rows(text):
        return True  # a loop over rows a table has none for (pyguards.Context.lacking)
    if any(s.code and not s.guarded and "{" in s.target for s in steps) and "op." in text:
        return True  # an object named by a variable, which an op call may name too (_literal_argument)
    events = [_event(index, step, index) for index, step in enumerate(steps)]
    counts: dict[str, _Tally] = {}
    for event in events:
        if event.step.entry:
            counts.setdefault(event.step.entry, _Tally()).add(event)
    quoted: set[str] | None = None
    for event in events:
        if not event.step.code or event.step.guarded:
            continue
        if event.step.entry and _related(counts[event.step.entry], event):
            return True
        names = {key[-1] for key in [*event.made, *event.removed]} | ({event.written} - {""})
        if quoted is None:
            lowered = text.lower()
            quoted = {m.group(2) for m in _QUOTED.finditer(lowered)}
        if any(name in quoted for name in names):
            return True  # an op call may name it
    # `op.create_table(f"{TABLE}_new")`: a name the SQL reader fills in too (asked last: it
    # searches the whole text)
    return "op." in text and _FIELDS_ARGUMENT.search(text) is not None


# a quoted run of the text: `'users'` in the text <=> "users" among them (names hold no quote)
_QUOTED = pattern(r"""(['"])(?=([^'"\n]*)\1)""")
_BRANCHES = pattern(r"^[ \t]+(?:if|elif|try|except|while)\b", re.MULTILINE)
# an argument written as an f-string with a `{name}` field (not the SQL of an execute())
_FIELDS_ARGUMENT = pattern(r"""(?:(?<!execute)(?<!text)\(|[,=])\s*[fF]['"][^'"\n{]*\{[^\W\d]\w*\}""")
_LOOP = pattern(r"^[ \t]+(?:async[ \t]+)?for\b", re.MULTILINE)


def _related(tally: _Tally, event: _Event) -> bool:
    """Whether another event of those `tally` counts (its entry point's, `event` among them)
    could make `event` safe, wherever it stands (see _History.settled)."""
    own_made, own_removed = set(event.made), set(event.removed)
    if any(tally.removed[key] - (key in own_removed) > 0 for key in own_made):
        return True
    if any(tally.made[key] - (key in own_made) > 0 for key in own_removed):
        return True
    table = event.written
    if not table:
        return False
    emptying = tally.events - tally.emptied[""]  # the events that empty some table
    if event.step.kind == "INSERT" and emptying - (event.emptied != "") > 0:
        return True  # any table: a foreign key may cascade the DELETE to this one (MG204)
    relation = ("table", table)
    return (
        tally.removed[relation] - (relation in own_removed) > 0
        or tally.new_tables[table] - (event.new_table == table) > 0
        or tally.bare_tables[table] - (event.bare_table == table) > 0
        or tally.emptied[table] - (event.emptied == table) > 0
    )


@dataclass
class Settled:
    safe: set[int] = field(default_factory=set)  # indexes of steps safe where they stand
    # an unsafe INSERT's index -> the tables emptied before it in every place it is reached
    emptied_before: dict[int, tuple[str, ...]] = field(default_factory=dict)


def settle(
    tree: ast.Module, steps: Sequence[Step], text: str, entries: Collection[str] | None = None
) -> Settled:
    """Which `steps` are unsafe alone but safe where they stand (in every place an entry
    point reaches them); `entries`: only those of these entry points (None: all)."""
    if not any(s.code and not s.guarded for s in steps):
        return Settled()
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    lines = text.splitlines()
    placed: dict[tuple[str, str], list[tuple[int, Step]]] = {}
    for index, step in enumerate(steps):
        placed.setdefault((step.entry, step.function), []).append((index, step))
    verdicts: dict[int, bool] = {}
    emptied: dict[int, frozenset[str]] = {}
    for entry in sorted({s.entry for s in steps if entries is None or s.entry in entries}):
        if entry not in functions:
            continue
        inliner = _Inliner(tree, functions, placed, entry, lines)
        events = _joined(inliner.run(), inliner.arms)
        history = _History(events)
        for event in events:
            if event.index >= 0 and event.step.code and not event.step.guarded:
                safe = (
                    event.python_guarded
                    # a drop or rename of what a loop over a lookup's rows found there
                    or (event.python_existing and event.step.code in _ACTS_ON_EXISTING)
                    # an INSERT into a table the loop's rows have no row in (NOT EXISTS)
                    or (event.step.kind == "INSERT" and _last(event.step.target) in event.python_lacking)
                    or history.settled(event)
                )
                here = history.emptied_before(event) if event.step.kind == "INSERT" else frozenset()
                if len(here) > _MOST_EMPTIED:
                    safe = True  # too many to keep (see _MOST_EMPTIED): one of them may cascade to it
                verdicts[event.index] = verdicts.get(event.index, True) and safe
                if event.step.kind == "INSERT" and len(here) <= _MOST_EMPTIED:
                    emptied[event.index] = emptied[event.index] & here if event.index in emptied else here
            history.passed(event)
    safe_here = {index for index, settled in verdicts.items() if settled}
    return Settled(
        safe_here,
        {
            index: tuple(sorted(tables))
            for index, tables in emptied.items()
            if tables and index not in safe_here
        },
    )


def _joined(
    events: list[_Event], arms: Sequence[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]]
) -> list[_Event]:
    """The events, with one more after each if/else whose two branches both make (or drop,
    or empty) the same object: on the if's own path, so that what follows it knows the
    object made whichever branch ran (letta creates a table under `if sqlite:` and again
    under `else:`, then inserts into it). Reported never (index -1). Innermost first: an
    if/else inside a branch counts for that branch. Linear in the events: each branch's
    own events are found by path once (3,000 if/else statements took 23 s scanning them all
    for each)."""
    if not arms:
        return events
    branches = {branch for _, both in arms for branch in both}
    # a branch -> what the events on its own path make, remove, make new, make bare, empty
    own: dict[tuple[int, ...], tuple[set[Hashable], ...]] = {}
    last: dict[tuple[int, ...], int] = {}  # a branch -> its last event, on its path or deeper
    for index, event in enumerate(events):
        if event.path in branches:
            _gather(own, event.path, event)
        for length in range(len(event.path) + 1):
            if event.path[:length] in branches:
                last[event.path[:length]] = index
    after: dict[int, list[_Event]] = {}  # an event's index -> the joined events that follow it
    for at, both in sorted(arms, key=lambda arm: -len(arm[0])):
        # on the branch's own path: what a loop, a try or an inner `if` in it does may not run
        # (an inner if/else both of whose branches do it has its event on this path, above)
        if not all(branch in own for branch in both):
            continue
        shared = [sorted(set.intersection(*(own[b][k] for b in both)), key=repr) for k in range(5)]
        made, removed, new_tables, bare_tables, emptied = shared
        if not any(shared):
            continue
        end = max(last[branch] for branch in both)  # after the whole if/else
        anchor = events[end]
        step = Step(None, "", "", False, anchor.step.function, anchor.step.entry, anchor.line)
        count = max(len(new_tables), len(bare_tables), len(emptied), 1)
        joined = [_Event(anchor.line, anchor.order, -1, step, at) for _ in range(count)]
        joined[0].made, joined[0].removed = list(made), list(removed)  # type: ignore[arg-type]
        for event, table in zip(joined, new_tables):
            event.new_table = str(table)
        for event, table in zip(joined, bare_tables):
            event.bare_table = str(table)
        for event, table in zip(joined, emptied):
            event.emptied = str(table)
        after.setdefault(end, []).extend(joined)
        if at in branches:  # the if/else sits in a branch of an outer one: its own event there
            for event in joined:
                _gather(own, at, event)
    if not after:
        return events
    out: list[_Event] = []
    for index, event in enumerate(events):
        out.append(event)
        out.extend(after.get(index, ()))
    return out


def _gather(
    own: dict[tuple[int, ...], tuple[set[Hashable], ...]], path: tuple[int, ...], event: _Event
) -> None:
    """Add what the event makes, removes, makes new (a CREATE's, or a joined event's: a DROP
    leaves a table "new" for what writes to it, which is not made), makes bare and empties."""
    sets = own.setdefault(path, (set(), set(), set(), set(), set()))
    sets[0].update(event.made)
    sets[1].update(event.removed)
    if event.new_table and (event.step.kind.startswith("CREATE") or not event.step.kind):
        sets[2].add(event.new_table)
    if event.bare_table:
        sets[3].add(event.bare_table)
    if event.emptied:
        sets[4].add(event.emptied)


_CALLED = pattern(r"\b([^\W\d]\w*)\s*\(")


class _Inliner:
    """The entry point's statements in the order they run: each call of a module function
    is replaced by that function's statements, under the call's path and guard."""

    def __init__(
        self,
        tree: ast.Module,
        functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
        placed: dict[tuple[str, str], list[tuple[int, Step]]],
        entry: str,
        lines: Sequence[str],
    ) -> None:
        self.tree, self.functions, self.placed, self.entry = tree, functions, placed, entry
        self.lines = lines
        self.may_lack: bool | None = None  # pyguards.function_contexts: worked out when first asked
        # (path, the paths of its two branches) of each if/else read, on the events' paths
        self.arms: list[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]] = []
        self.known: set[str] | None = None  # the names whose calls are read
        self.branches = itertools.count(1)
        self.events: list[_Event] = []
        # the module's bindings, what it declares, its lines as the SQL reader has them: when asked
        self.module: tuple[dict[str, list[ast.expr]], _ModuleFacts, list[str]] | None = None

    def calls(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, nested: Iterable[str]
    ) -> list[ast.Call]:
        """Calls of op functions, of module functions and of the `nested` ones: only
        statements on lines that mention one are walked (walking every node costs more
        than the rest together)."""
        if self.known is None:
            self.known = {*_OPS, *self.functions}
        # every name called on the line, looked up in a set: one alternation of thousands of
        # function names was tried at every offset of every line (3,000 helpers: seconds)
        known = self.known | set(nested) if nested else self.known
        first, last = function.lineno, function.end_lineno or function.lineno
        lines = [
            n
            for n in range(first, last + 1)
            # a line without a parenthesis calls nothing (most of a data migration's SQL text)
            if "(" in self.lines[n - 1] and any(name in known for name in _CALLED.findall(self.lines[n - 1]))
        ]
        found: list[ast.Call] = []
        stack: list[ast.AST] = [function]
        while stack:
            node = stack.pop()
            start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
            if start is not None and end is not None:
                at = bisect.bisect_left(lines, start)
                if at == len(lines) or lines[at] > end:
                    continue
            if isinstance(node, ast.Call):
                found.append(node)
                if _is_op_call(node):
                    continue  # its arguments are column and type definitions
            stack.extend(ast.iter_child_nodes(node))
        return found

    def namer(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Callable[[ast.expr], str | None]:
        """What an op call's argument that is not a literal names, as the SQL reader puts it
        in the SQL (sql/source.py): a name or an f-string's `{name}` bound once to one
        string, its value; another name, `{name}` (as SqlSource.shown writes it); an
        f-string with any other field, None (not read)."""
        reader: list[_Reader] = []

        def named(node: ast.expr) -> str | None:
            if not reader:
                if self.module is None:
                    statements = [s for s in self.tree.body if not isinstance(s, _SCOPES)]
                    lines = [f"{line}\n" for line in self.lines]  # as the SQL reader splits them
                    self.module = (_bindings(statements), _ModuleFacts(statements, lines), lines)
                bindings, facts, lines = self.module
                reader.append(_Reader(lines, bindings, function, facts))
            if isinstance(node, ast.Name):
                value = reader[0].constant_text(node.id)
                return "{" + node.id + "}" if value is None else value
            resolved = reader[0].resolve(node)
            if resolved is None or len(resolved) != 1 or "__miglint_p" in resolved[0][0]:
                return None
            return resolved[0][0]

        return named

    def run(self) -> list[_Event]:
        self.inline(self.functions[self.entry], (), False, [self.entry])
        # Alembic's multidb template: upgrade() runs `globals()["upgrade_%s" % engine_name]()`,
        # one engine's function per database: each read after the entry's own body, on a path
        # of its own (what one engine did is not there for the next: funnel's upgrade_geoname())
        engines = _entry_functions(self.functions, self.entry, self.lines)[
            1:
        ]  # as the SQL reader reaches them
        for index, name in enumerate(engines):
            self.inline(self.functions[name], (-1 - index,), False, [self.entry, name])
        return self.events

    def inline(
        self,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        path: tuple[int, ...],
        guarded: bool,
        stack: list[str],
        owner: str | None = None,
        call: ast.Call | None = None,
        existing: bool = False,
        lacking: frozenset[str] = frozenset(),
    ) -> None:
        """`owner`: the module function whose steps these are, for a function nested in it;
        `call`: the call that runs it (pyguards.true_parameters)."""
        owner = owner or function.name
        nested = {
            node.name: node
            for node in walk_statements(function)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not function
        }
        spans = [(node.lineno, node.end_lineno or node.lineno) for node in nested.values()]
        first, last = function.lineno, function.end_lineno or function.lineno

        def own(line: int) -> bool:  # in this function, not in one nested in it
            return first <= line <= last and not any(low <= line <= high for low, high in spans)

        if self.may_lack is None:
            self.may_lack = lacking_rows("".join(self.lines))
        arms: list[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]] = []
        contexts = contexts_by_line(
            function_contexts(function, self.tree, self.branches, call, self.may_lack, arms)
        )
        self.arms += [(path + at, tuple(path + branch for branch in both)) for at, both in arms]
        items: list[tuple[int, int, int, Step | tuple[str, str, ast.Call]]] = []  # (line, kind, order, what)
        for index, step in self.placed.get((self.entry, owner), []):
            if own(step.line):
                items.append((step.line, 1, index, step))
        calls = [node for node in self.calls(function, nested) if own(node.lineno)]
        for order, step in enumerate(_op_steps(calls, self.entry, self.namer(function))):
            items.append((step.line, 1, -1 - order, step))
        for node in calls:
            if not isinstance(node.func, ast.Name) or node.func.id in stack:
                continue
            name = node.func.id
            if name in nested:  # a function defined inside this one: its steps are the owner's
                items.append((node.lineno, 0, node.col_offset, (name, owner, node)))
            elif name in self.functions and name not in ENTRY_POINTS:
                items.append((node.lineno, 0, node.col_offset, (name, "", node)))
        items.sort(key=lambda item: item[:3])
        for line, _, index, what in items:
            context = contexts.get(line)
            inner = path + context.path if context is not None else path
            inner_guarded = guarded or (context is not None and context.guarded)
            inner_existing = existing or (context is not None and context.existing)
            inner_lacking = lacking | context.lacking if context is not None else lacking
            if isinstance(what, tuple):
                name, nested_owner, called = what
                callee = nested[name] if nested_owner else self.functions[name]
                self.inline(
                    callee,
                    inner,
                    inner_guarded,
                    [*stack, name],
                    nested_owner or None,
                    called,
                    inner_existing,
                    inner_lacking,
                )
                continue
            event = _event(index if index >= 0 else -1, what, len(self.events))
            event.path, event.python_guarded = inner, inner_guarded
            event.python_existing = inner_existing
            event.python_lacking = inner_lacking
            self.events.append(event)


# An unsafe INSERT keeps the tables emptied before it (MG204 asks whether one cascades to
# its table). Past this many, the list would make a file of thousands of DELETE and INSERT
# pairs quadratic in size; such an INSERT is taken as safe, which can only report less.
_MOST_EMPTIED = 64


class _Tally:
    """What some events make, remove, empty and create: each counted once per event."""

    def __init__(self) -> None:
        self.events = 0
        self.made: Counter[Key] = Counter()
        self.removed: Counter[Key] = Counter()
        self.emptied: Counter[str] = Counter()  # "" for each event that empties nothing
        self.new_tables: Counter[str] = Counter()
        self.bare_tables: Counter[str] = Counter()
        self.written: Counter[str] = Counter()  # "" for each event that writes to no table

    def add(self, event: _Event) -> None:
        self.events += 1
        self.made.update(set(event.made))
        self.removed.update(set(event.removed))
        self.emptied[event.emptied] += 1
        self.written[event.written] += 1
        if event.new_table:
            self.new_tables[event.new_table] += 1
        if event.bare_table:
            self.bare_tables[event.bare_table] += 1


class _History:
    """The events of one entry point in order, told by path: an event always runs before a
    later one when its path is a prefix of the later one's. Each
    event asks of the tallies of its path's prefixes, before it (the events passed) and
    after it (all of them less those and itself), rather than of every other event: a
    file of 4,000 statements on the same names cost 18 s that way."""

    def __init__(self, events: Sequence[_Event]) -> None:
        self.total: dict[tuple[int, ...], _Tally] = {}
        self.before: dict[tuple[int, ...], _Tally] = {}
        # the tables emptied on each path so far, shared by every INSERT that asks
        self.emptied: dict[tuple[int, ...], frozenset[str]] = {}
        for event in events:
            self.total.setdefault(event.path, _Tally()).add(event)

    def passed(self, event: _Event) -> None:
        self.before.setdefault(event.path, _Tally()).add(event)
        emptied = self.emptied.get(event.path, frozenset())
        if event.emptied and event.emptied not in emptied:
            self.emptied[event.path] = emptied | {event.emptied}

    def _prefixes(self, event: _Event) -> list[tuple[int, ...]]:
        return [event.path[:length] for length in range(len(event.path) + 1)]

    def _before(self, event: _Event, field: str, key: Hashable) -> bool:
        return any(getattr(self.before[p], field)[key] > 0 for p in self._prefixes(event) if p in self.before)

    def _after(self, event: _Event, field: str, key: Key) -> bool:
        own = key in (event.made if field == "made" else event.removed)
        for p in self._prefixes(event):
            if p not in self.total:
                continue
            passed = getattr(self.before[p], field)[key] if p in self.before else 0
            if getattr(self.total[p], field)[key] - passed - (own and p == event.path) > 0:
                return True
        return False

    def emptied_before(self, event: _Event) -> frozenset[str]:
        return frozenset().union(*(self.emptied[p] for p in self._prefixes(event) if p in self.emptied))

    def settled(self, event: _Event) -> bool:
        """Whether the events around `event` make it safe where it stands."""
        written = event.written
        if written and (
            self._before(event, "removed", ("table", written))
            # an index on a materialized view dropped earlier and made again (TaxHub)
            or self._before(event, "removed", ("matview", written))
            or self._before(event, "new_tables", written)
        ):
            return True
        if (
            written
            and event.bare_table != written
            and self._before(event, "bare_tables", written)
            and self._after(event, "removed", ("table", written))
        ):
            return True  # a helper table made bare earlier and dropped later: new on each run (tracim)
        if event.step.kind == "INSERT" and self._before(event, "emptied", written):
            return True
        if event.made and not event.removed:
            return any(
                self._after(event, "removed", k)
                # a table dropped before the INSERT reads it is one made again since: its rows are new
                or (k[0] != "rows of" and self._before(event, "removed", k))
                for k in event.made
            )
        if event.removed and not event.made:
            return any(self._before(event, "made", k) or self._after(event, "made", k) for k in event.removed)
        if event.removed and event.made:  # a rename
            old, new = event.removed[0], event.made[0]
            # the old name made again later - or written to later (a helper miglint does not
            # follow made it again: pycds's create_history_table) - and the new one dropped
            again = self._after(event, "made", old) or (
                old[0] == "table" and self._written_after(event, old[1])
            )
            return self._before(event, "made", old) or (again and self._after(event, "removed", new))
        return False

    def _written_after(self, event: _Event, table: str) -> bool:
        for p in self._prefixes(event):
            if p not in self.total:
                continue
            passed = self.before[p].written[table] if p in self.before else 0
            if self.total[p].written[table] - passed - (event.written == table and p == event.path) > 0:
                return True
        return False


def _event(index: int, step: Step, order: int) -> _Event:
    event = _Event(step.line, order, index, step)
    kind, target = step.kind, step.target
    verb, _, noun = kind.partition(" ")
    if verb in ("CREATE", "DROP") and noun in _NOUNS:
        key = (_NOUNS[noun], _last(target.split(" ON ")[0]))
        (event.made if verb == "CREATE" else event.removed).append(key)
        if verb == "DROP" and key[0] == "table":
            # its rows go with it: an INSERT ... SELECT that read them moved them (ctms-api)
            event.removed.append(("rows of", key[1]))
        event.written = _last(step.table) if step.table else ""
        if noun == "TEMPORARY TABLE" or (index < 0 and noun == "TABLE" and not step.guarded):
            event.new_table = key[1]
        elif noun == "TABLE" and verb == "CREATE" and not step.guarded:
            event.bare_table = key[1]
    elif kind in _TABLE_PARTS:
        space = "column" if "COLUMN" in kind else "constraint"
        parts = target.split(".")
        if len(parts) >= 2:
            table, name = _last(parts[-2]), _last(parts[-1])
            event.written = table
            if " ADD " in kind:
                event.made.append((space, table, name))
            else:
                event.removed.append((space, table, name))
                if kind == "ALTER TABLE DROP CONSTRAINT" and name.endswith(_INDEX_BACKED):
                    # a primary key or unique constraint takes its index with it, and
                    # PostgreSQL names both `<table>_pkey` / `<table>_<columns>_key`
                    # (QCFractal: drop `user_session_pkey`, CREATE UNIQUE INDEX of that name,
                    # ADD CONSTRAINT ... PRIMARY KEY USING INDEX it)
                    event.removed.append(("index", name))
                if " RENAME " in kind and step.renamed_to:
                    event.made.append((space, table, _last(step.renamed_to)))
        else:  # an unnamed constraint: only its table is known
            event.written = _last(target)
    elif kind in _RENAMED:
        # ALTER TABLE renames a view, a materialized view or a sequence too: its first key is
        # the table's, and the others free the name for whichever kind is made again
        kinds = _RENAMED[kind]
        event.removed.extend((space, _last(target)) for space in kinds)
        if step.renamed_to:
            event.made.extend((space, _last(step.renamed_to)) for space in kinds)
    elif kind == "INSERT":
        event.written = _last(target)
        if step.selection:  # rows moved: a DELETE of the same rows on its path makes it a move
            event.made.append(("rows", step.selection))
            # or a DROP of the table it read them from: a second run finds no such table
            event.made.append(("rows of", step.selection.split("|", 1)[0]))
    elif kind in ("DELETE", "TRUNCATE"):
        event.emptied = _last(target)
        if step.selection:
            event.removed.append(("rows", step.selection))
    return event


# A DROP frees a name for a CREATE of the same kind only: on a second run `DROP VIEW IF EXISTS v`
# fails where v is now a materialized view ("v" is not a view), as DROP TABLE does on a view.
_NOUNS = {
    "TABLE": "table", "FOREIGN TABLE": "foreign table", "TEMPORARY TABLE": "table", "VIEW": "view",
    "MATERIALIZED VIEW": "matview", "SEQUENCE": "sequence", "INDEX": "index", "UNIQUE INDEX": "index",
    "TYPE": "type", "DOMAIN": "type", "FUNCTION": "func", "PROCEDURE": "func",
    "TRIGGER": "trigger", "CONSTRAINT TRIGGER": "trigger", "SCHEMA": "schema", "EXTENSION": "extension",
}  # fmt: skip
_TABLE_PARTS = frozenset({
    "ALTER TABLE ADD CONSTRAINT", "ALTER TABLE DROP CONSTRAINT", "ALTER TABLE ADD COLUMN",
    "ALTER TABLE DROP COLUMN", "ALTER TABLE RENAME COLUMN", "ALTER TABLE RENAME CONSTRAINT",
})  # fmt: skip
_RENAMED = {
    "ALTER TABLE RENAME": ("table", "view", "matview", "sequence", "foreign table"),
    "ALTER INDEX RENAME": ("index",), "ALTER SEQUENCE RENAME": ("sequence",), "ALTER VIEW RENAME": ("view",),
    "ALTER MATERIALIZED VIEW RENAME": ("matview",), "ALTER TYPE RENAME": ("type",),
}  # fmt: skip


# the names PostgreSQL gives the index behind a primary key or unique constraint
_INDEX_BACKED = ("_pkey", "_key")


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip().strip('"`[]').lower()


# op.<call>(...) -> the SQL kind it amounts to, and where its object's name and its table
# are: (position, keyword); position -1: none.
_NAME, _TABLE, _NEW = "name", "table", "new"
_OPS: dict[str, tuple[str, dict[str, tuple[int, str]]]] = {
    "create_table": ("CREATE TABLE", {_NAME: (0, "table_name")}),
    "drop_table": ("DROP TABLE", {_NAME: (0, "table_name")}),
    "create_index": ("CREATE INDEX", {_NAME: (0, "index_name"), _TABLE: (1, "table_name")}),
    "drop_index": ("DROP INDEX", {_NAME: (0, "index_name")}),
    "create_unique_constraint": ("ALTER TABLE ADD CONSTRAINT", {_NAME: (0, "constraint_name"), _TABLE: (1, "table_name")}),
    "create_check_constraint": ("ALTER TABLE ADD CONSTRAINT", {_NAME: (0, "constraint_name"), _TABLE: (1, "table_name")}),
    "create_primary_key": ("ALTER TABLE ADD CONSTRAINT", {_NAME: (0, "constraint_name"), _TABLE: (1, "table_name")}),
    "create_foreign_key": ("ALTER TABLE ADD CONSTRAINT", {_NAME: (0, "constraint_name"), _TABLE: (1, "source_table")}),
    "drop_constraint": ("ALTER TABLE DROP CONSTRAINT", {_NAME: (0, "constraint_name"), _TABLE: (1, "table_name")}),
    "drop_column": ("ALTER TABLE DROP COLUMN", {_NAME: (1, "column_name"), _TABLE: (0, "table_name")}),
    "add_column": ("ALTER TABLE ADD COLUMN", {_NAME: (1, "column"), _TABLE: (0, "table_name")}),
    "rename_table": ("ALTER TABLE RENAME", {_NAME: (0, "old_table_name"), _NEW: (1, "new_table_name")}),
}  # fmt: skip


def _is_op_call(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "op"
        and node.func.attr in _OPS
    )


def _op_steps(
    calls: Sequence[ast.Call], entry: str, named: Callable[[ast.expr], str | None] | None = None
) -> Iterator[Step]:
    """op calls that name their objects with literals (or as `named` reads a name or an
    f-string), as steps no rule reports here."""
    for node in calls:
        if not _is_op_call(node):
            continue
        assert isinstance(node.func, ast.Attribute)
        kind, places = _OPS[node.func.attr]
        found = {role: _literal_argument(node, *place, named) for role, place in places.items()}
        unnamed = _is_none(_argument(node, *places[_NAME]))
        if node.func.attr == "create_primary_key" and unnamed and found[_TABLE]:
            found[_NAME] = f"{found[_TABLE]}_pkey"  # no name: PostgreSQL's own, as Alembic emits none
        if None in found.values():
            continue
        name, table, new = found.get(_NAME) or "", found.get(_TABLE) or "", found.get(_NEW) or ""
        guarded = any(k.arg in ("if_not_exists", "if_exists") for k in node.keywords)
        target = f"{table}.{name}" if kind in _TABLE_PARTS else name
        on = table if kind == "CREATE INDEX" else ""
        yield Step(None, kind, target, guarded, "", entry, node.lineno, table=on, renamed_to=new)


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    value: ast.expr | None = call.args[position] if position < len(call.args) else None
    for argument in call.keywords:
        if argument.arg == keyword:
            value = argument.value
    return value


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _literal_argument(
    call: ast.Call, position: int, keyword: str, named: Callable[[ast.expr], str | None] | None = None
) -> str | None:
    value = _argument(call, position, keyword)
    if isinstance(value, ast.Call) and value.args and call_name(value.func) == "Column":
        value = value.args[0]  # op.add_column("t", sa.Column("c", ...))
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if named is not None and isinstance(value, (ast.Name, ast.JoinedStr)):
        # `op.create_table(TABLE)` / `(f"{TABLE}_new")`, then `f"INSERT INTO {TABLE}_new ..."`:
        # named as the SQL reader fills in the f-string (cognee's SQLite rebuild)
        return named(value)
    if isinstance(value, ast.Name):
        # `op.create_table(table, ...)`, then `f"INSERT INTO {table} ..."`: the SQL's steps
        # name it as the f-string shows it (sql/facts.py)
        return "{" + value.id + "}"
    return None
