"""zombie-flood: the seed's 三:僵尸进程危害场景 — a parent that spawns and never waits.

Steps:
  1. `python3 flood.py &`: the parent forks a short-lived child every 0.1 s and never
     waits. The zombie count is sampled each time it grows (on the process table, not on
     sleeps) until all 10 children are zombies; `ps aux | grep Z` shows them.
  2. 把产生大量僵死进程的那个元凶枪毙掉: `kill -TERM` the parent. Its zombies are orphaned and
     handed to PID 1: tini waits for them (gone within 1 s), noreap never does (they stay,
     now with PPID 1, as many as before).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sandbox.inits import REAP_WINDOW_S
from sandbox.lab import Box, Lab, Table
from sandbox.proctable import find, parse_ps_aux, zombies
from sandbox.scenario import Scenario, expect
from sandbox.waiting import Timeout, wait_until

SCRIPT = "python3 flood.py"
CHILDREN = 10  # flood.py's bound (see its comment)

# The seed: once the culprit is shot, init "会wait()这些孤儿进程". tini does so on SIGCHLD
# at once, and within 1 s (its wait timeout) even if a signal were missed: the claim is
# that every zombie is gone within INIT_REAP_S of the kill.
INIT_REAP_S = 1.0

Sample = tuple[float, frozenset[int], Table]  # seconds since the start, zombie PIDs, table


def zombie_pids(table: Table) -> frozenset[int]:
    return frozenset(p.pid for p in zombies(table))


def grown_or_shrunk(seen: frozenset[int]) -> Callable[[Table], tuple[frozenset[int], Table] | None]:
    """A finder for wait_for: the table once the zombies are more than `seen`, or one vanished.

    Waiting for "more" alone would time out if the parent reaped its children; returning
    when one of `seen` vanishes lets the check say so instead.
    """

    def found(table: Table) -> tuple[frozenset[int], Table] | None:
        now = zombie_pids(table)
        return (now, table) if len(now) > len(seen) or not seen <= now else None

    return found


def sample_growth(box: Box, parent: int, started: float) -> list[Sample]:
    """The zombies each time their number grows, until all CHILDREN are there (or one vanishes)."""
    samples: list[Sample] = []
    seen: frozenset[int] = frozenset()
    while len(seen) < CHILDREN:
        now, table = box.wait_for(f"more than {len(seen)} zombies", grown_or_shrunk(seen))
        samples.append((time.monotonic() - started, now, table))
        if not seen <= now:
            break
        seen = now
    return samples


def growth_holds(samples: list[Sample], parent: int) -> tuple[bool, str]:
    """Whether the samples show zombies piling up under a living parent that never waits."""
    problems = []
    for i, (at, pids, table) in enumerate(samples):
        before = samples[i - 1][1] if i else frozenset()
        if not before <= pids:
            problems.append(f"at {at:.2f} s zombies {sorted(before - pids)} were gone (reaped)")
        elif len(pids) <= len(before):
            problems.append(f"at {at:.2f} s the count did not rise ({len(pids)})")
        others = [p for p in zombies(table) if p.ppid != parent]
        if others:
            problems.append(f"at {at:.2f} s zombies {[p.pid for p in others]} had another parent")
        alive = find(table, parent)
        if alive is None or alive.state == "Z":
            problems.append(f"at {at:.2f} s the parent {parent} was not alive")
    if len(samples) < 3:
        problems.append(f"only {len(samples)} samples")
    if not samples or len(samples[-1][1]) != CHILDREN:
        problems.append(f"the count never reached {CHILDREN}")
    counts = ", ".join(f"{len(pids)} at {at:.2f} s" for at, pids, _ in samples)
    return not problems, f"zombie count {counts}; " + (
        "; ".join(problems)
        if problems
        else f"every zombie a child of the living parent {parent}, none ever gone"
    )


def drive(lab: Lab) -> None:
    with lab.box() as box:
        lab.say(
            "三:僵尸进程危害场景 — 父进程只管生成新的子进程,至于子进程退出之后的事情,则一概不闻不问"
        )
        started = time.monotonic()
        job = box.start(SCRIPT)
        parent = job.pid()
        samples = sample_growth(box, parent, started)
        lab.fact(
            "zombie_samples",
            " ".join(f"{at:.3f}s:{len(pids)}" for at, pids, _ in samples),
        )
        output = job.wait_for_output(lambda text: text.count("子") >= CHILDREN)
        holds, detail = growth_holds(samples, parent)
        printed = output.count("子")
        lab.check(
            "zombies-pile-up",
            holds and printed == CHILDREN,
            f"{detail}; {printed} children printed 子",
        )

        snapshot = box.capture("the culprit and its zombies", "ps aux | grep Z")
        _, rows = parse_ps_aux(snapshot.transcript)
        listed = [r for r in rows if r.is_zombie and r.command == "[python3] <defunct>"]
        lab.check(
            "ps-shows-many-zombies",
            len(listed) == CHILDREN,
            f"`ps aux | grep Z` lists {len(listed)} processes with STAT Z, [python3] <defunct>: "
            + ", ".join(str(r.pid) for r in listed),
        )
        before = zombie_pids(snapshot.processes)
        lab.fact("zombies_before_kill", len(before))

        lab.say("把产生大量僵死进程的那个元凶枪毙掉 (kill发送SIGTERM)")
        asked = time.monotonic()
        box.kill(parent)
        # The clock starts when `kill` has returned: the signal was sent by then. (Starting
        # it before would also count `docker exec`'s own start-up, which on a loaded machine
        # says nothing about PID 1.)
        killed = time.monotonic()
        lab.fact("kill_command_s", round(killed - asked, 3))
        read = box.host_processes if box.host_view else box.processes
        first_gone: float | None = None
        all_gone: float | None = None
        try:  # until a zombie vanishes, or the window ends with all of them there
            last = wait_until(
                lambda: read() or (),
                lambda t: not before <= zombie_pids(t),
                timeout_s=max(0.0, killed + REAP_WINDOW_S - time.monotonic()),
                what="the orphaned zombies to stay",
            )
            first_gone = time.monotonic() - killed
            last = wait_until(  # then until none is left
                lambda: read() or (),
                lambda t: not before & zombie_pids(t),
                timeout_s=max(0.0, killed + REAP_WINDOW_S - time.monotonic()),
                what="the orphaned zombies to be reaped",
            )
            all_gone = time.monotonic() - killed
        except Timeout as exc:
            assert isinstance(exc.last, tuple)
            last = exc.last
        status = job.wait()
        left = [p for p in zombies(last) if p.pid in before]
        lab.fact("zombies_after_kill", len(left))
        if all_gone is not None:
            lab.fact("reaped_all_within_s", round(all_gone, 3))

        adopted = [p for p in left if p.ppid == 1]
        lab.check(
            "orphaned-zombies-stay",
            first_gone is None
            and len(adopted) == len(before) == CHILDREN
            and find(last, parent) is None,
            (
                f"the parent died (exit {status}); all {len(adopted)} of its {len(before)} "
                f"zombies are still there {REAP_WINDOW_S:g} s after the kill, now with PPID 1: "
                "PID 1 never waits"
                if first_gone is None
                else f"the parent died (exit {status}); a zombie was reaped "
                f"{first_gone * 1000:.0f} ms after the kill, and {len(left)} of "
                f"{len(before)} were left when the table was last read"
            ),
        )
        lab.check(
            "init-reaps-the-orphans",
            all_gone is not None and all_gone <= INIT_REAP_S,
            (
                f"all {len(before)} zombies were gone {all_gone * 1000:.0f} ms after the kill "
                f"(the first after {(first_gone or 0) * 1000:.0f} ms): PID 1 waited for them"
                if all_gone is not None
                else f"{len(left)} of the {len(before)} zombies were still there "
                f"{REAP_WINDOW_S:g} s after the kill"
            ),
        )
        box.capture("after killing the culprit", "ps -eo pid,ppid,stat,args")


SCENARIO = Scenario(
    name="zombie-flood",
    title="2.僵尸进程与孤儿进程 — 三:僵尸进程危害场景",
    summary="A parent spawns short-lived children and never waits: zombies pile up; kill it.",
    explanation="""\
flood.py forks a child every 0.1 s; each child prints 子 and its PID and exits at once,
and the parent never calls wait(). Every exited child stays a zombie, so the count only
grows — sampled each time it rose, with the time since the start — and `ps aux | grep Z`
shows a column of `[python3] <defunct>`, STAT Z. (It uses os.fork, not
multiprocessing.Process: Process.start() quietly reaps the children started before it.)

The seed's cure is to shoot the culprit (kill, SIGTERM or SIGKILL), not the zombies:
they are already dead, and only their parent's wait() — or init's, once it inherits them
— removes them. After the kill the zombies are orphans and the kernel hands them to
PID 1. tini waits for them: all of them gone well within a second. noreap never calls
wait(): the same zombies stay, now with PPID 1, as many as before, for the container's
life. The tutorial's "init进程会wait()这些孤儿进程" is a property of the init, not of Linux.""",
    expectations=(
        expect(
            "zombies-pile-up",
            f"while the parent lives, the zombie count rises with time up to {CHILDREN}; "
            "no zombie goes away, every one is the parent's",
            noreap=True,
            tini=True,
        ),
        expect(
            "ps-shows-many-zombies",
            f"`ps aux | grep Z` shows {CHILDREN} processes with STAT Z, [python3] <defunct>",
            noreap=True,
            tini=True,
        ),
        expect(
            "orphaned-zombies-stay",
            "after the parent is killed, every zombie is still there, now with PPID 1, "
            f"{REAP_WINDOW_S:g} s later: the count is unchanged",
            noreap=True,
            tini=False,
        ),
        expect(
            "init-reaps-the-orphans",
            f"after the parent is killed, PID 1 reaps its zombies: none left within "
            f"{INIT_REAP_S:g} s of the kill",
            noreap=False,
            tini=True,
        ),
    ),
    drive=drive,
    timeout_s=40.0,
)
