"""Shared fixtures. Integration tests (tests/integration/) get the `docker` marker: they
skip when no engine answers on a developer's machine, and fail in CI (CI=true)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox import image
from sandbox.engine import Engine
from sandbox.errors import EngineUnavailable
from sandbox.inits import get_init
from sandbox.model import RunResult
from sandbox.runner import run_scenario
from sandbox.scenario import find

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
INTEGRATION = Path(__file__).parent / "integration"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.docker)


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: integration tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def engine() -> Engine:
    try:
        return Engine.connect()
    except EngineUnavailable as exc:
        _unavailable(str(exc))
        raise


@pytest.fixture(scope="session")
def image_ref(engine: Engine) -> str:
    ref = image.image_ref()
    if engine.image_id(ref) is None:
        _unavailable(f"the engine has no sandbox image {ref}: run `make image`")
    return ref


@pytest.fixture
def no_leftovers(engine: Engine) -> Iterator[None]:
    """Fails the test if it leaves any of the project's containers behind."""
    before = set(engine.containers_labelled())
    yield
    left = set(engine.containers_labelled()) - before
    assert not left, f"containers left behind: {sorted(c[:12] for c in left)}"


@pytest.fixture(scope="session")
def scenario_run(engine: Engine, image_ref: str) -> Callable[[str, str], RunResult]:
    """Runs a catalogue scenario under a PID 1 mode once per session; later calls reuse it."""
    results: dict[tuple[str, str], RunResult] = {}

    def run(name: str, init: str) -> RunResult:
        if (name, init) not in results:
            before = set(engine.containers_labelled())
            results[name, init] = run_scenario(engine, image_ref, find(name), get_init(init))
            left = set(engine.containers_labelled()) - before
            assert not left, f"{name} under {init} left containers behind: {sorted(left)}"
        return results[name, init]

    return run
