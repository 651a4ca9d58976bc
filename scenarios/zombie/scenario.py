"""zombie: the seed's 四:测试 — a child that exits while its parent sleeps stays a zombie.

Steps, as the seed runs them:
  #2  `python3 test.py &` at a shell, then `ps aux | grep Z` and `top`: one zombie.
  #3  解决方法一: kill the parent. The zombie is orphaned and handed to its adopter: PID 1,
      or under `tini-subreaper` tini, the nearest child subreaper. A reaping init (tini,
      docker-init, dumb-init, bash, the subreaper) reaps it; noreap never does. Under
      `none` test.py itself is PID 1: the kernel drops the SIGTERM (PID 1 gets no default
      action, and Python has no handler for it), so the parent lives on, and its zombie too.
      解决方法二: `p.join()` (test_join.py, in a box of its own, where under `none` it is
      PID 1) waits for the child: no zombie at all, whatever PID 1 is.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.inits import REAP_WINDOW_S
from sandbox.lab import Box, Lab, Table
from sandbox.model import Process
from sandbox.proctable import children_of, find, parse_ps_aux, parse_top_tasks
from sandbox.scenario import Moment, Scenario, expect, per_mode

# Under tini-subreaper, the job server's `ps -eo` row: it is `Sl` while a thread of it
# waits to report a job's status, which ends as the job's output does: at the moment of a
# look, a race, so its `l` is dropped.
SUBREAPER_ROWS = (
    r"^( +\d+ +\d+ \S+?)l( +(?:/usr/bin/tini -s -- )?python3 /opt/sandbox/jobs\.py)$",
    r"\1 \2",
)
SIGTERM_STATUS = 128 + 15  # the status a shell (or the job server) reports for a SIGTERM death


def zombie_child_of(parent_pid: int) -> Callable[[Table], tuple[Process, Process] | None]:
    """A finder for wait_for: (parent, zombie child) once `parent_pid` sleeps beside a zombie."""

    def found(table: Table) -> tuple[Process, Process] | None:
        parent = find(table, parent_pid)
        zombie = next((c for c in children_of(table, parent_pid) if c.state == "Z"), None)
        return (parent, zombie) if parent and parent.state == "S" and zombie else None

    return found


def printed_by_both(parent: Process, child: Process) -> Callable[[str], bool]:
    """Whether the parent printed `主 <its pid>` and the child `子 <its pid>`, in either order.

    Parent and child print at the same moment to one terminal: which line comes first is
    a race. Each line is one write (prints are line-buffered, as on a terminal).
    """

    def printed(output: str) -> bool:
        lines = set(output.splitlines())
        return f"主 {parent.pid}" in lines and f"子 {child.pid}" in lines

    return printed


def is_zombie(table: Table, pid: int) -> bool:
    process = find(table, pid)
    return process is not None and process.state == "Z"


def adopter_name(lab: Lab, pid: int) -> str:
    """Who a box's orphans go to, for a check's detail: PID 1, or the subreaper."""
    return "PID 1" if pid == 1 else f"the subreaper `{lab.init.subreaper}` (PID {pid})"


def seed_part(lab: Lab, box: Box) -> None:
    lab.say("#2 在unix或linux系统上执行")
    job = box.start("python3 test.py")
    parent, zombie = box.wait_for("a zombie child of python3 test.py", zombie_child_of(job.pid()))
    output = job.wait_for_output(r"(?s)主.*子|子.*主")  # both have printed (in either order)
    lab.check(
        "seed-output",
        printed_by_both(parent, zombie)(output),
        f"python3 test.py (pid {parent.pid}) and its child (pid {zombie.pid}) printed "
        f"{output!r}: 主 and 子 with their PIDs",
    )

    snapshot = box.capture("zombie", "ps aux | grep Z", "top -bn1 | head -5")
    header, rows = parse_ps_aux(snapshot.transcript.split("$ top")[0])
    line = next((r for r in rows if r.pid == zombie.pid), None)
    grep = any(r.command.startswith("grep") and r.command.endswith("Z") for r in rows)
    lab.check(
        "ps-shows-zombie",
        header
        and grep
        and line is not None
        and line.stat.startswith("Z")
        and (line.vsz, line.rss) == (0, 0)
        and line.command == "[python3] <defunct>",
        f"header {'shown' if header else 'missing'}; zombie line: "
        + (
            f"PID {line.pid} STAT {line.stat} VSZ {line.vsz} RSS {line.rss} {line.command}"
            if line
            else "missing"
        )
        + f"; grep line {'shown' if grep else 'missing'}",
    )
    tasks = parse_top_tasks(snapshot.transcript)
    lab.check(
        "top-counts-one-zombie",
        tasks is not None and tasks.zombie == 1,
        f"top's Tasks line counts {tasks.zombie} zombie" if tasks else "top printed no Tasks line",
    )
    alive = find(snapshot.processes, parent.pid)
    itself = " (PID 1 itself: under `none` the script is the container's init)"
    lab.check(
        "zombie-waits-for-its-parent",
        alive is not None and alive.state == "S" and zombie.ppid == parent.pid,
        f"zombie {zombie.pid} has PPID {zombie.ppid}: python3 test.py"
        + (itself if parent.pid == 1 else "")
        + f", alive ({alive.state if alive else 'gone'}) in time.sleep(1000) and never "
        "calling wait()",
    )

    lab.say("#3 解决方法一:杀死父进程")
    adopter = box.adopter()
    adopter_is = adopter_name(lab, adopter)
    box.kill(parent.pid)
    status: int | None = None
    if parent.pid == 1:
        # Under `none` the parent is PID 1, which gets no default action for a signal it
        # has no handler for (Python installs one for SIGINT only): the kernel drops the
        # SIGTERM, and the job would never end. So what is checked is that nothing happens
        # within REAP_WINDOW_S: PID 1 and its zombie both still there. A SIGTERM that acts
        # ends its target as it is delivered; in every other mode the parent was gone, and
        # its zombie reaped where PID 1 reaps, within milliseconds of `kill`.
        stayed, held_s, last = box.stays(
            f"python3 test.py (PID 1) and its zombie {zombie.pid} to stay",
            lambda t: (p := find(t, 1)) is not None and p.state != "Z" and is_zombie(t, zombie.pid),
            REAP_WINDOW_S,
        )
        survivor = find(last, 1)
        gone = killed = survivor is None
        if survivor is None:
            kill_detail = f"PID 1 was gone {held_s * 1000:.0f} ms after `kill -TERM 1`"
        else:
            lab.say(
                "PID 1 has no handler for SIGTERM: the kernel dropped it; python3 test.py lives on"
            )
            kill_detail = (
                f"python3 test.py (PID 1) is still alive (STAT {survivor.state}) {held_s:.1f} s "
                f"after `kill -TERM 1`, and so is its zombie {zombie.pid}: PID 1 gets no default "
                "action for a signal it has no handler for, and Python handles SIGINT only"
            )
    else:
        status = job.wait()  # its shell (or the job server) has reaped it: it is gone
        gone, killed = True, status == SIGTERM_STATUS
        waiter = "job server" if lab.init.jobs == "server" else "shell"
        kill_detail = (
            f"`kill -TERM {parent.pid}` ended python3 test.py: exit {status}, as its {waiter} "
            f"saw it{'' if killed else f', not {SIGTERM_STATUS} (SIGTERM)'}"
        )
        stayed, held_s, last = box.stays(
            f"zombie {zombie.pid} to stay", lambda t: is_zombie(t, zombie.pid), REAP_WINDOW_S
        )
    lab.check("kill-ends-the-parent", killed, kill_detail)

    adopted = find(last, zombie.pid)
    if not gone:
        orphan_detail = (
            f"python3 test.py (pid {parent.pid}) survived the kill, so zombie {zombie.pid} was "
            f"never orphaned: {held_s:.1f} s later it is "
            + (
                f"still <defunct> with PPID {adopted.ppid}, the parent that never waits for it"
                if adopted
                else "gone"
            )
        )
    elif stayed and adopted:
        orphan_detail = (
            f"zombie {zombie.pid} now has PPID {adopted.ppid} and is still <defunct> "
            f"{held_s:.1f} s after its parent died (exit {status}): "
            + (
                f"{adopter_is} never waits"
                if adopted.ppid == adopter
                else f"its parent is not {adopter_is}, which orphans go to"
            )
        )
    else:
        orphan_detail = (
            f"zombie {zombie.pid} was reaped {held_s * 1000:.0f} ms after its parent died "
            f"(exit {status}): {adopter_is} adopted it and waited for it"
            + (" (PID 1 here never waits: only the subreaper can have)" if adopter != 1 else "")
        )
    lab.check(
        "orphaned-zombie-stays",
        gone and stayed and adopted is not None and adopted.ppid == adopter,
        orphan_detail,
    )
    box.capture(
        "after killing the parent" if gone else "after kill -TERM 1 (the parent lives on)",
        "ps aux | grep Z",
        "ps -eo pid,ppid,stat,args",
    )


def join_part(lab: Lab, box: Box) -> None:
    lab.say("解决方法二:对开启的子进程应该记得使用join,join会回收僵尸进程")
    job = box.start("python3 test_join.py")
    job.wait_for_output("主")  # printed only after p.join() returned
    snapshot = box.capture("after join", "ps aux | grep Z")
    parent = find(snapshot.processes, job.pid())
    _, rows = parse_ps_aux(snapshot.transcript)
    zombies = [p for p in snapshot.processes if p.state == "Z"] + [r for r in rows if r.is_zombie]
    lab.check(
        "join-leaves-no-zombie",
        parent is not None and parent.state == "S" and not zombies,
        f"python3 test_join.py (pid {parent.pid if parent else '?'}) is alive after join(); "
        f"zombies: {len(zombies)}",
    )


def drive(lab: Lab) -> None:
    with lab.box() as box:
        seed_part(lab, box)
    # A fresh box: test.py's still holds its zombie (and under `none` test.py is its PID 1,
    # alive, so test_join.py could not be PID 1 there).
    with lab.box() as box:
        join_part(lab, box)


def moment(box: Box) -> Moment:
    """For `python -m sandbox shell zombie`: python3 test.py sleeps beside its zombie child."""
    job = box.start("python3 test.py")
    parent, zombie = box.wait_for("a zombie child of python3 test.py", zombie_child_of(job.pid()))
    job.wait_for_output(r"(?s)主.*子|子.*主")
    itself = ": the container's init itself, which `kill` cannot end" if parent.pid == 1 else ""
    return Moment(
        f"python3 test.py (PID {parent.pid}{itself}) sleeps for 1000 s and never calls wait(): "
        f"its child {zombie.pid} has exited and is a zombie.",
        (
            "ps aux | grep Z",
            "top -bn1 | head -5",
            f"kill {parent.pid}          # 解决方法一: kill the parent",
            "ps -eo pid,ppid,stat,args  # who has the zombie now?",
        ),
    )


# Where a check holds under every mode.
EVERYWHERE = dict(
    noreap=True, tini=True, none=True, docker_init=True, dumb_init=True, bash=True,
    tini_subreaper=True,
)  # fmt: skip

SCENARIO = Scenario(
    name="zombie",
    title="2.僵尸进程与孤儿进程 — 四:测试",
    summary="A child exits while its parent sleeps: a zombie; kill the parent, or join() it.",
    explanation="""\
The child printed 子 and exited at once, but its parent (python3 test.py) sleeps for 1000 s
and never calls wait(): the kernel keeps the child's exit status for it, so the child is
a zombie — STAT Z, VSZ 0, RSS 0, `[python3] <defunct>` — and top counts `1 zombie`.
(The header line shows too: `grep Z` matches the Z of VSZ.)

Killing the parent (解决方法一) orphans the zombie; the kernel hands it to PID 1. Under
`tini`, `docker-init` (Docker's --init, a tini), `dumb-init` and `bash` PID 1 waits for it
and it is gone in milliseconds. Under `noreap` PID 1 never calls wait(): the zombie stays,
now with PPID 1, for the container's whole life — the tutorial's "init will reap it" holds
only when PID 1 is a real init. Under `tini-subreaper` PID 1 is noreap again, but tini
runs below it as a child subreaper: the orphan goes to tini, the nearest subreaper among
its ancestors, not to PID 1, and tini reaps it at once (PID 1 never reaps, so only tini
can have).

Under `none` (Docker's default) there is no init: python3 test.py is PID 1 itself, and
its zombie shows PPID 1 because PID 1 is its real parent. `kill -TERM 1` then does
nothing: the kernel gives PID 1 no default action for a signal, and Python has a handler
for SIGINT only, so the SIGTERM is dropped. The parent lives on, never waits, and its
zombie stays: 解决方法一 cannot work from inside such a container.

With p.join() (解决方法二) the parent waits for its child itself: no zombie at all,
whatever PID 1 is — under `none` too, where test_join.py is PID 1 of its own box.""",
    expectations=(
        expect("seed-output", "the script prints 主 <parent pid> and 子 <child pid>", **EVERYWHERE),
        expect(
            "ps-shows-zombie",
            "`ps aux | grep Z` shows the header, the zombie "
            "(Z, VSZ 0, RSS 0, [python3] <defunct>) and grep",
            **EVERYWHERE,
        ),
        expect("top-counts-one-zombie", "top's Tasks line says 1 zombie", **EVERYWHERE),
        expect(
            "zombie-waits-for-its-parent",
            "the zombie's parent is the sleeping python3 test.py, which never waits",
            **EVERYWHERE,
        ),
        expect(
            "kill-ends-the-parent",
            "解决方法一: `kill -TERM <parent>`, typed in the container, ends python3 test.py "
            "(where it is PID 1, the parent and its zombie are both still there "
            f"{REAP_WINDOW_S:g} s later)",
            noreap=True,
            tini=True,
            none=False,
            docker_init=True,
            dumb_init=True,
            bash=True,
            tini_subreaper=True,
        ),
        expect(
            "orphaned-zombie-stays",
            "after its parent is killed, the zombie is adopted (by PID 1, or by the subreaper "
            f"under tini-subreaper) and still there {REAP_WINDOW_S:g} s later",
            noreap=True,
            tini=False,
            none=False,
            docker_init=False,
            dumb_init=False,
            bash=False,
            tini_subreaper=False,
        ),
        expect("join-leaves-no-zombie", "with p.join() no zombie is left", **EVERYWHERE),
    ),
    drive=drive,
    moment=moment,
    timeout_s=60.0,
    # Inherent: test.py's child exits at once (no sleep waited through); after the kill the
    # zombie is watched for REAP_WINDOW_S, waited out in full where it stays (noreap) or
    # where the kill is dropped (none, PID 1); a reaping init ends the window at once.
    inherent_s=per_mode(0.0, noreap=REAP_WINDOW_S, none=REAP_WINDOW_S),
    golden_masks=(
        # Parent and child print at the same moment: either line may come first.
        (r"^子 (\d+)\n主 (\d+)$", r"主 \2\n子 \1"),
        SUBREAPER_ROWS,
    ),
)
