"""orphan: the seed's 二:孤儿进程 test — the father exits, init adopts the child.

Steps, as the seed runs them:
  执行文件  `python3 test.py &` at a shell. The father prints its pid and ppid, forks,
            prints `father died..` and exits; the child sleeps 1 s (保证主线程退出完毕),
            then prints its own pid and ppid: `im child Z 1`.
  Then the orphan exits: "孤儿进程声明周期结束自然会被init来销毁" — true under tini, not
  under a PID 1 that never waits (noreap), where it stays a zombie.

The father is not PID 1: it runs under the shell the controller starts with `docker exec`
(`sh -c '... & wait'`), so the `ppid` it prints is that shell's, and that shell reaps the
father. Only the child is orphaned, and the kernel hands it to the container's PID 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sandbox.inits import REAP_WINDOW_S
from sandbox.lab import Lab, Table
from sandbox.model import Process
from sandbox.proctable import find
from sandbox.scenario import Scenario, expect

SCRIPT = "python3 test.py"

FATHER_LINE = re.compile(r"im father pid (\d+) ppid (\d+)")
CHILD_LINE = re.compile(r"im child (\d+) (\d+)\n")


def adopted_child(father: int) -> Callable[[Table], Process | None]:
    """A finder for wait_for: the father's child once PID 1 is its parent.

    The child is the only other `python3 test.py` (alive) or `[python3] <defunct>` (exited,
    under noreap) whose parent is PID 1; tini's own child `sleep infinity` is neither.
    """

    def found(table: Table) -> Process | None:
        return next(
            (
                p
                for p in table
                if p.pid not in (1, father)
                and p.ppid == 1
                and (p.cmd == SCRIPT or p.cmd == "[python3] <defunct>")
            ),
            None,
        )

    return found


def exited(pid: int) -> Callable[[Table], Table | None]:
    """A finder for wait_for: the table once `pid` has exited (a zombie, or reaped and gone)."""

    def found(table: Table) -> Table | None:
        process = find(table, pid)
        return table if process is None or process.state == "Z" else None

    return found


def drive(lab: Lab) -> None:
    with lab.box() as box:
        lab.say("执行文件")
        job = box.start(SCRIPT)
        father = job.pid()
        # The father is gone in milliseconds; the child sleeps 1 s, now with PPID 1.
        child = box.wait_for("the father's child, adopted by PID 1", adopted_child(father))
        box.capture("the child, adopted by PID 1", "ps -eo pid,ppid,stat,args")

        output = job.wait_for_output(CHILD_LINE.pattern)
        status = job.wait()  # the stream ends when the child, the last one holding it, exits
        father_line = FATHER_LINE.search(output)
        child_line = CHILD_LINE.search(output)
        lab.check(
            "seed-output",
            father_line is not None
            and int(father_line.group(1)) == father != 1
            and int(father_line.group(2)) not in (0, 1, father)
            and "father died.." in output
            and child_line is not None
            and status == 0,
            f"printed {output!r}; the father {father} (announced by its shell) "
            + (
                f"printed ppid {father_line.group(2)}: the shell that started it, not PID 1"
                if father_line
                else "printed no `im father pid X ppid Y` line"
            )
            + f"; it exited with status {status}",
        )
        printed = (int(child_line.group(1)), int(child_line.group(2))) if child_line else None
        lab.check(
            "child-adopted-by-init",
            printed == (child.pid, 1) and child.ppid == 1,
            (
                f"the child printed pid {printed[0]} ppid {printed[1]}; "
                if printed
                else "the child printed no `im child Z P` line; "
            )
            + f"the process table showed pid {child.pid} ({child.cmd}, STAT {child.state}) "
            f"with PPID {child.ppid} once its father {father} was gone",
        )

        table = box.wait_for(f"the orphan {child.pid} to exit", exited(child.pid))
        was = find(table, child.pid)
        stayed, held_s, last = box.stays(
            f"the orphan {child.pid} to stay a zombie",
            lambda t: (z := find(t, child.pid)) is not None and z.state == "Z" and z.ppid == 1,
            REAP_WINDOW_S,
        )
        still = find(last, child.pid)
        lab.check(
            "init-reaps-the-orphan",
            not stayed,
            (
                f"the orphan {child.pid} exited and is still a zombie (STAT {still.state}, "
                f"PPID {still.ppid}) {held_s:.1f} s later: PID 1 never waits for it"
                if stayed and still
                else f"the orphan {child.pid} exited and was reaped by PID 1 "
                + (
                    f"{held_s * 1000:.0f} ms after it was seen as a zombie"
                    if was is not None
                    else "before the first look at the table after it exited"
                )
                + ": no zombie is left"
            ),
        )
        box.capture("after the orphan exited", "ps -eo pid,ppid,stat,args")


SCENARIO = Scenario(
    name="orphan",
    title="2.僵尸进程与孤儿进程 — 二:孤儿进程(无害)",
    summary="The father exits first: init adopts the child (ppid 1); does it reap it at the end?",
    explanation="""\
The father printed its pid and its parent's (the shell that started it), forked, printed
`father died..` and exited; that shell waited for it, so the father left no zombie. Its
child was still sleeping (time.sleep(1), "保证主线程退出完毕"): an orphan. The kernel gave it
a new parent, the container's PID 1, so after the sleep it printed `im child Z 1`, and
`ps` showed the same PID with PPID 1.

The tutorial goes on: the orphan's end is taken care of by init (孤儿进程声明周期结束自然会
被init来销毁). That depends on what PID 1 is. tini waits for every child it inherits: the
orphan vanished the moment it exited. noreap never calls wait(): the orphan that exited
stays a zombie (Z, `[python3] <defunct>`, PPID 1) for the container's whole life. An
orphan is harmless only under an init that reaps.""",
    expectations=(
        expect(
            "seed-output",
            "the script prints `im father pid X ppid Y` (Y its shell, not PID 1), "
            "`father died..`, then `im child Z P`; the father exits with status 0",
            noreap=True,
            tini=True,
        ),
        expect(
            "child-adopted-by-init",
            "the child prints `im child Z 1`, and the process table shows pid Z with PPID 1 "
            "once its father is gone",
            noreap=True,
            tini=True,
        ),
        expect(
            "init-reaps-the-orphan",
            "once the orphan exits, PID 1 reaps it: no zombie is left "
            f"(it does not stay a zombie for {REAP_WINDOW_S:g} s)",
            noreap=False,
            tini=True,
        ),
    ),
    drive=drive,
    timeout_s=30.0,
)
