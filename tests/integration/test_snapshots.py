"""Many zombies, read by every route: the probe inside, the host as root, the host by cgroup.

A parent forks ZOMBIES children that rename themselves (`/proc/self/comm`) and exit; it
never waits. Each route must give the same table, every zombie as `ps` shows it: STAT Z,
COMMAND `[name] <defunct>`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import rows, run_reads

from sandbox.engine import Engine
from sandbox.lab import Lab
from sandbox.model import Process
from sandbox.proctable import compare, read_host, without_helpers, zombies
from sandbox.runner import HOST_CHECK

ZOMBIES = 500
NAME = "z) (1"  # a name `ps` and /proc/<pid>/stat put in parentheses
FORKS = f"""\
import os, time
for _ in range({ZOMBIES}):
    if os.fork() == 0:
        with open("/proc/self/comm", "w") as comm:
            comm.write({NAME!r})
        os._exit(0)
print("forked", flush=True)
time.sleep(1000)
"""
PS = ["ps", "-eo", "pid=,ppid=,stat=,args="]


@pytest.mark.usefixtures("no_leftovers")
def test_every_route_reads_the_zombies_alike(
    tmp_path: Path, engine: Engine, image_ref: str
) -> None:
    (tmp_path / "forks.py").write_text(FORKS)
    seen: dict[str, Any] = {}

    def drive(lab: Lab) -> None:
        with lab.box() as box:
            box.start("python3 forks.py").wait_for_output("forked")
            box.wait_for(f"{ZOMBIES} zombies", lambda t: t if len(zombies(t)) == ZOMBIES else None)
            snapshot = box.capture("zombies")  # inside and from the host, compared by the run
            seen["inside"], seen["host"] = snapshot.processes, snapshot.host_processes
            seen["cgroup"] = without_helpers(read_host(box.container_id))
            seen["ps"] = box.run(PS).output
            lab.check("read", True, "every route was read")

    result = run_reads(
        engine,
        image_ref,
        tmp_path,
        drive,
        name="many-zombies",
        summary=f"{ZOMBIES} zombies read inside and from the host",
        timeout_s=120,
    )
    assert next(c for c in result.checks if c.name == HOST_CHECK).observed is True

    inside: tuple[Process, ...] = seen["inside"]
    parent = next(p for p in inside if p.cmd == "python3 forks.py")
    assert parent.state == "S"
    expected = {(parent.pid, "Z", f"[{NAME}] <defunct>")}
    assert {(z.ppid, z.state, z.cmd) for z in zombies(inside)} == expected
    assert len(zombies(inside)) == ZOMBIES

    # `ps` itself, inside: the same zombies, STAT Z, the same COMMAND.
    listed = [line.split(None, 3) for line in seen["ps"].splitlines()]
    by_ps = {int(pid): (int(ppid), stat, args) for pid, ppid, stat, args in listed}
    for zombie in zombies(inside):
        ppid, stat, args = by_ps[zombie.pid]
        assert (ppid, stat[0], args) == (zombie.ppid, "Z", zombie.cmd)
    assert sum(stat.startswith("Z") for _, stat, _ in by_ps.values()) == ZOMBIES

    # As root the host's view is the container's own procfs, read from here; the cgroup
    # route is the one a user in the docker group gets.
    for route in ("host", "cgroup"):
        table: tuple[Process, ...] = seen[route]
        assert rows(table) == rows(inside), (route, compare(inside, table))
        assert zombies(table) == zombies(inside), route
        assert compare(inside, table) == [], route
