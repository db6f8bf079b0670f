"""`miglint rebase REV --onto HEAD`: re-point the first revision of a branch onto a head.

Two branches that each add revisions on the same parent leave two heads. `alembic
merge` joins them with a merge revision; when one branch has not been released yet,
re-pointing its first revision onto the other head keeps the history linear, the way
`git rebase` does for commits. Alembic has no such command.

Only the header's literal changes: `down_revision`'s string (inside its tuple or list,
when written so; `None` becomes a string in the quotes of `revision`) and the id after
the docstring's `Revises:`. Everything else in the file stays byte for byte, and the
file is replaced atomically, only if it still holds the bytes that were read.
"""

from __future__ import annotations

import io
import os
import tokenize
from pathlib import Path

from ..atomic import replace_file
from ..config import ConfigError
from ..fix import line_starts, span_offsets
from ..graph import RevisionGraph
from ..lazydataclass import dataclass
from ..lazyre import pattern
from ..model import RevisionFile, Span
from ..reading.parse import parse_revision_file
from ..reading.readfile import read_regular

_STRING = pattern(r"(?P<prefix>[rRuU]?)(?P<quote>'|\")(?P<body>[^'\"\\\n]*)(?P=quote)")


@dataclass(frozen=True)
class Rebase:
    rev: str
    onto: str
    old_parent: str | None
    path: str
    original: bytes
    encoded: bytes  # the new bytes of the file; equal to `original` when nothing changes


def plan_rebase(graph: RevisionGraph, path: str, rev: str, onto: str, shown: str) -> Rebase:
    """The edited file at `path` (named `shown` in messages), or ConfigError (exit 2) with
    the reason it cannot be done."""
    if os.path.islink(path):
        # replacing it would turn the link into a file; writing through it, edit one elsewhere
        raise ConfigError(f"{shown} is a symbolic link (to {os.readlink(path)}); rebase that file instead")
    data = read_regular(path)
    # the spans of the bytes about to be edited, not of a record cached from older ones
    file = parse_revision_file(path, data)
    if file.revision_id != rev:
        raise ConfigError(f"{shown}: changed while miglint read it; run miglint rebase again")
    down = file.down_revision
    if down is None:
        raise ConfigError(f"{shown}: revision {rev} has no down_revision variable to re-point")
    if down.is_dynamic:
        raise ConfigError(
            f"{shown}:{down.span.line}: down_revision of {rev} is not a literal ({down.dynamic}); edit it by hand"
        )
    if len(down.ids) > 1:
        raise ConfigError(
            f"{shown}:{down.span.line}: {rev} is a merge of {', '.join(down.ids)}; "
            "rebase the first revision of one branch instead"
        )
    if onto == rev or onto in graph.descendants(rev):
        raise ConfigError(
            f"cannot rebase {rev} onto {onto}: {onto} {'is' if onto == rev else 'comes after'} {rev}, "
            "so the history would have a cycle"
        )
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    old = down.ids[0] if down.ids else None
    if old == onto:
        return Rebase(rev, onto, old, file.path, data, data)
    starts = line_starts(text)
    edits = [(span_offsets(down.span, starts), _parent_literal(file, shown, text, down.span, starts, onto))]
    if file.doc_revises is not None:
        edits.append((span_offsets(file.doc_revises.span, starts), onto))
    after = text
    for (start, end), replacement in sorted(edits, reverse=True):
        after = after[:start] + replacement + after[end:]
    try:
        compile(after, file.path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:  # pragma: no cover - a literal for a literal
        raise ConfigError(
            f"{shown}: the rebased file would not compile ({error}); nothing was written"
        ) from None
    encoded = after.encode(encoding)
    if encoding == "utf-8-sig" and not encoded.startswith(b"\xef\xbb\xbf"):
        encoded = b"\xef\xbb\xbf" + encoded
    return Rebase(rev, onto, old, file.path, data, encoded)


def write_rebase(rebase: Rebase) -> bool:
    """Replace the file atomically; False when its bytes changed since they were read."""
    if rebase.encoded == rebase.original:
        return True
    return replace_file(Path(rebase.path), rebase.encoded, expected=rebase.original)


def _parent_literal(
    file: RevisionFile, shown: str, text: str, span: Span, starts: list[int], onto: str
) -> str:
    """The down_revision value with `onto` in place of its one id, quoted as written."""
    start, end = span_offsets(span, starts)
    written = text[start:end]
    if written == "None":
        quote = _quote_of(file, text, starts)
        return f"{quote}{onto}{quote}"
    found = list(_STRING.finditer(written))
    if len(found) != 1:
        raise ConfigError(
            f"{shown}:{span.line}: down_revision is written as {written!r}, which miglint does not "
            "edit; change it by hand"
        )
    literal = found[0]
    quote = literal.group("quote")
    return (
        f"{written[: literal.start()]}{literal.group('prefix')}{quote}{onto}{quote}{written[literal.end() :]}"
    )


def _quote_of(file: RevisionFile, text: str, starts: list[int]) -> str:
    """The quote the file's `revision` literal uses (a base revision's None has none)."""
    if file.revision is not None:
        start, end = span_offsets(file.revision.span, starts)
        found = _STRING.fullmatch(text[start:end])
        if found is not None:
            return found.group("quote")
    return '"'
