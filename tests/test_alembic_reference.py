"""The benchmark's reference (benchmarks/alembic_stubbed.py) stubs the application, never Alembic.

A stubbed Alembic "loaded" every environment with no revisions in a few milliseconds, and
realworld.py compared miglint with that when it ran with an interpreter lacking Alembic.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "alembic_stubbed.py"


def _stub_module():
    spec = importlib.util.spec_from_file_location("alembic_stubbed_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_application_is_stubbed_but_not_alembic() -> None:
    finder = _stub_module().StubFinder()
    assert finder.find_spec("myapp.models", None) is not None
    # a module of an older SQLAlchemy (fides imports one): stubbed like the application's
    assert finder.find_spec("sqlalchemy.engine.legacy_module", None) is not None
    assert finder.find_spec("alembic", None) is None
    assert finder.find_spec("alembic.script", None) is None


def test_a_version_file_importing_its_application_loads(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "a1_first.py").write_text(
        "from myapp.models import Thing\nrevision = 'a1'\ndown_revision = None\ndef upgrade():\n    pass\n",
        encoding="utf-8",
    )
    (versions / "b2_second.py").write_text(
        "import myapp.enums\nrevision = 'b2'\ndown_revision = 'a1'\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "migrations"), "--version-location", str(versions)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == {"revisions": 2, "heads": ["b2"], "bases": ["a1"]}


def test_a_stubbed_function_has_code_to_read() -> None:
    """FlexMeasures reads `knowledge_horizons.ex_ante.__code__.co_varnames[0]` of a library
    at import: a plain mock has no __code__, and Alembic could not load the environment."""
    stubbed = _stub_module().StubModule("timely_beliefs.sensors.func_store.knowledge_horizons")
    assert stubbed.ex_ante.__code__.co_varnames[0] is not None
