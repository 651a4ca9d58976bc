"""Every catalogue scenario under both PID 1 modes: its checks hold, its transcript matches."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox import golden
from sandbox.inits import DEFAULT_INITS
from sandbox.model import RunResult
from sandbox.report import render_run
from sandbox.scenario import load_all

SCENARIOS = load_all()
CASES = [(name, init) for name in SCENARIOS for init in DEFAULT_INITS]


@pytest.mark.parametrize(("name", "init"), CASES)
def test_every_check_holds(
    name: str, init: str, scenario_run: Callable[[str, str], RunResult]
) -> None:
    result = scenario_run(name, init)
    assert result.ok, render_run(result, SCENARIOS[name])
    for check in result.checks:
        assert check.observed is check.expected, check


@pytest.mark.parametrize(("name", "init"), CASES)
def test_transcript_matches_its_golden_file(
    name: str, init: str, scenario_run: Callable[[str, str], RunResult]
) -> None:
    result = scenario_run(name, init)
    diff = golden.differences(SCENARIOS[name], init, result.transcript)
    assert not diff, "\n".join(diff)
