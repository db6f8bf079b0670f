"""GitLab Code Quality: the JSON list a job publishes with `artifacts: reports: codequality:`.

GitLab matches findings across pipelines by `fingerprint`, so it must not change when
unrelated lines move a finding; it is the same fingerprint SARIF carries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import Finding, fingerprints

if TYPE_CHECKING:
    from ..report import EnvironmentReport

# GitLab's scale is info < minor < major < critical < blocker.
SEVERITY = {"error": "major", "warning": "minor"}


def render(found: Sequence[Finding], reports: Sequence[EnvironmentReport], root: Path) -> str:
    issues: list[dict[str, Any]] = [
        {
            "description": f"{f.diagnostic.code} {f.diagnostic.name}: {f.diagnostic.message}",
            "check_name": f.diagnostic.code,
            "fingerprint": fingerprint,
            "severity": SEVERITY.get(f.diagnostic.severity, "minor"),
            "location": {"path": f.path, "lines": {"begin": f.diagnostic.span.line}},
        }
        for f, fingerprint in zip(found, fingerprints(found))
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
