"""`python action/run_module.py MODULE ARGS...`: `python -m MODULE ARGS...` for the
action, without the working directory on sys.path.

The action's steps run in the caller's checkout, and `python -m` puts the working
directory first on sys.path: a `pip.py`, `click.py` or `miglint/` committed there
would be imported and run, and on Python 3.9 and 3.10 even `runpy.py` and what runpy
imports (`re.py`, `typing.py`...), which `-m` itself imports. `-P` fixes that only on
3.11+; `-I` would also drop the user site-packages (where pip may have installed
miglint) and the PYTHON* variables. Run as a script, Python puts this file's
directory first instead: it holds nothing but this file, and is dropped before
anything is imported.
"""

import os
import sys  # both already imported by Python's start-up

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

import runpy

if len(sys.argv) < 2:
    sys.exit("usage: run_module.py MODULE [ARGS...]")
module = sys.argv.pop(1)
runpy.run_module(module, run_name="__main__", alter_sys=True)
