"""zombie-flood: the seed's 三:僵尸进程危害场景 — a parent that spawns and never waits.

Steps:
  1. `python3 flood.py &`: the parent forks a short-lived child every 0.1 s and never
     waits. The zombie count is sampled each time it grows (on the process table, not on
     sleeps) until all 10 children are zombies; `ps aux | grep Z` shows them.
  2. 把产生大量僵死进程的那个元凶枪毙掉: `kill -TERM` the parent. Its zombies are orphaned and
     handed to their adopter: PID 1, or under `tini-subreaper` tini, the nearest child
     subreaper. A reaping init (tini, docker-init, dumb-init, bash, the subreaper) waits for
     them (gone within 1 s); noreap never does (they stay, now with PPID 1, as many as
     before). Under `none` flood.py itself is PID 1: the kernel drops the SIGTERM, the
     culprit lives on, and its zombies stay, its own children (PPID 1).

Every table read while waiting is a sample of the run's timeline (zombies over time).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sandbox.inits import REAP_WINDOW_S
from sandbox.lab import DEFAULT_WAIT_S, Box, Lab, Table
from sandbox.model import ProcessEvent
from sandbox.proctable import find, parse_ps_aux, zombies
from sandbox.scenario import Moment, Scenario, expect, per_mode
from sandbox.waiting import Timeout, wait_until

SCRIPT = "python3 flood.py"
T = TypeVar("T")
CHILDREN = 10  # flood.py's bound (see its comment); `--children N` asks for another

# The seed: once the culprit is shot, init "会wait()这些孤儿进程". tini (also as Docker's
# --init, and as the subreaper) does so on SIGCHLD at once, and within 1 s (its wait
# timeout) even if a signal were missed; dumb-init and bash reap on SIGCHLD too (all 10
# gone within 11-63 ms of the kill here): the claim is that every zombie is gone within
# INIT_REAP_S of the kill.
INIT_REAP_S = 1.0

SIGTERM_STATUS = 128 + 15  # the status a shell (or the job server) reports for a SIGTERM death

# Under tini-subreaper, the job server's `ps -eo` row: it is `Sl` while a thread of it
# waits to report a job's status, which ends as the job's output does: at the moment of a
# look, a race, so its `l` is dropped.
SUBREAPER_ROWS = (
    r"^( +\d+ +\d+ \S+?)l( +(?:/usr/bin/tini -s -- )?python3 /opt/sandbox/jobs\.py)$",
    r"\1 \2",
)


# Each child prints `子 <its pid>` as it starts, 0.1 s after the one before; on a loaded
# machine a child that is not run for 0.1 s prints after the next one (seen once in 70
# runs here): the lines' order is a race, so their PIDs are not compared (the count is).
CHILD_LINE = (r"^子 \d+$", "子 <its pid>")

SHOWN = 20  # PIDs a check's detail lists (10,000 zombies: the first 20 and a count)

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


def sampled_wait_for(
    box: Box, what: str, found: Callable[[Table], T | None], timeout_s: float = DEFAULT_WAIT_S
) -> T:
    """box.wait_for, with every table read added to the run's timeline (box.sample)."""
    limit = box.lab.remaining(timeout_s)
    try:
        table = wait_until(box.sample, lambda t: found(t) is not None, timeout_s=limit, what=what)
    except Timeout as exc:
        raise box.lab.gave_up(what, timeout_s, limit, exc.last) from None
    value = found(table)
    assert value is not None
    return value


def script(children: int) -> str:
    """The command that starts flood.py with `children` children (the seed's as typed)."""
    return SCRIPT if children == CHILDREN else f"{SCRIPT} {children}"


def sample_growth(box: Box, parent: int, started: float) -> list[Sample]:
    """The zombies each time their number grows, until all children are there (or one vanishes)."""
    samples: list[Sample] = []
    seen: frozenset[int] = frozenset()
    while len(seen) < box.lab.children:
        now, table = sampled_wait_for(box, f"more than {len(seen)} zombies", grown_or_shrunk(seen))
        samples.append((time.monotonic() - started, now, table))
        if not seen <= now:
            break
        seen = now
    return samples


def growth_holds(samples: list[Sample], parent: int, children: int) -> tuple[bool, str]:
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
    if not samples or len(samples[-1][1]) != children:
        problems.append(f"the count never reached {children}")
    counts = ", ".join(f"{len(pids):,} at {at:.2f} s" for at, pids, _ in samples)
    return not problems, f"zombie count {counts}; " + (
        "; ".join(problems)
        if problems
        else f"every zombie a child of the living parent {parent}, none ever gone"
    )


def moment(box: Box) -> Moment:
    """For `python -m sandbox shell zombie-flood`: all of the culprit's children are zombies."""
    children = box.lab.children
    job = box.start(script(children))
    parent = job.pid()
    box.wait_for(
        f"{children} zombie children of {SCRIPT}",
        lambda t: len([p for p in zombies(t) if p.ppid == parent]) == children or None,
    )
    return Moment(
        f"{SCRIPT} (PID {parent}) forked {children} children, over about a second, and never "
        f"waits: all {children} are zombies now.",
        (
            "ps aux | grep Z",
            "top -bn1 | head -5",
            f"kill {parent}          # 把产生大量僵死进程的那个元凶枪毙掉",
            "ps aux | grep Z          # reaped, or zombies of PID 1?",
        ),
    )


def drive(lab: Lab) -> None:
    with lab.box() as box:
        lab.say(
            "三:僵尸进程危害场景 — 父进程只管生成新的子进程,至于子进程退出之后的事情,则一概不闻不问"
        )
        children = lab.children
        started = time.monotonic()
        job = box.start(script(children))
        parent = job.pid()
        samples = sample_growth(box, parent, started)
        lab.fact(
            "zombie_samples",
            " ".join(f"{at:.3f}s:{len(pids)}" for at, pids, _ in samples),
        )
        output = job.wait_for_output(lambda text: text.count("子") >= children)
        growth = growth_holds(samples, parent, children)  # sampled
        printed = output.count("子")
        lab.fact("children_printed", printed)

        snapshot = box.capture("the culprit and its zombies", "ps aux | grep Z")
        _, rows = parse_ps_aux(snapshot.transcript)
        listed = [r for r in rows if r.is_zombie and r.command == "[python3] <defunct>"]
        lab.check(
            "ps-shows-many-zombies",
            len(listed) == children,
            f"`ps aux | grep Z` lists {len(listed):,} processes with STAT Z, [python3] <defunct>: "
            + ", ".join(str(r.pid) for r in listed[:SHOWN])
            + (f" and {len(listed) - SHOWN:,} more" if len(listed) > SHOWN else ""),
        )
        before = zombie_pids(snapshot.processes)
        lab.fact("zombies_before_kill", len(before))

        lab.say("把产生大量僵死进程的那个元凶枪毙掉 (kill发送SIGTERM)")
        adopter = box.adopter()  # 1, or tini's PID under tini-subreaper
        adopter_is = (
            "PID 1" if adopter == 1 else f"the subreaper `{lab.init.subreaper}` (PID {adopter})"
        )
        asked = time.monotonic()
        box.kill(parent)
        # The clock starts when `kill` has returned: the signal was sent by then. (Starting
        # it before would also count `docker exec`'s own start-up, which on a loaded machine
        # says nothing about PID 1.)
        killed = time.monotonic()
        lab.fact("kill_command_s", round(killed - asked, 3))
        first_gone: float | None = None
        all_gone: float | None = None
        # Until a zombie vanishes, or the window ends with all of them there. Under `none`
        # the culprit is PID 1, which the SIGTERM does not end (the kernel drops a signal
        # PID 1 has no handler for, and Python handles SIGINT only): the same window shows
        # that nothing happens, where a reaping init is done within milliseconds.
        try:
            last = wait_until(
                box.sample,
                lambda t: not before <= zombie_pids(t),
                timeout_s=max(0.0, killed + REAP_WINDOW_S - time.monotonic()),
                what="the orphaned zombies to stay",
            )
            first_gone = time.monotonic() - killed
            last = wait_until(  # then until none is left
                box.sample,
                lambda t: not before & zombie_pids(t),
                timeout_s=max(0.0, killed + REAP_WINDOW_S - time.monotonic()),
                what="the orphaned zombies to be reaped",
            )
            all_gone = time.monotonic() - killed
        except Timeout as exc:
            assert isinstance(exc.last, tuple)
            last = exc.last
        status: int | None = None
        if parent == 1:  # no job to wait for: PID 1 is the container, still running or not
            survivor = find(last, 1)
            gone = killed_it = survivor is None
            if survivor is None:
                kill_detail = "PID 1 was gone when the table was last read after the kill"
            else:
                lab.say(
                    "PID 1 has no handler for SIGTERM: the kernel dropped it; "
                    "python3 flood.py lives on"
                )
                kill_detail = (
                    f"python3 flood.py (PID 1) is still alive (STAT {survivor.state}) "
                    f"{REAP_WINDOW_S:g} s after `kill -TERM 1`, with {len(zombies(last))} "
                    "zombies: PID 1 gets no default action for a signal it has no handler "
                    "for, and Python handles SIGINT only"
                )
        else:
            status = job.wait()  # its shell (or the job server) has reaped it: it is gone
            gone, killed_it = True, status == SIGTERM_STATUS
            waiter = "job server" if lab.init.jobs == "server" else "shell"
            kill_detail = (
                f"`kill -TERM {parent}` ended python3 flood.py: exit {status}, as its {waiter} "
                f"saw it{'' if killed_it else f', not {SIGTERM_STATUS} (SIGTERM)'}"
            )
        lab.check("kill-ends-the-culprit", killed_it, kill_detail)
        left = [p for p in zombies(last) if p.pid in before]
        lab.fact("zombies_after_kill", len(left))
        if all_gone is not None:
            lab.fact("reaped_all_within_s", round(all_gone, 3))

        adopted = [p for p in left if p.ppid == adopter]
        if not gone:
            stay_detail = (
                f"the culprit (PID 1) survived the kill, so its zombies were never orphaned: "
                f"{len(left)} of its {len(before)} are still there {REAP_WINDOW_S:g} s later, "
                f"still its own children (PPID {', '.join(sorted({str(p.ppid) for p in left}))})"
            )
            reap_detail = (
                f"never orphaned, never reaped: {len(left)} of the {len(before)} zombies are "
                f"still there {REAP_WINDOW_S:g} s after the kill, with their living parent"
            )
        else:
            stay_detail = (
                f"the parent died (exit {status}); all {len(adopted)} of its {len(before)} "
                f"zombies are still there {REAP_WINDOW_S:g} s after the kill, now with PPID "
                f"{adopter}: {adopter_is} never waits"
                if first_gone is None
                else f"the parent died (exit {status}); a zombie was reaped "
                f"{first_gone * 1000:.0f} ms after the kill, and {len(left)} of "
                f"{len(before)} were left when the table was last read"
            )
            reap_detail = (
                f"all {len(before)} zombies were gone {all_gone * 1000:.0f} ms after the kill "
                f"(the first after {(first_gone or 0) * 1000:.0f} ms): {adopter_is} adopted "
                "them and waited for them"
                + (" (PID 1 here never waits: only the subreaper can have)" if adopter != 1 else "")
                if all_gone is not None
                else f"{len(left)} of the {len(before)} zombies were still there "
                f"{REAP_WINDOW_S:g} s after the kill"
            )
        lab.check(
            "orphaned-zombies-stay",
            gone
            and first_gone is None
            and len(adopted) == len(before) == children
            and find(last, parent) is None,
            stay_detail,
        )
        reaping = (gone and all_gone is not None and all_gone <= INIT_REAP_S, reap_detail)
        box.capture(
            "after killing the culprit" if gone else "after kill -TERM 1 (the culprit lives on)",
            "ps -eo pid,ppid,stat,args",
        )
        box.sample()  # the timeline ends on the table the learner last saw
    # The recorder's events (once the box is closed) time every exit and reap exactly;
    # the table, read every few hundred ms with 1,000 zombies in it, only brackets them.
    culprit = Culprit.heard(lab, parent)
    if culprit is not None:
        growth = recorded_growth(culprit, children)
        reaping = recorded_reaps(culprit, adopter_is)
        for kind in ("fork", "exit", "reap"):  # held against children_printed
            lab.fact(f"children_{kind}s_recorded", culprit.count(kind))
    holds, detail = growth
    lab.check(
        "zombies-pile-up",
        holds and printed == children,
        f"{detail}; {printed:,} children printed 子",
    )
    holds, detail = reaping
    lab.check("init-reaps-the-orphans", holds, detail)


@dataclass(frozen=True)
class Culprit:
    """What the recorder heard of the culprit and its children, in the run's one box."""

    pid: int
    children: frozenset[int]  # host PIDs of what it forked once it was flood.py
    death: float | None  # its exit, if it died
    events: tuple[ProcessEvent, ...]  # the box's

    @classmethod
    def heard(cls, lab: Lab, pid: int) -> Culprit | None:
        """From the box's recorded events (None where there were none). Under `none` the
        culprit is PID 1, whose shell forked a few commands before it became flood.py."""
        if not lab.events:
            return None
        events = tuple(e for e in lab.events if e.container == 1)
        became = min(
            (e.at_s for e in events if e.kind == "exec" and e.pid == pid and SCRIPT in e.detail),
            default=0.0,
        )
        children = frozenset(
            e.host_pid for e in events if e.kind == "fork" and e.ppid == pid and e.at_s > became
        )
        death = next((e.at_s for e in events if e.kind == "exit" and e.pid == pid), None)
        return cls(pid, children, death, events)

    def of_children(self, kind: str) -> list[ProcessEvent]:
        """The children's events of `kind` (fork, exit, reap), in time order."""
        return [e for e in self.events if e.kind == kind and e.host_pid in self.children]

    def count(self, kind: str) -> int:
        return len({e.host_pid for e in self.of_children(kind)})


def recorded_growth(culprit: Culprit, children: int) -> tuple[bool, str]:
    """Whether the recorder saw the zombies pile up: each of the `children` exited, the
    count of zombies rising by one each time, none reaped while the culprit lived."""
    death = math.inf if culprit.death is None else culprit.death
    exits = sorted(e.at_s for e in culprit.of_children("exit"))
    early = [e for e in culprit.of_children("reap") if e.at_s < death]
    problems = []
    if len(exits) != children or (exits and exits[-1] >= death):
        problems.append(f"{len(exits):,} of {children:,} children exited while it lived")
    if early:
        problems.append(f"{len(early):,} of them were reaped while it lived")
    rise = ", ".join(f"{n + 1} at {at:.3f} s" for n, at in list(enumerate(exits))[:3])
    if len(exits) > 3:
        rise += f", ... {len(exits):,} at {exits[-1]:.3f} s"
    return not problems, f"recorded: the zombie count rose {rise}; " + (
        "; ".join(problems)
        if problems
        else f"every one a child of the living parent {culprit.pid}, none reaped while it lived"
    )


def recorded_reaps(culprit: Culprit, adopter_is: str) -> tuple[bool, str]:
    """Whether the recorder saw every child reaped within INIT_REAP_S of the culprit's
    death, and what it saw."""
    children = len(culprit.children)
    if culprit.death is None:
        return False, (
            f"recorded: the culprit (PID {culprit.pid}) never died, so its {children:,} "
            "zombies were never orphaned"
        )
    late = sorted(e.at_s - culprit.death for e in culprit.of_children("reap"))
    if len(late) < children:
        return False, (
            f"recorded: {len(late):,} of the {children:,} zombies were reaped after the "
            f"culprit's death, by the end of the run: {adopter_is} does not wait for orphans"
        )
    return late[-1] <= INIT_REAP_S, (
        f"recorded: all {children:,} zombies were reaped within {late[-1] * 1000:.1f} ms "
        f"of the culprit's death (half within {late[len(late) // 2] * 1000:.1f} ms): "
        f"{adopter_is} adopted them and waited for them"
    )


# Where a check holds under every mode.
EVERYWHERE = dict(
    noreap=True, tini=True, none=True, docker_init=True, dumb_init=True, bash=True,
    tini_subreaper=True,
)  # fmt: skip

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
PID 1. tini, docker-init (Docker's --init, a tini), dumb-init and bash wait for them: all
of them gone well within a second. noreap never calls wait(): the same zombies stay, now
with PPID 1, as many as before, for the container's life. The tutorial's "init进程会wait()
这些孤儿进程" is a property of the init, not of Linux. Under `tini-subreaper` PID 1 is
noreap, but tini runs below it as a child subreaper: the orphans go to tini, the nearest
subreaper among their ancestors, not to PID 1, and tini reaps them at once (PID 1 never
reaps, so only tini can have).

Under `none` (Docker's default) flood.py itself is PID 1, and its zombies show PPID 1
because PID 1 is their real parent. `kill -TERM 1` does nothing: the kernel gives PID 1
no default action for a signal, and Python has a handler for SIGINT only, so the SIGTERM
is dropped. The culprit cannot be shot that way from inside its container, and its
zombies stay.

The timeline (result.json, and the HTML report's plot) has the zombie count at every
look at the process table, from the start to the end of the run.""",
    expectations=(
        expect(
            "zombies-pile-up",
            f"while the parent lives, the zombie count rises with time up to {CHILDREN} (or "
            "the --children asked for); "
            "no zombie goes away, every one is the parent's",
            **EVERYWHERE,
        ),
        expect(
            "ps-shows-many-zombies",
            f"`ps aux | grep Z` shows {CHILDREN} (or --children) processes with STAT Z, "
            "[python3] <defunct>",
            **EVERYWHERE,
        ),
        expect(
            "kill-ends-the-culprit",
            "把元凶枪毙掉: `kill -TERM <parent>`, typed in the container, ends python3 flood.py "
            f"(where it is PID 1, it and its zombies are all still there {REAP_WINDOW_S:g} s "
            "later)",
            noreap=True,
            tini=True,
            none=False,
            docker_init=True,
            dumb_init=True,
            bash=True,
            tini_subreaper=True,
        ),
        expect(
            "orphaned-zombies-stay",
            "after the parent is killed, every zombie is still there, now a child of its "
            "adopter (PID 1, or the subreaper under tini-subreaper), "
            f"{REAP_WINDOW_S:g} s later: the count is unchanged",
            noreap=True,
            tini=False,
            none=False,
            docker_init=False,
            dumb_init=False,
            bash=False,
            tini_subreaper=False,
        ),
        expect(
            "init-reaps-the-orphans",
            "after the parent is killed, its zombies' adopter (PID 1, or the subreaper) reaps "
            f"them: none left within {INIT_REAP_S:g} s of the kill",
            noreap=False,
            tini=True,
            none=False,
            docker_init=True,
            dumb_init=True,
            bash=True,
            tini_subreaper=True,
        ),
    ),
    drive=drive,
    moment=moment,
    timeout_s=40.0,
    children=CHILDREN,
    # Inherent: flood.py forks its 10th child after nine time.sleep(0.1); after the kill the
    # zombies are watched for REAP_WINDOW_S, in full where they stay (noreap, and none, whose
    # PID 1 drops the kill); a reaping init ends the window at once.
    inherent_s=per_mode(0.9, noreap=0.9 + REAP_WINDOW_S, none=0.9 + REAP_WINDOW_S),
    golden_masks=(SUBREAPER_ROWS, CHILD_LINE),
)
