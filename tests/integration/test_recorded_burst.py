"""The recorder on the real kernel: every fork, exit and reap of a burst of 1,000 children.

zombie-flood forks 1,000 short-lived children (`--children 1000`, as `python -m sandbox run`
passes it) that its parent never waits for; then the parent is killed. Under tini, PID 1
adopts and reaps all 1,000; under noreap nobody ever does. The recorder's counts are held
against the script's own (each child prints 子 and its PID) and against the kernel's
numbering of its messages (none lost).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from sandbox import lifecycle
from sandbox.engine import Engine
from sandbox.inits import get_init
from sandbox.model import ProcessEvent, RunResult
from sandbox.recorder import Recorder
from sandbox.report import render_run
from sandbox.runner import run_scenario
from sandbox.scenario import find
from sandbox.waiting import wait_until

BURST = 1000
FLOOD = find("zombie-flood")


@pytest.fixture(scope="module", params=["tini", "noreap"])
def burst(
    request: pytest.FixtureRequest, engine: Engine, image_ref: str, recording: None
) -> RunResult:
    result = run_scenario(engine, image_ref, FLOOD, get_init(request.param), children=BURST)
    assert result.ok, render_run(result, FLOOD)
    return result


def children_of_the_culprit(result: RunResult) -> tuple[int, dict[str, list[ProcessEvent]]]:
    """The culprit's PID, and its children's events by kind."""
    culprit = next(e.pid for e in result.events if e.detail == f"python3 flood.py {BURST}")
    forked = {e.host_pid for e in result.events if e.kind == "fork" and e.ppid == culprit}
    kinds: dict[str, list[ProcessEvent]] = {"fork": [], "exec": [], "exit": [], "reap": []}
    for e in result.events:
        if e.host_pid in forked:
            kinds[e.kind].append(e)
    return culprit, kinds


def test_every_fork_and_exit_is_recorded(burst: RunResult) -> None:
    assert burst.recorder.startswith("the kernel's process-events connector")
    assert burst.facts["events_lost"] == 0
    printed = re.findall(r"^子 (\d+)$", burst.transcript, re.MULTILINE)
    assert len(printed) == BURST == burst.facts["children_printed"]
    _, kinds = children_of_the_culprit(burst)
    assert len(kinds["fork"]) == len(kinds["exit"]) == BURST
    assert {e.pid for e in kinds["fork"]} == {int(pid) for pid in printed}  # the same 1,000
    assert all(e.detail == "exit 0" for e in kinds["exit"])


def test_reaps_are_pid_1s_under_tini_and_nobody_s_under_noreap(burst: RunResult) -> None:
    culprit, kinds = children_of_the_culprit(burst)
    death = next(e.at_s for e in burst.events if e.kind == "exit" and e.pid == culprit)
    if burst.init == "noreap":
        assert kinds["reap"] == []  # not while the parent lived, not after it died
        assert lifecycle.lifecycle(burst.events).unreaped >= BURST
        return
    assert len(kinds["reap"]) == BURST
    assert all(e.at_s > death for e in kinds["reap"])  # after the parent died, not before
    assert burst.facts["children_reaps_recorded"] == BURST
    children = {e.pid for e in kinds["fork"]}
    reaps = [r for r in lifecycle.lifecycle(burst.events).reaps if r.pid in children]
    assert len(reaps) == BURST
    # Those still there when the parent's exit was read are the adopter's for certain;
    # those reaped by then (how many depends on how busy the machine is) are counted
    # apart, never as the parent's: it was killed, and never waited.
    assert not [r for r in reaps if r.by == lifecycle.BY_PARENT]
    adopted = [r for r in reaps if r.by == lifecycle.BY_ADOPTER]
    assert all(r.reapable_s == death for r in adopted)  # from the parent's death


def test_the_timeline_is_exact(burst: RunResult) -> None:
    """Zombies over time come from the events: the peak is the whole burst (plus the
    parent itself under noreap, once it is killed), at a kernel timestamp."""
    life = lifecycle.lifecycle(burst.events)
    assert life.peak_zombies >= BURST
    curve = lifecycle.zombie_curve(burst.events)
    assert max(s.zombies for s in curve) == life.peak_zombies
    assert len(curve) <= 2001


@pytest.mark.usefixtures("recording")
def test_the_recording_process_ends_with_its_controller() -> None:
    """A controller killed with SIGKILL leaves no recording process behind: its pipe
    closes, and the recorder ends."""
    code = (
        "import sys, time\n"
        "from sandbox.recorder import Recorder\n"
        "r = Recorder(origin=time.monotonic())\n"
        "r.follow('0' * 64, 1)\n"
        "print(r.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    controller = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert controller.stdout is not None
    recorder_pid = int(controller.stdout.readline())
    os.kill(controller.pid, signal.SIGKILL)
    controller.wait()
    wait_until(
        lambda: _state(recorder_pid),
        lambda state: state in ("", "Z"),  # gone, or a zombie of init's
        timeout_s=10,
        what="the recording process to end",
    )


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


@pytest.mark.usefixtures("recording")
def test_a_recorder_that_is_stopped_at_once_hands_over_nothing() -> None:
    recorder = Recorder(origin=time.monotonic())
    recorder.follow("f" * 64, 1)
    recording = recorder.stop()
    assert recording.events == ()
    assert recording.how.startswith("the kernel's process-events connector")


@pytest.mark.usefixtures("recording")
def test_one_recording_process_serves_every_box_of_a_controller() -> None:
    first, second = Recorder(origin=time.monotonic()), Recorder(origin=time.monotonic())
    assert first.pid == second.pid
    first.follow("a" * 64, 1)
    second.follow("b" * 64, 2)
    assert first.stop().events == second.stop().events == ()


@pytest.mark.parametrize("init", ["noreap", "tini"])
def test_without_the_recorder_the_checks_are_sampled_and_say_so(
    engine: Engine, image_ref: str, init: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the connector cannot be heard (SANDBOX_RECORDER=off stands in for an old
    kernel or a remote engine), zombie-flood's checks fall back to the sampled tables."""
    monkeypatch.setenv("SANDBOX_RECORDER", "off")
    result = run_scenario(engine, image_ref, FLOOD, get_init(init))
    assert result.ok, render_run(result, FLOOD)
    assert result.events == () and "events_lost" not in result.facts
    assert result.recorder == "sampled: the recorder is turned off (SANDBOX_RECORDER=off)"
    details = {c.name: c.detail for c in result.checks}
    assert not details["zombies-pile-up"].startswith("recorded:")
    assert details["zombies-pile-up"].startswith("zombie count ")
    assert "recorded:" not in details["init-reaps-the-orphans"]
    assert result.timeline  # the sampled counts are what the plot has
    assert "none recorded" in render_run(result, FLOOD)
