"""The probe: /proc read directly, as `ps` shows it, and as psutil described it before.

tests/data/proc is a procfs recorded on Linux 6.x: each `stat` is a real one, of processes
that gave themselves awkward names (`/proc/self/comm`), a zombie and a kernel thread; 29236
was listed but gone before its stat was read (only its cmdline is left).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from sandbox import probe
from sandbox.waiting import wait_until

PROC = Path(__file__).parent.parent / "data" / "proc"


def stat(pid: int) -> bytes:
    return (PROC / str(pid) / "stat").read_bytes()


@pytest.mark.parametrize(
    ("pid", "name", "state", "ppid"),
    [
        (29230, "x) Z 1 (y", "R", 29189),  # a name that looks like the fields after it
        (29231, "two words", "R", 29189),
        (29232, "new\nline", "R", 29189),
        (29233, "caf\udce9", "S", 29189),  # not UTF-8: kept as psutil kept it
        (29234, ")", "S", 29189),
        (29235, "((", "R", 29189),
        (29237, "python3", "Z", 29189),
        (2, "kthreadd", "S", 0),
    ],
)
def test_stat_lines_with_odd_names(pid: int, name: str, state: str, ppid: int) -> None:
    assert probe.parse_stat(stat(pid)) == (name, state, ppid)


@pytest.mark.parametrize("data", [b"", b"12 python3 S 1", b"12 (python3)", b"12 (x) S"])
def test_what_is_no_stat_line_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a stat line"):
        probe.parse_stat(data)


@pytest.mark.parametrize(
    ("data", "arguments"),
    [
        (b"python3\x00test.py\x00", ["python3", "test.py"]),
        (b"python3\x00\x00", ["python3", ""]),  # an empty argument stays one
        (b"nginx: worker process", ["nginx:", "worker", "process"]),  # setproctitle
        (b"nginx: master\x00", ["nginx:", "master"]),  # rewritten, NUL at the end only
        (b"", []),
    ],
)
def test_command_lines_split_as_psutil_split_them(data: bytes, arguments: list[str]) -> None:
    assert probe.parse_cmdline(data) == arguments


def test_command_column_like_ps() -> None:
    assert probe.ps_command("python3", ["python3", "test.py"], "S") == "python3 test.py"
    assert probe.ps_command("python3", None, "Z") == "[python3] <defunct>"
    assert probe.ps_command("python3", ["python3"], "Z") == "[python3] <defunct>"
    assert probe.ps_command("kworker/0:1", [], "I") == "[kworker/0:1]"


def test_a_recorded_procfs_is_read_as_ps_shows_it() -> None:
    assert probe.read_table(str(PROC)) == [
        (2, 0, "S", "[kthreadd]"),
        (29230, 29189, "R", "python3 -c import time; time.sleep(30)"),
        (29231, 29189, "R", "[two words]"),
        (29232, 29189, "R", "sleep 30"),
        (29233, 29189, "S", "[caf\udce9]"),
        (29234, 29189, "S", "nginx: worker process"),
        (29235, 29189, "R", "./(( --flag"),
        # 29236 vanished; the zombie has no cmdline file here: it is not read
        (29237, 29189, "Z", "[python3] <defunct>"),
    ]
    assert [row[0] for row in probe.read_table(str(PROC), exclude=frozenset({2, 29237}))] == [
        29230,
        29231,
        29232,
        29233,
        29234,
        29235,
    ]


def test_a_command_line_longer_than_one_read(tmp_path: Path) -> None:
    shutil.copytree(PROC / "29230", tmp_path / "29230")
    long = [f"argument-{n:07d}" for n in range(20_000)]  # 360 kB: several reads
    (tmp_path / "29230" / "cmdline").write_bytes(b"".join(a.encode() + b"\0" for a in long))
    assert probe.read_table(str(tmp_path)) == [(29230, 29189, "R", " ".join(long))]


def test_an_unreadable_procfs_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        probe.read_table(str(tmp_path / "missing"))


# -- the same as psutil, on this machine's own processes -----------------------------------


def psutil_row(pid: int) -> tuple[int, int, str, str]:
    """What the psutil probe printed for `pid` (its describe(), kept here as the reference)."""
    proc = psutil.Process(pid)
    with proc.oneshot():
        letters = {psutil.STATUS_ZOMBIE: "Z", psutil.STATUS_SLEEPING: "S"}
        letters[psutil.STATUS_RUNNING] = "R"
        state = letters.get(proc.status(), "?")
        try:
            cmdline: list[str] | None = proc.cmdline()
        except (psutil.ZombieProcess, psutil.AccessDenied):
            cmdline = None
        return pid, proc.ppid(), state, probe.ps_command(proc.name(), cmdline, state)


CHILD = """\
import os, sys, time
with open("/proc/self/comm", "wb") as comm:
    comm.write(sys.argv[1].encode("utf-8", "surrogateescape"))
print("named", flush=True)
if sys.argv[2] == "exit":
    os._exit(0)
time.sleep(60)
"""


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes with awkward names, asleep or zombies (not reaped until the test ends)."""
    started: list[subprocess.Popen[str]] = []
    for name, then in [
        ("x) Z 1 (y", "sleep"),
        ("two words", "sleep"),
        ("fifteen-chars-x", "exit"),  # a name cut at 15 bytes, a zombie
        ("caf\udce9", "exit"),
        ("python3", "exit"),
    ]:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, name, then], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdout.readline() == "named\n"
        started.append(child)
    yield started
    for child in started:
        child.send_signal(signal.SIGKILL)
        child.wait()


def test_rows_are_the_ones_psutil_gave(children: list[subprocess.Popen[str]]) -> None:
    pids = [child.pid for child in children]
    # The three that exit: zombies, since nothing waits for them yet.
    wait_until(
        lambda: [psutil.Process(pid).status() for pid in pids[2:]],
        lambda states: all(s == psutil.STATUS_ZOMBIE for s in states),
        timeout_s=10,
        what="three zombies",
    )
    proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        rows = [probe.read_process(proc, pid) for pid in pids]
    finally:
        os.close(proc)
    assert rows == [psutil_row(pid) for pid in pids]
    assert [row[3] for row in rows if row is not None] == [
        f"{sys.executable} -c {CHILD} x) Z 1 (y sleep",
        f"{sys.executable} -c {CHILD} two words sleep",
        "[fifteen-chars-x] <defunct>",
        "[caf\udce9] <defunct>",
        "[python3] <defunct>",
    ]


def test_a_process_gone_is_none() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its PID names nothing now
    proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert probe.read_process(proc, child.pid) is None
    finally:
        os.close(proc)


def test_probe_script_prints_this_machine_table_without_itself() -> None:
    probe_run = subprocess.Popen(
        [sys.executable, probe.__file__], stdout=subprocess.PIPE, text=True
    )
    out, _ = probe_run.communicate(timeout=30)
    rows = {pid: (ppid, state, cmd) for pid, ppid, state, cmd in json.loads(out)}
    assert os.getpid() in rows  # the test process is there...
    ppid, state, cmd = rows[os.getpid()]
    assert ppid == os.getppid() and state in {"R", "S"}
    assert cmd == " ".join(psutil.Process().cmdline())
    assert probe_run.pid not in rows  # ...the probe is not
