"""`make bench`: the controller's wall time against its floor, measured in one run.

Prints a table and writes bench.json. The floor is a bare
`docker run --rm --network none IMAGE true`; the controller runs a trivial scenario
(scenarios/trivial: `true` at a shell in a fresh container) in-process and through the CLI.
Also times `make zombie`'s two runs (noreap and tini) end to end, and a slice of the
matrix (MATRIX_SLICE under every PID 1 mode) with `-j 1` and with `-j 2`: the second is
measured against the first.

Sample output (2-core machine):
    what                                      median    floor   ratio   goal
    bare docker run --rm IMAGE true            0.28 s
    trivial scenario, in-process               0.33 s   0.28 s   1.18x  <= 1.5x
    ...
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sandbox import image
from sandbox.engine import Engine
from sandbox.errors import SandboxError
from sandbox.inits import INITS, get_init
from sandbox.matrix import run_matrix
from sandbox.runner import run_scenario
from sandbox.scenario import find, load

HERE = Path(__file__).resolve().parent
ROUNDS = 8
GOAL = 1.5
# Matrix runs are mostly waiting (on a zombie, a reap window): two at a time on two cores
# should take clearly less than one after another.
MATRIX_SLICE = ("zombie", "orphan")
PARALLEL_GOAL = 0.75


def timed(action: Callable[[], object], rounds: int) -> list[float]:
    action()  # warm caches (image layers, page cache, imports)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def main() -> int:
    try:
        return measure()
    except SandboxError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return exc.exit_code
    except subprocess.CalledProcessError as exc:
        print(f"bench: `{' '.join(exc.cmd)}` failed ({exc.returncode})", file=sys.stderr)
        return 1


def measure() -> int:
    engine = Engine.connect()
    ref = image.image_ref()
    if engine.image_id(ref) is None:
        print(f"no image {ref}: run `make image` first", file=sys.stderr)
        return 2
    docker = shutil.which("docker")
    if docker is None:
        print("the docker CLI is needed for the floor (a bare `docker run`)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as results_dir:
        rows = measure_rows(engine, ref, docker, results_dir)
    return report(rows)


Row = tuple[str, list[float], float | None, float | None]  # what, samples, floor, goal


def measure_rows(engine: Engine, ref: str, docker: str, results_dir: str) -> list[Row]:
    trivial = load(HERE / "scenarios" / "trivial")
    cli = [sys.executable, "-m", "sandbox", "run"]
    rows: list[Row] = []

    floor = timed(lambda: run([docker, "run", "--rm", "--network", "none", ref, "true"]), ROUNDS)
    rows.append(("bare docker run --rm IMAGE true", floor, None, None))
    base = statistics.median(floor)

    def in_process() -> None:
        result = run_scenario(engine, ref, trivial, get_init("tini"))
        assert result.ok, result.error

    rows.append(("trivial scenario, in-process", timed(in_process, ROUNDS), base, GOAL))
    scenarios = str(HERE / "scenarios")
    end_to_end = [*cli, "trivial", "--init", "tini", "--scenarios", scenarios]
    rows.append(
        (
            "trivial scenario, `python -m sandbox run`",
            timed(lambda: run([*end_to_end, "--results", results_dir]), ROUNDS),
            base,
            None,  # it includes the start-up below, which no controller work can win back
        )
    )
    startup = [sys.executable, "-c", "import sandbox.cli"]
    rows.append(
        (
            "  of which: python start-up + Docker SDK import",
            timed(lambda: run(startup), ROUNDS),
            None,
            None,
        )
    )
    zombie = timed(lambda: run([*cli, "zombie", "--results", results_dir]), 3)
    rows.append(("`make zombie` (noreap + tini, 4 containers)", zombie, None, None))

    scenarios_slice = [find(name) for name in MATRIX_SLICE]
    inits = list(INITS.values())

    def matrix(jobs: int) -> float:
        start = time.perf_counter()
        results = run_matrix(
            scenarios_slice, inits, {image.DEFAULT_PYTHON: ref}, jobs=jobs, progress=_quiet
        )
        failed = [f"{r.scenario}/{r.init}" for r in results if not r.ok]
        assert not failed, f"matrix runs failed: {failed}"
        return time.perf_counter() - start

    cases = f"{len(MATRIX_SLICE)} scenarios x {len(inits)} modes"
    serial = matrix(1)
    rows.append((f"matrix {cases}, -j 1", [serial], None, None))
    rows.append((f"matrix {cases}, -j 2", [matrix(2)], serial, PARALLEL_GOAL))
    return rows


def _quiet(*_: object) -> None:
    pass


def report(rows: list[Row]) -> int:
    print(f"{'what':<50}{'median':>8}{'floor':>9}{'ratio':>8}{'goal':>9}")
    figures = []
    missed = False
    for name, samples, against, goal in rows:
        median = statistics.median(samples)
        ratio = median / against if against else None
        line = f"{name:<50}{median:>7.2f}s"
        if ratio is not None and against is not None:
            line += f"{against:>8.2f}s{ratio:>7.2f}x"
            if goal is not None:
                line += f"  <= {goal}x " + ("ok" if ratio <= goal else "MISSED")
                missed |= ratio > goal
        print(line)
        figures.append(
            {
                "what": name,
                "median_s": median,
                "samples_s": samples,
                "floor_s": against,
                "ratio": ratio,
            }
        )
    Path("bench.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("wrote bench.json")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
