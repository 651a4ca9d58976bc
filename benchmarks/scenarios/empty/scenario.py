"""empty: the least a scenario can do — open a box under its PID 1, see PID 1, close it.

The benchmark's measure of the controller's own overhead against a bare `docker run`:
no command is started in the box (each would be a `docker exec`, which a bare
`docker run IMAGE true` does not pay); the table is read from the host.
"""

from __future__ import annotations

from sandbox.inits import INITS
from sandbox.lab import Lab
from sandbox.model import Expectation
from sandbox.proctable import find
from sandbox.scenario import Scenario


def drive(lab: Lab) -> None:
    with lab.box() as box:
        pid1 = box.wait_for("PID 1", lambda table: find(table, 1))
        lab.check("pid-1-is-there", pid1.pid == 1, f"PID 1 is {pid1.cmd}")


SCENARIO = Scenario(
    name="empty",
    title="(benchmark)",
    summary="open a container under its PID 1, see PID 1 in its table, close it",
    explanation="Nothing to see: this measures the controller's overhead.",
    expectations=(
        Expectation("pid-1-is-there", "PID 1 is in the table", dict.fromkeys(INITS, True)),
    ),
    drive=drive,
)
