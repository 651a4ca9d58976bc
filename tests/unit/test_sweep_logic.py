"""Which containers a sweep removes: those of a dead controller of this host, and no other.

Liveness is read from real processes (this one, a child that ended); the engine is a fake
holding labels, since the choice is pure logic over them (tests/integration/test_leftovers.py
runs the real thing).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from typing import cast

import psutil
import pytest

from sandbox.engine import LABEL, Engine
from sandbox.errors import EngineError
from sandbox.leftovers import (
    CONTROLLER_LABEL,
    Controller,
    here,
    is_alive,
    sweep,
    this_controller,
)
from sandbox.waiting import wait_until


class FakeEngine:
    def __init__(self, containers: dict[str, dict[str, str]], refuses: str = "") -> None:
        self.containers = containers
        self.refuses = refuses
        self.removed: list[str] = []

    def labelled_containers(self) -> dict[str, dict[str, str]]:
        return {c: labels for c, labels in self.containers.items() if LABEL in labels}

    def remove(self, container_id: str) -> None:
        if container_id == self.refuses:
            raise EngineError("the engine refused")
        self.removed.append(container_id)


def dead_controller() -> Controller:
    """A process of this host that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = f"{psutil.Process(child.pid).create_time():.2f}"
    child.wait()
    return Controller(here(), child.pid, started)


def owned_by(controller: Controller | str) -> dict[str, str]:
    return {LABEL: "1", CONTROLLER_LABEL: str(controller)}


def test_a_controller_label_reads_back() -> None:
    me = this_controller()
    assert Controller.parse(str(me)) == me
    assert me.pid == os.getpid() and me.host == here()
    assert Controller.parse("") is None and Controller.parse("no-pid-here") is None


def test_this_process_is_alive_and_an_ended_one_is_not() -> None:
    assert is_alive(this_controller())
    assert not is_alive(dead_controller())


def test_a_reused_pid_is_not_the_controller() -> None:
    me = this_controller()
    assert not is_alive(Controller(me.host, me.pid, "12.34"))  # same PID, other start time


def test_a_killed_controller_not_yet_reaped_is_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        controller = Controller(here(), child.pid, f"{psutil.Process(child.pid).create_time():.2f}")
        child.kill()
        wait_until(  # not reaped: a zombie until child.wait() below
            psutil.Process(child.pid).status,
            lambda status: status == psutil.STATUS_ZOMBIE,
            timeout_s=10,
            what="the killed child to be a zombie",
        )
        assert not is_alive(controller)
    finally:
        child.wait()


def test_sweep_removes_only_the_dead_controllers_containers() -> None:
    dead = dead_controller()
    engine = FakeEngine(
        {
            "dead1": owned_by(dead),
            "dead2": owned_by(dead),
            "alive": owned_by(this_controller()),
            "elsewhere": owned_by(Controller("another-host", 1, "1.00")),
            # This host's name, another PID namespace (a container with --network host):
            # its PID is not ours to look up, however dead it looks from here.
            "namespace": owned_by(Controller(f"{socket.gethostname()}/1", dead.pid, dead.started)),
            "older": {LABEL: "1", f"{LABEL}.session": "abc"},
            "not-ours": {"com.example": "1", CONTROLLER_LABEL: str(dead)},
        }
    )
    swept = sweep(cast(Engine, engine))
    assert sorted(engine.removed) == ["dead1", "dead2"]
    assert swept.removed == {dead: ("dead1", "dead2")}
    assert (swept.alive, swept.elsewhere, swept.unowned) == (1, 2, ("older",))
    assert (
        swept.summary() == f"removed 2 containers left by a controller that died (pid {dead.pid})"
    )


def test_a_container_the_engine_will_not_remove_is_reported() -> None:
    dead = dead_controller()
    engine = FakeEngine({"stuck": owned_by(dead), "gone": owned_by(dead)}, refuses="stuck")
    swept = sweep(cast(Engine, engine))
    assert engine.removed == ["gone"] and swept.failed == ("stuck",)


def test_another_hosts_controller_cannot_be_judged() -> None:
    with pytest.raises(ValueError, match="not on this host"):
        is_alive(Controller("another-host", os.getpid(), "1.00"))
