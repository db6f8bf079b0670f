from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# tests import their helpers (histories.py) as plain modules
sys.path.insert(0, str(Path(__file__).parent))


def cli_runner():  # type: ignore[no-untyped-def]
    """A CliRunner whose result.stderr is separate from result.output on every click.

    click 8.2 (Python 3.10+) always separates them; click 8.1 (what Python 3.9 gets)
    needs mix_stderr=False, a parameter 8.2 removed.
    """
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


HANG_SECONDS = 20  # a case takes well under a second; only a hang gets near this


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail a test that runs HANG_SECONDS instead of letting a hang freeze the suite."""
    if not hasattr(signal, "SIGALRM"):  # Windows: no alarm
        yield
        return

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {HANG_SECONDS} s: a hang")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
