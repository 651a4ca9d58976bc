"""Shared fixtures. Integration tests (tests/integration/) get the `docker` marker: they
skip when no engine answers on a developer's machine, and fail in CI (CI=true)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from sandbox import image, provision
from sandbox.engine import LABEL, Engine
from sandbox.errors import EngineUnavailable, ImageError
from sandbox.inits import INITS, get_init
from sandbox.lab import Lab
from sandbox.matrix import run_matrix
from sandbox.model import Process, RunResult
from sandbox.recorder import Recorder, RecorderUnavailable
from sandbox.runner import SESSION, run_scenario
from sandbox.scenario import Scenario, expect, find

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
os.environ["SANDBOX_SESSION"] = SESSION  # the CLI runs the tests start join this session
INTEGRATION = Path(__file__).parent / "integration"


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C must reach the controllers the tests interrupt. A job a non-interactive shell
    starts in the background (`cmd &`, as some CI launchers do) inherits SIGINT ignored, and
    so would every process the tests start: give it back its default."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.docker)


# -- make chaos: one line of figures ----------------------------------------------------

# Marker -> what its tests are, and what passing means, in the line.
CHAOS = {
    "fault": ("faults injected", "survived"),
    "bad_input": ("bad inputs tried", "answered clearly"),
    "hostile": ("hostile scripts", "contained"),
}
_chaos: dict[str, dict[str, bool]] = {marker: {} for marker in CHAOS}  # marker: test: held


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A test counts once: held if its call passed and no phase failed; a skip is not counted."""
    for marker, outcomes in _chaos.items():
        if marker not in report.keywords:
            continue
        if report.failed:
            outcomes[report.nodeid] = False
        elif report.when == "call" and report.passed:
            outcomes.setdefault(report.nodeid, True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After a run with faults, bad inputs or hostile scripts in it: their figures, and the
    containers this session left behind (none may be)."""
    if not any(_chaos.values()):
        return
    parts = []
    for marker, (tried, held) in CHAOS.items():
        outcomes = _chaos[marker].values()
        parts.append(f"{tried} {len(outcomes)} / {held} {sum(outcomes)}")
    try:
        left: object = len(ours(Engine.connect(timeout_s=5)))
    except EngineUnavailable:
        left = "? (no engine answers)"
    terminalreporter.write_line("chaos: " + " · ".join(parts) + f" · containers left behind {left}")


# Who the tests that are about running without root run as: uid 65534 (nobody) with no
# groups when the suite runs as root, else the suite's own user (e.g. CI's, non-root).
UNPRIVILEGED = 65534 if os.geteuid() == 0 else os.geteuid()
# A child started as root gives up root itself, in drop(): it cannot be started as uid
# 65534 outright, because the interpreter may live where only root may read
# (/root/.pyenv). It imports as root what it needs, then drops for good: real,
# effective and saved IDs, and no groups.
_DROP = """\
import os, sys
def drop():
    uid = int(sys.argv.pop(1))
    if uid != os.geteuid():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
"""


def unprivileged_python(code: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """`code` in a child Python, run as UNPRIVILEGED from its call of drop() on."""
    return subprocess.run(
        [sys.executable, "-c", _DROP + code, str(UNPRIVILEGED), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",  # somewhere every user may be
        check=False,
    )


def sandbox_cli(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m sandbox ARGS`, to its end: what it printed and its exit code."""
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        check=False,
    )


def run_own_script(script: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """`python -m sandbox run SCRIPT ARGS --json`, results beside the script: the finished
    command and the result contract it wrote (None if none)."""
    out, results = script.parent / "out.json", script.parent / "results"
    done = sandbox_cli(
        "run", str(script), *args, "--json", str(out), "--results", str(results), timeout=180
    )
    return done, json.loads(out.read_text()) if out.exists() else None


def rows(table: tuple[Process, ...]) -> set[tuple[int, int, str]]:
    """A table as (PID, PPID, command) rows: what every route of reading it must agree on."""
    return {(p.pid, p.ppid, p.cmd) for p in table}


def run_reads(
    engine: Engine,
    image_ref: str,
    directory: Path,
    drive: Callable[[Lab], None],
    *,
    name: str,
    summary: str,
    timeout_s: float,
) -> RunResult:
    """Run `drive`, which reads a box's table by several routes and checks `read`, as a
    one-off scenario (its files in `directory`) under noreap; the run must be ok."""
    declared = Scenario(
        name=name,
        title="test",
        summary=summary,
        explanation="",
        expectations=(expect("read", "the views are read", noreap=True),),
        drive=drive,
        timeout_s=timeout_s,
        directory=directory,
    )
    result = run_scenario(engine, image_ref, declared, get_init("noreap"))
    assert result.ok, (result.error, result.checks)
    return result


def _unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: integration tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


# Debian's name first, then Google's (GitHub's Ubuntu runners have Chrome, not Chromium).
# Ubuntu's chromium-browser comes last: there it is often only a wrapper asking for a snap.
CHROMIUMS = ("chromium", "google-chrome", "google-chrome-stable", "chromium-browser")


def find_chromium(path: str | None = None) -> Path | None:
    """The first of CHROMIUMS on PATH (`path`: a PATH of its own), or None."""
    for name in CHROMIUMS:
        if found := shutil.which(name, path=path):
            return Path(found)
    return None


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Chromium or Chrome, for the tests marked `browser` (skipped without, except in CI).

    SANDBOX_CHROMIUM names one explicitly; otherwise the first of CHROMIUMS on PATH.
    """
    if chosen := os.environ.get("SANDBOX_CHROMIUM"):
        if not os.access(chosen, os.X_OK) or Path(chosen).is_dir():
            pytest.fail(f"SANDBOX_CHROMIUM={chosen} is not an executable", pytrace=False)
        return Path(chosen)
    found = find_chromium()
    if found is None:
        _unavailable(
            f"none of {', '.join(CHROMIUMS)} on PATH: apt-get install chromium, "
            "or name one with SANDBOX_CHROMIUM"
        )
    return found


@pytest.fixture(scope="session")
def engine() -> Engine:
    try:
        return Engine.connect()
    except EngineUnavailable as exc:
        _unavailable(str(provision.socket_refused() or exc))  # not in the docker group?


@pytest.fixture(scope="session")
def image_ref(engine: Engine) -> str:
    ref = image.image_ref()
    if engine.image_id(ref) is None:
        _unavailable(f"the engine has no sandbox image {ref}: run `make image`")
    return ref


@pytest.fixture(scope="session")
def recording() -> None:
    """Skips a test of the recorded process events where this kernel cannot be heard (the
    connector refused, as before Linux 6.6 without root): runs are sampled there, and say
    so. Not a missing engine: skipped with the reason, in CI too."""
    recorder = Recorder(origin=time.monotonic())
    try:
        recorder.follow("0" * 64, 1)
        recorder.stop()
    except RecorderUnavailable as exc:
        pytest.skip(f"the kernel's process events cannot be heard here: {exc.message}")


@pytest.fixture(scope="session")
def offline_build() -> None:
    """Skips a test of the offline build (mmdebstrap) where this machine cannot make one.

    Not a missing engine: GitHub's Ubuntu runner has neither mmdebstrap (nor root to
    install it) nor a Debian mirror, and builds from docker/Dockerfile instead. Skipped
    with the reason, in CI too.
    """
    if shutil.which("mmdebstrap") is None and not provision.can_provision():
        pytest.skip("offline build unavailable: no mmdebstrap, and no root to install it")
    try:
        image.host_mirror()
    except ImageError as exc:
        pytest.skip(f"offline build unavailable: {exc.message}")


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


class ScenarioRuns:
    """Catalogue runs, each made once per session: `runs(name, init)` runs it or reuses it."""

    def __init__(self, engine: Engine, image_ref: str) -> None:
        self.engine = engine
        self.image_ref = image_ref
        self.results: dict[tuple[str, str], RunResult] = {}

    def __call__(self, name: str, init: str) -> RunResult:
        if (name, init) not in self.results:
            before = ours(self.engine)
            self.results[name, init] = run_scenario(
                self.engine, self.image_ref, find(name), get_init(init)
            )
            left = ours(self.engine) - before
            assert not left, f"{name} under {init} left containers behind: {sorted(left)}"
        return self.results[name, init]

    def prefetch(self, scenarios: list[Scenario]) -> None:
        """Run `scenarios` under every mode, as many at once as there are cores (the matrix)."""
        before = ours(self.engine)
        results = run_matrix(
            scenarios,
            list(INITS.values()),
            {image.DEFAULT_PYTHON: self.image_ref},
            jobs=os.cpu_count() or 1,
            progress=lambda *_: None,
        )
        self.results.update({(r.scenario, r.init): r for r in results})
        left = ours(self.engine) - before
        assert not left, f"the catalogue left containers behind: {sorted(left)}"


@pytest.fixture(scope="session")
def scenario_run(engine: Engine, image_ref: str) -> ScenarioRuns:
    """Runs a catalogue scenario under a PID 1 mode once per session; later calls reuse it."""
    return ScenarioRuns(engine, image_ref)
