"""`python -m miglint`: the console script `miglint`, run as a module.

`python -m` puts the working directory first on sys.path, and the working directory
is usually the repository being linted: a `click.py`, `json.py` or `pglast/` committed
there would be imported instead of the real one, and run. So the entry is dropped
before anything else is imported (this package's __init__ imports nothing). What
Python imports before this line cannot be helped from here: a repository's own
`miglint/`, and on Python 3.9 and 3.10 `runpy.py` and what runpy imports (`re.py`,
`typing.py`, `functools.py`...) — hence `python -P -m miglint` (3.11+) or the console
script wherever the working directory is not trusted.
"""

import os
import sys  # both already imported by Python's start-up: nothing here can be shadowed


def _working_directory() -> str:
    try:
        return os.getcwd()
    except OSError:  # deleted under us: Python put "" or nothing
        return ""


if not getattr(sys.flags, "safe_path", False) and sys.path and sys.path[0] in ("", _working_directory()):
    del sys.path[0]

from .cli import run  # noqa: E402  (only once the working directory is off the path)

run()
