"""Bad input: one line on stderr, exit 2, before any engine is needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import sandbox_cli as sandbox

from sandbox.scenario import load_all

pytestmark = pytest.mark.bad_input

NAMES = ", ".join(load_all())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nosuch"], f"sandbox: unknown scenario 'nosuch'; choose one of: {NAMES}\n"),
        (
            ["run", "zombie", "--init", "nosuch"],
            "sandbox: unknown PID 1 mode 'nosuch'; choose one of: noreap, tini, none, "
            "docker-init, dumb-init, bash, tini-subreaper",
        ),
        (
            ["run", "zombie", "--timeout", "-1"],
            "sandbox: --timeout must be a positive number of seconds, not -1",
        ),
        (["run", "zombie", "--timeout", "nan"], "sandbox: --timeout must be a positive number"),
        (["run", "zombie", "--timeout", "soon"], "sandbox: argument --timeout: invalid float"),
        (["frobnicate"], "sandbox: argument command: invalid choice: 'frobnicate'"),
        (["list", "--scenarios", "/nonexistent"], "sandbox: no scenario folder at /nonexistent"),
        (["list", "--scenarios", "/tmp/.."], "sandbox: no scenarios in /tmp/.."),
        (["run", "/dev/null"], "sandbox: /dev/null is not a regular file"),
        (["run", "zombie", "--python", "2.7"], "sandbox: argument --python: invalid choice"),
        (["matrix", "-j", "0"], "sandbox: -j must be at least 1, not 0"),
        (["report", "/nonexistent.json"], "sandbox: cannot read /nonexistent.json"),
        (["report", "/etc/hostname"], "sandbox: /etc/hostname is not a report.json"),
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


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "missing.py", "no such file: {path}"),
        (b"hello\n", "notes", "cannot tell how to run {path}: name it .py or .sh"),
        (b"\x7fELF\x00\x01garbage", "garbage.py", "{path} is not a script (it holds binary data)"),
        (b"#" * (1024 * 1024 + 1), "huge.py", "{path} is 1048577 bytes; scripts of up to"),
    ],
)
def test_bring_your_own_bad_scripts(
    tmp_path: Path, content: bytes | None, name: str, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    done = sandbox("run", str(path))
    assert done.returncode == 2
    assert done.stderr.startswith("sandbox: " + message.format(path=path)), done.stderr
    assert done.stderr.count("\n") == 1


def test_bring_your_own_directory_and_unreadable(tmp_path: Path) -> None:
    done = sandbox("run", str(tmp_path) + "/")
    assert (done.returncode, done.stderr) == (
        2,
        f"sandbox: {tmp_path} is a directory; give a script (.py, .sh, or one with #!)\n",
    )
    if os.geteuid() != 0:  # root reads anything
        secret = tmp_path / "secret.py"
        secret.write_text("print(1)\n")
        secret.chmod(0)
        assert sandbox("run", str(secret)).stderr == f"sandbox: {secret} is not readable\n"
