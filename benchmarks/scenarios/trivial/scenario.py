"""trivial: the least a scenario can do — start `true` at a shell in a fresh box, wait for it.

The benchmark's measure of the controller's own overhead against a bare `docker run`.
"""

from __future__ import annotations

from sandbox.inits import INITS
from sandbox.lab import Lab
from sandbox.model import Expectation
from sandbox.scenario import Scenario


def drive(lab: Lab) -> None:
    with lab.box() as box:
        status = box.start("true").wait()
        lab.check("exits-0", status == 0, f"`true` exited {status}")


SCENARIO = Scenario(
    name="trivial",
    title="(benchmark)",
    summary="start `true` in a fresh container and wait for it",
    explanation="Nothing to see: this measures the controller's overhead.",
    expectations=(Expectation("exits-0", "`true` exits 0", dict.fromkeys(INITS, True)),),
    drive=drive,
)
