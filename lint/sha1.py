"""SHA-1 digests, without loading OpenSSL for a run that hashes little.

`hashlib` loads OpenSSL (`_hashlib`) when imported: ~4.5 ms, a few per cent of a run
that hashes one changed file and a few keys. CPython's built-in `_sha1` computes the
same digest without it, but ~6x slower, so once a process has hashed a megabyte (a cold
run hashes every version file) the rest goes to hashlib.
"""

from __future__ import annotations

import sys
from typing import Any

_SMALL = 1 << 20
_hashed = [0]


def sha1(data: bytes = b"") -> Any:
    """A `hashlib.sha1(data)`-like object."""
    _hashed[0] += len(data)
    if _hashed[0] <= _SMALL and "_hashlib" not in sys.modules:
        try:
            from _sha1 import sha1 as built_in
        except ImportError:  # another Python
            pass
        else:
            return built_in(data)
    import hashlib

    return hashlib.sha1(data)
