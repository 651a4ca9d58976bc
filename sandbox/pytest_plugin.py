"""A pytest plugin: the `sandbox` fixture, for tests of your own processes.

Installed with the package (entry point `pytest11`), so any test can ask for it:

    def test_my_script_leaves_no_zombie(sandbox, tmp_path):
        script = tmp_path / "spawn.sh"
        script.write_text("#!/bin/sh\\n(sleep 0.1 &)\\n")
        result = sandbox.run(script, init="tini")
        assert result.facts["zombies_left"] == 0

`sandbox.run` runs a script of yours the way `python -m sandbox run PATH` does: in a
fresh container, confined (no network, no capabilities, a read-only root filesystem,
memory and pids limits), under the PID 1 mode asked for, watched until it ends.
It returns the result contract (RunResult: facts, timeline, transcript, exit code). The
run's containers are removed before it returns, whether the run went well or not, so a
failing assertion leaves nothing behind. With no engine, or no image, the test fails
with a line saying what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox import byo, image, leftovers
from sandbox.confine import Limits
from sandbox.engine import Engine
from sandbox.errors import SandboxError
from sandbox.inits import get_init
from sandbox.model import RunResult
from sandbox.runner import run_scenario


@dataclass(frozen=True)
class Sandbox:
    engine: Engine
    image: str

    def run(
        self,
        script: str | Path,
        *,
        init: str = "noreap",
        timeout_s: float | None = None,
        limits: Limits | None = None,
    ) -> RunResult:
        """Run `script` (.py, .sh, or with a #! line) under PID 1 mode `init`, confined
        as every container is (sandbox/confine.py), with `limits` over the defaults."""
        scenario = byo.scenario_for(Path(script), timeout_s)
        return run_scenario(
            self.engine, self.image, scenario, get_init(init), timeout_s=timeout_s, limits=limits
        )


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    """The Docker engine and the sandbox image, to run scripts in throwaway containers."""
    try:
        engine = Engine.connect()
        leftovers.sweep(engine)  # what a test session killed with SIGKILL left, as the CLI does
        ref = image.image_ref()
        if engine.image_id(ref) is None:
            pytest.fail(f"the engine has no sandbox image {ref}: run `make image`", pytrace=False)
    except SandboxError as exc:
        pytest.fail(f"sandbox: {exc}", pytrace=False)
    return Sandbox(engine, ref)
