"""What `miglint --version` lists: the parsers and the Graphviz engine a run would use.

Read from the installed distributions' metadata, never by importing them: pglast,
sqlglot and libcst cost tens of milliseconds each to import, and a normal run that
does not need one must not pay for it (lint/reading/collect.py defers them for that reason).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata

from .lazyre import pattern

_PARSERS = (
    ("pglast", "not installed (PostgreSQL SQL is parsed with sqlglot)"),
    ("sqlglot", "not installed"),
    ("libcst", "not installed"),
)
_DOT_VERSION = pattern(rb"version\s+(\S+)")


def versions() -> list[tuple[str, str]]:
    """(name, version) for Python, each parser, and the Graphviz engine, in that order."""
    found = [("Python", sys.version.split()[0])]
    for name, missing in _PARSERS:
        found.append((name, _distribution(name) or missing))
    found.append(("Graphviz", graphviz_engine()))
    return found


def _distribution(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def graphviz_engine() -> str:
    """The engine `miglint graph` renders SVG, PNG and PDF with (cli._render's choice):
    `dot` on PATH first, else the one bundled with pygraphviz."""
    dot = shutil.which("dot")
    if dot is not None:
        try:
            done = subprocess.run([dot, "-V"], capture_output=True, timeout=10)
            found = _DOT_VERSION.search(done.stderr + done.stdout)
        except (OSError, subprocess.SubprocessError):
            found = None
        shown = found.group(1).decode("ascii", "replace") if found else "unknown version"
        return f"{shown} (dot at {dot})"
    bundled = _distribution("pygraphviz")
    if bundled is not None:
        try:
            import pygraphviz  # only here: its version of Graphviz is known by the module alone
        except ImportError:
            return f"none (pygraphviz {bundled} is installed but cannot be loaded)"
        engine = getattr(pygraphviz, "__graphviz_version__", "unknown version")
        return f"{engine} (bundled with pygraphviz {bundled})"
    return "none (SVG, PNG and PDF need Graphviz's dot or pygraphviz; mermaid, dot, text and json do not)"
