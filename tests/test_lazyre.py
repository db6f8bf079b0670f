"""Module-level patterns compiled on first use (lint/lazyre.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import types

from miglint.lazyre import _Deferred, pattern


def _module(source: str) -> types.ModuleType:
    module = types.ModuleType("miglint_lazyre_probe")
    sys.modules[module.__name__] = module
    try:
        exec(compile(source, "<probe>", "exec"), module.__dict__)
    except BaseException:
        del sys.modules[module.__name__]
        raise
    return module


def test_a_pattern_is_compiled_on_first_use_and_then_replaces_itself() -> None:
    module = _module("from miglint.lazyre import pattern\nWORD = pattern(r'(?P<w>[a-z]+)', 2)\n")
    try:
        assert isinstance(module.WORD, _Deferred)  # nothing compiled on import
        found = module.WORD.search("12 Abc")
        assert found is not None and found.group("w") == "Abc"  # the flags (re.IGNORECASE) kept
        assert isinstance(module.WORD, re.Pattern)  # the module now holds the real pattern
        assert module.WORD.flags & re.IGNORECASE
    finally:
        del sys.modules["miglint_lazyre_probe"]


def test_a_stand_in_kept_elsewhere_keeps_working() -> None:
    stand_in = pattern(r"\d+")
    kept = (stand_in,)
    assert [m.group() for m in kept[0].finditer("a1b22")] == ["1", "22"]
    assert kept[0].sub("#", "a1b22") == "a#b#"
    assert kept[0].pattern == r"\d+"


def test_a_run_compiles_only_the_patterns_it_uses() -> None:
    # importing every module a lint run needs compiled ~110 of miglint's patterns; now only
    # those used on import (the rule registry checks codes and names) and opcalls' small
    # table of string ends, kept in a dict
    probe = (
        "import re\n"
        "compiled = []\n"
        "real = re.compile\n"
        "def counting(p, flags=0):\n"
        "    import sys\n"
        "    if sys._getframe(1).f_globals.get('__name__', '').startswith('miglint'):\n"
        "        compiled.append(p)\n"
        "    return real(p, flags)\n"
        "re.compile = counting\n"
        "import miglint.pipeline, miglint.lintcommand, miglint.reading.parse, miglint.rules\n"
        "print(len(compiled))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert int(result.stdout) <= 6
