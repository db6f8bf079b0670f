from __future__ import annotations

import sys
from pathlib import Path

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
