"""What a matrix shows: a cell per run (zombies seen, adopted, reaped, the verdict), and
the table of them as text and Markdown. Pure functions of results.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.inits import INITS
from sandbox.model import RunResult, Snapshot
from sandbox.proctable import zombies


@dataclass(frozen=True)
class CellSummary:
    """What one run showed, in a matrix cell: zombies seen, adopted, reaped, the verdict."""

    zombies: int  # the most zombies in one snapshot (or timeline sample)
    adopted: int  # the most zombies whose parent was PID 1, in one snapshot
    reaped: int  # zombies seen in a snapshot and gone from a later one of the same container
    passed: int
    checks: int
    ok: bool
    not_applicable: bool = False

    def cell(self) -> str:
        if self.not_applicable:
            return "n/a"
        verdict = "ok" if self.ok else "FAILED"
        return (
            f"Z{self.zombies} A{self.adopted} R{self.reaped} {verdict} {self.passed}/{self.checks}"
        )


def summarize(result: RunResult) -> CellSummary:
    seen = [len(zombies(s.processes)) for s in result.snapshots]
    seen += [sample.zombies for sample in result.timeline]
    return CellSummary(
        zombies=max(seen, default=0),
        adopted=_adopted(result),
        reaped=_reaped(result.snapshots),
        passed=sum(c.ok for c in result.checks),
        checks=len(result.checks),
        ok=result.ok,
        not_applicable=bool(result.not_applicable),
    )


def _adopted(result: RunResult) -> int:
    """The most zombies with PPID 1 in one snapshot that PID 1 did not fork itself.

    Under `none` PID 1 is the scenario's script, and a zombie with PPID 1 may be its own
    child: it counts as adopted only if an earlier snapshot of the container showed it
    with another parent. Under every other mode PID 1 forks nothing the scenario made.
    """
    script_is_pid1 = result.init in INITS and INITS[result.init].jobs == "pid1"
    most = 0
    for container in dict.fromkeys(s.container for s in result.snapshots):
        parents: dict[int, int] = {}
        for snapshot in (s for s in result.snapshots if s.container == container):
            adopted = [
                z
                for z in zombies(snapshot.processes)
                if z.ppid == 1 and (not script_is_pid1 or parents.get(z.pid, 1) != 1)
            ]
            most = max(most, len(adopted))
            parents.update({p.pid: p.ppid for p in snapshot.processes})
    return most


def _reaped(snapshots: tuple[Snapshot, ...]) -> int:
    """Zombies seen in a snapshot that are no longer zombies in a later one of the container."""
    count = 0
    for container in dict.fromkeys(s.container for s in snapshots):
        seen: set[int] = set()
        gone: set[int] = set()
        for snapshot in (s for s in snapshots if s.container == container):
            now = {p.pid for p in zombies(snapshot.processes)}
            gone |= seen - now
            seen |= now
        count += len(gone)
    return count


def several_pythons(results: list[RunResult]) -> bool:
    return len({r.python for r in results}) > 1


def column(result: RunResult, several_pythons: bool) -> str:
    """A run's column: its PID 1 mode, and its Python where the matrix has several."""
    return f"{result.init} {result.python}" if several_pythons else result.init


def columns(results: list[RunResult]) -> list[str]:
    """The matrix's columns, in the order the runs were asked for."""
    several = several_pythons(results)
    return list(dict.fromkeys(column(r, several) for r in results))


def _rows(results: list[RunResult], inits: list[str]) -> list[tuple[str, list[str]]]:
    """(scenario, its cells per column in `inits` order), scenarios in the order they ran."""
    several = several_pythons(results)
    by_case = {(r.scenario, column(r, several)): summarize(r).cell() for r in results}
    names = dict.fromkeys(r.scenario for r in results)
    return [(name, [by_case.get((name, init), "-") for init in inits]) for name in names]


LEGEND = (
    "Z: most zombies seen at once; A: most of them adopted by PID 1 (PPID 1); "
    "R: zombies reaped (seen, then gone); n/a: the scenario does not run under that PID 1"
)


def render_table(results: list[RunResult], inits: list[str]) -> str:
    """Scenario rows, mode columns; each cell: zombies seen, adopted by PID 1, verdict."""
    rows = _rows(results, inits)
    width = max(len(name) for name in ["scenario", *(name for name, _ in rows)]) + 2
    column = max(len(cell) for cell in [*inits, *(c for _, cells in rows for c in cells)]) + 2
    lines = ["".join([f"{'scenario':<{width}}", *(f"{i:<{column}}" for i in inits)])]
    for name, cells in rows:
        lines.append("".join([f"{name:<{width}}", *(f"{c:<{column}}" for c in cells)]))
    lines.append(LEGEND)
    return "\n".join(lines) + "\n"


def render_markdown(results: list[RunResult], inits: list[str]) -> str:
    """report.md: the matrix, then every run's checks and transcript."""
    parts = ["# process-sandbox matrix", "", "| scenario | " + " | ".join(inits) + " |"]
    parts.append("|---" * (len(inits) + 1) + "|")
    parts += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in _rows(results, inits)]
    parts += ["", f"{LEGEND}.", ""]
    for r in results:
        parts += [f"## {r.scenario} under {r.init}: {'ok' if r.ok else 'FAILED'}", ""]
        if r.error:
            parts += [f"Stopped early: {r.error}", ""]
        parts += [f"- {'✓' if c.ok else '✗'} `{c.name}`: {c.detail}" for c in r.checks]
        parts += ["", "```", r.transcript.strip("\n"), "```", ""]
    return "\n".join(parts)
