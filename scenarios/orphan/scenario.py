"""orphan: the seed's 二:孤儿进程 test — the father exits, init adopts the child.

Steps, as the seed runs them:
  执行文件  `python3 test.py &` at a shell. The father prints its pid and ppid, forks,
            prints `father died..` and exits; the child sleeps 1 s (保证主线程退出完毕),
            then prints its own pid and ppid: `im child Z 1`. `ps` shows it, adopted.
            Departure: the seed's child ends right after printing; this one waits for the
            sandbox's `kill -USR1` (see test.py), so that the look never races its end.
  Then the orphan exits: "孤儿进程声明周期结束自然会被init来销毁" — true under an init that
  reaps (tini, docker-init, dumb-init, bash), not under a PID 1 that never waits (noreap),
  where it stays a zombie.

The father is not PID 1: it runs under the shell the controller starts with `docker exec`
(`sh -c '... & wait'`), or under `tini-subreaper` under the job server, so the `ppid` it
prints is that process's, which reaps the father. Only the child is orphaned, and the
kernel hands it to the container's PID 1, or under `tini-subreaper` to tini, the nearest
child subreaper among its ancestors: there it prints `im child Z <tini's pid>`.

Not under `none`: there the script is PID 1, so the father would be the container's init;
when it exits the container ends and the kernel kills the child before it prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sandbox.inits import REAP_WINDOW_S
from sandbox.lab import Box, Lab, Table
from sandbox.model import Process
from sandbox.proctable import find
from sandbox.scenario import Moment, Scenario, expect, per_mode

SCRIPT = "python3 test.py"

FATHER_LINE = re.compile(r"im father pid (\d+) ppid (\d+)")
CHILD_LINE = re.compile(r"im child (\d+) (\d+)\n")


# Under tini-subreaper, the job server's `ps -eo` row: it is `Sl` while a thread of it
# waits to report a job's status, which ends as the job's output does: at the moment of a
# look, a race, so its `l` is dropped.
SUBREAPER_ROWS = (
    r"^( +\d+ +\d+ \S+?)l( +(?:/usr/bin/tini -s -- )?python3 /opt/sandbox/jobs\.py)$",
    r"\1 \2",
)
# Under tini-subreaper, the controller's `docker exec`'d request that relays the job's
# output (until the orphan, which holds it too, has exited) is in the first `ps -eo`. Its
# PID came before tini's, between tini's and the job server's, or after both in six runs,
# which would reorder the PIDs golden.py renames: its row is left out of the comparison.
JOB_REQUEST_ROW = (r"^ +\d+ +0 \S+ +python3 /opt/sandbox/jobs\.py request\n", "")


def adopted_child(father: int, adopter: int) -> Callable[[Table], Process | None]:
    """A finder for wait_for: the father's child once `adopter` (1, or the subreaper) is its parent.

    The child is the only other `python3 test.py` (alive) or `[python3] <defunct>` (exited,
    under noreap) whose parent is the adopter; the init's own child (`sleep infinity`, or
    the job server under tini-subreaper) is neither.
    """

    def found(table: Table) -> Process | None:
        return next(
            (
                p
                for p in table
                if p.pid not in (1, father)
                and p.ppid == adopter
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


def moment(box: Box) -> Moment:
    """For `python -m sandbox shell orphan`: the father is gone, its child adopted."""
    job = box.start(SCRIPT)
    father, adopter = job.pid(), box.adopter()
    child = box.wait_for("the father's child, adopted", adopted_child(father, adopter))
    job.wait_for_output(CHILD_LINE.pattern)
    by = "PID 1" if adopter == 1 else f"the subreaper (tini -s, PID {adopter})"
    return Moment(
        f"The father (PID {father}) printed `father died..` and exited; its child {child.pid} "
        f"is an orphan, adopted by {by}. It waits for SIGUSR1 to end (the seed's ends at once).",
        (
            "ps -eo pid,ppid,stat,args",
            f"kill -USR1 {child.pid}    # the orphan ends: is it reaped, or a zombie of PID 1?",
            "ps -eo pid,ppid,stat,args",
        ),
    )


def drive(lab: Lab) -> None:
    with lab.box() as box:
        lab.say("执行文件")
        job = box.start(SCRIPT)
        father = job.pid()
        adopter = box.adopter()  # 1, or tini's PID under tini-subreaper
        by = "PID 1" if adopter == 1 else "the subreaper (tini -s)"
        by_pid = (
            "PID 1" if adopter == 1 else f"the subreaper `{lab.init.subreaper}` (PID {adopter})"
        )
        # The father is gone in milliseconds; the child sleeps 1 s, now the adopter's.
        child = box.wait_for(f"the father's child, adopted by {by}", adopted_child(father, adopter))
        # All three lines printed, then the look: the child waits for SIGUSR1 (test.py).
        output = job.wait_for_output(CHILD_LINE.pattern)
        box.capture(f"the child, adopted by {by}", "ps -eo pid,ppid,stat,args")
        lab.say("the orphan ends when told (the seed's ends right after printing)")
        box.kill(child.pid, "USR1")
        status = job.wait()  # the stream ends when the child, the last one holding it, exits
        father_line = FATHER_LINE.search(output)
        starter = "job server" if lab.init.jobs == "server" else "shell"
        child_line = CHILD_LINE.search(output)
        lab.check(
            "seed-output",
            father_line is not None
            and int(father_line.group(1)) == father != 1
            and int(father_line.group(2)) not in (0, 1, father)
            and "father died.." in output
            and child_line is not None
            and status == 0,
            f"printed {output!r}; the father {father} (announced by its {starter}) "
            + (
                f"printed ppid {father_line.group(2)}: the {starter} that started it, not PID 1"
                if father_line
                else "printed no `im father pid X ppid Y` line"
            )
            + f"; it exited with status {status}",
        )
        printed = (int(child_line.group(1)), int(child_line.group(2))) if child_line else None
        lab.check(
            "child-adopted-by-init",
            printed == (child.pid, adopter) and child.ppid == adopter,
            (
                f"the child printed pid {printed[0]} ppid {printed[1]}; "
                if printed
                else "the child printed no `im child Z P` line; "
            )
            + f"the process table showed pid {child.pid} ({child.cmd}, STAT {child.state}) "
            f"with PPID {child.ppid} once its father {father} was gone: adopted by {by_pid}",
        )

        table = box.wait_for(f"the orphan {child.pid} to exit", exited(child.pid))
        was = find(table, child.pid)
        stayed, held_s, last = box.stays(
            f"the orphan {child.pid} to stay a zombie",
            lambda t: (
                (z := find(t, child.pid)) is not None and z.state == "Z" and z.ppid == adopter
            ),
            REAP_WINDOW_S,
        )
        still = find(last, child.pid)
        lab.check(
            "init-reaps-the-orphan",
            not stayed,
            (
                f"the orphan {child.pid} exited and is still a zombie (STAT {still.state}, "
                f"PPID {still.ppid}) {held_s:.1f} s later: {by_pid} never waits for it"
                if stayed and still
                else f"the orphan {child.pid} exited and was reaped by {by_pid} "
                + (
                    f"{held_s * 1000:.0f} ms after it was seen as a zombie"
                    if was is not None
                    else "before the first look at the table after it exited"
                )
                + ": no zombie is left"
                + (" (PID 1 here never waits: only the subreaper can have)" if adopter != 1 else "")
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
`ps` showed the same PID with PPID 1. (Unlike the seed's, this child then waits for
`kill -USR1` before it ends, so that `ps` sees it alive whatever the machine's load.)

The tutorial goes on: the orphan's end is taken care of by init (孤儿进程声明周期结束自然会
被init来销毁). That depends on what PID 1 is. tini, docker-init (Docker's --init, a tini),
dumb-init and bash wait for every child they inherit: the orphan vanished the moment it
exited. noreap never calls wait(): the orphan that exited stays a zombie (Z,
`[python3] <defunct>`, PPID 1) for the container's whole life. An orphan is harmless
only under an init that reaps.

Under `tini-subreaper` the father's parent is the job server (which waits for it, as the
shell does), and tini runs between it and PID 1 as a child subreaper. The kernel hands an
orphan to the nearest subreaper among its ancestors, and only to PID 1 where there is
none: so the child prints `im child Z T`, T being tini's PID, not 1, and once it exits
tini reaps it at once — PID 1 there is noreap, which never would.

Under `none` (Docker's default) the script itself would be PID 1: the father is the
container's init, and when it exits the container ends and the kernel kills every other
process in it, the child included, before it can print. There is no orphan to see.""",
    expectations=(
        expect(
            "seed-output",
            "the script prints `im father pid X ppid Y` (Y the shell or job server that "
            "started it, not PID 1), `father died..`, then `im child Z P`; the father exits "
            "with status 0",
            noreap=True,
            tini=True,
            docker_init=True,
            dumb_init=True,
            bash=True,
            tini_subreaper=True,
        ),
        expect(
            "child-adopted-by-init",
            "the child prints `im child Z A`, and the process table shows pid Z with PPID A "
            "once its father is gone, A its adopter: PID 1 (the seed's `im child Z 1`), or "
            "tini's PID under tini-subreaper",
            noreap=True,
            tini=True,
            docker_init=True,
            dumb_init=True,
            bash=True,
            tini_subreaper=True,
        ),
        expect(
            "init-reaps-the-orphan",
            "once the orphan exits, its adopter (PID 1, or the subreaper) reaps it: no zombie "
            f"is left (it does not stay a zombie for {REAP_WINDOW_S:g} s)",
            noreap=False,
            tini=True,
            docker_init=True,
            dumb_init=True,
            bash=True,
            tini_subreaper=True,
        ),
    ),
    drive=drive,
    moment=moment,
    not_under={
        "none": "the script would be PID 1, so the father is the container's init: when it "
        "exits the container ends and the kernel kills the child before it can print, "
        "leaving no orphan to adopt",
    },
    timeout_s=30.0,
    # Inherent: the child's time.sleep(1) before it prints (waited for), then the exited
    # orphan watched for REAP_WINDOW_S: in full under noreap, which never reaps it.
    inherent_s=per_mode(1.0, noreap=1.0 + REAP_WINDOW_S),
    golden_masks=(SUBREAPER_ROWS, JOB_REQUEST_ROW),
)
