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

import sys
from pathlib import Path

import catalogue  # beside this file (the script's folder is on sys.path)
import snapshots
from figures import run

if __name__ == "__main__":
    sys.exit(run("bench", catalogue.measure, snapshots.measure, json_to=Path("bench.json")))
