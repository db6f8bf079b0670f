"""What each module-level `upgrade*()` / `downgrade*()` function does, read from its code object.

reading/parse.py compiles every version file anyway; the compiled body answers "does this
function do anything?" exactly and for free: a docstring, comments, `pass`, `...`,
a bare `return` compile to `return None` and nothing else. No AST is needed.

Only instructions are compared, never their layout, so every CPython from 3.9 reads
the same: the sets below name the opcodes each version uses for those shapes.
"""

from __future__ import annotations

import dis
import types
from collections.abc import Iterator

from ..lazyre import pattern
from ..model import EntryBody

_ENTRY = pattern(r"(?:up|down)grade(?:_\w+)?\Z")
# `return None`, and what CPython puts around it (3.11+ RESUME and inline caches)
_NOTHING = frozenset({"RESUME", "NOP", "CACHE", "EXTENDED_ARG", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST"})
# what building the exception of a single `raise NotImplementedError(f"... {x}")` takes
_BUILD_EXCEPTION = frozenset({
    "LOAD_GLOBAL", "LOAD_NAME", "LOAD_ATTR", "LOAD_METHOD", "LOAD_DEREF", "LOAD_FAST", "PUSH_NULL",
    "PRECALL", "CALL", "CALL_FUNCTION", "CALL_FUNCTION_KW", "CALL_METHOD", "CALL_KW", "KW_NAMES",
    "FORMAT_VALUE", "FORMAT_SIMPLE", "FORMAT_WITH_SPEC", "CONVERT_VALUE", "BUILD_STRING",
    "RAISE_VARARGS",
})  # fmt: skip


def entry_bodies(code: types.CodeType) -> tuple[EntryBody, ...]:
    """Each module-level function named upgrade, downgrade, upgrade_<x> or downgrade_<x>."""
    defined: dict[str, list[types.CodeType]] = {}
    for const in code.co_consts:
        if isinstance(const, types.CodeType) and _is_entry_name(const.co_name):
            defined.setdefault(const.co_name, []).append(const)
    # `upgrade_<engine>()` are entries only when upgrade() runs them by name, as Alembic's
    # multidb template does (`globals()["upgrade_%s" % engine_name]()`); else helpers
    dispatch = set()
    for entry in ("upgrade", "downgrade"):
        if any(_names_by_string(f, f"{entry}_") for f in defined.get(entry, ())):
            dispatch.add(entry)
        else:
            for name in [n for n in defined if n.startswith(f"{entry}_")]:
                del defined[name]
    found = []
    for name, functions in defined.items():
        function = functions[0]
        body = "unknown" if len(functions) > 1 else "dispatch" if name in dispatch else _body(function)
        found.append(EntryBody(name, function.co_firstlineno, body))
    # A name bound another way too (`downgrade = upgrade`, `from .common import downgrade`)
    # is in co_names beside its `def`, or without one: what Alembic calls is not known.
    defs = {f.co_name for functions in defined.values() for f in functions}
    stores = _stored_names(code)
    out = [EntryBody(body.name, body.line, "unknown") if body.name in stores else body for body in found]
    out.extend(
        EntryBody(name, 0, "unknown") for name in sorted(stores - defs) if name in ("upgrade", "downgrade")
    )
    return tuple(sorted(out, key=lambda e: (e.line, e.name)))


def _is_entry_name(name: str) -> bool:
    # a prefix test first: most names of a module are neither (sa, op, revision...)
    return name[:2] in ("up", "do") and _ENTRY.match(name) is not None


def _names_by_string(function: types.CodeType, prefix: str) -> bool:
    return any(isinstance(c, str) and c.startswith(prefix) for c in function.co_consts)


def _body(function: types.CodeType) -> str:
    # the opcodes alone decide, so the raw bytes are read (every other byte is an opcode):
    # dis.get_instructions costs ~50x more, computing lines and positions first
    used = set(function.co_code[0::2])
    if used <= _NOTHING_OPS:
        return "empty"
    if _RAISE in used and used <= _RAISE_ONLY_OPS:
        return "raises"
    return "work"


def _stored_names(code: types.CodeType) -> set[str]:
    """Entry names the module binds other than by `def`: assignments and imports.

    A `def` stores its name right after MAKE_FUNCTION; any other store of such a
    name is another binding. The stores of the few entry names are found in the raw
    bytes (a store is its opcode and the name's index, at an even offset), rather than by
    walking every instruction of the module in Python.
    """
    names = code.co_names
    if len(names) > 255:  # an index past one byte takes an EXTENDED_ARG: walked
        return _stored_names_walked(code)
    raw = code.co_code
    stored = set()
    for index, name in enumerate(names):
        if not _is_entry_name(name):
            continue
        for op in _STORES:
            pair = bytes((op, index))
            at = raw.find(pair)
            while at >= 0:
                if at % 2 == 0:
                    before = at - 2
                    while before >= 0 and raw[before] == _CACHE:
                        before -= 2
                    if before < 0 or raw[before] != _MAKE_FUNCTION:
                        stored.add(name)
                        break
                at = raw.find(pair, at + 1)
    return stored


def _stored_names_walked(code: types.CodeType) -> set[str]:
    """_stored_names, instruction by instruction."""
    names = code.co_names
    stored = set()
    previous = -1
    for _, op, arg in instructions(code):
        if op in _STORES and arg < len(names) and previous != _MAKE_FUNCTION and _ENTRY.match(names[arg]):
            stored.add(names[arg])
        previous = op
    return stored


def instructions(code: types.CodeType) -> Iterator[tuple[int, int, int]]:
    """(offset, opcode, argument) of each instruction of `code` itself, EXTENDED_ARG folded
    into the argument it extends and CACHE entries skipped: what dis gives without the
    cost of its Instruction objects."""
    raw = code.co_code
    extended = 0
    for at in range(0, len(raw), 2):
        op = raw[at]
        if op == _CACHE:
            continue
        if op == _EXTENDED_ARG:
            extended = (extended | raw[at + 1]) << 8
            continue
        yield at, op, extended | raw[at + 1]
        extended = 0


def _ops(names: frozenset[str]) -> frozenset[int]:
    return frozenset(dis.opmap[name] for name in names if name in dis.opmap)


_NOTHING_OPS = _ops(_NOTHING)
_RAISE_ONLY_OPS = _ops(_NOTHING | _BUILD_EXCEPTION)
_RAISE = dis.opmap["RAISE_VARARGS"]
_CACHE = dis.opmap.get("CACHE", -1)
_EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]
_MAKE_FUNCTION = dis.opmap["MAKE_FUNCTION"]
_STORES = _ops(frozenset({"STORE_NAME", "STORE_GLOBAL"}))
