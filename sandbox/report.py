"""Rendering results for people: pure functions from results to text."""

from __future__ import annotations

from collections.abc import Iterable

from sandbox import lifecycle
from sandbox.model import CheckResult, RunResult
from sandbox.scenario import Scenario

WIDTH = 78


def _rule(title: str, char: str = "=") -> str:
    return f"{char * 3} {title} ".ljust(WIDTH, char)


def verdict(check: CheckResult, init: str) -> str:
    """One line per check: a mark, what was observed against what `init` expects, the detail."""
    mark = "✓" if check.ok else "✗"
    if check.observed is None:
        said = "not observed"
    elif check.observed == check.expected:
        said = "holds" if check.observed else f"does not hold, as expected under {init}"
    else:
        said = (
            f"holds, but should not under {init}"
            if check.observed
            else f"does not hold, but should under {init}"
        )
    return f"  {mark} {check.name}: {said} — {check.detail}"


def render_run(result: RunResult, scenario: Scenario) -> str:
    """One run: the transcript, what it shows and why, the checks, the outcome."""
    if result.not_applicable:
        return (
            f"{_rule(f'{scenario.name} under {result.init}')}\n"
            f"not applicable: {scenario.name} does not run under {result.init}: "
            f"{result.not_applicable}\n"
        )
    parts = [
        _rule(f"{scenario.name} under {result.init} · {scenario.title}"),
        result.transcript.strip("\n"),
        "",
        _rule("what you see and why", "-"),
        scenario.explanation,
        "",
        _rule(f"checks under {result.init}", "-"),
        *(verdict(c, result.init) for c in result.checks),
    ]
    if result.error:
        parts.append(f"  ✗ run stopped early: {result.error}")
    if result.recorder:
        parts.append(_rule("process events", "-"))
        parts.append(f"  {events_line(result) if result.events else 'none recorded'}")
        parts.append(f"  ({result.recorder})")
    if result.facts:
        parts.append(_rule("figures", "-"))
        parts += [f"  {name}: {value}" for name, value in result.facts.items()]
    parts.append(
        f"{'OK' if result.ok else 'FAILED'}: {scenario.name} under {result.init}, "
        f"exit code {result.exit_code}, {result.duration_s:.1f} s"
    )
    return "\n".join(parts) + "\n"


def events_line(result: RunResult) -> str:
    """What the run's recorded events add up to, in a line (lifecycle.counts_line)."""
    lost = result.facts.get("events_lost")
    life = lifecycle.lifecycle(result.events)
    return lifecycle.counts_line(life, lost if isinstance(lost, int) else None)


def render_summary(results: Iterable[RunResult]) -> str:
    """A line per run: scenario, PID 1 mode, checks passed, outcome."""
    rows = list(results)
    lines = [_rule("summary"), f"{'scenario':<20}{'init':<16}{'checks':<10}{'time':>7}  result"]
    for r in rows:
        passed = sum(c.ok for c in r.checks)
        if r.not_applicable:
            outcome = "n/a (does not run under this PID 1)"
        else:
            outcome = "ok" if r.ok else "FAILED" + (f" ({r.error})" if r.error else "")
        lines.append(
            f"{r.scenario:<20}{r.init:<16}{f'{passed}/{len(r.checks)}':<10}{r.duration_s:>6.1f}s  "
            + outcome
        )
    return "\n".join(lines) + "\n"
