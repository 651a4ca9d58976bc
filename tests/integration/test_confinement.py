"""Every box is confined (sandbox/confine.py): what `docker inspect` says, and what a process
inside it can and cannot do, on the real engine."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from sandbox import confine
from sandbox.confine import DEFAULT_LIMITS, Confinement, Limits
from sandbox.engine import LABEL, Engine
from sandbox.errors import EngineUnavailable
from sandbox.inits import get_init
from sandbox.lab import HELPER_DIR, Box, Lab
from sandbox.runner import WATCHDOG_GRACE_S, run_scenario
from sandbox.scenario import Scenario

pytestmark = pytest.mark.usefixtures("image_ref", "no_leftovers")

FILES = {"script.py": b"print('hello')\n", "db.txt": b'{"count":1}'}


def lab(engine: Engine, image_ref: str, limits: Limits = DEFAULT_LIMITS) -> Lab:
    labels = {LABEL: "1", f"{LABEL}.run": uuid.uuid4().hex[:12]}
    return Lab(
        engine,
        image_ref,
        get_init("tini"),
        FILES,
        labels=labels,
        bound_s=60,
        limits=limits,
        writes=("db.txt",),
    )


def sh(box: Box, script: str) -> tuple[int, str]:
    done = box.run(["sh", "-c", script])
    return done.exit_code, done.output


def test_docker_inspect_shows_the_confinement(engine: Engine, image_ref: str) -> None:
    with lab(engine, image_ref).box() as box:
        found = engine.confinement(box.container_id)
    host: dict[str, Any] = found["HostConfig"]
    assert host["NetworkMode"] == "none"
    assert host["CapDrop"] == ["ALL"]
    assert not host["CapAdd"]  # no scenario needs one back (confine.CAP_ADD is empty)
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["ReadonlyRootfs"] is True
    assert host["Tmpfs"] == dict(confine.TMPFS)
    assert all("size=" in options for options in host["Tmpfs"].values())
    assert host["Memory"] == host["MemorySwap"] == DEFAULT_LIMITS.memory  # no swap beyond
    assert host["PidsLimit"] == DEFAULT_LIMITS.pids
    mounts = {m["Destination"]: m for m in found["Mounts"]}
    assert set(mounts) == {
        "/root/script.py",
        "/root/db.txt",
        f"{HELPER_DIR}/probe.py",
        f"{HELPER_DIR}/python/sitecustomize.py",
        f"{HELPER_DIR}/jobs.py",
    }
    assert all(m["Type"] == "bind" for m in mounts.values())
    assert {name for name, m in mounts.items() if m["RW"]} == {"/root/db.txt"}  # writes=


def test_inside_only_the_tmpfs_and_the_written_file_can_be_written(
    engine: Engine, image_ref: str
) -> None:
    with lab(engine, image_ref).box() as box:
        code, output = sh(box, "touch /x")
        assert code != 0 and "Read-only file system" in output
        code, output = sh(box, "echo changed > /root/script.py")
        assert code != 0 and "Read-only file system" in output
        assert sh(box, "cat /root/script.py") == (0, "print('hello')\n")
        assert sh(box, "python3 script.py") == (0, "hello\n")  # the files are where they were
        for folder in ("/root", "/tmp", "/run"):
            assert sh(box, f"echo x > {folder}/new && cat {folder}/new") == (0, "x\n"), folder
        assert sh(box, "echo '{\"count\":0}' > db.txt && cat db.txt") == (0, '{"count":0}\n')
        # A file the scenario writes is read back once the box has ended (`docker cp`).
        box.lab.engine.stop(box.container_id, 1)
        assert box.copy_out("/root/db.txt") == b'{"count":0}\n'


def test_inside_there_is_no_network_and_no_capability(engine: Engine, image_ref: str) -> None:
    connect = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('10.0.0.1', 53), timeout=2)\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__, exc.errno)\n"
    )
    with lab(engine, image_ref).box() as box:
        assert sh(box, "cat /sys/class/net/*/operstate | wc -l") == (0, "1\n")  # lo only
        done = box.run(["python3", "-c", connect])
        assert done.output.strip() == "OSError 101", done.output  # ENETUNREACH
        status = sh(box, "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status")[1]
        assert status.split() == [
            "CapEff:",
            "0000000000000000",
            "CapBnd:",
            "0000000000000000",
            "NoNewPrivs:",
            "1",
        ]
        code, output = sh(box, "touch /root/mine && chown 1000 /root/mine")  # CAP_CHOWN
        assert code != 0 and "Operation not permitted" in output
        code, output = sh(box, "mknod /root/null c 1 3")  # CAP_MKNOD
        assert code != 0 and "Operation not permitted" in output


def test_the_memory_limit_holds(engine: Engine, image_ref: str) -> None:
    grab = "b = bytearray(200 * 1024 * 1024); print('got it')"  # 200 MiB, touched
    with lab(engine, image_ref, Limits(memory=64 << 20, pids=64)).box() as box:
        host = engine.confinement(box.container_id)["HostConfig"]
        assert (host["Memory"], host["MemorySwap"], host["PidsLimit"]) == (64 << 20, 64 << 20, 64)
        done = box.run(["python3", "-c", grab])
    assert done.exit_code == 137, done.output  # killed by the kernel's OOM killer (SIGKILL)
    assert "got it" not in done.output


def test_a_mount_the_engine_cannot_see_is_refused_in_one_line(
    engine: Engine, image_ref: str
) -> None:
    missing = f"/nonexistent-{uuid.uuid4().hex}"
    labels = {LABEL: "1", f"{LABEL}.run": uuid.uuid4().hex[:12]}
    confinement = Confinement(files={"/root/x.py": missing})
    with pytest.raises(EngineUnavailable) as raised:
        engine.create(image_ref, ["true"], labels, confinement=confinement)
    assert "cannot see this machine's files" in str(raised.value)
    assert "DOCKER_HOST" in str(raised.value) and "\n" not in str(raised.value)


LIMITS_SEEN = """\
#!/bin/sh
echo "pids.max $(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)"
echo "memory $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null \
  || cat /sys/fs/cgroup/memory.max)"
"""


def test_the_command_line_limits_reach_a_bring_your_own_run(tmp_path: Path) -> None:
    script = tmp_path / "limits.sh"
    script.write_text(LIMITS_SEEN)
    out = tmp_path / "out.json"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "sandbox", "run", str(script), "--init", "tini"),
            *("--memory", "96m", "--pids-limit", "77", "--json", str(out)),
            *("--results", str(tmp_path / "results")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    transcript = json.loads(out.read_text())["transcript"]
    assert "pids.max 77\n" in transcript
    assert f"memory {96 << 20}\n" in transcript


def test_every_run_ends_at_its_wall_clock_bound(engine: Engine, image_ref: str) -> None:
    def drive(lab: Lab) -> None:  # a typed command that never ends: no wait bounds it
        with lab.box() as box:
            box.type("sleep 600")

    stuck = Scenario(
        name="stuck",
        title="t",
        summary="s",
        explanation="e",
        expectations=(),
        drive=drive,
        timeout_s=1.0,
        directory=Path(__file__).parent,
        only=(Path(__file__).name,),
    )
    started = time.monotonic()
    result = run_scenario(engine, image_ref, stuck, get_init("tini"))
    took = time.monotonic() - started
    assert result.error is not None and "wall-clock bound (1 s, +5 s)" in result.error
    assert not result.ok
    assert 1.0 + WATCHDOG_GRACE_S <= took < 1.0 + WATCHDOG_GRACE_S + 10, took
