"""`python action/lint.py`: the action's one lint run, configured by its environment.

Runs `miglint lint` once (through run_module.py, so nothing in the checkout is imported)
with the report asked for on stdout, and beside it the SARIF file, a JSON report for the
step's outputs and, with `comment: true`, the Markdown of the pull-request comment. Then
writes the outputs: `status` (miglint's exit code, for the action's last step),
`findings`, `errors`, `heads`, `sarif-file`, `markdown-file`. This step always succeeds.

MIGLINT_ARGS is split as a POSIX shell splits words: quotes group, and nothing is
expanded, substituted or globbed (`--select MG1*` stays `MG1*`).
"""

import json
import os
import shlex
import subprocess
import sys
import tempfile


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        args = shlex.split(os.environ.get("MIGLINT_ARGS", ""))
    except ValueError as error:  # an unclosed quote
        print(f"miglint: error: the action's args: {error}", file=sys.stderr)
        return _outputs({"status": "2"})
    work = tempfile.mkdtemp(prefix="miglint-", dir=os.environ.get("RUNNER_TEMP") or None)
    sarif = os.path.abspath(os.environ.get("MIGLINT_SARIF_FILE") or os.path.join(work, "miglint.sarif"))
    os.makedirs(os.path.dirname(sarif), exist_ok=True)  # `sarif-file: reports/miglint.sarif`
    report = os.path.join(work, "report.json")
    markdown = os.path.join(work, "comment.md") if os.environ.get("MIGLINT_COMMENT") == "true" else ""
    command = [
        sys.executable,
        os.path.join(here, "run_module.py"),
        "miglint",
        "lint",
        os.environ.get("MIGLINT_PATH") or ".",
        *args,
        "--format",
        os.environ.get("MIGLINT_FORMAT") or "github",
        "--also-write",
        f"sarif:{sarif}",
        "--also-write",
        f"json:{report}",
    ]
    if markdown:
        command += ["--also-write", f"markdown:{markdown}"]
    sys.stdout.flush()
    status = subprocess.call(command)
    outputs = {"status": str(status), "sarif-file": sarif if os.path.exists(sarif) else ""}
    if status in (0, 1) and os.path.exists(report):
        with open(report, encoding="utf-8") as stream:
            summary = json.load(stream)["summary"]
        heads = [h for env in summary["environments"] for h in env["heads"]]
        outputs["findings"] = str(summary["errors"] + summary["warnings"])
        outputs["errors"] = str(summary["errors"])
        outputs["heads"] = " ".join(dict.fromkeys(heads))
        outputs["markdown-file"] = markdown if markdown and os.path.exists(markdown) else ""
    return _outputs(outputs)


def _outputs(values: "dict[str, str]") -> int:
    """Append `name=value` lines to GITHUB_OUTPUT (values are single lines: ids, counts, paths)."""
    target = os.environ.get("GITHUB_OUTPUT")
    lines = "".join(f"{name}={' '.join(value.splitlines())}\n" for name, value in values.items())
    if target:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
