"""What a keystroke costs in `miglint server`: lint/editor/live.py on real environments.

    python benchmarks/keystroke.py DIR [--keystrokes 15]

Every sub-directory of DIR is one project (as for realworld.py). For each environment
miglint discovers there, the version file in the middle of the history is opened as a
buffer and linted (the first lint: discovery, the cache, every record), then edited
--keystrokes times (a comment line added and changed, unsaved), each edit linted as the
server lints it. Prints the first lint and the median and slowest keystroke. Reads the
projects in place; the cache goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--keystrokes", type=int, default=15)
    args = parser.parse_args(argv)

    from miglint.config import ConfigError
    from miglint.editor.live import Session
    from miglint.reading.discover import discover

    print(f"{'environment':<60} {'revisions':>9} {'first lint':>10} {'keystroke median':>17} {'slowest':>8}")
    with tempfile.TemporaryDirectory() as cache:
        for project in sorted(p for p in args.directory.iterdir() if p.is_dir()):
            try:
                found = discover([str(project)], project)
            except ConfigError as error:
                print(f"{project.name}: {error}", file=sys.stderr)
                continue
            for env in found.environments:
                if not env.files:
                    continue
                session = Session(cache_dir=Path(cache) / project.name)
                path = str(env.files[len(env.files) // 2])
                text = Path(path).read_text(encoding="utf-8", errors="replace")
                session.open(path, text)
                started = time.perf_counter()
                session.lint(path)
                first = time.perf_counter() - started
                times = []
                for number in range(args.keystrokes):
                    session.open(path, f"{text}\n# typing {number}\n")
                    started = time.perf_counter()
                    session.lint(path)
                    times.append(time.perf_counter() - started)
                name = f"{project.name}: {env.name}"[:60]
                print(
                    f"{name:<60} {len(env.files):>9} {first * 1000:>8.0f}ms"
                    f" {statistics.median(times) * 1000:>15.1f}ms {max(times) * 1000:>6.1f}ms"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
