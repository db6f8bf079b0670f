"""lint/sha1.py: CPython's built-in SHA-1 for a run that hashes little, hashlib's after."""

from __future__ import annotations

import hashlib

import pytest
from miglint import sha1 as module


def test_the_same_digests_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "_hashed", [0])
    small = module.sha1(b"revision = 'abc'\n")
    assert small.hexdigest() == hashlib.sha1(b"revision = 'abc'\n").hexdigest()
    big = b"x" * (module._SMALL + 1)
    assert module.sha1(big).hexdigest() == hashlib.sha1(big).hexdigest()
    grown = module.sha1()
    grown.update(b"a")
    grown.update(b"b")
    assert grown.hexdigest() == hashlib.sha1(b"ab").hexdigest()


def test_a_small_run_does_not_load_openssl() -> None:
    import subprocess
    import sys

    probe = "import sys; from miglint.sha1 import sha1; sha1(b'x' * 1000).hexdigest(); print('_hashlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout == "False\n"
    probe = (
        "import sys; from miglint.sha1 import sha1; sha1(b'x' * (2 << 20)); print('_hashlib' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout == "True\n"
