"""Version files -> RevisionFile records: cached by content, parsed in parallel.

A file whose size and modification time match the cache reuses the record stored
under its content hash; any other file is read, hashed and, if its content is
new, parsed. Parsing is a pure function of the bytes, so it runs in worker
processes when there is enough of it to pay for them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from . import __version__
from .model import ParseProblem, RevisionFile, Span
from .parse import parse_revision_file

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 48
_CACHE_FORMAT = 1


def collect(paths: Sequence[Path], cache_dir: Path | None, jobs: int | None = None) -> list[RevisionFile]:
    """One record per path, in the order given."""
    cache = Cache.load(cache_dir) if cache_dir is not None else Cache.empty()
    records: dict[str, RevisionFile] = {}
    to_parse: list[tuple[str, bytes, str]] = []
    for path in paths:
        key = str(path)
        try:
            stat = path.stat()
        except OSError as error:
            records[key] = _unreadable(key, error)
            continue
        digest = cache.digest_for(key, stat.st_size, stat.st_mtime_ns)
        if digest is None:
            try:
                data = path.read_bytes()
            except OSError as error:
                records[key] = _unreadable(key, error)
                continue
            digest = hashlib.sha1(data).hexdigest()
            cache.remember_stat(key, stat.st_size, stat.st_mtime_ns, digest)
            found = cache.record(digest, key)
            if found is None:
                to_parse.append((key, data, digest))
                continue
        else:
            found = cache.record(digest, key)
            if found is None:  # the stat index outlived its record: read again
                data = path.read_bytes()
                to_parse.append((key, data, digest))
                continue
        records[key] = found

    for (key, _, digest), record in zip(to_parse, _parse_all([(k, d) for k, d, _ in to_parse], jobs)):
        records[key] = record
        cache.store(digest, record)

    if cache_dir is not None:
        cache.save(cache_dir, keep=records.keys())
    return [records[str(path)] for path in paths]


def _unreadable(path: str, error: OSError) -> RevisionFile:
    return RevisionFile(
        path=path, problem=ParseProblem(f"cannot read file: {error.strerror or error}", Span.point(1))
    )


def _parse_all(items: list[tuple[str, bytes]], jobs: int | None) -> list[RevisionFile]:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(items) < PARALLEL_THRESHOLD:
        return _parse_batch(items)
    import concurrent.futures
    import multiprocessing

    # fork shares the already-imported interpreter state; spawn would re-import everything
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    size = max(16, len(items) // (workers * 4))
    batches = [items[i : i + size] for i in range(0, len(items), size)]
    results: list[RevisionFile] = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for batch in pool.map(_parse_batch, batches):
            results.extend(batch)
    return results


def _parse_batch(items: Iterable[tuple[str, bytes]]) -> list[RevisionFile]:
    return [parse_revision_file(path, data) for path, data in items]


# -- the cache -------------------------------------------------------------------


def cache_key() -> str:
    """Records depend on miglint's version and on the code that builds them."""
    digest = hashlib.sha1(__version__.encode())
    here = Path(__file__).parent
    for name in ("parse.py", "model.py"):
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


class _RecordsOnly(pickle.Unpickler):
    """Unpickles miglint's own records and nothing else.

    A cache directory can arrive with a repository (committed by mistake, or by
    a hostile pull request); plain pickle would run whatever it names.
    """

    _ALLOWED: ClassVar[frozenset[str]] = frozenset(
        f"{RevisionFile.__module__}.{name}"
        for name in (
            "RevisionFile",
            "HeaderValue",
            "Span",
            "DocLine",
            "Suppression",
            "ParseProblem",
        )
    )

    def find_class(self, module: str, name: str) -> type:
        if f"{module}.{name}" in self._ALLOWED:
            return super().find_class(module, name)  # type: ignore[no-any-return]
        raise pickle.UnpicklingError(f"{module}.{name} is not a miglint record")


class Cache:
    def __init__(
        self,
        records: dict[str, RevisionFile],
        stats: dict[str, tuple[int, int, str]],
    ) -> None:
        self.records = records  # content digest -> record
        self.stats = stats  # path -> (size, mtime_ns, digest)
        self.changed = False
        self.used: set[str] = set()

    @classmethod
    def empty(cls) -> Cache:
        return cls({}, {})

    @classmethod
    def file_for(cls, cache_dir: Path) -> Path:
        return cache_dir / f"records-{cache_key()}.pickle"

    @classmethod
    def load(cls, cache_dir: Path) -> Cache:
        """The stored cache, or an empty one if it is missing, stale or damaged."""
        try:
            data = cls.file_for(cache_dir).read_bytes()
            payload = _RecordsOnly(io.BytesIO(data)).load()
        except Exception:
            return cls.empty()
        if (
            not isinstance(payload, dict)
            or payload.get("format") != _CACHE_FORMAT
            or not isinstance(payload.get("records"), dict)
            or not isinstance(payload.get("stats"), dict)
            or not all(isinstance(r, RevisionFile) for r in payload["records"].values())
        ):
            return cls.empty()
        return cls(payload["records"], payload["stats"])

    def digest_for(self, path: str, size: int, mtime_ns: int) -> str | None:
        entry = self.stats.get(path)
        if entry is not None and entry[0] == size and entry[1] == mtime_ns:
            return entry[2]
        return None

    def remember_stat(self, path: str, size: int, mtime_ns: int, digest: str) -> None:
        self.stats[path] = (size, mtime_ns, digest)
        self.changed = True

    def record(self, digest: str, path: str) -> RevisionFile | None:
        found = self.records.get(digest)
        if found is None:
            return None
        self.used.add(digest)
        # Records are keyed by content; the same bytes may live at another path.
        return found if found.path == path else dataclasses.replace(found, path=path)

    def store(self, digest: str, record: RevisionFile) -> None:
        self.records[digest] = record
        self.used.add(digest)
        self.changed = True

    def save(self, cache_dir: Path, keep: Iterable[str]) -> None:
        keep = set(keep)
        stale = [p for p in self.stats if p not in keep]
        if not self.changed and not stale and len(self.used) == len(self.records):
            return
        stats = {p: s for p, s in self.stats.items() if p in keep}
        records = {d: r for d, r in self.records.items() if d in self.used}
        payload = {"format": _CACHE_FORMAT, "records": records, "stats": stats}
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            ignore = cache_dir / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Automatically created by miglint.\n*\n")
            for old in cache_dir.glob("records-*.pickle"):
                if old != self.file_for(cache_dir):
                    old.unlink(missing_ok=True)
            handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=".records-", suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(payload, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.file_for(cache_dir))
        except OSError:
            pass  # a read-only checkout still lints; it just is not cached
