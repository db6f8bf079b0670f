"""What a version file asks of Alembic's `op` and `context` while it is imported (MG507).

`op` and `context` are proxies that Alembic sets up only while a migration runs. It
imports every version file to build the history for `alembic heads`, `history`,
`check` and `revision`, where no migration runs: `bind = op.get_bind()` at the top of a
file then raises NameError ("the proxy object has not yet been established"), and
`context.config` AttributeError, and the whole history cannot be listed. Code that runs
on import is the module's own statements and its class bodies; function bodies wait
to be called. A use inside a `try` whose handler catches NameError (or AttributeError,
Exception, BaseException, or everything) is the projects' way of making the import
survive (magfest/ubersystem, RootTheBox): not reported.

The compiled module says whether its own code names any attribute of the proxies
(`co_names`: a set test, nothing more for the files that do not); only those files are
parsed to find where.
"""

from __future__ import annotations

import ast
import types

from ..model import ImportTimeUse, Span

# Operations' and EnvironmentContext's public attributes (Alembic 1.20; tests/test_importtime.py
# checks the list against the installed Alembic)
PROXY_ATTRIBUTES = frozenset({
    "add_column", "alter_column", "batch_alter_table", "bulk_insert", "context", "create_check_constraint",
    "create_exclude_constraint", "create_foreign_key", "create_index", "create_module_class_proxy",
    "create_primary_key", "create_table", "create_table_comment", "create_unique_constraint", "drop_column",
    "drop_constraint", "drop_index", "drop_table", "drop_table_comment", "execute", "f", "get_bind",
    "get_context", "implementation_for", "inline_literal", "invoke", "register_operation", "rename_table",
    "run_async",
    "begin_transaction", "config", "configure", "get_head_revision", "get_head_revisions", "get_impl",
    "get_revision_argument", "get_starting_revision_argument", "get_tag_argument", "get_x_argument",
    "is_offline_mode", "is_transactional_ddl", "requires_connection", "run_migrations", "script",
    "static_output",
})  # fmt: skip
_PROXIES = frozenset({"op", "context"})
# the pre-check's names: `context` is an attribute of Operations too, and a file that imports
# `context` has it among its names already (`op.context` alone on import is missed)
_ASKED = PROXY_ATTRIBUTES - _PROXIES
# what a handler must catch for the import to survive the proxy's error
_SURVIVING = frozenset({"NameError", "AttributeError", "Exception", "BaseException"})
_FUNCTION_FLAGS = 0x1 | 0x2  # CO_OPTIMIZED | CO_NEWLOCALS: a class body's code object has neither


def may_use_proxies_at_import(code: types.CodeType) -> bool:
    """Whether the module's own code (or a class body's) names an attribute of a proxy."""
    names = code.co_names
    if not _PROXIES.isdisjoint(names) and not _ASKED.isdisjoint(names):
        return True
    return any(
        isinstance(const, types.CodeType)
        and not const.co_flags & _FUNCTION_FLAGS
        and may_use_proxies_at_import(const)
        for const in code.co_consts
    )


def import_time_uses(text: str, tree: ast.Module | None = None) -> tuple[ImportTimeUse, ...]:
    """Each unguarded `op.x` / `context.x` the module runs on import, by the name the
    file imported the proxy under (`from alembic import op as alembic_op`)."""
    if tree is None:
        tree = ast.parse(text)
    proxies = _proxy_names(tree.body)
    if not proxies:
        return ()
    found: list[ImportTimeUse] = []
    _statements(tree.body, proxies, found)
    return tuple(sorted(found, key=lambda use: (use.span.line, use.span.column)))


def _proxy_names(body: list[ast.stmt]) -> dict[str, str]:
    """Name bound -> the proxy (`op` / `context`), from the module's own imports."""
    bound: dict[str, str] = {}
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "alembic" and not node.level:
            for alias in node.names:
                if alias.name in _PROXIES:
                    bound[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in ("alembic.op", "alembic.context") and alias.asname:
                    bound[alias.asname] = alias.name.rpartition(".")[2]
    return bound


def _statements(
    body: list[ast.stmt],
    proxies: dict[str, str],
    found: list[ImportTimeUse],
    survived: set[str] | None = None,
) -> None:
    """`survived`: names a try that survives the proxy's error assigns (ubersystem: `try: is_sqlite
    = op.get_context()... except: is_sqlite = False`, then `if is_sqlite: op.get_context()...`,
    which the failed import never reaches): an `if` testing one of them guards its body."""
    survived = set() if survived is None else survived
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _expressions(statement.decorator_list + _defaults(statement.args), proxies, found)
            continue
        if isinstance(statement, ast.ClassDef):
            _expressions(statement.decorator_list + statement.bases, proxies, found)
            _statements(statement.body, proxies, found)
            continue
        if isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            handlers: list[ast.ExceptHandler] = getattr(statement, "handlers", [])
            if any(_survives(handler) for handler in handlers):
                survived.update(_assigned(getattr(statement, "body", [])))
            else:
                _statements(getattr(statement, "body", []), proxies, found, survived)
            for part in (handlers, getattr(statement, "orelse", []), getattr(statement, "finalbody", [])):
                for item in part:
                    block = item.body if isinstance(item, ast.ExceptHandler) else [item]
                    _statements(block, proxies, found, survived)
            continue
        if isinstance(statement, ast.If) and survived and _names(statement.test) & survived:
            _expressions([statement.test], proxies, found)
            _statements(statement.orelse, proxies, found, survived)
            continue
        nested = [getattr(statement, field, None) for field in ("body", "orelse")]
        heads = [
            value
            for field, value in ast.iter_fields(statement)
            if field not in ("body", "orelse", "handlers")
        ]
        _expressions([h for h in _flat(heads) if isinstance(h, ast.AST)], proxies, found)
        for block in nested:
            if isinstance(block, list):
                _statements(block, proxies, found, survived)


def _expressions(nodes: list[ast.AST], proxies: dict[str, str], found: list[ImportTimeUse]) -> None:
    """The proxies' attributes the expressions use: a method called (`op.get_bind()`), or a
    value read (`context.config`). A method only named (`add_col = op.add_column`, zato) is
    a function Alembic made when it was imported: it raises when called, not before."""
    todo = list(nodes)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue  # runs when called
        if isinstance(node, ast.Call) and _proxied(node.func, proxies):
            _found(node.func, proxies, found, node.func.attr in _METHODS[proxies[node.func.value.id]])  # type: ignore[attr-defined]
            todo.extend([*node.args, *node.keywords])
            continue
        if _proxied(node, proxies):
            proxy = proxies[node.value.id]  # type: ignore[attr-defined]
            if node.attr not in _METHODS[proxy]:  # type: ignore[attr-defined]
                _found(node, proxies, found, False)  # type: ignore[arg-type]
            continue
        todo.extend(ast.iter_child_nodes(node))


# What each proxy module holds from its import on (Alembic makes a function for each method
# of the class it stands for): reading one is harmless, calling it raises. Reading any other
# attribute asks the missing object (`context.config`: AttributeError). Alembic 1.20;
# tests/test_importtime.py checks both against the installed Alembic.
_METHODS = {
    "op": frozenset({
        "add_column", "alter_column", "batch_alter_table", "bulk_insert", "context", "create_check_constraint",
        "create_exclude_constraint", "create_foreign_key", "create_index", "create_module_class_proxy",
        "create_primary_key", "create_table", "create_table_comment", "create_unique_constraint",
        "drop_column", "drop_constraint", "drop_index", "drop_table", "drop_table_comment", "execute", "f",
        "get_bind", "get_context", "implementation_for", "inline_literal", "invoke", "register_operation",
        "rename_table", "run_async",
    }),
    "context": frozenset({
        "begin_transaction", "configure", "create_module_class_proxy", "execute", "get_bind", "get_context",
        "get_head_revision", "get_head_revisions", "get_impl", "get_revision_argument",
        "get_starting_revision_argument", "get_tag_argument", "get_x_argument", "is_offline_mode",
        "is_transactional_ddl", "requires_connection", "run_migrations", "static_output",
    }),
}  # fmt: skip


def _proxied(node: ast.AST, proxies: dict[str, str]) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in proxies


def _found(node: ast.Attribute, proxies: dict[str, str], found: list[ImportTimeUse], called: bool) -> None:
    """`called`: a method of the proxy called (NameError), else an attribute read that the
    proxy does not hold (AttributeError)."""
    name = node.value.id  # type: ignore[attr-defined]
    span = Span(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)
    found.append(ImportTimeUse(f"{name}.{node.attr}", proxies[name], span, called))


def _assigned(body: list[ast.stmt]) -> set[str]:
    return {
        node.id
        for statement in body
        for node in ast.walk(statement)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _defaults(arguments: ast.arguments) -> list[ast.AST]:
    return [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]


def _flat(values: list[object]) -> list[object]:
    out: list[object] = []
    for value in values:
        out.extend(value if isinstance(value, list) else [value])
    return out


def _survives(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        (isinstance(c, ast.Name) and c.id in _SURVIVING)
        or (isinstance(c, ast.Attribute) and c.attr in _SURVIVING)
        for c in caught
    )
