"""ticket-race's picture of the clients at the lock: retaken while ps catches one moving."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from sandbox.scenario import SCENARIOS_DIR, load

HEAD = """\
      1 R    -                    ps -eo stat,wchan:20,args
      1 S    do_sys_pause         sleep infinity
"""
TAIL = """\
      1 STAT WCHAN                COMMAND
      1 Ss   do_sigtimedwait.isra /usr/bin/tini -- sleep infinity
      3 Z    -                    [python3] <defunct>
"""
MAIN = "      1 S    do_wait              python3 with_lock.py\n"
WAITING = "     93 S    futex_do_wait        python3 with_lock.py\n"


@pytest.fixture(scope="module")
def still() -> Callable[[str], bool]:
    load(SCENARIOS_DIR / "ticket-race")
    function: Callable[[str], bool] = sys.modules["sandbox_scenario_ticket-race"].still
    return function


@pytest.mark.parametrize(
    "holder",
    [
        "      1 S    hrtimer_nanosleep    python3 with_lock.py\n",  # in its time.sleep()
        "      1 R    -                    python3 with_lock.py\n",  # running
        "",  # between two clients' turns
    ],
)
def test_a_still_picture_is_kept(still: Callable[[str], bool], holder: str) -> None:
    assert still(HEAD + MAIN + WAITING + holder + TAIL)


@pytest.mark.parametrize(
    "moving",
    [
        # Seen in CI: asleep when ps read its state, on its way when it read its wchan.
        "      1 S    -                    python3 with_lock.py\n",
        # Running at the first read, asleep at the second (2 in 300 reads, with the above).
        "      1 R    hrtimer_nanosleep    python3 with_lock.py\n",
        "      1 R    futex_do_wait        python3 with_lock.py\n",
    ],
)
def test_a_client_caught_between_reads_is_retaken(
    still: Callable[[str], bool], moving: str
) -> None:
    assert not still(HEAD + MAIN + WAITING + moving + TAIL)


def test_main_not_seen_waiting_is_retaken(still: Callable[[str], bool]) -> None:
    running = "      1 R    -                    python3 with_lock.py\n"  # main, or the holder
    assert not still(HEAD + WAITING + running + TAIL)  # no row in do_wait: main is moving
    assert not still(HEAD + MAIN.replace("S   ", "R   ") + WAITING + TAIL)


def test_main_as_pid_1_is_seen_waiting(still: Callable[[str], bool]) -> None:
    pid_1 = "      1 Ss   do_wait              python3 with_lock.py\n"  # under `none`
    assert still(HEAD + WAITING + TAIL + pid_1)
