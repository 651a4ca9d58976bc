"""pid-exhaustion: the harm of 一:僵尸进程 — zombies use up the process numbers.

"系统所能使用的进程号是有限的,如果大量的产生僵死进程,将因为没有可用的进程号而导致系统不能产生新的
进程": in a container limited to PIDS_LIMIT processes (`--pids-limit`), a parent that
never waits forks until fork() fails with EAGAIN; then nothing else can start there
either. The same parent that waits for each child (join) forks 200 times and never fails.

While its pids are used up, nothing can be relied on to start inside the container, not
even the controller's probe: `docker exec` lets a process in (joining a cgroup is not a
fork, so the limit does not stop it), but that process cannot fork, and now and then the
exec fails before it starts (`OCI runtime exec failed: ... read init-p: connection reset
by peer`, 3 times in 40 here: runc's `runc init` dies in its set-up, most likely unable to
start a thread once it is in the full cgroup). So the full container is seen from the host (its
/proc, and the kernel's pids counter), and the one command started in it is the one that
shows the harm, whichever way it fails. The box is then removed, zombies and all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from sandbox.inits import JOBS_SERVER
from sandbox.lab import Box, Lab, Table
from sandbox.model import Process, Snapshot
from sandbox.proctable import (
    HELPER_MARK,
    children_of,
    format_table,
    pids_usage,
    read_host,
    zombies,
)
from sandbox.scenario import Scenario, everywhere, expect

PIDS_LIMIT = 32  # small, so the pile is quick to make and to read; far below the bound
FORKS = 200  # test.py's and test_join.py's bound on forks (see test.py)

RESULT_LINE = re.compile(r"主 (\d+) children: (\d+)\n")
FAILURE_LINE = re.compile(r"fork (\d+) failed: (\w+) \[Errno (\d+)\] ([^\n]*)\n")


def all_children_zombies(parent: int, count: int) -> Callable[[Table], Table | None]:
    """A finder for wait_for: the table once `count` children of `parent` are all zombies
    and `parent` itself has gone to sleep (it prints its count, then sleeps)."""

    def found(table: Table) -> Table | None:
        kids = children_of(table, parent)
        asleep = any(p.pid == parent and p.state == "S" for p in table)
        return (
            table if asleep and len(kids) == count and all(k.state == "Z" for k in kids) else None
        )

    return found


def describe(process: Process, threads: dict[int, int]) -> str:
    count = threads.get(process.pid, 1)
    return f"{process.pid} {process.cmd}" + (f" ({count} threads)" if count > 1 else "")


def pids_counter(lab: Lab, box: Box) -> tuple[int, int] | None:
    """The kernel's (pids.current, pids.max) for the box, or None where the host cannot see it."""
    if not box.host_view:
        return None
    return pids_usage(box.init_host_pid)


def threads_by_pid(box: Box) -> dict[int, int]:
    """Container PID -> its number of threads, read from the host's /proc ({} if it cannot).

    The pids limit counts tasks, threads included: a process with a thread of its own (the
    job server of `tini-subreaper` keeps one per job, waiting for it) takes two.
    """
    if not box.host_view:
        return {}
    counts: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if box.container_id not in (entry / "cgroup").read_text():
                continue
            status = (entry / "status").read_text()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        counts[int(fields["NSpid"].split()[-1])] = int(fields["Threads"])
    return counts


def read_full_table(box: Box) -> Table:
    """The table while every pid is used: from the host, helpers included, when it can see it.

    Without a host view (a remote engine) the probe is the only way: a `docker exec`, which
    may then fail (see above) and end the run.
    """
    if box.host_view:
        return read_host(box.container_id, box.init_host_pid)
    return box.processes()


def hoarding_part(lab: Lab, box: Box) -> None:
    lab.say("如果进程不调用wait / waitpid的话 ... 其进程号就会一直被占用")
    job = box.start("python3 test.py")
    parent = job.pid()
    output = job.wait_for_output(RESULT_LINE.pattern)
    result = RESULT_LINE.search(output)
    failure = FAILURE_LINE.search(output)
    forked = int(result.group(2)) if result else -1
    lab.fact("forks_before_eagain", forked)
    lab.check(
        "fork-fails-eagain",
        failure is not None
        and failure.group(2) == "BlockingIOError"
        and failure.group(3) == "11"
        and int(failure.group(1)) == forked + 1
        and 0 < forked < FORKS,
        (
            f"fork number {failure.group(1)} raised {failure.group(2)} [Errno "
            f"{failure.group(3)}] {failure.group(4)} (EAGAIN), after {forked} children"
            if failure
            else f"no fork failed: {forked} children of {FORKS} forked"
        ),
    )

    # From here on, every process number is used: only the host can look.
    if failure is not None:
        box.wait_for(f"the {forked} children to be zombies", all_children_zombies(parent, forked))
    table = read_full_table(box)
    threads = threads_by_pid(box)
    counter = pids_counter(lab, box)
    kids = children_of(table, parent)
    others = [p for p in table if p.ppid != parent]
    # The controller's own commands (the probe, a typed command), not the mode's job server.
    helpers = [p for p in others if HELPER_MARK in p.cmd and JOBS_SERVER not in p.cmd]
    # What else holds a pid: each other process, and each extra thread of one.
    held = sum(threads.get(p.pid, 1) for p in others)
    lab.fact("pids_limit", PIDS_LIMIT)
    lab.fact("other_processes", len(others))
    lab.fact("other_tasks", held)
    if counter:
        lab.fact("pids_current_at_failure", counter[0])
    lab.check(
        "zombies-hold-every-pid",
        len(kids) == forked
        and all(k.state == "Z" for k in kids)
        and not helpers
        and forked == PIDS_LIMIT - held
        and (counter is None or counter == (PIDS_LIMIT, PIDS_LIMIT)),
        f"{len(zombies(kids))} zombies (of {len(kids)} children) + {len(others)} other "
        f"process{'' if len(others) == 1 else 'es'} "
        f"({'; '.join(describe(p, threads) for p in others)}) holding {held} "
        f"pid{'' if held == 1 else 's'} = {len(kids) + held} of the limit {PIDS_LIMIT}, "
        "which leaves room for "
        f"{PIDS_LIMIT} - {held} = {PIDS_LIMIT - held} children"
        + (
            f"; the kernel's pids counter: {counter[0]} of {counter[1]}"
            if counter
            else "; the kernel's pids counter is not visible from here"
        )
        + (f"; the controller's own: {', '.join(p.cmd for p in helpers)}" if helpers else ""),
    )

    # The harm itself: no new process can start. The shell that `docker exec` starts is
    # let in (joining a cgroup is not a fork), but cannot fork `ps`; now and then runc's
    # own set-up fails first (`read init-p: connection reset by peer`), and the exec fails.
    typed = box.type("ps aux | grep Z")
    cannot = "Cannot fork" in typed or "exec failed" in typed
    lab.check(
        "no-new-process",
        cannot and not re.search(r"\[python3\] <defunct>", typed),
        f"`ps aux | grep Z` could not start: {typed.strip()!r}"
        if cannot
        else f"`ps aux | grep Z` ran: {typed.strip()!r}",
    )
    lab.say("the container's processes, read from the host's /proc (none can start inside)")
    lab.write(format_table(table) + "\n")
    lab.snapshots.append(
        Snapshot(
            "every pid used (read from the host)",
            f"$ ps aux | grep Z\n{typed}",
            table,
            table if box.host_view else None,
            round(lab.elapsed(), 3),
        )
    )


def joining_part(lab: Lab, box: Box) -> None:
    lab.say("解决方法二:对开启的子进程应该记得使用join (os.waitpid), join会回收僵尸进程")
    job = box.start("python3 test_join.py")
    parent = job.pid()
    output = job.wait_for_output(RESULT_LINE.pattern)
    result = RESULT_LINE.search(output)
    forked = int(result.group(2)) if result else -1
    lab.fact("forks_with_join", forked)
    snapshot = box.capture("after the joined children", "ps aux | grep Z")
    alive = any(p.pid == parent and p.state != "Z" for p in snapshot.processes)
    left = zombies(snapshot.processes)
    lab.check(
        "join-never-fails",
        forked == FORKS and FAILURE_LINE.search(output) is None and alive and not left,
        f"python3 test_join.py forked and waited for {forked} children, "
        f"{forked / PIDS_LIMIT:.1f} times the limit of {PIDS_LIMIT}, "
        + ("without a failure" if FAILURE_LINE.search(output) is None else "but a fork failed")
        + f"; it is {'alive' if alive else 'gone'}, zombies: {len(left)}",
    )


def drive(lab: Lab) -> None:
    with lab.box() as box:  # limited to PIDS_LIMIT (Scenario.pids_limit)
        hoarding_part(lab, box)
    with lab.box() as box:
        joining_part(lab, box)


SCENARIO = Scenario(
    name="pid-exhaustion",
    pids_limit=PIDS_LIMIT,
    title="2.僵尸进程与孤儿进程 — 一:僵尸进程(有害)",
    summary=f"Zombies keep their PIDs: at --pids-limit {PIDS_LIMIT} fork() fails; join avoids it.",
    explanation=f"""\
Each container here may hold at most {PIDS_LIMIT} processes (`--pids-limit {PIDS_LIMIT}`):
a small stand-in for the system's limited supply of process numbers. test.py forks
children that exit at once and never waits for them. Every exited child stays a zombie,
and a zombie keeps its process number and still counts against the limit — only a wait()
gives it back. When the pile fills the limit, the next fork() fails with
BlockingIOError [Errno 11] (EAGAIN): "没有可用的进程号而导致系统不能产生新的进程".

How many zombies fit is the limit minus everything else that holds a process number,
read from the table at the failure: PID 1 and what it runs, whatever started the script,
and the script itself; a thread counts as well. So "limit - 1" holds only where the
parent is alone: under `none` (Docker's default) the script is PID 1 and nothing else
runs, and {PIDS_LIMIT - 1} zombies fit. Under noreap 3 processes are there besides them
(PID 1, the shell, the script: {PIDS_LIMIT - 3} fit); under tini, docker-init, dumb-init
and bash, 4 (PID 1 runs `sleep infinity` too: {PIDS_LIMIT - 4}); under tini-subreaper, 5
processes holding 6 (noreap, tini, the job server with a thread that waits for the job,
the request relaying its output, the script: {PIDS_LIMIT - 6}). Which init runs decides
only the count: the zombies are the living parent's own children, so no init may reap
them.

And then nothing new can start there: even `ps aux | grep Z` fails: its shell cannot
fork (or, now and then, `docker exec` cannot even start the shell). The full container
can be looked at only from the outside: the table shown is the host's view of its /proc.

test_join.py is the same parent with os.waitpid after each fork (the wait that join()
does): each child is reaped as it ends, one process number is reused over and over, and
{FORKS} forks go through under the same limit.""",
    expectations=(
        expect(
            "fork-fails-eagain",
            "the parent that never waits gets BlockingIOError [Errno 11] (EAGAIN) from "
            f"fork() before {FORKS} children",
            **everywhere(),
        ),
        expect(
            "zombies-hold-every-pid",
            "at the failure its children are all zombies, and they and the container's "
            f"other processes fill the limit of {PIDS_LIMIT} exactly",
            **everywhere(),
        ),
        expect(
            "no-new-process",
            "while the zombies hold the pids, a command typed in the container cannot start",
            **everywhere(),
        ),
        expect(
            "join-never-fails",
            f"the same parent, waiting for each child, forks {FORKS} times under the same "
            "limit without a failure and leaves no zombie",
            **everywhere(),
        ),
    ),
    drive=drive,
    timeout_s=40.0,
    # Inherent: none; the forks fail within milliseconds, and nothing is watched for a window.
    inherent_s=0.0,
    golden_masks=(
        # Which way the command fails to start varies (see the docstring); that it fails does not.
        (
            r"^(?:OCI runtime exec failed: .*|/opt/sandbox/sh: \d+: eval: Cannot fork)$",
            "<cannot start: `eval: Cannot fork`, or runc's `exec failed`>",
        ),
        (r"fork (\d+) failed", r"fork #\1 failed"),  # counts, not PIDs
        (r"children: (\d+)", r"children: #\1"),
        # The table's columns are aligned to the width of each PID, which varies (a PID of
        # 9 one run is 10 the next): one space between columns instead.
        (r"^ *(\d+) +(\d+) (\S) +", r"\1 \2 \3 "),
    ),
)
