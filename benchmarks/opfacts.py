"""What the op-call fact layer (lint/facts/ops.py) costs a cold run, on real environments.

    python benchmarks/opfacts.py DIR [--only NAME ...] [--repeat 5]

Every sub-directory of DIR is one project (as for realworld.py). For each environment
miglint discovers there: a cold run as a user makes it (`miglint lint --no-cache -j 1`,
default rules, one process: the CPU a cold run spends, without the noise of the workers'
scheduling), and, in this process, the parse stage over the same version files with the
layer and with `extract_operations` reading MG204's unique keys alone (they are read in
the same pass, and were read before the layer existed). Prints the layer's cost as a
share of the cold run's CPU (issue 13: at most 5%), with the default rules' reading and with
upgrade() read alone (the facts MG211/MG212 and the MG4xx rules read; downgrade()'s are read
for MG501/MG502/MG504 since). Best of --repeat for every figure, the four parse
measurements interleaved.

The difference is measured on the parse stage alone, so the rules that read the facts
(MG211/MG212, MG4xx, MG501/MG502/MG504) are not counted as the layer's cost; the larger
records the layer makes are pickled into the cache and back, and that is not counted
either (realworld.py's cold runs include it).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--only", nargs="*", default=None, help="project names containing one of these")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    import gc

    from miglint.config import ConfigError
    from miglint.facts import ops
    from miglint.pipeline import Options, _rules, reads_downgrade
    from miglint.reading.discover import discover

    gc.disable()  # as `miglint lint` runs (lint/cli.py): the collector's pauses are no stage's cost
    print(
        f"{'environment':<44} {'files':>5} {'cold CPU s':>10} {'parse s':>8} {'no layer s':>10} {'layer':>7}"
        f" {'upgrade() only':>14}"
    )
    for project in sorted(p for p in args.directory.iterdir() if p.is_dir()):
        if args.only and not any(name in project.name for name in args.only):
            continue
        try:
            found = discover([str(project)], project)
        except ConfigError as error:
            print(f"{project.name}: {error}", file=sys.stderr)
            continue
        settings = found.settings
        rules = _rules(settings, Options())
        wants_ops = any(rule.code in ("MG211", "MG212") for rule in rules)
        downgrade = reads_downgrade(settings, rules)
        for env in found.environments:
            files = [(str(path), path.read_bytes()) for path in env.files]
            if not files:
                continue
            target = env.script_location or env.version_locations[0]
            cold = min(_cold_cpu(project, target) for _ in range(args.repeat))

            # the default reading, and upgrade() alone: the facts issue 13's layer was made
            # for (MG211/MG212, MG4xx); downgrade()'s are read for MG501/MG502/MG504
            readings = {"default": downgrade, "upgrade": False}
            real = ops.extract_operations
            best: dict[tuple[str, bool], float] = {}
            for reading in readings.values():
                _parse_all(files, settings.dialect, wants_ops, reading)  # first-pass imports: no one's
            for _ in range(args.repeat):  # interleaved: the machine's noise falls on all four alike
                for name, reading in readings.items():
                    for layer in (True, False):
                        ops.extract_operations = real if layer else _keys_only  # type: ignore[assignment]
                        try:
                            spent = _parse_all(files, settings.dialect, wants_ops, reading)
                        finally:
                            ops.extract_operations = real
                        best[name, layer] = min(spent, best.get((name, layer), spent))
            share = {
                name: (best[name, True] - best[name, False]) / cold if cold else 0.0 for name in readings
            }
            label = f"{project.name} {env.name}"[:44]
            print(
                f"{label:<44} {len(files):>5} {cold:>10.3f} {best['default', True]:>8.3f} "
                f"{best['default', False]:>10.3f} {share['default']:>6.1%} {share['upgrade']:>13.1%}"
            )
    return 0


def _keys_only(text: str, code: object, *args: object, keys: object = None, **kwargs: object) -> tuple[()]:
    """extract_operations without the op-call facts: MG204's unique keys are read in the same
    pass (facts/opcalls.py KeyReader), and were read before the layer existed, so the
    baseline still reads them, by the plain scan they had then."""
    import re

    from miglint.facts import ops
    from miglint.facts.opcalls import KEY_CALLS, KeyReader

    if not isinstance(keys, KeyReader) or "op." not in text:
        return ()
    runs = ops._entry_lines(code, ("upgrade",))  # type: ignore[arg-type]
    lines = set().union(*(lines_run for _, _, lines_run in runs)) if runs else set()
    for match in re.finditer(rf"(?<![\w.])op\.({'|'.join(KEY_CALLS)})[ \t]*\(", text):
        if text.count("\n", 0, match.start()) + 1 in lines:
            opening = match.end() - 1
            keys.read(match.group(1), text, match.start(), opening, ops._read(text, opening))
    return ()


def _parse_all(files: list[tuple[str, bytes]], dialect: str, ops: bool, downgrade: bool | str) -> float:
    """CPU seconds to parse every file as a cold run's workers do."""
    from miglint.reading.parse import parse_revision_file

    start = time.process_time()
    for path, data in files:
        parse_revision_file(path, data, dialect, ops, downgrade)
    return time.process_time() - start


def _cold_cpu(project: Path, target: Path) -> float:
    """CPU seconds of one cold `miglint lint` (interpreter start-up included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "miglint", "lint", str(target), "--no-cache", "-j", "1"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


if __name__ == "__main__":
    sys.exit(main())
