"""Nothing left behind, faults survived (issue 6): a controller killed with SIGKILL, the
engine lost mid-run, a full disk, two controllers at once. Each against the real engine."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import sandbox_cli as sandbox

from sandbox.engine import Engine
from sandbox.leftovers import CONTROLLER_LABEL, Controller, here
from sandbox.waiting import wait_until

pytestmark = pytest.mark.fault

SLEEPER = "import time\nprint('sleeping', flush=True)\ntime.sleep(1000)\n"
NEVER = (
    "from pathlib import Path\n"
    "from sandbox.scenario import Scenario, everywhere, expect\n"
    "from sandbox.proctable import zombies\n"
    "from sandbox.waiting import wait_until\n\n"
    "def drive(lab):\n"
    "    with lab.box() as box:\n"
    "        box.start('python3 sleeper.py').wait_for_output('sleeping')\n"
    "        box.capture('asleep', 'ps -ef')\n"
    "        Path(__file__).parents[2].joinpath('captured').touch()  # for the test\n"
    "        # Read inside the container, through the engine, each time: as on a remote\n"
    "        # engine. (box.wait_for reads the host's /proc here, and would not notice.)\n"
    "        wait_until(box.processes, zombies, timeout_s=120, what='a zombie')\n\n"
    "SCENARIO = Scenario(name='never', title='t', summary='s', explanation='e', drive=drive,\n"
    "    expectations=(expect('never', 'c', **everywhere()),), timeout_s=150)\n"
)


def never_scenario(tmp_path: Path) -> Path:
    """A scenarios folder with `never`: it starts a sleeper, takes a snapshot, then waits
    for a zombie that never comes (a sign in `tmp_path` says when the snapshot is taken)."""
    folder = tmp_path / "scenarios" / "never"
    folder.mkdir(parents=True)
    (folder / "sleeper.py").write_text(SLEEPER)
    (folder / "scenario.py").write_text(NEVER)
    return tmp_path / "scenarios"


def controller(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def containers_of(engine: Engine, pid: int) -> set[str]:
    """The project's containers whose controller label names process `pid` of this host."""
    found = set()
    for container_id, labels in engine.labelled_containers().items():
        owner = Controller.parse(labels.get(CONTROLLER_LABEL, ""))
        if owner is not None and owner.host == here() and owner.pid == pid:
            found.add(container_id)
    return found


def wait_for_container(engine: Engine, proc: subprocess.Popen[str]) -> set[str]:
    return wait_until(
        lambda: containers_of(engine, proc.pid),
        lambda found: bool(found) or proc.poll() is not None,
        timeout_s=60,
        what=f"controller {proc.pid}'s container to exist",
    )


@contextlib.contextmanager
def ended(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_a_controller_killed_mid_run_is_cleaned_up_by_the_next(
    tmp_path: Path, engine: Engine, image_ref: str
) -> None:
    scenarios = never_scenario(tmp_path)
    killed = controller(
        "run", "never", "--init", "noreap", "--scenarios", str(scenarios),
        "--results", str(tmp_path / "r"),
    )  # fmt: skip
    with ended(killed):
        left = wait_for_container(engine, killed)
        assert left, killed.communicate()
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)
    assert containers_of(engine, killed.pid) == left  # SIGKILL: no cleanup ran

    after = sandbox("run", "zombie", "--init", "tini", "--results", str(tmp_path / "r2"))

    assert after.returncode == 0, after.stdout + after.stderr
    assert re.search(
        rf"^sandbox: removed \d+ containers? left by (a controller that|controllers that) died "
        rf"\(pid (\d+, )*{killed.pid}(, \d+)*\)$",
        after.stderr,
        re.MULTILINE,
    ), after.stderr
    assert not containers_of(engine, killed.pid)
    assert not set(engine.labelled_containers()) & left
    (result,) = (tmp_path / "r2").glob("*/result.json")
    assert json.loads(result.read_text())["ok"] is True


def test_gc_removes_a_dead_controllers_container_and_keeps_a_live_ones(
    tmp_path: Path, engine: Engine, image_ref: str
) -> None:
    scenarios = never_scenario(tmp_path)
    common = ["run", "never", "--init", "noreap", "--scenarios", str(scenarios)]
    killed = controller(*common, "--results", str(tmp_path / "r1"))
    alive = controller(*common, "--results", str(tmp_path / "r2"))
    with ended(killed), ended(alive):
        dead_ones = wait_for_container(engine, killed)
        live_ones = wait_for_container(engine, alive)
        assert dead_ones and live_ones
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)

        swept = sandbox("gc")

        assert swept.returncode == 0, swept.stdout + swept.stderr
        assert f"left by controller {here()}:{killed.pid}:" in swept.stdout
        assert not containers_of(engine, killed.pid)
        assert containers_of(engine, alive.pid) == live_ones  # its controller still runs
        alive.send_signal(signal.SIGINT)
        _, stderr = alive.communicate(timeout=60)
        assert alive.returncode == 130, stderr
    assert not containers_of(engine, alive.pid)


def test_two_controllers_at_once_keep_to_their_own_containers(
    tmp_path: Path, engine: Engine, image_ref: str
) -> None:
    grid = ["matrix", "--scenario", "zombie", "--scenario", "orphan"]
    grid += ["--init", "noreap", "--init", "tini", "-j", "2"]
    first = controller(*grid, "--out", str(tmp_path / "one"))
    with ended(first):
        assert wait_for_container(engine, first)
        # Started while the first has containers: its sweep at start must leave them alone.
        second = controller(*grid, "--out", str(tmp_path / "two"))
        with ended(second):
            out1, err1 = first.communicate(timeout=300)
            out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0, out1 + err1
    assert second.returncode == 0, out2 + err2
    assert "left by" not in err1 + err2  # neither swept anything
    for folder in ("one", "two"):
        results = json.loads((tmp_path / folder / "report.json").read_text())
        assert sorted((r["scenario"], r["init"], r["ok"]) for r in results) == [
            ("orphan", "noreap", True),
            ("orphan", "tini", True),
            ("zombie", "noreap", True),
            ("zombie", "tini", True),
        ]
    assert not containers_of(engine, first.pid) | containers_of(engine, second.pid)


def test_a_matrix_interrupted_leaves_another_controllers_containers(
    tmp_path: Path, engine: Engine, image_ref: str
) -> None:
    # Both share the test session's SANDBOX_SESSION: the interrupted one's sweep of its
    # own runs must go by controller, not by session.
    grid = ["matrix", "--scenario", "zombie", "--scenario", "orphan"]
    grid += ["--init", "noreap", "--init", "tini", "-j", "2"]
    going_on = controller(*grid, "--out", str(tmp_path / "one"))
    with ended(going_on):
        stopped = controller(*grid, "--out", str(tmp_path / "two"))
        with ended(stopped):
            assert wait_for_container(engine, going_on)
            assert wait_for_container(engine, stopped)
            stopped.send_signal(signal.SIGINT)
            _, err2 = stopped.communicate(timeout=60)
        out1, err1 = going_on.communicate(timeout=300)
    assert stopped.returncode == 130, err2
    assert going_on.returncode == 0, out1 + err1
    results = json.loads((tmp_path / "one" / "report.json").read_text())
    assert len(results) == 4 and all(r["ok"] for r in results)
    assert not containers_of(engine, going_on.pid) | containers_of(engine, stopped.pid)


class SocketProxy:
    """A stand-in for the engine's socket that forwards to the real one, until `shut`:
    then the engine is gone for whoever used it, and the real one goes on serving others."""

    def __init__(self, path: Path, target: str) -> None:
        self.path = path
        self.target = target
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(64)
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:  # shut
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)

    def shut(self) -> None:
        """The engine stops answering: no new connection, and every open one is cut."""
        self.server.close()
        self.path.unlink()
        with self.lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()


def real_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        pytest.skip(f"the engine is at {host}: the test forwards a unix socket")
    return host.removeprefix("unix://")


def test_the_engine_lost_mid_run_is_one_clear_line_and_a_partial_result(
    tmp_path: Path, engine: Engine, image_ref: str
) -> None:
    proxy = SocketProxy(tmp_path / "engine.sock", real_socket())
    scenarios = never_scenario(tmp_path)
    lost = controller(
        "run", "never", "--init", "noreap", "--scenarios", str(scenarios),
        "--results", str(tmp_path / "r"), "--json", str(tmp_path / "out.json"),
        env={"DOCKER_HOST": f"unix://{proxy.path}"},
    )  # fmt: skip
    with ended(lost):
        left = wait_for_container(engine, lost)
        assert left
        # The snapshot is taken: the run has captured something, and is waiting.
        wait_until(
            lambda: (tmp_path / "captured").exists(),
            lambda captured: captured or lost.poll() is not None,
            timeout_s=60,
            what="the run's first snapshot",
        )
        proxy.shut()
        _, stderr = lost.communicate(timeout=60)

    assert lost.returncode == 2, stderr
    assert "Traceback" not in stderr and stderr.count("\n") == 1, stderr
    assert stderr.startswith("sandbox: never under noreap: lost the Docker engine mid-run: ")
    found = re.search(r"captured so far: (\d+) lines of transcript, (\d+) snapshots?", stderr)
    assert found and int(found[1]) > 0 and int(found[2]) >= 1, stderr
    (folder,) = (tmp_path / "r").iterdir()
    assert f"its partial result (ok: false) is in {folder}/" in stderr
    result = json.loads((folder / "result.json").read_text())
    assert result["ok"] is False and result["error"].startswith("lost the Docker engine mid-run")
    assert result["snapshots"][0]["label"] == "asleep"
    assert "python3 sleeper.py" in result["transcript"]
    assert json.loads((tmp_path / "out.json").read_text()) == result
    # The container could not be removed without an engine; the next start (through the
    # real socket) removes it, its controller being dead.
    assert containers_of(engine, lost.pid) == left
    swept = sandbox("gc")
    assert swept.returncode == 0, swept.stderr
    assert not containers_of(engine, lost.pid)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs with 8 KiB left: enough to start writing a result, not to finish."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs (a full disk) needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], check=True)
    try:
        with (mount / "filler").open("wb") as filler:
            while os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize > 8192:
                filler.write(b"x" * 4096)
                filler.flush()
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.usefixtures("image_ref", "no_leftovers")
def test_a_full_disk_is_one_clear_line_and_no_half_written_result(tiny_disk: Path) -> None:
    done = sandbox("run", "zombie", "--init", "tini", "--results", str(tiny_disk / "r"))

    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith("sandbox: cannot write ") and "No space left on device" in (
        done.stderr
    ), done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert list((tiny_disk / "r").iterdir()) == []  # nothing half-written, nothing hidden


@pytest.mark.usefixtures("image_ref", "no_leftovers")
def test_a_results_folder_that_cannot_be_made_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("a file, not a folder\n")
    done = sandbox("run", "zombie", "--init", "tini", "--results", str(tmp_path / "file" / "r"))

    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == (
        f"sandbox: cannot write {tmp_path / 'file' / 'r'}: Not a directory — "
        "choose a writable place\n"
    )
