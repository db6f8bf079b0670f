"""Writing generated files (pictures, rule pages) so that regenerating is idempotent."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless it already holds exactly these bytes; True if written.

    An identical file is left alone, mtime included, so that a pre-commit hook or a
    build step that regenerates it sees no change. Otherwise the bytes go to a
    temporary file beside it that replaces it in one step: a reader never sees half
    a file, and an interrupted run leaves the old one.
    """
    try:
        if path.read_bytes() == data:
            return False
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()  # what open() would have given a new file
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)  # mkstemp creates 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def _umask() -> int:
    mask = os.umask(0)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask
