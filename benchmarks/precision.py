"""Draw a reproducible random sample of miglint's findings on real projects, to judge by hand.

    python benchmarks/precision.py [--seed 1] [--size 50] [--select CODES] [--context 3] ROOT...

Each ROOT is linted with `miglint lint --no-cache --format json --exit-zero ROOT` (the
project is never written). The findings of all roots are pooled, duplicates (one
file, line and code reached from two roots) dropped, sorted, and `--size` of them drawn
with `random.Random(--seed)`. For each, the script prints `path:line code message` and
the lines around it, numbered, so that a reader can judge whether the finding is true.
The same roots at the same commits and the same seed give the same sample. A summary
(findings per code in the pool and in the sample) goes to stderr.

Judging is done by reading the code; see README "Precision" for the method and figures.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any


def findings(root: str, miglint: list[str], select: str | None) -> list[dict[str, Any]]:
    command = [*miglint, "lint", "--no-cache", "--format", "json", "--exit-zero", root]
    if select:
        command[len(miglint) + 1 : len(miglint) + 1] = ["--select", select]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"{root}: miglint exited {done.returncode}: {done.stderr.strip()[:200]}", file=sys.stderr)
        return []
    found: list[dict[str, Any]] = json.loads(done.stdout)["diagnostics"]
    for finding in found:
        finding["path"] = str(Path(finding["path"]).resolve())
    return found


def excerpt(path: str, line: int, context: int) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        return f"    ({error})"
    low, high = max(1, line - context), min(len(lines), line + context)
    return "\n".join(f"{'>' if n == line else ' '}{n:5} {lines[n - 1]}" for n in range(low, high + 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--select", help="rules to lint with (default: the default set)")
    parser.add_argument("--context", type=int, default=3, help="lines shown before and after")
    parser.add_argument("--miglint", default=f"{sys.executable} -m miglint")
    arguments = parser.parse_args(argv)

    pooled: dict[tuple[str, int, str], dict[str, Any]] = {}
    for root in arguments.roots:
        for finding in findings(root, shlex.split(arguments.miglint), arguments.select):
            pooled.setdefault((finding["path"], finding["line"], finding["code"]), finding)
    ordered = [pooled[key] for key in sorted(pooled)]
    sample = random.Random(arguments.seed).sample(ordered, min(arguments.size, len(ordered)))
    for number, finding in enumerate(sample, 1):
        print(f"## {number}. {finding['path']}:{finding['line']} {finding['code']} {finding['message']}")
        print(excerpt(finding["path"], finding["line"], arguments.context))
        print()
    in_pool = collections.Counter(f["code"] for f in ordered)
    in_sample = collections.Counter(f["code"] for f in sample)
    for code in sorted(in_pool):
        print(f"{code}: {in_pool[code]} found, {in_sample[code]} sampled", file=sys.stderr)
    print(f"total: {len(ordered)} found, {len(sample)} sampled (seed {arguments.seed})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
