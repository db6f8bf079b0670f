"""Apply the safe fixes that diagnostics carry: `miglint lint --fix` and `--diff`.

Every fix is an edit at an exact span, so only the bytes it must change change:
quotes, indentation, comments and line endings stay as written. A file is
decoded and encoded exactly as it was read, checked with CPython and LibCST
after the edit, and written atomically (temporary file + rename, mode kept). If
the result would not parse, nothing is written. A fixed statement is guarded,
so a second run finds nothing to fix.
"""

from __future__ import annotations

import difflib
import io
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .atomic import replace_file
from .model import Diagnostic, Edit


@dataclass(frozen=True)
class FileFix:
    path: str
    before: str
    after: str
    fixed: tuple[Diagnostic, ...]
    problem: str | None = None  # why it was not written

    def diff(self, shown_path: str) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{shown_path}",
                tofile=f"b/{shown_path}",
            )
        )


def plan_fixes(diagnostics: Iterable[Diagnostic]) -> list[FileFix]:
    """The edited text of every file that has safe fixes, without writing anything."""
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.fix is not None and diagnostic.fix.safe:
            by_path.setdefault(diagnostic.path, []).append(diagnostic)
    return [_plan_file(path, found) for path, found in sorted(by_path.items())]


def write_fixes(fixes: Sequence[FileFix]) -> list[FileFix]:
    """Write each planned fix that parses; returns those written."""
    written = []
    for fix in fixes:
        if fix.problem is None and fix.after != fix.before:
            _write_atomically(Path(fix.path), fix.after)
            written.append(fix)
    return written


def _plan_file(path: str, diagnostics: list[Diagnostic]) -> FileFix:
    try:
        data = Path(path).read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
        return FileFix(path, "", "", (), f"cannot read: {error}")
    edits: list[tuple[int, int, str, Diagnostic]] = []
    starts = _line_starts(text)
    for diagnostic in diagnostics:
        assert diagnostic.fix is not None
        for edit in diagnostic.fix.edits:
            if edit.path == path:
                edits.append((*_offsets(edit, starts), edit.replacement, diagnostic))
    edits.sort(key=lambda e: (e[0], e[1]))
    kept: list[tuple[int, int, str, Diagnostic]] = []
    for change in edits:
        # Two fixes touching the same text: apply the first; the next run sees the rest.
        if kept and change[0] < kept[-1][1]:
            continue
        if kept and change[:3] == kept[-1][:3]:
            continue
        kept.append(change)
    after = text
    for start, end, replacement, _ in reversed(kept):
        after = after[:start] + replacement + after[end:]
    fixed = tuple(dict.fromkeys(d for *_, d in kept))
    problem = _check(after)
    return FileFix(path, text, after, fixed, problem)


def _line_starts(text: str) -> list[int]:
    # Lines end as Python sees them: LF, CRLF, or a lone CR (parse.py counts them so).
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n" or (char == "\r" and not text.startswith("\n", index + 1)):
            starts.append(index + 1)
    return starts


def _offsets(edit: Edit, starts: list[int]) -> tuple[int, int]:
    span = edit.span
    return starts[span.line - 1] + span.column, starts[span.end_line - 1] + span.end_column


def _check(text: str) -> str | None:
    """Why the edited text must not be written, or None if it parses."""
    try:
        compile(text, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return f"the fixed file would not compile ({error}); nothing was written"
    import libcst as cst

    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return f"the fixed file would not parse with LibCST ({error.message}); nothing was written"
    return None


def _write_atomically(path: Path, text: str) -> None:
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    encoded = text.encode(encoding)
    if encoding == "utf-8-sig" and not encoded.startswith(b"\xef\xbb\xbf"):
        encoded = b"\xef\xbb\xbf" + encoded
    replace_file(path, encoded)
