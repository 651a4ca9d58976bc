"""Running one scenario under one PID 1 mode, start to finish, into a RunResult."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace

from sandbox import proctable
from sandbox.confine import Limits, resolve
from sandbox.engine import LABEL, Engine
from sandbox.errors import (
    ConditionTimeout,
    EngineLost,
    EngineUnavailable,
    Interrupted,
    SandboxError,
    UsageError,
)
from sandbox.inits import InitMode
from sandbox.lab import Lab, Observation
from sandbox.leftovers import CONTROLLER_LABEL, this_controller
from sandbox.model import CheckResult, Expectation, Process, RunResult, Snapshot
from sandbox.scenario import Scenario

# This controller's session, on every container it starts: new per process, unless the
# caller groups several processes under one (SANDBOX_SESSION, e.g. a test suite or CI job).
SESSION = os.environ.get("SANDBOX_SESSION") or uuid.uuid4().hex[:12]
HOST_CHECK = "host-view-agrees"
WATCHDOG_GRACE_S = 5.0  # past a run's bound, before its containers are removed under it
# A scenario asked for more children than it declares (`--children`): its bound grows by
# this much per extra child (a fork, and its row in every table read; 10,000 zombies of
# zombie-flood take 35 s here), and its pids limit leaves this much room above them.
PER_CHILD_S = 0.005
CHILD_HEADROOM = 64
MAX_CHILDREN = 10_000  # what the sandbox is sized and tested for (the pids limit follows)


def labels_for(scenario: Scenario, init: InitMode) -> dict[str, str]:
    return {
        LABEL: "1",
        f"{LABEL}.session": SESSION,
        # Who started it: a sweep removes it once that process is dead (sandbox/leftovers.py).
        CONTROLLER_LABEL: str(this_controller()),
        f"{LABEL}.run": uuid.uuid4().hex[:12],
        f"{LABEL}.scenario": scenario.name,
        f"{LABEL}.init": init.name,
    }


def lab_for(
    engine: Engine,
    image: str,
    scenario: Scenario,
    init: InitMode,
    *,
    bound_s: float,
    limits: Limits | None = None,
    children: int | None = None,
) -> Lab:
    """A Lab for `scenario` under `init`: its files, fresh labels, and its limits (the
    pids limit it shows, over the command line's `limits`, over its own, over the
    defaults; room for `children`, the number it was asked to fork, above all)."""
    count = children or scenario.children or 0
    resolved = resolve(Limits(pids=scenario.pids_limit), limits, scenario.limits)
    if count and count + CHILD_HEADROOM > (resolved.pids or 0):
        resolved = replace(resolved, pids=count + CHILD_HEADROOM)
    return Lab(
        engine,
        image,
        init,
        scenario.files(),
        labels=labels_for(scenario, init),
        bound_s=bound_s,
        limits=resolved,
        writes=scenario.writes,
        children=count,
    )


def run_scenario(
    engine: Engine,
    image: str,
    scenario: Scenario,
    init: InitMode,
    *,
    timeout_s: float | None = None,
    python: str = "",
    limits: Limits | None = None,
    children: int | None = None,
) -> RunResult:
    """Run `scenario` under `init` in fresh containers; every container is removed after.

    `children`: how many its script forks, for a scenario that takes the number
    (Scenario.children); the run's bound grows with it.

    A condition that never comes true, or a lost process, ends the run early: the result
    then says why (`error`) and carries the last process table seen. A lost engine is
    raised as EngineLost, and Ctrl-C (or SIGTERM, SIGHUP) as Interrupted, each carrying
    the run's result so far (ok false, the reason in `error`) once its containers are gone.
    """
    if init.name in scenario.not_under:
        return replace(not_applicable(scenario, init, image), python=python)
    if children is not None and scenario.children is None:
        raise UsageError(f"{scenario.name} forks no number of children that can be changed")
    extra = max(0, (children or 0) - (scenario.children or 0))
    bound = timeout_s if timeout_s is not None else scenario.timeout_s + PER_CHILD_S * extra
    lab = lab_for(engine, image, scenario, init, bound_s=bound, limits=limits, children=children)
    labels = lab.labels
    error = None
    expired = threading.Event()
    watchdog = _watchdog(engine, lab, labels[f"{LABEL}.run"], expired)
    stopped: BaseException | None = None
    try:
        scenario.drive(lab)
    except ConditionTimeout as exc:
        error = f"timed out: {exc.message}"
        _record_last_state(lab, exc.last_state)
    except EngineUnavailable as exc:
        error = f"lost the Docker engine mid-run: {exc.message}"
        stopped = exc
    except KeyboardInterrupt as exc:
        stopped = exc if isinstance(exc, Interrupted) else Interrupted(signal.SIGINT)
        error = stopped.reason
    except SandboxError as exc:
        error = str(exc)
    finally:
        watchdog.cancel()
        watchdog.join()  # had it fired: until its removals are done, not merely begun (409)
        # Whatever happened (Ctrl-C, SIGTERM, a bug, a failed removal), no container of
        # this run stays: also one whose creation was interrupted before its ID was known.
        with signals_ignored():
            sweep(engine, labels[f"{LABEL}.run"])
            if lab.cancel():  # parts still running (lab.parallel) find their boxes gone...
                sweep(engine, labels[f"{LABEL}.run"])  # ...or one they were creating, here
    if expired.is_set():
        error = (
            f"stopped at the run's wall-clock bound ({bound:g} s, +{WATCHDOG_GRACE_S:g} s): "
            "its containers were removed under it"
        )
    if lab.events:
        lab.fact("events_lost", lab.events_lost)
    checks = evaluate(scenario.expectations, lab.observations, init.name, stopped_by=error)
    if lab.host_comparisons:
        checks += (_host_check(lab),)
    ok = error is None and all(c.ok for c in checks)
    result = RunResult(
        scenario=scenario.name,
        init=init.name,
        ok=ok,
        checks=checks,
        snapshots=tuple(lab.snapshots),
        exit_code=lab.exit_code,
        duration_s=round(lab.elapsed(), 3),
        transcript=lab.transcript,
        error=error,
        host_view=lab.host_view,
        image=image,
        python=python,
        facts=dict(lab.facts),
        timeline=tuple(lab.timeline),
        events=tuple(sorted(lab.events, key=lambda e: e.at_s)),
        recorder=lab.recorder,
        containers=lab.boxes_opened,
    )
    if isinstance(stopped, Interrupted):
        raise Interrupted(stopped.signum, result) from stopped
    if isinstance(stopped, EngineUnavailable):
        raise EngineLost(
            f"{scenario.name} under {init.name}: {error}; captured so far: {captured(result)}",
            "once the engine answers again, `python -m sandbox gc` (or the next run) "
            "removes the container it left",
            partial=result,
        ) from stopped
    return result


def captured(result: RunResult) -> str:
    """What a run stopped early had captured, in a few words."""
    lines = result.transcript.count("\n")
    snapshots = len(result.snapshots)
    return (
        f"{lines} line{'s' * (lines != 1)} of transcript, "
        f"{snapshots} snapshot{'s' * (snapshots != 1)}"
    )


def _watchdog(engine: Engine, lab: Lab, run_id: str, expired: threading.Event) -> threading.Timer:
    """The wall-clock timeout every run has: once the run's bound and a grace have passed,
    its containers are removed under it. The scenario's own waits end at the bound; this
    ends what does not wait that way (a typed command or a script that never ends), whose
    box then goes away, and the run with it."""

    def expire() -> None:
        expired.set()
        lab.cancel(join_s=0)  # no new box; then the boxes there are go
        sweep(engine, run_id)

    timer = threading.Timer(lab.bound_s + WATCHDOG_GRACE_S, expire)
    timer.daemon = True
    timer.start()
    return timer


def not_applicable(scenario: Scenario, init: InitMode, image: str) -> RunResult:
    """The result for a mode the scenario cannot run under: no container, the reason said."""
    reason = scenario.not_under[init.name]
    return RunResult(
        scenario=scenario.name,
        init=init.name,
        ok=True,
        checks=(),
        snapshots=(),
        exit_code=None,
        duration_s=0.0,
        transcript=f"# {scenario.name} does not run under {init.name}: {reason}\n",
        image=image,
        not_applicable=reason,
    )


def sweep(engine: Engine, run_id: str) -> None:
    """Remove every container of run `run_id`, including one whose creation was interrupted.

    Best effort: with the engine gone there is nothing to sweep with (its error is the
    one the run reports).
    """
    with contextlib.suppress(SandboxError):
        for container_id in engine.containers_labelled(**{f"{LABEL}.run": run_id}):
            engine.remove(container_id)


@contextlib.contextmanager
def signals_ignored() -> Iterator[None]:
    """Ignore SIGINT, SIGTERM and SIGHUP for the block, so that a second one cannot cut
    cleanup short (a closed terminal sends SIGHUP more than once: at the hang-up, and from
    whoever closes it).

    Handlers, not a signal mask: a mask holds signals for the main thread only, and the
    kernel would hand them to another thread (a job's reader), whose Python handler still
    runs in the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in stops}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def evaluate(
    expectations: tuple[Expectation, ...],
    observations: dict[str, Observation],
    init: str,
    *,
    stopped_by: str | None = None,
) -> tuple[CheckResult, ...]:
    """Each declared claim against what the run observed under `init`."""
    results = []
    for item in expectations:
        expected = item.holds_under[init]
        seen = observations.get(item.name)
        if seen is None:
            why = (
                f"the run stopped first ({stopped_by})"
                if stopped_by
                else "the scenario never observed it"
            )
            results.append(
                CheckResult(item.name, False, f"not observed: {why}", item.claim, None, expected)
            )
            continue
        results.append(
            CheckResult(
                item.name, seen.holds == expected, seen.detail, item.claim, seen.holds, expected
            )
        )
    undeclared = sorted(set(observations) - {e.name for e in expectations})
    for name in undeclared:
        results.append(
            CheckResult(
                name, False, "observed but not declared in the scenario's expectations", "", None
            )
        )
    return tuple(results)


def _host_check(lab: Lab) -> CheckResult:
    agrees = not lab.host_differences
    detail = (
        f"the host's /proc showed the same processes at all {lab.host_comparisons} snapshots"
        if agrees
        else "; ".join(lab.host_differences)
    )
    return CheckResult(
        HOST_CHECK,
        agrees,
        detail,
        "the host's view of the container (by cgroup, NSpid) matches the in-container table",
        agrees,
        True,
    )


def _record_last_state(lab: Lab, last: object) -> None:
    if isinstance(last, tuple) and all(isinstance(p, Process) for p in last):
        text = proctable.format_table(last) + "\n"
    elif isinstance(last, str):
        text = last
    else:
        return
    lab.say("timed out; the last state seen:")
    lab.write(text)
    lab.snapshots.append(
        Snapshot("at timeout", text, tuple(last) if isinstance(last, tuple) else ())
    )
