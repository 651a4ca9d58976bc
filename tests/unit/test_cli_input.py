"""Bad input: one line on stderr, exit 2, before any engine is needed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sandbox.scenario import load_all

NAMES = ", ".join(load_all())


def sandbox(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nosuch"], f"sandbox: unknown scenario 'nosuch'; choose one of: {NAMES}\n"),
        (
            ["run", "zombie", "--init", "nosuch"],
            "sandbox: unknown PID 1 mode 'nosuch'; choose one of: noreap, tini",
        ),
        (["run", "zombie", "--timeout", "-1"], "sandbox: --timeout must be positive, not -1"),
        (["run", "zombie", "--timeout", "soon"], "sandbox: argument --timeout: invalid float"),
        (["frobnicate"], "sandbox: argument command: invalid choice: 'frobnicate'"),
        (["list", "--scenarios", "/nonexistent"], "sandbox: no scenario folder at /nonexistent"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(args: list[str], message: str) -> None:
    done = sandbox(*args)
    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_no_engine_gets_one_line_with_the_fix() -> None:
    done = sandbox("run", "zombie", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert done.returncode == 2
    assert done.stderr.startswith(
        "sandbox: no Docker engine answers at unix:///nonexistent/docker.sock — start Docker"
    )
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_list_names_every_scenario_and_mode() -> None:
    done = sandbox("list")
    assert done.returncode == 0
    for name in load_all():
        assert f"\n{name} " in f"\n{done.stdout}"
    assert "noreap" in done.stdout and "tini" in done.stdout
