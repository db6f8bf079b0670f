"""The installed layout: one import package, `miglint`; no top-level `lint` or `rules`."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_only_miglint_is_importable(tmp_path: Path) -> None:
    # run outside the checkout so that the repository's own folders are not on sys.path
    code = (
        "import importlib.util, miglint, miglint.rules, miglint.cli;"
        "print(importlib.util.find_spec('lint'), importlib.util.find_spec('rules'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "None None"


def test_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("miglint")
    out = subprocess.run([str(script), "--version"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.startswith("miglint, version ")


def test_wheel_holds_only_the_miglint_package(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("miglint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"miglint"}
    assert "miglint/rules/multiple_heads.py" in names and "miglint/reading/parse.py" in names
    assert "miglint/formats/sarif.py" in names
    assert not any(n.startswith(("lint/", "rules/", "tests/", "examples/")) for n in names)


def _script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("miglint")
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True)


def test_console_script_exit_status_and_whole_output(tmp_path: Path) -> None:
    """The script leaves with os._exit (no interpreter teardown): the status must still be
    click's or the command's, and everything written must have been flushed first."""
    example = str(ROOT / "examples" / "two-heads")
    found = _script("lint", "--no-cache", example, cwd=tmp_path)
    assert found.returncode == 1
    assert found.stdout.count(": MG102 ") == 2 and found.stdout.rstrip().endswith("in 1 environment.")
    assert _script("lint", "--no-cache", "--exit-zero", example, cwd=tmp_path).returncode == 0
    usage = _script("lint", "--no-such-option", cwd=tmp_path)
    assert usage.returncode == 2 and "No such option" in usage.stderr
    assert _script("lint", "--no-cache", str(ROOT / "examples" / "clean"), cwd=tmp_path).returncode == 0


def test_console_script_into_a_closed_pipe(tmp_path: Path) -> None:
    """`miglint ... | head`: the reader is gone before anything is written."""
    import os

    script = Path(sys.executable).with_name("miglint")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        writer = subprocess.run(
            [str(script), "lint", "--no-cache", str(ROOT / "examples" / "two-heads")],
            cwd=tmp_path,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write_end)
    assert writer.returncode == 1
    assert writer.stderr == ""


def test_console_script_with_stdout_closed_or_full(tmp_path: Path) -> None:
    import os

    import pytest

    script = Path(sys.executable).with_name("miglint")
    example = str(ROOT / "examples" / "two-heads")
    closed = subprocess.run(
        [str(script), "lint", "--no-cache", example],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),  # `miglint ... >&-`
    )
    assert (closed.returncode, closed.stderr) == (1, "")  # the findings still decide the status
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [str(script), "lint", "--no-cache", example],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 2
    assert done.stderr == "miglint: error: cannot write the report: No space left on device\n"
