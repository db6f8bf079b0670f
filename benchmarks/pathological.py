"""Time miglint on input shapes no real project has, to show that no stage is super-linear.

    python benchmarks/pathological.py [--shapes forest merge ...] [--fractions 0.25 0.5 1]
                                      [--miglint CMD] [--json]

Each shape (see generate.py `--shape`) is built at several fractions of its full size
and linted cold (`--no-cache`), one process per figure. A linear stage takes about
four times as long, and as much more memory above the interpreter's own, at the full
size as at a quarter of it; a quadratic one sixteen times. Sizes are the issue's: a
forest of 10,000 roots, a 5,000-parent merge, a chain of 1,000 helper functions,
20,000 op.execute calls in one upgrade(), one 10 MB SQL string.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generate import SHAPE_HELP, SHAPES, generate_shape  # benchmarks/ is sys.path[0]
from run import MB, BenchError, _grid, log, measure, miglint_version

FULL_SIZE = {
    "forest": 10_000, "merge": 5_000, "helpers": 1_000, "fanout": 4_000, "executes": 20_000, "op-calls": 6_000,
    "big-sql": 10 * 1024, "deployed-chain": 5_000,
}  # fmt: skip
UNIT = {
    "forest": "roots", "merge": "parents", "helpers": "functions", "fanout": "functions", "executes": "calls",
    "op-calls": "steps",
    "big-sql": "KB", "deployed-chain": "revisions",
}  # fmt: skip
GOAL_SECONDS = 5.0  # "under a few seconds at this size"


def bench_shape(shape: str, fractions: Sequence[float], miglint: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for fraction in fractions:
        size = max(1, round(FULL_SIZE[shape] * fraction))
        with tempfile.TemporaryDirectory(prefix="miglint-pathological-") as tmp:
            root = Path(tmp, shape)
            generate_shape(root, shape, size)
            log(f"{shape} {size} {UNIT[shape]}")
            run, _, stderr = measure([*miglint, "lint", str(root), "--no-cache"], root)
        if run.returncode not in (0, 1):
            raise BenchError(f"miglint exited with {run.returncode} on {shape} {size}:\n{stderr.rstrip()}")
        rows.append({
            "shape": shape, "size": size, "unit": UNIT[shape], "seconds": round(run.seconds, 3),
            "peak_mb": None if run.peak_bytes is None else round(run.peak_bytes / MB, 1),
        })  # fmt: skip
    return rows


def growth(rows: Sequence[dict[str, Any]], key: str) -> str:
    """How much the figure grew from the smallest size to the largest, against the sizes."""
    first, last = rows[0], rows[-1]
    if first[key] in (None, 0) or last[key] is None or first["size"] == last["size"]:
        return "n/a"
    return f"{last[key] / first[key]:.1f}x for {last['size'] / first['size']:.0f}x input"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time miglint on pathological input shapes.")
    parser.add_argument(
        "--shapes", nargs="+", choices=SHAPES, default=list(SHAPES),
        help="; ".join(f"{k}: {v}" for k, v in SHAPE_HELP.items()),
    )  # fmt: skip
    parser.add_argument(
        "--fractions", nargs="+", type=float, default=[0.25, 1.0], metavar="F",
        help="sizes to run, as fractions of the full size (default 0.25 1)",
    )  # fmt: skip
    parser.add_argument(
        "--miglint", metavar="CMD", help='miglint command line (default: "python -m miglint")'
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    if min(args.fractions) <= 0:
        parser.error("--fractions must be positive")
    miglint = shlex.split(args.miglint) if args.miglint else [sys.executable, "-m", "miglint"]
    fractions = sorted(set(args.fractions))
    try:
        version = miglint_version(miglint)
        results = {shape: bench_shape(shape, fractions, miglint) for shape in args.shapes}
    except BenchError as exc:
        print(f"pathological.py: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"miglint": version, "results": results}, indent=2))
        return 0
    table = [["shape", "size", "seconds", "peak MB", "time growth", "memory growth", f"< {GOAL_SECONDS:g} s"]]
    for shape, rows in results.items():
        for i, row in enumerate(rows):
            last = i == len(rows) - 1
            table.append([
                shape if i == 0 else "",
                f"{row['size']} {row['unit']}",
                f"{row['seconds']:.3f}",
                "n/a" if row["peak_mb"] is None else f"{row['peak_mb']:.1f}",
                growth(rows, "seconds") if last else "",
                growth(rows, "peak_mb") if last else "",
                ("PASS" if row["seconds"] < GOAL_SECONDS else "FAIL") if last else "",
            ])  # fmt: skip
    print(f"{version} ({shlex.join(miglint)}) | cold, --no-cache, one process per figure\n")
    print(_grid(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
