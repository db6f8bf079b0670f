"""Stamps in shell-like runner files: entrypoints, Dockerfiles, compose files, Makefiles.

Line based, like the files themselves: `if ...; then` / `elif` / `else` / `fi`
nesting gives each command its conditions, and `alembic [options] stamp|upgrade X`
gives the site. The result has the same shape as Python runners' (runner.StampSite),
so the same rules read both.
"""

from __future__ import annotations

import re
import shlex

from .model import Span
from .runner import Condition, StampSite, Target, command_index

_IF = re.compile(r"^\s*(?:if|elif)\s+(?P<test>.+?)\s*;?\s*(?:then)?\s*$")
_ELSE = re.compile(r"^\s*else\b")
_FI = re.compile(r"^\s*fi\b")
_ALEMBIC = re.compile(r"\balembic\b[^\n;&|]*\b(?:stamp|upgrade)\b[^\n;&|]*")
_EXIT = re.compile(r"^\s*(?:exit|return)\b")


def analyze_shell(path: str, text: str) -> tuple[StampSite, ...]:
    # One frame per open `if`: its tests so far; in an elif/else branch the earlier
    # tests of the frame were false.
    frames: list[list[Condition]] = []
    found: list[tuple[int, int, str, str | None, int, tuple[Condition, ...]]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        if _FI.match(code):
            if frames:
                frames.pop()
            continue
        if _ELSE.match(code):
            if frames:
                frames[-1] = [Condition(c.text, c.line, False) for c in frames[-1]]
            continue
        opened = _IF.match(code)
        if opened:
            test = Condition(opened.group("test"), number, True)
            if code.lstrip().startswith("elif") and frames:
                frames[-1] = [*(Condition(c.text, c.line, False) for c in frames[-1]), test]
            else:
                frames.append([test])
        for match in _ALEMBIC.finditer(code):
            try:
                words: list[str | None] = list(shlex.split(match.group(0)))
            except ValueError:
                continue
            site = command_index(words)
            if site is None:
                continue
            command, index = site
            value = words[index] if index < len(words) else None
            after_command = match.group(0).find(command) + len(command)
            column = match.start() + (match.group(0).find(value, after_command) if value else 0)
            found.append((number, column, command, value, match.start(), tuple(c for f in frames for c in f)))
    sites = []
    for number, column, command, value, start, conditions in found:
        upgraded, exits_at = _what_follows(lines, number) if command == "stamp" else (True, None)
        targets = (
            (Target(value, Span(number, column, number, column + len(value)), (), exact=True),)
            if value
            else ()
        )
        sites.append(
            StampSite(
                path=path,
                span=Span.point(number, start),
                tool="alembic CLI",
                targets=targets,
                conditions=conditions,
                after_create_all=False,
                command=command,
                upgraded_after=upgraded,
                exits_at=exits_at,
            )
        )
    return tuple(sites)


def _what_follows(lines: list[str], after: int) -> tuple[bool, int | None]:
    for number in range(after + 1, len(lines) + 1):
        code = lines[number - 1].split("#", 1)[0]
        if re.search(r"\balembic\b.*\bupgrade\b", code):
            return True, None
        if _EXIT.match(code):
            return False, number
    return False, 0
