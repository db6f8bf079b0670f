"""Where a statement of a migration function sits in its Python control flow.

For each simple statement of a function: the branches that lead to it (its `path`)
and whether Python code around it makes it safe to run twice (`guarded`):

- an enclosing `if` (or `elif`/`else` of it) or `while` whose test asks the database
  or the inspector first: the test, with each name in it followed to the values
  assigned to it in the function or the module (and each module function it calls to
  what that returns), mentions a catalog (`pg_type`, `pg_class`,
  `pg_constraint`, `pg_indexes`, `information_schema`, `sqlite_master`, ...), an
  inspector or helper lookup (`has_table`, `get_columns`, `get_indexes`,
  `..._exists`, ...), or reads a query's result (`.first()`, `.fetchone()`,
  `.scalar()`, `.one_or_none()`, a `SELECT`);
- an earlier `if <such a test>: return` (or `continue`, `raise`) in the same block;
- a `try` whose handler catches a database error (`ProgrammingError`,
  `IntegrityError`, `DuplicateObject`, ..., `Exception`, a bare `except`) and does
  not raise again: a failure does not stop the upgrade;
- an `except IndexError` / `NoResultFound` / `StopIteration` / `KeyError` handler
  whose `try` reads a query's result: it runs only when the lookup found nothing.

Apart from `guarded`, a statement in the body of a `for` over such a lookup's rows is
marked `existing`: what it drops or renames is what the database holds when it runs
(sql/guards.py takes that as safe for a drop or a rename only, not for a create).

An `if <parameter>:` whose parameter is True on this call (its default is True and the
call passes nothing else for it, or passes True) is no branch: its body is on the path
of the `if` (`def step_4(upgrade=True): if upgrade: ...` called as `step_4()`).

Paths let sql/guards.py tell whether an earlier statement always runs before a later
one: it does when its path is a prefix of the later one's (same branch or an outer one).
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Union

from ..lazydataclass import dataclass
from ..lazyre import pattern

_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

# Read in what ast.dump() writes of a test and of the values its names hold (_summary).
_LOOKUP = pattern(
    r"pg_(?:type|class|constraint|indexes|index|namespace|proc|trigger|enum|catalog|tables|views"
    r"|matviews|extension|attribute|sequences|attrdef|roles|user)\b"
    r"|information_schema|sqlite_master|sys\.(?:tables|columns|indexes|objects)"
    r"|'(?:has_\w+|get_(?:table_names|columns|indexes|unique_constraints|foreign_keys"
    r"|check_constraints|pk_constraint|view_names|sequence_names|enums|schema_names|table_options))'"
    r"|'\w*exists?\w*'|'\w*_exist\w*'"
    r"|'(?:first|fetchone|fetchall|fetchmany|scalar|scalars|scalar_one|scalar_one_or_none|one_or_none|one|all)'"
    r"|value='(?:\s|\\[nt])*(?i:select|with)\b"
    r"|'select'",
)
_EMPTY_RESULT = frozenset({"IndexError", "NoResultFound", "StopIteration", "KeyError", "TypeError"})
_DATABASE_ERRORS = frozenset({
    "Exception", "BaseException", "ProgrammingError", "IntegrityError", "OperationalError",
    "DatabaseError", "DBAPIError", "SQLAlchemyError", "InternalError", "DuplicateObject",
    "DuplicateTable", "DuplicateColumn", "DuplicateDatabase", "DuplicateSchema", "DuplicateFunction",
    "UniqueViolation", "UndefinedTable", "UndefinedColumn", "UndefinedObject", "UndefinedFunction",
    "InvalidSchemaName", "NoSuchTableError", "Error",
})  # fmt: skip
_EXITS = (ast.Return, ast.Continue, ast.Raise)
# the name of a function that asks the database whether something is there
_LOOKUP_NAME = pattern(r"(?i)(?:^|_)(?:has|exists?)(?:_|$)|_exists?$|^exists?_")
# a query whose rows a table has none for (see Context.lacking): `NOT EXISTS (SELECT ... FROM
# t`, `LEFT JOIN t ... IS NULL`, `EXCEPT SELECT ... FROM t`, searched in the lower-cased text
# one at a time, each led by its literal (which the engine finds at C speed: the three as one
# case-insensitive pattern, each behind a word boundary, were tried at every offset and cost
# 230 us a file of fides'); lacking_tables() takes them in the order one pattern would
_LACKING = (
    pattern(r"(?s)not\s+exists\s*\(\s*select\b[^()]*?\bfrom\s+([\w.\"]+)"),
    pattern(r"(?s)left\s+(?:outer\s+)?join\s+([\w.\"]+)[^;]*?\bis\s+null\b"),
    pattern(r"(?s)except\s+select\b[^()]*?\bfrom\s+([\w.\"]+)"),
)
_WORD_CHARACTER = pattern(r"\w")


@dataclass(frozen=True)
class Context:
    """A simple statement's lines, the branches leading to it, and whether a lookup guards it."""

    first: int
    last: int
    path: tuple[int, ...]
    guarded: bool
    # in the body of a loop over what a lookup found (`for column in
    # inspector.get_columns(t):`): an object it acts on exists when it runs
    existing: bool = False
    # in the body of a loop over rows its query keeps only where a table has none for them
    # (`SELECT ... WHERE NOT EXISTS (SELECT 1 FROM roles ...)`): what it inserts there is
    # new on every run (the tables, bare and lower-case)
    lacking: frozenset[str] = frozenset()


def function_contexts(
    function: _Function,
    module: ast.Module,
    branches: Iterator[int] | None = None,
    call: ast.Call | None = None,
    may_lack: bool = True,
    arms: list[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]] | None = None,
) -> list[Context]:
    """The contexts of every simple statement in the function, outermost first.

    `branches` numbers the branches: share one between the functions of a module so
    that paths of different functions never look alike. `call`: the call that runs
    the function, for its parameters that are True (see the module docstring).
    `may_lack`: False when no query of the file can keep rows a table lacks
    (`lacking_rows` of its text): no loop's query is then read for Context.lacking, which
    follows each loop's names through their values (a fifth of fides' guard reading).
    `arms`: given a list, each `if` with an `else` is added to it as (its path, the paths of
    its two branches): what both do has been done on its own path after it (sql/guards.py).
    """
    # what the function's tests read is the same on every call of it (the inliner reads a
    # helper once per call site): its readers share the answers
    reader = _Reader(
        lambda: _assignments(module.body, function),
        branches or itertools.count(1),
        _function_memo(module, function),
    )
    reader.may_lack = may_lack
    reader.arms = arms
    reader.true = true_parameters(function, call) if call is not None else frozenset()
    reader.helpers = _module_functions(module)
    reader.function = function
    reader.block(function.body, (), False)
    return reader.found


# The module last asked about, its functions by name, and what was learnt of each function's
# tests: every function of a module asks (once per function, the table was quadratic: 3,000
# helpers took seconds)
_last_module: list[object] = [None, {}, {}]


class _FunctionMemo:
    """_Reader's answers for one function of the module: the same whichever call runs it."""

    __slots__ = ("looked", "mentions")

    def __init__(self) -> None:
        self.looked: dict[int, bool] = {}
        self.mentions: dict[tuple[int, int], bool] = {}


def _module_functions(module: ast.Module) -> dict[str, _Function]:
    if _last_module[0] is not module:
        _last_module[:] = [
            module,
            {n.name: n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))},
            {},
        ]
    return _last_module[1]  # type: ignore[return-value]


def _function_memo(module: ast.Module, function: _Function) -> _FunctionMemo:
    _module_functions(module)
    memos: dict[int, _FunctionMemo] = _last_module[2]  # type: ignore[assignment]
    # by id(): the module holds the function, and the module is held here
    memo = memos.get(id(function))
    if memo is None:
        memo = memos[id(function)] = _FunctionMemo()
    return memo


def contexts_by_line(contexts: Sequence[Context]) -> dict[int, Context]:
    """The innermost simple statement spanning each line, for a caller that asks of many
    lines (a scan of the contexts per question made a function of 4,000 calls cost 2.4 s).
    The contexts are simple statements and `if` tests, which do not nest: their lines add
    up to the function's."""
    found: dict[int, Context] = {}
    for context in contexts:
        for line in range(context.first, context.last + 1):
            best = found.get(line)
            if best is None or context.first >= best.first:
                found[line] = context
    return found


class _Reader:
    def __init__(
        self, assigned: Callable[[], dict[str, list[ast.expr]]], branches: Iterator[int], memo: _FunctionMemo
    ) -> None:
        self.read_assigned = assigned  # read on the first test: most functions have none
        self._assigned: dict[str, list[ast.expr]] | None = None
        self.helpers: dict[str, _Function] = {}  # module functions a test may call
        self.function: _Function | None = None  # the one read: not its own helper
        self.found: list[Context] = []
        self.branches = branches
        self._looked = memo.looked  # by id(): a test is read where it stands and again after it
        self._mentions = memo.mentions  # mentions_lookup by (id(node), depth)
        self.true: frozenset[str] = frozenset()  # parameters that are True on this call
        self.over_lookups = 0  # the loops over a lookup's rows around the statement read now
        self.lacking: frozenset[str] = frozenset()  # Context.lacking of the loops around it
        self.may_lack = True  # see function_contexts
        self.same_tests: dict[tuple[object, ...], tuple[int, ...]] = {}  # _same_test -> the first body's path
        self._stores: dict[str, int] | None = None  # how often the function binds each name
        self.arms: list[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]] | None = None

    def branch(self, path: tuple[int, ...]) -> tuple[int, ...]:
        return (*path, next(self.branches))

    def block(self, body: Sequence[ast.stmt], path: tuple[int, ...], guarded: bool) -> None:
        for statement in body:
            self.statement(statement, path, guarded)
            if (
                isinstance(statement, ast.If)
                and statement.body
                and isinstance(statement.body[-1], _EXITS)
                and self.looks_up(statement.test)
            ):
                guarded = True  # `if exists: return` - what follows runs only when it does not

    def statement(self, node: ast.stmt, path: tuple[int, ...], guarded: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(node, ast.If):
            inner = guarded or self.looks_up(node.test)
            self.found.append(Context(node.lineno, node.test.end_lineno or node.lineno, path, guarded))
            taken = isinstance(node.test, ast.Name) and node.test.id in self.true
            same = self._same_test(node.test, path)
            if taken:
                body = path
            elif same in self.same_tests:
                body = self.same_tests[same]  # an earlier `if` of this block with the same test
            else:
                body = self.branch(path)
            if same is not None:
                self.same_tests.setdefault(same, body)
            self.block(node.body, body, inner)
            orelse = self.branch(path)
            self.block(node.orelse, orelse, inner)
            if self.arms is not None and node.orelse and not taken:
                self.arms.append((path, (body, orelse)))
        elif isinstance(node, ast.While):  # `while <rows left>:` runs only while the lookup finds work
            self.found.append(Context(node.lineno, node.test.end_lineno or node.lineno, path, guarded))
            self.block(node.body, self.branch(path), guarded or self.looks_up(node.test))
            self.block(node.orelse, self.branch(path), guarded)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            over = int(self.looks_up(node.iter))
            self.over_lookups += over
            around = self.lacking
            self.lacking = around | self.lacked(node.iter) if self.may_lack else around
            self.block(node.body, self.branch(path), guarded)
            self.lacking = around
            self.over_lookups -= over
            self.block(node.orelse, self.branch(path), guarded)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            self.block(node.body, path, guarded)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            handlers: list[ast.ExceptHandler] = getattr(node, "handlers", [])
            swallows = any(
                set(_caught(handler)) & _DATABASE_ERRORS and not _raises(handler.body) for handler in handlers
            )
            reads = any(self.looks_up(s) for s in getattr(node, "body", []))
            self.block(getattr(node, "body", []), self.branch(path), guarded or swallows)
            for handler in handlers:
                empty = reads and bool(set(_caught(handler)) & _EMPTY_RESULT)
                self.block(handler.body, self.branch(path), guarded or empty)
            self.block(getattr(node, "orelse", []), self.branch(path), guarded)
            self.block(getattr(node, "finalbody", []), path, guarded)
        else:
            self.found.append(
                Context(
                    node.lineno,
                    node.end_lineno or node.lineno,
                    path,
                    guarded,
                    self.over_lookups > 0,
                    self.lacking,
                )
            )

    def _same_test(self, test: ast.expr, path: tuple[int, ...]) -> tuple[object, ...] | None:
        """A key shared by the `if` tests of one block that hold the same value on every run:
        the same expression of names the function binds at most once, constants, `not`,
        `and`/`or` and comparisons (letta: `is_sqlite = ... == "sqlite"`, then `if is_sqlite:`
        creates a table and a later `if is_sqlite:` fills it). Their bodies share a path: what
        the first did, the second finds done. None for any other test (a call may answer
        differently the second time: `if not has_table(...)`)."""
        if self.function is None:
            return None
        names = []
        for inner in _nodes(test):
            if isinstance(inner, ast.Name):
                names.append(inner.id)
            elif not isinstance(inner, _PURE):
                return None
        if self._stores is None:
            self._stores = _stored_counts(self.function)
        if any(self._stores.get(name, 0) > 1 for name in names):
            return None
        return (path, ast.dump(test))

    def looks_up(self, node: ast.AST) -> bool:
        found = self._looked.get(id(node))
        if found is None:
            found = self._looked[id(node)] = self.mentions_lookup(node, 0)
        return found

    def lacked(self, node: ast.AST, depth: int = 0) -> frozenset[str]:
        """The tables a loop's rows have no row in, by its query's `NOT EXISTS (SELECT ...
        FROM t ...)`, `LEFT JOIN t ... IS NULL` or `EXCEPT SELECT ... FROM t`, read in the
        node or in the values its names hold (three assignments deep)."""
        _, names = _summary(node)
        # the strings themselves (ast.dump-like text escapes their line breaks)
        text = " ".join(
            n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        )
        found = frozenset(name.rsplit(".", 1)[-1].strip('"') for name in lacking_tables(text))
        if found or depth >= 3 or not names:
            return found
        if self._assigned is None:
            self._assigned = self.read_assigned()
        values = [value for name in sorted(names) for value in self._assigned.get(name, ())]
        return frozenset().union(*(self.lacked(value, depth + 1) for value in values))

    def mentions_lookup(self, node: ast.AST, depth: int) -> bool:
        """Whether _LOOKUP finds a lookup in the node, or in the values its names hold
        (three assignments deep). The node's own text is searched first: a test that
        names the inspector needs none of its names followed. Once per node and depth: the
        loops of a function over one list, the tests of one flag, follow the same values
        (fides: a quarter of its guard reading was the same values read again)."""
        key = (id(node), depth)
        found = self._mentions.get(key)
        if found is None:
            found = self._mentions[key] = self._mentions_lookup(node, depth)
        return found

    def _mentions_lookup(self, node: ast.AST, depth: int) -> bool:
        text, names = _summary(node)
        if _LOOKUP.search(text) is not None:
            return True
        if any(
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id not in self.helpers
            and _LOOKUP_NAME.search(call.func.id) is not None
            for call in _nodes(node)
        ):
            # an imported helper named for what it asks (`table_has_column(...)` from a
            # module beside env.py: iris-web): its body is not here to read
            return True
        if depth >= 3:
            return False
        if self._assigned is None:
            self._assigned = self.read_assigned()
        values = [value for name in sorted(names) for value in self._assigned.get(name, ())]
        for name in sorted(names & self.helpers.keys()):  # a helper's answer is what it returns
            helper = self.helpers[name]
            if helper is self.function:
                continue
            returned = [n.value for n in walk_statements(helper) if isinstance(n, ast.Return) and n.value]
            values.extend(returned)
            # and what the names it returns hold there (onyx: `row = conn.execute(...pg_index...)
            # .one_or_none()`, then `return row[0] if row is not None else None`)
            local = _assignments((), helper)
            values.extend(
                value
                for found in returned
                for used in sorted(_summary(found)[1])
                for value in local.get(used, ())
            )
        return any(self.mentions_lookup(value, depth + 1) for value in values)


# the nodes of a test whose value a run cannot change between two reads (with names bound once)
_PURE = (
    ast.Name, ast.Constant, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Not, ast.And, ast.Or, ast.Eq, ast.NotEq,
    ast.Is, ast.IsNot, ast.In, ast.NotIn, ast.Load, ast.Tuple,
)  # fmt: skip


def _stored_counts(function: _Function) -> dict[str, int]:
    """How many times the function binds each name (a parameter counts once)."""
    counts: dict[str, int] = {}
    for node in _nodes(function):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            counts[node.id] = counts.get(node.id, 0) + 1
        elif isinstance(node, ast.arg):
            counts[node.arg] = counts.get(node.arg, 0) + 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                counts[name] = 2  # bound elsewhere too
    return counts


def lacking_rows(text: str) -> bool:
    """Whether the text holds a query whose rows a table has none for (Context.lacking)."""
    lowered = text.lower()
    return any(_lacking_match(query, lowered, 0) is not None for query in _LACKING)


def lacking_tables(text: str) -> list[str]:
    """The tables (lower-cased, as written) of each such query in the text, in order. As one
    pattern's finditer would: the earliest match wins (the three never start at one offset),
    and the next is searched for after its end."""
    lowered = text.lower()
    found: list[str] = []
    at = 0
    while True:
        matches = [m for m in (_lacking_match(query, lowered, at) for query in _LACKING) if m is not None]
        if not matches:
            return found
        first = min(matches, key=lambda m: m.start())
        found.append(first.group(1))
        at = first.end()


def _lacking_match(query: re.Pattern[str], lowered: str, at: int) -> re.Match[str] | None:
    """The first match of `query` from `at` that starts a word (the `\\b` left out of it)."""
    while True:
        match = query.search(lowered, at)
        if match is None or not match.start() or not _WORD_CHARACTER.match(lowered, match.start() - 1):
            return match
        at = match.start() + 1


def _summary(node: ast.AST) -> tuple[str, set[str]]:
    """What _LOOKUP reads of ast.dump(node) - every string and bytes value, a field's as
    `field='value'` and a list's items quoted, as ast.dump writes them - and the names the
    node reads, in one walk: ast.dump and ast.walk each cost several times more."""
    parts: list[str] = []
    names: set[str] = set()
    todo = [node]
    while todo:
        current = todo.pop()
        if type(current) is ast.Name:
            names.add(current.id)
        for field in current._fields:
            value = getattr(current, field, None)
            if isinstance(value, ast.AST):
                todo.append(value)
            elif type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        todo.append(item)
                    elif isinstance(item, str):
                        parts.append(repr(item))
            elif isinstance(value, (str, bytes)):
                parts.append(f"{field}={value!r}")
    return " ".join(parts), names


def true_parameters(function: _Function, call: ast.Call) -> frozenset[str]:
    """The function's parameters that are True when `call` runs it, and that its body
    never assigns: given a literal True, or left to a default of True."""
    return frozenset(name for name, value in flag_parameters(function, call).items() if value)


def flag_parameters(
    function: _Function, call: ast.Call, constants: Mapping[str, bool] | None = None
) -> dict[str, bool]:
    """The function's parameters that are True or False when `call` runs it, and that its
    body never assigns: given a literal, left to a literal default, or given a name that
    `constants` says the caller bound to one."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return {}  # *args / **kwargs: what they hold is not known
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: dict[str, ast.expr | None] = dict.fromkeys(a.arg for a in positional)
    defaults.update(
        zip([a.arg for a in positional][len(positional) - len(arguments.defaults) :], arguments.defaults)
    )
    defaults.update((a.arg, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults))
    given: dict[str, ast.expr | None] = dict(defaults)
    given.update(zip([a.arg for a in positional], call.args))
    given.update((k.arg, k.value) for k in call.keywords if k.arg in given)
    assigned = _assigned_names(function)
    found = {}
    for name, value in given.items():
        if name in assigned:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, bool):
            found[name] = value.value
        elif constants and isinstance(value, ast.Name) and value.id in constants:
            found[name] = constants[value.id]
    return found


def _assigned_names(function: _Function) -> frozenset[str]:
    """The names the function's body binds or deletes; kept on the node, since a helper
    called from many places is asked once per call."""
    found: frozenset[str] | None = function.__dict__.get("_miglint_assigned")
    if found is None:
        found = frozenset(
            n.id
            for n in _nodes(function)
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))
        )
        function.__dict__["_miglint_assigned"] = found
    return found


def _raises(body: Sequence[ast.stmt]) -> bool:
    """Whether a handler passes the error on: a `raise` anywhere in it, but for one only
    under an `if` on the error's message that names the second run's failure (zuul: `if
    "does not exist" not in str(err): raise`: that error is swallowed, any other raised)."""
    for statement in body:
        if isinstance(statement, ast.If):
            matching = _on_existence(statement.test)  # the branch that runs on that message
            if matching is not None and not _raises_in(matching(statement)):
                # the second run's error takes the branch that does not raise; only the
                # other raises (the error's message differs)
                continue
        if _raises_in([statement]):
            return True
    return False


def _raises_in(body: Sequence[ast.stmt]) -> bool:
    return any(isinstance(node, ast.Raise) for statement in body for node in walk_statements(statement))


def _on_existence(test: ast.expr) -> Callable[[ast.If], list[ast.stmt]] | None:
    """For an `if` that tests the error's message for the database's "already exists",
    "does not exist" or "duplicate" (one literal, `in` / `not in`): which branch that
    message takes (the body for `in`, the else for `not in`); None for any other test."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    literal = test.left
    if not (
        isinstance(literal, ast.Constant)
        and isinstance(literal.value, str)
        and any(word in literal.value.lower() for word in ("exist", "duplicate"))
    ):
        return None
    if isinstance(test.ops[0], ast.In):
        return lambda node: node.body
    if isinstance(test.ops[0], ast.NotIn):
        return lambda node: node.orelse
    return None


_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, *((ast.match_case,) if hasattr(ast, "match_case") else ()))


def walk_statements(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk(node)`, in its order, without the expressions: the statements (and the
    except handlers and match cases holding them) below `node`, node first.

    An expression never holds a statement, so the statements come in the order
    ast.walk gives them; skipping the expressions' nodes makes it several times cheaper.
    """
    todo = [node]
    at = 0
    while at < len(todo):
        current = todo[at]
        at += 1
        yield current
        for name in current._fields:
            value = getattr(current, name, None)
            if type(value) is list:
                todo.extend(item for item in value if isinstance(item, _HOLDS_STATEMENTS))


def _nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node`, node first, in no particular order: for the questions whose
    answer does not depend on it (is there a call, how often is a name bound). ast.walk's
    generators of generators cost about twice as much per node."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, ast.AST):
                todo.append(value)
            elif type(value) is list:
                todo.extend(item for item in value if isinstance(item, ast.AST))


def _caught(handler: ast.ExceptHandler) -> list[str]:
    if handler.type is None:
        return ["BaseException"]
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = []
    for kind in kinds:
        if isinstance(kind, ast.Name):
            names.append(kind.id)
        elif isinstance(kind, ast.Attribute):
            names.append(kind.attr)
    return names


def _assignments(module: Sequence[ast.stmt], function: _Function) -> dict[str, list[ast.expr]]:
    """Values assigned to simple names in the function, then at module level (for constants).

    Only statements are visited, not the expressions inside them: an assignment is one.
    """
    found: dict[str, list[ast.expr]] = {}
    for statement in [*_statements(function.body), *module]:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        for target in targets:
            for name in ast.walk(target):  # `a, b = ...` gives both the whole value
                if isinstance(name, ast.Name) and value is not None:
                    found.setdefault(name.id, []).append(value)
    for name, test in _collected(function.body):
        found.setdefault(name, []).append(test)
    return found


_COLLECTING = frozenset({"append", "add", "extend", "insert", "update"})


def _collected(body: Sequence[ast.stmt], tests: tuple[ast.expr, ...] = ()) -> Iterator[tuple[str, ast.expr]]:
    """(name, test) for each `name.append(...)` (add, extend...) statement and each `if` test
    around it: a list filled only where a test holds holds what the test found, so that
    `if not found: return` reads the lookups that fill it (securedrop's `needs_migration`)."""
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, ast.If):
            yield from _collected(statement.body, (*tests, statement.test))
            yield from _collected(statement.orelse, tests)
            continue
        call = statement.value if isinstance(statement, ast.Expr) else None
        if (
            tests
            and isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in _COLLECTING
            and isinstance(call.func.value, ast.Name)
        ):
            for test in tests:
                yield call.func.value.id, test
        for field in ("body", "orelse", "finalbody"):
            yield from _collected(getattr(statement, field, []), tests)
        for handler in getattr(statement, "handlers", []):
            yield from _collected(handler.body, tests)


def _statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in a body and the blocks nested in it, not in nested functions."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(statement, field, []))
        for handler in getattr(statement, "handlers", []):
            yield from _statements(handler.body)
