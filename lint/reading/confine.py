"""Paths the linted repository configures stay inside it.

`[tool.miglint]` is part of the repository, and a pull request can change it: a
`cache-dir` or `baseline-file` that leads elsewhere (`../..`, an absolute path, or
through a committed symbolic link) would have miglint write files outside the
checkout. The command line (`--cache-dir`, `--baseline-file`) is the user's and may
point anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path


def repository_top(root: Path) -> Path:
    """The git top-level above root (a `.git` directory, or file in a worktree), else root."""
    for directory in (root, *root.parents):
        if (directory / ".git").exists():
            return directory
    return root


def inside(path: Path, top: Path) -> bool:
    """Whether `path`, its symbolic links resolved, is `top` or below it."""
    resolved, boundary = os.path.realpath(path), os.path.realpath(top)
    return resolved == boundary or resolved.startswith(boundary.rstrip(os.sep) + os.sep)
