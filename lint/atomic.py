"""Writing files so that a reader never sees half of one, and regenerating is idempotent.

Every file miglint writes for the user (a fixed revision, a report, the baseline, a
picture, rule pages) goes through `replace_file`.
"""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

from .reading.readfile import NotRegularFile, read_regular


def make_temporary(directory: Path | str, prefix: str, suffix: str) -> tuple[int, str]:
    """A new file of this user's only (0600) in `directory`, open for writing: what
    tempfile.mkstemp gives, without importing tempfile (and shutil, bz2, lzma, random
    with it: ~5 ms of every run that writes its cache)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = os.path.join(directory, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {directory}")


def replace_file(path: Path, data: bytes, expected: bytes | None = None) -> bool:
    """Replace `path` with `data` in one step, keeping its permissions; True if replaced.

    The bytes go to a temporary file beside it that replaces it with os.replace: a
    reader (another miglint, an editor) sees the old file or the new one, and an
    interrupted run leaves the old one. A new file gets what open() would give it.
    `expected`: the bytes the file must still hold just before the rename, else it is
    left alone and False returned (an edit computed from them would be applied twice
    or in the wrong place). OSError is the caller's to report.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    handle, temporary = make_temporary(path.absolute().parent, f".{path.name}.", ".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)  # mkstemp creates 0600
        # never read through a link or from a FIFO that took the file's place
        if expected is not None and read_regular(path, follow_symlinks=False) != expected:
            Path(temporary).unlink()
            return False
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def remove_stale_temporaries(path: Path, min_age: float = 600.0) -> int:
    """Remove the temporary files `replace_file` left beside `path` when a run was killed
    between writing one and renaming it; those younger than `min_age` seconds may belong
    to a run still writing. Returns how many were removed."""
    pattern = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")
    directory = path.absolute().parent
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    now = time.time()
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if (
                entry.is_file(follow_symlinks=False)
                and now - entry.stat(follow_symlinks=False).st_mtime >= min_age
            ):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


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
