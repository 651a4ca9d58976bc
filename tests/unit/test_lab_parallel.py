"""Parts run at the same time, yet each part's transcript reads as one piece, in order."""

from __future__ import annotations

import threading
from typing import Any, cast

import pytest

from sandbox.errors import ScenarioError
from sandbox.inits import get_init
from sandbox.lab import Lab


def lab() -> Lab:
    return Lab(cast(Any, None), "image", get_init("tini"), {}, labels={}, bound_s=10)


def test_parts_run_together_and_their_transcripts_stay_whole() -> None:
    the_lab = lab()
    b_wrote = threading.Event()

    def a() -> None:
        the_lab.write("a1\n")
        assert b_wrote.wait(5)  # B writes while A is still running: they overlap
        late = the_lab.writer()  # captured in A's thread, written from another one
        writer = threading.Thread(target=late, args=("a2\n",))
        writer.start()
        writer.join()

    def b() -> None:
        the_lab.write("b1\n")
        b_wrote.set()

    the_lab.write("before\n")
    the_lab.parallel(a, b)
    the_lab.write("after\n")
    assert the_lab.transcript == "before\na1\na2\nb1\nafter\n"


def test_the_first_error_is_raised_after_every_part_ended() -> None:
    the_lab = lab()
    failed = threading.Event()

    def fails() -> None:
        failed.set()
        raise ValueError("part failed")

    def slow() -> None:
        assert failed.wait(5)  # still running when the other part has failed
        the_lab.write("slow done\n")

    with pytest.raises(ValueError, match="part failed"):
        the_lab.parallel(fails, slow)
    assert "slow done" in the_lab.transcript


def test_a_cancelled_lab_opens_no_box() -> None:
    the_lab = lab()
    the_lab.cancel()
    with pytest.raises(ScenarioError, match="the run was stopped"), the_lab.box():
        pass
