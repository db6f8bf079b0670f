"""Writing files so that a reader never sees half of one, and regenerating is idempotent.

Every file miglint writes for the user (a fixed revision, a report, the baseline, a
picture, rule pages) goes through `replace_file`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .readfile import NotRegularFile, read_regular


def replace_file(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step, keeping its permissions.

    The bytes go to a temporary file beside it that replaces it with os.replace: a
    reader (another miglint, an editor) sees the old file or the new one, and an
    interrupted run leaves the old one. A new file gets what open() would give it.
    OSError is the caller's to report.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(dir=path.absolute().parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)  # mkstemp creates 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless it already holds exactly these bytes; True if written.

    An identical file is left alone, mtime included, so that a pre-commit hook or a
    build step that regenerates it sees no change. What is not a regular file (a
    committed link to /dev/zero) is not read, only replaced.
    """
    try:
        if read_regular(path) == data:
            return False
    except (FileNotFoundError, NotRegularFile):
        pass
    replace_file(path, data)
    return True


def _umask() -> int:
    mask = os.umask(0)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask
