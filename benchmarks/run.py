"""Time miglint against Alembic's own graph loading on generated (or existing) projects.

    python benchmarks/run.py [--counts 1000 5000] [--sql-heavy] [--seed 0] [--repeat 3]
                             [--miglint CMD] [--project DIR] [--json]

Every figure is the wall-clock time of a separate process, best of --repeat runs; peak
memory is the largest summed RSS of a miglint process and all its descendants, sampled
from /proc every ~10 ms.  Progress goes to stderr, the table (or JSON) to stdout.
See benchmarks/README.md for what each column means.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generate import generate_project  # benchmarks/ is sys.path[0] when run as a script

GOALS = {"cold": 1.0, "warm": 0.1, "one_change": 0.15}  # times Alembic's best
PEAK_GOAL_MB = 200.0
SAMPLE_INTERVAL = 0.01
MB = 1024 * 1024
PROC = Path("/proc")
# Not copied by --project: nothing miglint lints, and possibly large.
IGNORED_DIRS = (
    ".git", ".hg", "__pycache__", ".miglint_cache", "node_modules", ".venv", "venv",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
)  # fmt: skip
# Measured processes run as Python normally does, writing bytecode caches, whatever the
# caller's environment says: Alembic's best run then uses its __pycache__ (see README).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
GRAPH_FORMATS = ("svg", "text", "mermaid")
GRAPH_GOALS = {"svg": 10.0, "text": 2.0, "mermaid": 2.0}
ALEMBIC_GENERATED = "from alembic.script import ScriptDirectory; print(ScriptDirectory({dir!r}).get_heads())"
ALEMBIC_FROM_INI = (
    "from alembic.config import Config; from alembic.script import ScriptDirectory; "
    "print(ScriptDirectory.from_config(Config('alembic.ini')).get_heads())"
)


class BenchError(Exception):
    """A failure that stops the benchmark; its message is printed as is."""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_bytes: int | None  # None when /proc is not available
    returncode: int
    # user + system CPU of the process and every descendant it waited for: less moved by
    # other work on a shared machine than wall-clock time
    cpu_seconds: float | None = None


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    @property
    def best(self) -> float | None:
        return min((r.seconds for r in self.runs), default=None)

    @property
    def best_cpu(self) -> float | None:
        return min((r.cpu_seconds for r in self.runs if r.cpu_seconds is not None), default=None)

    @property
    def peak_mb(self) -> float | None:
        peaks = [r.peak_bytes for r in self.runs if r.peak_bytes is not None]
        return max(peaks) / MB if peaks else None

    def as_json(self) -> dict[str, Any]:
        return {
            "best_s": _round(self.best),
            "runs_s": [round(r.seconds, 4) for r in self.runs],
            "best_cpu_s": _round(self.best_cpu),
            "peak_mb": _round(self.peak_mb, 1),
            "exit_codes": [r.returncode for r in self.runs],
        }


@dataclass
class Result:
    label: str
    count: int
    alembic: Series  # no bytecode cache: the reference for every ratio
    alembic_pyc: Series  # reusing the __pycache__ of an earlier run, for comparison
    alembic_heads: int | None
    cold: Series
    warm: Series
    one_change: Series
    no_cache: Series
    # `miglint graph` with the cache filled, per format (issue 5: SVG < 10 s, text/mermaid < 2 s)
    graph: dict[str, Series] = field(default_factory=dict)

    def ratio(self, mode: str) -> float | None:
        series: Series = getattr(self, mode)
        if self.alembic.best is None or series.best is None:
            return None
        return series.best / self.alembic.best

    @property
    def peak_mb(self) -> float | None:
        peaks = [
            s.peak_mb for s in (self.cold, self.warm, self.one_change, self.no_cache) if s.peak_mb is not None
        ]
        return max(peaks) if peaks else None

    def goals(self) -> dict[str, bool | None]:
        verdicts: dict[str, bool | None] = {}
        for mode, limit in GOALS.items():
            ratio = self.ratio(mode)
            verdicts[mode] = None if ratio is None else ratio <= limit
        peak = self.peak_mb
        verdicts["peak"] = None if peak is None else peak < PEAK_GOAL_MB
        return verdicts

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "count": self.count,
            "alembic": {**self.alembic.as_json(), "heads": self.alembic_heads},
            "alembic_with_pycache": self.alembic_pyc.as_json(),
            "miglint": {
                **{
                    mode: getattr(self, mode).as_json() for mode in ("cold", "warm", "one_change", "no_cache")
                },
                **{f"graph_{fmt}": series.as_json() for fmt, series in self.graph.items()},
            },
            "ratios": {mode: _round(self.ratio(mode), 3) for mode in GOALS},
            "peak_mb": _round(self.peak_mb, 1),
            "goals": self.goals(),
        }


# -- measuring one process -----------------------------------------------------------------


class TreeSampler:
    """Tracks the peak summed RSS of a process and its descendants from /proc."""

    def __init__(self) -> None:
        self.peak = 0
        self._pid = 0
        self._older = _pids()  # taken before the process starts: none of them is its child
        self._started = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def watch(self, pid: int) -> None:
        self._pid = pid
        self._started.set()

    def stop(self) -> int:
        self._started.set()
        self._stop.set()
        self._thread.join()
        return self.peak

    def _loop(self) -> None:
        self._started.wait()
        while self._pid and not self._stop.is_set():
            self._sample()
            self._stop.wait(SAMPLE_INTERVAL)

    def _sample(self) -> None:
        total = 0
        for pid in _process_tree(self._pid, self._older):
            rss, hwm = _rss_and_hwm(pid)
            total += rss
            # A process's own high-water mark catches a peak between two samples.
            self.peak = max(self.peak, hwm)
        self.peak = max(self.peak, total)


def _pids() -> set[int]:
    return {int(name) for name in os.listdir(PROC) if name.isdigit()}


def _process_tree(root: int, older: set[int]) -> list[int]:
    """`root` and its descendants; `older` are processes that existed before `root`."""
    # /proc/<pid>/task/<tid>/children needs CONFIG_PROC_CHILDREN, which many kernels lack,
    # so build the tree from parent ids, reading only processes newer than the run
    # (reading all of them costs ~1 ms per sample, a tenth of a core at 10 ms).
    children: dict[int, list[int]] = {}
    for pid in _pids() - older:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields resume after the last ')'.
        ppid = int(stat[stat.rfind(b")") + 2 :].split(maxsplit=2)[1])
        children.setdefault(ppid, []).append(pid)
    tree = [root]
    for pid in tree:
        tree.extend(children.get(pid, ()))
    return tree


def _rss_and_hwm(pid: int) -> tuple[int, int]:
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass  # exited between the scan and this read
    return rss, hwm


def measure(
    cmd: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[Run, str, str]:
    """Run `cmd` once: (timing and peak memory, stdout, stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sampler = TreeSampler() if (PROC / "self" / "status").exists() else None
        before = _children_cpu()
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, cwd=cwd, env=env or ENV)
        except OSError as exc:
            if sampler is not None:
                sampler.stop()
            raise BenchError(f"cannot run `{shlex.join(cmd)}`: {exc}") from exc
        if sampler is not None:
            sampler.watch(proc.pid)
        returncode = proc.wait()
        seconds = time.perf_counter() - start
        after = _children_cpu()
        peak = sampler.stop() if sampler is not None else None
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    cpu = None if before is None or after is None else after - before
    return Run(seconds, peak, returncode, cpu), stdout, stderr


def _children_cpu() -> float | None:
    """CPU seconds of every child this process has waited for (one measured process at a time)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- miglint -------------------------------------------------------------------------------


def miglint_version(miglint: Sequence[str]) -> str:
    cmd = [*miglint, "--version"]
    hint = (
        "Install miglint into this interpreter (from the repository root: "
        "python -m pip install -e .), or point --miglint at a working command, "
        'e.g. --miglint "/path/to/venv/bin/miglint".'
    )
    try:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120, env=ENV)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BenchError(f"miglint is not runnable: `{shlex.join(cmd)}`: {exc}\n{hint}") from exc
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip() or "(no output)"
        raise BenchError(
            f"miglint is not runnable: `{shlex.join(cmd)}` exited with {proc.returncode}:\n  {detail}\n{hint}"
        )
    # "miglint, version X" then one line per library it reads with: kept on the header's line
    first, *libraries = proc.stdout.strip().splitlines()
    return f"{first} ({'; '.join(libraries)})" if libraries else first


def run_miglint(cmd: Sequence[str]) -> Run:
    run, _, stderr = measure(cmd)
    if run.returncode not in (0, 1):  # 0 clean, 1 findings; anything else is a failure
        raise BenchError(f"`{shlex.join(cmd)}` exited with {run.returncode}:\n{stderr.rstrip()}")
    return run


# -- one project ---------------------------------------------------------------------------


def revision_files(root: Path) -> list[Path]:
    """Python files that assign down_revision, wherever the project keeps them."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            is_py = name.endswith(".py") and not path.is_symlink()
            if is_py and b"down_revision" in path.read_bytes():
                found.append(path)
    return found


def _remove_pycache(root: Path) -> None:
    for pycache in sorted(root.rglob("__pycache__"), reverse=True):
        shutil.rmtree(pycache)


def files_to_touch(files: Sequence[Path], n: int) -> list[Path]:
    """`n` different files spread over the list (repeats only if there are fewer)."""
    if not files:
        return []
    return [files[((i + 1) * len(files) // (n + 1)) % len(files)] for i in range(n)]


def touch(path: Path, i: int) -> None:
    data = path.read_bytes()
    with open(path, "ab") as fh:
        if data and not data.endswith(b"\n"):
            fh.write(b"\n")
        fh.write(b"# touched by benchmarks/run.py (%d)\n" % i)


def bench_project(
    root: Path,
    name: str | None,
    alembic_cmd: list[str] | None,
    alembic_cwd: Path | None,
    generated: bool,
    miglint: Sequence[str],
    cache: Path,
    repeat: int,
) -> Result:
    files = revision_files(root)
    alembic, alembic_pyc = Series(), Series()
    heads: int | None = None
    if alembic_cmd is None:
        log("  alembic: no alembic.ini or script directory found; ratios are n/a")
    else:
        # The reference: Alembic compiling every file, as in a fresh CI checkout or
        # wherever PYTHONDONTWRITEBYTECODE is set (as on this project's machines).
        log(f"  alembic get_heads x{repeat} (no bytecode cache)")
        for _ in range(repeat):
            _remove_pycache(root)
            run, stdout, stderr = measure(alembic_cmd, alembic_cwd, {**ENV, "PYTHONDONTWRITEBYTECODE": "1"})
            if run.returncode != 0:
                if generated:
                    raise BenchError(f"Alembic failed on the generated project:\n{stderr}")
                last = stderr.strip().splitlines()[-1:] or ["(no output)"]
                log(f"  alembic cannot load this project ({last[0]}); ratios are n/a")
                alembic = Series()
                break
            alembic.runs.append(run)
            heads = _count_heads(stdout)
        if generated and heads != 1:
            raise BenchError(f"the generated project has {heads} heads, expected 1")
        if alembic.runs:
            log(f"  alembic get_heads x{repeat} (reusing __pycache__)")
            measure(alembic_cmd, alembic_cwd)  # writes the bytecode cache
            for _ in range(repeat):
                alembic_pyc.runs.append(measure(alembic_cmd, alembic_cwd)[0])
        # Alembic left __pycache__ behind: give miglint the tree it would see in CI.
        _remove_pycache(root)

    lint = [*miglint, "lint", str(root)]
    cached = [*lint, "--cache-dir", str(cache)]
    cold, warm, one_change = Series(), Series(), Series()
    log(f"  miglint cold x{repeat}")
    for _ in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        cold.runs.append(run_miglint(cached))
    # The last cold run filled the cache; nothing has changed since.
    log(f"  miglint warm x{repeat}")
    for _ in range(repeat):
        warm.runs.append(run_miglint(cached))
    log(f"  miglint one-file-change x{repeat}")
    for i, path in enumerate(files_to_touch(files, repeat)):
        touch(path, i)
        one_change.runs.append(run_miglint(cached))
    log("  miglint --no-cache x1")
    no_cache = Series([run_miglint([*lint, "--no-cache"])])
    graph: dict[str, Series] = {}
    run_miglint(cached)  # refill the cache after the last change
    for fmt in GRAPH_FORMATS:
        log(f"  miglint graph --format {fmt} x{repeat}")
        out = cache.parent / f"graph.{fmt}"
        command = [*miglint, "graph", str(root), "--format", fmt, "-o", str(out), "--cache-dir", str(cache)]
        graph[fmt] = Series([run_miglint(command) for _ in range(repeat)])
    label = f"{len(files)} ({name})" if name else str(len(files))
    return Result(label, len(files), alembic, alembic_pyc, heads, cold, warm, one_change, no_cache, graph)


def _count_heads(stdout: str) -> int | None:
    try:
        heads = ast.literal_eval(stdout.strip().splitlines()[-1])
    except (IndexError, ValueError, SyntaxError):
        return None
    return len(heads) if isinstance(heads, (list, tuple)) else None


def bench_generated(count: int, sql_heavy: bool, seed: int, miglint: Sequence[str], repeat: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="miglint-bench-") as tmp:
        root = Path(tmp, "project")
        log(f"{count} revisions{' (sql-heavy)' if sql_heavy else ''}: generating in {root}")
        generate_project(root, count, sql_heavy=sql_heavy, seed=seed)
        script = ALEMBIC_GENERATED.format(dir=str(root / "migrations"))
        alembic_cmd = [sys.executable, "-c", script] if _has_alembic() else None
        return bench_project(root, None, alembic_cmd, None, True, miglint, Path(tmp, "cache"), repeat)


def bench_existing(project: Path, miglint: Sequence[str], repeat: int) -> Result:
    if not project.is_dir():
        raise BenchError(f"--project {project}: not a directory")
    with tempfile.TemporaryDirectory(prefix="miglint-bench-") as tmp:
        # A copy: the one-file-change runs append to version files.
        root = Path(tmp, project.resolve().name)
        log(f"{project}: copying to {root}")
        shutil.copytree(project, root, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED_DIRS))
        alembic_cmd: list[str] | None = None
        if _has_alembic():
            if (root / "alembic.ini").is_file():
                alembic_cmd = [sys.executable, "-c", ALEMBIC_FROM_INI]
            else:
                for name in ("migrations", "alembic"):
                    if (root / name / "env.py").is_file():
                        script = ALEMBIC_GENERATED.format(dir=str(root / name))
                        alembic_cmd = [sys.executable, "-c", script]
                        break
        return bench_project(
            root, str(project), alembic_cmd, root, False, miglint, Path(tmp, "cache"), repeat
        )


def _has_alembic() -> bool:
    if importlib.util.find_spec("alembic") is None:
        log(f"  alembic is not importable by {sys.executable}; ratios are n/a")
        return False
    return True


# -- output --------------------------------------------------------------------------------


def format_table(results: Sequence[Result], header: str) -> str:
    def secs(value: float | None, ratio: float | None = None, show: bool = False) -> str:
        if value is None:
            return "n/a"
        if not show:
            return f"{value:.3f}"
        return f"{value:.3f} ({'n/a' if ratio is None else f'{ratio:.2f}x'})"

    columns = [
        "revisions", "alembic s", "alembic+pyc s", "cold s (x alembic)", "warm s (x)",
        "one-change s (x)", "no-cache s", "peak MB",
    ]  # fmt: skip
    rows = [columns]
    for r in results:
        rows.append([
            r.label,
            secs(r.alembic.best),
            secs(r.alembic_pyc.best),
            secs(r.cold.best, r.ratio("cold"), True),
            secs(r.warm.best, r.ratio("warm"), True),
            secs(r.one_change.best, r.ratio("one_change"), True),
            secs(r.no_cache.best),
            "n/a" if r.peak_mb is None else f"{r.peak_mb:.1f}",
        ])  # fmt: skip
    goal_names = {
        "cold": f"cold <= {GOALS['cold']}x alembic",
        "warm": f"warm <= {GOALS['warm']}x alembic",
        "one_change": f"one-change <= {GOALS['one_change']}x alembic",
        "peak": f"peak < {PEAK_GOAL_MB:.0f} MB",
    }
    goal_rows = [["goal", *(row[0] for row in rows[1:])]]
    for key, name in goal_names.items():
        verdicts = [r.goals()[key] for r in results]
        goal_rows.append([name, *("n/a" if v is None else "PASS" if v else "FAIL" for v in verdicts)])
    graph_rows = [["revisions", *(f"graph {fmt} s (goal < {GRAPH_GOALS[fmt]:g} s)" for fmt in GRAPH_FORMATS)]]
    for r in results:
        graph_rows.append(
            [r.label, *(secs(r.graph[f].best) if f in r.graph else "n/a" for f in GRAPH_FORMATS)]
        )
    return "\n\n".join([header, _grid(rows), _grid(goal_rows), _grid(graph_rows)])


def _grid(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_meta(miglint: list[str], version: str, repeat: int, **more: Any) -> dict[str, Any]:
    """What every benchmark's JSON says about the run: which miglint, where, how often."""
    return {
        "miglint": {"command": miglint, "version": version},
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "repeat": repeat,
        **more,
    }


def table_header(meta: dict[str, Any], source: str) -> str:
    """The line above a table: which miglint, where, how often, on what."""
    miglint = meta["miglint"]
    return (
        f"{miglint['version']} ({shlex.join(miglint['command'])}) | Python {meta['python']} | "
        f"{meta['cpus']} CPUs | best of {meta['repeat']} | {source}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time miglint against Alembic's get_heads() on generated projects."
    )
    parser.add_argument(
        "--counts", type=int, nargs="+", metavar="N",
        help="revisions per generated project (default: 1000 5000)",
    )  # fmt: skip
    parser.add_argument("--sql-heavy", action="store_true", help="raw SQL in every upgrade()")
    parser.add_argument("--seed", type=int, default=None, help="generator seed (default 0)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument(
        "--miglint", metavar="CMD",
        help='miglint command line, split like a shell would (default: "python -m miglint" '
        "with this interpreter)",
    )  # fmt: skip
    parser.add_argument(
        "--project", type=Path, metavar="DIR",
        help="benchmark (a copy of) this existing project instead of generating one",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    if args.project is not None and (args.counts or args.sql_heavy or args.seed is not None):
        parser.error("--project cannot be combined with --counts, --sql-heavy or --seed")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.counts and min(args.counts) < 1:
        parser.error("--counts must be positive")
    counts: list[int] = args.counts or [1000, 5000]
    seed: int = 0 if args.seed is None else args.seed
    miglint = shlex.split(args.miglint) if args.miglint else [sys.executable, "-m", "miglint"]

    try:
        version = miglint_version(miglint)
        if args.project is not None:
            results = [bench_existing(args.project, miglint, args.repeat)]
        else:
            results = [bench_generated(count, args.sql_heavy, seed, miglint, args.repeat) for count in counts]
    except BenchError as exc:
        print(f"run.py: error: {exc}", file=sys.stderr)
        return 2

    meta = run_meta(
        miglint,
        version,
        args.repeat,
        project=None if args.project is None else str(args.project),
        sql_heavy=args.sql_heavy,
        seed=None if args.project is not None else seed,
        goals={**GOALS, "peak_mb": PEAK_GOAL_MB},
    )
    if args.json:
        print(json.dumps({**meta, "results": [r.as_json() for r in results]}, indent=2))
    else:
        source = (
            f"project {args.project}"
            if args.project is not None
            else (f"generated, seed {seed}, sql-heavy: {'yes' if args.sql_heavy else 'no'}")
        )
        print(format_table(results, table_header(meta, source)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
