"""daemon: the seed's 四 守护进程 — a daemon ends with the main code, and may not have children.

Steps:
  `python3 piao.py &` (the seed's Piao): 主 is printed, the script ends, and nothing of it
  is left in the process table: the daemon, which would sleep 1–2 s and then print
  `... is piao end`, was terminated when the main code ended.
  `python3 daemon_child.py &`: a daemon that starts a child gets
  `AssertionError: daemonic processes are not allowed to have children`.
"""

from __future__ import annotations

from sandbox.lab import Lab
from sandbox.scenario import Scenario, expect

ASSERTION = "AssertionError: daemonic processes are not allowed to have children"
GOLDEN_MASKS = (
    # Whether the daemon printed `Piao-1 is piaoing` before it was terminated is a race,
    # and its words may land before or after 主 (or between 主 and its newline).
    (r"Piao-1 is piaoing", ""),
    (r"^\n?主\n\n?", "主\n"),
)
# The seed's script ends in milliseconds; 10 s leaves room for a loaded machine.
END_WAIT_S = 10.0


def drive(lab: Lab) -> None:
    with lab.box() as box:
        baseline = {p.pid for p in box.processes()}  # PID 1 (and tini's `sleep infinity`)

        lab.say("四 守护进程 — 其一:守护进程会在主进程代码执行结束后就终止")
        job = box.start("python3 piao.py")
        status = job.wait(END_WAIT_S)
        output = job.output
        snapshot = box.capture("after the script ended", "ps aux | grep piao")
        left = [p for p in snapshot.processes if p.pid not in baseline]
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
                if not left
                else "the container still held "
                + ", ".join(f"{p.pid} {p.state} {p.cmd}" for p in left)
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
        piaoing = next((line for line in output.splitlines() if "is piaoing" in line), None)
        lab.fact("is_piaoing_printed", piaoing or "no")

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
first.) Nothing is orphaned here, so PID 1 plays no part.""",
    expectations=(
        expect("main-prints-zhu", "the main code prints 主", noreap=True, tini=True),
        expect(
            "daemon-ends-with-main-code",
            "when the main code ends the daemon is terminated: nothing of the script is left",
            noreap=True,
            tini=True,
        ),
        expect(
            "piao-end-never-printed",
            "the daemon's `... is piao end` never appears",
            noreap=True,
            tini=True,
        ),
        expect(
            "daemon-cannot-have-children",
            f"a daemon that starts a child fails with `{ASSERTION}`",
            noreap=True,
            tini=True,
        ),
    ),
    drive=drive,
    timeout_s=30.0,
    golden_masks=GOLDEN_MASKS,
)
