"""Process-table snapshots of a container holding 10,000 zombies, against a raw read of /proc.

A throwaway container (confined like every other, labelled so that sweeps find it) runs
under `noreap`, which never reaps; a script forks ZOMBIES children that exit at once and
exits itself without waiting, so that all of them stay as zombies of PID 1. Then, round
after round, each snapshot is timed right after its floor, so that both see the same
machine load:

- in the container: `docker exec python3 probe.py` and parsing its JSON, as Box.processes
  does; its floor is `docker exec python3 -c` reading every /proc/<pid>/stat raw (the
  exec and python's start-up are in both);
- from the host: proctable.read_host, as Box.host_processes does; its floor is listing
  the host's /proc and reading the same processes' /proc/<pid>/stat raw, from here. The
  route a user who may not open /proc/<pid>/root takes (by cgroup) is timed too;
- the peak memory (ru_maxrss) of a fresh controller process that takes both snapshots
  (its imports and engine connection alone: ~31 MB).

`python benchmarks/snapshots.py` prints the figures; exits 1 if a goal is missed. Sample
output (2 cores, shared with other work: the ratios moved by 0.2 from run to run):
    snapshot of 10,000 zombies, in the container (docker exec probe.py)  0.176 s  0.136 s  1.30x
    snapshot of 10,000 zombies, from the host (read_host)                0.079 s  0.056 s  1.40x
      the same by cgroup (the route without root)                        0.202 s  0.057 s  3.55x
    peak memory of a controller taking both snapshots                   39.258 MB
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from figures import Figure, run

from sandbox import proctable
from sandbox.confine import Limits, Staging, resolve
from sandbox.engine import LABEL, Engine
from sandbox.errors import ScenarioError
from sandbox.inits import get_init
from sandbox.lab import ENVIRONMENT, HELPER_DIR, LINE_BUFFER, PROBE
from sandbox.leftovers import CONTROLLER_LABEL, this_controller
from sandbox.model import Process
from sandbox.runner import SESSION
from sandbox.waiting import Timeout, wait_until

ZOMBIES = 10_000
ROUNDS = 15  # a shared machine's load comes and goes: medians of many alternations
GOAL = 1.5  # a snapshot within 1.5 times a raw read of the same processes
MEMORY_GOAL_MB = 100.0
MEMORY_ROUNDS = 3
# PID 1, the forking script and one exec at a time, over the zombies.
LIMITS = Limits(pids=ZOMBIES + 16)
FORK_WAIT_S = 120.0  # forking 10,000 children from Python takes ~4 s

# Forks and never waits; its own exit hands the zombies to PID 1, which never reaps either.
FORK = f"""\
import os
for _ in range({ZOMBIES}):
    if os.fork() == 0:
        os._exit(0)
"""
# The in-container floor: every /proc/<pid>/stat read, nothing parsed.
RAW_READ = """\
import os
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            fd = os.open(f"/proc/{entry}/stat", os.O_RDONLY)
        except OSError:
            continue
        os.read(fd, 4096)
        os.close(fd)
"""
# `python benchmarks/snapshots.py --controller CONTAINER PID`: a controller process that
# takes both snapshots and prints how many processes each had.
CONTROLLER = "--controller"


def measure(engine: Engine, ref: str) -> list[Figure]:
    """The snapshot figures (see the module's docstring), in one throwaway container."""
    labels = {
        LABEL: "1",
        f"{LABEL}.session": SESSION,
        # Who started it: a sweep removes it once this process is dead (sandbox/leftovers.py).
        CONTROLLER_LABEL: str(this_controller()),
        f"{LABEL}.run": uuid.uuid4().hex[:12],
        f"{LABEL}.purpose": "bench-snapshots",
    }
    noreap = get_init("noreap")
    helpers = {  # as a scenario's box has them (Lab._payload)
        f"{HELPER_DIR}/probe.py": PROBE.read_bytes(),
        f"{HELPER_DIR}/python/sitecustomize.py": LINE_BUFFER.read_bytes(),
    }
    with Staging(helpers) as staged:
        container_id = engine.create(
            ref,
            list(noreap.command),
            labels,
            environment=ENVIRONMENT,
            confinement=staged.confinement(resolve(LIMITS)),
        )
        try:
            engine.start(container_id)
            init_host_pid = int(engine.state(container_id).get("Pid") or 0)
            if not proctable.host_can_see(container_id, init_host_pid):
                raise ScenarioError(
                    f"the host cannot see the container's processes ({engine.endpoint})",
                    "run the benchmark on the machine the engine runs on",
                )
            _fill(engine, container_id, init_host_pid)
            return _measure(engine, container_id, init_host_pid)
        finally:
            engine.remove(container_id)


def _fill(engine: Engine, container_id: str, init_host_pid: int) -> None:
    """Fork the zombies, then wait until the host sees all of them."""
    done = engine.exec_run(container_id, ["python3", "-c", FORK])
    if done.exit_code != 0:
        raise ScenarioError(f"forking {ZOMBIES} children failed: {done.output.strip()[-300:]}")
    try:
        wait_until(
            lambda: len(proctable.zombies(proctable.read_host(container_id, init_host_pid))),
            lambda count: count >= ZOMBIES,
            timeout_s=FORK_WAIT_S,
            what=f"{ZOMBIES} zombies",
            interval_s=0.1,
        )
    except Timeout as exc:
        raise ScenarioError(str(exc)) from None


def inside(engine: Engine, container_id: str) -> tuple[Process, ...]:
    """The in-container snapshot, as Box.processes takes it."""
    result = engine.exec_run(
        container_id, ["python3", f"{HELPER_DIR}/probe.py"], environment=ENVIRONMENT
    )
    if result.exit_code != 0:
        raise ScenarioError(f"reading the process table failed: {result.output.strip()}")
    return proctable.without_helpers(proctable.parse_probe_output(result.output))


def from_host(container_id: str, init_host_pid: int) -> tuple[Process, ...]:
    """The host-side snapshot, as Box.host_processes takes it."""
    return proctable.without_helpers(proctable.read_host(container_id, init_host_pid))


def _measure(engine: Engine, container_id: str, init_host_pid: int) -> list[Figure]:
    def raw_inside() -> None:
        done = engine.exec_run(container_id, ["python3", "-c", RAW_READ], environment=ENVIRONMENT)
        assert done.exit_code == 0, done.output

    # The container's processes in host PIDs, found once: the host floor reads only them.
    members = _host_pids(container_id)
    assert len(members) > ZOMBIES, f"the host sees {len(members)} processes"

    def raw_host() -> None:
        os.listdir("/proc")  # as a read of /proc/*/stat lists it
        for pid in members:
            try:
                fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
            except OSError:
                continue
            os.read(fd, 4096)
            os.close(fd)

    def check(table: tuple[Process, ...]) -> None:
        assert len(proctable.zombies(table)) == ZOMBIES, f"{len(table)} processes read"

    check(inside(engine, container_id))
    check(from_host(container_id, init_host_pid))
    check(proctable.without_helpers(proctable.read_host(container_id)))

    in_floor, in_samples = _alternating(raw_inside, lambda: inside(engine, container_id))
    host_floor, host_samples = _alternating(
        raw_host, lambda: from_host(container_id, init_host_pid)
    )
    cgroup_floor, cgroup_samples = _alternating(
        raw_host, lambda: proctable.without_helpers(proctable.read_host(container_id))
    )
    peaks = tuple(_controller_peak_mb(container_id, init_host_pid) for _ in range(MEMORY_ROUNDS))
    of = f"{ZOMBIES:,} zombies"
    return [
        Figure(
            f"snapshot of {of}, in the container (docker exec probe.py)",
            in_samples,
            floor=statistics.median(in_floor),
            floor_what="docker exec python3 -c reading every /proc/<pid>/stat raw, in the "
            "probe's environment (the exec and python's start-up are in both)",
            goal=GOAL,
        ),
        Figure(
            f"snapshot of {of}, from the host (read_host)",
            host_samples,
            floor=statistics.median(host_floor),
            floor_what="listing the host's /proc and reading the same processes' "
            "/proc/<pid>/stat raw, from the host",
            goal=GOAL,
        ),
        Figure(
            "  the same by cgroup (the route without root)",
            cgroup_samples,
            floor=statistics.median(cgroup_floor),
            floor_what="listing the host's /proc and reading the same processes' "
            "/proc/<pid>/stat raw, from the host",
            # No goal: it reads every host process's cgroup file, and each member's status
            # and stat. The route without root (README); measured so its cost is known.
        ),
        Figure(
            "peak memory of a controller taking both snapshots",
            peaks,
            unit="MB",
            goal=MEMORY_GOAL_MB,
        ),
    ]


def _host_pids(container_id: str) -> list[int]:
    """The host PIDs whose cgroup names the container."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if container_id in Path(f"/proc/{entry}/cgroup").read_text():
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _alternating(
    floor: Callable[[], object], action: Callable[[], object]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Wall times of `floor` and `action`, ROUNDS each, one right after the other (after
    one unmeasured run of each): a shared machine's load then weighs on both alike."""
    floor()
    action()
    floors: list[float] = []
    actions: list[float] = []
    for _ in range(ROUNDS):
        for step, samples in ((floor, floors), (action, actions)):
            start = time.perf_counter()
            step()
            samples.append(time.perf_counter() - start)
    return tuple(floors), tuple(actions)


def _controller_peak_mb(container_id: str, init_host_pid: int) -> float:
    """ru_maxrss of a fresh Python process that takes both snapshots, in MB."""
    child = subprocess.Popen(
        [sys.executable, __file__, CONTROLLER, container_id, str(init_host_pid)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert child.stdout is not None
    output = child.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if child.returncode != 0:
        raise ScenarioError(f"the controller process failed: {output.strip()[-300:]}")
    counts = json.loads(output)
    assert counts == [ZOMBIES, ZOMBIES], counts  # it did read all of them, twice
    return usage.ru_maxrss / 1024  # kilobytes on Linux


def _controller(container_id: str, init_host_pid: int) -> None:
    """The process _controller_peak_mb measures: a controller's imports, both snapshots."""
    engine = Engine.connect()
    tables = (inside(engine, container_id), from_host(container_id, init_host_pid))
    print(json.dumps([len(proctable.zombies(t)) for t in tables]))


def main() -> int:
    if sys.argv[1:2] == [CONTROLLER]:
        _controller(sys.argv[2], int(sys.argv[3]))
        return 0
    return run("snapshots", measure)


if __name__ == "__main__":
    sys.exit(main())
