"""What the suite does without root: the host's view of a container, and the engine's socket.

The host-side view (sandbox.proctable.read_host) reads the container's own procfs through
/proc/<PID 1>/root where it may (root); otherwise it finds a container's processes by its
ID in /proc/<pid>/cgroup and maps them with the NSpid line of /proc/<pid>/status: both are
readable by any user, where /proc/<pid>/root and /proc/<pid>/ns/pid are not. Run as root,
the tests read as an unprivileged user too (uid 65534, no groups, in a child process) and
compare the two routes; run as a user in the docker group (CI on GitHub), they are that
user already.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import UNPRIVILEGED, rows, run_reads, unprivileged_python

from sandbox import provision
from sandbox.engine import Engine
from sandbox.lab import Lab
from sandbox.model import Process
from sandbox.proctable import compare, read_host, zombies

ROOT = os.geteuid() == 0
NOBODY = 65534
# A parent that never waits, with a child that exits at once (its zombie) and a grandchild
# that outlives that child and then exits (handed to PID 1, which under noreap never
# reaps it: a zombie with PPID 1).
ZOMBIES = """\
import os, time
if os.fork() == 0:
    if os.fork() == 0:
        time.sleep(0.2)
        os._exit(0)
    os._exit(0)
print("forked", flush=True)
time.sleep(1000)
"""
# Who the reader is, whether the root-only routes (ns/pid, root) are shut to it, and the
# container's table as read_host gives it.
READER = """\
import json
from sandbox import proctable
drop()
container, init_pid = sys.argv[1], int(sys.argv[2])
try:
    os.readlink(f"/proc/{init_pid}/ns/pid")
    ns_pid = "readable"
except PermissionError:
    ns_pid = "denied"
try:
    os.listdir(f"/proc/{init_pid}/root/proc")
    root = "readable"
except PermissionError:
    root = "denied"
json.dump({
    "ids": [os.getresuid(), os.getresgid(), os.getgroups()],
    "sees": proctable.host_can_see(container, init_pid),
    "ns_pid": ns_pid,
    "root": root,
    "table": [[p.pid, p.ppid, p.state, p.cmd] for p in proctable.read_host(container, init_pid)],
}, sys.stdout)
"""
# The CLI's `engine` command.
CLI = """\
from sandbox import cli
drop()
sys.exit(cli.main(sys.argv[1:]))
"""


def read_unprivileged(container_id: str, init_host_pid: int) -> dict[str, Any]:
    """READER's answer: as uid 65534 without groups when we are root, else as ourselves."""
    done = unprivileged_python(READER, container_id, str(init_host_pid))
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    answer["table"] = tuple(Process(*row) for row in answer["table"])
    return answer


@pytest.mark.usefixtures("no_leftovers")
def test_the_host_view_needs_no_root(tmp_path: Path, engine: Engine, image_ref: str) -> None:
    (tmp_path / "zombies.py").write_text(ZOMBIES)
    seen: dict[str, Any] = {}

    def drive(lab: Lab) -> None:
        with lab.box() as box:
            box.start("python3 zombies.py").wait_for_output("forked")
            box.wait_for("two zombies", lambda t: t if len(zombies(t)) == 2 else None)
            seen["inside"] = box.processes()
            seen["unprivileged"] = read_unprivileged(box.container_id, box.init_host_pid)
            seen["root"] = read_host(box.container_id, box.init_host_pid) if ROOT else None
            lab.check("read", True, "the three views were read")

    run_reads(
        engine,
        image_ref,
        tmp_path,
        drive,
        name="unprivileged",
        summary="reads the host's view as an unprivileged user",
        timeout_s=60,
    )

    answer = seen["unprivileged"]
    uids, gids, groups = answer["ids"]
    assert uids == [UNPRIVILEGED] * 3 and UNPRIVILEGED != 0
    if ROOT:
        assert (gids, groups) == ([NOBODY] * 3, [])
    assert answer["ns_pid"] == answer["root"] == "denied"  # the root-only routes are shut...
    assert answer["sees"] is True  # ...and the cgroup route is open

    inside: tuple[Process, ...] = seen["inside"]
    theirs: tuple[Process, ...] = answer["table"]
    # In the container's PIDs: PID 1, the shell docker exec started (PPID 0), the parent,
    # its zombie child, and the grandchild's zombie, adopted by PID 1.
    parent = next(p for p in inside if p.cmd == "python3 zombies.py")
    assert {(z.ppid, z.cmd) for z in zombies(inside)} == {
        (parent.pid, "[python3] <defunct>"),
        (1, "[python3] <defunct>"),
    }
    assert rows(theirs) == rows(inside), compare(inside, theirs)
    assert zombies(theirs) == zombies(inside)
    assert compare(inside, theirs) == []  # states too: zombie, stopped, or alive
    if ROOT:
        ours: tuple[Process, ...] = seen["root"]
        assert rows(theirs) == rows(ours)
        assert zombies(theirs) == zombies(ours)
        assert compare(ours, theirs) == []


@pytest.mark.parametrize("command", [["engine"], ["run", "zombie"]])
def test_a_user_outside_the_docker_group_is_told_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)  # a remote engine's socket is not ours
    if ROOT:  # the real socket, as uid 65534 without groups: the CLI's one line
        if not provision.DOCKER_SOCKET.exists():
            pytest.skip(f"no {provision.DOCKER_SOCKET} on this machine")
        done = unprivileged_python(CLI, *command)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        line = done.stderr
    else:  # a socket of our own we may not use
        socket = tmp_path / "docker.sock"
        socket.touch(mode=0o000)
        refused = provision.socket_refused(socket)
        assert refused is not None
        line = str(refused)
    assert "but user " in line and " may not use it (only root and the group " in line
    assert "sudo usermod -aG " in line
