"""Writing a report file (`--output-file`) and the GitHub step summary."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ..config import ConfigError


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a reader (or a failed run) never sees half a report."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # what open() would have given a new file
    directory = path.absolute().parent
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {error.strerror}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def append(path: Path, text: str) -> None:
    """Add to a file another step may also write (GITHUB_STEP_SUMMARY is appended to, never replaced)."""
    try:
        with open(path, "a", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror}") from None
