"""pid-info: the seed's 1.Process对象的方法与属性 — PIDs, `ps aux|grep PID`, terminate().

Steps:
  `python3 pid_info.py &`: the parent prints its PIDs, starts a child that prints its own
  and sleeps.
  `ps aux | grep <child pid>` while the child lives: its line is there.
  `kill -USR1 <parent>` (a learner pressing Enter): the parent prints p.pid, calls
  p.terminate(), prints is_alive() at once, sleeps 0.1 s as the seed does, prints
  is_alive() and exitcode.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sandbox.lab import Lab, Table
from sandbox.model import Process
from sandbox.proctable import find, parse_ps_aux
from sandbox.scenario import Scenario, everywhere, expect

SCRIPT = "python3 pid_info.py"

# What the script prints before it waits: the parent's lines, then the child's.
PARENT_LINES = {
    "current": r"主 current_process\(\)\.pid=(\d+)",
    "getpid": r"主 os\.getpid\(\)=(\d+)",
    "getppid": r"主 os\.getppid\(\)=(\d+)",
}
CHILD_LINE = r"子 current_process\(\)\.pid=(\d+) os\.getpid\(\)=(\d+) os\.getppid\(\)=(\d+)"
# After SIGUSR1: p.pid, is_alive() at once, is_alive() after 0.1 s, exitcode.
AFTER = re.compile(r"主 p\.pid=(\d+)\n(\S+)\n(\S+)\n(\S+)\n")

# One row of `ps aux`: USER PID %CPU %MEM VSZ RSS ...
PS_ROW = r"\S+ +\d+ +[\d.]+ +[\d.]+ +\d+ +\d+ .*\n"
GOLDEN_MASKS = (
    # `grep PID` also matches lines where those digits appear in another column (a START
    # time such as 16:01, %CPU, VSZ), and which ones varies: keep only the PID's own row.
    (
        rf"^(\$ ps aux \| grep (\d+)\n)(?:(?!\S+ +\2 ){PS_ROW})*(?:(\S+ +\2 .*\n)(?:{PS_ROW})*)?",
        r"\1\3",
    ),
    # is_alive() straight after terminate() is usually True, now and then False.
    (r"^(主 p\.pid=\d+\n)(?:True|False)$", r"\1True (or False)"),
)


# What a PPID of 0 means: PID 1's parent (the container runtime) is in no PID namespace
# the container can see, and getppid() reports a parent from outside as 0.
OUTSIDE = " (the script is PID 1: its parent, the container runtime, is outside the container)"


def all_printed(output: str) -> bool:
    return all(re.search(p, output) for p in [*PARENT_LINES.values(), CHILD_LINE])


def numbers(output: str) -> tuple[dict[str, int], tuple[int, int, int]]:
    """The parent's printed PIDs by name; the child's (current_process, getpid, getppid)."""
    parent = {}
    for name, pattern in PARENT_LINES.items():
        match = re.search(pattern, output)
        assert match is not None
        parent[name] = int(match.group(1))
    child = re.search(CHILD_LINE, output)
    assert child is not None
    current, getpid, getppid = (int(n) for n in child.groups())
    return parent, (current, getpid, getppid)


def asleep(pid: int) -> Callable[[Table], Process | None]:
    def found(table: Table) -> Process | None:
        process = find(table, pid)
        return process if process is not None and process.state == "S" else None

    return found


def drive(lab: Lab) -> None:
    with lab.box() as box:
        lab.say("1.Process对象的方法与属性: current_process().pid, os.getpid(), os.getppid()")
        job = box.start(SCRIPT)
        main_pid = job.pid()
        output = job.wait_for_output(all_printed)
        parent, (c_current, c_getpid, c_getppid) = numbers(output)
        child_pid = c_getpid
        # The child has printed; wait until it sleeps in time.sleep(1000) before looking.
        child = box.wait_for(f"child {child_pid} asleep", asleep(child_pid))

        snapshot = box.capture("while the child lives", f"ps aux | grep {child_pid}")
        main = find(snapshot.processes, main_pid)
        ppid = main.ppid if main else -1
        starter = find(snapshot.processes, ppid) if ppid > 0 else None
        who = (
            f"pid {ppid} `{starter.cmd}`, which started it"
            if starter
            else f"{ppid}, no process of the container" + (OUTSIDE if ppid == 0 else "")
        )
        lab.check(
            "getppid-is-parent",
            main is not None
            and parent["getppid"] == ppid
            and (ppid == 0 or starter is not None)
            and c_getppid == child.ppid == main_pid,
            f"the script (pid {main_pid}): os.getppid() {parent['getppid']}, its PPID in the "
            f"table {who}; the child: os.getppid() {c_getppid}, its PPID in the table "
            f"{child.ppid}",
        )
        lab.check(
            "parent-is-in-container",
            starter is not None and parent["getppid"] == starter.pid,
            f"the script's os.getppid() is {parent['getppid']}; its parent in the table: {who}",
        )
        _, rows = parse_ps_aux(snapshot.transcript)
        line = next((r for r in rows if r.pid == child_pid), None)
        lab.check(
            "ps-grep-shows-process",
            line is not None and line.command == SCRIPT,
            (
                f"`ps aux | grep {child_pid}` lists PID {line.pid} STAT {line.stat} "
                f"COMMAND {line.command} (a forked child keeps its parent's command line)"
                if line
                else f"`ps aux | grep {child_pid}` has no line with PID {child_pid}"
            ),
        )

        lab.say("p.terminate(), then is_alive() at once and after time.sleep(0.1)")
        box.kill(main_pid, "USR1")
        status = job.wait()
        after = AFTER.search(job.output)
    p_pid, right_away, after_sleep, exitcode = after.groups() if after else ("?",) * 4
    lab.check(
        "current-process-pid-is-getpid",
        parent["current"] == parent["getpid"] == main_pid
        and c_current == c_getpid == child.pid
        and p_pid == str(child.pid),
        f"parent: current_process().pid {parent['current']}, os.getpid() "
        f"{parent['getpid']}, the shell's [1] {main_pid}; child: current_process().pid "
        f"{c_current}, os.getpid() {c_getpid}, the parent's p.pid {p_pid}",
    )
    lab.fact("is_alive_right_after_terminate", right_away)
    # The seed's time.sleep(0.1) is the margin, and it is wide: a SIGTERMed child asleep
    # is woken at once and dies as soon as it is scheduled. Measured here (200 terminate()
    # calls each, is_alive() polled every 0.5 ms): median 0.7 ms, max 9 ms idle; max 41 ms
    # with 8 CPU-bound processes in the same container on this 2-core machine.
    lab.check(
        "dead-after-sleep",
        after_sleep == "False",
        f"is_alive() printed {right_away} straight after p.terminate() and {after_sleep} "
        f"after time.sleep(0.1); the script exited {status}",
    )
    lab.check(
        "exitcode-minus-15",
        exitcode == "-15",
        f"p.exitcode printed as {exitcode}: the child was killed by signal 15, SIGTERM",
    )


SCENARIO = Scenario(
    name="pid-info",
    title="1.Process对象的方法与属性",
    summary="PIDs from current_process(), os.getpid(), os.getppid(); ps aux|grep PID; terminate().",
    explanation="""\
Every process has a PID. In the parent, current_process().pid and os.getpid() are the
same number: the one the shell announced as `[1] PID`. os.getppid() is the parent's
parent: the shell that started the script. In the child, the same calls give the
child's own PID, which the parent knows as p.pid, and os.getppid() gives the parent.

`ps aux | grep PID` finds the child's line while it lives. Its COMMAND is
`python3 pid_info.py`, the parent's command line: a forked child is a copy of its parent
and never ran a program of its own. grep matches the digits anywhere in a line, so with
PIDs this small other lines may match too (a START time such as 16:01 contains 16): the
PID column is what counts. grep's own line shows only if grep had started by the time
ps read the table.

p.terminate() only asks the kernel to deliver SIGTERM; the call returns before the child
has died, so is_alive() straight after it is usually still True (the line after
`主 p.pid=...`). The child needs a moment to be scheduled and die; after the seed's
time.sleep(0.1) is_alive() is False, and p.exitcode is -15: a negative exit code is the
number of the signal that killed the process. (The `kill -USR1` is not in the seed: it
stands in for a learner pressing Enter once they have looked at ps.)

What PID 1 is changes only who the script's parent is. Under `none` (Docker's default)
the script itself is PID 1 (`[1] 1`): current_process().pid and os.getpid() are 1, and
os.getppid() is 0. PID 1's parent, the container runtime, lives outside the container's
PID namespace, and a parent the namespace cannot see is reported as 0: no process in the
container has that number. (kill -USR1 still reaches it: the script blocked SIGUSR1 to
wait for it, and a blocked signal is never dropped, even for PID 1.) Under
`tini-subreaper` the script's parent is the job server (`python3 /opt/sandbox/jobs.py`)
instead of a shell. Nothing is orphaned here, and the script reaps its own terminated
child (is_alive() and exitcode wait for it), so which init runs plays no other part.""",
    expectations=(
        expect(
            "current-process-pid-is-getpid",
            "current_process().pid == os.getpid(), in the parent (= the shell's [1] PID) "
            "and in the child (= p.pid)",
            **everywhere(),
        ),
        expect(
            "getppid-is-parent",
            "os.getppid() is the PPID the process table shows: for the script, what started "
            "it (0 where the script is PID 1), for its child, the script",
            **everywhere(),
        ),
        expect(
            "parent-is-in-container",
            "the script's os.getppid() names a process of the container (the shell, or the "
            "job server, that started it)",
            **everywhere(none=False),
        ),
        expect(
            "ps-grep-shows-process",
            "`ps aux | grep PID` shows the living child's line",
            **everywhere(),
        ),
        expect(
            "dead-after-sleep",
            "after p.terminate() and time.sleep(0.1), p.is_alive() is False",
            **everywhere(),
        ),
        expect(
            "exitcode-minus-15",
            "p.exitcode of the terminated child is -15",
            **everywhere(),
        ),
    ),
    drive=drive,
    timeout_s=30.0,
    # Inherent: the parent's time.sleep(0.1) after p.terminate(), waited through to its end.
    inherent_s=0.1,
    golden_masks=GOLDEN_MASKS,
)
