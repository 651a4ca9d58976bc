"""start-methods: the seed's 四:测试 under each start method — who forks the child, who reaps it.

Three variants of the seed's test.py, side by side, each in its own container:
  test.py             as the seed wrote it (the start method is this Python's default:
                      fork up to 3.13, forkserver from 3.14)
  test_fork.py        set_start_method('fork'): the child is the main process's own, a zombie
  test_forkserver.py  set_start_method('forkserver'): a server process forks the child and
                      waits for it, so no zombie is left
Each prints the Python and its start method first, and the child prints its parent's PID.
The checks hold alike on every Python and under every PID 1 mode; what differs between
Pythons is what test.py does, shown in its transcript and in the facts
`default_start_method` and `python_version`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from sandbox.inits import REAP_WINDOW_S
from sandbox.lab import Box, Lab, Table
from sandbox.model import Process
from sandbox.proctable import find, parse_ps_aux
from sandbox.scenario import Scenario, everywhere, expect

# Every PID 1 mode: the zombie's parent, the main process, is alive throughout, so nothing
# is orphaned and PID 1 (or the subreaper) never gets to reap or not to reap anything.

# What the scripts print, each line one write (prints are line-buffered in the container).
HEADER = re.compile(r"^Python (\S+) start method (\w+)$", re.MULTILINE)
CHILD = re.compile(r"^子 (\d+) (\d+)$", re.MULTILINE)  # 子 <its pid> <its parent's pid>
MAIN = re.compile(r"^主 (\d+)$", re.MULTILINE)
FORKSERVER = "multiprocessing.forkserver"  # in the server process's command line


class Fate(NamedTuple):
    """What became of one variant's child (a NamedTuple: a dataclass needs its module in
    sys.modules, which a scenario.py loaded from its file is not)."""

    script: str
    python: str  # platform.python_version() in the container
    method: str  # the start method the script ran with
    main: int  # python3 <script>, as its shell announced it
    printed_main: int  # the PID it printed after 主
    child: int
    printed_ppid: int  # the child's os.getppid()
    seen_zombie: bool  # the child was a zombie when first seen exited (else already gone)
    stayed: bool  # still a zombie REAP_WINDOW_S after it was first seen exited
    held_s: float  # how long it was watched as a zombie
    table: Table  # the process table after that
    ps_zombies: tuple[int, ...]  # the PIDs `ps aux | grep Z` showed in state Z


def exited(child: int) -> Callable[[Table], str | None]:
    """A finder for wait_for: "Z" once `child` is a zombie, "gone" once reaped."""

    def found(table: Table) -> str | None:
        row = find(table, child)
        return "gone" if row is None else "Z" if row.state == "Z" else None

    return found


def observe(box: Box, script: str) -> Fate:
    """Start `script` at a shell, wait for its child to exit, watch whether it stays a zombie."""
    job = box.start(f"python3 {script}")
    main = job.pid()
    output = job.wait_for_output(lambda o: all(p.search(o) for p in (HEADER, CHILD, MAIN)))
    header, child_line, main_line = HEADER.search(output), CHILD.search(output), MAIN.search(output)
    assert header and child_line and main_line  # what wait_for_output waited for
    child = int(child_line[1])
    state = box.wait_for(f"child {child} of {script} to exit", exited(child))
    # Under fork nobody waits for the child while the main process sleeps: it must stay.
    # Under forkserver the server waits for it as soon as SIGCHLD wakes its select loop,
    # within milliseconds. REAP_WINDOW_S, the project's one window for "is it reaped"
    # (2 s, twice tini's own 1 s fallback), leaves no doubt either way.
    stayed, held_s, _ = box.stays(
        f"child {child} to stay a zombie",
        lambda t: (row := find(t, child)) is not None and row.state == "Z",
        REAP_WINDOW_S,
    )
    snapshot = box.capture(
        f"{script}, after its child exited", "ps aux | grep Z", "ps -eo pid,ppid,stat,args"
    )
    _, rows = parse_ps_aux(snapshot.transcript.split("$ ps -eo")[0])
    return Fate(
        script=script,
        python=header[1],
        method=header[2],
        main=main,
        printed_main=int(main_line[1]),
        child=child,
        printed_ppid=int(child_line[2]),
        seen_zombie=state == "Z",
        stayed=stayed,
        held_s=held_s,
        table=snapshot.processes,
        ps_zombies=tuple(r.pid for r in rows if r.is_zombie),
    )


def forkserver_of(fate: Fate) -> Process | None:
    return next((p for p in fate.table if FORKSERVER in p.cmd), None)


def zombie_verdict(fate: Fate) -> tuple[bool, str]:
    """Whether the child is a fork of the main process, left a zombie while the main sleeps."""
    row = find(fate.table, fate.child)
    main = find(fate.table, fate.main)
    holds = (
        fate.method == "fork"
        and fate.printed_main == fate.main
        and fate.printed_ppid == fate.main
        and fate.stayed
        and row is not None
        and row.state == "Z"
        and row.ppid == fate.main
        and main is not None
        and main.state == "S"
        and fate.child in fate.ps_zombies
    )
    parent = (
        f"the child (pid {fate.child}) printed PPID {fate.printed_ppid}, "
        f"python3 {fate.script} being pid {fate.main}"
    )
    if fate.stayed and row is not None:
        seen = (
            f"it is still <defunct> {fate.held_s:.1f} s after it exited, PPID {row.ppid}, "
            f"while its parent sleeps ({main.state if main else 'gone'}); `ps aux | grep Z` "
            f"{'shows' if fate.child in fate.ps_zombies else 'does not show'} it as Z"
        )
    else:
        seen = f"it was reaped {reaped(fate)}"
    return holds, f"{parent}; {seen}"


def reaped_verdict(fate: Fate) -> tuple[bool, str]:
    """Whether the child is the forkserver's, reaped by it at once: no zombie in the box."""
    server = forkserver_of(fate)
    zombies = [p.pid for p in fate.table if p.state == "Z"]
    holds = (
        fate.method == "forkserver"
        and fate.printed_main == fate.main
        and server is not None
        and server.ppid == fate.main
        and fate.printed_ppid == server.pid
        and not fate.stayed
        and find(fate.table, fate.child) is None
        and not zombies
        and not fate.ps_zombies
    )
    where = (
        f"the forkserver (pid {server.pid}, PPID {server.ppid})"
        if server
        else "no forkserver process in the box"
    )
    parent = (
        f"the child (pid {fate.child}) printed PPID {fate.printed_ppid}: {where}, "
        f"python3 {fate.script} being pid {fate.main}"
    )
    if fate.stayed:
        seen = f"it is still <defunct> {fate.held_s:.1f} s after it exited"
    else:
        seen = f"it was reaped {reaped(fate)}"
    return holds, (
        f"{parent}; {seen}; zombies in the box: {len(zombies)}, "
        f"`ps aux | grep Z` shows {len(fate.ps_zombies)}"
    )


def reaped(fate: Fate) -> str:
    if fate.seen_zombie:
        return f"after being a zombie for at most {fate.held_s * 1000:.0f} ms"
    return "before the process table was first read after it printed"


def default_part(lab: Lab) -> None:
    with lab.box() as box:
        lab.say("test.py as the seed wrote it: the start method is this Python's default")
        fate = observe(box, "test.py")
    lab.fact("python_version", fate.python)
    lab.fact("default_start_method", fate.method)
    lab.fact("default_zombies", sum(1 for p in fate.table if p.state == "Z"))
    if fate.method == "fork":
        holds, detail = zombie_verdict(fate)
        kind = "a zombie left"
    elif fate.method == "forkserver":
        holds, detail = reaped_verdict(fate)
        kind = "no zombie left"
    else:
        holds, detail, kind = False, "a start method this scenario does not know", "?"
    lab.check(
        "default-behaves-as-its-start-method",
        holds,
        f"Python {fate.python}'s default start method is {fate.method}, so {kind}: {detail}",
    )


def fork_part(lab: Lab) -> None:
    with lab.box() as box:
        lab.say("set_start_method('fork'): the main process forks the child itself")
        fate = observe(box, "test_fork.py")
    holds, detail = zombie_verdict(fate)
    lab.check("fork-leaves-a-zombie", holds, f"start method {fate.method}: {detail}")


def forkserver_part(lab: Lab) -> None:
    with lab.box() as box:
        lab.say("set_start_method('forkserver'): a server process forks the child")
        fate = observe(box, "test_forkserver.py")
    holds, detail = reaped_verdict(fate)
    lab.check("forkserver-reaps-it", holds, f"start method {fate.method}: {detail}")


def drive(lab: Lab) -> None:
    lab.parallel(lambda: default_part(lab), lambda: fork_part(lab), lambda: forkserver_part(lab))


SCENARIO = Scenario(
    name="start-methods",
    title="2.僵尸进程与孤儿进程 — 四:测试",
    summary="The zombie demo under fork and forkserver (3.14's default): who forks, who reaps.",
    explanation="""\
The seed's test.py leaves a zombie because its child is a fork of python3 test.py, which
sleeps for 1000 s and never calls wait(). Whether that happens depends on how
multiprocessing starts the child, its start method: on Linux the default is `fork` up to
Python 3.13 and `forkserver` from 3.14. Each variant prints the Python and its start
method first, and the child prints its own PID and its parent's.

With fork (test_fork.py, and test.py up to 3.13) the child's parent is the main process:
the child exits and stays `Z`, `[python3] <defunct>`, with the main process as its PPID,
for as long as the main process sleeps.

With forkserver (test_forkserver.py, and test.py from 3.14) the first p.start() starts a
server process — the `multiprocessing.forkserver` line of `ps -eo pid,ppid,stat,args`, a
child of the main process, with a resource tracker beside it — and the server forks each
child: the child prints the server's PID as its parent. The server waits for its children
as soon as they exit (it hands the exit status to the main process through a pipe), so no
zombie is left and `ps aux | grep Z` shows only its own header and grep. The seed's demo,
run unchanged on 3.14, shows no zombie; the other scenarios pin `fork` to show what the
seed shows. Run this one with `--python 3.14` to see test.py turn into the forkserver
case; the checks hold on each Python, and say which start method the default was.

PID 1 plays no part here: the zombie's parent is alive, so nothing is orphaned, and every
mode shows the same. Under `none` the main process is PID 1 itself (`[1] 1`) and the fork
child's zombie has PPID 1: PID 1 reaps only what it waits for, like any parent.""",
    expectations=(
        expect(
            "fork-leaves-a-zombie",
            "with set_start_method('fork') the child's parent is the main process, and the child "
            f"stays a zombie (Z, PPID the main process, in `ps aux | grep Z`) for "
            f"{REAP_WINDOW_S:g} s while the main process sleeps",
            **everywhere(),
        ),
        expect(
            "forkserver-reaps-it",
            "with set_start_method('forkserver') the child's parent is the forkserver, itself "
            "a child of the main process, which reaps it: no zombie left in the box",
            **everywhere(),
        ),
        expect(
            "default-behaves-as-its-start-method",
            "the seed's unpinned test.py behaves as its Python's default start method: a zombie "
            "whose parent is the main process under fork, none (reaped by the forkserver) under "
            "forkserver",
            **everywhere(),
        ),
    ),
    drive=drive,
    timeout_s=60.0,
    # Inherent: three parts side by side; the fork variants' zombie is watched for
    # REAP_WINDOW_S in full (it stays while the main sleeps), whatever PID 1 is.
    inherent_s=REAP_WINDOW_S,
    golden_masks=(
        # The parent and its child print at the same moment: either line may come first.
        (r"^子 (\d+) (\d+)\n主 (\d+)$", r"主 \3\n子 \1 \2"),
        # `ps -eo` right-aligns its PIDs: a PID of one digit in one run and two in the next
        # (the first ones handed out in a box straddle 9 and 10) shifts the padding of P<n>.
        (r"^ +(\d+) +(\d+) (\S+) +", r"\1 \2 \3 "),
        # A live process is R (on a CPU, or waiting for one) or S (asleep) at the instant ps
        # reads it, and on a loaded machine any of them can be caught running: the shell
        # that has not yet waited for ps, tini waking up (every second), the job server.
        # What these rows are about is who is whose parent, and who is a zombie (Z, kept).
        (r"^(\d+ \d+ )[RS]\S*( )", r"\1STAT\2"),
    ),
)
