"""Containers left behind by a controller that died, found and removed.

Every container a controller starts carries, besides the project's label, the
controller's identity: `<host>/<PID namespace>:<pid>:<start time>` (CONTROLLER_LABEL). A
run removes its own containers whatever happens to it, except when its controller cannot
run any more code: `kill -9`, a closed terminal that took it down hard, a cancelled CI
job, a lost engine. What such a controller left is removed later by `sweep`, at the next
start of any controller and by `python -m sandbox gc`.

Liveness is per controller *process*, not per session: a session id is shared by a test
suite and the controllers it starts, and may be shared by two controllers on purpose. The
start time makes a reused PID harmless: a live process with another start time is another
process, and its namesake is dead.

Never touched: containers without the project's label; containers of a controller on
another host or in another PID namespace (a controller in a container that shares the
host's name, as with `--network host`: its PIDs are not this one's, and it cannot be
seen from here, so it may well be alive); and the project's containers with no
controller label, made by versions before it existed (their owner cannot be told, so
`gc` only names them).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

import psutil

from sandbox.engine import LABEL, Engine
from sandbox.errors import SandboxError

CONTROLLER_LABEL = f"{LABEL}.controller"


@dataclass(frozen=True)
class Controller:
    """A controller process: where it runs, its PID, and when it started (psutil's seconds)."""

    host: str  # the host name and the PID namespace: a PID means something only within both
    pid: int
    started: str  # create_time with 2 decimals: /proc's start time is in 1/100 s ticks

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.started}"

    @classmethod
    def parse(cls, text: str) -> Controller | None:
        """The controller a label names, or None for a value this version did not write."""
        host, _, rest = text.rpartition(":")  # the host name itself has no colon...
        host, _, pid = host.rpartition(":")  # ...but parse from the right, to be safe
        if not host or not pid.isdigit():
            return None
        return cls(host, int(pid), rest)


def this_controller() -> Controller:
    """This process, as its containers' labels name it (asked anew: a fork is another)."""
    return _identify(os.getpid())


def _identify(pid: int) -> Controller:
    return Controller(here(), pid, f"{psutil.Process(pid).create_time():.2f}")


def here() -> str:
    """This host's name and PID namespace (the digits of /proc/self/ns/pid's inode)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{''.join(c for c in namespace if c.isdigit())}"


def is_alive(controller: Controller) -> bool:
    """Whether `controller` runs here. A zombie (killed, not yet reaped) is dead."""
    if controller.host != here():
        raise ValueError(f"{controller} is not on this host")
    try:
        process = psutil.Process(controller.pid)
        same = f"{process.create_time():.2f}" == controller.started
        return same and process.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:  # it exists, and is not ours to inspect: count it alive
        return True


@dataclass(frozen=True)
class Swept:
    """What a sweep did: removed containers by dead controller, and what it left alone."""

    removed: Mapping[Controller, tuple[str, ...]]  # a dead controller -> its containers
    alive: int  # containers of controllers still running on this host
    elsewhere: int  # containers of controllers on other hosts (or PID namespaces)
    unowned: tuple[str, ...]  # the project's containers without a controller label
    failed: tuple[str, ...] = ()  # leftovers the engine would not remove

    @property
    def removed_count(self) -> int:
        return sum(len(ids) for ids in self.removed.values())

    def summary(self) -> str:
        """One line for the sweep at a controller's start, when it removed anything."""
        pids = ", ".join(str(c.pid) for c in self.removed)
        noun = "container" if self.removed_count == 1 else "containers"
        who = "a controller that died" if len(self.removed) == 1 else "controllers that died"
        return f"removed {self.removed_count} {noun} left by {who} (pid {pids})"


def sweep(engine: Engine) -> Swept:
    """Remove every container of the project whose controller ran here and is dead."""
    removed: dict[Controller, list[str]] = {}
    alive = elsewhere = 0
    unowned: list[str] = []
    failed: list[str] = []
    host = here()
    verdicts: dict[Controller, bool] = {}
    for container_id, labels in engine.labelled_containers().items():
        controller = Controller.parse(labels.get(CONTROLLER_LABEL, ""))
        if controller is None:
            unowned.append(container_id)
            continue
        if controller.host != host:
            elsewhere += 1
            continue
        if controller not in verdicts:
            verdicts[controller] = is_alive(controller)
        if verdicts[controller]:
            alive += 1
            continue
        try:
            engine.remove(container_id)
        except SandboxError:
            failed.append(container_id)
            continue
        removed.setdefault(controller, []).append(container_id)
    return Swept(
        removed={c: tuple(ids) for c, ids in removed.items()},
        alive=alive,
        elsewhere=elsewhere,
        unowned=tuple(unowned),
        failed=tuple(failed),
    )
