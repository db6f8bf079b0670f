"""Apply the fixes that diagnostics carry: `miglint lint --fix` and `--diff`.

Every fix is an edit at an exact span, so only the bytes it must change change:
quotes, indentation, comments and line endings stay as written. A file is
decoded and encoded exactly as it was read, checked with CPython and LibCST
after the edit, and written atomically (temporary file + rename, mode kept). If
the result would not parse, nothing is written. A fixed statement is guarded,
so a second run finds nothing to fix.

Spans are positions in the bytes that were linted. A file whose bytes changed
since (another `--fix`, an editor) is left alone: its digest is compared when the
fix is planned, and its bytes again just before the rename. `fix_lock` keeps two
`--fix` runs on one project from linting and writing at the same time.

A version file that is a symbolic link is not fixed: the rename would replace the
link by a regular file, and writing through it would edit a file that may live
outside the project.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
import tokenize
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from .atomic import remove_stale_temporaries, replace_file
from .lazydataclass import dataclass, replace
from .lazyre import pattern
from .model import Diagnostic, Edit, Span
from .reading.collect import content_digest, linted_missing
from .reading.readfile import read_regular

CHANGED = "changed since it was linted; nothing was written (run miglint again)"


@dataclass(frozen=True)
class FileFix:
    path: str
    before: str
    after: str
    fixed: tuple[Diagnostic, ...]
    problem: str | None = None  # why it was not written
    original: bytes = b""  # the bytes `before` was decoded from
    missing: bool = False  # the file does not exist yet: a whole-file fix creates it

    def diff(self, shown_path: str) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{shown_path}",
                tofile=f"b/{shown_path}",
            )
        )


def applies(diagnostic: Diagnostic, unsafe: bool = False) -> bool:
    """Whether `--fix` (with `--unsafe-fixes` when `unsafe`) applies this finding's fix."""
    return diagnostic.fix is not None and (diagnostic.fix.safe or unsafe)


def plan_fixes(
    diagnostics: Iterable[Diagnostic], unsafe: bool = False, digests: Mapping[str, str] | None = None
) -> list[FileFix]:
    """The edited text of every file that has fixes to apply, without writing anything.

    `unsafe`: unsafe fixes too (`--unsafe-fixes`). `digests`: the SHA-1 of each file's
    bytes as linted (pipeline.lint_paths); a file that no longer has them is not fixed.
    """
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if applies(diagnostic, unsafe):
            by_path.setdefault(diagnostic.path, []).append(diagnostic)
    return [_plan_file(path, found, (digests or {}).get(path)) for path, found in sorted(by_path.items())]


def write_fixes(
    fixes: Sequence[FileFix], skipped: list[FileFix] | None = None, locked: bool = False
) -> list[FileFix]:
    """Write each planned fix that parses; returns those written.

    A file whose bytes changed since it was planned is not written; it is added to
    `skipped` with the reason. Temporary files an interrupted run left beside a file
    are removed first (whatever their age when `locked`: no other `--fix` is writing).
    """
    written = []
    for fix in fixes:
        if fix.problem is None and fix.after != fix.before:
            path = Path(fix.path)
            remove_stale_temporaries(path, min_age=0.0 if locked else 600.0)
            if not _write_atomically(path, fix):
                if skipped is not None:
                    skipped.append(replace(fix, problem=CHANGED))
                continue
            written.append(fix)
    return written


@contextlib.contextmanager
def fix_lock(directory: Path) -> Iterator[bool]:
    """Hold an exclusive lock on `directory` (the project root) while linting and fixing.

    A second `--fix` on the same project waits here, then lints what the first wrote.
    Yields whether the lock is held: on a system without flock (Windows) it is not,
    and only the digest checks protect the files.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield False
        return
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(handle)  # closing the descriptor releases the lock


def _plan_file(path: str, diagnostics: list[Diagnostic], linted: str | None = None) -> FileFix:
    if os.path.islink(path):
        target = os.readlink(path)
        return FileFix(
            path, "", "", (), f"not fixed: it is a symbolic link (to {target}); fix that file instead"
        )
    missing = False
    try:
        data = read_regular(path)
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except FileNotFoundError as error:
        if not _whole_file(path, diagnostics):
            return FileFix(path, "", "", (), f"cannot read: {error}")
        data, text, missing = b"", "", True  # a whole-file fix creates it (the head file)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
        return FileFix(path, "", "", (), f"cannot read: {error}")
    if linted is not None and (
        linted_missing(linted) != missing or (not missing and content_digest(data) != linted)
    ):
        return FileFix(path, text, text, (), CHANGED, data)
    edits: list[tuple[int, int, str, Diagnostic]] = []
    starts = line_starts(text)
    # reading/parse.py reads a lone-CR file as LF, so a fix that adds a line says "\n": write
    # it with the file's own line end (CRLF files are read as they are, and answered so)
    lone_cr = _ends_lines_with_lone_cr(text)
    crlf = not lone_cr and "\r\n" in text
    python = path.endswith((".py", ".pyw"))
    for diagnostic in diagnostics:
        assert diagnostic.fix is not None
        mine: list[tuple[int, int, str, Diagnostic]] = []
        for edit in diagnostic.fix.edits:
            if edit.path == path:
                start, end = (0, len(text)) if edit.whole_file else _offsets(edit, starts)
                replacement: str | None = edit.replacement
                if edit.literal:
                    replacement = _literal(text[start:end], edit.replacement, python)
                if replacement is None:
                    break  # not the literal the fix was made for: leave this finding alone
                if lone_cr:
                    replacement = replacement.replace("\n", "\r")
                elif crlf:  # records are the same for LF and CRLF files (facts/ops.py): "\n" here
                    replacement = replacement.replace("\r\n", "\n").replace("\n", "\r\n")
                mine.append((start, end, replacement, diagnostic))
        else:
            edits.extend(mine)
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
    problem = _check(after) if python else None  # a shell script is not Python
    return FileFix(path, text, after, fixed, problem, data, missing)


def _whole_file(path: str, diagnostics: list[Diagnostic]) -> bool:
    """Whether every edit to `path` replaces the whole file (and so may create it)."""
    edits = [e for d in diagnostics if d.fix is not None for e in d.fix.edits if e.path == path]
    return bool(edits) and all(e.whole_file for e in edits)


def _ends_lines_with_lone_cr(text: str) -> bool:
    """Whether the first line of `text` ends with a lone CR (an old Mac file)."""
    first = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=-1)
    return first >= 0 and text[first] == "\r" and not text.startswith("\n", first + 1)


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character, lines ending as Python sees them: LF,
    CRLF, or a lone CR (reading/parse.py counts them so)."""
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n" or (char == "\r" and not text.startswith("\n", index + 1)):
            starts.append(index + 1)
    return starts


def span_offsets(span: Span, starts: list[int]) -> tuple[int, int]:
    """A span's first and last offsets in the text whose `line_starts` these are."""
    return starts[span.line - 1] + span.column, starts[span.end_line - 1] + span.end_column


def _offsets(edit: Edit, starts: list[int]) -> tuple[int, int]:
    return span_offsets(edit.span, starts)


# A Python string literal without an f/b prefix: the prefix, the quotes, the body.
_STRING = pattern(r"(?P<prefix>[rRuU]?)(?P<quote>\'{3}|\"{3}|'|\")(?P<body>.*)(?P=quote)", re.DOTALL)
_WORD = pattern(r"[\w.@+-]*")  # a shell word that needs no quotes


def _literal(written: str, value: str, python: bool) -> str | None:
    """`value` as a literal quoted as `written` is; repr() where that would need escapes.

    In Python, None when `written` is not a plain string literal (a name bound to one,
    an f-string): replacing that with a literal would change the code, not the value.
    Elsewhere a bare word (`alembic stamp head` in a shell script) stays a bare word.
    """
    found = _STRING.fullmatch(written)
    if found is None:
        if python:
            return None
        return value if value and _WORD.fullmatch(value) and _WORD.fullmatch(written) else repr(value)
    quote = found.group("quote")
    if "\\" in value or quote[0] in value or "\n" in value or "\r" in value:
        return repr(value)
    return f"{found.group('prefix')}{quote}{value}{quote}"


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


def _write_atomically(path: Path, fix: FileFix) -> bool:
    """Replace the file with the fixed text unless its bytes are no longer those planned."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(fix.original).readline)
    encoded = fix.after.encode(encoding)
    if encoding == "utf-8-sig" and not encoded.startswith(b"\xef\xbb\xbf"):
        encoded = b"\xef\xbb\xbf" + encoded
    if fix.missing:
        if os.path.lexists(path):
            return False  # made since it was planned: not ours to overwrite
        return replace_file(path, encoded)
    return replace_file(path, encoded, expected=fix.original)
