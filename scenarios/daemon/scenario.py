"""daemon: the seed's 四 守护进程 — a daemon ends with the main code, and may not have children.

Steps:
  `python3 piao.py &` (the seed's Piao): 主 is printed, the script ends, and nothing of it
  is left in the process table: the daemon, which would sleep 1–2 s and then print
  `... is piao end`, was terminated when the main code ended.
  `python3 daemon_child.py &`: a daemon that starts a child gets
  `AssertionError: daemonic processes are not allowed to have children`.
Under `none` piao.py is PID 1: the container ends with it (nothing left to look at), and
daemon_child.py runs in a fresh container, as PID 1 too.
"""

from __future__ import annotations

from sandbox.lab import Box, Lab
from sandbox.scenario import Scenario, everywhere, expect

ASSERTION = "AssertionError: daemonic processes are not allowed to have children"
GOLDEN_MASKS = (
    # Whether the daemon printed `Piao-1 is piaoing` before it was terminated is a race,
    # and its words may land before or after 主 (or between 主 and its newline).
    (r"Piao-1 is piaoing", ""),
    (r"^\n?主\n\n?", "主\n"),
    # A traceback's line numbers are not PIDs: marked `#`, they are not renamed with them
    # (renamed, their P-names would shift whenever a PID came out below one of them).
    (r'^(  File "[^"]+", line )(\d+)', r"\1#\2"),
)
# The seed's script ends in milliseconds; 10 s leaves room for a loaded machine.
END_WAIT_S = 10.0


def daemon_part(lab: Lab, box: Box) -> int | None:
    """其一: piao.py. The container's exit code if it ended with the script, else None."""
    baseline = {p.pid for p in box.processes()}  # PID 1 (and tini's `sleep infinity`)

    lab.say("四 守护进程 — 其一:守护进程会在主进程代码执行结束后就终止")
    job = box.start("python3 piao.py")
    status = job.wait(END_WAIT_S)
    output = job.output
    # Once the script has ended, at once: the container either runs on (its PID 1 is
    # something else) or has ended with it (the script was PID 1). No wait needed: PID 1
    # of the other modes never ends by itself, and under `none` job.wait() returned only
    # once the container had stopped.
    ended = box.ended(timeout_s=0)
    if ended is None:
        snapshot = box.capture("after the script ended", "ps aux | grep piao")
        left = [p for p in snapshot.processes if p.pid not in baseline]
    else:
        lab.say(
            f"the script was PID 1: the container ended with it (exit {ended}); "
            "nothing is left in it to look at"
        )
        left = []
    lab.check(
        "main-prints-zhu",
        "主" in output,
        f"the script printed {output!r}",
    )
    lab.check(
        "daemon-ends-with-main-code",
        status == 0 and not left,
        f"the script exited {status}, and then "
        + (
            "the container held no process of it: no daemon left running, not even as a zombie"
            if ended is None and not left
            else f"the container ended with it, its PID 1 (exit {ended}): nothing of it can "
            "be left, as the kernel kills every process of a container whose PID 1 exits"
            if ended is not None
            else "the container still held " + ", ".join(f"{p.pid} {p.state} {p.cmd}" for p in left)
        ),
    )
    lab.check(
        "piao-end-never-printed",
        "is piao end" not in output and not left,
        (
            "`is piao end` was never printed, and with no process of the script left "
            "none can print it later"
            if "is piao end" not in output
            else "`is piao end` was printed: the daemon outlived the main code"
        ),
    )
    lab.check(
        "script-end-ends-container",
        ended is not None,
        f"when the script ended (exit {status}) "
        + (
            f"the container ended too (exit {ended}): the script was its PID 1"
            if ended is not None
            else "the container ran on: its PID 1 is not the script"
        ),
    )
    piaoing = next((line for line in output.splitlines() if "is piaoing" in line), None)
    lab.fact("is_piaoing_printed", piaoing or "no")
    return ended


def child_part(lab: Lab, box: Box) -> None:
    lab.say("其二:守护进程内无法再开启子进程,否则抛出异常")
    # 2>&1: the traceback (stderr) and the prints (stdout) in the order they happen.
    job = box.start("python3 daemon_child.py 2>&1")
    status = job.wait(END_WAIT_S)
    output = job.output
    lab.check(
        "daemon-cannot-have-children",
        ASSERTION in output
        and "守护进程开启了子进程" not in output
        and "子进程 is running" not in output
        and "主" in output
        and status == 0,
        (
            f"the daemon's p.start() raised `{ASSERTION}`; no child ran; the main "
            f"printed 主 and exited {status}"
            if ASSERTION in output
            else f"no AssertionError; the script printed {output!r} and exited {status}"
        ),
    )


def drive(lab: Lab) -> None:
    with lab.box() as box:
        ended = daemon_part(lab, box)
        if ended is None:  # the container runs on: the second script in the same one
            child_part(lab, box)
    if ended is not None:  # it ended with the first script (its PID 1): a fresh one
        with lab.box() as box:
            child_part(lab, box)


SCENARIO = Scenario(
    name="daemon",
    title="四 守护进程",
    summary="A daemon process ends when the main code ends, and may not start children.",
    explanation="""\
p.daemon=True makes Piao a daemon. The main code prints 主 and ends; at interpreter
exit, multiprocessing terminates every daemonic child (SIGTERM) and then joins it. So
the script is over in a fraction of a second, long before the daemon's 1–2 s
time.sleep is, and `... is piao end` is never printed; afterwards the container holds
nothing of the script, not even a zombie (the join reaped it). Whether `... is piaoing`
shows depends on whether the daemon got to run before it was killed.

The name printed, if any, is Piao-1, not egon: the seed sets self.name before calling
super().__init__(), which then gives the process its default name (Python 2 did the
same).

A daemon may not have children: Process.start() in a daemon fails with
`AssertionError: daemonic processes are not allowed to have children`, before any fork.
(daemon_child.py is not in the seed, which only states the rule; its main code join()s
the daemon so that the daemon gets as far as p.start() instead of being terminated
first.)

Nothing is orphaned here, so the init plays no part, except under `none` (Docker's
default), where the script itself is PID 1: the container ends with it, and each script
gets a fresh container. There nothing could outlive the script, daemon or not: when the
PID 1 of a PID namespace exits, the kernel kills every other process in it. So under
`none` the run cannot tell from outside whether the daemon flag or the container's end
stopped the daemon. It is the flag, as everywhere: multiprocessing terminates the daemon
while the script, PID 1, is still alive, and the kernel finds nothing left to kill. (A
variant of piao.py whose daemon handles SIGTERM shows it: the handler runs. The kernel's
kill is a SIGKILL, which no handler ever sees.)""",
    expectations=(
        expect("main-prints-zhu", "the main code prints 主", **everywhere()),
        expect(
            "daemon-ends-with-main-code",
            "when the main code ends the daemon is terminated: nothing of the script is left",
            **everywhere(),
        ),
        expect(
            "piao-end-never-printed",
            "the daemon's `... is piao end` never appears",
            **everywhere(),
        ),
        expect(
            "script-end-ends-container",
            "when the script ends, the container ends with it (so only where the script is PID 1)",
            noreap=False,
            tini=False,
            none=True,
            docker_init=False,
            dumb_init=False,
            bash=False,
            tini_subreaper=False,
        ),
        expect(
            "daemon-cannot-have-children",
            f"a daemon that starts a child fails with `{ASSERTION}`",
            **everywhere(),
        ),
    ),
    drive=drive,
    timeout_s=30.0,
    # Inherent: none; the daemon's sleep is cut short (terminated as the main code ends).
    inherent_s=0.0,
    golden_masks=GOLDEN_MASKS,
)
