"""What `make bench` measures: a figure, its floor and its goal, for the table and bench.json."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


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
