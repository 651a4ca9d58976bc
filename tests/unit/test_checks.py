"""The verdict logic: a claim against what a run observed, per PID 1 mode."""

from __future__ import annotations

from sandbox.lab import Observation
from sandbox.model import Expectation
from sandbox.report import verdict
from sandbox.runner import evaluate

STAYS = Expectation("orphaned-zombie-stays", "the zombie stays", {"noreap": True, "tini": False})


def test_observed_as_expected_per_mode() -> None:
    held = {STAYS.name: Observation(True, "zombie 14 has PPID 1")}
    gone = {STAYS.name: Observation(False, "reaped in 2 ms")}
    (noreap,) = evaluate((STAYS,), held, "noreap")
    (tini,) = evaluate((STAYS,), gone, "tini")
    assert noreap.ok and noreap.observed is True and noreap.expected is True
    assert tini.ok and tini.observed is False and tini.expected is False
    assert verdict(noreap, "noreap") == "  ✓ orphaned-zombie-stays: holds — zombie 14 has PPID 1"
    assert verdict(tini, "tini") == (
        "  ✓ orphaned-zombie-stays: does not hold, as expected under tini — reaped in 2 ms"
    )


def test_observed_against_expectation_fails() -> None:
    (tini,) = evaluate((STAYS,), {STAYS.name: Observation(True, "still there")}, "tini")
    assert not tini.ok
    assert "holds, but should not under tini" in verdict(tini, "tini")
    (noreap,) = evaluate((STAYS,), {STAYS.name: Observation(False, "gone")}, "noreap")
    assert not noreap.ok
    assert "does not hold, but should under noreap" in verdict(noreap, "noreap")


def test_unobserved_claim_fails_and_says_why() -> None:
    (check,) = evaluate((STAYS,), {}, "noreap", stopped_by="timed out: waited for a zombie")
    assert not check.ok and check.observed is None
    assert "the run stopped first (timed out: waited for a zombie)" in check.detail
    assert "not observed" in verdict(check, "noreap")


def test_undeclared_observation_is_a_failure() -> None:
    checks = evaluate((), {"typo": Observation(True, "x")}, "tini")
    assert [(c.name, c.ok) for c in checks] == [("typo", False)]
