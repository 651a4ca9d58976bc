"""The matrix: scenarios x PID 1 modes, run side by side, and the reports of it.

Each run is independent (its own containers, labels and result), so runs go in worker
threads, `jobs` at a time, each thread with its own connection to the engine.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from sandbox.engine import LABEL, Engine
from sandbox.errors import SandboxError
from sandbox.inits import InitMode
from sandbox.model import RunResult
from sandbox.proctable import zombies
from sandbox.report import render_summary
from sandbox.results import to_json, write_atomic
from sandbox.runner import SESSION, run_scenario
from sandbox.scenario import Scenario

Progress = Callable[[RunResult, int, int], None]  # a finished run, how many done, of how many


@dataclass(frozen=True)
class CellSummary:
    """What one run showed, in a matrix cell: zombies seen, adopted by PID 1, the verdict."""

    zombies: int  # the most zombies in one snapshot (or timeline sample)
    adopted: int  # the most zombies whose parent was PID 1, in one snapshot
    passed: int
    checks: int
    ok: bool

    def cell(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        return f"Z{self.zombies} A{self.adopted} {verdict} {self.passed}/{self.checks}"


def summarize(result: RunResult) -> CellSummary:
    seen = [len(zombies(s.processes)) for s in result.snapshots]
    seen += [sample.zombies for sample in result.timeline]
    adopted = [sum(1 for p in zombies(s.processes) if p.ppid == 1) for s in result.snapshots]
    return CellSummary(
        zombies=max(seen, default=0),
        adopted=max(adopted, default=0),
        passed=sum(c.ok for c in result.checks),
        checks=len(result.checks),
        ok=result.ok,
    )


def run_matrix(
    scenarios: list[Scenario],
    inits: list[InitMode],
    image: str,
    *,
    jobs: int,
    progress: Progress,
) -> list[RunResult]:
    """Every scenario under every mode, `jobs` at a time; results in scenario x mode order."""
    cases = [(scenario, init) for scenario in scenarios for init in inits]
    local = threading.local()

    def run(scenario: Scenario, init: InitMode) -> RunResult:
        if not hasattr(local, "engine"):  # one connection per worker thread
            local.engine = Engine.connect()
        return run_scenario(local.engine, image, scenario, init)

    results: dict[int, RunResult] = {}
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="matrix")
    try:
        pending: dict[Future[RunResult], int] = {
            pool.submit(run, scenario, init): index for index, (scenario, init) in enumerate(cases)
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                results[index] = future.result()
                progress(results[index], len(results), len(cases))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _sweep_session()  # the runs still going lose their containers, and end
        raise
    pool.shutdown()
    return [results[index] for index in range(len(cases))]


def _sweep_session() -> None:
    with contextlib.suppress(SandboxError):  # no engine: nothing to sweep with
        engine = Engine.connect()
        for container_id in engine.containers_labelled(**{f"{LABEL}.session": SESSION}):
            engine.remove(container_id)


def _rows(results: list[RunResult], inits: list[str]) -> list[tuple[str, list[str]]]:
    """(scenario, its cells per mode in `inits` order), scenarios in the order they ran."""
    by_case = {(r.scenario, r.init): summarize(r).cell() for r in results}
    names = dict.fromkeys(r.scenario for r in results)
    return [(name, [by_case.get((name, init), "-") for init in inits]) for name in names]


LEGEND = "Z: most zombies seen at once; A: most of them adopted by PID 1 (PPID 1)"


def render_table(results: list[RunResult], inits: list[str]) -> str:
    """Scenario rows, mode columns; each cell: zombies seen, adopted by PID 1, verdict."""
    rows = _rows(results, inits)
    width = max(len(name) for name in ["scenario", *(name for name, _ in rows)]) + 2
    column = max((len(cell) for _, cells in rows for cell in cells), default=10) + 2
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


def write_reports(results: list[RunResult], inits: list[str], folder: Path) -> None:
    """report.md and report.json in `folder`, each written whole or not at all."""
    write_atomic(folder / "report.md", render_markdown(results, inits))
    write_atomic(folder / "report.json", to_json([r.to_dict() for r in results]))
    write_atomic(folder / "summary.txt", render_table(results, inits) + render_summary(results))


def default_folder(root: Path) -> Path:
    return root / f"matrix-{time.strftime('%Y%m%d-%H%M%S')}"
