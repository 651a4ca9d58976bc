"""`make bench`'s catalogue and image figures, each against its floor, measured in one run.

- the controller's overhead, in-process, on benchmarks/scenarios/empty (a box opened,
  its table read from the host, closed) against a bare `docker run --rm --network none
  IMAGE true`; and on benchmarks/scenarios/trivial (`true` started at a shell in the box:
  one `docker exec` more) against that plus a bare `docker exec CONTAINER true`;
- the whole catalogue (every scenario of scenarios/) under `noreap` and `tini`, one run at
  a time, against its floor: for each run, the containers it opened times the bare
  `docker run`, plus the time the scenario itself takes under that mode (its declared
  `inherent_s`: the scripts' sleeps and the observation windows waited out in full);
- the same two at a time (`-j 2`), against the serial figure;
- `make image` when the image is up to date (absolute, 1 s);
- a cold offline build of the 3.11 image (mmdebstrap + `docker import` + the Python
  check), into a throwaway tag removed afterwards; reported, no goal.

`python benchmarks/catalogue.py` prints the figures (and each catalogue run's time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from figures import Figure, run, timed  # beside this file (the script's folder is on sys.path)

from sandbox import image
from sandbox.engine import Engine
from sandbox.inits import get_init
from sandbox.matrix import run_matrix
from sandbox.model import RunResult
from sandbox.runner import run_scenario
from sandbox.scenario import Scenario, load, load_all

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ROUNDS = 8  # of the bare `docker run` and `docker exec`, and the two small scenarios
IMAGE_ROUNDS = 5  # of the cached `make image`
MODES = ("noreap", "tini")
OVERHEAD_GOAL = 1.3  # the controller's time against its floor
PARALLEL_GOAL = 0.65  # `-j 2` against serial, on two cores
CACHED_IMAGE_GOAL_S = 1.0
# Not the project's repository: whatever happens here, no process-sandbox:* tag is touched.
THROWAWAY = f"process-sandbox-bench:cold-{os.getpid()}"


def measure(engine: Engine, ref: str) -> list[Figure]:
    """The figures, in the order the table shows them; `ref` is the 3.11 image."""
    docker = shutil.which("docker") or "docker"  # figures.run has checked it is there
    bare = Figure(
        "bare docker run --rm --network none IMAGE true",
        timed(lambda: _run([docker, "run", "--rm", "--network", "none", ref, "true"]), ROUNDS),
    )
    exec_s = bare_exec(docker, ref)
    figures = [bare, exec_s]
    figures += [
        in_process(engine, ref, "empty", bare.median, "bare docker run"),
        in_process(
            engine, ref, "trivial", bare.median + exec_s.median, "bare docker run + docker exec"
        ),
    ]
    figures += catalogue(ref, bare.median)
    figures.append(cached_image())
    figures.append(cold_build(engine))
    return figures


def bare_exec(docker: str, ref: str) -> Figure:
    """A bare `docker exec CONTAINER true` into a running container: what each command a
    scenario starts in its box costs the engine."""
    started = subprocess.run(
        [docker, "run", "-d", "--rm", "--network", "none", ref, "sleep", "600"],
        check=True,
        capture_output=True,
        text=True,
    )
    container = started.stdout.strip()
    try:
        samples = timed(lambda: _run([docker, "exec", container, "true"]), ROUNDS)
    finally:
        _run([docker, "rm", "-f", container])
    return Figure("bare docker exec CONTAINER true", samples)


def in_process(engine: Engine, ref: str, name: str, floor_s: float, floor_what: str) -> Figure:
    """benchmarks/scenarios/`name` under tini, run in this process, against `floor_s`:
    `empty` opens a box and reads its table (no command in it: against a bare `docker
    run`); `trivial` starts `true` at a shell in it (one `docker exec` more)."""
    scenario = load(HERE / "scenarios" / name)

    def run() -> None:
        result = run_scenario(engine, ref, scenario, get_init("tini"))
        assert result.ok, result.error

    return Figure(
        f"{name} scenario ({scenario.summary.split(',')[0]}), in-process",
        timed(run, ROUNDS),
        floor=floor_s,
        floor_what=floor_what,
        goal=OVERHEAD_GOAL,
    )


def catalogue(ref: str, bare_s: float) -> list[Figure]:
    """The catalogue under MODES serial, against its floor; then `-j 2` against serial."""
    scenarios = load_all()
    cases = f"{len(scenarios)} scenarios x {'+'.join(MODES)}"
    serial_s, results = run_catalogue(scenarios, ref, jobs=1)
    print_runs(results, scenarios, bare_s)
    serial = Figure(
        f"catalogue ({cases}), serial",
        (serial_s,),
        floor=floor_s(results, scenarios, bare_s),
        floor_what="containers x bare docker run + declared inherent time",
        goal=OVERHEAD_GOAL,
    )
    parallel_s, _ = run_catalogue(scenarios, ref, jobs=2)
    parallel = Figure(
        f"catalogue ({cases}), -j 2",
        (parallel_s,),
        floor=serial_s,
        floor_what="the catalogue serial",
        goal=PARALLEL_GOAL,
    )
    return [serial, parallel]


def run_catalogue(
    scenarios: Mapping[str, Scenario], ref: str, *, jobs: int
) -> tuple[float, list[RunResult]]:
    """Wall time of the catalogue under MODES, `jobs` at a time; AssertionError names the
    runs that were not ok (a figure of failed runs means nothing)."""
    start = time.perf_counter()
    results = run_matrix(
        list(scenarios.values()),
        [get_init(mode) for mode in MODES],
        {image.DEFAULT_PYTHON: ref},
        jobs=jobs,
        progress=lambda *_: None,
    )
    took = time.perf_counter() - start
    failed = [f"{r.scenario}/{r.init}: {r.error or _failed_checks(r)}" for r in results if not r.ok]
    assert not failed, f"catalogue runs failed (-j {jobs}): {'; '.join(failed)}"
    return took, results


def _failed_checks(result: RunResult) -> str:
    return "; ".join(f"check {c.name}: {c.detail}" for c in result.checks if not c.ok)


def floor_s(
    results: Iterable[RunResult], scenarios: Mapping[str, Scenario], bare_s: float
) -> float:
    """What the runs must take whatever the controller does: each run's containers, each
    at the cost of a bare `docker run`, plus its scenario's inherent time under its mode."""
    return sum(run_floor_s(r, scenarios[r.scenario], bare_s) for r in results)


def run_floor_s(result: RunResult, scenario: Scenario, bare_s: float) -> float:
    if result.not_applicable:  # no container was started: nothing to wait for
        return 0.0
    return result.containers * bare_s + scenario.inherent_under(result.init)


def print_runs(
    results: Iterable[RunResult], scenarios: Mapping[str, Scenario], bare_s: float
) -> None:
    """Each run's time against its own floor: where the controller's time goes."""
    results = list(results)
    print(f"{'run':<34}{'took':>8}{'boxes':>6}{'inherent':>10}{'floor':>8}{'ratio':>7}")
    for r in results:
        floor = run_floor_s(r, scenarios[r.scenario], bare_s)
        inherent = scenarios[r.scenario].inherent_under(r.init)
        ratio = f"{r.duration_s / floor:>6.2f}x" if floor else ""
        print(
            f"{r.scenario + '/' + r.init:<34}{r.duration_s:>7.2f}s{r.containers:>6}"
            f"{inherent:>9.2f}s{floor:>7.2f}s{ratio}"
        )
    took = sum(r.duration_s for r in results)
    floor = floor_s(results, scenarios, bare_s)
    print(f"{'the runs themselves':<34}{took:>7.2f}s{'':>16}{floor:>7.2f}s{took / floor:>6.2f}x")


def cached_image() -> Figure:
    """`make image` with the image up to date: the venv check, python start-up, the lookup."""
    argv = ["make", "--no-print-directory", "-C", str(ROOT), "image"]
    return Figure(
        "`make image`, up to date",
        timed(lambda: _run(argv), IMAGE_ROUNDS),
        goal=CACHED_IMAGE_GOAL_S,
    )


def cold_build(engine: Engine) -> Figure:
    """The 3.11 image built from nothing, as `make image` would on a fresh machine:
    mmdebstrap from the host's Debian mirror, `docker import`, then its Python checked."""
    python = image.DEFAULT_PYTHON
    start = time.perf_counter()
    try:
        built = image.build_offline(
            engine, THROWAWAY, lambda _: None, suite=image.suite_for(python)
        )
        image.check_python(engine, built, python)
        took = time.perf_counter() - start
    finally:
        if engine.image_id(THROWAWAY) is not None:
            engine.remove_image(THROWAWAY)
    return Figure(f"cold offline build of the {python} image", (took,))


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def main() -> int:
    return run("catalogue", measure)


if __name__ == "__main__":
    sys.exit(main())
