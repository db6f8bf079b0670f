"""SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`) and other viewers.

Every registered rule is described, not only those that fired, so a viewer can show a
rule's documentation and tell "fixed" from "no longer checked". Columns are 1-based
and counted in code points, as miglint counts them; end columns point just past the end.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .. import __version__
from ..docs import docs_url, rule_markdown, rule_tags
from ..model import Fix, Span
from . import Finding, fingerprints, relative_path

if TYPE_CHECKING:
    from ..report import EnvironmentReport
    from ..rule import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/miglint/miglint"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "miglintFingerprint/v1"


def render(found: Sequence[Finding], reports: Sequence[EnvironmentReport], root: Path) -> str:
    from ..rule import all_rules

    rules = all_rules()
    index = {code: number for number, code in enumerate(rules)}
    results = [
        _result(finding, index, root, fingerprint) for finding, fingerprint in zip(found, fingerprints(found))
    ]
    run = {
        "tool": {
            "driver": {
                "name": "miglint",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules.values()],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": root.absolute().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    payload = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _rule(rule: type[Rule]) -> dict[str, Any]:
    configuration: dict[str, Any] = {"level": rule.severity}
    if not rule.default_enabled:
        configuration["enabled"] = False
    page = rule_markdown(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": rule.description()},
        "helpUri": docs_url(rule.code),
        "help": {"text": page, "markdown": page},
        "defaultConfiguration": configuration,
        "properties": {"tags": rule_tags(rule)},
    }


def _result(finding: Finding, index: dict[str, int], root: Path, fingerprint: str) -> dict[str, Any]:
    d = finding.diagnostic
    text = f"{d.message}\nhelp: {d.help}" if d.help else d.message
    result: dict[str, Any] = {"ruleId": d.code}
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    result.update(
        {
            "level": d.severity,
            "message": {"text": text},
            "locations": [{"physicalLocation": _place(finding.path, d.span)}],
        }
    )
    if d.related:
        result["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": _place(relative_path(where.path, root), where.span),
                **({"message": {"text": where.note}} if where.note else {}),
            }
            for number, where in enumerate(d.related, 1)
        ]
    result["partialFingerprints"] = {FINGERPRINT: fingerprint}
    if d.fix is not None:
        result["fixes"] = [_fix(d.fix, root)]
    return result


def _artifact(path: str) -> dict[str, str]:
    """A repository-relative path under %SRCROOT%; a file outside the repository by its file: URI."""
    if path.startswith("/") or Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _region(span: Span) -> dict[str, int]:
    line = max(span.line, 1)  # SARIF lines start at 1; so do ours, but never emit an invalid 0
    return {
        "startLine": line,
        "startColumn": span.column + 1,
        "endLine": max(span.end_line, line),
        "endColumn": span.end_column + 1,
    }


def _place(path: str, span: Span) -> dict[str, Any]:
    return {"artifactLocation": _artifact(path), "region": _region(span)}


def _fix(fix: Fix, root: Path) -> dict[str, Any]:
    by_path: dict[str, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        by_path.setdefault(relative_path(edit.path, root), []).append(
            {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.text}}
        )
    return {
        "description": {"text": fix.description},
        "artifactChanges": [
            {"artifactLocation": _artifact(path), "replacements": replacements}
            for path, replacements in by_path.items()
        ],
        # ruff's word: a safe fix is applied by `--fix`, an unsafe one only with --unsafe-fixes
        "properties": {"applicability": "safe" if fix.safe else "unsafe"},
    }
