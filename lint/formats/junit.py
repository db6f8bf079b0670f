"""JUnit XML: one test suite per environment, one failed test case per finding.

CI systems (GitLab's `artifacts: reports: junit:`, Jenkins, Azure) show test results
without knowing miglint. A clean environment is one passing test case, so the suite
is green rather than empty.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..lazyre import pattern
from . import Finding

if TYPE_CHECKING:
    from ..report import EnvironmentReport

# Characters XML 1.0 cannot carry even escaped (control characters from a broken file).
_NOT_XML = pattern("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _details(finding: Finding) -> str:
    d = finding.diagnostic
    lines = [f"{finding.path}:{d.span.line}:{d.span.column + 1}: {d.code} {d.message}"]
    if d.help:
        lines.append(f"help: {d.help}")
    return _xml("\n".join(lines) + "\n")


def render(found: Sequence[Finding], reports: Sequence[EnvironmentReport], root: Path) -> str:
    suites = ET.Element("testsuites", name="miglint", tests="0", failures=str(len(found)), errors="0")
    tests = 0
    for report in reports:
        mine = [f for f in found if f.environment == report.name]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=_xml(report.name),
            tests=str(max(len(mine), 1)),
            failures=str(len(mine)),
            errors="0",
            skipped="0",
        )
        for finding in mine:
            d = finding.diagnostic
            case = ET.SubElement(
                suite,
                "testcase",
                name=_xml(f"{d.code} {d.name} at {finding.path}:{d.span.line}:{d.span.column + 1}"),
                classname=_xml(report.name),
                file=_xml(finding.path),
                line=str(d.span.line),
            )
            failure = ET.SubElement(case, "failure", message=_xml(d.message), type=d.code)
            failure.text = _details(finding)
        if not mine:
            ET.SubElement(suite, "testcase", name="no findings", classname=_xml(report.name))
        tests += max(len(mine), 1)
    suites.set("tests", str(tests))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
