"""Version files -> RevisionFile records: cached by content, parsed in parallel.

The cache directory holds three files, each read only when a run needs it:
- index:   path -> (size, mtime, ctime, inode, content digest); a file whose stat
           matches is not read again, unless it is "racy" (below);
- records: content digest -> RevisionFile; only new content is parsed;
- results: the reports of the last run, with the key of everything they were
           computed from. A run whose key matches prints them again without
           loading records, importing networkx or building the graph.
Parsing is a pure function of the bytes, so it runs in worker processes when there
is enough of it to pay for them. Each file is a pickled header followed by parts
(see Store._load): the records file of a cold run holds the batches exactly as the
workers pickled them to send them back, and the results file keeps the reports after
the key, so that a run whose key differs never unpickles them.

When the index is unsure, the file is read and digested again (a digest of a few KB
costs microseconds; only new content is parsed). It trusts a stat only when:
- size, mtime, ctime and inode all match: `touch -r` or os.utime can put an edited
  file's mtime back, but not its ctime, and a file replaced by another gets a new inode;
- mtime and ctime are older than the index file itself by more than RACY_NS. A file
  changed in the same timestamp tick as it was recorded (coarse file systems count
  whole seconds, FAT two) keeps its size and times: Git's "racy clean" problem, solved
  as Git does. A racy file that digests the same, and has settled since, is recorded
  again, so that the next index is newer than it and the run after trusts it.

The directory is miglint's own, or not used at all (`cache_refusal`): a directory
that is a symbolic link (a repository can commit `.miglint_cache -> ~`), or one that
holds files without the `.gitignore` miglint writes there first (`cache-dir` pointed
at a foreign directory) is never read, written or cleaned. Inside it, files are read
without following symbolic links, only when regular, and replaced by rename: a
committed link is replaced, never written through.
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import stat
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, ClassVar

from .. import __version__
from ..lazydataclass import dataclass, replace
from ..model import ParseProblem, RevisionFile, Span
from ..sha1 import sha1
from .cachedir import RACY_NS, SIGNATURE
from .readfile import not_regular, read_regular, read_regular_stat

if TYPE_CHECKING:
    from ..memo import RuleMemo
    from ..model import Suppression
    from ..runners.facts import StampSite

    # a runner's stamp sites and its suppression comments
    RunnerFacts = tuple[Sequence[StampSite], tuple[Suppression, ...]]

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 48
_FORMAT = 9  # 5: records carry unique keys and table renames; 6: the index keeps ctime and inode too;
# 7: entry bodies, imports, offline uses (MG5xx); 8: op-call facts (operations); 9: enum types and raises (MG501, MG504)
_UNREADABLE = "!"  # digest prefix of a file that could not be read: "!<reason>"
PENDING = "?"  # the digest of a file a worker will read and hash
NOT_A_DIGEST = (_UNREADABLE, PENDING)


def collect(
    paths: Sequence[Path],
    cache_dir: Path | None,
    jobs: int | None = None,
    dialect: str = "postgresql",
    ops: bool = False,
    downgrade: bool | str = True,
) -> list[RevisionFile]:
    """One record per path, in the order given."""
    store = Store(cache_dir, dialect, ops, downgrade)
    records = store.records(paths, store.fingerprint(paths), jobs)
    store.save()
    return records


def _unreadable(path: str, reason: str) -> RevisionFile:
    return RevisionFile(path=path, problem=ParseProblem(f"cannot read file: {reason}", Span.point(1)))


def _parse_all(
    items: list[tuple[str, bytes | None]],
    jobs: int | None,
    dialect: str = "postgresql",
    ops: bool = False,
    downgrade: bool | str = True,
    meanwhile: Callable[[], object] | None = None,
    sizes: Sequence[int] | None = None,
) -> tuple[list[tuple[str, RevisionFile]], list[bytes]]:
    """(content digest, record) per item; an item without bytes is read by the worker.
    `sizes`: what each item costs to parse, roughly (largest first), for the batches.

    `meanwhile`: work of this process's to do while workers parse (it is not called
    when this process parses alone: the caller does that work afterwards).

    Also, when workers parsed them, the batches as the workers pickled them to send
    them here: the cache stores those bytes as they are, rather than this process
    pickling every record a second time while nothing else can run.
    """
    from ..report.progress import active  # the bar a cold run on a terminal draws (lint/report/progress.py)

    bar = active() if items else None
    tick = bar.advance if bar is not None else None
    if bar is not None:
        bar.add(len(items))
    if len(items) < PARALLEL_THRESHOLD:
        return _parse_batch(items, dialect, ops, downgrade, tick), []
    workers = jobs if jobs is not None else idle_cpus()
    method = _start_method() if workers > 1 else None
    if method is None:
        return _parse_batch(items, dialect, ops, downgrade, tick), []
    batches = _guided_batches(items, workers, weights=sizes)
    parse_batch = functools.partial(_parse_pickled, dialect=dialect, ops=ops, downgrade=downgrade)
    results: list[tuple[str, RevisionFile]] = []
    blobs: list[bytes] = []
    if method == "fork":
        # imported here, once, not in each worker: what parsing a file needs
        from .. import sql
        from ..facts import ops as op_facts  # noqa: F401  (`ops` is this function's flag)
        from ..replay import stop_recording
        from ..sql import literal  # noqa: F401
        from . import parse  # noqa: F401
        from .forkpool import run_forked

        if sql.DIALECTS.get(dialect.lower()) == "postgres":
            sql._pglast_available()  # pglast's parser too: each worker's first batch needs it
        on_done = None if tick is None else functools.partial(_ticked, tick, batches)
        for blob in run_forked(parse_batch, batches, workers, meanwhile, on_done, stop_recording):
            results.extend(pickle.loads(blob))  # our own children's output
            blobs.append(blob)
        return results, blobs
    import concurrent.futures
    import multiprocessing

    context = multiprocessing.get_context(method)
    saved = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"  # see _start_method; the children inherit it
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            blobs_in_order = pool.map(parse_batch, batches)  # every batch is submitted now
            if meanwhile is not None:
                meanwhile()
            for batch, blob in zip(batches, blobs_in_order):
                # our own workers' output: unpickled while they go on with the next batches
                results.extend(pickle.loads(blob))
                blobs.append(blob)
                if tick is not None:
                    tick(len(batch))
    finally:
        if saved is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = saved
    return results, blobs


def _ticked(tick: Callable[[int], None], batches: Sequence[Sequence[Any]], index: int) -> None:
    tick(len(batches[index]))


def idle_cpus() -> int:
    """The CPUs nothing else is using, from the load average (as `make -l` reads it):
    workers beyond them only take turns with what already runs, and cost their start-up.
    One unit of load is allowed for: the one-minute average also counts the commands
    that ran just before this one and now wait for it (a hook runner, a CI script)."""
    count = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):  # Windows has no load average
        return count
    return max(1, min(count, int(count - load + 1.5)))


def _start_method() -> str | None:
    """How worker processes start; None: parse in this process.

    fork shares the already-imported interpreter state, sys.path included (from which
    `python -m miglint` dropped the working directory). spawn starts a fresh
    `python -c ...` in the working directory, which Python puts first on sys.path
    before the child imports multiprocessing: a `multiprocessing.py` in the linted
    repository would run. Python 3.11+ leaves it out under PYTHONSAFEPATH, which the
    children are given; older Pythons without fork (Windows) parse in this process.
    Forked children are run by reading/forkpool.py, without importing multiprocessing.
    """
    if hasattr(os, "fork"):
        return "fork"
    return "spawn" if sys.version_info >= (3, 11) else None


def _guided_batches(
    items: list[Any], workers: int, smallest: int = 16, weights: Sequence[int] | None = None
) -> list[list[Any]]:
    """Batches that shrink as the work runs out: large ones keep the per-batch cost low,
    small ones at the end keep a worker from idling while another finishes a big one.

    `weights` (each item's size, largest first): a batch takes a share of the weight
    left rather than of the count, so that the first batch of the largest files is not
    most of the work.
    """
    if weights is None:
        weights = [1] * len(items)
    left = sum(weights)
    # the per-batch cost is paid for no fewer than `smallest` files of average weight
    floor = smallest * left / max(len(items), 1)
    batches = []
    start = 0
    while start < len(items):
        share = max(left // (2 * workers), floor)
        end = start
        weight = 0
        while end < len(items) and (end == start or weight < share):
            weight += weights[end]
            end += 1
        batches.append(items[start:end])
        left -= weight
        start = end
    return batches


def _parse_pickled(
    items: Iterable[tuple[str, bytes | None]], dialect: str, ops: bool, downgrade: bool | str
) -> bytes:
    return pickle.dumps(_parse_batch(items, dialect, ops, downgrade), protocol=pickle.HIGHEST_PROTOCOL)


def _parse_batch(
    items: Iterable[tuple[str, bytes | None]],
    dialect: str = "postgresql",
    ops: bool = False,
    downgrade: bool | str = True,
    tick: Callable[[int], None] | None = None,
) -> list[tuple[str, RevisionFile]]:
    """`tick(1)` after each file: the progress bar, when parsing in the process that draws it."""
    from .parse import parse_revision_file  # deferred: a run served from the cache parses nothing

    out: list[tuple[str, RevisionFile]] = []
    for path, data in items:
        if data is None:  # read here, in parallel, rather than by the parent
            try:
                data = read_regular(path)
            except OSError as error:
                reason = error.strerror or str(error)
                out.append((_UNREADABLE + reason, _unreadable(path, reason)))
                data = None
        if data is not None:
            try:
                out.append((content_digest(data), parse_revision_file(path, data, dialect, ops, downgrade)))
            except Exception as error:  # a bug of miglint's on one file must not end the whole run
                reason = f"miglint failed on this file ({type(error).__name__}: {error}); please report it"
                # an unreadable digest: never cached, so a fixed miglint reads the file again
                out.append((_UNREADABLE + reason, _unreadable(path, reason)))
        if tick is not None:
            tick(1)
    return out


def linted_missing(digest: str) -> bool:
    """Whether a fingerprint says the file could not be read when it was linted."""
    return digest.startswith(_UNREADABLE)


def content_digest(data: bytes) -> str:
    """What the index records of a file's bytes, and what --fix checks a file against."""
    return sha1(data).hexdigest()


def cache_key() -> str:
    """Cached data depends on miglint's version, its own code, and Python's."""
    digest = sha1(__version__.encode())
    here = Path(__file__).parent.parent  # the package's top, above reading/
    # The rules are not always beside this file: a checkout installed in editable mode
    # maps miglint.rules to the top-level rules/ directory. Ask where it is (found, not run).
    import importlib.util

    spec = importlib.util.find_spec(f"{_PACKAGE}.rules")
    found = spec.submodule_search_locations if spec is not None else None
    rules = Path(next(iter(found))) if found else here / "rules"
    # (name, size, mtime) of every module, listed with scandir: rglob's Path objects cost a
    # run that is not replayed ~4 ms for ~170 files
    sources = _python_files(str(here), recursive=True)
    sources.update(_python_files(str(rules), recursive=False))  # rules/ may be inside here
    rules_prefix = os.path.join(str(rules), "")
    for path in sorted(sources, key=lambda p: p.split(os.sep)):
        top = str(rules) if path.startswith(rules_prefix) else str(here)
        name = os.path.relpath(path, top).replace(os.sep, "/")
        info = sources[path]
        digest.update(name.encode() if info is None else f"{name}:{info.st_size}:{info.st_mtime_ns}".encode())
    # The libraries that read the files decide what a record holds too (a newer pglast
    # parses a statement an older one could not): installing another version rewrites
    # each one's __init__.py, so its size and mtime key the cache like miglint's own.
    for origin in library_files():
        try:
            info = os.stat(origin)
            digest.update(f"{origin}:{info.st_size}:{info.st_mtime_ns}".encode())
        except OSError:
            digest.update(origin.encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def _python_files(top: str, recursive: bool) -> dict[str, os.stat_result | None]:
    """Each `*.py` below `top` (or in it alone) and its stat (None: it vanished)."""
    found: dict[str, os.stat_result | None] = {}
    todo = [top]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".py"):
                try:
                    found[entry.path] = entry.stat()
                except OSError:
                    found[entry.path] = None
            elif recursive and entry.is_dir(follow_symlinks=False):
                todo.append(entry.path)
    return found


# LibCST reads no version file (fix.py checks a fixed file with it): its version changes no record
READING_LIBRARIES = ("pglast", "sqlglot")


def library_files() -> list[str]:
    """The __init__.py of each library that reads version files, where it is installed
    (found, not imported)."""
    import importlib.util

    found = []
    for name in READING_LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            found.append(spec.origin)
    return found


class _Restricted(pickle.Unpickler):
    """Unpickles builtins and the named miglint classes, nothing else.

    A cache directory can arrive with a repository (committed by mistake, or by
    a hostile pull request); plain pickle would call whatever it names.
    """

    def __init__(self, stream: io.BytesIO, allowed: frozenset[str]) -> None:
        super().__init__(stream)
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        if f"{module}.{name}" in self.allowed:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a miglint record")


_PACKAGE = __name__.partition(".")[0]  # miglint, whose modules the names are under


def _classes(*names: str) -> frozenset[str]:
    return frozenset(f"{_PACKAGE}.{name}" for name in names)


Prints = list[tuple[str, "bytes | None"]]  # (content digest, bytes if read) per file


@dataclass(frozen=True)
class RunFiles:
    """What a run reads, whose content decides its reports: each environment's files, and
    the others read beside them (runner files, head files)."""

    environments: list[tuple[Path, ...]]
    others: list[list[Path]]


@dataclass
class Lookup:
    """What the cache knew before parsing: each file's digest, and the reports when the
    previous run's still hold."""

    prints: list[Prints]  # per environment
    other_prints: list[Prints]  # per RunFiles.others list
    up_front: bool  # every digest was known before parsing (else the workers hashed some)
    reports: list[Any] | None


class Store:
    """The cache directory of one run; without a directory, a store that forgets.

    A run consults it at one place before parsing (`look_up`) and at one after reporting
    (`keep`); in between, `records` and `runner_facts` give the facts of each file.
    """

    RECORD_CLASSES: ClassVar[frozenset[str]] = _classes(
        "model.RevisionFile", "model.HeaderValue", "model.Span", "model.DocLine",
        "model.Suppression", "model.ParseProblem", "model.SqlStatement", "model.SqlProblem", "model.OpFact",
        "model.EntryBody", "model.ImportFact", "model.OfflineUse", "model.ImportTimeUse",
    )  # fmt: skip
    RUNNER_CLASSES: ClassVar[frozenset[str]] = _classes(
        "runners.facts.StampSite", "runners.facts.Target", "runners.facts.Condition", "runners.facts.CallContext",
        "runners.facts.DbFacts", "model.Span", "model.Suppression",
    )  # fmt: skip
    RESULT_CLASSES: ClassVar[frozenset[str]] = _classes(
        "report.EnvironmentReport", "model.Diagnostic", "model.Span", "model.Location",
        "model.Fix", "model.Edit",
    )  # fmt: skip

    def __init__(
        self,
        directory: Path | None,
        dialect: str = "postgresql",
        ops: bool = False,
        downgrade: bool | str = True,
    ) -> None:
        # a directory that is not miglint's to use is treated as no directory (the CLI says why)
        self.directory = directory if directory is not None and cache_refusal(directory) is None else None
        self._claimed = False
        # what the records hold depends on these: they are part of the key
        self.dialect = dialect
        self.ops = ops
        self.downgrade = downgrade
        read = f"{'-ops' if ops else ''}{'-downgrade' if downgrade is True else '-downgrade-' + downgrade if downgrade else ''}"
        self.key = f"{cache_key()}-{dialect}{read}" if self.directory is not None else ""
        self._index_written = 0  # the index file's mtime: what is not older than it is racy
        # entries are checked where they are used (a committed index may hold anything)
        self._index: dict[str, tuple[int, int, int, int, str]] = self._load("index", frozenset(), dict) or {}
        self._records: dict[str, RevisionFile] | None = None  # every known record
        self._delta: dict[str, RevisionFile] = {}  # those not in the big records file
        self._base_size = 0
        self._stored_delta_size = 0
        self._used: set[str] = set()
        self._index_changed = False
        self._seen_paths: set[str] = set()
        self._pending: dict[str, tuple[int, int, int, int]] = {}  # stat of files left for a worker to read
        # runner facts by content and kind of file: (stamp sites, suppressions), None: unreadable
        self._runners: dict[str, RunnerFacts | None] | None = None
        self._runners_used: set[str] = set()
        self._runners_changed = False
        self._blobs: list[bytes] = []  # new records as the workers pickled them
        self._records_written = False  # since the last call of `records`
        self._in_blobs: set[str] = set()  # their digests
        self._memo_stored: dict[str, Any] | None = None  # lint/memo.py, by environment config
        self._memos: list[RuleMemo] = []

    # -- files -------------------------------------------------------------------

    def _file(self, kind: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{kind}-{self.key}.pickle"

    def _load(
        self, kind: str, allowed: frozenset[str], expected: type, wanted: Callable[[Any], bool] | None = None
    ) -> Any:
        """The stored value, or None when missing, stale, damaged or not of our making.

        A file is a pickled {"format", "value", "parts"} followed by `parts`: the
        sizes of pickled lists of (key, value) pairs that extend a dict value.
        `wanted` sees the value before the parts are read: False stops there (None).
        """
        if self.directory is None:
            return None
        try:
            # never through a link, never a FIFO or device: the directory may be committed
            data, info = read_regular_stat(self._file(kind), follow_symlinks=False)
            stream = io.BytesIO(data)
            payload = _Restricted(stream, allowed).load()
            if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
                return None
            value = payload.get("value")
            if not isinstance(value, expected) or (wanted is not None and not wanted(value)):
                return None
            at = stream.tell()
            for size in payload.get("parts", ()):
                # a fresh unpickler per part: each was pickled on its own, memo and all
                pairs = _Restricted(io.BytesIO(data[at : at + size]), allowed).load()
                at += size
                if not isinstance(value, dict):
                    return None  # parts extend a dict, nothing else
                value.update(pair for pair in pairs if not pair[0].startswith(_UNREADABLE))
        except Exception:  # any damage means: rebuild, never trust
            return None
        if kind == "index":
            self._index_written = info.st_mtime_ns
        return value

    def _write(self, kind: str, value: object, parts: Sequence[bytes] = ()) -> None:
        if self.directory is None or not self._claim():
            return
        try:
            for old in self.directory.glob(f"{kind}-*.pickle"):
                if old != self._file(kind):
                    old.unlink(missing_ok=True)
            from ..atomic import make_temporary

            handle, temporary = make_temporary(self.directory, f".{kind}-", ".tmp")
            header = {"format": _FORMAT, "value": value, "parts": [len(part) for part in parts]}
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(header, stream, protocol=pickle.HIGHEST_PROTOCOL)
                for part in parts:
                    stream.write(part)
            os.replace(temporary, self._file(kind))
        except OSError:
            pass  # a read-only checkout still lints; it just is not cached

    def _claim(self) -> bool:
        """Create the directory and its marker, or check that the marker is miglint's."""
        if self._claimed:
            return True
        assert self.directory is not None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if cache_refusal(self.directory) is not None:
                self.directory = None
                return False
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            try:
                handle = os.open(self.directory / ".gitignore", flags, 0o666)
            except FileExistsError:
                if not _marked(self.directory):  # a foreign file, or a link, where ours would be
                    self.directory = None
                    return False
            else:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(SIGNATURE + b"\n*\n")
        except OSError:
            return False  # a read-only checkout still lints; it just is not cached
        self._claimed = True
        return True

    # -- fingerprints --------------------------------------------------------------

    def has_results(self) -> bool:
        """Whether a previous run left results: only then must every digest be known up front."""
        return self.directory is not None and self._file("results").exists()

    def fingerprint(self, paths: Sequence[Path], read: bool = True) -> list[tuple[str, bytes | None]]:
        """(content digest, bytes if they had to be read) for each path.

        `read=False`: a file the index does not know is left for a worker to read and
        hash (its digest is PENDING until `records`), so that a cold run does not read
        every file in this process and then send its bytes to the workers.
        """
        out: list[tuple[str, bytes | None]] = []
        settled_before = self._index_written - RACY_NS
        for path in paths:
            key = str(path)
            self._seen_paths.add(key)
            try:
                info = path.stat()
            except OSError as error:
                out.append((_UNREADABLE + (error.strerror or str(error)), None))
                continue
            if not S_ISREG(info.st_mode):  # a FIFO would block, /dev/zero never end
                out.append((_UNREADABLE + (not_regular(info.st_mode) or ""), None))
                continue
            entry = self._index.get(key)
            # field by field, not through a tuple: this loop runs for every file of a warm run
            mtime, ctime = info.st_mtime_ns, info.st_ctime_ns
            try:
                known = (
                    entry is not None
                    and entry[1] == mtime
                    and entry[0] == info.st_size
                    and entry[2] == ctime
                    and entry[3] == info.st_ino
                    and type(entry[4]) is str
                )
            except (TypeError, LookupError):  # not an entry miglint wrote
                known = False
            if known and mtime < settled_before and ctime < settled_before:
                assert entry is not None
                out.append((entry[4], None))
                continue
            identity = _identity(info)
            if not read and not known:  # a known file that is only racy is read here: cheap
                self._pending[key] = identity
                out.append((PENDING, None))
                continue
            try:
                data = read_regular(path)
            except OSError as error:
                out.append((_UNREADABLE + (error.strerror or str(error)), None))
                continue
            digest = content_digest(data)
            if not known or (entry is not None and entry[4] != digest) or _settled(info):
                # a racy entry that has settled is recorded again (see the module docstring)
                self._index[key] = (*identity, digest)
                self._index_changed = True
            out.append((digest, data))
        return out

    def digests(self) -> dict[str, str]:
        """The content digest of every file this run looked at, by path: what `--fix`
        checks a file against before editing it at the spans found in those bytes."""
        return {path: entry[4] for path, entry in self._index.items() if path in self._seen_paths}

    def resolved(
        self, paths: Sequence[Path], prints: Sequence[tuple[str, bytes | None]]
    ) -> list[tuple[str, bytes | None]]:
        """`prints` with each PENDING digest replaced by the digest of what a worker read:
        the content that was parsed, without a second stat of every file."""
        out = []
        for path, (digest, data) in zip(paths, prints):
            # written by `records` in this run, unless the worker could not read the file
            found = self._index.get(str(path)) if digest == PENDING else None
            recorded = found[4] if type(found) is tuple and len(found) == 5 else None
            out.append((recorded, None) if type(recorded) is str else (digest, data))
        return out

    # -- records ---------------------------------------------------------------------

    def records(
        self,
        paths: Sequence[Path],
        prints: Sequence[tuple[str, bytes | None]],
        jobs: int | None,
        meanwhile: Callable[[], object] | None = None,
    ) -> list[RevisionFile]:
        """The record of each path; `meanwhile` as for _parse_all."""
        self._records_written = False
        if self._records is None:
            self._records = self._load_records("records")
            self._delta = self._load_records("delta")
            self._stored_delta_size = len(self._delta)
            self._base_size = len(self._records)
            self._records.update(self._delta)
        known = self._records
        out: dict[str, RevisionFile] = {}
        to_parse: list[tuple[str, bytes | None]] = []
        for path, (digest, data) in zip(paths, prints):
            key = str(path)
            if digest == PENDING:
                to_parse.append((key, None))
                continue
            if digest.startswith(_UNREADABLE):
                out[key] = _unreadable(key, digest[1:])
                continue
            found = known.get(digest)
            if found is not None:
                self._used.add(digest)
                # keyed by content: the same bytes may live at another path
                out[key] = found if found.path == key else replace(found, path=key)
                continue
            if data is None:  # the index outlived its record: read again
                try:
                    data = read_regular(path)
                except OSError as error:
                    out[key] = _unreadable(key, error.strerror or str(error))
                    continue
            to_parse.append((key, data))
        if len(to_parse) >= PARALLEL_THRESHOLD:
            # Largest first: the batches get smaller towards the end (_guided_batches), and
            # so do the files in them, so that no worker is left with a big file while the
            # other has nothing to do (fides: ~35 ms of a cold run in path order).
            to_parse.sort(key=self._size, reverse=True)
        sizes = [self._size(item) for item in to_parse]
        parsed, blobs = _parse_all(to_parse, jobs, self.dialect, self.ops, self.downgrade, meanwhile, sizes)
        if blobs:
            self._blobs += blobs
            self._in_blobs.update(digest for digest, _ in parsed)
        for (key, _), (digest, record) in zip(to_parse, parsed):
            out[key] = record
            if digest.startswith(_UNREADABLE):
                continue
            identity = self._pending.pop(key, None)
            if identity is not None:
                self._index[key] = (*identity, digest)
                self._index_changed = True
            known[digest] = record
            self._delta[digest] = record
            self._used.add(digest)
        return [out[str(p)] for p in paths]

    def _size(self, item: tuple[str, bytes | None]) -> int:
        """What a file costs to parse, roughly: its size (from the stat that found it new)."""
        key, data = item
        if data is not None:
            return len(data)
        pending = self._pending.get(key)
        return pending[0] if pending is not None else 0

    # -- runner facts ----------------------------------------------------------------

    def runner_facts(
        self,
        paths: Sequence[Path],
        prints: Sequence[tuple[str, bytes | None]],
        read: Callable[[Sequence[Path]], dict[str, RunnerFacts | None]],
    ) -> tuple[list[StampSite], dict[str, tuple[Suppression, ...]]]:
        """Each runner's stamp sites and suppressions; `read` reads those the cache does
        not know (so a run in which no runner changed never imports the runner readers)."""
        if self._runners is None:
            stored = self._load("runners", self.RUNNER_CLASSES, dict) or {}
            self._runners = {k: v for k, v in stored.items() if _runner_facts_shape(v)}
        known = self._runners
        keys = [f"{digest}:{_runner_kind(path)}" for path, (digest, _) in zip(paths, prints)]
        cacheable = [not digest.startswith((_UNREADABLE, PENDING)) for digest, _ in prints]
        unread = [p for p, k, ok in zip(paths, keys, cacheable) if not ok or k not in known]
        fresh = read(unread) if unread else {}
        sites: list[StampSite] = []
        suppressions: dict[str, tuple[Suppression, ...]] = {}
        for path, key, ok in zip(paths, keys, cacheable):
            name = str(path)
            if name in fresh:
                facts = fresh[name]
                if ok:
                    known[key] = (
                        None if facts is None else (tuple(replace(s, path="") for s in facts[0]), facts[1])
                    )
                    self._runners_changed = True
            else:
                stored_facts = known.get(key)
                facts = (
                    None
                    if stored_facts is None
                    else ([replace(s, path=name) for s in stored_facts[0]], stored_facts[1])
                )
            if ok:
                self._runners_used.add(key)
            if facts is not None:
                sites.extend(facts[0])
                suppressions[name] = facts[1]
        return sites, suppressions

    # -- results ---------------------------------------------------------------------

    def look_up(self, files: RunFiles, key_of: Callable[[list[Prints]], str], reuse: bool) -> Lookup:
        """Before parsing: fingerprint what the run reads; the previous run's reports when
        `reuse` allows and nothing they depend on changed (`key_of`: their key from the prints).

        With no results to check, nothing needs every file's digest before parsing, so the
        workers read and hash the files the index does not know (a cold run)."""
        up_front = reuse and self.has_results()
        prints = [self.fingerprint(paths, read=up_front) for paths in files.environments]
        others = [self.fingerprint(paths) for paths in files.others]
        reports = None
        if up_front:
            from ..report import EnvironmentReport

            cached = self.results(key_of([*prints, *others]))
            if isinstance(cached, list) and all(isinstance(r, EnvironmentReport) for r in cached):
                reports = cached
        return Lookup(prints, others, up_front, reports)

    def keep(
        self,
        files: RunFiles,
        found: Lookup,
        key_of: Callable[[list[Prints]], str],
        reports: list[Any],
        consulted: Iterable[str],
    ) -> None:
        """After reporting: the reports, under the key of the content that was parsed."""
        prints = found.prints
        if not found.up_front:  # the workers have hashed the files now: the index knows them all
            prints = [self.resolved(paths, p) for paths, p in zip(files.environments, prints)]
        self.save_results(key_of([*prints, *found.other_prints]), reports, consulted)

    def results(self, key: str) -> Any:
        def current(stored: Any) -> bool:
            # checked before the reports are unpickled: after a change, they are not needed
            if not isinstance(stored, dict) or stored.get("key") != key:
                return False
            # a module that resolved a branch label must not have changed either
            return all(_stat(path) == stat for path, stat in stored.get("consulted", {}).items())

        stored = self._load("results", self.RESULT_CLASSES, dict, current)
        return None if stored is None else stored.get("reports")

    def save_results(self, key: str, reports: object, consulted: Iterable[str]) -> None:
        # the memo of the per-revision rules goes with the reports, in one pickle: its
        # findings are the reports' own objects (but those a comment suppressed), stored once
        memos = {memo.config: memo.new for memo in self._memos}
        part = pickle.dumps([("reports", reports), ("memo", memos)], protocol=pickle.HIGHEST_PROTOCOL)
        self._write("results", {"key": key, "consulted": {p: _stat(p) for p in consulted}}, [part])

    # -- per-revision findings (lint/memo.py) ----------------------------------------

    def rule_memo(self, config: str, digests: Mapping[str, str]) -> RuleMemo:
        """The findings the previous run left for an environment of this `config` (read
        from its results, whatever their key: the memo checks each file's digest)."""
        from ..memo import RuleMemo

        if self._memo_stored is None:
            stored = self._load("results", self.RESULT_CLASSES, dict)
            found = stored.get("memo") if isinstance(stored, dict) else None
            self._memo_stored = found if isinstance(found, dict) else {}
        old = self._memo_stored.get(config)
        memo = RuleMemo(config, old if isinstance(old, dict) else {}, digests)
        self._memos.append(memo)
        return memo

    def save(self) -> None:
        from ..replay import recording

        recorder = recording()
        if recorder is not None:  # the memo goes where this run's cache is
            recorder.cache_dirs.add(None if self.directory is None else str(self.directory))
        if self.directory is None:
            return
        stale = set(self._index) - self._seen_paths
        if self._index_changed or stale:
            self._write("index", {p: s for p, s in self._index.items() if p in self._seen_paths})
        if self._runners is not None and (self._runners_changed or set(self._runners) - self._runners_used):
            self._write("runners", {k: v for k, v in self._runners.items() if k in self._runners_used})
        self.write_records()

    def write_records(self) -> None:
        """The records this run parsed or left unused, written once: the pipeline calls it as
        soon as the last environment is read, so that the batches the workers pickled (tens
        of MB on a large history) are not held while the rules run; `save` otherwise."""
        if self.directory is None or self._records is None or self._records_written:
            return
        self._records_written = True
        if self._delta and self._base_size and len(self._delta) <= max(64, self._base_size // 10):
            # A few new records: write them beside the big file instead of
            # rewriting thousands; they are folded in once they add up.
            if self._delta_changed():
                self._write("delta", self._delta)
        elif self._delta or len(self._used) < len(self._records):
            # what the workers pickled is stored as they pickled it (see _parse_all)
            rest = {d: r for d, r in self._records.items() if d in self._used and d not in self._in_blobs}
            self._write("records", rest, self._blobs)
            self._write("delta", {})
            self._delta, self._base_size = {}, len(rest) + len(self._in_blobs)
        self._blobs, self._in_blobs = [], set()

    def _load_records(self, kind: str) -> dict[str, RevisionFile]:
        found = self._load(kind, self.RECORD_CLASSES, dict) or {}
        return found if all(isinstance(r, RevisionFile) for r in found.values()) else {}

    def _delta_changed(self) -> bool:
        return len(self._delta) != self._stored_delta_size


def _runner_kind(path: Path) -> str:
    """What decides how a runner is read besides its content: Python, or which shell-like file."""
    return ".py" if path.suffix == ".py" else path.name.lower()


def _runner_facts_shape(value: Any) -> bool:
    if value is None:
        return True
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], tuple)
        and isinstance(value[1], tuple)
    )


def _stat(path: str) -> tuple[int, int, int, int] | None:
    try:
        return _identity(os.stat(path))
    except OSError:
        return None


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    """What tells a file's content changed without reading it: see the module docstring."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def _settled(info: os.stat_result) -> bool:
    """Whether an index written from now on will be newer than this file by RACY_NS."""
    return max(info.st_mtime_ns, info.st_ctime_ns) < time.time_ns() - RACY_NS


def cache_refusal(directory: Path) -> str | None:
    """Why `directory` must not be the cache, or None when it is (or will be) miglint's.

    A missing directory is created and marked on the first write. Other errors (a
    directory that cannot be read) are not reasons: the cache is then simply not read
    or written, as in a read-only checkout.
    """
    try:
        info = os.lstat(directory)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode):
        # Followed, a committed link would send miglint's writes and clean-ups anywhere;
        # a cache elsewhere is named with --cache-dir or cache-dir.
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    if _marked(directory):
        return None
    try:
        with os.scandir(directory) as entries:
            if next(entries, None) is None:
                return None
    except OSError:
        return None
    return "it holds files and miglint did not create it (no .gitignore written by miglint)"


def _marked(directory: Path) -> bool:
    """Whether the directory holds the .gitignore miglint writes into its cache directories."""
    try:
        head = read_regular(directory / ".gitignore", follow_symlinks=False, limit=len(SIGNATURE))
    except OSError:
        return False
    return head == SIGNATURE
