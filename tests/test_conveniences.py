"""The small things users of ruff expect: --version with the parsers, shell completion,
a progress bar on slow cold runs, and `miglint init`."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_runner
from histories import copy_bundled_example, script_directory_without_versions
from miglint import __version__
from miglint.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / ("miglint.exe" if os.name == "nt" else "miglint")


# -- --version ---------------------------------------------------------------------------


def test_version_lists_the_parsers_and_the_graphviz_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("miglint.versions.shutil.which", lambda name: None)  # no `dot` on PATH
    result = cli_runner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:5] == [
        f"miglint, version {__version__}",
        f"Python: {sys.version.split()[0]}",
        f"pglast: {metadata.version('pglast')}",
        f"sqlglot: {metadata.version('sqlglot')}",
        f"libcst: {metadata.version('libcst')}",
    ]
    try:
        bundled = metadata.version("pygraphviz")
    except metadata.PackageNotFoundError:
        assert lines[5].startswith("Graphviz: none (SVG, PNG and PDF need")
    else:
        import pygraphviz

        assert lines[5] == f"Graphviz: {pygraphviz.__graphviz_version__} (bundled with pygraphviz {bundled})"
    assert len(lines) == 6


def test_version_names_dot_when_it_is_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dot = tmp_path / "dot"
    dot.write_text("#!/bin/sh\necho 'dot - graphviz version 2.43.0 (0)' >&2\n")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli_runner().invoke(main, ["--version"])
    assert result.output.splitlines()[-1] == f"Graphviz: 2.43.0 (dot at {dot})"


def test_version_and_a_warm_run_import_no_parser_nor_engine(tmp_path: Path) -> None:
    """The versions come from metadata: neither --version nor a run that parses nothing
    imports pglast, sqlglot, libcst or pygraphviz (only --version asks pygraphviz, when
    it is the engine)."""

    copy_bundled_example(ROOT / "examples" / "non-idempotent-sql", tmp_path, dirs_exist_ok=True)
    script = (
        "import sys\n"
        "from miglint.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:], prog_name='miglint')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pglast', 'sqlglot', 'libcst', 'pygraphviz'})), file=sys.stderr)\n"
    )

    def imported(*args: str, path: str = "") -> list[str]:
        env = {**os.environ, "PATH": path or os.environ.get("PATH", "")}
        done = subprocess.run(
            [sys.executable, "-c", script, *args], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stderr.splitlines()[-1].split()

    dot = tmp_path / "bin"
    dot.mkdir()
    (dot / "dot").write_text("#!/bin/sh\necho 'dot - graphviz version 2.43.0 (0)' >&2\n")
    (dot / "dot").chmod(0o755)
    assert imported("--version", path=f"{dot}{os.pathsep}{os.environ.get('PATH', '')}") == []
    cold = imported("lint")
    assert "pglast" in cold  # a cold run reads the SQL: the check below is not vacuous
    assert imported("lint") == []


# -- shell completion --------------------------------------------------------------------


def complete(words: str, shell: str = "bash") -> subprocess.CompletedProcess[str]:
    """What the console script answers a shell's completion request with (click's protocol)."""
    if not SCRIPT.exists():
        pytest.skip("the miglint console script is not installed beside this interpreter")
    cword = str(len(words.split()) - (0 if words.endswith(" ") else 1))
    env = {**os.environ, "_MIGLINT_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    return subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def test_completion_script_is_printed_for_each_documented_shell() -> None:
    if not SCRIPT.exists():
        pytest.skip("the miglint console script is not installed beside this interpreter")
    for shell, marker in (
        ("bash", "complete -o nosort -F"),
        ("zsh", "#compdef miglint"),
        ("fish", "complete"),
    ):
        env = {**os.environ, "_MIGLINT_COMPLETE": f"{shell}_source"}
        done = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and marker in done.stdout and "_MIGLINT_COMPLETE" in done.stdout


def test_completion_completes_commands_options_and_choices() -> None:
    assert complete("miglint li").stdout.splitlines() == ["plain,lint"]
    assert complete("miglint lint --again").stdout.splitlines() == ["plain,--against"]
    choices = complete("miglint lint --format ").stdout.splitlines()
    assert {"plain,sarif", "plain,github", "plain,json"} <= set(choices)


def test_completion_completes_rule_codes_and_names_also_after_a_comma() -> None:
    codes = complete("miglint rule MG10").stdout.splitlines()
    assert codes[:3] == ["plain,MG101", "plain,MG102", "plain,MG103"] and all("MG10" in c for c in codes)
    assert set(complete("miglint lint --select MG101,multi").stdout.splitlines()) == {
        "plain,MG101,multiple-heads",
        "plain,MG101,multiple-bases",
    }
    assert complete("miglint lint --ignore al").stdout.splitlines() == ["plain,ALL"]


def test_readme_documents_completion() -> None:
    readme = (ROOT / "README.md").read_text()
    for line in (
        'eval "$(_MIGLINT_COMPLETE=bash_source miglint)"',
        'eval "$(_MIGLINT_COMPLETE=zsh_source miglint)"',
        "_MIGLINT_COMPLETE=fish_source miglint | source",
    ):
        assert line in readme


# -- progress ------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_appears_after_a_second_and_is_erased() -> None:
    import io

    from miglint.report.progress import Progress

    clock, stream = Clock(), io.StringIO()
    bar = Progress(stream, clock)
    bar.add(40)
    bar.advance(10)
    clock.now += 0.5
    bar.advance(10)
    assert stream.getvalue() == ""  # a run that ends within a second says nothing
    clock.now += 0.6
    bar.advance(10)
    assert stream.getvalue() == "\r[######################........] 30/40 files parsed"
    bar.advance(1)  # redrawn at most every 0.1 s
    assert stream.getvalue().count("\r[") == 1
    bar.advance(9)  # the last file is always drawn
    assert stream.getvalue().endswith("\r[##############################] 40/40 files parsed")
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_the_bar_is_wanted_on_a_terminal_outside_ci_only() -> None:
    from miglint.report.progress import wanted

    class Terminal:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    assert wanted(Terminal(True), {})  # type: ignore[arg-type]
    assert wanted(Terminal(True), {"CI": "false"})  # type: ignore[arg-type]
    assert not wanted(Terminal(True), {"CI": "true"})  # type: ignore[arg-type]
    assert not wanted(Terminal(True), {"CI": "1", "TERM": "xterm"})  # type: ignore[arg-type]
    assert not wanted(Terminal(True), {"TERM": "dumb"})  # type: ignore[arg-type]
    assert not wanted(Terminal(False), {})  # type: ignore[arg-type]
    assert not wanted(None, {})


def sixty(tmp_path: Path) -> Path:
    from histories import write_project

    write_project(tmp_path, ["r0"] + [f"r{n}<-r{n - 1}" for n in range(1, 60)])
    return tmp_path


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "workers"])
def test_a_slow_cold_run_on_a_terminal_shows_files_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    monkeypatch.chdir(sixty(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.setattr("miglint.report.progress.DELAY", 0.0)  # as if parsing took more than a second
    monkeypatch.setattr("miglint.report.progress._is_terminal", lambda stream: True)
    result = cli_runner().invoke(main, ["lint", "--no-cache", "--jobs", jobs])
    assert result.exit_code == 0 and result.stdout == "All checks passed: 60 revisions in 1 environment.\n"
    assert result.stderr.startswith("\r[")
    assert result.stderr.endswith("\r[##############################] 60/60 files parsed\r\x1b[K")
    monkeypatch.setenv("CI", "true")
    quiet = cli_runner().invoke(main, ["lint", "--no-cache", "--jobs", jobs])
    assert (quiet.exit_code, quiet.stderr) == (0, "")


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
@pytest.mark.parametrize(
    ("delay", "ci", "bar"),
    [("0", None, True), ("0", "true", False), ("1", None, False)],
    ids=["slow", "slow-in-ci", "fast"],
)
def test_the_bar_on_a_real_terminal(tmp_path: Path, delay: str, ci: str | None, bar: bool) -> None:
    """stderr a pseudo-terminal, stdout a pipe: the bar goes to the terminal, the report to the pipe."""
    import pty

    project = sixty(tmp_path)
    script = (
        "import sys, miglint.report.progress as p\n"
        f"p.DELAY = {delay}\n"
        "from miglint.cli import main\n"
        "main(['lint', '--no-cache', '--jobs', '1'], prog_name='miglint')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM")}
    if ci is not None:
        env["CI"] = ci
    master, slave = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=project,
            env=env,
            stderr=slave,
            stdout=subprocess.PIPE,
            timeout=60,
        )
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert done.returncode == 0 and done.stdout == b"All checks passed: 60 revisions in 1 environment.\n"
    if bar:
        assert b"60/60 files parsed" in seen and seen.endswith(b"\r\x1b[K")
    else:
        assert seen == b""


# -- miglint init ----------------------------------------------------------------------------

EXAMPLES = ROOT / "examples"


def init(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.chdir(project)
    return cli_runner().invoke(main, ["init", *args])


def copied(name: str, tmp_path: Path, keep_pyproject: bool = False) -> Path:
    """The example without its pyproject.toml (seed-chain's says what is deployed: without
    it, the deploy-safety rules read every revision, four findings more)."""

    project = tmp_path / name
    copy_bundled_example(EXAMPLES / name, project)
    if not keep_pyproject:
        (project / "pyproject.toml").unlink(missing_ok=True)
    return project


SEED_SECTION = """[tool.miglint]
# Written by `miglint init`; the README's configuration reference describes every key.
dialect = "postgresql"  # no database URL or driver found: miglint's default
# the files that run `alembic stamp`; without this key they are searched for on every run
runners = ["scripts/run_migrations.py", "scripts/run_migrations_fixed.py"]

# The environments found; without these tables they are discovered on every run.
[[tool.miglint.environments]]
config = "alembic.ini"
"""


def test_init_writes_what_it_finds_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copied("seed-chain", tmp_path)
    monkeypatch.chdir(project)
    before = cli_runner().invoke(main, ["lint", "--no-cache"]).stdout
    result = init(project, monkeypatch, "--no-baseline")
    assert result.exit_code == 0, result.stderr
    assert (project / "pyproject.toml").read_text() == SEED_SECTION
    assert result.stdout == (
        f"Created pyproject.toml:\n\n{SEED_SECTION}\n"
        "6 findings now; `miglint lint --write-baseline` records them, so that only new ones are "
        "reported (README: Adopting miglint).\n"
    )
    assert not (project / ".miglint-baseline.json").exists()
    assert not [p.name for p in project.iterdir() if p.name.startswith(".pyproject")]  # no temporaries
    # the configuration written is read, and lints the project as discovery did
    after = cli_runner().invoke(main, ["lint", "--no-cache"])
    assert after.stdout == before and "Found 1 error and 5 warnings in 24 revisions" in after.stdout


def test_init_offers_a_baseline_and_writes_it_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copied("seed-chain", tmp_path)
    result = init(project, monkeypatch, "--baseline")
    assert result.exit_code == 0 and result.stderr == "Wrote 6 findings to .miglint-baseline.json.\n"
    after = cli_runner().invoke(main, ["lint", "--no-cache"])
    assert (after.exit_code, after.stdout) == (
        0,
        "All checks passed: 24 revisions in 1 environment (6 baselined).\n",
    )


def test_init_names_each_section_of_an_ini_and_guesses_the_dialect_from_its_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copied("multi-env", tmp_path)
    ini = project / "alembic.ini"
    ini.write_text(
        ini.read_text().replace("postgresql://app@localhost/core", "mysql+pymysql://app@localhost/core")
    )
    result = init(project, monkeypatch)
    assert result.exit_code == 0, result.stderr
    text = (project / "pyproject.toml").read_text()
    assert 'dialect = "mysql"  # guessed from sqlalchemy.url in alembic.ini\n' in text
    assert text.endswith(
        '[[tool.miglint.environments]]\nconfig = "alembic.ini"\nsection = "core"\n'
        '[[tool.miglint.environments]]\nconfig = "alembic.ini"\nsection = "tenant"\n'
    )
    names = cli_runner().invoke(main, ["lint", "--no-cache", "--format", "json"])
    import json

    environments = json.loads(names.stdout)["summary"]["environments"]
    assert [e["name"] for e in environments] == ["alembic.ini [core]", "alembic.ini [tenant]"]


@pytest.mark.parametrize(
    ("env_py", "expected"),
    [
        (
            'engine = create_async_engine("sqlite+aiosqlite:///app.db")\n',
            '"sqlite"  # guessed from the database URLs in env.py',
        ),
        ("import asyncpg\n", '"postgresql"  # guessed from the database drivers env.py names'),
        ("import pymysql  # MySQL\n", '"mysql"  # guessed from the database drivers env.py names'),
    ],
    ids=["url", "asyncpg", "pymysql"],
)
def test_init_guesses_the_dialect_from_env_py(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env_py: str, expected: str
) -> None:
    from histories import write_project

    write_project(tmp_path, ["a", "b<-a"])
    (tmp_path / "migrations" / "env.py").write_text("from alembic import context\n" + env_py)
    ini = tmp_path / "alembic.ini"
    ini.write_text(ini.read_text() + "sqlalchemy.url = driver://user:pass@localhost/dbname\n")
    result = init(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert f"dialect = {expected}\n" in (tmp_path / "pyproject.toml").read_text()


def test_init_guesses_the_dialect_from_a_statement_postgresql_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nylas: no URL, no driver in env.py, but a revision runs MySQL's MODIFY COLUMN."""
    from histories import write_project

    modify = "revision = 'c'\ndown_revision = 'b'\n\n\ndef upgrade():\n    op.execute('ALTER TABLE t MODIFY COLUMN a BIGINT')\n"
    write_project(tmp_path, ["a", "b<-a"], files={"0003_c.py": modify})
    result = init(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert (
        'dialect = "mysql"  # guessed from the history: migrations/versions/0003_c.py runs MySQL\'s own SQL\n'
        in (tmp_path / "pyproject.toml").read_text()
    )


def test_init_guesses_mysql_from_a_column_of_a_mysql_only_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """okpy: no URL, no driver in env.py, no SQL; a revision creates a column typed
    `mysql.MEDIUMTEXT()`, which PostgreSQL's compiler cannot render."""
    from histories import write_project

    typed = (
        "from sqlalchemy.dialects import mysql\nrevision = 'c'\ndown_revision = 'b'\n\n\ndef upgrade():\n"
        "    op.create_table('jobs', sa.Column('log', mysql.MEDIUMTEXT()))\n"
    )
    write_project(tmp_path, ["a", "b<-a"], files={"0003_c.py": typed})
    result = init(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert (
        'dialect = "mysql"  # guessed from the history: migrations/versions/0003_c.py gives a column '
        "MySQL's own type MEDIUMTEXT\n" in (tmp_path / "pyproject.toml").read_text()
    )


def test_init_appends_to_a_pyproject_and_keeps_every_byte_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copied("two-heads", tmp_path)
    original = (
        b'[project]\nname = "shop"  # caf\xc3\xa9\n\n[tool.ruff]\nline-length = 100'  # no final newline
    )
    (project / "pyproject.toml").write_bytes(original)
    result = init(project, monkeypatch, "--no-baseline")
    assert result.exit_code == 0 and result.stdout.startswith("Added [tool.miglint] to pyproject.toml:\n")
    written = (project / "pyproject.toml").read_bytes()
    assert written.startswith(original + b"\n\n[tool.miglint]\n")
    assert "2 findings now" in result.stdout


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (
            '[tool.miglint]\nselect = ["ALL"]\n',
            "miglint: error: pyproject.toml already has a [tool.miglint] section; not changing it "
            "(edit it, or remove it and run miglint init again)\n",
        ),
        ("[tool.miglint\n", "miglint: error: "),
    ],
    ids=["configured", "invalid-toml"],
)
def test_init_never_clobbers_a_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: str, message: str
) -> None:
    project = copied("two-heads", tmp_path)
    (project / "pyproject.toml").write_text(existing)
    result = init(project, monkeypatch)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert (project / "pyproject.toml").read_text() == existing


def test_init_without_an_environment_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = init(tmp_path, monkeypatch)
    assert result.exit_code == 2 and "no Alembic environment found" in result.stderr
    assert not (tmp_path / "pyproject.toml").exists()


def test_init_declares_a_script_directory_without_an_ini_by_its_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from histories import write_project

    write_project(tmp_path / "db", ["a", "b<-a"])
    (tmp_path / "db" / "alembic.ini").unlink()
    (tmp_path / "db" / "migrations" / "env.py").write_text("from alembic import context\n")
    result = init(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.endswith(
        '[[tool.miglint.environments]]\nname = "db/migrations"\nscript-location = "db/migrations"\n'
    )
    after = cli_runner().invoke(main, ["lint", "--no-cache"])
    assert after.stdout == "All checks passed: 2 revisions in 1 environment.\n"


@pytest.mark.parametrize(("answer", "recorded"), [("y\n", True), ("\n", False)], ids=["yes", "default-no"])
def test_init_asks_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str, recorded: bool
) -> None:
    project = copied("seed-chain", tmp_path)
    monkeypatch.chdir(project)
    monkeypatch.setattr("miglint.cli._interactive", lambda: True)
    result = cli_runner().invoke(main, ["init"], input=answer)
    assert result.exit_code == 0, result.stderr
    assert (
        "Record the 6 current findings in a baseline, so that only new ones are reported? [y/N]: "
        in result.stdout
    )
    assert (project / ".miglint-baseline.json").exists() == recorded


def test_init_on_a_script_directory_without_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # lsst's daf_butler_migrate: revisions beside migrations/_alembic, one of them mentioning
    # alembic's stamp in a docstring: a revision, not a runner
    script_directory_without_versions(tmp_path)
    (tmp_path / "migrations" / "core").mkdir()
    (tmp_path / "migrations" / "core" / "aaa111.py").write_text(
        '"""Run `alembic stamp` by hand: command.stamp(cfg, "aaa111")."""\n'
        "revision = 'aaa111'\ndown_revision = None\n\n\ndef upgrade():\n    pass\n"
    )
    result = init(tmp_path, monkeypatch, "--no-baseline")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "pyproject.toml").read_text()
    assert "runners" not in text.split("[[tool.miglint.environments]]")[0].replace("# the files", "")
    linted = cli_runner().invoke(main, ["lint", "--no-cache", "--concise"])
    assert linted.exit_code == 0, linted.output
    assert "MG004 1 revision file in 1 directory that no version location covers: migrations/core (1)" in (
        linted.stdout
    )
