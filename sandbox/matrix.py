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
from pathlib import Path

from sandbox.confine import Limits
from sandbox.engine import Engine
from sandbox.errors import SandboxError
from sandbox.html import render_html
from sandbox.inits import InitMode
from sandbox.leftovers import CONTROLLER_LABEL, this_controller
from sandbox.model import RunResult
from sandbox.report import render_summary
from sandbox.results import to_json, write_atomic
from sandbox.runner import run_scenario
from sandbox.scenario import Scenario
from sandbox.summary import render_markdown, render_table

Progress = Callable[[RunResult, int, int], None]  # a finished run, how many done, of how many


def run_matrix(
    scenarios: list[Scenario],
    inits: list[InitMode],
    images: dict[str, str],
    *,
    jobs: int,
    progress: Progress,
    limits: Limits | None = None,
    children: int | None = None,
) -> list[RunResult]:
    """Every scenario under every mode on every Python of `images` (version -> image),
    `jobs` at a time; results in scenario x Python x mode order. `children` goes to the
    scenarios that take a number of children (Scenario.children)."""
    cases = [
        (scenario, init, python) for scenario in scenarios for python in images for init in inits
    ]
    local = threading.local()

    def run(scenario: Scenario, init: InitMode, python: str) -> RunResult:
        if not hasattr(local, "engine"):  # one connection per worker thread
            local.engine = Engine.connect()
        return run_scenario(
            local.engine,
            images[python],
            scenario,
            init,
            python=python,
            limits=limits,
            children=children if scenario.children is not None else None,
        )

    results: dict[int, RunResult] = {}
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="matrix")
    try:
        pending: dict[Future[RunResult], int] = {
            pool.submit(run, *case): index for index, case in enumerate(cases)
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                results[index] = future.result()
                progress(results[index], len(results), len(cases))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _sweep_mine()  # the runs still going lose their containers, and end
        raise
    pool.shutdown()
    return [results[index] for index in range(len(cases))]


def _sweep_mine() -> None:
    # This controller's, not its session's: another controller may share the session.
    mine = {CONTROLLER_LABEL: str(this_controller())}
    with contextlib.suppress(SandboxError):  # no engine: nothing to sweep with
        engine = Engine.connect()
        for container_id in engine.containers_labelled(**mine):
            engine.remove(container_id)


def write_reports(
    results: list[RunResult], inits: list[str], folder: Path, *, json: bool = True
) -> None:
    """report.md, report.html and report.json in `folder`, each written whole or not at all."""
    write_atomic(folder / "report.md", render_markdown(results, inits))
    write_atomic(folder / "report.html", render_html(results, inits))
    if json:
        write_atomic(folder / "report.json", to_json([r.to_dict() for r in results]))
    write_atomic(folder / "summary.txt", render_table(results, inits) + render_summary(results))


def default_folder(root: Path) -> Path:
    return root / f"matrix-{time.strftime('%Y%m%d-%H%M%S')}"
