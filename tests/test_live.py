"""lint/editor/live.py, the language server's engine, in process: buffers over the files on disk."""

from __future__ import annotations

import os
from pathlib import Path

import miglint.editor.live
import miglint.reading.parse
from conftest import cli_runner
from histories import spec, version_source, write_project
from miglint import cli
from miglint.editor.live import Session, actions, ignore_action

RUNNER = (
    "import subprocess\n\n"
    'subprocess.run(["alembic", "stamp", "{target}"], check=True)\n'
    'subprocess.run(["alembic", "upgrade", "head"], check=True)\n'
)


def codes(session: Session, path: Path) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in session.findings(str(path))]


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".miglint_cache" not in p.parts
    }


def test_a_new_version_file_that_is_only_a_buffer_takes_part(tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a"])
    before = tree(tmp_path)
    new = tmp_path / "migrations" / "versions" / "0002_c.py"  # not saved yet
    session = Session()
    session.open(str(new), version_source(spec("c<-a")))
    session.lint(str(new))
    assert codes(session, new) == [("MG102", 13)]
    assert codes(session, files["b"]) == [("MG102", 13)]
    session.open(str(new), version_source(spec("c<-b")))
    session.lint(str(new))
    assert codes(session, new) == [] and codes(session, files["b"]) == []
    assert tree(tmp_path) == before  # only miglint's cache was written
    assert (tmp_path / ".miglint_cache").is_dir()


def test_a_python_file_outside_every_project_is_no_error(tmp_path: Path) -> None:
    loose = tmp_path / "script.py"
    loose.write_text("print('hello')\n")
    session = Session(use_cache=False)
    session.open(str(loose), loose.read_text())
    assert session.lint(str(loose)) == []
    assert session.findings(str(loose)) == ()


def test_a_runner_buffer_is_checked_against_its_history(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "b<-a"])
    runner = tmp_path / "deploy.py"
    runner.write_text(RUNNER.format(target="b"))
    session = Session(use_cache=False)
    session.open(str(runner), runner.read_text())
    session.lint(str(runner))
    assert codes(session, runner) == []
    session.open(str(runner), RUNNER.format(target="bb"))  # a typo, unsaved
    session.lint(str(runner))
    assert codes(session, runner) == [("MG303", 3)]
    graph = session.graph_for(str(runner))
    assert graph is not None and sorted(graph.revisions) == ["a", "b"]
    # a runner that exists only in the editor is one as well
    fresh = tmp_path / "tools" / "stamp.py"
    session.open(str(fresh), RUNNER.format(target="nope"))
    session.lint(str(fresh))
    assert codes(session, fresh) == [("MG303", 3)]


def test_the_baseline_hides_what_it_records(tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a", "c<-a"])
    written = cli_runner().invoke(cli.main, ["lint", "--no-cache", "--write-baseline", str(tmp_path)])
    assert written.exit_code == 0, written.output
    session = Session(use_cache=False)
    session.open(str(files["c"]), files["c"].read_text())
    session.lint(str(files["c"]))
    assert codes(session, files["c"]) == []
    session.open(
        str(files["c"]), files["c"].read_text().replace("down_revision = 'a'", "down_revision = 'zz'")
    )
    session.lint(str(files["c"]))
    assert [code for code, _ in codes(session, files["c"])] == ["MG106", "MG103"]  # new: shown


def test_ignore_comment_is_not_offered_inside_a_string_or_after_a_backslash(tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b<-a"])
    source = files["b"].read_text().replace("down_revision = 'a'", "down_revision = \\\n    'zz'")
    session = Session(use_cache=False)
    session.open(str(files["b"]), source)
    session.lint(str(files["b"]))
    found = session.findings(str(files["b"]))
    missing = next(d for d in found if d.code == "MG103")
    assert source.splitlines()[missing.span.line - 1] == "    'zz'"
    assert ignore_action(missing, source) is not None  # the value's own line takes a comment
    continued = missing.__class__(**{**missing.__dict__, "span": missing.span.__class__.point(14)})
    assert source.splitlines()[13].endswith("\\")
    assert ignore_action(continued, source) is None
    in_docstring = missing.__class__(**{**missing.__dict__, "span": missing.span.__class__.point(4)})
    assert ignore_action(in_docstring, source) is None
    assert [a.title for a in actions([missing], lambda p: source)] == [
        "MG103: ignore on this line (# miglint: ignore)"
    ]


def test_a_keystroke_parses_only_its_buffer(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    files = write_project(tmp_path, ["a", "b<-a", "c<-b"])
    session = Session()
    session.open(str(files["c"]), files["c"].read_text())
    session.lint(str(files["c"]))
    parsed: list[str] = []
    parse = miglint.reading.parse.parse_revision_file

    def spy(path: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(os.path.basename(path))
        return parse(path, *args, **kwargs)

    monkeypatch.setattr(miglint.reading.parse, "parse_revision_file", spy)
    session.open(str(files["c"]), files["c"].read_text().replace("'b'", "'a'"))
    session.lint(str(files["c"]))
    assert parsed == ["0002_c.py"]
    assert codes(session, files["c"]) == [("MG106", 4), ("MG102", 13)]


def test_a_project_is_discovered_once_when_its_settings_live_above_it(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "pyproject.toml").write_text("[tool.miglint]\n")  # a monorepo's settings, above the project
    files = write_project(tmp_path / "app", ["a", "b<-a"])
    runner = tmp_path / "app" / "deploy.py"
    runner.write_text(RUNNER.format(target="b"))
    found: list[object] = []
    discover = miglint.editor.live.discover

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        found.append(args)
        return discover(*args, **kwargs)

    monkeypatch.setattr(miglint.editor.live, "discover", counted)
    session = Session(use_cache=False)
    for path in (runner, files["b"], runner, tmp_path / "app" / "alembic.ini"):
        session.open(str(path), path.read_text())
        session.lint(str(path))
    assert len(found) == 1
    session.forget(str(tmp_path / "pyproject.toml"))  # saved: discover again
    session.lint(str(runner))
    assert len(found) == 2


def test_a_buffer_importing_the_application_is_reported(tmp_path: Path) -> None:
    write_project(tmp_path, ["a"])
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    new = tmp_path / "migrations" / "versions" / "0001_b.py"
    session = Session(use_cache=False)
    session.open(str(new), "from app.models import User\nrevision = 'b'\ndown_revision = 'a'\n")
    session.lint(str(new))
    assert codes(session, new) == [("MG506", 1)]
