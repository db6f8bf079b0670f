"""`miglint server` driven by a real LSP client (pytest-lsp) over stdio, as an editor drives it.

One server process serves the whole module (its start-up is most of the cost); each
test lints a project of its own.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

pytest.importorskip("pytest_lsp")  # Python 3.10+

import pytest_lsp
from histories import spec, version_source, write_project
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

lsp = pytest.mark.asyncio(loop_scope="module")  # the loop the module's client lives on

TIMEOUT = 20.0


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "miglint", "server", "--no-cache"]),
)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


# -- helpers ------------------------------------------------------------------------------


def uri(path: Path) -> str:
    return path.resolve().as_uri()


async def published(
    client: LanguageClient, path: Path, wanted: Callable[[Sequence[types.Diagnostic]], bool] = lambda d: True
) -> Sequence[types.Diagnostic]:
    """The next diagnostics published for `path` that satisfy `wanted`."""
    key = uri(path)

    async def wait() -> None:
        while key not in client.diagnostics or not wanted(client.diagnostics[key]):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(wait(), TIMEOUT)
    return list(client.diagnostics[key])


def open_document(client: LanguageClient, path: Path, text: str | None = None) -> None:
    client.diagnostics.pop(uri(path), None)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri(path), "python", 1, path.read_text() if text is None else text)
        )
    )


def change_document(client: LanguageClient, path: Path, text: str, version: int, *others: Path) -> None:
    """Replace the whole buffer (unsaved: the file on disk stays as it is)."""
    for each in (path, *others):
        client.diagnostics.pop(uri(each), None)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri(path)),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """What an editor does with a code action's edits (ASCII text: units are characters)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        return starts[position.line] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def codes(found: Sequence[types.Diagnostic]) -> list[tuple[str, int]]:
    return [(str(d.code), d.range.start.line + 1) for d in found]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# -- the tests ----------------------------------------------------------------------------


@lsp
async def test_a_second_head_in_the_buffer_and_its_removal(client: LanguageClient, tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a"])
    branch = tmp_path / "migrations" / "versions" / "0002_c.py"
    on_disk = version_source(spec("c<-a"))
    branch.write_text(on_disk)  # `alembic revision` on a checkout that did not have b yet
    open_document(client, files["b"])
    open_document(client, branch)
    found = await published(client, branch, bool)
    assert codes(found) == [("MG102", line_of(on_disk, "revision = 'c'"))]
    assert found[0].severity == types.DiagnosticSeverity.Error
    assert "revision c is one of 2 heads (b, c)" in found[0].message
    assert "alembic merge" in found[0].message  # the help line
    description = found[0].code_description
    assert description is not None and description.href.endswith("/docs/rules/MG102.md")  # the rule's page
    other = await published(client, files["b"], bool)  # the other head: its own file's finding
    assert codes(other) == [("MG102", line_of(files["b"].read_text(), "revision = 'b'"))]

    # re-parent the unsaved buffer onto b: the history is linear again
    linear = on_disk.replace("down_revision = 'a'", "down_revision = 'b'").replace("Revises: a", "Revises: b")
    change_document(client, branch, linear, 2, files["b"])
    assert await published(client, branch) == []
    assert await published(client, files["b"]) == []  # the graph finding left the other file too
    assert branch.read_text() == on_disk  # nothing written: the buffer is not saved

    # and back: the finding returns, computed against the buffer again
    change_document(client, branch, on_disk, 3)
    assert codes(await published(client, branch, bool)) == [("MG102", line_of(on_disk, "revision = 'c'"))]


@lsp
async def test_fixes_and_ignore_comments_as_code_actions(client: LanguageClient, tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a"])
    # MG106 twice: neither docstring line agrees with the variables
    source = (
        files["b"]
        .read_text()
        .replace("Revises: a", "Revises: zz")
        .replace("Revision ID: b", "Revision ID: bb")
    )
    open_document(client, files["b"], source)
    found = await published(client, files["b"], bool)
    line = line_of(source, "Revises: zz")
    assert codes(found) == [("MG106", line - 1), ("MG106", line)]

    async def code_actions(where: types.Range, *only: str) -> list[types.CodeAction]:
        done = await client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(uri(files["b"])),
                where,
                types.CodeActionContext(diagnostics=list(found), only=list(only) or None),
            )
        )
        assert done is not None
        return [a for a in done if isinstance(a, types.CodeAction)]

    # one quick fix: the finding's line is inside the docstring, where a comment would be
    # text, so "ignore on this line" is not offered
    (fix,) = await code_actions(found[1].range, types.CodeActionKind.QuickFix)
    assert fix.title == "MG106: rewrite the docstring's Revises from `down_revision`"
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    assert fix.edit is not None and fix.edit.changes is not None
    fixed = apply_edits(source, fix.edit.changes[uri(files["b"])])
    assert fixed == source.replace("Revises: zz", "Revises: a")

    # every safe fix of the file at once (VS Code's "source.fixAll" on save)
    (every,) = await code_actions(found[1].range, "source.fixAll")
    assert every.title == "miglint: apply the 2 safe fixes in this file"
    assert every.kind == "source.fixAll.miglint"
    assert every.edit is not None and every.edit.changes is not None
    assert [a.title for a in await code_actions(found[1].range)] == [fix.title, every.title]
    fixed = apply_edits(source, every.edit.changes[uri(files["b"])])
    assert fixed == files["b"].read_text()
    change_document(client, files["b"], fixed, 2)
    assert await published(client, files["b"]) == []


@lsp
async def test_unsafe_fix_is_labelled_and_ignore_comment_suppresses(
    client: LanguageClient, tmp_path: Path
) -> None:
    files = write_project(tmp_path, ["a", "b<-a"])
    # down_revision names nothing; the docstring names a: MG103, and MG106's unsafe fix
    source = files["b"].read_text().replace("down_revision = 'a'", "down_revision = 'gone'")
    open_document(client, files["b"], source)
    found = await published(client, files["b"], bool)
    line = line_of(source, "down_revision = 'gone'")
    assert sorted(c for c, _ in codes(found)) == ["MG103", "MG106"]
    whole_file = types.Range(types.Position(0, 0), types.Position(len(source.splitlines()), 0))
    done = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri(files["b"])),
            whole_file,
            types.CodeActionContext(diagnostics=found),
        )
    )
    assert done is not None
    fixes = [a for a in done if isinstance(a, types.CodeAction) and "ignore" not in a.title]
    unsafe = next(a for a in fixes if a.diagnostics and a.diagnostics[0].code == "MG106")
    assert "unsafe" in unsafe.title and not unsafe.is_preferred
    assert unsafe.edit is not None and unsafe.edit.changes is not None
    assert "down_revision = 'a'" in apply_edits(source, unsafe.edit.changes[uri(files["b"])])

    ignores = [a for a in done if isinstance(a, types.CodeAction) and "ignore" in a.title]
    mg103 = next(a for a in ignores if a.diagnostics and a.diagnostics[0].code == "MG103")
    assert mg103.edit is not None and mg103.edit.changes is not None
    ignored = apply_edits(source, mg103.edit.changes[uri(files["b"])])
    assert ignored.splitlines()[line - 1] == "down_revision = 'gone'  # miglint: ignore[MG103]"
    change_document(client, files["b"], ignored, 2)
    assert [c for c, _ in codes(await published(client, files["b"]))] == ["MG106"]


@lsp
async def test_hover_on_a_revision_id_and_on_a_rule_code(client: LanguageClient, tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a", "c<-a"])
    source = (
        files["c"].read_text().replace("down_revision = 'a'", "down_revision = 'a'  # miglint: ignore[MG102]")
    )
    open_document(client, files["c"], source)
    await published(client, files["c"])
    line = line_of(source, "down_revision = 'a'") - 1
    text = source.splitlines()[line]

    async def hover(column: int) -> str:
        found = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri(files["c"])), types.Position(line, column))
        )
        assert found is not None and isinstance(found.contents, types.MarkupContent)
        return found.contents.value

    about_a = await hover(text.index("'a'") + 1)
    assert "**revision `a`**" in about_a and "(head)" not in about_a
    assert "migrations/versions/0000_a.py" in about_a
    assert "- down_revision: none (a base)" in about_a
    assert "- children: `b`, `c`" in about_a and "- not a head" in about_a
    about_code = await hover(text.index("MG102") + 2)
    assert about_code.startswith("# multiple-heads (MG102)") and "## What it does" in about_code
    nothing = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri(files["c"])), types.Position(0, 0))
    )
    assert nothing is None


@lsp
async def test_a_syntax_error_is_a_diagnostic_and_the_server_goes_on(
    client: LanguageClient, tmp_path: Path
) -> None:
    files = write_project(tmp_path, ["a", "b<-a"])
    source = files["b"].read_text().replace("def upgrade():", "def upgrade(:")
    open_document(client, files["b"], source)
    found = await published(client, files["b"], bool)
    assert codes(found) == [("MG001", line_of(source, "def upgrade(:"))]
    change_document(client, files["b"], files["b"].read_text(), 2)
    assert await published(client, files["b"]) == []


@lsp
async def test_a_saved_configuration_applies_and_a_broken_one_is_one_diagnostic(
    client: LanguageClient, tmp_path: Path
) -> None:
    files = write_project(tmp_path, ["a", "b<-a", "c<-a"])
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.miglint]\nignore = ["MG102"]\n')
    open_document(client, files["c"])
    assert await published(client, files["c"]) == []

    async def saved(text: str) -> list[types.Diagnostic]:
        pyproject.write_text(text)
        client.diagnostics.pop(uri(files["c"]), None)
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri(pyproject)))
        )
        # a request answered means every notification the save caused has arrived before it
        await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri(files["c"])), types.Position(0, 0))
        )
        return list(client.diagnostics[uri(files["c"])])

    # saved: the open documents are linted again under the new configuration
    assert codes(await saved("[tool.miglint]\n")) == [("MG102", 13)]
    (broken,) = await saved('[tool.miglint]\nselect = ["MG999"]\n')
    assert broken.message == "cannot lint: unknown rule 'MG999' (see `miglint rules`)"
    assert broken.range.start == types.Position(0, 0)


@lsp
async def test_columns_are_counted_in_the_clients_units(client: LanguageClient, tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a"])
    source = files["b"].read_text().replace("down_revision = 'a'", "down_revision = '\U0001f40dgone'")
    open_document(client, files["b"], source)
    found = await published(client, files["b"], bool)
    missing = next(d for d in found if d.code == "MG103")
    # 7 characters from column 16, but the snake is two UTF-16 code units (LSP's default)
    assert (missing.range.start.character, missing.range.end.character) == (16, 24)


@lsp
async def test_a_version_file_created_on_disk_is_seen(client: LanguageClient, tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a"])
    open_document(client, files["b"])
    assert await published(client, files["b"]) == []
    created = tmp_path / "migrations" / "versions" / "0002_c.py"
    created.write_text(version_source(spec("c<-a")))  # `git pull` brought a second head
    client.diagnostics.pop(uri(files["b"]), None)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(uri(created), types.FileChangeType.Created)])
    )
    assert codes(await published(client, files["b"])) == [("MG102", 13)]
