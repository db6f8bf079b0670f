"""`miglint server` as a command: what it says without pygls, and that linting never imports it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from histories import write_project


def test_without_pygls_the_command_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['pygls'] = None; sys.argv = ['miglint', 'server'];"
        "from miglint.cli import run; run()"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == (
        "miglint: error: `miglint server` needs pygls (pygls is missing): pip install 'miglint[server]'\n"
    )


def test_a_lint_run_does_not_import_pygls(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "b<-a", "c<-a"])
    code = (
        "import sys, os; sys.argv = ['miglint', 'lint', '--no-cache'];"
        "from miglint import cli;"
        "os._exit = lambda status: print('pygls' in sys.modules, status); cli.run()"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout.splitlines()[-1] == "False 1", done.stderr
