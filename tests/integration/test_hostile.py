"""Hostile scripts, brought as your own: each is run, then the host is checked.

A fork bomb stops at the pids limit, a memory hog is killed by the memory limit and
reported as OOM, the network cannot be reached, nothing outside the tmpfs can be written;
and none of them leaves a container (the `no_leftovers` fixture) or a process on the host.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest
from conftest import run_own_script

pytestmark = [pytest.mark.hostile, pytest.mark.usefixtures("image_ref", "no_leftovers")]

FORK_BOMB = """\
#!/bin/sh
# The classic: a function that pipes into itself, in the background, for ever.
bomb() { bomb | bomb & }
bomb
"""

FORK_UNTIL_REFUSED = """\
import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(3)
            os._exit(0)
        children += 1
except OSError as exc:
    print("fork refused after", children, "children:", exc.strerror, flush=True)
"""

MEMORY_HOG = """\
chunks = []
while True:
    chunks.append(bytearray(16 << 20))  # 16 MiB at a time, touched: for ever
"""

NETWORK = """\
import socket
for address in [("1.1.1.1", 53), ("deb.debian.org", 80)]:
    try:
        socket.create_connection(address, timeout=3).close()
        print("reached", address, flush=True)
    except OSError as exc:
        print("no way to", address, "-", type(exc).__name__, exc.errno, flush=True)
"""

WRITES = """\
#!/bin/sh
for target in /etc/owned /usr/bin/owned /opt/sandbox/owned /root/test-owned; do
  if { echo owned > "$target"; } 2>/dev/null
  then echo "wrote $target"
  else echo "refused $target"
  fi
done
"""


def host_processes_running(name: str) -> list[int]:
    """PIDs of host processes whose command line mentions `name` (the script's file name)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if any(name in part for part in cmdline) and process.pid != os.getpid():
            found.append(process.pid)
    return found


def script(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_fork_bomb_stops_at_the_pids_limit_and_leaves_nothing(tmp_path: Path) -> None:
    bomb = script(tmp_path, "bomb.sh", FORK_BOMB)
    done, result = run_own_script(bomb, "--init", "tini", "--pids-limit", "64")
    # dash gives up where fork fails ("Cannot fork"): refused at the limit, the bomb burns out.
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Cannot fork" in result["transcript"]
    assert result["facts"]["forks_refused"] > 0
    assert result["facts"]["left_running"] == 0
    assert host_processes_running("bomb.sh") == []


def test_fork_is_refused_at_the_limit(tmp_path: Path) -> None:
    forker = script(tmp_path, "forker.py", FORK_UNTIL_REFUSED)
    done, result = run_own_script(forker, "--init", "tini", "--pids-limit", "48")
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(x for x in result["transcript"].splitlines() if x.startswith("fork refused"))
    children = int(line.split()[3])
    assert 30 <= children < 48 and line.endswith("Resource temporarily unavailable"), line
    assert result["facts"]["forks_refused"] >= 1
    assert host_processes_running("forker.py") == []


def test_a_memory_hog_is_killed_and_reported_as_oom(tmp_path: Path) -> None:
    hog = script(tmp_path, "hog.py", MEMORY_HOG)
    done, result = run_own_script(hog, "--init", "tini", "--memory", "96m")
    assert done.returncode == 0, done.stdout + done.stderr
    assert result["exit_code"] == 137  # SIGKILL, from the OOM killer
    assert result["facts"]["oom_kills"] >= 1
    assert "the kernel's OOM killer ended" in result["transcript"]
    assert host_processes_running("hog.py") == []


def test_the_network_cannot_be_reached(tmp_path: Path) -> None:
    probe = script(tmp_path, "net.py", NETWORK)
    done, result = run_own_script(probe, "--init", "noreap")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [x for x in result["transcript"].splitlines() if x.startswith(("reached", "no way"))]
    assert lines == [
        "no way to ('1.1.1.1', 53) - OSError 101",  # ENETUNREACH: no route, no interface
        "no way to ('deb.debian.org', 80) - gaierror -3",  # no name server either
    ]


def test_nothing_outside_the_tmpfs_can_be_written(tmp_path: Path) -> None:
    writer = script(tmp_path, "writer.sh", WRITES)
    done, result = run_own_script(writer, "--init", "noreap")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [x for x in result["transcript"].splitlines() if x.startswith(("wrote", "refused"))]
    assert lines == [
        "refused /etc/owned",
        "refused /usr/bin/owned",
        "refused /opt/sandbox/owned",
        "wrote /root/test-owned",  # the tmpfs: thrown away with the container
    ]
