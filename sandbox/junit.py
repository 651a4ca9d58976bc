"""JUnit XML for CI systems: a test case per scenario x PID 1 mode x check.

One <testsuite> per run (a scenario under a mode, on a Python), holding a <testcase> per
check: a failed check is a <failure> with what was observed, a run that stopped early an
<error>, a mode the scenario does not run under a <skipped> case with the reason. The
run's transcript is the suite's <system-out>.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sandbox.model import RunResult

# XML 1.0 allows no control characters but tab, newline and carriage return; transcripts
# hold ANSI colour escapes (the seed's \033[43m...).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}", value)


def _suite_name(result: RunResult) -> str:
    python = f", Python {result.python}" if result.python else ""
    return f"{result.scenario} under {result.init}{python}"


def render_junit(results: list[RunResult]) -> str:
    """The whole report as one JUnit XML document."""
    root = ET.Element("testsuites", name="process-sandbox")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for result in results:
        suite = ET.SubElement(root, "testsuite", name=_suite_name(result))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        classname = f"{result.scenario}.{result.init}"
        if result.not_applicable:
            case = ET.SubElement(suite, "testcase", classname=classname, name="not-applicable")
            ET.SubElement(case, "skipped", message=_text(result.not_applicable))
            counts["tests"] += 1
            counts["skipped"] += 1
        for check in result.checks:
            case = ET.SubElement(suite, "testcase", classname=classname, name=check.name)
            counts["tests"] += 1
            if not check.ok:
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=_text(f"observed {check.observed}, expected {check.expected}"),
                )
                failure.text = _text(f"{check.claim}\n{check.detail}")
                counts["failures"] += 1
        if result.error:
            case = ET.SubElement(suite, "testcase", classname=classname, name="run")
            ET.SubElement(case, "error", message=_text(result.error))
            counts["tests"] += 1
            counts["errors"] += 1
        suite.set("time", f"{result.duration_s:.3f}")
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        ET.SubElement(suite, "system-out").text = _text(result.transcript)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{sum(r.duration_s for r in results):.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
