"""`miglint server`: the Language Server Protocol over stdio, with pygls.

LSP around lint/editor/live.py, which does the linting: here are only the protocol's shapes
(URIs, 0-based lines, columns in the client's code units) and when to lint. A
document is linted when it is opened, changed or saved, and the findings of every
open document of the same environment are published again, since a graph finding in
one file (a second head) comes and goes with an edit in another.

Only imported by `miglint server`: a lint run never imports pygls.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__
from ..docs import docs_url
from ..lazyre import pattern
from ..model import Diagnostic, Span
from .live import (
    Action,
    LiveError,
    Session,
    actions,
    fix_all,
    kind_of,
    real,
    revision_hover,
    rule_hover,
    word_at,
)

SOURCE = "miglint"
QUICK_FIX = types.CodeActionKind.QuickFix.value
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.miglint"
_CODE = pattern(r"^MG\d{3}$", re.IGNORECASE)
_WATCHED = ("**/*.py", "**/*.ini", "**/pyproject.toml", "**/.miglint-baseline.json")

log = logging.getLogger(__name__)


class MiglintServer(LanguageServer):
    def __init__(self, use_cache: bool = True, cache_dir: Path | None = None) -> None:
        super().__init__(
            "miglint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
        )
        self.session = Session(use_cache=use_cache, cache_dir=cache_dir)
        self.reported_failures: set[str] = set()


def build(use_cache: bool = True, cache_dir: Path | None = None) -> MiglintServer:
    """The server with its handlers; `start_io()` runs it."""
    server = MiglintServer(use_cache, cache_dir)

    @server.feature(types.INITIALIZED)
    def initialized(ls: MiglintServer, params: types.InitializedParams) -> None:
        watch = ls.client_capabilities.workspace
        dynamic = watch is not None and watch.did_change_watched_files is not None
        if dynamic and watch.did_change_watched_files.dynamic_registration:  # type: ignore[union-attr]
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in _WATCHED]
            )
            registration = types.Registration(
                id="miglint-watched-files",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )
            ls.client_register_capability(types.RegistrationParams(registrations=[registration]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: MiglintServer, params: types.DidOpenTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is None:
            return
        ls.session.open(path, params.text_document.text)
        _lint(ls, path)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: MiglintServer, params: types.DidChangeTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is None:
            return
        ls.session.open(path, ls.workspace.get_text_document(params.text_document.uri).source)
        if kind_of(path) == "source":  # configuration is read from disk: linted when saved
            _lint(ls, path)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: MiglintServer, params: types.DidSaveTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is None:
            return
        ls.session.save()
        if kind_of(path) == "config":
            ls.session.forget(path)
            _lint_open_documents(ls)  # this one among them
        else:
            _lint(ls, path)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MiglintServer, params: types.DidCloseTextDocumentParams) -> None:
        path = _path(params.text_document.uri)
        if path is None:
            return
        ls.session.close(path)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )
        _lint_open_documents(ls)  # the file on disk now stands where the buffer stood

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: MiglintServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = _path(change.uri)
            if path is None:
                continue
            # a configuration changed, or version files came or went: discover again
            if kind_of(path) == "config" or change.type != types.FileChangeType.Changed:
                ls.session.forget(path)
        _lint_open_documents(ls)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[QUICK_FIX, FIX_ALL]),
    )
    def code_action(ls: MiglintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        path = _path(params.text_document.uri)
        if path is None:
            return []
        only = [str(getattr(kind, "value", kind)) for kind in params.context.only or ()]

        def wanted(kind: str) -> bool:
            return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)

        text = _text_of(ls, path) or ""
        lines = _lines(text)
        out = []
        if wanted(QUICK_FIX):
            where = _to_span(ls, lines, params.range)
            found = [d for d in ls.session.findings(path) if _overlaps(d.span, where)]
            out = [_code_action(ls, action) for action in actions(found, lambda p: _text_of(ls, p))]
        if wanted(FIX_ALL):
            every = fix_all(path, ls.session.findings(path), text)
            if every is not None:
                out.append(_code_action(ls, every))
        return out

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: MiglintServer, params: types.HoverParams) -> types.Hover | None:
        path = _path(params.text_document.uri)
        if path is None:
            return None
        lines = _lines(_text_of(ls, path) or "")
        if params.position.line >= len(lines):
            return None
        line = lines[params.position.line]
        column = _from_client(ls, line, params.position.character)
        found = word_at(line, column)
        if found is None:
            return None
        word, start, end = found
        text = None
        if _CODE.match(word) or ("-" in word and "miglint" in line):
            text = rule_hover(word)
        if text is None:
            graph = ls.session.graph_for(path)
            if graph is not None:
                text = revision_hover(graph, word, lambda p: _shown(ls, p))
        if text is None:
            return None
        where = types.Range(
            types.Position(params.position.line, _to_client(ls, line, start)),
            types.Position(params.position.line, _to_client(ls, line, end)),
        )
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text), where)

    return server


def serve(use_cache: bool = True, cache_dir: Path | None = None) -> None:
    build(use_cache, cache_dir).start_io()


# -- linting and publishing ------------------------------------------------------------


def _lint(ls: MiglintServer, path: str) -> set[str]:
    """Lint `path`, then publish for it and for every open document of its environments;
    returns the real paths of the documents published."""
    where = real(path)
    try:
        results = ls.session.lint(path)
    except LiveError as error:
        _publish(ls, path, [], problem=str(error))
        return {where}
    except Exception as error:  # a bug of miglint's must not end the editor's session
        _failed(ls, path, error)
        return {where}
    touched = {where}
    for result in results:
        touched |= result.files | set(result.diagnostics)
    published = set()
    for document in list(ls.workspace.text_documents.values()):
        other = _path(document.uri)
        if other is not None and real(other) in touched:
            _publish(ls, other, ls.session.findings(other))
            published.add(real(other))
    return published | {where}


def _lint_open_documents(ls: MiglintServer) -> None:
    """Lint every open document, each environment once."""
    done: set[str] = set()
    for document in list(ls.workspace.text_documents.values()):
        path = _path(document.uri)
        if path is not None and real(path) not in done:
            done |= _lint(ls, path)


def _failed(ls: MiglintServer, path: str, error: Exception) -> None:
    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    ls.window_log_message(
        types.LogMessageParams(types.MessageType.Error, f"miglint failed on {path}:\n{details}")
    )
    summary = f"miglint: internal error: {type(error).__name__}: {error} (a bug in miglint; please report it)"
    if summary not in ls.reported_failures:  # once, not on every keystroke
        ls.reported_failures.add(summary)
        ls.window_show_message(types.ShowMessageParams(types.MessageType.Error, summary))


def _publish(ls: MiglintServer, path: str, found: Sequence[Diagnostic], problem: str | None = None) -> None:
    uri = from_fs_path(path)
    if uri is None:
        return
    lines = _lines(_text_of(ls, path) or "")
    out = [_diagnostic(ls, d, lines) for d in found]
    if problem is not None:
        out.append(
            types.Diagnostic(
                range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                message=f"cannot lint: {problem}",
                severity=types.DiagnosticSeverity.Error,
                source=SOURCE,
            )
        )
    document = ls.workspace.text_documents.get(uri)
    version = document.version if document is not None else None
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=out, version=version)
    )


def _diagnostic(ls: MiglintServer, found: Diagnostic, lines: Sequence[str]) -> types.Diagnostic:
    related = []
    for location in found.related:
        uri = from_fs_path(location.path)
        if uri is not None:
            other = _lines(_text_of(ls, location.path, disk=False) or "")
            related.append(
                types.DiagnosticRelatedInformation(
                    types.Location(uri, _range(ls, other, location.span)), location.note or found.message
                )
            )
    message = found.message + (f"\n{found.help}" if found.help else "")
    return types.Diagnostic(
        range=_range(ls, lines, found.span, widen=True),
        message=message,
        severity=types.DiagnosticSeverity.Error
        if found.severity == "error"
        else types.DiagnosticSeverity.Warning,
        code=found.code,
        code_description=types.CodeDescription(href=docs_url(found.code)),  # the rule's page
        source=SOURCE,
        related_information=related or None,
        tags=[types.DiagnosticTag.Unnecessary] if found.code == "MG009" else None,
    )


def _code_action(ls: MiglintServer, action: Action) -> types.CodeAction:
    changes: dict[str, list[types.TextEdit]] = {}
    for change in action.changes:
        uri = from_fs_path(change.path)
        if uri is None:
            continue
        lines = _lines(_text_of(ls, change.path) or "")
        changes.setdefault(uri, []).append(types.TextEdit(_range(ls, lines, change.span), change.text))
    diagnostic_lines = _lines(_text_of(ls, action.diagnostic.path) or "")
    return types.CodeAction(
        title=action.title,
        kind=FIX_ALL if action.kind == "source.fixAll" else QUICK_FIX,
        diagnostics=[_diagnostic(ls, action.diagnostic, diagnostic_lines)],
        is_preferred=action.preferred or None,
        edit=types.WorkspaceEdit(changes=changes),
    )


# -- positions: the model's (line from 1, column in characters) and the client's units ---------


def _lines(text: str) -> list[str]:
    """The lines as LSP counts them: ended by LF, CRLF or CR only (str.splitlines splits more)."""
    return re.split(r"\r\n|\r|\n", text)


def _to_client(ls: MiglintServer, line: str, column: int) -> int:
    return int(ls.workspace.position_codec.client_num_units(line[:column]))


def _from_client(ls: MiglintServer, line: str, character: int) -> int:
    units = 0
    for index, char in enumerate(line):
        if units >= character:
            return index
        units += int(ls.workspace.position_codec.client_num_units(char))
    return len(line)


def _range(ls: MiglintServer, lines: Sequence[str], span: Span, widen: bool = False) -> types.Range:
    start_line, end_line = max(span.line - 1, 0), max(span.end_line - 1, 0)
    start, end = span.column, span.end_column
    first = lines[start_line] if start_line < len(lines) else ""
    if widen and (start_line, start) == (end_line, end):
        # a point: underline the word there, else the rest of the line, so that it shows
        found = word_at(first, start)
        end = found[2] if found is not None and found[1] == start else len(first.rstrip())
        end = max(end, start)
    last = lines[end_line] if end_line < len(lines) else ""
    return types.Range(
        types.Position(start_line, _to_client(ls, first, start)),
        types.Position(end_line, _to_client(ls, last, end)),
    )


def _to_span(ls: MiglintServer, lines: Sequence[str], where: types.Range) -> Span:
    def column(position: types.Position) -> int:
        line = lines[position.line] if position.line < len(lines) else ""
        return _from_client(ls, line, position.character)

    return Span(where.start.line + 1, column(where.start), where.end.line + 1, column(where.end))


def _overlaps(span: Span, wanted: Span) -> bool:
    return (span.line, span.column) <= (wanted.end_line, wanted.end_column) and (
        wanted.line,
        wanted.column,
    ) <= (span.end_line, span.end_column)


# -- documents -------------------------------------------------------------------------------


def _path(uri: str) -> str | None:
    """The file a document is, or None for one that is not a file (an unsaved buffer)."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return path if path else None


def _text_of(ls: MiglintServer, path: str, disk: bool = True) -> str | None:
    """An open document's text, else (with `disk`) the file's."""
    found = ls.session.buffers.get(real(path))
    if found is not None or not disk:
        return found
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            return stream.read()
    except (OSError, UnicodeDecodeError):
        return None


def _shown(ls: MiglintServer, path: str) -> str:
    root = ls.workspace.root_path
    if root:
        try:
            relative = os.path.relpath(path, root)
        except ValueError:
            return path
        if not relative.startswith(".."):
            return relative.replace(os.sep, "/")
    return path
