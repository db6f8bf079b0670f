"""The cache: keyed by content, rebuilt when damaged, never trusted blindly."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from histories import revisions_with_imported_labels, write_project
from miglint.reading import collect as collect_module
from miglint.reading.collect import Store, collect


def _paths(root: Path) -> list:
    return sorted((root / "migrations" / "versions").glob("*.py"))


def test_warm_run_parses_nothing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_project(tmp_path, ["a", "b<-a", "c<-b"])
    cache_dir = tmp_path / ".miglint_cache"
    cold = collect(_paths(tmp_path), cache_dir)
    parsed = []
    real = collect_module._parse_all
    monkeypatch.setattr(
        collect_module, "_parse_all", lambda items, *rest: parsed.extend(items) or real(items, *rest)
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
        collect_module, "_parse_all", lambda items, *rest: parsed.extend(items) or real(items, *rest)
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
    for stored in cache_dir.glob("*.pickle"):
        stored.write_bytes(b"\x80\x05garbage")
    assert collect(_paths(tmp_path), cache_dir) == expected
    assert (
        Store(cache_dir).records(_paths(tmp_path), Store(cache_dir).fingerprint(_paths(tmp_path)), 1)
        == expected
    )


class _Evil:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, ("touch pwned",))


def test_cache_never_unpickles_foreign_objects(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, ["a"])
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    store = Store(cache_dir)
    for kind in ("index", "records", "results"):
        store._file(kind).write_bytes(pickle.dumps({"format": 2, "value": {"x": _Evil()}}))
    (record,) = collect(_paths(tmp_path), cache_dir)
    assert record.revision_id == "a"
    assert not (tmp_path / "pwned").exists()


def test_cache_never_unpickles_foreign_objects_in_a_part(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, ["a"])
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    store = Store(cache_dir)
    part = pickle.dumps([("digest", _Evil())])
    header = pickle.dumps({"format": collect_module._FORMAT, "value": {}, "parts": [len(part)]})
    store._file("records").write_bytes(header + part)
    (record,) = collect(_paths(tmp_path), cache_dir)
    assert record.revision_id == "a"
    assert not (tmp_path / "pwned").exists()


def test_cold_parallel_run_stores_the_batches_the_workers_pickled(tmp_path: Path) -> None:
    history = ["r0"] + [f"r{i}<-r{i - 1}" for i in range(1, 120)]
    write_project(tmp_path, history)
    cache_dir = tmp_path / "cache"
    records = collect(_paths(tmp_path), cache_dir, jobs=2)
    data = Store(cache_dir)._file("records").read_bytes()
    header = pickle.loads(data)
    # one part per batch, stored as sent: the parent did not pickle the records again
    assert header["value"] == {} and len(header["parts"]) > 1
    assert len(data) == len(pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)) + sum(header["parts"])
    loaded = Store(cache_dir)._load_records("records")
    assert sorted(r.revision_id for r in loaded.values()) == sorted(r.revision_id for r in records)
    assert collect(_paths(tmp_path), cache_dir, jobs=2) == records


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


def _lint(root: Path, **options: object) -> list:
    from miglint.pipeline import Options, lint_paths

    return lint_paths([str(root)], root, Options(**options))  # type: ignore[arg-type]


def test_unchanged_project_is_served_from_results(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write_project(tmp_path, ["a", "b1<-a", "b2<-a"])
    first = _lint(tmp_path)
    import miglint.engine

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine ran on an unchanged project")

    monkeypatch.setattr(miglint.engine, "lint_records", fail)
    again = _lint(tmp_path)
    assert again == first and again[0].graph is None
    assert [d.code for d in again[0].diagnostics] == ["MG102", "MG102"]


def test_results_are_recomputed_when_anything_they_depend_on_changes(tmp_path: Path) -> None:
    files = write_project(tmp_path, ["a", "b1<-a", "b2<-a"])
    assert len(_lint(tmp_path)[0].diagnostics) == 2
    assert _lint(tmp_path, ignore=["MG102"])[0].diagnostics == ()  # another rule selection
    files["b2"].write_text(files["b2"].read_text().replace("down_revision = 'a'", "down_revision = 'b1'"))
    (report,) = _lint(tmp_path)
    # one head now; the edit left the docstring saying "Revises: a"
    assert [d.code for d in report.diagnostics] == ["MG106"] and report.heads == ("b2",)


def test_results_follow_a_changed_label_module(tmp_path: Path) -> None:
    labels = tmp_path / "labels.py"
    labels.write_text("EXPAND = 'expand'\nCONTRACT = 'contract'\n")
    write_project(
        tmp_path,
        ["a"],
        files=revisions_with_imported_labels("labels", {"e": "EXPAND", "c": "CONTRACT"}),
    )
    assert _lint(tmp_path)[0].diagnostics == ()
    labels.write_text("EXPAND = 'shared'\nCONTRACT = 'shared'\n")
    codes = sorted(d.code for d in _lint(tmp_path)[0].diagnostics)
    assert codes == ["MG102", "MG102", "MG108", "MG108"]


def test_one_changed_file_writes_a_delta_not_every_record(tmp_path: Path) -> None:
    files = write_project(tmp_path, ["r0"] + [f"r{i}<-r{i - 1}" for i in range(1, 30)])
    cache_dir = tmp_path / "cache"
    collect(_paths(tmp_path), cache_dir)
    store = Store(cache_dir)
    big = store._file("records").read_bytes()
    files["r7"].write_text(files["r7"].read_text() + "# touched\n")
    records = collect(_paths(tmp_path), cache_dir)
    assert store._file("records").read_bytes() == big
    assert len(Store(cache_dir)._load_records("delta")) == 1
    assert collect(_paths(tmp_path), cache_dir) == records  # base + delta read back


def test_results_cached_from_another_directory_are_not_reused(tmp_path: Path) -> None:
    from miglint.pipeline import Options, lint_paths

    write_project(tmp_path, ["a"])
    cache = tmp_path / "cache"
    (inside,) = lint_paths([], tmp_path, Options(cache_dir=cache))
    (outside,) = lint_paths([str(tmp_path)], tmp_path.parent, Options(cache_dir=cache))
    assert (inside.name, outside.name) == ("alembic.ini", f"{tmp_path.name}/alembic.ini")


def test_cold_run_leaves_reading_to_the_workers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    files = write_project(tmp_path, ["a", "b<-a", "c<-b"])
    handed: list = []
    real = collect_module._parse_all
    monkeypatch.setattr(
        collect_module, "_parse_all", lambda items, *rest: handed.append(items) or real(items, *rest)
    )
    first = _lint(tmp_path)
    # no results yet: nothing needs the digests up front, so no bytes are read here
    assert [sorted(Path(path).name for path, data in items if data is None) for items in handed] == [
        sorted(p.name for p in files.values())
    ]
    assert _lint(tmp_path) == first and len(handed) == 1  # then served from the results
    files["c"].write_text(files["c"].read_text() + "\n# changed\n")
    _lint(tmp_path)
    # with results to check, the changed file is read (and hashed) first, then parsed
    assert [(Path(path).name, data is not None) for path, data in handed[1]] == [(files["c"].name, True)]


def test_results_of_another_key_are_not_unpickled(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After any change the key differs: the stored reports are then not worth reading."""
    write_project(tmp_path, ["a", "b1<-a", "b2<-a"])
    cache = tmp_path / "cache"
    first = _lint(tmp_path, cache_dir=cache)
    # what the pipeline opens with the default settings: MG501, MG502, MG504 read downgrade()
    store = Store(cache, downgrade="facts")
    assert store._file("results").exists()
    opened: list[object] = []
    real = collect_module._Restricted

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object) -> None:
            opened.append(args)
            super().__init__(*args)

    monkeypatch.setattr(collect_module, "_Restricted", Counting)
    assert store.results("another key") is None
    assert len(opened) == 1  # the header, not the reports after it
    opened.clear()
    stored = _lint(tmp_path, cache_dir=cache)  # the real key: index, results header, reports
    assert stored == first and len(opened) == 3


def test_guided_batches_cover_everything_in_order_and_shrink() -> None:
    for count, workers in [(5000, 2), (49, 2), (1000, 4), (17, 2)]:
        items = list(range(count))
        batches = collect_module._guided_batches(items, workers)
        assert [i for batch in batches for i in batch] == items
        sizes = [len(batch) for batch in batches]
        assert sizes == sorted(sizes, reverse=True)
        assert all(size >= 16 for size in sizes[:-1])  # only the remainder is smaller
    sizes = [len(b) for b in collect_module._guided_batches(list(range(5000)), 2)]
    # a quarter first, then ever smaller: the last ones take milliseconds
    assert sizes[:3] == [1250, 937, 703] and sizes[-4:] == [16, 16, 16, 3]


def test_weighted_batches_share_the_work_not_the_count() -> None:
    """Largest files first (Store.records sorts them so): the first batch is a quarter of
    the bytes, not a quarter of the files (which was most of the work on fides), and the
    last batches hold only small files."""
    weights = [1000] * 10 + [100] * 300 + [10] * 89
    items = list(range(len(weights)))
    batches = collect_module._guided_batches(items, 2, weights=weights)
    assert [i for batch in batches for i in batch] == items
    work = [sum(weights[i] for i in batch) for batch in batches]
    assert (
        work[0] == 10_300 and len(batches[0]) == 13
    )  # a quarter of 40,890, and no more than one file past it
    assert work == sorted(work, reverse=True)
    assert all(weights[i] == 10 for i in batches[-1])


def test_new_files_are_parsed_largest_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handed: list[list[str]] = []
    real = collect_module._parse_all
    monkeypatch.setattr(
        collect_module,
        "_parse_all",
        lambda items, *rest: handed.append([Path(p).name for p, _ in items]) or real(items, *rest),
    )
    versions = tmp_path / "versions"
    versions.mkdir()
    paths = []
    for i in range(collect_module.PARALLEL_THRESHOLD):
        path = versions / f"r{i:03d}.py"
        path.write_text(f"revision = 'r{i}'\ndown_revision = None\n" + "# padding\n" * i, encoding="utf-8")
        paths.append(path)
    store = collect_module.Store(None)
    prints = store.fingerprint(paths, read=False)
    records = store.records(paths, prints, jobs=1)
    assert [r.revision.ids for r in records] == [(f"r{i}",) for i in range(len(paths))]  # in the paths' order
    assert handed == [[p.name for p in reversed(paths)]]


def test_the_cache_key_follows_the_rules_wherever_they_are_installed() -> None:
    # An editable checkout maps miglint.rules to the top-level rules/ directory, not to
    # a rules/ beside collect.py: an edited rule must still invalidate cached results.
    import miglint.rules
    from miglint.reading.collect import cache_key

    rule_file = Path(miglint.rules.__file__).parent / "cycle.py"
    before = cache_key()
    stat = rule_file.stat()
    try:
        os.utime(rule_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert cache_key() != before
    finally:
        os.utime(rule_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache_key() == before


def test_default_workers_are_the_idle_cpus(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(collect_module.os, "cpu_count", lambda: 4)
    for load, workers in ((0.0, 4), (1.4, 4), (1.6, 3), (2.6, 2), (3.6, 1), (9.0, 1)):
        monkeypatch.setattr(collect_module.os, "getloadavg", lambda load=load: (load, 0.0, 0.0))
        assert collect_module.idle_cpus() == workers

    def no_load_average() -> tuple[float, float, float]:
        raise OSError("not here")

    monkeypatch.setattr(collect_module.os, "getloadavg", no_load_average)
    assert collect_module.idle_cpus() == 4


def test_a_parser_failure_on_one_file_is_that_file_s_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ruff's "panic" policy: one file that trips a bug in miglint is reported and left
    # uncached; the other files are linted all the same.
    import miglint.reading.parse

    written = write_project(tmp_path, ["a", "b<-a"])
    real = miglint.reading.parse.parse_revision_file

    def failing(path: str, *args: object, **kwargs: object) -> object:
        if path.endswith(written["b"].name):
            raise IndexError("list index out of range")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(miglint.reading.parse, "parse_revision_file", failing)
    paths = [written["a"], written["b"]]
    records = collect(paths, tmp_path / "cache", jobs=1)
    assert records[0].revision_id == "a" and records[0].problem is None
    assert records[1].problem is not None
    assert records[1].problem.message == (
        "cannot read file: miglint failed on this file (IndexError: list index out of range); please report it"
    )
    monkeypatch.setattr(miglint.reading.parse, "parse_revision_file", real)
    assert [r.revision_id for r in collect(paths, tmp_path / "cache", jobs=1)] == ["a", "b"]


def test_another_version_of_a_reading_library_is_another_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "site-packages" / "pglast" / "__init__.py"
    library.parent.mkdir(parents=True)
    library.write_text("__version__ = '7'\n")
    monkeypatch.setattr(collect_module, "library_files", lambda: [str(library)])
    before = collect_module.cache_key()
    assert collect_module.cache_key() == before
    library.write_text("__version__ = '8.1'\n")  # what installing another version does
    assert collect_module.cache_key() != before


def test_the_reading_libraries_are_found_without_importing_them() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from miglint.reading.collect import library_files; found = library_files(); "
        "print(len(found), any(m in sys.modules for m in ('sqlglot', 'pglast')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["2", "False"]  # pglast and sqlglot: LibCST reads no version file


def test_graph_after_lint_parses_nothing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`miglint graph` reads the version files as `lint` does: it shares lint's cached records."""
    from click.testing import CliRunner
    from miglint.cli import main

    write_project(tmp_path, ["a", "b<-a", "c<-b"])
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["lint", "."]).exit_code == 0
    parsed: list = []
    real = collect_module._parse_all
    monkeypatch.setattr(
        collect_module, "_parse_all", lambda items, *rest: parsed.extend(items) or real(items, *rest)
    )
    result = CliRunner().invoke(main, ["graph", ".", "--format", "text"])
    assert result.exit_code == 0, result.output
    assert "c" in result.output and parsed == []


def test_a_record_s_operations_are_unpickled_on_first_use() -> None:
    from miglint.model import OpFact, RevisionFile, Span
    from miglint.reading.parse import parse_revision_file

    source = (
        b"revision = 'r'\ndown_revision = None\n\n\ndef upgrade():\n    op.create_index('ix', 't', ['a'])\n"
    )
    record = parse_revision_file("v.py", source)
    assert [o.name for o in record.operations] == ["create_index"]
    stored = pickle.dumps(record)
    again = pickle.loads(stored)
    assert "operations" not in again.__dict__ and again.operation_names == {"create_index"}
    assert again.operations == record.operations and again == record
    assert pickle.loads(pickle.dumps(again)) == record  # packed again as it was
    # a record made in code, without operations, has none
    assert RevisionFile(path="x").operations == ()
    # a nested pickle naming anything but an operation is refused: no operations, never a call
    evil = pickle.loads(stored)
    evil.__dict__["_operations_pickled"] = pickle.dumps((_Evil(),))
    assert evil.operations == ()
    damaged = pickle.loads(stored)
    damaged.__dict__["_operations_pickled"] = b"\x80\x05garbage"
    assert damaged.operations == ()
    fine = pickle.loads(stored)
    fine.__dict__["_operations_pickled"] = pickle.dumps(
        (OpFact("drop_table", "t", "t", Span.point(1), "upgrade", "upgrade", "op"),)
    )
    assert [o.name for o in fine.operations] == ["drop_table"]


def test_a_cold_run_writes_the_records_before_the_rules_run(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The batches the workers pickled are written, and let go, before the rules run."""
    import miglint.engine

    write_project(tmp_path, ["r0"] + [f"r{i}<-r{i - 1}" for i in range(1, 60)])
    cache = tmp_path / "cache"
    seen: list[bool] = []
    real = miglint.engine.lint_records

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(any(cache.glob("records-*.pickle")))
        return real(*args, **kwargs)

    monkeypatch.setattr(miglint.engine, "lint_records", spy)
    (report,) = _lint(tmp_path, cache_dir=cache, jobs=2)
    assert seen == [True] and report.revisions == 60
    assert collect(_paths(tmp_path), cache) == collect(_paths(tmp_path), None)


def test_a_record_s_sql_is_unpickled_on_first_use() -> None:
    from miglint.reading.parse import parse_revision_file

    source = b"revision = 'r'\ndown_revision = None\n\n\ndef upgrade():\n    op.execute('CREATE TABLE t (id int)')\n"
    record = parse_revision_file("v.py", source)
    assert [s.kind for s in record.sql] == ["CREATE TABLE"] and record.sql_codes == {"MG201"}
    stored = pickle.dumps(record)
    again = pickle.loads(stored)
    assert "sql" not in again.__dict__ and again.sql_codes == {"MG201"}
    assert again.sql == record.sql and again == record
    evil = pickle.loads(stored)
    evil.__dict__["_sql_pickled"] = pickle.dumps((_Evil(),))
    assert evil.sql == ()
