"""Lint real Alembic environments as a user would, beside Alembic and two other linters.

    python benchmarks/realworld.py DIR [--repeat 3] [--miglint CMD] [--others BINDIR]
                                       [--only NAME ...] [--json] [--save-json FILE]

Every sub-directory of DIR is one project (a repository, or the part of it that holds
its environments). For each Alembic environment miglint discovers there, one row:
revisions; heads and bases from miglint and from Alembic's `ScriptDirectory` with the
application's imports stubbed (benchmarks/alembic_stubbed.py); findings by code; cold,
warm and one-file-changed times and their ratio to Alembic's `get_heads()`; a cold run
of alembic-guard and of lockcheck; peak memory. Each project is copied to a temporary
directory first (the one-file-change runs append to version files). Timing and memory
come from run.py's `measure`: one whole process per figure, best of --repeat.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from run import (  # benchmarks/ is sys.path[0] when run as a script
    ENV,
    IGNORED_DIRS,
    BenchError,
    Series,
    _grid,
    _round,
    files_to_touch,
    log,
    measure,
    miglint_version,
    run_meta,
    run_miglint,
    table_header,
    touch,
)

GOALS = {"cold": 0.5, "warm": 0.1, "one_change": 0.15}  # times Alembic's stubbed get_heads()
GOAL_ENVIRONMENTS = 3  # the goals hold on this many largest environments
OTHER_LINTERS = ("alembic-guard", "lockcheck")
STUBBED_ALEMBIC = Path(__file__).resolve().with_name("alembic_stubbed.py")
# The reference compiles every version file, as in a fresh CI checkout (see run.py).
ALEMBIC_ENV = {**ENV, "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass
class EnvResult:
    project: str
    name: str
    target: str  # what `miglint lint` was given, relative to the project
    files: int
    version_locations: list[str]
    miglint_graph: dict[str, Any] = field(default_factory=dict)  # revisions, heads, bases
    alembic_graph: dict[str, Any] = field(default_factory=dict)  # the same, or {"error": ...}
    findings: dict[str, int] = field(default_factory=dict)
    alembic: Series = field(default_factory=Series)
    cold: Series = field(default_factory=Series)
    warm: Series = field(default_factory=Series)
    one_change: Series = field(default_factory=Series)
    others: dict[str, Series] = field(default_factory=dict)
    other_errors: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.project} {self.name}".strip()

    def ratio(self, mode: str) -> float | None:
        series: Series = getattr(self, mode)
        if self.alembic.best is None or series.best is None:
            return None
        return series.best / self.alembic.best

    def cpu_ratio(self) -> float | None:
        """Cold CPU over Alembic's CPU: what the machine's other work moves least."""
        mine, reference = self.cold.best_cpu, self.alembic.best_cpu
        return None if mine is None or not reference else mine / reference

    @property
    def fastest_other(self) -> float | None:
        times = [s.best for s in self.others.values() if s.best is not None]
        return min(times) if times else None

    @property
    def other_ratio(self) -> float | None:
        fastest = self.fastest_other
        return None if fastest is None or self.cold.best is None else self.cold.best / fastest

    @property
    def other_cpu_ratio(self) -> float | None:
        times = [s.best_cpu for s in self.others.values() if s.best_cpu]
        mine = self.cold.best_cpu
        return None if not times or mine is None else mine / min(times)

    @property
    def peak_mb(self) -> float | None:
        peaks = [s.peak_mb for s in (self.cold, self.warm, self.one_change) if s.peak_mb is not None]
        return max(peaks) if peaks else None

    def agrees(self, key: str) -> bool | None:
        if "error" in self.alembic_graph or key not in self.miglint_graph:
            return None
        return bool(self.miglint_graph[key] == self.alembic_graph.get(key))

    def goals(self) -> dict[str, bool | None]:
        verdicts: dict[str, bool | None] = {}
        for mode, limit in GOALS.items():
            ratio = self.ratio(mode)
            verdicts[mode] = None if ratio is None else ratio <= limit
        other = self.other_ratio
        verdicts["cold_vs_others"] = None if other is None else other < 1.0
        cpu = self.cpu_ratio()
        verdicts["cold_cpu"] = None if cpu is None else cpu <= GOALS["cold"]
        other_cpu = self.other_cpu_ratio
        verdicts["cold_cpu_vs_others"] = None if other_cpu is None else other_cpu < 1.0
        return verdicts

    def as_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "environment": self.name,
            "target": self.target,
            "files": self.files,
            "version_locations": self.version_locations,
            "miglint_graph": self.miglint_graph,
            "alembic_graph": self.alembic_graph,
            "findings": self.findings,
            "alembic_get_heads": self.alembic.as_json(),
            "miglint": {mode: getattr(self, mode).as_json() for mode in ("cold", "warm", "one_change")},
            "others": {name: series.as_json() for name, series in self.others.items()},
            "other_errors": self.other_errors,
            "ratios": {
                **{mode: _round(self.ratio(mode), 3) for mode in GOALS},
                "cold_vs_fastest_other": _round(self.other_ratio, 3),
                "cold_cpu": _round(self.cpu_ratio(), 3),
                "cold_cpu_vs_fastest_other": _round(self.other_cpu_ratio, 3),
            },
            "peak_mb": _round(self.peak_mb, 1),
            "goals": self.goals(),
        }


# -- environments --------------------------------------------------------------------------


def projects_in(directory: Path, only: Sequence[str]) -> list[Path]:
    found = sorted(p for p in directory.iterdir() if p.is_dir() and p.name not in IGNORED_DIRS)
    if only:
        found = [p for p in found if any(name in p.name for name in only)]
    return found


def environments(root: Path) -> list[tuple[Any, Path]]:
    """(miglint's Environment, the narrowest path that lints only it) for each environment.

    A user lints one environment by naming its versions or script directory; where no
    path singles it out (two ini sections sharing one directory), the project root.
    """
    from miglint.config import ConfigError
    from miglint.reading.discover import discover

    try:
        found = discover([str(root)], root).environments
    except ConfigError as error:
        log(f"{root.name}: miglint finds no environment: {error}")
        return []
    chosen = []
    for env in found:
        candidates = [*env.version_locations[:1], *([env.script_location] if env.script_location else [])]
        target = root
        for candidate in candidates:
            try:
                alone = discover([str(candidate)], root).environments
            except ConfigError:
                continue
            if len(alone) == 1 and set(alone[0].files) == set(env.files):
                target = candidate
                break
        chosen.append((env, target))
    return chosen


def _short_name(name: str) -> str:
    """`alembic.ini [tenant]` -> `tenant`, `alembic.ini (.../versions/sqlite)` -> `sqlite`."""
    if name.endswith("]") and "[" in name:
        return name[name.rindex("[") + 1 : -1]
    if name.endswith(")") and "(" in name:
        return Path(name[name.rindex("(") + 1 : -1]).name
    return ""


def alembic_command(env: Any, heads_only: bool) -> list[str]:
    locations = [str(p) for p in env.version_locations]
    script_dir = env.script_location or env.version_locations[0].parent
    cmd = [sys.executable, str(STUBBED_ALEMBIC), str(script_dir)]
    for location in locations:
        cmd += ["--version-location", location]
    if env.recursive:
        cmd.append("--recursive")
    if heads_only:
        cmd.append("--heads-only")
    return cmd


def _json(stdout: str) -> Any:
    try:
        return json.loads(stdout)
    except ValueError:
        return None


# -- one environment -----------------------------------------------------------------------


def bench_environment(
    project: str,
    root: Path,
    env: Any,
    target: Path,
    miglint: Sequence[str],
    others: dict[str, Path],
    repeat: int,
) -> EnvResult:
    result = EnvResult(
        project=project,
        name=_short_name(env.name),
        target=str(target.relative_to(root)) or ".",
        files=len(env.files),
        version_locations=[str(p.relative_to(root)) for p in env.version_locations],
    )
    log(f"{result.label}: {result.files} files, `miglint lint {result.target}`")

    # What each reads: untimed.
    _, stdout, stderr = measure([*miglint, "lint", str(target), "--no-cache", "--format", "json"], root)
    report = _json(stdout)
    if not isinstance(report, dict):
        raise BenchError(f"miglint gave no JSON report on {target}:\n{stderr.rstrip()}")
    summary = report["summary"]["environments"]
    mine = next((e for e in summary if e["files"] == len(env.files)), summary[0])
    result.miglint_graph = {"revisions": mine["revisions"], "heads": mine["heads"], "bases": mine["bases"]}
    diagnostics = report["diagnostics"]
    if len(summary) > 1:
        # one ini, several sections (nowcasting's [pv] and [forecast]): each row counts the
        # findings in its own version files; a runner's or the ini's belong to no one row
        own = {Path(f).resolve() for f in env.files}
        diagnostics = [d for d in diagnostics if (root / d["path"]).resolve() in own]
    result.findings = dict(sorted(Counter(d["code"] for d in diagnostics).items()))
    _, stdout, _ = measure(alembic_command(env, heads_only=False), root, ALEMBIC_ENV)
    result.alembic_graph = _json(stdout) or {"error": "no output"}
    if "error" in result.alembic_graph:
        log(f"  alembic cannot load it: {result.alembic_graph['error']}")

    cache = root.parent / f"cache-{abs(hash((project, env.name)))}"
    lint = [*miglint, "lint", str(target), "--cache-dir", str(cache)]
    versions = [str(p) for p in env.version_locations]
    result.others = {name: Series() for name in others}
    log(f"  cold x{repeat}: alembic get_heads, miglint, {', '.join(others) or 'no other linter'}")
    for _ in range(repeat):  # side by side, so that a busy moment hits every tool alike
        if "error" not in result.alembic_graph:
            run, _, _ = measure(alembic_command(env, heads_only=True), root, ALEMBIC_ENV)
            if run.returncode == 0:
                result.alembic.runs.append(run)
        shutil.rmtree(cache, ignore_errors=True)
        result.cold.runs.append(run_miglint(lint))
        for name, command in others.items():
            run, _, stderr = measure([str(command), *versions], root)
            if run.returncode in (0, 1):
                result.others[name].runs.append(run)
            else:
                result.other_errors[name] = (stderr.strip().splitlines() or ["(no output)"])[-1]
    log(f"  miglint warm x{repeat}, one-file-change x{repeat}")
    # A run leaves no replay memo while anything it read changed in the last two seconds
    # (lint/replay.py RACY_NS): the copy and the other linters' runs are that recent, and
    # a user's warm run comes later than that.
    time.sleep(2.1)
    run_miglint(lint)  # the run that leaves the memo, now that nothing is racy
    for _ in range(repeat):
        result.warm.runs.append(run_miglint(lint))
    for i, path in enumerate(files_to_touch(sorted(env.files), repeat)):
        touch(path, i)
        result.one_change.runs.append(run_miglint(lint))
    shutil.rmtree(cache, ignore_errors=True)
    return result


def bench_directory(
    directory: Path, only: Sequence[str], miglint: Sequence[str], others: dict[str, Path], repeat: int
) -> list[EnvResult]:
    results = []
    for project in projects_in(directory, only):
        with tempfile.TemporaryDirectory(prefix="miglint-realworld-") as tmp:
            root = Path(tmp, project.name)
            shutil.copytree(project, root, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED_DIRS))
            for env, target in environments(root):
                if env.files:
                    results.append(
                        bench_environment(project.name, root, env, target, miglint, others, repeat)
                    )
                else:
                    log(f"{project.name}: {env.name}: no revision file in its version locations, not timed")
    return results


def find_others(bindir: Path | None) -> dict[str, Path]:
    found = {}
    for name in OTHER_LINTERS:
        path = shutil.which(name, path=str(bindir)) if bindir else shutil.which(name)
        if path is None:
            log(f"{name} not found{f' in {bindir}' if bindir else ' on PATH'}: its column is n/a")
        else:
            found[name] = Path(path)
    return found


# -- output --------------------------------------------------------------------------------


def largest(results: Sequence[EnvResult]) -> list[EnvResult]:
    return sorted(results, key=lambda r: r.files, reverse=True)[:GOAL_ENVIRONMENTS]


def format_tables(results: Sequence[EnvResult], header: str) -> str:
    def secs(series: Series | None, ratio: float | None = None, show: bool = False) -> str:
        value = None if series is None else series.best
        if value is None:
            return "n/a"
        if not show:
            return f"{value:.3f}"
        return f"{value:.3f} ({'n/a' if ratio is None else f'{ratio:.2f}x'})"

    def graph(r: EnvResult, key: str) -> str:
        mine = r.miglint_graph.get(key, [])
        verdict = {True: "=", False: "DIFFERS", None: "alembic n/a"}[r.agrees(key)]
        return f"{len(mine)} {verdict}"

    main = [[
        "environment", "revisions", "heads (vs alembic)", "bases (vs alembic)", "alembic s",
        "cold s (x alembic)", "warm s (x)", "one-change s (x)", *(f"{n} s" for n in OTHER_LINTERS),
        "cold x fastest other", "cold CPU s (x alembic)", "CPU x fastest other", "peak MB",
    ]]  # fmt: skip
    for r in results:
        other = r.other_ratio
        main.append([
            r.label,
            str(r.miglint_graph.get("revisions", "n/a")),
            graph(r, "heads"),
            graph(r, "bases"),
            secs(r.alembic),
            secs(r.cold, r.ratio("cold"), True),
            secs(r.warm, r.ratio("warm"), True),
            secs(r.one_change, r.ratio("one_change"), True),
            *(secs(r.others.get(n)) for n in OTHER_LINTERS),
            "n/a" if other is None else f"{other:.2f}x",
            _cpu(r.cold.best_cpu, r.cpu_ratio()),
            "n/a" if r.other_cpu_ratio is None else f"{r.other_cpu_ratio:.2f}x",
            "n/a" if r.peak_mb is None else f"{r.peak_mb:.1f}",
        ])  # fmt: skip
    findings = [["environment", "findings by code", "alembic"]]
    for r in results:
        codes = " ".join(f"{code}:{n}" for code, n in r.findings.items()) or "none"
        findings.append([r.label, codes, r.alembic_graph.get("error", "loads")])
    goal_names = {
        "cold": f"cold <= {GOALS['cold']}x alembic",
        "warm": f"warm <= {GOALS['warm']}x alembic",
        "one_change": f"one-change <= {GOALS['one_change']}x alembic",
        "cold_vs_others": "cold < fastest other linter",
        "cold_cpu": f"cold CPU <= {GOALS['cold']}x alembic CPU",
        "cold_cpu_vs_others": "cold CPU < fastest other's CPU",
    }
    chosen = largest(results)
    goals = [["goal (largest environments)", *(r.label for r in chosen)]]
    for key, name in goal_names.items():
        verdicts = [r.goals()[key] for r in chosen]
        goals.append([name, *("n/a" if v is None else "PASS" if v else "FAIL" for v in verdicts)])
    return "\n\n".join([header, _grid(main), _left_grid(findings), _grid(goals)])


def _cpu(seconds: float | None, ratio: float | None) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds:.3f} ({'n/a' if ratio is None else f'{ratio:.2f}x'})"


def _left_grid(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time miglint on real Alembic environments.")
    parser.add_argument("directory", type=Path, help="a directory holding one sub-directory per project")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument(
        "--miglint", metavar="CMD",
        help='miglint command line (default: "python -m miglint" with this interpreter)',
    )  # fmt: skip
    parser.add_argument(
        "--others", type=Path, metavar="BINDIR",
        help="where alembic-guard and lockcheck are installed (default: PATH)",
    )  # fmt: skip
    parser.add_argument(
        "--only", nargs="+", default=[], metavar="NAME", help="projects whose name contains NAME"
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument(
        "--save-json", type=Path, metavar="FILE", help="also write the numbers as JSON to FILE"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not args.directory.is_dir():
        parser.error(f"{args.directory}: not a directory")
    if importlib.util.find_spec("alembic") is None:
        # the reference runs with this interpreter (alembic_stubbed.py): without Alembic
        # there is nothing to compare with
        parser.error(f"Alembic is not installed with {sys.executable}: pip install alembic")
    miglint = shlex.split(args.miglint) if args.miglint else [sys.executable, "-m", "miglint"]
    try:
        version = miglint_version(miglint)
        results = bench_directory(
            args.directory.resolve(), args.only, miglint, find_others(args.others), args.repeat
        )
    except BenchError as exc:
        print(f"realworld.py: error: {exc}", file=sys.stderr)
        return 2
    meta = run_meta(miglint, version, args.repeat, directory=str(args.directory), goals=GOALS)
    numbers = json.dumps({**meta, "results": [r.as_json() for r in results]}, indent=2)
    if args.save_json is not None:
        args.save_json.write_text(numbers + "\n", encoding="utf-8")
    if args.json:
        print(numbers)
    else:
        print(format_tables(results, table_header(meta, str(args.directory))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
