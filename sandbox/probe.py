"""Read a process table with psutil, as `ps` would show it.

This file runs in two places. Inside each sandbox container it is mounted at
/opt/sandbox/probe.py and run as a script (Debian's python3 + python3-psutil), printing
the container's table as JSON; on the host, sandbox.proctable imports it so that both
views describe processes the same way. Standard library and psutil only, for that reason.
"""

from __future__ import annotations

import json
import os
import sys

import psutil

# psutil's status names -> the STAT letter `ps` prints.
STATE_LETTERS = {
    psutil.STATUS_RUNNING: "R",
    psutil.STATUS_SLEEPING: "S",
    psutil.STATUS_DISK_SLEEP: "D",
    psutil.STATUS_STOPPED: "T",
    psutil.STATUS_TRACING_STOP: "t",
    psutil.STATUS_ZOMBIE: "Z",
    psutil.STATUS_DEAD: "X",
    psutil.STATUS_IDLE: "I",
    psutil.STATUS_WAKING: "W",
    psutil.STATUS_PARKED: "P",
}


def ps_command(name: str, cmdline: list[str] | None, state: str) -> str:
    """The COMMAND column of `ps aux`: the command line, `[name] <defunct>` for a zombie."""
    if state == "Z":
        return f"[{name}] <defunct>"
    if cmdline:
        return " ".join(cmdline)
    return f"[{name}]"


def describe(proc: psutil.Process) -> dict[str, object] | None:
    """pid, ppid, state and cmd of one process; None when it vanished meanwhile."""
    try:
        with proc.oneshot():
            state = STATE_LETTERS.get(proc.status(), "?")
            try:
                cmdline: list[str] | None = proc.cmdline()
            except (psutil.ZombieProcess, psutil.AccessDenied):
                cmdline = None
            return {
                "pid": proc.pid,
                "ppid": proc.ppid(),
                "state": state,
                "cmd": ps_command(proc.name(), cmdline, state),
            }
    except psutil.NoSuchProcess:  # it exited (or was reaped) while we looked
        return None


def read_table(exclude: frozenset[int] = frozenset()) -> list[dict[str, object]]:
    """Every process this /proc shows, but those in `exclude`, sorted by pid."""
    rows = []
    for pid in psutil.pids():
        if pid in exclude:
            continue
        try:
            row = describe(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
        if row is not None:
            rows.append(row)
    return rows


if __name__ == "__main__":
    json.dump(read_table(exclude=frozenset({os.getpid()})), sys.stdout)
    sys.stdout.write("\n")
