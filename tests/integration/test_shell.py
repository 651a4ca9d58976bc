"""`python -m sandbox shell`: staged at the scenario's moment, typed into through a real PTY.

The staging is the library's (shell.staged); the interactive part runs the real command in a
pseudo-terminal (pexpect), types `ps aux | grep Z` as a learner would and reads the zombie
line back. Every test also holds that no container is left, however the shell ended.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator

import pexpect
import pytest

from sandbox import proctable, shell
from sandbox.engine import LABEL, Engine
from sandbox.inits import INITS, get_init
from sandbox.proctable import children_of
from sandbox.scenario import find
from sandbox.waiting import wait_until

PROMPT = r"zombie \(noreap\) ~# "
ZOMBIE_LINE = re.compile(r"root +(\d+) .* Z +\S+ +\S+ \[python3\] <defunct>")

pytestmark = pytest.mark.usefixtures("image_ref", "no_leftovers")


@pytest.fixture
def terminal() -> Iterator[pexpect.spawn[str]]:
    """`python -m sandbox shell zombie --init noreap` in a pseudo-terminal of 160x40."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "sandbox", "shell", "zombie", "--init", "noreap"],
        env={**os.environ, "TERM": "dumb"},
        encoding="utf-8",
        dimensions=(40, 160),
        timeout=60,
    )
    try:
        yield child
    finally:
        child.close(force=True)


@pytest.mark.parametrize("mode", list(INITS))
def test_staged_zombie_is_there_and_the_container_goes(
    engine: Engine, image_ref: str, mode: str
) -> None:
    scenario = find("zombie")
    with shell.staged(engine, image_ref, scenario, get_init(mode)) as stage:
        container = stage.container_id
        table = proctable.read_host(container)
        zombies = [p for p in table if p.state == "Z"]
        assert len(zombies) == 1, table
        parent = zombies[0].ppid
        assert children_of(table, parent) == (zombies[0],)
        text = stage.introduction()
        assert f"python3 test.py (PID {parent}" in text and f"child {zombies[0].pid}" in text
        assert f"kill {parent}" in text and "ps aux | grep Z" in text
        assert "主" in text and "子" in text  # what the seed's script printed on the way
    assert container not in engine.containers_labelled(**{LABEL: "1"})


def test_a_scenario_without_a_moment_opens_on_its_scripts(engine: Engine, image_ref: str) -> None:
    scenario = find("queue-basics")
    assert scenario.moment is None
    with shell.staged(engine, image_ref, scenario, get_init("tini")) as stage:
        table = proctable.read_host(stage.container_id)
        assert [p.cmd for p in table] == ["/usr/bin/tini -- sleep infinity", "sleep infinity"]
        assert "Nothing is running yet" in stage.introduction()
        assert "python3 queue_demo.py &" in stage.introduction()


def test_typing_ps_grep_z_in_the_shell_shows_the_zombie(terminal: pexpect.spawn[str]) -> None:
    terminal.expect(r"its child (\d+) has exited and is a zombie")
    assert isinstance(terminal.match, re.Match)
    zombie = terminal.match.group(1)
    terminal.expect(PROMPT)
    # The end of the output is told by what only the shell can print (its echo of the
    # typed line shows `$((6*7))`), not by the next prompt: readline redraws the prompt
    # when the docker client sets the terminal's size.
    terminal.sendline("ps aux | grep Z; echo end-$((6*7))")
    terminal.expect("end-42")
    output = str(terminal.before)
    rows = [ZOMBIE_LINE.search(line) for line in output.splitlines()]
    assert [row.group(1) for row in rows if row] == [zombie], output
    terminal.sendline("exit")
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert terminal.exitstatus == 0
    assert "its container is removed" in str(terminal.before)


def test_the_shells_status_is_the_commands(terminal: pexpect.spawn[str]) -> None:
    terminal.expect(PROMPT)
    terminal.sendline("exit 7")
    terminal.expect(pexpect.EOF)
    terminal.close()
    assert terminal.exitstatus == 7


def test_a_closed_terminal_removes_the_container(
    terminal: pexpect.spawn[str], our_containers: Callable[[], set[str]]
) -> None:
    terminal.expect(PROMPT)
    assert our_containers(), "the shell's container is running"
    terminal.close(force=False)  # SIGHUP, as when the terminal window is closed
    wait_until(our_containers, lambda left: not left, timeout_s=30, what="the container to go")


def test_without_a_terminal_it_says_so_and_starts_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "shell", "zombie"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "needs a terminal" in done.stderr, done.stderr
    assert "sandbox run zombie" in done.stderr


def test_a_mode_the_scenario_cannot_run_under_is_one_line() -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "sandbox", "shell", "orphan", "--init", "none"],
        encoding="utf-8",
        timeout=60,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    said = str(child.before)
    assert "orphan does not run under none" in said and "Traceback" not in said
