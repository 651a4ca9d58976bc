"""The zombie scenario on the real engine, under both PID 1 modes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox.model import RunResult
from sandbox.proctable import find, parse_ps_aux, parse_top_tasks, zombies
from sandbox.report import render_run
from sandbox.runner import HOST_CHECK
from sandbox.scenario import find as find_scenario

SCENARIO = find_scenario("zombie")


@pytest.fixture(params=["noreap", "tini"])
def run(request: pytest.FixtureRequest, scenario_run: Callable[[str, str], RunResult]) -> RunResult:
    return scenario_run("zombie", request.param)


def test_every_check_holds_as_declared(run: RunResult) -> None:
    assert run.ok, render_run(run, SCENARIO)
    assert run.error is None
    assert {c.name for c in run.checks} == {e.name for e in SCENARIO.expectations} | {HOST_CHECK}


def test_the_seed_transcript_is_reproduced(run: RunResult) -> None:
    zombie_snapshot = run.snapshots[0]
    assert zombie_snapshot.label == "zombie"
    header, rows = parse_ps_aux(zombie_snapshot.transcript.split("$ top")[0])
    assert header
    (line,) = [r for r in rows if r.is_zombie]
    assert (line.vsz, line.rss, line.command) == (0, 0, "[python3] <defunct>")
    assert any(r.command == "grep Z" for r in rows)
    tasks = parse_top_tasks(zombie_snapshot.transcript)
    assert tasks is not None and tasks.zombie == 1
    assert f"主 {find(zombie_snapshot.processes, line.pid).ppid}" in run.transcript  # type: ignore[union-attr]
    assert f"子 {line.pid}" in run.transcript


def test_zombie_is_the_child_of_the_sleeping_parent(run: RunResult) -> None:
    table = run.snapshots[0].processes
    (zombie,) = zombies(table)
    parent = find(table, zombie.ppid)
    assert parent is not None and parent.cmd == "python3 test.py" and parent.state == "S"
    shell = find(table, parent.ppid)
    assert shell is not None and shell.cmd.startswith("sh -c ") and shell.ppid == 0  # docker exec
    assert run.snapshots[0].host_processes is not None  # the engine runs on this kernel here


def test_killing_the_parent_hands_the_zombie_to_pid_1(run: RunResult) -> None:
    assert run.exit_code == 143  # the parent died of SIGTERM, as its shell saw it
    after = run.snapshots[1]
    assert after.label == "after killing the parent"
    stays = next(c for c in run.checks if c.name == "orphaned-zombie-stays")
    if run.init == "noreap":
        assert stays.observed is True
        (zombie,) = zombies(after.processes)
        assert zombie.ppid == 1 and zombie.cmd == "[python3] <defunct>"
        assert "[python3] <defunct>" in after.transcript
    else:
        assert stays.observed is False
        assert zombies(after.processes) == ()
        assert "<defunct>" not in after.transcript


def test_join_leaves_no_zombie(run: RunResult) -> None:
    joined = run.snapshots[2]
    assert joined.label == "after join"
    assert zombies(joined.processes) == ()
    assert any(p.cmd == "python3 test_join.py" and p.state == "S" for p in joined.processes)
