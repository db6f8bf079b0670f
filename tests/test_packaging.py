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
    assert "miglint/rules/multiple_heads.py" in names and "miglint/parse.py" in names
    assert "miglint/formats/sarif.py" in names
    assert not any(n.startswith(("lint/", "rules/", "tests/", "examples/")) for n in names)
