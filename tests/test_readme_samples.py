"""The README's output samples are real output: each ```text block that shows a
`$ miglint ...` command is run (from the repository root, without a cache) and its
output compared with the sample. A block right after a `<!-- sample: examples/NAME -->`
comment runs in that directory instead (for a sample such as `$ miglint scenarios`).

A line that is only `...` (indented, or under a `│` of a drawn tree) stands for any
number of lines the sample leaves out. Samples without a `$ miglint` line are not checked here.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import cli_runner
from miglint import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_BLOCK = re.compile(
    r"(?:^<!-- sample: (?P<cwd>[^ ]+) -->\n)?^```text\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL
)
_CACHED_COMMANDS = ("lint", "graph", "plan", "scenarios")


@dataclass(frozen=True)
class Sample:
    line: int  # where the command is in README.md
    command: str
    expected: str
    cwd: str = ""  # relative to the repository root


def samples(text: str) -> list[Sample]:
    found = []
    for block in _BLOCK.finditer(text):
        first_line = text.count("\n", 0, block.start("body")) + 1
        lines = block.group("body").splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("$ miglint")]
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else len(lines)
            expected = "".join(f"{line}\n" for line in lines[start + 1 : end])
            found.append(Sample(first_line + start, lines[start][2:], expected, block.group("cwd") or ""))
    return found


def matches(expected: str, output: str) -> bool:
    """Whether `output` is `expected`, each `...` line standing for any lines."""
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line.strip(" │|") == "..." else re.escape(line) + r"\n"
        for line in expected.splitlines()
    )
    return re.fullmatch(pattern, output) is not None


def test_the_readme_has_samples() -> None:
    assert len(samples(README.read_text(encoding="utf-8"))) >= 2


def test_a_sample_may_name_its_directory() -> None:
    text = "<!-- sample: examples/seed-chain -->\n```text\n$ miglint scenarios\nx\n```\n"
    assert samples(text) == [Sample(3, "miglint scenarios", "x\n", "examples/seed-chain")]


def test_matching_with_elisions() -> None:
    assert matches("a\n...\nd\n", "a\nb\nc\nd\n")
    assert matches("a\n  ...\nd\n", "a\nd\n")
    assert matches("a\n│   ...\nd\n", "a\n│   b\nd\n")
    assert not matches("a\nd\n", "a\nb\nd\n")
    assert not matches("a\n...\nd\n", "a\nb\nc\n")


@pytest.mark.parametrize("sample", samples(README.read_text(encoding="utf-8")), ids=lambda s: f"line{s.line}")
def test_readme_sample(sample: Sample, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = shlex.split(sample.command)[1:]
    if argv and argv[0] in _CACHED_COMMANDS:
        argv.insert(1, "--no-cache")
    monkeypatch.chdir(ROOT / sample.cwd)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    # A sample shows what a terminal shows: `miglint graph` draws its text tree there.
    # Colour stays off (--color is what turns it on when not on a terminal).
    monkeypatch.setattr(cli, "_on_terminal", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    result = cli_runner().invoke(cli.main, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert matches(sample.expected, result.stdout), (
        f"README.md line {sample.line}: `{sample.command}` prints:\n{result.stdout}"
    )
