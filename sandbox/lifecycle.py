"""What a run's process events add up to: counts, reaps and their latency, zombies over time.

Pure functions of the events sandbox/recorder.py recorded (RunResult.events), for the
reports and the checks. A process is known by its container and host PID (its PID in the
container may be 0, where it was gone before it could be looked up).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sandbox.model import ProcessEvent, RunResult, Sample
from sandbox.recorder import ORPHAN

# Who reaped a process: its parent; the adopter (PID 1, or a child subreaper), its parent
# having died first; or one of them, as the parent died (too close to tell).
BY_PARENT, BY_ADOPTER, BY_EITHER = "parent", "adopter", "parent or adopter"
# ... or the kernel, as the container's PID 1 died: it kills every other process of the
# PID namespace with SIGKILL and reaps them all (`docker stop`, under any PID 1).
BY_TEARDOWN = "the container's end"
TEARDOWN_S = 1.0  # the SIGKILL deaths this close before PID 1's are that teardown's
# A reap is its parent's only if seen this long before the parent's exit: the kernel hands
# a dying parent's children to the adopter microseconds before it sends that exit, so an
# adopter's reap can come just before it (and the recorder sees a reap a little late).
# Closer than that, it is the adopter's where the parent was killed by a signal (a parent
# dying of one was not waiting for its children: zombie and zombie-flood's culprits), and
# counted apart where it exited by itself (a shell's `wait`, then its exit).
CLOSE_S = 0.001


@dataclass(frozen=True)
class Reap:
    """One reap: when the process exited, when its reaper could first have waited for it,
    when it was gone, and who reaped it: its parent, or its adopter (PID 1, or a child
    subreaper) once the parent had died."""

    pid: int
    container: int
    exited_s: float
    reapable_s: float  # its exit, or for an orphan its parent's death, whichever came later
    reaped_s: float
    by: str  # BY_PARENT, BY_ADOPTER, BY_EITHER or BY_TEARDOWN

    @property
    def latency_s(self) -> float:
        """How long its reaper took, once it could: exit (or orphaning) -> gone."""
        return max(0.0, self.reaped_s - self.reapable_s)


@dataclass(frozen=True)
class Lifecycle:
    """A run's process events, counted."""

    forks: int
    execs: int
    exits: int
    reaps: tuple[Reap, ...]
    unreaped: int  # exited, and still zombies when the recording stopped
    peak_zombies: int
    peak_at_s: float

    def reaped_by(self, by: str) -> tuple[Reap, ...]:
        return tuple(r for r in self.reaps if r.by == by)


Key = tuple[int, int]  # (container, host PID)


def lifecycle(events: Iterable[ProcessEvent]) -> Lifecycle:
    ordered = sorted(events, key=lambda e: e.at_s)
    parent: dict[Key, Key | None] = {}
    exited: dict[Key, float] = {}
    # Every exit, known before the reaps are read: a reap just before its parent's exit
    # may be the adopter's (CLOSE_S).
    died = {(e.container, e.host_pid): e.at_s for e in ordered if e.kind == "exit"}
    killed = {
        (e.container, e.host_pid)
        for e in ordered
        if e.kind == "exit" and e.detail.startswith("killed by")
    }
    by_pid: dict[tuple[int, int], Key] = {}  # (container, PID in it) -> its key
    ends = {e.container: e.at_s for e in ordered if e.kind == "exit" and e.pid == 1}
    teardown = {  # from the first SIGKILL death of the end's burst, to the end
        box: (
            min(
                (
                    e.at_s
                    for e in ordered
                    if e.container == box
                    and e.kind == "exit"
                    and e.detail == "killed by SIGKILL"
                    and end - TEARDOWN_S <= e.at_s <= end
                ),
                default=end,
            )
            - CLOSE_S,
            end + CLOSE_S,
        )
        for box, end in ends.items()
    }
    reaps: list[Reap] = []
    forks = execs = exits = 0
    zombies, peak, peak_at = set(), 0, 0.0
    for e in ordered:
        key = (e.container, e.host_pid)
        if key not in parent:  # first seen: its fork, or its exec (`docker exec`, PID 1)
            parent[key] = by_pid.get((e.container, e.ppid)) if e.ppid else None
            if e.pid:
                by_pid[(e.container, e.pid)] = key
        if e.kind == "fork":
            forks += 1
        elif e.kind == "exec":
            execs += 1
        elif e.kind == "exit":
            exits += 1
            exited[key] = e.at_s
            zombies.add(key)
        elif e.kind == "reap":
            zombies.discard(key)
            reap = _reap(e, key, exited, died, parent[key], parent[key] in killed)
            start, end = teardown.get(e.container, (math.inf, math.inf))
            reaps.append(replace(reap, by=BY_TEARDOWN) if start <= e.at_s <= end else reap)
        if len(zombies) > peak:
            peak, peak_at = len(zombies), e.at_s
    return Lifecycle(
        forks=forks,
        execs=execs,
        exits=exits,
        reaps=tuple(reaps),
        unreaped=len(zombies),
        peak_zombies=peak,
        peak_at_s=peak_at,
    )


def _reap(
    e: ProcessEvent,
    key: Key,
    exited: dict[Key, float],
    died: dict[Key, float],
    up: Key | None,
    parent_killed: bool,
) -> Reap:
    """A reap event as a Reap: who reaped it (the recorder marks the certain orphans; see
    CLOSE_S for the rest), and from when it could (an orphan: from its parent's death)."""
    exit_s = exited.get(key, e.at_s)
    death = died.get(up) if up is not None else None
    if e.detail == ORPHAN:
        by = BY_ADOPTER
    elif death is not None and e.at_s > death - CLOSE_S:
        by = BY_ADOPTER if parent_killed else BY_EITHER
    else:
        by = BY_PARENT
    reapable = max(exit_s, death) if by == BY_ADOPTER and death is not None else exit_s
    return Reap(e.pid, e.container, exit_s, reapable, e.at_s, by)


def zombie_curve(events: Iterable[ProcessEvent], most: int = 2000) -> tuple[Sample, ...]:
    """Processes and zombies after each event: exact, for a plot of counts over time.

    Past `most` points, each stretch of events becomes its first and its peak point, so
    that a burst of 10,000 draws fast and keeps its highest count.
    """
    alive: set[Key] = set()
    zombies: set[Key] = set()
    points: list[Sample] = []
    for e in sorted(events, key=lambda e: e.at_s):
        key = (e.container, e.host_pid)
        if e.kind in ("fork", "exec"):
            alive.add(key)
        elif e.kind == "exit":
            zombies.add(key)
        elif e.kind == "reap":
            alive.discard(key)
            zombies.discard(key)
        points.append(Sample(e.at_s, len(alive), len(zombies)))
    if len(points) <= most:
        return tuple(points)
    size = math.ceil(len(points) / (most // 2))
    thinned: list[Sample] = []
    for i in range(0, len(points), size):
        stretch = points[i : i + size]
        top = max(stretch, key=lambda s: s.zombies)
        thinned += [stretch[0]] if top is stretch[0] else [stretch[0], top]
    if thinned[-1] is not points[-1]:
        thinned.append(points[-1])
    return tuple(thinned)


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, by the nearest rank (an observed value)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def counts_line(life: Lifecycle, lost: int | None = None) -> str:
    """`12 forks, 3 execs, 12 exits, 12 reaps (10 by PID 1 or a subreaper), ...`."""
    adopted = len(life.reaped_by(BY_ADOPTER))
    either = len(life.reaped_by(BY_EITHER))
    ended = len(life.reaped_by(BY_TEARDOWN))
    close = f", {either:,} as their parent died" if either else ""
    close += f", {ended:,} as the container ended" if ended else ""
    line = (
        f"{life.forks:,} forks, {life.execs:,} execs, {life.exits:,} exits, "
        f"{len(life.reaps):,} reaps ({adopted:,} by PID 1 or a subreaper{close}), "
        f"{life.unreaped:,} never reaped, peak {life.peak_zombies:,} zombies"
    )
    return line + (f", {lost:,} lost" if lost is not None else "")


@dataclass(frozen=True)
class Reaping:
    """One PID 1 mode's reaps over a set of runs: who reaped, how fast, what was left."""

    mode: str
    recorded: int  # runs whose events were recorded
    sampled: int  # runs whose timeline was only sampled (no reap timed)
    adopter: tuple[float, ...]  # latencies (s) of reaps by PID 1 or a subreaper, sorted
    parent: tuple[float, ...]  # ... by the process's own parent
    either: int  # reaped as the parent died: by whom, too close to tell
    teardown: int  # reaped by the kernel as the container's PID 1 died
    unreaped: int  # exited and still zombies when their run's recording stopped
    peak_zombies: int  # the most zombies at once in one of the runs


def reaping(runs: Iterable[tuple[str, RunResult]]) -> list[Reaping]:
    """Per mode (the first of each pair, e.g. a matrix column), in order of appearance."""
    by_mode: dict[str, list[RunResult]] = {}
    for mode, run in runs:
        by_mode.setdefault(mode, []).append(run)
    rows = []
    for mode, results in by_mode.items():
        lives = [lifecycle(r.events) for r in results if r.events]
        reaps = [reap for life in lives for reap in life.reaps]
        rows.append(
            Reaping(
                mode=mode,
                recorded=len(lives),
                sampled=sum(1 for r in results if not r.events and not r.not_applicable),
                adopter=tuple(sorted(r.latency_s for r in reaps if r.by == BY_ADOPTER)),
                parent=tuple(sorted(r.latency_s for r in reaps if r.by == BY_PARENT)),
                either=sum(1 for r in reaps if r.by == BY_EITHER),
                teardown=sum(1 for r in reaps if r.by == BY_TEARDOWN),
                unreaped=sum(life.unreaped for life in lives),
                peak_zombies=max((life.peak_zombies for life in lives), default=0),
            )
        )
    return rows
