"""JUnit XML from results made by hand: parsed back, a case per check."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from sandbox.junit import render_junit
from sandbox.model import CheckResult, RunResult

OK = CheckResult("ps-shows-zombie", True, "the zombie line is there", "claim", True, True)
FAILED = CheckResult("orphaned-zombie-stays", False, "reaped 4 ms after", "it stays", False, True)


def run(init: str, *checks: CheckResult, **changes: object) -> RunResult:
    result = RunResult(
        scenario="zombie",
        init=init,
        ok=all(c.ok for c in checks),
        checks=checks,
        snapshots=(),
        exit_code=0,
        duration_s=1.5,
        transcript="$ python3 test.py &\n\x1b[43m主\x1b[0m 14\n",
        python="3.11",
    )
    return replace(result, **changes)  # type: ignore[arg-type]


def test_a_case_per_check_with_failures_errors_and_skips() -> None:
    results = [
        run("noreap", OK, FAILED),
        run("tini", OK, error="timed out: waited 10 s for a zombie"),
        run("none", not_applicable="the father would be PID 1"),
    ]
    root = ET.fromstring(render_junit(results))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "5",
        "1",
        "1",
        "1",
    )
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "zombie under noreap, Python 3.11",
        "zombie under tini, Python 3.11",
        "zombie under none, Python 3.11",
    ]
    cases = suites[0].findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("zombie.noreap", "ps-shows-zombie"),
        ("zombie.noreap", "orphaned-zombie-stays"),
    ]
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None and "reaped 4 ms after" in (failure.text or "")
    error = suites[1].find("testcase[@name='run']/error")
    assert error is not None and error.get("message", "").startswith("timed out")
    skipped = suites[2].find("testcase/skipped")
    assert skipped is not None and skipped.get("message") == "the father would be PID 1"


def test_the_transcript_is_kept_without_characters_xml_forbids() -> None:
    out = ET.fromstring(render_junit([run("noreap", OK)])).find("testsuite/system-out")
    assert out is not None and out.text is not None
    assert "\x1b" not in out.text and "\\x1b[43m主\\x1b[0m 14" in out.text
