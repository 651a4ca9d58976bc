"""Waiting on conditions, never on guessed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Timeout(Exception):
    """The condition did not come true in time. `last` is the last value observed."""

    def __init__(self, what: str, timeout_s: float, last: object) -> None:
        super().__init__(f"{what}: not true after {timeout_s:g} s")
        self.what = what
        self.timeout_s = timeout_s
        self.last = last


def wait_until(
    probe: Callable[[], T],
    accept: Callable[[T], bool],
    *,
    timeout_s: float,
    what: str,
    interval_s: float = 0.01,
) -> T:
    """Call `probe` until `accept` takes its value; return that value.

    Raises Timeout (carrying the last value) when `timeout_s` passes first. The probe is
    always called at least once, and once more at the deadline.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if accept(value):
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Timeout(what, timeout_s, value)
        time.sleep(min(interval_s, remaining))
