"""Writing a report file (`--output-file`) and the GitHub step summary."""

from __future__ import annotations

from pathlib import Path

from ..atomic import replace_file
from ..config import ConfigError


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a reader (or a failed run) never sees half a report."""
    try:
        replace_file(path, text.encode("utf-8", "backslashreplace"))  # see cli._escape_undecodable_names
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror}") from None


def append(path: Path, text: str) -> None:
    """Add to a file another step may also write (GITHUB_STEP_SUMMARY is appended to, never replaced)."""
    try:
        with open(path, "a", encoding="utf-8", errors="backslashreplace", newline="") as stream:
            stream.write(text)
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror}") from None
