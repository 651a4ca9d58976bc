"""Every catalogue scenario under every PID 1 mode it runs under: its checks hold, its
transcript matches its golden file."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import ScenarioRuns

from sandbox import golden
from sandbox.model import RunResult
from sandbox.report import render_run
from sandbox.scenario import load_all

SCENARIOS = load_all()
CASES = [(name, init) for name, scenario in SCENARIOS.items() for init in scenario.modes()]


# The whole catalogue runs in the first test's setup: several minutes on two cores.
pytestmark = pytest.mark.timeout(1800)


@pytest.fixture(scope="module", autouse=True)
def whole_catalogue(request: pytest.FixtureRequest, scenario_run: ScenarioRuns) -> None:
    """Every selected case at once, two at a time on two cores (as `make matrix` runs them)."""
    selected = set()
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if isinstance(item, pytest.Function) and item.module is request.module and callspec:
            selected.add(callspec.params["name"])
    scenario_run.prefetch([s for name, s in SCENARIOS.items() if name in selected])


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
