"""`make bench`: the sandbox's costs against their floors, every figure measured in one run.

Prints a table and writes bench.json (for comparing runs). Each figure is a median, held
against a floor measured in the same run (a ratio and its goal), or against a goal of its
own:

- catalogue.py: the controller's overhead on the least a scenario can do (a box opened
  and its table read) against a bare `docker run --rm --network none IMAGE true`, and
  with one command started in the box against that plus a bare `docker exec`; the
  whole catalogue under `noreap` and
  `tini`, one run after another, against its floor (a bare container start per container
  it opened, plus each scenario's declared inherent time), and two at a time against
  that; a cached `make image`, and a cold offline image build;
- snapshots.py: one process-table snapshot of a container holding 10,000 zombies, by
  each method the project uses (in the container, from the host), against a raw read of
  the same processes' /proc/<pid>/stat, and the controller's peak memory meanwhile.

Sample output (2-core machine; see README.md, Benchmark):
    what                                             median     floor   ratio  goal
    bare docker run --rm --network none IMAGE true   0.20 s
    empty scenario (open a container under its PID 1...  0.24 s    0.22 s   1.09x  <= 1.3x ok
    ...
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import catalogue  # beside this file (the script's folder is on sys.path)
import snapshots
from figures import as_json, table

from sandbox import image
from sandbox.engine import Engine
from sandbox.errors import SandboxError

BENCH_JSON = Path("bench.json")


def main() -> int:
    try:
        engine = Engine.connect()
        ref = image.image_ref()
        if engine.image_id(ref) is None:
            print(f"bench: no image {ref}: run `make image` first", file=sys.stderr)
            return 2
        if shutil.which("docker") is None:
            print("bench: the docker CLI is needed for the floor (a bare `docker run`)")
            return 2
        print(catalogue.host_load("before"))
        figures = catalogue.measure(engine, ref) + snapshots.measure(engine, ref)
        print(catalogue.host_load("after"))
    except SandboxError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return exc.exit_code
    except (AssertionError, subprocess.CalledProcessError) as exc:  # a run, or make, failed
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    print(table(figures))
    BENCH_JSON.write_text(as_json(figures))
    print(f"wrote {BENCH_JSON}")
    return 1 if any(f.missed for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
