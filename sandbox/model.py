"""What crosses the controller's boundaries: process records, snapshots, checks, run results.

All frozen; `RunResult.to_dict()` is the stable result contract written as result.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Process:
    """One row of a container's process table, PIDs as seen inside the container."""

    pid: int
    ppid: int
    state: str  # the `ps` STAT letter: R, S, D, Z, T, ...
    cmd: str  # as `ps` shows it: the command line, or `[name] <defunct>` for a zombie


@dataclass(frozen=True)
class Snapshot:
    """The container at one moment: what a learner's commands printed, and the table."""

    label: str
    transcript: str  # verbatim: each command after a `$ ` prompt, then its output
    processes: tuple[Process, ...]  # read from /proc inside the container (probe.py)
    # The same table read from the host's /proc (found by cgroup, mapped by NSpid);
    # None where the engine runs on another kernel.
    host_processes: tuple[Process, ...] | None = None
    at_s: float = 0.0  # seconds since the run started
    container: int = 1  # which of the run's containers: 1 for the first box opened, 2, ...


@dataclass(frozen=True)
class Sample:
    """The process table's size at one moment of a run (for plots of counts over time)."""

    at_s: float  # seconds since the run started
    processes: int
    zombies: int


@dataclass(frozen=True)
class ProcessEvent:
    """One fork, exec, exit or reap of a container's process, as the kernel reported it
    (sandbox/recorder.py). PIDs as seen inside the container; 0 where unknown."""

    at_s: float  # seconds since the run started (the kernel's own clock for fork/exec/exit)
    kind: str  # "fork", "exec", "exit", "reap"
    pid: int
    ppid: int  # its parent at that moment (0: outside the container, or unknown)
    host_pid: int
    # exec: the command line; exit: "exit N" or "killed by SIGNAME"; reap: "orphan" where
    # the adopter (PID 1, or a child subreaper) reaped it, its parent having died first.
    detail: str = ""
    container: int = 1  # which of the run's containers (Snapshot.container)


@dataclass(frozen=True)
class Expectation:
    """A claim a scenario makes, and whether it should hold under each PID 1 mode."""

    name: str
    claim: str
    holds_under: dict[str, bool] = field(hash=False)


@dataclass(frozen=True)
class CheckResult:
    """A claim checked against one run: what was observed, what was expected."""

    name: str
    ok: bool  # observed == expected
    detail: str
    claim: str = ""
    observed: bool | None = None  # None: the run never got as far as observing it
    expected: bool = True


@dataclass(frozen=True)
class RunResult:
    """One scenario under one PID 1 mode, start to finish."""

    scenario: str
    init: str
    ok: bool
    checks: tuple[CheckResult, ...]
    snapshots: tuple[Snapshot, ...]
    exit_code: int | None  # the scenario script's own exit status, as its shell saw it
    duration_s: float
    transcript: str  # the whole session as a learner's terminal would show it
    error: str | None = None  # why the run stopped early, if it did
    host_view: str = ""  # how the host-side cross-check went, or why there was none
    image: str = ""
    python: str = ""  # the image's Python version (3.11, 3.13, 3.14)
    # Figures the run measured, by name (e.g. "oversold": 7, "forks_before_eagain": 31).
    facts: dict[str, int | float | str] = field(default_factory=dict, hash=False)
    timeline: tuple[Sample, ...] = ()  # sampled counts, where the scenario watched them
    # Why the scenario cannot run under this PID 1 mode; such a result has no checks.
    not_applicable: str = ""
    # Every fork, exec, exit and reap of the run's processes (sandbox/recorder.py), and how
    # they were recorded, or why they were not (the timeline is then sampled only).
    events: tuple[ProcessEvent, ...] = ()
    recorder: str = ""
    containers: int = 0  # how many containers the run opened (the floor of `make bench`)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
