"""What a runner's `if` test knows about the database, followed through names.

A runner decides between a fresh install and a legacy database with tests such as
`if n > 0 and not versioned:`, where `n` and `versioned` were assigned from queries
a few lines (or a helper function) earlier. This module classifies each expression
by what it queries, never by how it is spelled:

- a count of the tables (`SELECT count(*) FROM information_schema.tables`, `len(...)`),
- the list of table names (`inspector.get_table_names()`, a catalog query),
- whether one table exists (`has_table("x")`, `to_regclass('x')`, `'x' in tables`),
- the database's current revision (`get_current_revision()`, `SELECT version_num FROM
  alembic_version`),

through assignments (the function's, then the enclosing ones', then the module's),
`.scalar()` / `.first()` / `[0]` / `await`, `is None`, `not`, `len`, comparisons,
`in`, and functions of the same module whose return value is such a query. Following
is bounded (depth and a memo per name and per function), so a chain of a thousand
helpers costs a thousand steps, never a recursion-limit crash.

A value that cannot be followed (a parameter, a function imported from elsewhere)
is read from its name as a last resort: `table_count`, `has_alembic_version`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from typing import Union

from ..lazydataclass import dataclass
from ..lazyre import pattern
from .facts import UNKNOWN, DbFacts

_MAX_DEPTH = 12
# Result methods that hand on what their receiver queried.
_PASS_THROUGH = frozenset(
    {"scalar", "scalar_one", "scalar_one_or_none", "first", "one", "one_or_none", "fetchone",
     "fetchall", "all", "scalars", "keys"}
)  # fmt: skip
# Methods that run the SQL they are given.
_QUERY_METHODS = frozenset(
    {"execute", "exec_driver_sql", "scalar", "scalars", "fetchval", "fetchrow", "fetch", "fetch_one",
     "fetch_val", "fetch_all", "query", "execute_fetchall"}
)  # fmt: skip
_SAME_VALUE_CALLS = frozenset({"bool", "set", "list", "frozenset", "sorted", "tuple", "int"})
_CATALOG = pattern(
    r"information_schema\s*\.\s*tables|\bpg_tables\b|\bpg_class\b|\bsqlite_master\b|\bsqlite_schema\b"
    r"|\bshow\s+tables\b|\ball_tables\b|\buser_tables\b|\bsys\s*\.\s*tables\b|\bpg_stat_user_tables\b"
)
_ONE_TABLE = pattern(r"\b(?:table_name|relname|tablename|name)\s*=\s*'(?P<name>[^']+)'")
_REGCLASS = pattern(r"to_regclass\s*\(\s*'(?:[\w\"]+\.)?\"?(?P<name>[\w]+)\"?'")
_VERSION_ROW = pattern(r"\bfrom\s+(?:[\w\"]+\.)?alembic_version\b")
# A named parameter: `:name` (not a `::cast`), or `%(name)s`.
_BIND = pattern(r"(?<![:\w]):(?P<colon>[A-Za-z_]\w*)|%\((?P<percent>[A-Za-z_]\w*)\)s")


@dataclass(frozen=True)
class Count:
    """A number of tables (`subject` "tables"), or of alembic_version tables ("versioned")."""

    subject: str


@dataclass(frozen=True)
class TableNames:
    """The names of the database's tables."""


@dataclass(frozen=True)
class Flag:
    """A value whose truth says something: `has_table(...)`, a `to_regclass` result."""

    when_true: DbFacts
    when_false: DbFacts


@dataclass(frozen=True)
class Revision:
    """The database's current revision: None (or no row) when it has no alembic_version."""


Kind = Union[Count, TableNames, Flag, Revision, None]


def sql_kind(sql: str) -> Count | TableNames | Flag | Revision | None:
    """What running this SQL returns, as far as the database's state goes."""
    lowered = " ".join(sql.lower().split())
    regclass = _REGCLASS.search(lowered)
    if regclass:
        return _one_table(regclass.group("name"))
    if _VERSION_ROW.search(lowered):
        return Revision()
    if not _CATALOG.search(lowered):
        return None
    one = _ONE_TABLE.search(lowered)
    named = one.group("name") if one else None
    versioned = named == "alembic_version" or (named is None and "alembic_version" in lowered)
    if "count(" in lowered.replace(" (", "("):
        return (
            Count("versioned" if versioned else "tables") if named is None or versioned else _one_table(named)
        )
    if versioned:
        return Flag(DbFacts(versioned=True), DbFacts(versioned=False))
    if named is not None:
        return _one_table(named)
    if re.search(r"\bexists\s*\(", lowered):
        return Flag(DbFacts(tables=True), DbFacts(tables=False))
    return TableNames()


def _one_table(name: str) -> Flag:
    if name == "alembic_version":
        return Flag(DbFacts(versioned=True), DbFacts(versioned=False))
    return Flag(DbFacts(tables=True), UNKNOWN)  # one table missing says nothing of the others


def word_kind(identifier: str) -> Count | TableNames | Flag | None:
    """The last resort for a value that cannot be followed: what its name says."""
    lowered = identifier.lower()
    if any(w in lowered for w in ("alembic_version", "versioned", "version_table")):
        return Flag(DbFacts(versioned=True), DbFacts(versioned=False))
    if "table" in lowered:
        if any(w in lowered for w in ("count", "num", "number")) or lowered.startswith("n_"):
            return Count("tables")
        if lowered.startswith(("has_", "have_", "any_")) or "exist" in lowered:
            # `has_tables`: none when false; `table_exists`: that one table is missing, no more
            return Flag(DbFacts(tables=True), DbFacts(tables=False) if "tables" in lowered else UNKNOWN)
        if any(w in lowered for w in ("tables", "table_names", "table_list")):
            return TableNames()
    if "empty" in lowered and any(w in lowered for w in ("db", "database", "schema")):
        return Flag(DbFacts(tables=False), DbFacts(tables=True))
    return None


@dataclass
class FunctionInfo:
    """One function of the runner: its assignments (all of them), returns and enclosing scopes."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str
    parent: FunctionInfo | None  # the enclosing function, for closures
    owner: str | None  # the enclosing class's name, for self.method()
    _collected: tuple[dict[str, list[ast.expr]], list[ast.expr]] | None = None

    def _collect(self) -> tuple[dict[str, list[ast.expr]], list[ast.expr]]:
        # only the functions a test leads to are read this way: collected on first use
        if self._collected is None:
            self._collected = collect_assignments(self.node.body)
        return self._collected

    @property
    def assignments(self) -> dict[str, list[ast.expr]]:
        return self._collect()[0]

    @property
    def returns(self) -> list[ast.expr]:
        return self._collect()[1]


def collect_assignments(body: Iterable[ast.stmt]) -> tuple[dict[str, list[ast.expr]], list[ast.expr]]:
    """Assignments to simple names and returned values in a block, nested defs left out."""
    assignments: dict[str, list[ast.expr]] = {}
    returns: list[ast.expr] = []
    stack: list[ast.AST] = list(reversed(list(body)))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assignments.setdefault(target.id, []).append(node.value)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            if isinstance(node.target, ast.Name):
                assignments.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.Return) and node.value is not None:
            returns.append(node.value)
        stack.extend(reversed(list(ast.iter_child_nodes(node))))  # source order
    return assignments, returns


class Flow:
    """Classifies expressions of one runner module; memoised per name and per function."""

    def __init__(self, module: ast.Module, functions: dict[str, FunctionInfo]) -> None:
        self.module_assignments, _ = collect_assignments(module.body)
        self.functions = functions
        self._memo: dict[tuple[int, str], Kind] = {}

    # -- what a test says on each branch ---------------------------------------------

    def facts(self, test: ast.expr, holds: bool, scope: FunctionInfo | None, depth: int = 0) -> DbFacts:
        if depth > _MAX_DEPTH:
            return UNKNOWN
        deeper = depth + 1
        if isinstance(test, ast.BoolOp):
            parts = [self.facts(v, holds, scope, deeper) for v in test.values]
            conjunction = isinstance(test.op, ast.And) == holds  # `not (a or b)` is `not a and not b`
            result = parts[0]
            for part in parts[1:]:
                result = result.both(part) if conjunction else result.either(part)
            return result
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.facts(test.operand, not holds, scope, deeper)
        if isinstance(test, ast.NamedExpr):
            return self.facts(test.value, holds, scope, deeper)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            return self._compare(test.left, test.ops[0], test.comparators[0], holds, scope, deeper)
        if isinstance(test, ast.Call) and _name_of(test.func) == "bool" and len(test.args) == 1:
            return self.facts(test.args[0], holds, scope, deeper)
        return truth(self.kind(test, scope, deeper), holds)

    def _compare(
        self,
        left: ast.expr,
        op: ast.cmpop,
        right: ast.expr,
        holds: bool,
        scope: FunctionInfo | None,
        depth: int,
    ) -> DbFacts:
        if isinstance(op, (ast.In, ast.NotIn)):
            present = isinstance(op, ast.In) == holds
            if not isinstance(self.kind(right, scope, depth), TableNames):
                return UNKNOWN
            name = self.string(left, scope, depth)
            if name is None:
                return UNKNOWN
            return truth(_one_table(name.rsplit(".", 1)[-1]), present)
        if _is_none(right) or _is_none(left):
            value = left if _is_none(right) else right
            if not isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
                return UNKNOWN
            kind = self.kind(value, scope, depth)
            if not isinstance(kind, (Flag, Revision)):
                return UNKNOWN  # `count is not None` says nothing about the count
            return truth(kind, isinstance(op, (ast.IsNot, ast.NotEq)) == holds)
        for value, other, mirrored in ((left, right, False), (right, left, True)):
            constant = other.value if isinstance(other, ast.Constant) else None
            if isinstance(constant, bool) and isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
                kind = self.kind(value, scope, depth)
                return truth(kind, (constant == isinstance(op, (ast.Eq, ast.Is))) == holds)
            if isinstance(constant, int) and not isinstance(constant, bool):
                kind = self.kind(value, scope, depth)
                if isinstance(kind, Count):
                    return count_facts(kind.subject, _mirror(op) if mirrored else op, constant, holds)
                return UNKNOWN
            if isinstance(other, (ast.List, ast.Tuple, ast.Set)) and not other.elts:
                if isinstance(op, (ast.Eq, ast.NotEq)):
                    return truth(self.kind(value, scope, depth), isinstance(op, ast.NotEq) == holds)
        return UNKNOWN

    # -- what a value is -------------------------------------------------------------

    def kind(self, node: ast.expr, scope: FunctionInfo | None, depth: int = 0) -> Kind:
        if depth > _MAX_DEPTH:
            return None
        deeper = depth + 1
        if isinstance(node, (ast.BoolOp, ast.Compare)) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        ):
            when_true, when_false = (
                self.facts(node, True, scope, deeper),
                self.facts(node, False, scope, deeper),
            )
            return Flag(when_true, when_false) if when_true.known or when_false.known else None
        if isinstance(node, (ast.Await, ast.NamedExpr)):
            return self.kind(node.value, scope, deeper)
        if isinstance(node, ast.Subscript):
            return self.kind(node.value, scope, deeper)
        if isinstance(node, ast.Name):
            return self._name_kind(node.id, scope, deeper)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
            sides = (self.kind(node.left, scope, deeper), self.kind(node.right, scope, deeper))
            return TableNames() if any(isinstance(s, TableNames) for s in sides) else None
        if isinstance(node, ast.Attribute):
            if "metadata" in _dotted(node.value):
                return None  # the model's tables (`Base.metadata.tables`), not the database's
            return word_kind(node.attr)
        if isinstance(node, ast.Call):
            return self._call_kind(node, scope, deeper)
        return None

    def _call_kind(self, call: ast.Call, scope: FunctionInfo | None, depth: int) -> Kind:
        func = call.func
        name = _name_of(func)
        if name in ("get_table_names", "table_names", "get_tables"):
            return TableNames()
        if name == "has_table":
            table = next(
                (
                    s
                    for s in (
                        self.string(a, scope, depth) for a in [*call.args, *(k.value for k in call.keywords)]
                    )
                    if s
                ),
                None,
            )
            return _one_table(table) if table else Flag(DbFacts(tables=True), UNKNOWN)
        if name in ("get_current_revision", "get_current_heads", "current_revision"):
            return Revision()
        if name == "len" and len(call.args) == 1:
            inner = self.kind(call.args[0], scope, depth)
            return Count("tables") if isinstance(inner, TableNames) else None
        if name in _SAME_VALUE_CALLS and isinstance(func, ast.Name) and len(call.args) == 1:
            return self.kind(call.args[0], scope, depth)
        if isinstance(func, ast.Attribute):
            if name in ("intersection", "__and__") and call.args:
                sides = (self.kind(func.value, scope, depth), self.kind(call.args[0], scope, depth))
                return TableNames() if any(isinstance(s, TableNames) for s in sides) else None
            if name in _QUERY_METHODS and call.args:
                sql = self.string(call.args[0], scope, depth)
                if sql is not None:
                    return sql_kind(self._bound(sql, call, scope, depth))
            if name in _PASS_THROUGH and not call.args:
                return self.kind(func.value, scope, depth)
        helper = self.callee(func, scope)
        if helper is not None:
            return self._returns(helper, depth)
        if name in _QUERY_METHODS and call.args:
            return None
        found = word_kind(name) if name else None
        if isinstance(found, Flag):
            # `table_exists(conn, "alembic_version")`: the table it names says which fact
            table = next((t for t in (self.string(a, scope, depth) for a in call.args) if t), None)
            if table is not None and re.fullmatch(r"[\w.\"]+", table):
                return _one_table(table.rsplit(".", 1)[-1].strip('"'))
        return found

    def _name_kind(self, name: str, scope: FunctionInfo | None, depth: int) -> Kind:
        where, values = self.assigned(name, scope)
        if values is None:
            return word_kind(name)
        key = (id(where), name)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # a cycle through this name resolves to "unknown"
        kinds = [self.kind(v, where, depth) for v in values]
        known = [k for k in kinds if k is not None]
        result = known[0] if known and all(k == known[0] for k in known) else None
        if result is None and all(k is None for k in kinds):
            result = _named_call(values)
        self._memo[key] = result
        return result

    def _returns(self, helper: FunctionInfo, depth: int) -> Kind:
        key = (id(helper), "")
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None
        kinds = [self.kind(v, helper, depth) for v in helper.returns if not _is_none(v)]
        known = [k for k in kinds if k is not None]
        result = known[0] if known and all(k == known[0] for k in known) else None
        self._memo[key] = result
        return result

    # -- names, helpers, strings ---------------------------------------------------------

    def assigned(
        self, name: str, scope: FunctionInfo | None
    ) -> tuple[FunctionInfo | None, list[ast.expr] | None]:
        """The scope that assigns `name` and its values: the function's, the enclosing ones', the module's."""
        here = scope
        while here is not None:
            if name in here.assignments:
                return here, here.assignments[name]
            if name in {a.arg for a in _arguments(here.node)}:
                return here, None  # a parameter: not followed
            here = here.parent
        values = self.module_assignments.get(name)
        return None, values

    def callee(self, func: ast.expr, scope: FunctionInfo | None) -> FunctionInfo | None:
        """The function of this module a call runs: `helper()`, `self.helper()`, `cls.helper()`."""
        if isinstance(func, ast.Name):
            here = scope
            while here is not None:
                nested = self.functions.get(f"{here.qualname}.{func.id}")
                if nested is not None:
                    return nested
                here = here.parent
            return self.functions.get(func.id)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
            and scope is not None
        ):
            owner = _owner(scope)
            if owner is not None:
                return self.functions.get(f"{owner}.{func.attr}")
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            return self.functions.get(f"{func.value.id}.{func.attr}")  # ClassName.method()
        return None

    def string(self, node: ast.expr, scope: FunctionInfo | None, depth: int = 0) -> str | None:
        """The text a string expression holds: a literal, `text(...)`, a name bound to one,
        the literal parts of an f-string or a concatenation."""
        for _ in range(_MAX_DEPTH):
            if depth > _MAX_DEPTH:
                return None
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return node.value
            if isinstance(node, ast.Call) and node.args and _name_of(node.func) in ("text", "dedent", "str"):
                node = node.args[0]
                continue
            if isinstance(node, ast.JoinedStr):
                return "".join(
                    v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "?"
                    for v in node.values
                )
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                left, right = (
                    self.string(node.left, scope, depth + 1),
                    self.string(node.right, scope, depth + 1),
                )
                return None if left is None or right is None else left + right
            if isinstance(node, ast.Name):
                where, values = self.assigned(node.id, scope)
                if not values:
                    return None
                node, scope = values[0], where
                continue
            return None
        return None

    def _bound(self, sql: str, call: ast.Call, scope: FunctionInfo | None, depth: int) -> str:
        """The SQL with the literal values a dict of parameters binds written in:
        `execute(text("SELECT to_regclass(:t)"), {"t": "workspaces"})` asks for that table."""
        given = call.args[1] if len(call.args) > 1 else None
        given = given or next((k.value for k in call.keywords if k.arg in ("parameters", "params")), None)
        if not isinstance(given, ast.Dict) or not _BIND.search(sql):
            return sql
        values: dict[str, str] = {}
        for key, value in zip(given.keys, given.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and value is not None:
                text = self.string(value, scope, depth + 1)
                if text is not None and "'" not in text:
                    values[key.value] = text

        def literal(match: re.Match[str]) -> str:
            name = match.group("colon") or match.group("percent")
            return f"'{values[name]}'" if name in values else match.group(0)

        return _BIND.sub(literal, sql)

    def reads_revision(self, test: ast.expr, scope: FunctionInfo | None) -> bool:
        """The test compares or checks the database's current revision (a version check)."""
        return any(
            isinstance(self.kind(n, scope), Revision)
            for n in _walk_values(test)
            if isinstance(n, (ast.Name, ast.Call, ast.Subscript, ast.Await))
        )


def truth(kind: Kind, truthy: bool) -> DbFacts:
    """What the database is like when a value of this kind is truthy (or falsy)."""
    if isinstance(kind, Count):
        return DbFacts(**{kind.subject: truthy})
    if isinstance(kind, TableNames):
        return DbFacts(tables=truthy)
    if isinstance(kind, Flag):
        return kind.when_true if truthy else kind.when_false
    if isinstance(kind, Revision):
        return DbFacts(versioned=truthy)
    return UNKNOWN


def count_facts(subject: str, op: ast.cmpop, k: int, holds: bool) -> DbFacts:
    """`n > 0` holds: there is something; `n < 1`, `n == 0`: there is nothing; `n < 30`: unknown."""

    def satisfied(n: int) -> bool:
        result = {
            ast.Eq: n == k, ast.NotEq: n != k, ast.Lt: n < k, ast.LtE: n <= k, ast.Gt: n > k, ast.GtE: n >= k,
        }.get(type(op))  # fmt: skip
        return False if result is None else result == holds

    if type(op) not in (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE):
        return UNKNOWN
    positive = any(satisfied(n) for n in {1, k - 1, k, k + 1, abs(k) + 1_000_000} if n > 0)
    if not satisfied(0) and positive:
        return DbFacts(**{subject: True})
    if satisfied(0) and not positive:
        return DbFacts(**{subject: False})
    return UNKNOWN


def _mirror(op: ast.cmpop) -> ast.cmpop:
    """`0 < n` is `n > 0`."""
    mirrored = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}.get(type(op))
    return mirrored() if mirrored else op


def _named_call(values: list[ast.expr]) -> Kind:
    """`n = count_tables(conn)` with `count_tables` from elsewhere: the called name is the last resort."""
    for value in values:
        while isinstance(value, (ast.Await, ast.Subscript)):
            value = value.value
        if isinstance(value, ast.Call) and _name_of(value.func):
            found = word_kind(_name_of(value.func))
            if found is not None:
                return found
    return None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _name_of(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _arguments(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.arg]:
    args = function.args
    yield from (*args.posonlyargs, *args.args, *args.kwonlyargs)
    if args.vararg:
        yield args.vararg
    if args.kwarg:
        yield args.kwarg


def _owner(scope: FunctionInfo) -> str | None:
    here: FunctionInfo | None = scope
    while here is not None:
        if here.owner is not None:
            return here.owner
        here = here.parent
    return None


def _walk_values(test: ast.expr) -> Iterator[ast.expr]:
    """The operands of a test, without descending into calls' own arguments."""
    stack: list[ast.expr] = [test]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        elif isinstance(node, ast.UnaryOp):
            stack.append(node.operand)
        elif isinstance(node, ast.Compare):
            stack.extend((node.left, *node.comparators))


def _dotted(node: ast.expr) -> list[str]:
    """The names along an attribute chain, `Base.metadata.tables` -> [metadata, Base], iteratively."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            if isinstance(node, ast.Name):
                names.append(node.id)
            return names
