"""When a run goes wrong: it is reported with what was seen, and no container stays behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.engine import Engine
from sandbox.errors import Interrupted, ScenarioError
from sandbox.inits import get_init
from sandbox.lab import Lab
from sandbox.proctable import zombies
from sandbox.runner import run_scenario
from sandbox.scenario import Scenario, expect
from sandbox.waiting import wait_until

pytestmark = pytest.mark.fault

SLEEPER = "import time\nprint('sleeping', flush=True)\ntime.sleep(1000)\n"
NEVER = expect("never", "a zombie appears", noreap=True, tini=True)


def scenario(tmp_path: Path, drive: Callable[[Lab], None], timeout_s: float = 30) -> Scenario:
    (tmp_path / "sleeper.py").write_text(SLEEPER)
    return Scenario(
        name="never",
        title="test",
        summary="waits for a zombie that never comes",
        explanation="",
        expectations=(NEVER,),
        drive=drive,
        timeout_s=timeout_s,
        directory=tmp_path,
    )


def wait_for_a_zombie(lab: Lab) -> None:
    with lab.box() as box:
        box.start("python3 sleeper.py")
        box.wait_for("a zombie", lambda table: zombies(table) or None, timeout_s=30)
        lab.check("never", True, "a zombie appeared")


@pytest.mark.usefixtures("no_leftovers")
@pytest.mark.parametrize("init", ["noreap", "tini"])
def test_condition_never_reached_is_stopped_at_the_timeout(
    tmp_path: Path, engine: Engine, image_ref: str, init: str
) -> None:
    result = run_scenario(
        engine, image_ref, scenario(tmp_path, wait_for_a_zombie), get_init(init), timeout_s=2
    )
    assert not result.ok
    assert result.error == "timed out: the run's 2 s bound ran out while waiting for a zombie"
    (check,) = result.checks[:1]
    assert check.observed is None and "the run stopped first (timed out" in check.detail
    last = result.snapshots[-1]
    assert last.label == "at timeout"
    assert any(p.cmd == "python3 sleeper.py" for p in last.processes)  # the last table seen
    assert "python3 sleeper.py" in last.transcript and "python3 sleeper.py" in result.transcript


@pytest.mark.usefixtures("no_leftovers")
def test_error_mid_run_removes_the_container(
    tmp_path: Path, engine: Engine, image_ref: str
) -> None:
    def broken(lab: Lab) -> None:
        with lab.box() as box:
            box.start("python3 sleeper.py").wait_for_output("sleeping")
            raise ScenarioError("the scenario gave up")

    result = run_scenario(engine, image_ref, scenario(tmp_path, broken), get_init("noreap"))
    assert not result.ok and result.error == "the scenario gave up"
    assert "sleeping" in result.transcript


@pytest.mark.usefixtures("no_leftovers")
def test_ctrl_c_inside_a_run_removes_the_container(
    tmp_path: Path, engine: Engine, image_ref: str
) -> None:
    def interrupted(lab: Lab) -> None:
        with lab.box() as box:
            box.start("python3 sleeper.py").wait_for_output("sleeping")
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as caught:  # a KeyboardInterrupt, with the run so far
        run_scenario(engine, image_ref, scenario(tmp_path, interrupted), get_init("tini"))
    partial = caught.value.partial
    assert caught.value.signum == signal.SIGINT and partial is not None
    assert not partial.ok and partial.error == "interrupted (SIGINT)"
    assert "sleeping" in partial.transcript


@pytest.mark.usefixtures("no_leftovers")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_cli_interrupted_mid_run_exits_cleanly(
    tmp_path: Path,
    our_containers: Callable[[], set[str]],
    image_ref: str,
    signum: int,
    code: int,
) -> None:
    folder = tmp_path / "scenarios" / "never"
    folder.mkdir(parents=True)
    (folder / "sleeper.py").write_text(SLEEPER)
    (folder / "scenario.py").write_text(
        "from sandbox.scenario import Scenario, everywhere, expect\n"
        "from sandbox.proctable import zombies\n\n"
        "def drive(lab):\n"
        "    with lab.box() as box:\n"
        "        box.start('python3 sleeper.py')\n"
        "        box.wait_for('a zombie', lambda t: zombies(t) or None, timeout_s=60)\n\n"
        "SCENARIO = Scenario(name='never', title='t', summary='s', explanation='e', drive=drive,\n"
        "    expectations=(expect('never', 'c', **everywhere()),))\n"
    )
    before = our_containers()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "run",
            "never",
            "--init",
            "noreap",
            "--scenarios",
            str(tmp_path / "scenarios"),
            "--results",
            str(tmp_path / "r"),
            "--json",
            str(tmp_path / "out.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        wait_until(
            lambda: our_containers() - before,
            bool,
            timeout_s=30,
            what="the run's container to exist",
        )
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == code, stderr
    assert stderr.count("\n") == 1 and "containers were removed" in stderr
    # The run is saved all the same, as stopped: ok false, and why.
    (folder,) = (tmp_path / "r").iterdir()
    assert stderr.endswith(f"; its partial result (ok: false) is in {folder}/\n")
    result = json.loads((folder / "result.json").read_text())
    assert result["ok"] is False
    assert result["error"] == f"interrupted ({signal.Signals(signum).name})"
    assert result["checks"][0]["detail"].startswith("not observed: the run stopped first")
    assert json.loads((tmp_path / "out.json").read_text()) == result


@pytest.mark.usefixtures("no_leftovers")
def test_ctrl_c_while_parts_run_in_parallel_leaves_no_container(
    tmp_path: Path, engine: Engine, image_ref: str
) -> None:
    started = threading.Event()

    def waits(lab: Lab) -> None:
        with lab.box() as box:
            box.start("python3 sleeper.py").wait_for_output("sleeping")
            started.set()
            box.wait_for("a zombie", lambda table: zombies(table) or None, timeout_s=20)

    def interrupts() -> None:  # Ctrl-C: KeyboardInterrupt in the main thread, mid-join
        assert started.wait(30)
        os.kill(os.getpid(), signal.SIGINT)  # the kernel gives it to the main thread

    def drive(lab: Lab) -> None:
        lab.parallel(lambda: waits(lab), interrupts)

    with pytest.raises(KeyboardInterrupt):
        run_scenario(engine, image_ref, scenario(tmp_path, drive), get_init("noreap"))
