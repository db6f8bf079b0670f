"""The absolute imports of a version file that may be the application's own (MG506).

Imports of Alembic, SQLAlchemy, `__future__` and the standard library are left out
here; relative imports too (`from ..helpers import x`, `from . import _utils`): they
name modules of the migration tree itself. Which of the rest are the application's is
decided against the repository's directories later (facts/appimports.py), so that this
record stays a function of the file's bytes.

A regex looks at the import lines first: most files import only Alembic and
SQLAlchemy, and those are never parsed for this.
"""

from __future__ import annotations

import dis
import sys
import types
from collections.abc import Iterator, Sequence

from ..lazydataclass import replace
from ..lazyre import pattern
from ..model import HeaderValue, ImportFact, Span
from .entrybodies import instructions

_FAMILIAR = frozenset({"__future__", "alembic", "sqlalchemy"})
if sys.version_info >= (3, 10):
    _STANDARD = frozenset(sys.stdlib_module_names)
else:  # pragma: no cover - the modules version files import, for Python 3.9
    _STANDARD = frozenset({
        "abc", "base64", "collections", "contextlib", "copy", "csv", "dataclasses", "datetime",
        "decimal", "enum", "functools", "hashlib", "itertools", "json", "logging", "math", "os",
        "pathlib", "random", "re", "secrets", "string", "sys", "textwrap", "time", "typing",
        "uuid", "warnings", "zoneinfo",
    })  # fmt: skip
_SKIPPED = _FAMILIAR | _STANDARD
# `from M import` / `import M, N as x` at the start of a line (a statement, or text in
# a string: the regex only decides whether the tree is read)
# (a pattern that starts with a newline is searched for at C speed; `^` with re.M is tried
# at every offset; the text is searched with a newline put before it)
_IMPORT_LINE = pattern(r"\n[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([^\n#;]+))")


def may_import_others(text: str) -> bool:
    """Whether any import line names a module this reader does not skip."""
    if "import" not in text:
        return False
    for match in _IMPORT_LINE.finditer(f"\n{text}" if text[:4] in ("from", "impo") else text):
        source, plain = match.groups()
        modules = (
            [source] if source is not None else [part.split()[0] for part in plain.split(",") if part.split()]
        )
        for module in modules:
            top = module.strip("()\\").split(".")[0]
            if top and top not in _SKIPPED:
                return True
    return False


def import_facts(code: types.CodeType, text: str) -> tuple[ImportFact, ...]:
    """The kept imports, read from the compiled module and the code of its functions and
    classes: exactly the import statements Python runs, never text in a string, and no
    syntax tree (which would cost more than the rest of the file's reading)."""
    lines = text.splitlines()
    found: list[ImportFact] = []
    todo = [code]
    while todo:
        current = todo.pop()
        todo.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
        if _IMPORT_NAME in current.co_code[0::2]:
            found.extend(_imports_of(current, lines))
    return tuple(sorted(found, key=lambda f: (f.span.line, f.module)))


def _imports_of(code: types.CodeType, lines: list[str]) -> Iterator[ImportFact]:
    function = "" if code.co_name.startswith("<") else code.co_name
    starts = list(dis.findlinestarts(code))
    loaded: list[object] = [_OTHER, _OTHER]  # the values of the last two constants loaded
    binding: ImportFact | None = None  # the import whose names are being stored
    bound: list[str] = []
    for at, op, arg in instructions(code):
        if binding is not None:
            if op in _STORES:
                bound.append(_STORES[op](code)[arg])
                continue
            if op in _BETWEEN_STORES:
                continue
            yield replace(binding, bound=tuple(bound))
            binding = None
        if op == _LOAD_CONST:
            loaded = [loaded[1], code.co_consts[arg]]
            continue
        if op == _LOAD_SMALL_INT:
            loaded = [loaded[1], arg]
            continue
        if op == _IMPORT_NAME:
            level, fromlist = loaded
            module = code.co_names[arg]
            line = _line_at(starts, at)
            if level == 0 and _kept(module) and not _for_type_checkers(line, lines):
                names = tuple(str(n) for n in fromlist) if isinstance(fromlist, tuple) else ()
                binding, bound = ImportFact(module, names, _span(line, lines), function), []
        loaded = [loaded[1], _OTHER]
    if binding is not None:
        yield replace(binding, bound=tuple(bound))


def _line_at(starts: Sequence[tuple[int, int | None]], offset: int) -> int:
    line = 1
    for start, number in starts:
        if start > offset:
            break
        if number is not None:
            line = number
    return line


def _for_type_checkers(line: int, lines: list[str]) -> bool:
    """Whether the import sits in an `if TYPE_CHECKING:` block: it never runs."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    indent = len(text) - len(text.lstrip())
    for above in reversed(lines[: max(line - 1, 0)]):
        stripped = above.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(above) - len(stripped) < indent:
            return _TYPE_CHECKING.match(stripped) is not None
    return False


def _span(line: int, lines: list[str]) -> Span:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    column = len(text) - len(text.lstrip())
    return Span(line, column, line, len(text.rstrip()))


def _kept(module: str) -> bool:
    return module.split(".")[0] not in _SKIPPED


def mark_header_only(
    facts: tuple[ImportFact, ...], headers: Sequence[HeaderValue | None]
) -> tuple[ImportFact, ...]:
    """Set `header_only` on module-level imports whose every name is a header value's
    reference (`from myapp.labels import EXPAND`; `branch_labels = EXPAND`, or
    `from p import cli` with `(cli.EXPAND,)`)."""
    used: set[tuple[str, str]] = set()
    for value in headers:
        if value is None:
            continue
        items = [value.imported_from] if value.imported_from is not None else list(value.imported_items or ())
        for item in items:
            if isinstance(item, tuple) and item[2] == 0:
                module, name, _ = item
                used.add((module, name))
                used.add((module, ""))  # `import myapp.labels` then `myapp.labels.EXPAND`
                if "." in module:  # `cli.EXPAND` after `from p import cli`: p imports cli
                    parent, _, last = module.rpartition(".")
                    used.add((parent, last))
    if not used:
        return facts
    return tuple(
        replace(fact, header_only=True)
        if not fact.function and all((fact.module, name) in used for name in fact.names or ("",))
        else fact
        for fact in facts
    )


_IMPORT_NAME = dis.opmap["IMPORT_NAME"]
# what an import statement binds: the stores after IMPORT_NAME (and each IMPORT_FROM)
_STORES = {
    dis.opmap["STORE_NAME"]: lambda code: code.co_names,
    dis.opmap["STORE_GLOBAL"]: lambda code: code.co_names,
    dis.opmap["STORE_FAST"]: lambda code: code.co_varnames,
}
_BETWEEN_STORES = frozenset(
    dis.opmap[name] for name in ("IMPORT_FROM", "POP_TOP", "SWAP", "COPY") if name in dis.opmap
)
_LOAD_CONST = dis.opmap["LOAD_CONST"]
_LOAD_SMALL_INT = dis.opmap.get("LOAD_SMALL_INT", -1)  # 3.14 loads an import's level 0 so
_TYPE_CHECKING = pattern(r"if\s+(?:typing\.)?TYPE_CHECKING\s*:")
_OTHER = object()  # a value on the stack that is not a constant
