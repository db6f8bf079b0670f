"""Module-level regular expressions compiled on first use, not on import.

A run that changed one file imports every reader and rule module, and their ~110
patterns took ~8 ms to compile (of a ~90 ms run), though such a run uses ~16 of them.
`pattern(...)` stands for `re.compile(...)` at module level: it returns a stand-in that
compiles the pattern on its first attribute access (`.search`, `.finditer`...) and then
puts the compiled pattern in its place in the module's namespace, so that every later
use is a plain global lookup of a real `re.Pattern`.

Only for module-level names: a stand-in kept elsewhere (in a container, a default
argument, another module that imported it by name) still works, through one more
attribute lookup per use. Never pass one to a function of `re` (`re.sub(PATTERN, ...)`):
use its methods.
"""

from __future__ import annotations

import re
import sys
from typing import Any, cast


class _Deferred:
    __slots__ = ("_flags", "_module", "_real", "_text")

    def __init__(self, text: str, flags: int, module: str) -> None:
        self._text, self._flags, self._module = text, flags, module
        self._real: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        real = self._real
        if real is None:
            real = self._real = re.compile(self._text, self._flags)
            namespace = vars(sys.modules[self._module]) if self._module in sys.modules else {}
            for key in [key for key, value in namespace.items() if value is self]:
                namespace[key] = real
        return getattr(real, name)

    def __repr__(self) -> str:
        return f"pattern({self._text!r}, {self._flags!r})"


def pattern(text: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """`re.compile(text, flags)`, compiled when first used (see the module docstring)."""
    module = sys._getframe(1).f_globals.get("__name__", "")
    return cast("re.Pattern[str]", _Deferred(text, int(flags), module))
