"""Shared fixtures. Integration tests (tests/integration/) get the `docker` marker: they
skip when no engine answers on a developer's machine, and fail in CI (CI=true)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from sandbox import image
from sandbox.engine import LABEL, Engine
from sandbox.errors import EngineUnavailable
from sandbox.inits import get_init
from sandbox.model import RunResult
from sandbox.runner import SESSION, run_scenario
from sandbox.scenario import find

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
os.environ["SANDBOX_SESSION"] = SESSION  # the CLI runs the tests start join this session
INTEGRATION = Path(__file__).parent / "integration"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.docker)


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: integration tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def engine() -> Engine:
    try:
        return Engine.connect()
    except EngineUnavailable as exc:
        _unavailable(str(exc))


@pytest.fixture(scope="session")
def image_ref(engine: Engine) -> str:
    ref = image.image_ref()
    if engine.image_id(ref) is None:
        _unavailable(f"the engine has no sandbox image {ref}: run `make image`")
    return ref


def ours(engine: Engine) -> set[str]:
    """This test session's containers (its subprocesses share the session: SANDBOX_SESSION)."""
    return set(engine.containers_labelled(**{f"{LABEL}.session": SESSION}))


@pytest.fixture
def our_containers(engine: Engine) -> Callable[[], set[str]]:
    return lambda: ours(engine)


@pytest.fixture
def no_leftovers(engine: Engine) -> Iterator[None]:
    """Fails the test if it leaves any of its containers behind."""
    before = ours(engine)
    yield
    left = ours(engine) - before
    assert not left, f"containers left behind: {sorted(c[:12] for c in left)}"


@pytest.fixture(scope="session")
def scenario_run(engine: Engine, image_ref: str) -> Callable[[str, str], RunResult]:
    """Runs a catalogue scenario under a PID 1 mode once per session; later calls reuse it."""
    results: dict[tuple[str, str], RunResult] = {}

    def run(name: str, init: str) -> RunResult:
        if (name, init) not in results:
            before = ours(engine)
            results[name, init] = run_scenario(engine, image_ref, find(name), get_init(init))
            left = ours(engine) - before
            assert not left, f"{name} under {init} left containers behind: {sorted(left)}"
        return results[name, init]

    return run
