"""trivial: the least a scenario can do — start `true` at a shell in a fresh box, wait for it.

The benchmark's measure of the controller's own overhead against a bare `docker run`.
"""

from __future__ import annotations

from sandbox.lab import Lab
from sandbox.scenario import Scenario, expect


def drive(lab: Lab) -> None:
    with lab.box() as box:
        status = box.start("true").wait()
        lab.check("exits-0", status == 0, f"`true` exited {status}")


SCENARIO = Scenario(
    name="trivial",
    title="(benchmark)",
    summary="start `true` in a fresh container and wait for it",
    explanation="Nothing to see: this measures the controller's overhead.",
    expectations=(expect("exits-0", "`true` exits 0", noreap=True, tini=True),),
    drive=drive,
)
