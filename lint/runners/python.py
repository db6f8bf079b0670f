"""Runner code that stamps: where, with what revision, and under which conditions.

A runner is project code that drives Alembic (a start-up script, an entrypoint).
The bug this project was created for: a runner found a legacy database (tables,
but no `alembic_version`) and ran `alembic stamp head`, marking every migration
applied without running any. This module finds each stamp, every value its target
may hold (a literal, or a name whose assignments are literals - each with the
conditions on its own path), and the conditions that lead to the stamp - those of
the function holding it and, for a helper, those of each call that reaches it.

Read with CPython's `ast` (runners are few and the edits a fix makes are plain
text replacements at exact spans). Recognised stamps: `alembic stamp X` run by
subprocess.run/call/check_call/check_output/Popen (list or shell string) or
os.system, `alembic.command.stamp(cfg, X)` however imported or aliased, and
flask_migrate's. What each `if` test says about the database is read by data flow
(runners/flow.py), in every function of the module: methods, CLI commands, nested
functions alike.
"""

from __future__ import annotations

import ast
import re
import shlex
from collections import deque
from collections.abc import Callable, Iterator, Sequence

from ..lazydataclass import dataclass, replace
from ..lazyre import pattern
from ..model import Span
from ..sql.source import call_name, char_column
from .facts import CallContext, Condition, DbFacts, StampSite, Target
from .flow import Flow, FunctionInfo

_COMMANDS = ("stamp", "upgrade")
_VERSION_ROW = pattern(
    r"insert\s+into\s+alembic_version\b[^;]*?values\s*\(\s*'(?P<revision>[^']+)'", re.IGNORECASE | re.DOTALL
)
# A placeholder that a value fills in: str.format's `{}`/`{0}`/`{rev}`, %-formatting's `%s`/`%(rev)s`.
_PLACEHOLDER = pattern(r"\{[^{}]*\}|%(\([^)]*\))?[-#0 +]*\d*(\.\d+)?[sdr]")
_FSTRING_MARK = "\x00"  # stands for an f-string's placeholder in its text: no SQL holds it
_SUBPROCESS = frozenset({"run", "call", "check_call", "check_output", "Popen", "system"})
# alembic options that take a value, to skip when looking for the revision
_OPTIONS_WITH_VALUE = frozenset({"-c", "--config", "-n", "--name", "-x", "--tag"})
# How far a stamp in a helper is followed up through its callers, and how many ways in are kept.
_MAX_CALL_DEPTH = 8
_MAX_CONTEXTS = 16
# the name of a function that makes the whole schema (snake case: not `CreateSchema`, a namespace)
_CREATES_BY_NAME = pattern(
    r"(?:init|initiali[sz]e|create|setup|set_up|build|bootstrap)_?(?:the_)?(?:db|database|schema|tables|all_tables)"
)
# Calls whose string arguments are messages, not SQL files being loaded.
_MESSAGE_CALLS = frozenset(
    {"print", "echo", "secho", "debug", "info", "warning", "warn", "error", "write", "log"}
)


@dataclass(frozen=True)
class _Call:
    """A call of one of the module's own functions, with the tests on the way to it."""

    caller: str
    callee: str
    span: Span
    conditions: tuple[Condition, ...]
    before: _Continuation  # where the call stands: (its block, its index), outwards
    after: _Continuation
    info: FunctionInfo | None


def analyze_runner(path: str, text: str) -> tuple[StampSite, ...]:
    tree = ast.parse(text)
    # Lines as ast numbers them (str.splitlines also breaks at form feeds and other
    # separators, which would shift every span after one, and with it the fixes).
    parts = text.split("\n")
    lines = [*(p + "\n" for p in parts[:-1]), parts[-1]]
    functions, aliases = _functions(tree)
    reader = _Runner(path, text, lines, aliases, Flow(tree, functions))
    if "MigrationContext" in text or "get_context" in text:
        reader.contexts = reader.find_contexts(tree)
    if "AlembicExtension" in text or "MigrationManager" in text:
        reader.extensions = reader.find_extensions(tree)
    reader.wrappers = reader.find_wrappers(tree)
    module_scope = _Scope(None, {})
    sites: list[StampSite] = []
    calls: list[_Call] = []
    reader.read(tree.body, None, module_scope, sites, calls)
    for info in functions.values():
        scope = _Scope(info.node, module_scope.assignments)
        reader.read(info.node.body, info, scope, sites, calls)
    found = _with_callers(sites, calls, reader)
    return tuple(sorted(found, key=lambda s: (s.span.line, s.span.column)))


def _functions(tree: ast.Module) -> tuple[dict[str, FunctionInfo], dict[str, str]]:
    """Every function of the module by qualified name (`f`, `Class.method`, `f.inner`), and
    what each imported name is bound to (`ac` -> `alembic.command`)."""
    found: dict[str, FunctionInfo] = {}
    aliases: dict[str, str] = {}
    todo: deque[tuple[list[ast.stmt], str, FunctionInfo | None, str | None]] = deque(
        [(tree.body, "", None, None)]
    )
    while todo:
        body, prefix, parent, owner = todo.popleft()
        for statement, _, _, _ in _statements(body, ()):
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                _note_import(statement, aliases)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = f"{prefix}{statement.name}"
                info = FunctionInfo(statement, qualname, parent, owner)
                found.setdefault(qualname, info)
                todo.append((statement.body, f"{qualname}.", info, None))
            elif isinstance(statement, ast.ClassDef) and parent is None:
                todo.append((statement.body, f"{prefix}{statement.name}.", None, f"{prefix}{statement.name}"))
    return found, aliases


def _with_callers(sites: list[StampSite], calls: list[_Call], reader: _Runner) -> list[StampSite]:
    """Each stamp in a function gets the ways in that the module's own calls give it,
    breadth first, bounded in depth and number (a long chain of helpers stays cheap)."""
    callers_of: dict[str, list[_Call]] = {}
    for call in calls:
        callers_of.setdefault(call.callee, []).append(call)
    found = []
    for site in sites:
        if not site.function or site.function not in callers_of:
            found.append(site)
            continue
        contexts: list[CallContext] = []
        seen = {site.function}
        todo: deque[tuple[str, CallContext]] = deque([(site.function, CallContext((), (), False, False))])
        while todo and len(contexts) < _MAX_CONTEXTS:
            function, inner = todo.popleft()
            for call in callers_of.get(function, []):
                context = CallContext(
                    ((call.span, call.callee), *inner.calls),
                    (*call.conditions, *inner.conditions),
                    inner.creates_before or reader.creates_before(call.before, call.info),
                    inner.creates_after or reader.creates_after(call.after, call.info),
                    inner.upgraded_after or reader.upgrades_after(call),
                )
                contexts.append(context)
                if len(contexts) >= _MAX_CONTEXTS:
                    break
                if call.caller and call.caller not in seen and len(context.calls) < _MAX_CALL_DEPTH:
                    seen.add(call.caller)
                    todo.append((call.caller, context))
        found.append(StampSite(**{**site.__dict__, "callers": tuple(contexts[:_MAX_CONTEXTS])}))
    return found


# Where a statement stands, or what runs after it: (block, index), from its own block
# outwards. Kept as indexes so that a long body costs no copies per statement.
_Continuation = tuple[tuple[list[ast.stmt], int], ...]
_Classify = Callable[[ast.expr, bool], DbFacts]


def _statements(
    body: list[ast.stmt],
    conditions: tuple[Condition, ...],
    rest: _Continuation = (),
    classify: _Classify | None = None,
    outer: _Continuation = (),
) -> Iterator[tuple[ast.stmt, tuple[Condition, ...], _Continuation, _Continuation]]:
    """Every statement with the conditions leading to it, where it stands (its block and
    index, then the enclosing ones': what ran before it is what precedes those), and what
    runs after it: the rest of its block, then of each enclosing one."""
    for index, statement in enumerate(body):
        after = ((body, index + 1), *rest)
        before = ((body, index), *outer)
        yield statement, conditions, before, after
        if isinstance(statement, ast.If):
            text = _unparse(statement.test)
            for block, holds in ((statement.body, True), (statement.orelse, False)):
                facts = classify(statement.test, holds) if classify else None
                condition = Condition(text, statement.lineno, holds, facts)
                yield from _statements(block, (*conditions, condition), after, classify, before)
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            for block in (statement.body, getattr(statement, "orelse", [])):
                yield from _statements(block, conditions, after, classify, before)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _statements(block, conditions, after, classify, before)
            for handler in statement.handlers:
                yield from _statements(handler.body, conditions, after, classify, before)
        if isinstance(statement, ast.If) and classify is not None:
            # `if n == 0: ...; return`: what follows in this block runs only when n != 0
            leaves = (_leaves(statement.body), _leaves(statement.orelse))
            if leaves[0] != leaves[1]:
                holds = leaves[1]
                text = _unparse(statement.test)
                facts = classify(statement.test, holds)
                conditions = (*conditions, Condition(text, statement.lineno, holds, facts))


def _leaves(block: list[ast.stmt]) -> bool:
    """The block ends by leaving: return, raise, an exit, break or continue."""
    if not block:
        return False
    last = block[-1]
    return isinstance(last, (ast.Return, ast.Raise, ast.Break, ast.Continue)) or _is_exit(last)


class _Scope:
    """Assignments to simple names in one function (module ones visible too), in the order
    they run; a parameter hides a module name of its own name."""

    def __init__(
        self, function: ast.AST | None, outer: dict[str, list[tuple[ast.expr, tuple[Condition, ...]]]]
    ):
        self.function = function
        self.outer = outer
        self.assignments: dict[str, list[tuple[ast.expr, tuple[Condition, ...]]]] = {}
        self.parameters: set[str] = set()
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = function.args
            self.parameters = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}

    def note(self, statement: ast.stmt, conditions: tuple[Condition, ...]) -> None:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    self.assignments.setdefault(target.id, []).append((statement.value, conditions))
        elif (
            isinstance(statement, ast.AnnAssign)
            and statement.value is not None
            and isinstance(statement.target, ast.Name)
        ):
            self.assignments.setdefault(statement.target.id, []).append((statement.value, conditions))

    def values(self, name: str) -> list[tuple[ast.expr, tuple[Condition, ...]]] | None:
        if name in self.assignments:
            return self.assignments[name]
        return None if name in self.parameters else self.outer.get(name)


class _Runner:
    def __init__(self, path: str, text: str, lines: list[str], aliases: dict[str, str], flow: Flow) -> None:
        self.path = path
        self.text = text
        self.lines = lines
        self.aliases = aliases  # local name -> what it is bound to by an import
        self.flow = flow
        self.wrappers: dict[str, tuple[str, int, str, ast.expr | None]] = {}  # set by analyze_runner
        self.contexts: set[str] = set()  # names holding a MigrationContext (set by analyze_runner)
        self.extensions: set[str] = set()  # names holding oslo.db's AlembicExtension / MigrationManager
        self._creates: dict[str, bool] = {}
        self._suffixes: dict[int, list[tuple[bool, bool]]] = {}
        self._prefixes: dict[int, list[bool]] = {}
        self._upgrades: dict[tuple[int, int], bool] = {}
        self._upgrading: dict[str, bool] = {}

    def span(self, node: ast.expr | ast.stmt) -> Span:
        end_line = node.end_lineno or node.lineno
        return Span(
            node.lineno,
            char_column(self.lines, node.lineno, node.col_offset),
            end_line,
            char_column(self.lines, end_line, node.end_col_offset or 0),
        )

    def segment(self, node: ast.expr) -> str:
        """The source text of a node; ast.get_source_segment splits the whole file on each call."""
        if node.end_lineno is None or node.end_col_offset is None:
            return ""
        first, last = node.lineno - 1, node.end_lineno - 1
        if not 0 <= first <= last < len(self.lines):
            return ""
        if first == last:
            return self.lines[first].encode()[node.col_offset : node.end_col_offset].decode(errors="replace")
        parts = [self.lines[first].encode()[node.col_offset :].decode(errors="replace")]
        parts += self.lines[first + 1 : last]
        parts.append(self.lines[last].encode()[: node.end_col_offset].decode(errors="replace"))
        return "".join(parts)

    def read(
        self,
        body: list[ast.stmt],
        info: FunctionInfo | None,
        scope: _Scope,
        sites: list[StampSite],
        calls: list[_Call],
    ) -> None:
        """The stamps of one function (or of the module's own statements), and its calls of
        the module's functions."""
        flow = self.flow

        def classify(test: ast.expr, holds: bool) -> DbFacts:
            return flow.facts(test, holds, info)

        for statement, conditions, before, after in _statements(body, (), classify=classify):
            scope.note(statement, conditions)
            if isinstance(statement, _COMPOUND) or isinstance(statement, _DEFINITIONS):
                continue  # their bodies are visited as statements (or functions) of their own
            nodes = list(ast.walk(statement))
            for site in self.stamps(nodes, conditions, before, after, scope, info):
                sites.append(StampSite(**{**site.__dict__, "function": info.qualname if info else ""}))
            for node in nodes:
                if isinstance(node, ast.Call):
                    callee = flow.callee(node.func, info)
                    if callee is not None:
                        caller = info.qualname if info else ""
                        calls.append(
                            _Call(caller, callee.qualname, self.span(node), conditions, before, after, info)
                        )

    def stamps(
        self,
        nodes: list[ast.AST],
        conditions: tuple[Condition, ...],
        before: _Continuation,
        after: _Continuation,
        scope: _Scope,
        info: FunctionInfo | None = None,
    ) -> Iterator[StampSite]:
        """The stamps among the nodes of one simple statement."""
        filled: set[int] = set()  # templates read with what fills them in, not again on their own
        for node in nodes:
            template = _version_row_template(node)
            if template is not None:
                found, fill = template
                filled.update(id(n) for n in ast.walk(found))
                yield from self._version_row_writes(found, conditions, before, after, info, scope, fill)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in filled:
                yield from self._version_row_writes(node, conditions, before, after, info, scope)
            if not isinstance(node, ast.Call):
                continue
            found = self._alembic_call(node)
            if found is None:
                continue
            command, tool, argument = found
            targets = tuple(self._targets(argument, conditions, scope)) if argument is not None else ()
            upgraded, exits_at, checked_at, exits_program = (
                self._what_follows(after, info) if command == "stamp" else (True, None, None, False)
            )
            yield StampSite(
                path=self.path,
                span=self.span(node),
                tool=tool,
                targets=targets,
                conditions=conditions,
                after_create_all=self.creates_before(before, info),
                created_after=self.creates_after(after, info),
                command=command,
                upgraded_after=upgraded,
                exits_at=exits_at,
                exits_program=exits_program,
                checked_at=checked_at,
            )

    def creates_schema(self, statement: ast.stmt, info: FunctionInfo | None, depth: int = 0) -> bool:
        """The statement surely runs and creates the schema: `metadata.create_all()`, loading a
        SQL file or dump, or a call of a function of this module that does."""
        if isinstance(statement, (ast.With, ast.AsyncWith, ast.Try)):
            return any(self.creates_schema(s, info, depth) for s in statement.body)
        if isinstance(statement, _COMPOUND) or isinstance(statement, _DEFINITIONS):
            return False  # a branch or a loop may not run
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            name = call_name(node.func)
            if "create_all" in name or name == "executescript":
                return True  # metadata.create_all(), db.create_all(), create_all_tables(db)
            if name not in _MESSAGE_CALLS and any(
                isinstance(a, ast.Constant) and isinstance(a.value, str) and _loads_dump(a.value)
                for arg in (*node.args, *(k.value for k in node.keywords))
                for a in ast.walk(arg)
            ):
                return True
            helper = self.flow.callee(node.func, info)
            if helper is None and _CREATES_BY_NAME.fullmatch(name.rsplit(".", 1)[-1]):
                # a function of another module named for what it does (circulation's
                # `SessionManager.initialize_schema(connection)`, Flask's `init_db()`): its body
                # is not here to read, and a schema is what it makes
                return True
            if helper is not None and depth < _MAX_CALL_DEPTH:
                if helper.qualname not in self._creates:
                    self._creates[helper.qualname] = False  # a recursive helper does not create by recursing
                    self._creates[helper.qualname] = any(
                        self.creates_schema(s, helper, depth + 1) for s in helper.node.body
                    )
                if self._creates[helper.qualname]:
                    return True
        return False

    def upgrades_after(self, call: _Call) -> bool:
        """An upgrade, or a revision check that stops, follows this call in its caller."""
        key = (id(call.after[0][0]), call.after[0][1]) if call.after else (0, 0)
        if key not in self._upgrades:
            upgraded, _, checked_at, _ = self._what_follows(call.after, call.info)
            self._upgrades[key] = upgraded or checked_at is not None
        return self._upgrades[key]

    def creates_before(self, before: _Continuation, info: FunctionInfo | None) -> bool:
        """A statement run before this place on its path created the schema."""
        for block, index in before:
            prefix = self._prefixes.get(id(block))
            if prefix is None:
                # per index: a statement before it creates; once per block
                prefix = [False] * (len(block) + 1)
                for position, statement in enumerate(block):
                    prefix[position + 1] = prefix[position] or self.creates_schema(statement, info)
                self._prefixes[id(block)] = prefix
            if prefix[min(index, len(block))]:
                return True
        return False

    def creates_after(self, after: _Continuation, info: FunctionInfo | None) -> bool:
        """The schema is created later on this path, before it returns: stamping head and
        then creating (`create_all()` after the stamp) is the fresh-install pattern too."""
        for block, start in after:
            suffix = self._suffixes.get(id(block))
            if suffix is None:
                # per index: (a statement from here on creates, one from here on leaves), once per block
                suffix = [(False, False)] * (len(block) + 1)
                for index in range(len(block) - 1, -1, -1):
                    statement = block[index]
                    if isinstance(statement, ast.Return) or _is_exit(statement):
                        suffix[index] = (False, True)
                    else:
                        creates, leaves = suffix[index + 1]
                        suffix[index] = (creates or self.creates_schema(statement, info), leaves)
                self._suffixes[id(block)] = suffix
            creates, leaves = suffix[min(start, len(block))]
            if creates or leaves:
                return creates
        return False

    def _what_follows(
        self, after: _Continuation, info: FunctionInfo | None
    ) -> tuple[bool, int | None, int | None, bool]:
        """(an upgrade runs next on this path, the line of a return/exit reached first, the
        line of a revision check that stops the program, reached first, whether what is
        reached at that line ends the program rather than the function)."""
        for block, start in after:
            for statement in block[start:]:
                if any(isinstance(n, ast.Call) and self._upgrades_in(n, info) for n in ast.walk(statement)):
                    return True, None, None, False
                if isinstance(statement, ast.Return) or _is_exit(statement):
                    return False, statement.lineno, None, _is_exit(statement)
                if (
                    isinstance(statement, ast.If)
                    and any(
                        isinstance(n, ast.Raise) or _is_exit(n)
                        for n in ast.walk(statement)
                        if isinstance(n, ast.stmt)
                    )
                    and self.flow.reads_revision(statement.test, info)
                ):
                    return False, None, statement.lineno, False
        return False, 0, None, False

    def _upgrades_in(self, call: ast.Call, info: FunctionInfo | None, depth: int = 0) -> bool:
        """The call upgrades: `alembic upgrade`, or a function of this module that does."""
        if (self._alembic_call(call) or (None,))[0] == "upgrade" or self._runs_migrations(call):
            return True
        helper = self.flow.callee(call.func, info)
        if helper is None or depth >= _MAX_CALL_DEPTH:
            return False
        if helper.qualname not in self._upgrading:
            self._upgrading[helper.qualname] = False  # recursion does not upgrade by itself
            self._upgrading[helper.qualname] = any(
                isinstance(n, ast.Call) and self._upgrades_in(n, helper, depth + 1)
                for n in ast.walk(helper.node)
            )
        return self._upgrading[helper.qualname]

    def _runs_migrations(self, call: ast.Call) -> bool:
        """env.py's `context.run_migrations()`: the command being run (an upgrade) goes on
        from what the database is stamped at by then."""
        if not isinstance(call.func, ast.Attribute) or call.func.attr != "run_migrations":
            return False
        receiver = call.func.value
        return _qualified(receiver, self.aliases) == "alembic.context" or self.is_migration_context(receiver)

    def is_migration_context(self, node: ast.expr) -> bool:
        """`context.get_context()` (env.py's), `MigrationContext.configure(conn)`, or a name
        bound to one of them."""
        if isinstance(node, ast.Name):
            return node.id in self.contexts
        if not isinstance(node, ast.Call):
            return False
        qualified = _qualified(node.func, self.aliases) or ""
        return qualified in _CONTEXT_FACTORIES

    def find_contexts(self, tree: ast.Module) -> set[str]:
        """The names the module binds to a MigrationContext: assigned one, or a parameter
        annotated `MigrationContext`."""
        return _names_bound(tree, self.is_migration_context, "MigrationContext")

    def is_extension(self, node: ast.expr) -> bool:
        """oslo.db's `AlembicExtension(engine, config)` or `MigrationManager(config, engine)`
        (openstack's migration_cli), or a name bound to one: its `stamp(rev)` runs
        `alembic.command.stamp(config, rev)`, its `upgrade(rev)` the upgrade."""
        if isinstance(node, ast.Name):
            return node.id in self.extensions
        return isinstance(node, ast.Call) and (_qualified(node.func, self.aliases) or "") in _OSLO_EXTENSIONS

    def find_extensions(self, tree: ast.Module) -> set[str]:
        return _names_bound(tree, self.is_extension, "AlembicExtension")

    def find_wrappers(self, tree: ast.Module) -> dict[str, tuple[str, int, str, ast.expr | None]]:
        """Module functions that stamp or upgrade with their parameter's value:
        name -> (command, parameter index, parameter name, its default)."""
        wrappers: dict[str, tuple[str, int, str, ast.expr | None]] = {}
        for function in tree.body:
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            source = self.lines[function.lineno - 1 : function.end_lineno or function.lineno]
            if not any("stamp" in line or "upgrade" in line for line in source):
                continue  # the words are in every call that could be wrapped: skip the walk
            params = [a.arg for a in function.args.args]
            defaults: list[ast.expr | None] = [None] * (len(params) - len(function.args.defaults))
            defaults += list(function.args.defaults)
            for node in ast.walk(function):
                found = self._alembic_call(node) if isinstance(node, ast.Call) else None
                if found is not None and isinstance(found[2], ast.Name) and found[2].id in params:
                    index = params.index(found[2].id)
                    wrappers[function.name] = (found[0], index, found[2].id, defaults[index])
        return wrappers

    def _version_row_writes(
        self,
        node: ast.Constant | ast.JoinedStr,
        conditions: tuple[Condition, ...],
        before: _Continuation,
        after: _Continuation,
        info: FunctionInfo | None,
        scope: _Scope,
        fill: _Fill | None = None,
    ) -> Iterator[StampSite]:
        """SQL that writes the version row itself is a stamp too. Its revision is what the
        SQL holds, or what fills in its placeholder (`.format(rev)`, `% rev`, `{rev}` in an
        f-string), followed like a stamp's argument; a placeholder miglint cannot fill in is
        a revision it cannot name, never the placeholder's own text (nbgrader's `'{}'`)."""
        text, placeholders = _template_text(node)
        match = _VERSION_ROW.search(text)
        if match is None:
            return
        span = self.span(node)
        revision = match.group("revision")
        value: ast.expr | None = None
        if _FSTRING_MARK in revision:
            value = _filled_fstring(revision, placeholders, node)
        elif not _PLACEHOLDER.search(revision):
            value = ast.copy_location(ast.Constant(revision), node)
        elif fill is not None:
            # `{}` and `%s` are counted from the start of the text: those before it take the first values
            earlier = _PLACEHOLDER.finditer(text[: match.start("revision")])
            value = _filled_argument(revision, fill, sum(1 for m in earlier if _positional(m.group(0))))
        found = self._targets(value, (), scope) if value is not None else ()
        # a literal in the SQL, or the value filling it in: never rewritten in place
        targets = tuple(replace(t, exact=False) for t in found) or (Target(None, span, ()),)
        upgraded, exits_at, checked_at, exits_program = self._what_follows(after, info)
        yield StampSite(
            path=self.path,
            span=span,
            tool="SQL on alembic_version",
            targets=targets,
            conditions=conditions,
            after_create_all=self.creates_before(before, info),
            created_after=self.creates_after(after, info),
            upgraded_after=upgraded,
            exits_at=exits_at,
            exits_program=exits_program,
            checked_at=checked_at,
        )

    def _alembic_call(self, call: ast.Call) -> tuple[str, str, ast.expr | None] | None:
        """(command, tool, the revision argument) when `call` stamps or upgrades."""
        name = call_name(call.func)
        wrapper = self.wrappers.get(name) if isinstance(call.func, ast.Name) else None
        if wrapper is not None:
            wrapped, index, param, default = wrapper
            passed = next((k.value for k in call.keywords if k.arg == param), None)
            if passed is None and index < len(call.args):
                passed = call.args[index]
            return wrapped, f"{name}()", passed if passed is not None else default
        qualified = _qualified(call.func, self.aliases)
        module, _, function = (qualified or "").rpartition(".")
        if function in _COMMANDS and module == "flask_migrate":
            # flask_migrate.stamp(directory=None, revision="head", ...): head when not passed
            revision = next((k.value for k in call.keywords if k.arg == "revision"), None)
            if revision is None and len(call.args) >= 2:
                revision = call.args[1]
            return function, "flask_migrate", revision if revision is not None else _implicit_head(call)
        command = function if function in _COMMANDS and module == "alembic.command" else None
        if (
            command is None
            and qualified is None
            and name in _COMMANDS
            and isinstance(call.func, ast.Attribute)
            and call_name(call.func.value) == "command"
        ):
            command = name  # `command.stamp(...)` with `command` bound where miglint cannot see
        if command is not None:
            revision = next((k.value for k in call.keywords if k.arg == "revision"), None)
            if revision is None and len(call.args) >= 2:
                revision = call.args[1]
            return command, "alembic.command", revision
        if (
            name == "stamp"
            and isinstance(call.func, ast.Attribute)
            and self.is_migration_context(call.func.value)
        ):
            # MigrationContext.stamp(script_directory, revision): what command.stamp() itself runs
            revision = next((k.value for k in call.keywords if k.arg == "revision"), None)
            if revision is None and len(call.args) >= 2:
                revision = call.args[1]
            return "stamp", "MigrationContext.stamp", revision
        if (
            name in ("stamp", "upgrade")
            and isinstance(call.func, ast.Attribute)
            and self.is_extension(call.func.value)
        ):
            revision = next((k.value for k in call.keywords if k.arg in ("revision", "version")), None)
            if revision is None and call.args:
                revision = call.args[0]
            return name, "oslo.db migration_cli", revision
        if name in _SUBPROCESS and call.args:
            words = call.args[0]
            if isinstance(words, (ast.List, ast.Tuple)):
                items = words.elts
                texts = [
                    e.value if isinstance(e, ast.Constant) and isinstance(e.value, str) else None
                    for e in items
                ]
                found = command_index(texts)
                if found is None:
                    return None
                command, index, tool = found
                return (
                    command,
                    tool,
                    items[index] if index < len(items) else _unnamed_revision(command, tool, call),
                )
            if isinstance(words, ast.JoinedStr):
                return _fstring_command(words)
            if isinstance(words, ast.Constant) and isinstance(words.value, str):
                try:
                    parts = shlex.split(words.value)
                except ValueError:
                    return None
                found = command_index(list(parts))
                if found is None:
                    return None
                command, index, tool = found
                if index >= len(parts):
                    return command, tool, _unnamed_revision(command, tool, call)
                # `$REV`, `${REV}`, `$(cmd)`: the shell fills it in at run time, a value miglint cannot name
                expanded = "$" in parts[index] or "`" in parts[index]
                return (
                    command,
                    tool,
                    _located(ast.Constant(None if expanded else parts[index]), words),
                )
        return None

    def _targets(
        self,
        node: ast.expr,
        conditions: tuple[Condition, ...],
        scope: _Scope,
        depth: int = 0,
        where: Span | None = None,
    ) -> Iterator[Target]:
        span = self.span(node) if hasattr(node, "lineno") else Span.point(1)
        symbolic = _symbolic_revision(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            written = self.segment(node)
            try:
                exact = ast.literal_eval(written) == node.value
            except (ValueError, SyntaxError):
                exact = False  # a word of a shell string: its span is the whole command
            yield Target(node.value, span, conditions, exact)
        elif symbolic is not None:
            # `script.get_current_head()`: the head, read where the value is chosen
            yield Target(symbolic, where or span, conditions, exact=False, source=_unparse(node))
        elif isinstance(node, ast.JoinedStr) and depth < 4:
            # f"{BASE}" or f"{label}@head": each placeholder resolved like a name
            texts: list[tuple[str, tuple[Condition, ...]]] = [("", conditions)]
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    texts = [(t + part.value, c) for t, c in texts]
                    continue
                inner = part.value if isinstance(part, ast.FormattedValue) else part
                values = [
                    t for t in self._targets(inner, conditions, scope, depth + 1) if t.value is not None
                ]
                if not values or not isinstance(part, ast.FormattedValue) or part.format_spec is not None:
                    yield Target(None, span, conditions)
                    return
                texts = [(t + v.value, v.conditions) for t, _ in texts for v in values]  # type: ignore[operator]
            for text, text_conditions in texts:
                yield Target(text, span, text_conditions, exact=False)  # rewriting an f-string is not safe
        elif isinstance(node, ast.Name) and depth < 4 and scope.values(node.id):
            for value, value_conditions in scope.values(node.id) or []:
                # `stamp_revision = BASELINE` in an elif: keep that branch's tests too
                merged = (*conditions, *(c for c in value_conditions if c not in conditions))
                yield from self._targets(
                    value, merged if depth else value_conditions, scope, depth + 1, where or self.span(value)
                )
        else:
            yield Target(None, span, conditions)


_COMPOUND = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
)  # fmt: skip
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


# What returns the MigrationContext a script stamps with (`context.get_context()` in env.py,
# `op.get_context()`, `MigrationContext.configure(connection)` in a runner).
_CONTEXT_FACTORIES = frozenset(
    {
        "alembic.context.get_context",
        "alembic.op.get_context",
        "alembic.runtime.migration.MigrationContext.configure",
        "alembic.migration.MigrationContext.configure",
    }
)


def _names_bound(tree: ast.Module, holds: Callable[[ast.expr], bool], annotation: str) -> set[str]:
    """The names the module binds to what `holds` recognises: assigned one, or a parameter
    annotated with the class `annotation`."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if holds(node.value):
                found.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.arg) and node.annotation is not None:
            if _unparse(node.annotation).strip("'\"").rsplit(".", 1)[-1] == annotation:
                found.add(node.arg)
    return found


# oslo.db's migration_cli classes whose stamp()/upgrade() run Alembic's commands
_OSLO_EXTENSIONS = frozenset(
    {
        "oslo_db.sqlalchemy.migration_cli.ext_alembic.AlembicExtension",
        "oslo_db.sqlalchemy.migration_cli.manager.MigrationManager",
    }
)


def _note_import(node: ast.Import | ast.ImportFrom, names: dict[str, str]) -> None:
    """What an import binds: `import alembic.command as ac` -> ac = alembic.command,
    `from alembic.command import stamp as s` -> s = alembic.command.stamp."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                names[alias.asname] = alias.name
            else:
                first = alias.name.split(".")[0]
                names[first] = first
    elif node.module and not node.level:
        for alias in node.names:
            names[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def _qualified(func: ast.expr, aliases: dict[str, str]) -> str | None:
    """The dotted name a call runs, through imports and `getattr(module, "name")`;
    None when its first name is not imported."""
    parts: list[str] = []
    while True:
        if isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        elif (
            isinstance(func, ast.Call)
            and call_name(func.func) == "getattr"
            and len(func.args) >= 2
            and isinstance(func.args[1], ast.Constant)
            and isinstance(func.args[1].value, str)
        ):
            parts.append(func.args[1].value)
            func = func.args[0]
        else:
            break
    if not isinstance(func, ast.Name) or func.id not in aliases:
        return None
    qualified = ".".join((aliases[func.id], *reversed(parts)))
    if qualified == "alembic.config.command" or qualified.startswith("alembic.config.command."):
        # alembic/config.py imports the command module (`from . import command`): RootTheBox
        # writes `from alembic.config import Config, command`
        return "alembic.command" + qualified[len("alembic.config.command") :]
    return qualified


def _symbolic_revision(node: ast.expr) -> str | None:
    """`script.get_current_head()` -> head, `get_heads()` -> heads (`[0]`: head), `get_base()` -> base."""
    indexed = isinstance(node, ast.Subscript)
    call = node.value if isinstance(node, ast.Subscript) else node
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    name = call.func.attr
    if name == "get_current_head" and not indexed:
        return "head"
    if name == "get_heads":
        return "head" if indexed else "heads"
    if name == "get_base" and not indexed:
        return "base"
    if name == "get_bases" and indexed:
        return "base"
    return None


def _loads_dump(text: str) -> bool:
    """A file name or command that loads a whole schema: `00_init.sql`, `schema.dump`, pg_restore."""
    lowered = text.strip().lower()
    return lowered.endswith((".sql", ".sql.gz", ".dump")) or lowered.startswith("pg_restore")


def command_index(words: list[str | None]) -> tuple[str, int, str] | None:
    """(command, index of the revision, tool) in an `alembic ... stamp|upgrade [options] REV`
    word list ("alembic CLI"), or Flask-Migrate's `flask ... db stamp|upgrade [options] [REV]`
    (and `manage.py db`: FLASK_CLI)."""
    command = next((w for w in words if w in _COMMANDS), None)
    if command is None:
        return None
    start = words.index(command)
    tool = cli_tool(words[:start])
    if (
        not any(w is not None and w.rsplit("/", 1)[-1] in ("alembic", "alembic.exe") for w in words[:start])
        and ("-m" not in words[:start] or "alembic" not in words[:start])
        and tool != FLASK_CLI
    ):
        return None
    index = start + 1
    while index < len(words) and words[index] is not None and words[index].startswith("-"):  # type: ignore[union-attr]
        index += 2 if words[index] in _OPTIONS_WITH_VALUE else 1
    return command, index, tool


def _unnamed_revision(command: str, tool: str, call: ast.Call) -> ast.expr | None:
    """The revision of a command line that names none: `flask db stamp` stamps head
    (Flask-Migrate's default); Alembic's own needs one (None: nothing to read)."""
    return _implicit_head(call) if tool == FLASK_CLI and command == "stamp" else None


FLASK_CLI = "flask db"  # StampSite.tool of Flask-Migrate's command line


def cli_tool(words: Sequence[str | None]) -> str:
    """Which command line a word list runs: Flask-Migrate's `flask db` / `manage.py db`
    (its subcommand right before the stamp or upgrade), else Alembic's own."""
    launcher = {w.rsplit("/", 1)[-1] for w in words if w is not None}
    if words and words[-1] == "db" and launcher & {"flask", "manage.py", "flask.exe"}:
        return FLASK_CLI
    if len(words) > 1 and words[-1] == "db" and "flask" in words and "-m" in words:
        return FLASK_CLI  # `python -m flask db stamp`
    return "alembic CLI"


def _fstring_command(words: ast.JoinedStr) -> tuple[str, str, ast.expr | None] | None:
    """`f"alembic stamp {REV}"`: split like the shell, keep the revision word's placeholders."""
    template, placeholders = _template_text(words)  # a marker no shell word contains
    try:
        split: list[str | None] = list(shlex.split(template))
    except ValueError:
        return None
    found = command_index(split)
    if found is None:
        return None
    command, index, tool = found
    if index >= len(split) or split[index] is None:
        return command, tool, None
    return command, tool, _filled_fstring(str(split[index]), placeholders, words)


def _implicit_head(call: ast.Call) -> ast.Constant:
    """The `head` a call means without saying it: placed at the call, never rewritten."""
    return ast.copy_location(ast.Constant("head"), call)


def _located(node: ast.Constant, where: ast.expr) -> ast.Constant:
    """A word split out of a shell string, placed at that string (its own column is unknown)."""
    return ast.copy_location(node, where)


def _is_exit(statement: ast.stmt) -> bool:
    """`sys.exit(...)`, `exit(...)`, `os._exit(...)`, `raise SystemExit`."""
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        return "SystemExit" in _unparse(statement.exc)
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return call_name(statement.value.func) in ("exit", "_exit", "quit")
    return False


def _unparse(node: ast.AST) -> str:
    """The expression as Python writes it; ast.unparse recurses, so a test nested thousands
    deep (which ast.parse still accepts) is named by its line instead of crashing the run."""
    try:
        return ast.unparse(node)
    except RecursionError:
        return f"<expression at line {getattr(node, 'lineno', '?')}>"


# What fills in a template's placeholders: `.format(*args, **keywords)`, or the right side of `%`.
_Fill = tuple[list[ast.expr], dict[str, ast.expr]]


def _version_row_template(node: ast.AST) -> tuple[ast.Constant | ast.JoinedStr, _Fill | None] | None:
    """SQL text built with its values filled in: an f-string (its values are its own), a
    literal's `.format(...)`, or a literal `% ...`; with what fills it in."""
    if isinstance(node, ast.JoinedStr):
        return node, None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
        return node.func.value, ([a for a in node.args if not isinstance(a, ast.Starred)], keywords)
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.left, ast.Constant)
        and isinstance(node.left.value, str)
    ):
        right = node.right
        if isinstance(right, ast.Tuple):
            return node.left, (list(right.elts), {})
        if isinstance(right, ast.Dict):
            keyed = {k.value: v for k, v in zip(right.keys, right.values) if isinstance(k, ast.Constant)}
            return node.left, ([], {str(k): v for k, v in keyed.items()})
        return node.left, ([right], {})
    return None


def _template_text(node: ast.Constant | ast.JoinedStr) -> tuple[str, list[ast.expr]]:
    """The text, an f-string's placeholders marked (`\\x00N\\x00`), and those placeholders."""
    if isinstance(node, ast.Constant):
        return str(node.value), []
    text = ""
    placeholders: list[ast.expr] = []
    for part in node.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            text += part.value
        else:
            text += f"{_FSTRING_MARK}{len(placeholders)}{_FSTRING_MARK}"
            placeholders.append(part)
    return text, placeholders


def _filled_fstring(revision: str, placeholders: list[ast.expr], where: ast.JoinedStr) -> ast.JoinedStr:
    """The revision written in an f-string, as an f-string of its own: `'{rev}'` -> f"{rev}"."""
    pieces = revision.split(_FSTRING_MARK)
    values: list[ast.expr] = [
        placeholders[int(piece)] if number % 2 else ast.Constant(piece)
        for number, piece in enumerate(pieces)
        if piece
    ]
    return ast.copy_location(ast.JoinedStr(values=values), where)


def _filled_argument(revision: str, fill: _Fill, position: int) -> ast.expr | None:
    """The value that fills in a revision written as one placeholder (`'{}'`, `'{0}'`,
    `'{rev}'`, `'%s'`, `'%(rev)s'`), the `position`-th of the text; None when miglint
    cannot tell which (a placeholder and more, a value spread from a list)."""
    match = _PLACEHOLDER.fullmatch(revision)
    if match is None:
        return None
    arguments, keywords = fill
    if revision.startswith("{"):
        field = revision[1:-1].split("!")[0].split(":")[0]
        if field.isdigit():
            position, field = int(field), ""
        if field:
            return keywords.get(field)
    elif match.group(1):  # %(rev)s
        return keywords.get(match.group(1)[1:-1])
    return arguments[position] if position < len(arguments) else None


def _positional(placeholder: str) -> bool:
    """`{}` or `%s`: it takes the next value given by position."""
    return placeholder == "{}" or (placeholder.startswith("%") and not placeholder.startswith("%("))
