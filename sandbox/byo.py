"""Bring your own script: any Python or shell script, run and watched like a scenario.

The script is mounted, read-only, into a fresh box's home folder and started at a shell,
as the scenarios are. Knowing nothing of what it does, the controller samples the process table
until the script ends (or its time runs out) and reports what it saw: the most zombies
at once, the orphans PID 1 adopted, the zombies left behind, the exit code.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from sandbox import proctable
from sandbox.errors import UsageError
from sandbox.inits import INITS, REAP_WINDOW_S
from sandbox.lab import OUTPUT_LIMIT, Box, Lab, Table
from sandbox.model import Expectation
from sandbox.proctable import zombies
from sandbox.scenario import Scenario
from sandbox.waiting import Timeout, wait_until

INTERPRETERS = {".py": "python3", ".sh": "sh"}
MAX_BYTES = 1024 * 1024
SAMPLE_EVERY_S = 0.05
DEFAULT_TIMEOUT_S = 30.0
NOT_UNDER = {
    "none": "your script would be PID 1, and the container ends with it: what it left "
    "behind (zombies, orphans) cannot be looked at after it ended",
}

EXPLANATION = """\
Your script ran in a fresh container, started at a shell like the tutorial's scripts.
The controller sampled the process table every {every:g} s until the script ended:
  - peak_zombies: the most zombies present at once;
  - adopted_by_pid1: processes that were handed to PID 1 (their parent ended first);
  - zombies_left: zombies still there once what the script left running has had {settle:g} s
    to end, and PID 1 {settle:g} s more to reap — under noreap every orphan that exited
    stays, under tini none should;
  - left_running: what the script left behind that was still running then.
Output past {limit} characters is read and not kept (output_truncated_chars says how much).
The timeline (result.json) has the counts at every sample."""


def is_path(argument: str) -> bool:
    """Whether `run`'s argument names a file rather than a scenario."""
    return "/" in argument or Path(argument).suffix in INTERPRETERS


def scenario_for(path: Path, timeout_s: float | None = None) -> Scenario:
    """A scenario that runs the script at `path`; UsageError says what is wrong with it."""
    command = _command_for(path)
    return Scenario(
        name=path.name,
        title=f"bring your own: {path}",
        summary=f"your script {path}, watched",
        explanation=EXPLANATION.format(
            every=SAMPLE_EVERY_S, settle=REAP_WINDOW_S, limit=OUTPUT_LIMIT
        ),
        expectations=(
            Expectation(
                "ends-by-itself",
                f"the script ends within its {timeout_s or DEFAULT_TIMEOUT_S:g} s",
                {mode: True for mode in INITS if mode not in NOT_UNDER},
            ),
        ),
        drive=lambda lab: _watch(lab, command),
        timeout_s=timeout_s or DEFAULT_TIMEOUT_S,
        directory=path.parent,
        only=(path.name,),
        not_under=NOT_UNDER,
    )


def _command_for(path: Path) -> str:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot look at {path}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{path} is a directory; give a script (.py, .sh, or one with #!)")
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would never end reading
        raise UsageError(f"{path} is not a regular file")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{path} is not readable")
    size = info.st_size
    if size > MAX_BYTES:
        raise UsageError(f"{path} is {size} bytes; scripts of up to {MAX_BYTES} bytes are run")
    head = path.read_bytes()[:4096]
    if b"\0" in head:
        raise UsageError(f"{path} is not a script (it holds binary data)")
    name = shlex.quote(path.name)
    if path.suffix in INTERPRETERS:
        return f"{INTERPRETERS[path.suffix]} {name}"
    if head.startswith(b"#!"):
        return f"./{name}"  # mounted with mode 755 (see confine.Staging)
    raise UsageError(
        f"cannot tell how to run {path}: name it .py or .sh, or begin it with a #! line"
    )


def _watch(lab: Lab, command: str) -> None:
    with lab.box() as box:
        before = {p.pid for p in box.table()}  # PID 1 and its own (tini's sleep)
        job = box.start(command)
        adopted: set[int] = set()
        peak = 0

        def sample() -> Table:
            nonlocal peak
            table = box.sample()
            peak = max(peak, len(zombies(table)))
            adopted.update(p.pid for p in table if p.ppid == 1 and p.pid not in before)
            return table

        try:
            wait_until(
                sample,
                lambda _: not job.running,
                timeout_s=lab.remaining(lab.bound_s),
                what=f"`{command}` to end",
                interval_s=SAMPLE_EVERY_S,
            )
        except Timeout as exc:  # the run's bound: say so, with the last table seen
            lab.check("ends-by-itself", False, f"still running after {lab.bound_s:g} s")
            raise lab.gave_up(f"`{command}` to end", lab.bound_s, 0.0, exc.last) from None
        status = job.wait()
        lab.check("ends-by-itself", True, f"it exited {status} after {lab.elapsed():.1f} s")
        killed = proctable.oom_kills(box.init_host_pid)
        if killed:
            lab.say(f"the kernel's OOM killer ended {killed} process(es): the memory limit")
        refused = proctable.forks_refused(box.init_host_pid)
        if refused:
            lab.say(f"the pids limit refused {refused} fork(s)")
        left, running = _after_settling(box, before)
        box.capture("after the script ended", "ps aux | grep Z", "ps -eo pid,ppid,stat,args")
        lab.fact("exit_code", status)
        lab.fact("peak_zombies", peak)
        lab.fact("adopted_by_pid1", len(adopted))
        lab.fact("zombies_left", len(left))
        lab.fact("zombies_left_with_ppid_1", sum(1 for z in left if z.ppid == 1))
        lab.fact("left_running", running)
        if killed is not None:
            lab.fact("oom_kills", killed)
        if refused is not None:
            lab.fact("forks_refused", refused)
        lab.fact("samples", len(lab.timeline))
        if job.dropped:
            lab.fact("output_truncated_chars", job.dropped)


def _after_settling(box: Box, before: set[int]) -> tuple[Table, int]:
    """(the zombies left, how many processes of the script's still run), once what the
    script left running has had REAP_WINDOW_S to end, and PID 1 REAP_WINDOW_S to reap."""

    def running(table: Table) -> list[int]:
        return [p.pid for p in table if p.pid not in before and p.state != "Z"]

    box.stays("what the script left running to end", lambda t: bool(running(t)), REAP_WINDOW_S)
    _, _, last = box.stays("zombies to be reaped", lambda t: bool(zombies(t)), REAP_WINDOW_S)
    return zombies(last), len(running(last))
