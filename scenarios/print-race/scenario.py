"""print-race: the seed's 五 互斥锁 part1 — three processes share one terminal.

Two scripts, as in the seed: no_lock.py (three workers print `is running`, sleep 2 s and
print `is done`, all at once) and with_lock.py (the same, each worker holding one Lock
around its two prints, so the pairs come one after another). Both run at the same time,
each in its own container; each is timed from `python3 ...` to its exit.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import NamedTuple

from sandbox.lab import Box, Job, Lab
from sandbox.proctable import PS_WCHAN, WaitRow, children_of, parse_ps_wchan
from sandbox.scenario import Scenario, everywhere, expect

# Every PID 1 mode: what these checks look at (locks, queues, the script's own children)
# is the same whatever PID 1 is. See the explanation for what the modes change.

WORK_S = 2.0  # each worker's time.sleep(2), from the seed's code
WORKERS = 3  # for i in range(3)

# Without the lock the three sleeps overlap: from the first `is running` to the last `is done`
# is one sleep plus how far apart the workers started. Had any two of them slept one after
# the other it would be at least 2 x 2 s, so under 4 s rules that out. Timed between the
# lines as they reach the controller, not over the whole run: the script's start-up and exit
# and the container's exec add 2 s and more on a loaded machine (seen: 4.44 s for the whole
# run). With the lock the three sleeps are serialised by the code itself: the whole run takes
# at least 3 x 2 s, a bound it can only exceed, never undercut.
CONCURRENT_BELOW_S = 2 * WORK_S
SERIAL_AT_LEAST_S = WORKERS * WORK_S

# Prints in the container are line-buffered, as on a terminal (sandbox/linebuffer.py): each
# line is one write() of fewer than PIPE_BUF bytes, which a pipe never splits, so the lines
# come whole, but in whatever order the workers wrote them. Matched in the whole output, not
# line by line, so that the checks would stand with word-by-word writes too.
EVENT = re.compile(r"(\d+) is (running|done)")


def events(output: str) -> list[tuple[int, str]]:
    """(pid, "running"/"done") in the order the writes reached the terminal."""
    return [(int(pid), what) for pid, what in EVENT.findall(output)]


def workers(rows: list[WaitRow], main: int) -> list[WaitRow]:
    return [r for r in rows if r.ppid == main]


def waits(rows: list[WaitRow]) -> str:
    return ", ".join(f"{r.pid} {r.stat} in {r.wchan}" for r in rows) or "none"


def sleeping(row: WaitRow) -> bool:
    """In time.sleep(): the kernel's nanosleep."""
    return row.stat.startswith("S") and "nanosleep" in row.wchan


def on_lock(row: WaitRow) -> bool:
    """In lock.acquire(): a SemLock is a POSIX semaphore, which waits on a futex."""
    return row.stat.startswith("S") and "futex" in row.wchan


def typed_moment(
    box: Box, job: Job, seen: Callable[[list[WaitRow]], bool], running: int
) -> list[WaitRow] | None:
    """Type `ps` (with wchan) until it shows `seen` of the workers: they, then; or None.

    Every moment these checks look for comes within milliseconds of the workers' start and
    lasts the 2 s of a sleep. A ps typed once such a moment had been seen could still land
    after it on a loaded machine (seen once: with_lock.py's first worker already a zombie),
    so the typed ps is itself the observation: typed again, as a learner would, until its
    output shows the moment, for at most the first sleep; only its last output is shown.
    It is first typed once all three workers are there, and once `running` workers'
    `is running` lines are in the transcript (a worker prints before it sleeps, but its
    line may still be on its way), so that the transcript has them before the ps, as they
    happened.
    """
    main = job.pid()
    deadline = time.monotonic() + box.lab.remaining(WORK_S)
    job.wait_for_output(lambda out: out.count(" is running") >= running)
    # Read from the host (nothing starts in the box): the first ps waits for all three
    # workers to have been forked, so that none takes a PID after the learner's shell.
    box.wait_for(
        "the three workers", lambda table: len(children_of(table, main)) >= WORKERS or None
    )
    output, _ = box.type_until(
        PS_WCHAN,
        lambda out: seen(workers(parse_ps_wchan(out), main)),
        max(0.0, deadline - time.monotonic()),
        note="while the workers run",
    )
    rows = workers(parse_ps_wchan(output), main)
    return rows if seen(rows) else None


class Run(NamedTuple):
    main: int  # the script's pid
    moment: list[WaitRow] | None  # the workers at the moment looked for, or None
    output: str
    took: float  # seconds from `python3 script` to its exit
    span: float  # seconds from the first `is running` to the last `is done`, as they came
    status: int


def run_timed(lab: Lab, script: str, moment: Callable[[list[WaitRow]], bool], running: int) -> Run:
    """Run `python3 script` in a fresh box, catching `moment` and showing it with `ps`."""
    with lab.box() as box:
        started = time.monotonic()
        job = box.start(f"python3 {script}")
        main = job.pid()
        job.wait_for_output(EVENT.pattern)
        began = time.monotonic()
        # Typed, not captured as a snapshot: the framework compares a snapshot's table read
        # inside with one read from the host a moment later, and these workers change state
        # at the end of each sleep.
        found = typed_moment(box, job, moment, running)
        # The moment is within the first sleep, before any `is done`: waited for from then.
        job.wait_for_output(lambda out: out.count(" is done") >= WORKERS, timeout_s=30.0)
        span = time.monotonic() - began
        status = job.wait(timeout_s=30.0)  # 6 s of sleeps plus start-up, on a loaded machine
        took = time.monotonic() - started
        return Run(main, found, job.output, took, span, status)


def describe(seen: list[tuple[int, str]]) -> str:
    return ", ".join(f"{pid} {what}" for pid, what in seen) or "nothing"


def without_lock(lab: Lab) -> None:
    lab.say("并发运行,效率高,但竞争同一打印终端,带来了打印错乱")
    main, asleep, output, took, span, status = run_timed(
        lab,
        "no_lock.py",
        lambda rows: len(rows) == WORKERS and all(map(sleeping, rows)),
        running=WORKERS,  # all asleep: all have printed `is running`
    )
    lab.check(
        "unlocked-all-sleep-at-once",
        asleep is not None,
        f"at one moment all three workers of python3 no_lock.py ({main}) were in "
        f"time.sleep(2): {waits(asleep)}"
        if asleep
        else f"the three workers were never all in time.sleep(2) at once within {WORK_S:g} s",
    )
    seen = events(output)
    pids = list(dict.fromkeys(pid for pid, _ in seen))
    whole = [pid for pid in pids if seen.count((pid, "running")) == seen.count((pid, "done")) == 1]
    first_done = next((i for i, (_, what) in enumerate(seen) if what == "done"), len(seen))
    lab.check(
        "unlocked-all-run-before-any-done",
        len(whole) == WORKERS == len(pids)
        and main not in pids
        and len(seen) == 2 * WORKERS
        and first_done == WORKERS,
        f"workers {', '.join(map(str, pids))} of python3 no_lock.py ({main}) wrote, in this "
        f"order: {describe(seen)}",
    )
    lab.fact("unlocked_run_s", round(took, 2))
    lab.fact("unlocked_running_to_done_s", round(span, 2))
    lab.check(
        "unlocked-takes-one-sleep",
        status == 0 and span < CONCURRENT_BELOW_S,
        f"the last `is done` came {span:.2f} s after the first `is running` (bound "
        f"{CONCURRENT_BELOW_S:g} s: two sleeps back to back would take that long); python3 "
        f"no_lock.py exited {status}, {took:.2f} s after it was started",
    )


def with_lock(lab: Lab) -> None:
    lab.say("加锁:由并发变成了串行,牺牲了运行效率,但避免了竞争")
    main, turn, output, took, span, status = run_timed(
        lab,
        "with_lock.py",
        lambda rows: (
            len(rows) == WORKERS
            and sum(map(sleeping, rows)) == 1
            and sum(map(on_lock, rows)) == WORKERS - 1
        ),
        running=1,  # the one holding the lock
    )
    lab.check(
        "locked-others-wait-for-the-lock",
        turn is not None,
        f"while one worker of python3 with_lock.py ({main}) slept, the other two waited "
        f"in lock.acquire(): {waits(turn)}"
        if turn
        else f"never saw one worker asleep and two on the lock within {WORK_S:g} s",
    )
    seen = events(output)
    pids = [pid for pid, _ in seen[::2]]
    paired = seen == [(pid, what) for pid in pids for what in ("running", "done")]
    lab.check(
        "locked-pairs-serialised",
        paired and len(set(pids)) == WORKERS and main not in pids,
        f"workers of python3 with_lock.py ({main}) wrote, in this order: {describe(seen)}",
    )
    lab.fact("locked_run_s", round(took, 2))
    lab.fact("locked_running_to_done_s", round(span, 2))
    lab.check(
        "locked-takes-three-sleeps",
        status == 0 and took >= SERIAL_AT_LEAST_S,
        f"python3 with_lock.py exited {status} {took:.2f} s after it was started "
        f"(at least {SERIAL_AT_LEAST_S:g} s: the lock serialises three 2 s sleeps)",
    )


def drive(lab: Lab) -> None:
    lab.parallel(lambda: without_lock(lab), lambda: with_lock(lab))


SCENARIO = Scenario(
    name="print-race",
    title="五 互斥锁 — part1:多个进程共享同一打印终端",
    summary="Three processes print to one terminal: all at once, or a pair at a time with a Lock.",
    explanation="""\
Without the lock (no_lock.py) the three workers start within milliseconds of each other:
all three print `<pid> is running`, all three sleep at the same time (`ps` shows each in
hrtimer_nanosleep, the kernel's side of time.sleep), then all three print `<pid> is done`.
The run takes about one sleep, 2 s plus start-up. Nothing orders the workers, so the pids
come in a different order from run to run, and no worker's pair of lines is together:
that is the 打印错乱 the seed warns about.

Each line at least comes whole: prints here are line-buffered, as on a terminal, so a line
is one write(), and a short write to a pipe is never split. (With PYTHONUNBUFFERED,
print() writes the text and the newline separately, and two workers' lines can run into
one: `14 is running15 is running`.)

With the lock (with_lock.py) a worker holds the lock from before its first print to after
its second. While it sleeps, `ps` shows the other two in futex_do_wait: lock.acquire()
waiting on the semaphore behind the Lock. The pairs come strictly one after another and
the run takes three sleeps, at least 6 s: 由并发变成了串行 — orderly output, a slower run.
The Lock is passed to each worker as an argument, as in the seed, so all three share one.

The main process never calls join(), yet neither script ends before its workers: at
interpreter exit multiprocessing joins every child that is not a daemon (`ps` shows the
main process in do_wait).

Whatever PID 1 is, all of this is the same: the main process waits for its workers, so no
worker is ever orphaned, and what a PID 1 does with orphans never comes into play. Only
the table around them differs. Under `none` the script itself is PID 1 (`[1] 1`), and `ps`
shows the workers with PPID 1: its own children, not adopted ones. Under `tini-subreaper`
the script's parent is the job server under tini; under the other modes it is a shell
beside PID 1 (noreap, tini, docker-init, dumb-init or bash).""",
    expectations=(
        expect(
            "unlocked-all-run-before-any-done",
            "without the lock the three `is running` lines all come before the `is done` lines",
            **everywhere(),
        ),
        expect(
            "unlocked-all-sleep-at-once",
            "without the lock all three workers are in time.sleep(2) at the same moment",
            **everywhere(),
        ),
        expect(
            "unlocked-takes-one-sleep",
            f"without the lock the last `is done` comes under {CONCURRENT_BELOW_S:g} s after "
            "the first `is running` (the sleeps overlap)",
            **everywhere(),
        ),
        expect(
            "locked-pairs-serialised",
            "with the lock each worker's `is running` is followed by its own `is done`",
            **everywhere(),
        ),
        expect(
            "locked-others-wait-for-the-lock",
            "with the lock, while one worker sleeps the other two wait in lock.acquire()",
            **everywhere(),
        ),
        expect(
            "locked-takes-three-sleeps",
            f"with the lock the run takes at least {SERIAL_AT_LEAST_S:g} s (three sleeps in turn)",
            **everywhere(),
        ),
    ),
    drive=drive,
    timeout_s=60.0,
    # Inherent: its two parts run side by side; with_lock.py's three time.sleep(2) in turn
    # (6 s) outlast no_lock.py's overlapping ones (2 s).
    inherent_s=WORKERS * WORK_S,
    golden_masks=(
        # ps right-aligns PID and PPID, so a row's leading spaces depend on how many digits its
        # PIDs have, which varies from run to run (seen: the job server's request PID 9 or 10,
        # the learner's ps 9x or 10x): the padding is collapsed to one space, before the
        # masks below rewrite these rows (golden.py then leaves it as it is).
        (r"^ +(\d+) +(\d+) (?=[A-Z<])", r"\1 \2 "),
        # tini (PID 1 under tini and docker-init, the subreaper under tini-subreaper) sleeps
        # in sigtimedwait and wakes each second (its timeout) to reap: now and then ps catches
        # it running (R, no wchan: 0.5% of 168,000 reads of its state here, under load).
        # Shown as its sleep.
        (
            r"^( *\d+ +\d+ )R(s?)( +)- {23}( +(?:/usr/bin/tini|/sbin/docker-init) .*)$",
            r"\1S\2\3do_sigtimedwait.isra.0  \4",
        ),
        # Under tini-subreaper the job's request (python3 /opt/sandbox/jobs.py request) relays
        # what the workers print: ps may catch it at that (Rs, no wchan). Shown as it waits.
        (
            r"^(\d+ 0 )Rs( +)- {23}( python3 /opt/sandbox/jobs\.py request)$",
            r"\1Ss\2anon_pipe_read          \3",
        ),
        # no_lock.py: the three workers print at the same moment, so the order of their three
        # `is running` lines, and of their three `is done` lines, varies from run to run. That
        # all three `is running` come before the ps and all three `is done` after it does not:
        # each line loses only its pid (the ps rows keep the workers' pids).
        (
            # (`python3 no_lock.py &`, or under `none` `python3 no_lock.py    # as PID 1: ...`)
            rf"^(\$ python3 no_lock\.py(?: &|  .*)\n\[1\] \d+\n)(?:\d+ is running\n){{{WORKERS}}}",
            r"\1" + "<a worker> is running\n" * WORKERS,
        ),
        (
            rf"^(?:\d+ is done\n){{{WORKERS}}}(?=\[1\]\+  Exit \d+  python3 no_lock\.py$)",
            "<a worker> is done\n" * WORKERS,
        ),
        # with_lock.py: which worker takes the lock first, second and third varies. That each
        # worker's `is done` comes right after its own `is running` (the ps between them, for
        # the first) does not: the backreference \1 requires the same pid, then both lose it.
        (
            r"^(\d+) is running\n((?:(?!\d+ is ).*\n)*?)\1 is done$",
            r"<a worker> is running\n\2<the same worker> is done",
        ),
        # For the same reason which worker's row of the ps is asleep in time.sleep(), and which
        # two wait on the lock, varies: the three rows lose their pids, and the sleeper's is
        # put first (ps lists them by pid). One asleep and two on the lock does not vary.
        (
            r"^ *\d+( +\d+ S +(?:hrtimer_nanosleep|futex_do_wait) +python3 with_lock\.py)$",
            r"  <a worker>\1",
        ),
        (
            r"^((?:  <a worker> +\d+ S +futex_do_wait .*\n)+)"
            r"(  <a worker> +\d+ S +hrtimer_nanosleep .*\n)",
            r"\2\1",
        ),
        # The learner's shell running ps: ps may catch it waiting for ps, or still running,
        # just after forking it (seen once in 8 runs of the same ps in producer-consumer).
        (
            r'^( *\d+ +0 )(?:Ss +do_wait|Rs +-) +(sh -c eval "\$SANDBOX_CMD" /opt/sandbox/sh)$',
            r"\1<Ss do_wait, or Rs - (still forking ps)>  \2",
        ),
    ),
)
