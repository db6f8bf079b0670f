"""A progress bar on stderr while a cold run parses: `[#######.......]  412/1,200 files parsed`.

Shown only on a terminal, never in CI (the CI variable every CI service sets), and only
once the run has lasted DELAY seconds: a warm or small run finishes first and stays
silent, as ruff's and pip's do. It is drawn straight to the stream, not through
click.echo, so a replayed run (lint/replay.py) never repeats it; it is erased before the
report is printed. The parsing stage reports to the bar of the run in progress, if any.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping
from typing import Callable, TextIO

DELAY = 1.0  # seconds a run lasts before its bar appears
REDRAW = 0.1  # seconds between two drawings
WIDTH = 30  # characters of the bar itself

_active: list[Progress] = []


class Progress:
    """Files parsed out of the files to parse, drawn on one line that is rewritten."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.done = 0
        self.total = 0

    def add(self, count: int) -> None:
        """`count` more files are to be parsed."""
        self.total += count
        self._draw()

    def advance(self, count: int = 1) -> None:
        self.done += count
        self._draw(final=self.done >= self.total)

    def _draw(self, final: bool = False) -> None:
        now = self.clock()
        if now - self.started < DELAY or not self.total:
            return
        if self.drawn_at is not None and now - self.drawn_at < REDRAW and not final:
            return
        self.drawn_at = now
        filled = WIDTH * min(self.done, self.total) // self.total
        bar = "#" * filled + "." * (WIDTH - filled)
        try:
            self.stream.write(f"\r[{bar}] {self.done:,}/{self.total:,} files parsed")
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the run goes on without a bar
            self.drawn_at = float("inf")

    def close(self) -> None:
        """Erase the bar, if it was drawn, so the report starts on a clean line."""
        if self.drawn_at is not None and self.drawn_at != float("inf"):
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass


def wanted(stream: TextIO | None, environ: Mapping[str, str] = os.environ) -> bool:
    """A terminal that is not a CI log, nor a terminal that cannot move its cursor."""
    if environ.get("CI", "").lower() not in ("", "0", "false"):
        return False
    if environ.get("TERM") == "dumb":
        return False
    return _is_terminal(stream)


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def showing(progress: Progress | None) -> Iterator[None]:
    """Make `progress` the bar the parsing stage reports to, for the duration."""
    if progress is None:
        yield
        return
    _active.append(progress)
    try:
        yield
    finally:
        _active.remove(progress)
        progress.close()


def active() -> Progress | None:
    """The bar of the run in progress, in the process that started it (not in a worker)."""
    return _active[-1] if _active else None
