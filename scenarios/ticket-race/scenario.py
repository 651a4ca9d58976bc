"""ticket-race: the seed's 五 互斥锁 part2 — 100 clients buy the one ticket in db.txt.

Two scripts, as in the seed: no_lock.py (every client reads db.txt, waits, and if it saw a
ticket, takes it and writes the file back) and with_lock.py (the same, with get() inside a
Lock). Each runs in a container of its own, so each starts from the folder's db.txt,
`{"count":1}`; with_lock.py starts as soon as no_lock.py has forked its clients, and the
two run on side by side.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from sandbox.lab import HOME, Box, Job, Lab, Table
from sandbox.scenario import Scenario, everywhere, expect

# Every PID 1 mode: what these checks look at (locks, queues, the script's own children)
# is the same whatever PID 1 is. See the explanation for what the modes change.

CLIENTS = 100  # for i in range(100): #模拟并发100个客户端抢票
START = '{"count":1}'  # 文件db的内容为:{"count":1}, as the folder's db.txt holds it
SOLD_OUT = '{"count": 0}'  # what json.dump writes back once a ticket is taken
STILL_WITHIN_S = 5.0  # for a ps that catches the clients at the lock still (queue_at_the_lock)

# Prints in the container are line-buffered (sandbox/linebuffer.py): each line is one write,
# which a pipe never splits. Counted over the whole output all the same, in any order.
REMAINING = re.compile(r"\033\[43m剩余票数(\d+)\033\[0m")
SOLD = re.compile(r"\033\[43m购票成功\033\[0m")
# A client that reads db.txt while another has just truncated it to write it back gets
# an empty file: json.load raises. Counted, so that every client is accounted for.
FAILED = re.compile(r"json\.decoder\.JSONDecodeError")
FAILED_IN_SEARCH = re.compile(r"line \d+, in search\n")  # before printing 剩余票数


def of_the_script(script: str) -> Callable[[Table], list[str]]:
    """The script's own processes in a table (main, clients, their zombies), as `pid STAT`.

    By command line: the clients are forked copies of `python3 script`. Not every python3:
    under tini-subreaper the job server is one too (python3 /opt/sandbox/jobs.py).
    """

    def found(table: Table) -> list[str]:
        mine = (f"python3 {script}", "[python3] <defunct>")
        return [f"{p.pid} {p.state}" for p in table if p.cmd in mine]

    return found


def docker_cp(box: Box, path: str) -> str:
    """`docker cp` of a file out of a container whose PID 1 has ended; its text.

    Under `none` nothing can run in the box any more (it ended with its PID 1, the script),
    but its files are still there.
    """
    lab = box.lab
    with lab.terminal:
        lab.write(f"host$ docker cp <this container>:{HOME}/{path} - | tar -xO; echo\n")
        text = box.copy_out(f"{HOME}/{path}").decode("utf-8", "replace")
        lab.write(text + "\n")
    return text


def sale(
    box: Box, script: str, while_running: Callable[[Box, Job], None] = lambda box, job: None
) -> tuple[str, str, str, int, float, list[str] | None]:
    """Run `python3 script`, wait for every client; (output, db.txt before, after, status, s,
    left over), `left over` being the script's processes still there when it had exited, or
    None where nothing can be read (under `none`, the container ended with the script).
    """
    before = box.type("cat db.txt; echo").strip()
    started = time.monotonic()
    job = box.start(f"python3 {script}")
    while_running(box, job)
    # The script never joins its clients, but at exit multiprocessing joins every child that
    # is not a daemon: 100 x 0.1 s in turn with the lock, 10 s; 60 s leaves room for load.
    status = job.wait(timeout_s=60.0)
    took = time.monotonic() - started
    if job.pid() == 1:  # under `none`: the container ended with it, nothing runs in it
        return job.output, before, docker_cp(box, "db.txt").strip(), status, took, None
    mine = of_the_script(script)
    left = mine(box.processes())
    # Whatever the exit meant, db.txt is read only once no client can still write it.
    box.wait_for("every client to have ended", lambda t: not mine(t) or None, 30.0)
    database = box.type("cat db.txt; echo").strip()
    return job.output, before, database, status, took, left


def accounted(output: str) -> str:
    """How the clients' output adds up: 剩余票数 printed, reads of db.txt that failed."""
    read, failed = len(REMAINING.findall(output)), len(FAILED.findall(output))
    in_search = len(FAILED_IN_SEARCH.findall(output))
    if not failed:
        return f"{read} printed 剩余票数"
    return (
        f"{read} printed 剩余票数; {failed} failed to read db.txt "
        f"({in_search} in search(), {failed - in_search} in get())"
    )


def ended(
    lab: Lab, name: str, script: str, output: str, left: list[str] | None, status: int
) -> None:
    clients = searched(output)
    lab.check(
        name,
        status == 0 and not left and clients == CLIENTS,
        f"python3 {script} exited {status}; "
        + (
            f"its processes left when it had: {', '.join(left) or 'none'}"
            if left is not None
            else "it was PID 1, so the container ended with it: no table can be read "
            "afterwards (had a client been left, the kernel would have ended it with PID 1)"
        )
        + f"; of its {CLIENTS} clients {accounted(output)}",
    )


def without_lock(lab: Lab, forked: threading.Event) -> None:
    """no_lock.py; `forked` is set once its clients have all been forked (or it failed)."""

    def all_forked(box: Box, job: Job) -> None:
        try:  # each client prints 剩余票数 (or fails) first thing: the last one's comes last
            job.wait_for_output(lambda output: searched(output) == CLIENTS, timeout_s=60.0)
        finally:
            forked.set()

    lab.say("并发运行,效率高,但竞争写同一文件,数据写入错乱")
    try:
        with lab.box() as box:
            output, before, database, status, took, left = sale(box, "no_lock.py", all_forked)
    finally:
        forked.set()
    sold = len(SOLD.findall(output))
    saw = REMAINING.findall(output).count("1")
    lab.fact("unlocked_sold", sold)
    lab.fact("unlocked_saw_a_ticket", saw)
    lab.fact("unlocked_failed_reads", len(FAILED.findall(output)))
    lab.fact("unlocked_run_s", round(took, 2))
    ended(lab, "unlocked-script-ends-after-its-clients", "no_lock.py", output, left, status)
    lab.check(
        "unlocked-oversold",
        sold > 1,
        f"{sold} of {CLIENTS} clients printed 购票成功 for the one ticket; {saw} had seen "
        f"剩余票数1 ({accounted(output)})",
    )
    lab.check(
        "unlocked-db-says-one-sold",
        (before, database) == (START, SOLD_OUT),
        f"db.txt went from {before} to {database}: one ticket taken, though {sold} were sold",
    )


def searched(output: str) -> int:
    """How many clients are through search(): printed 剩余票数, or failed reading db.txt."""
    return len(REMAINING.findall(output)) + len(FAILED_IN_SEARCH.findall(output))


# A row of `ps -eo stat,wchan:20,args | sort | uniq -c`.
UNIQ_ROW = re.compile(r"^ *\d+ (?P<stat>\S+) +(?P<wchan>\S+) +(?P<args>.*)$", re.MULTILINE)


def still(output: str) -> bool:
    """Whether this ps caught every with_lock.py process still: main waiting in do_wait,
    none asleep with no wchan (S -) or running with one (R hrtimer_nanosleep).

    ps reads a process's state, then its wchan: two reads, microseconds apart. A process
    that goes to sleep or wakes between them (the client holding the lock, every 0.1 s;
    main, at each client's end) shows one without the other: in 2 of 300 pictures here,
    and 1 of 600; main alone, 1 read in 3,000.
    """
    rows = [r for r in UNIQ_ROW.finditer(output) if r["args"] == "python3 with_lock.py"]
    moving = [r for r in rows if r["stat"].startswith("R") != (r["wchan"] == "-")]
    return not moving and sum(r["wchan"] == "do_wait" for r in rows) == 1


def queue_at_the_lock(box: Box, job: Job) -> None:
    """Once every client is past search(), show where they are.

    A picture, not a check: ps reads the clients one after another, not at one instant.
    Typed, not captured as a snapshot: the framework compares a snapshot's table read inside
    with one read from the host a moment later, and a client ends every 0.1 s here. Typed
    again, as a learner would, while it catches a process between its reads (see still());
    the queue lasts some 30 s, so 5 s is ample.
    """
    job.wait_for_output(lambda output: searched(output) == CLIENTS)
    box.type_until(
        "ps -eo stat,wchan:20,args | sort | uniq -c",
        still,
        STILL_WITHIN_S,
        note="the clients at the lock",
    )


def with_lock(lab: Lab) -> None:
    lab.say("加锁:购票行为由并发变成了串行,牺牲了运行效率,但保证了数据安全")
    with lab.box() as box:
        output, before, database, status, took, left = sale(box, "with_lock.py", queue_at_the_lock)
    sold = len(SOLD.findall(output))
    lab.fact("locked_sold", sold)
    lab.fact("locked_failed_reads", len(FAILED.findall(output)))
    lab.fact("locked_run_s", round(took, 2))
    ended(lab, "locked-script-ends-after-its-clients", "with_lock.py", output, left, status)
    lab.check(
        "locked-sells-one",
        sold == 1,
        f"{sold} of {CLIENTS} clients printed 购票成功 ({accounted(output)}); "
        f"the run took {took:.1f} s",
    )
    lab.check(
        "locked-db-ends-at-zero",
        (before, database) == (START, SOLD_OUT),
        f"db.txt went from {before} to {database}",
    )


# -- the golden transcript ---------------------------------------------------------------

Masks = tuple[tuple[str, str], ...]

LEFT_1 = r"\033\[43m剩余票数1\033\[0m"
LEFT_0 = r"\033\[43m剩余票数0\033\[0m"
BOUGHT = r"\033\[43m购票成功\033\[0m"
# The lines of a client's JSONDecodeError traceback (see FAILED), and only those: another
# error's would stay in the transcript.
TRACEBACK_LINE = "|".join(
    (
        r"Process Process-\d+:",
        r"Traceback \(most recent call last\):",
        r'  File "(?:/usr/lib/python3\.\d+/(?:multiprocessing|json)/\w+\.py'
        r'|/root/(?:no|with)_lock\.py)", line \d+, in \w+',
        r"    (?:self\.run\(\)|self\._target\(\*self\._args, \*\*self\._kwargs\)"
        r"|search\(\)|get\(\)|dic=json\.load\(open\('db\.txt'\)\)"
        r"|return loads\(fp\.read\(\),|return _default_decoder\.decode\(s\)"
        r"|obj, end = self\.raw_decode\(s, idx=_w\(s, 0\)\.end\(\)\)"
        r'|raise JSONDecodeError\("Expecting value", s, err\.value\) from None)',
        r" +\^+",
        r"json\.decoder\.JSONDecodeError: Expecting value: line 1 column 1 \(char 0\)",
    )
)


def sorted_runs(kinds: tuple[str, ...], passes: int = 2 * CLIENTS) -> Masks:
    """Masks that sort a block of lines of these kinds (regexes) into the kinds' order.

    Each mask moves a run of lines of one kind above a run of a later kind just before it;
    the order of the lines within a kind is kept (a stable sort). One round of the masks
    moves every such run by one place, so as many rounds as the block has runs sort it:
    here at most two per client (剩余票数, then 购票成功). 11 rounds were the most needed
    in 12 runs.
    """
    swaps = tuple(
        (rf"^((?:{later}\n)+)((?:{earlier}\n)+)", r"\2\1")
        for i, earlier in enumerate(kinds)
        for later in kinds[i + 1 :]
    )
    return swaps * passes


GOLDEN_MASKS: Masks = (
    # Whether any client meets db.txt emptied by another's write, and how many, varies
    # (none in some runs, a dozen in others), and the lines of their tracebacks interleave
    # with the other clients' lines: they are left out. The checks count them.
    (rf"^(?:{TRACEBACK_LINE})\n", ""),
    # with_lock.py: its one 购票成功 comes 0.3 s after the first client took the lock;
    # whether that is before the ps (once every client has printed 剩余票数) or after it
    # varies with how fast the 100 clients start. It is moved to the end of its output.
    (
        rf"^({BOUGHT}\n)((?:(?!\[1\]\+ ).*\n)*?)(\[1\]\+  Exit \d+  python3 with_lock\.py)$",
        r"\2\1\3",
    ),
    (
        rf"^{BOUGHT}\n(?=\[1\]\+  Exit \d+  python3 with_lock\.py$)",
        "<购票成功, once: before or after the ps above, as it happens>\n",
    ),
    # The clients print at the same time: how many see the ticket (剩余票数1), how many buy
    # it without the lock (购票成功), how many come after the first write (剩余票数0), and
    # the order of their lines, vary. So the lines are sorted by kind, then each run of a
    # kind collapsed into one line; that no_lock.py sells the ticket at least twice does not
    # vary, nor that with_lock.py's clients have all printed 剩余票数 before the ps.
    *sorted_runs((LEFT_1, BOUGHT, LEFT_0)),
    (rf"^(?:{LEFT_1}\n)+", "<剩余票数1 × N>\n"),
    (
        rf"^(?:{BOUGHT}\n){{2,}}(?:{LEFT_0}\n)*(?=\[1\]\+  Exit \d+  python3 no_lock\.py$)",
        "<购票成功 × N, N ≥ 2>\n<剩余票数0 × N, and JSONDecodeError tracebacks × N; N ≥ 0>\n",
    ),
    (
        rf"^(<剩余票数1 × N>\n)(?:{LEFT_0}\n)*(?=\n# the clients at the lock$)",
        r"\1<剩余票数0 × N, and JSONDecodeError tracebacks × N; N ≥ 0>\n",
    ),
    # The ps of with_lock.py's clients is a picture of one instant, which varies: how many
    # still wait on the lock ...
    (r"^ +\d+( S +futex_do_wait +python3 with_lock\.py)$", r"      N\1"),
    # ... whether the client holding it is asleep in its time.sleep() or running (its rows
    # sort apart: they are taken out, and one line put after the waiting clients') ...
    (r"^ +\d+ (?:S +hrtimer_nanosleep|R +-) +python3 with_lock\.py\n", ""),
    (
        r"^( +N S +futex_do_wait +python3 with_lock\.py\n)",
        r"\1      <the client holding the lock: S in hrtimer_nanosleep (its sleep), or R>\n",
    ),
    # ... how many have ended and wait to be reaped (main joins them in an arbitrary order,
    # so a client that ended may wait for its turn): none, and the row is absent, to
    # several. Its row sorts last, just before the 购票成功 put after the ps above (which
    # row comes before it depends on the PID 1 mode: the job's shell, PID 1, ...). A client
    # may also be caught while it exits, before it is a zombie (R, its command line already
    # gone: `[python3]`; its row sorts first): taken out, and said on the zombies' line.
    (r"^ +1 R +- +\[python3\]\n", ""),
    (
        r"^(?: +\d+ Z +- +\[python3\] <defunct>\n)?(<购票成功, once.*\n)",
        r"  N ≥ 0 Z    -                    [python3] <defunct>"
        r"  (and now and then one still exiting: R [python3])\n\1",
    ),
    # ... and how far the learner's own pipeline had started: its shell waiting for it
    # (Ss do_wait) or still forking it (Rs); sort and uniq -c waiting on their pipes,
    # running or between the two (R or S with no wchan, just exec'd: each seen once in a
    # few full suites), not yet exec'd (R, copies of the shell) or not yet forked. Their
    # rows sort apart too: taken out, and one line put after ps's own row, which is always
    # there.
    (
        r'^ +\d+ (?:Ss +do_wait|Rs? +-) +sh -c eval "\$SANDBOX_CMD" /opt/sandbox/sh\n'
        r"|^ +1 \S+ +\S+ +(?:sort|uniq -c)\n",
        "",
    ),
    (
        r"^( +1 R +- +ps -eo stat,wchan:20,args\n)",
        r"\1      <its shell, sort and uniq -c, as far as they had started>\n",
    ),
    # tini (PID 1 under tini and docker-init, the subreaper under tini-subreaper) sleeps in
    # sigtimedwait and wakes each second (its timeout) to reap: now and then ps catches it
    # running (R, no wchan: 0.5% of 168,000 reads of its state here, under load), and its
    # row sorts among the R rows. Shown as its sleep, where that sorts: the subreaper's
    # (STAT S) right after the line put after ps's row, PID 1's (Ss) right after the header.
    (
        r"^( +1 )R( +)- {19}( /usr/bin/tini -s .*\n)"
        r"( +1 R +- +ps -eo stat,wchan:20,args\n      <its shell, .*\n)",
        r"\4\1S\2do_sigtimedwait.isra\3",
    ),
    (
        r"^( +1 )Rs( +)- {19}( (?:/usr/bin/tini|/sbin/docker-init) .*\n)"
        r"((?:.*\n)*? +1 STAT WCHAN +COMMAND\n)",
        r"\4\1Ss\2do_sigtimedwait.isra\3",
    ),
    # Under tini-subreaper the job's request (python3 /opt/sandbox/jobs.py request) relays
    # what the clients print: now and then ps catches it at that (Rs, no wchan), its row
    # among the R rows. Shown as it waits for output, where that sorts (after the server's).
    (
        r"^( +1 )Rs( +)- {19}( python3 /opt/sandbox/jobs\.py request\n)"
        r"((?:.*\n)*? +1 Sl +anon_pipe_read +python3 /opt/sandbox/jobs\.py\n)",
        r"\4\1Ss\2anon_pipe_read      \3",
    ),
)


def drive(lab: Lab) -> None:
    # no_lock.py's race lasts 0.3 s from the first client's read of db.txt: a client oversells
    # only if it reads the file within that window. So with_lock.py starts only once no_lock.py
    # has forked all its clients, lest its own 100 forks take the CPU from them just then
    # (seen on a machine loaded with other runs: no_lock.py forked so slowly that only one
    # client bought the ticket). with_lock.py's outcome does not depend on timing.
    forked = threading.Event()

    def after_no_lock_forked() -> None:
        forked.wait(lab.remaining(SCENARIO.timeout_s))
        with_lock(lab)

    lab.parallel(lambda: without_lock(lab, forked), after_no_lock_forked)


SCENARIO = Scenario(
    name="ticket-race",
    title="五 互斥锁 — part2:多个进程共享同一文件 (文件当数据库,模拟抢票)",
    summary="100 clients buy the one ticket in db.txt: many succeed without a lock, one with it.",
    writes=("db.txt",),  # the clients write it: each box gets a writable copy of the folder's
    explanation="""\
db.txt holds one ticket. Without the lock (no_lock.py) the script starts 100 clients in a
fraction of a second. Each reads the file, waits 0.1 s (the "network"), sees count 1, waits
0.2 s more and writes count 0 back, printing 购票成功. The first write lands 0.3 s after the
first client started: every client that read the file before then believes the ticket is
still there. Here that is nearly all of them: the ticket is sold many times over.

The file itself looks fine afterwards: each of those clients wrote the same {"count": 0}.
Nothing in the data shows the oversale; only the 购票成功 lines do. That is why the race
is dangerous.

With the lock (with_lock.py) get() — read, check, write — runs for one client at a time. The
first client through takes the ticket and writes count 0; every later one reads 0 and buys
nothing: exactly one 购票成功. The price: the 100 clients pass through the lock one by one,
0.1 s each, so the run takes about 10 s instead of well under one. search() stays outside
the lock, as in the seed, so many clients still print 剩余票数1 before the ticket is gone.

Neither script joins its clients, yet neither ends before they do: at interpreter exit
multiprocessing joins every child that is not a daemon, so when `python3 ...` exits, no
client is left.

Without the lock you may also see tracebacks: json.decoder.JSONDecodeError. open('db.txt',
'w') empties the file before json.dump fills it, and a client that reads it in between finds
it empty. Another face of the same race (竞争写同一文件,数据写入错乱); the lock keeps
reads and writes in get() apart, though search() outside it could still meet a write.

Whatever PID 1 is, the sale goes the same way: the clients are the script's own children
and it joins them all, so none is orphaned, and what a PID 1 does with orphans plays no
part. The zombies in the `ps` (clients that ended and wait for the main process to join
them) are its own children, under any PID 1. Under `none` the script itself is PID 1:
when it exits the container ends with it, so afterwards nothing can run inside: db.txt is
read from the host with `docker cp`, and there is no table to show that no client was
left (the kernel ends whatever is left in a container when its PID 1 ends).""",
    expectations=(
        expect(
            "unlocked-script-ends-after-its-clients",
            "no_lock.py exits 0, and only once its clients have all ended",
            **everywhere(),
        ),
        expect(
            "unlocked-oversold",
            "without the lock more than one client prints 购票成功 for the one ticket",
            **everywhere(),
        ),
        expect(
            "unlocked-db-says-one-sold",
            'without the lock db.txt still ends as {"count": 0}',
            **everywhere(),
        ),
        expect(
            "locked-script-ends-after-its-clients",
            "with_lock.py exits 0, and only once its clients have all ended",
            **everywhere(),
        ),
        expect(
            "locked-sells-one",
            "with the lock exactly one client prints 购票成功",
            **everywhere(),
        ),
        expect(
            "locked-db-ends-at-zero",
            'with the lock db.txt ends as {"count": 0}',
            **everywhere(),
        ),
    ),
    drive=drive,
    timeout_s=90.0,
    # Inherent: with_lock.py's 100 clients hold the lock in turn through time.sleep(0.1)
    # each, and the one buyer through time.sleep(0.2) more: 10.2 s, waited through;
    # no_lock.py's ~0.3 s runs beside it.
    inherent_s=CLIENTS * 0.1 + 0.2,
    golden_masks=GOLDEN_MASKS,
)
