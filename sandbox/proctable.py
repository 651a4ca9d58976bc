"""Process tables: reading them (in the container, from the host) and parsing what `ps` prints.

The one module that reads process tables. Inside a container the table comes from
sandbox/probe.py (run there, reading /proc); from the host, read_host reads the
container's own procfs through /proc/<PID 1>/root where it may, and otherwise finds the
container's processes by the container ID in /proc/<pid>/cgroup (zombies included,
unlike `docker top`) and maps host PIDs to container PIDs with NSpid. Both describe a
process with probe.py's code.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sandbox import probe
from sandbox.errors import ScenarioError
from sandbox.model import Process

HELPER_MARK = "/opt/sandbox/"  # every command the controller itself runs has this in argv

# -- tables ------------------------------------------------------------------------------


def parse_probe_output(text: str) -> tuple[Process, ...]:
    """The table printed by probe.py inside a container: [pid, ppid, state, cmd] rows."""
    try:
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise TypeError("not a list")
        with _uncollected():
            table = (
                Process(int(pid), int(ppid), str(state), str(cmd)) for pid, ppid, state, cmd in rows
            )
            return tuple(sorted(table, key=lambda p: p.pid))
    except (ValueError, TypeError) as exc:
        raise ScenarioError(f"unreadable process table from the container: {text[:200]!r}") from exc


@contextlib.contextmanager
def _uncollected() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a table's rows hold no cycles, and the
    collections that 10,000 new rows set off cost ~5% of such a snapshot (measured).
    Only whoever paused it resumes it, so parallel parts leave it as it was."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def without_helpers(processes: Iterable[Process]) -> tuple[Process, ...]:
    """The table minus the controller's own commands (probe, captures) and their children."""
    table = list(processes)
    helpers = {p.pid for p in table if p.ppid == 0 and p.pid != 1 and HELPER_MARK in p.cmd}
    if not helpers:  # as from the host, mostly: two passes over 10,000 zombies saved
        return tuple(table)
    grew = True
    while grew:
        more = {p.pid for p in table if p.ppid in helpers and p.pid not in helpers}
        grew = bool(more)
        helpers |= more
    return tuple(p for p in table if p.pid not in helpers)


def zombies(processes: Iterable[Process]) -> tuple[Process, ...]:
    return tuple(p for p in processes if p.state == "Z")


def children_of(processes: Iterable[Process], ppid: int) -> tuple[Process, ...]:
    return tuple(p for p in processes if p.ppid == ppid)


def find(processes: Iterable[Process], pid: int) -> Process | None:
    return next((p for p in processes if p.pid == pid), None)


def format_table(processes: Iterable[Process]) -> str:
    """A table in the style of `ps -eo pid,ppid,stat,args`."""
    lines = [f"{'PID':>5} {'PPID':>5} STAT CMD"]
    lines += [f"{p.pid:>5} {p.ppid:>5} {p.state:<4} {p.cmd}" for p in processes]
    return "\n".join(lines)


# -- the host's view ---------------------------------------------------------------------


def host_can_see(container_id: str, init_host_pid: int) -> bool:
    """Whether this machine's /proc shows the container (the engine runs on this kernel)."""
    if init_host_pid <= 0:
        return False
    try:
        return container_id in Path(f"/proc/{init_host_pid}/cgroup").read_text()
    except OSError:
        return False


def read_host(container_id: str, init_host_pid: int = 0) -> tuple[Process, ...]:
    """The container's processes as the host's /proc shows them, in container PIDs.

    Two routes, chosen by what this user may read. Measured with 10,000 zombies in one
    container (benchmarks/snapshots.py), against a bare read of their /proc/<pid>/stat:

    - the container's own procfs, /proc/<PID 1's host pid>/root/proc: container PIDs and
      parents as they are, nothing else listed; 1.1-1.3x that bare read (psutil by
      cgroup, before: 15x). Only the processes' owner or root may open /proc/<pid>/root
      (a ptrace access check).
    - otherwise (a user in the docker group: CI), every host PID's /proc/<pid>/cgroup
      names its container, and /proc/<pid>/status maps host PIDs to container PIDs
      (NSpid): any user may read both. One read of every host process and three of each
      member (cgroup, status, stat): ~4x.

    Either way the table is read without the engine, the container's python or anything
    running inside, and the in-container probe (docker exec) is checked against it at
    every snapshot (the run's host-view-agrees). Through the procfs both read one procfs:
    what that check then holds is the probe, its exec, the container's python and the
    helper filtering; the cgroup route's PID mapping is held to the procfs route by the
    tests that read both (test_unprivileged, test_snapshots).
    """
    if init_host_pid > 0 and host_can_see(container_id, init_host_pid):
        try:
            with _uncollected():
                rows = probe.read_table(f"/proc/{init_host_pid}/root/proc")
                table = tuple(itertools.starmap(Process, rows))  # no frame per row
        except OSError:  # not root, or PID 1 is gone: the cgroup route answers either way
            pass
        else:
            if table and table[0].pid == 1:  # a procfs of the container's PID namespace
                return table
    return _read_by_cgroup(container_id)


def _read_by_cgroup(container_id: str) -> tuple[Process, ...]:
    """read_host's route for any user: every host process whose cgroup names the container."""
    mark = container_id.encode()
    rows: dict[int, tuple[int, probe.Row]] = {}  # host pid -> container pid, row in host PIDs
    proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for host_pid in sorted(int(entry) for entry in os.listdir(proc) if entry.isdigit()):
            try:
                if mark not in probe.read_file(f"{host_pid}/cgroup", proc):
                    continue
                pid = _namespace_pid(probe.read_file(f"{host_pid}/status", proc))
            except (OSError, ValueError):  # gone meanwhile, or not ours to read
                continue
            row = probe.read_process(proc, host_pid)
            if row is not None:
                rows[host_pid] = pid, row
    finally:
        os.close(proc)
    table = []
    for pid, (_, host_ppid, state, cmd) in rows.values():
        # A parent outside the container (the runtime, for `docker exec`) shows as 0.
        ppid = rows[host_ppid][0] if pid != 1 and host_ppid in rows else 0
        table.append(Process(pid, ppid, state, cmd))
    return tuple(sorted(table, key=lambda p: p.pid))


def _cgroup_folders(host_pid: int, controller: str) -> list[Path]:
    """Where host process `host_pid`'s cgroup of `controller` is: cgroup v1's folder of that
    controller first, then cgroup v2's unified one. (OSError, ValueError: unreadable.)"""
    folders: list[Path] = []
    for line in Path(f"/proc/{host_pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):  # cgroup v1
            folders.insert(0, Path("/sys/fs/cgroup") / controller / path.lstrip("/"))
        elif controllers == "":  # cgroup v2
            folders.append(Path("/sys/fs/cgroup") / path.lstrip("/"))
    return folders


def pids_usage(init_host_pid: int) -> tuple[int, int] | None:
    """(pids.current, pids.max) of the cgroup of host process `init_host_pid` (-1: no max).

    The kernel's own count of a container's processes, zombies included: what
    `--pids-limit` is checked against. None where this machine cannot read it.
    """
    try:
        for folder in _cgroup_folders(init_host_pid, "pids"):
            if (folder / "pids.current").is_file():
                current = int((folder / "pids.current").read_text())
                limit = (folder / "pids.max").read_text().strip()
                return current, int(limit) if limit.isdigit() else -1
    except (OSError, ValueError):
        return None
    return None


def _event_count(host_pid: int, controller: str, files: tuple[str, ...], key: str) -> int | None:
    """The count `key` of the first of `files` in host process `host_pid`'s cgroup of
    `controller` (e.g. `oom_kill 1` of memory.events). None where it cannot be read."""
    try:
        for folder in _cgroup_folders(host_pid, controller):
            for name in files:
                if (folder / name).is_file():
                    for line in (folder / name).read_text().splitlines():
                        found, _, value = line.partition(" ")
                        if found == key:
                            return int(value)
    except (OSError, ValueError):
        return None
    return None


def oom_kills(init_host_pid: int) -> int | None:
    """How many processes the kernel's OOM killer ended in the container of host process
    `init_host_pid`: memory.events (cgroup v2) or memory.oom_control (v1), `oom_kill`."""
    return _event_count(
        init_host_pid, "memory", ("memory.events", "memory.oom_control"), "oom_kill"
    )


def forks_refused(init_host_pid: int) -> int | None:
    """How many forks the container's pids limit refused (pids.events, `max`)."""
    return _event_count(init_host_pid, "pids", ("pids.events",), "max")


def namespace_pid(host_pid: int) -> int:
    """Host process `host_pid`'s PID in its own (the container's) PID namespace.
    (OSError, ValueError: it is gone.)"""
    return _namespace_pid(Path(f"/proc/{host_pid}/status").read_bytes())


def _namespace_pid(status: bytes) -> int:
    """The innermost PID of the `NSpid:` line of /proc/<pid>/status."""
    start = status.find(b"\nNSpid:")
    if start < 0:
        raise ValueError("no NSpid line")
    return int(status[start:].split(b"\n", 2)[1].split()[-1])


def compare(inside: Iterable[Process], host: Iterable[Process]) -> list[str]:
    """Differences between the two views of one moment, as sentences (empty: they agree)."""
    a = {p.pid: p for p in without_helpers(inside)}
    b = {p.pid: p for p in without_helpers(host)}
    problems = [f"pid {pid} only inside: {a[pid].cmd}" for pid in sorted(a.keys() - b.keys())]
    problems += [f"pid {pid} only on the host: {b[pid].cmd}" for pid in sorted(b.keys() - a.keys())]
    for pid in sorted(a.keys() & b.keys()):
        x, y = a[pid], b[pid]
        # Running or asleep is a matter of microseconds (a process woken between the two
        # reads): the views must agree on the parent, and on zombie, stopped or neither.
        if (x.ppid, _kind(x.state)) != (y.ppid, _kind(y.state)):
            problems.append(
                f"pid {pid}: inside ppid {x.ppid} {x.state}, host ppid {y.ppid} {y.state}"
            )
    return problems


def _kind(state: str) -> str:
    return state if state in ("Z", "T", "t", "X") else "alive"


# -- what `ps` and `top` print -----------------------------------------------------------


@dataclass(frozen=True)
class PsRow:
    """One line of `ps aux`."""

    user: str
    pid: int
    cpu: str
    mem: str
    vsz: int
    rss: int
    tty: str
    stat: str
    start: str
    time: str
    command: str

    @property
    def is_zombie(self) -> bool:
        return self.stat.startswith("Z")


PS_AUX_HEADER = re.compile(
    r"^\s*USER\s+PID\s+%CPU\s+%MEM\s+VSZ\s+RSS\s+TTY\s+STAT\s+START\s+TIME\s+COMMAND\s*$"
)


def parse_ps_aux(text: str) -> tuple[bool, tuple[PsRow, ...]]:
    """Whether `ps aux` output (possibly filtered by grep) has its header, and its rows.

    Lines that are not rows (a prompt, a blank line, a wrapped tail) are skipped.
    """
    header = False
    rows = []
    for line in text.splitlines():
        if PS_AUX_HEADER.match(line):
            header = True
            continue
        fields = line.split(None, 10)
        if len(fields) < 11 or not (
            fields[1].isdigit() and fields[4].isdigit() and fields[5].isdigit()
        ):
            continue
        rows.append(
            PsRow(
                user=fields[0],
                pid=int(fields[1]),
                cpu=fields[2],
                mem=fields[3],
                vsz=int(fields[4]),
                rss=int(fields[5]),
                tty=fields[6],
                stat=fields[7],
                start=fields[8],
                time=fields[9],
                command=fields[10],
            )
        )
    return header, tuple(rows)


PS_WCHAN = "ps -eo pid,ppid,stat,wchan:24,args"  # wchan: where in the kernel each one waits

# The same wait is named differently by other kernels (a function renamed or inlined, a
# compiler suffix like .isra.0): each is read as the name Linux 6.18 gives it, the kernel
# the golden transcripts were recorded on. Keyed by the name without its suffixes.
KERNEL_WAITS = {
    "futex_wait_queue": "futex_do_wait",  # lock.acquire(): a futex (6.x before 6.16)
    "futex_wait_queue_me": "futex_do_wait",  # (5.x)
    "futex_do_wait": "futex_do_wait",
    "pipe_read": "anon_pipe_read",  # q.get(): a pipe (before 6.16)
    "pipe_wait": "anon_pipe_read",  # (before 5.9)
    "anon_pipe_read": "anon_pipe_read",
    "do_nanosleep": "hrtimer_nanosleep",  # time.sleep()
    "hrtimer_nanosleep": "hrtimer_nanosleep",
    "__do_wait": "do_wait",  # join(), a shell's wait
    "kernel_wait4": "do_wait",
    "do_wait": "do_wait",
    "sigsuspend": "sigsuspend.isra.0",  # a shell waiting for its job
    "do_sigtimedwait": "do_sigtimedwait.isra.0",  # tini waiting for signals
    "do_sys_pause": "do_sys_pause",  # noreap's pause()
}
# A wchan after a `ps` STAT field, and the spaces that pad its column.
WCHAN_FIELD = re.compile(
    r"(?m)(?<=[\s])(?P<stat>[RSDZTIXW][sl+<NLn]*\s+)"
    r"(?P<wchan>[a-z_][a-z0-9_]*)(?P<suffix>(?:\.[a-z]+(?:\.\d+)?)*)(?P<pad> +)"
)


def wait_name(wchan: str) -> str:
    """The wchan `wchan` as the golden transcripts' kernel names it (unknown ones as they are)."""
    base = wchan.split(".", 1)[0]
    return KERNEL_WAITS.get(base, wchan)


def same_kernel_waits(text: str) -> str:
    """`ps` output with each known wchan renamed as wait_name() does, its column kept:
    a column of a fixed width (wchan:24) keeps its width, the name cut to fit as ps cuts."""

    def rename(field: re.Match[str]) -> str:
        if field["wchan"] not in KERNEL_WAITS:
            return field[0]
        width = len(field["wchan"]) + len(field["suffix"]) + len(field["pad"]) - 1
        name = wait_name(field["wchan"])[:width] if width > 0 else wait_name(field["wchan"])
        return f"{field['stat']}{name.ljust(width)} "

    return WCHAN_FIELD.sub(rename, text)


@dataclass(frozen=True)
class WaitRow:
    """One line of PS_WCHAN: a process and where in the kernel it waits."""

    pid: int
    ppid: int
    stat: str
    wchan: str  # e.g. hrtimer_nanosleep (time.sleep), futex_do_wait (a Lock), do_wait (join)
    args: str


def parse_ps_wchan(text: str) -> list[WaitRow]:
    """The rows of PS_WCHAN's output (its header and any other line skipped)."""
    rows = []
    for line in text.splitlines():
        fields = line.split(None, 4)
        if len(fields) == 5 and fields[0].isdigit() and fields[1].isdigit():
            pid, ppid, stat, wchan, args = fields
            rows.append(WaitRow(int(pid), int(ppid), stat, wait_name(wchan), args))
    return rows


@dataclass(frozen=True)
class TaskCounts:
    """The `Tasks:` line of `top`."""

    total: int
    running: int
    sleeping: int
    stopped: int
    zombie: int


# procps 4.0.7 (Debian sid, the Python 3.14 image) says `5 sleep, 0 d-sleep,` where
# earlier versions say `5 sleeping,`; the uninterruptible ones are left out of the count.
TASKS_LINE = re.compile(
    r"Tasks:\s*(\d+)\s+total,\s*(\d+)\s+running,\s*(\d+)\s+sleep(?:ing)?,"
    r"(?:\s*\d+\s+d-sleep,)?\s*(\d+)\s+stopped,\s*(\d+)\s+zombie"
)


def parse_top_tasks(text: str) -> TaskCounts | None:
    """The counts of `top -bn1`'s `Tasks:` line, or None when there is none."""
    match = TASKS_LINE.search(text)
    if match is None:
        return None
    return TaskCounts(*(int(n) for n in match.groups()))
