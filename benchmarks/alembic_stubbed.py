"""Load one Alembic environment with its application's imports stubbed; print its graph.

    python benchmarks/alembic_stubbed.py SCRIPT_DIR [--version-location DIR ...] [--recursive]

Alembic's `ScriptDirectory` imports every version file, and most real version files
import the application (models, enums, helpers) that is not installed where a linter
runs. Every module that cannot be found is replaced by a permissive stub whose
attributes are mocks, so that Alembic reads the same files a static reader does. This
is the reference `realworld.py` times: one whole process per run, as `alembic heads`.

Prints one JSON object: revisions, heads, bases (sorted), or the error Alembic raised.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import json
import sys
import types
from collections.abc import Sequence
from typing import Any
from unittest import mock


class Stub(mock.MagicMock):
    """A mock that also has what a function has (FlexMeasures reads
    `knowledge_horizons.ex_ante.__code__.co_varnames[0]` of a stubbed library at import)."""

    _FUNCTION_ATTRIBUTES = frozenset({"__code__", "__defaults__", "__kwdefaults__", "__wrapped__"})

    def __getattr__(self, name: str) -> Any:
        if name in self._FUNCTION_ATTRIBUTES:
            value = Stub(name=f"{self._mock_name}.{name}")
            object.__setattr__(self, name, value)
            return value
        return super().__getattr__(name)


class StubModule(types.ModuleType):
    """A package whose every attribute is a mock; `from stub import *` imports nothing."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__path__: list[str] = []
        self.__all__: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = Stub(name=f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on sys.meta_path: answers only for modules no real finder found.

    Never for the reference itself: a stubbed Alembic would "load" every environment in no
    time, with no revisions, and the benchmark would compare against that (SQLAlchemy is
    real whenever Alembic imports; a module an older SQLAlchemy had is stubbed like any).
    """

    NEVER_STUBBED = ("alembic",)

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: object = None) -> Any:
        if fullname.split(".")[0] in self.NEVER_STUBBED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return StubModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("script_dir")
    parser.add_argument("--version-location", action="append", default=[])
    parser.add_argument("--recursive", action="store_true")
    parser.add_argument("--heads-only", action="store_true", help="only get_heads(): the timed run")
    args = parser.parse_args(argv)
    try:
        from alembic.script import ScriptDirectory
    except ImportError as error:
        print(json.dumps({"error": f"Alembic is not installed with this interpreter: {error}"}))
        return 2
    sys.meta_path.append(StubFinder())

    try:
        script = ScriptDirectory(
            args.script_dir,
            version_locations=args.version_location or None,
            recursive_version_locations=args.recursive,
        )
        heads = script.get_heads()
        if args.heads_only:
            print(json.dumps({"heads": sorted(heads)}))
            return 0
        revisions = list(script.walk_revisions(base="base", head="heads"))
        bases = script.get_bases()
    except Exception as error:  # Alembic's own errors, or a version file failing under stubs
        print(json.dumps({"error": f"{type(error).__name__}: {error}"[:300]}))
        return 1
    print(json.dumps({"revisions": len(revisions), "heads": sorted(heads), "bases": sorted(bases)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
