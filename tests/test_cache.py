"""The cache: keyed by content, rebuilt when damaged, never trusted blindly."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from histories import write_project
from miglint import collect as collect_module
from miglint.collect import Cache, collect


def _paths(root: Path) -> list:
    return sorted((root / "migrations" / "versions").glob("*.py"))


def test_warm_run_parses_nothing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_project(tmp_path, ["a", "b<-a", "c<-b"])
    cache_dir = tmp_path / ".miglint_cache"
    cold = collect(_paths(tmp_path), cache_dir)
    parsed = []
    real = collect_module._parse_all
    monkeypatch.setattr(
        collect_module, "_parse_all", lambda items, jobs: parsed.extend(items) or real(items, jobs)
    )
    assert collect(_paths(tmp_path), cache_dir) == cold
    assert parsed == []
    assert (cache_dir / ".gitignore").read_text().endswith("*\n")


def test_changed_file_is_parsed_again(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    files = write_project(tmp_path, ["a", "b<-a"])
    cache_dir = tmp_path / "cache"
    collect(_paths(tmp_path), cache_dir)
    files["b"].write_text(files["b"].read_text().replace("down_revision = 'a'", "down_revision = None"))
    os.utime(files["b"], ns=(1, 1))  # a changed size is enough; also defeat same-mtime
    parsed = []
    real = collect_module._parse_all
    monkeypatch.setattr(
        collect_module, "_parse_all", lambda items, jobs: parsed.extend(items) or real(items, jobs)
    )
    records = collect(_paths(tmp_path), cache_dir)
    assert [Path(p).name for p, _ in parsed] == ["0001_b.py"]
    assert records[1].down_revision is not None and records[1].down_revision.ids == ()


def test_same_content_at_new_path_reuses_record(tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a"])
    cache_dir = tmp_path / "cache"
    collect(_paths(tmp_path), cache_dir)
    moved = files["a"].with_name("renamed.py")
    files["a"].rename(moved)
    (record,) = collect([moved], cache_dir)
    assert record.path == str(moved) and record.revision_id == "a"


def test_corrupted_cache_is_rebuilt(tmp_path: Path) -> None:
    write_project(tmp_path, ["a", "b<-a"])
    cache_dir = tmp_path / "cache"
    expected = collect(_paths(tmp_path), cache_dir)
    Cache.file_for(cache_dir).write_bytes(b"\x80\x05garbage")
    assert collect(_paths(tmp_path), cache_dir) == expected
    assert Cache.load(cache_dir).records  # rewritten whole


class _Evil:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, ("touch pwned",))


def test_cache_never_unpickles_foreign_objects(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, ["a"])
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    Cache.file_for(cache_dir).write_bytes(pickle.dumps({"format": 1, "records": {"x": _Evil()}, "stats": {}}))
    (record,) = collect(_paths(tmp_path), cache_dir)
    assert record.revision_id == "a"
    assert not (tmp_path / "pwned").exists()


def test_unwritable_cache_dir_still_lints(tmp_path: Path) -> None:
    write_project(tmp_path, ["a"])
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the directory should be")
    (record,) = collect(_paths(tmp_path), blocker)
    assert record.revision_id == "a"


def test_parallel_parse_matches_serial(tmp_path: Path) -> None:
    history = ["r0"] + [f"r{i}<-r{i - 1}" for i in range(1, 120)]
    write_project(tmp_path, history)
    serial = collect(_paths(tmp_path), None, jobs=1)
    parallel = collect(_paths(tmp_path), None, jobs=2)
    assert parallel == serial and len(serial) == 120
