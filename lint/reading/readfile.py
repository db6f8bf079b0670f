"""Reading a file the linted repository controls: regular files only, never blocking.

A version file can be a FIFO (opening it waits for a writer that never comes), a
device, or a link to /dev/zero (reading it never ends). Such a file is told apart by
stat before it is opened, and what was opened is checked again with fstat, in case
it was swapped in between. Opening with O_NONBLOCK keeps that second check from
hanging on a FIFO; for a regular file the flag changes nothing.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


class NotRegularFile(OSError):
    """A FIFO, device, directory or socket (or, when not followed, a symbolic link)."""


_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return f"not a regular file ({kind})"
    return "not a regular file"


def read_regular(path: Path | str, *, follow_symlinks: bool = True, limit: int = -1) -> bytes:
    """The bytes of a regular file (its first `limit`); OSError (strerror says why) for
    anything else. `follow_symlinks=False`: a symbolic link is refused too, not read through.
    """
    return read_regular_stat(path, follow_symlinks=follow_symlinks, limit=limit)[0]


def read_regular_stat(
    path: Path | str, *, follow_symlinks: bool = True, limit: int = -1
) -> tuple[bytes, os.stat_result]:
    """`read_regular`, with the stat of the file that was read."""
    reason = not_regular(os.stat(path, follow_symlinks=follow_symlinks).st_mode)
    if reason is not None:
        raise NotRegularFile(errno.EINVAL, reason, str(path))
    flags = _FLAGS if follow_symlinks else _FLAGS | getattr(os, "O_NOFOLLOW", 0)
    handle = os.open(path, flags)
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(handle)
        reason = not_regular(info.st_mode)
        if reason is not None:
            raise NotRegularFile(errno.EINVAL, reason, str(path))
        return stream.read(limit), info
