"""What `make bench` measures: a figure, its floor and its goal, for the table and bench.json."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from sandbox import image
from sandbox.engine import Engine
from sandbox.errors import SandboxError

Measure = Callable[[Engine, str], list["Figure"]]  # the engine, the 3.11 image -> figures


@dataclass(frozen=True)
class Figure:
    """One measured figure: its samples, and what it is held against.

    With a `floor` (same unit, measured in the same run) the goal is a ratio: median /
    floor <= goal. Without one, the goal is the median itself (<= goal, in `unit`).
    """

    what: str
    samples: tuple[float, ...]
    unit: str = "s"  # "s" or "MB"
    floor: float | None = None
    floor_what: str = ""  # what the floor is, for the reader of bench.json
    goal: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def ratio(self) -> float | None:
        return self.median / self.floor if self.floor else None

    @property
    def missed(self) -> bool:
        if self.goal is None:
            return False
        value = self.ratio if self.floor else self.median
        return value is not None and value > self.goal


def timed(action: Callable[[], object], rounds: int, *, warm: bool = True) -> tuple[float, ...]:
    """Wall time of `action`, `rounds` times (after one unmeasured run when `warm`)."""
    if warm:
        action()  # warm caches (image layers, page cache, imports)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return tuple(samples)


def table(figures: Iterable[Figure]) -> str:
    """The figures as a human reads them: median, floor, ratio, goal and whether it held."""
    lines = [f"{'what':<64}{'median':>10}{'floor':>10}{'ratio':>8}  goal"]
    for f in figures:
        line = f"{f.what:<64}{_amount(f.median, f.unit):>10}"
        if f.floor is not None and f.ratio is not None:
            line += f"{_amount(f.floor, f.unit):>10}{f.ratio:>7.2f}x"
        else:
            line += " " * 18
        if f.goal is not None:
            goal = f"{f.goal:g}x" if f.floor else _amount(f.goal, f.unit)
            line += f"  <= {goal} " + ("MISSED" if f.missed else "ok")
        lines.append(line)
    return "\n".join(lines)


def as_json(figures: Iterable[Figure]) -> str:
    """bench.json: every figure with its samples, floor, ratio and goal, for comparing runs."""
    rows = [
        {
            "what": f.what,
            "median": f.median,
            "unit": f.unit,
            "samples": list(f.samples),
            "floor": f.floor,
            "floor_what": f.floor_what,
            "ratio": f.ratio,
            "goal": f.goal,
            "goal_met": None if f.goal is None else not f.missed,
        }
        for f in figures
    ]
    return json.dumps(rows, indent=2) + "\n"


def _amount(value: float, unit: str) -> str:
    return f"{value:.0f} {unit}" if unit == "MB" else f"{value:.2f} {unit}"


def run(name: str, *sections: Measure, json_to: Path | None = None) -> int:
    """A benchmark script's main: the engine, the image and the docker CLI (the floors'
    `docker run`), then each section's figures as a table (and in `json_to`); the exit
    status: 0, 1 if a goal was missed or a run failed, 2 if something is missing."""
    try:
        engine = Engine.connect()
        ref = image.image_ref()
        if engine.image_id(ref) is None:
            print(f"{name}: no image {ref}: run `make image` first", file=sys.stderr)
            return 2
        if shutil.which("docker") is None:
            print(f"{name}: the docker CLI is needed for the floors", file=sys.stderr)
            return 2
        print(host_load("before"))
        figures = [figure for measure in sections for figure in measure(engine, ref)]
        print(host_load("after"))
    except SandboxError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return exc.exit_code
    except (AssertionError, subprocess.CalledProcessError) as exc:  # a run, or make, failed
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    print(table(figures))
    if json_to is not None:
        json_to.write_text(as_json(figures))
        print(f"wrote {json_to}")
    return 1 if any(f.missed for f in figures) else 0


def host_load(when: str) -> str:
    """The machine's state, for the reader: the engine is shared, and the host's table reads
    scan every process of the machine (another session's 10,000 zombies slow them)."""
    load = os.getloadavg()[0]
    return f"host {when}: {len(psutil.pids())} processes, load average {load:.1f} (1 min)"
