"""`python -m sandbox shell`: a learner's own prompt inside a scenario's container.

The container is started under the chosen PID 1 mode and brought to the scenario's
interesting moment (the zombie exists: Scenario.moment) the way a run would; then the
learner types `ps aux | grep Z` and `kill` themselves. Whatever happens, the container is
removed when the shell ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sandbox.engine import LABEL, Engine
from sandbox.errors import UsageError
from sandbox.inits import InitMode
from sandbox.lab import ENVIRONMENT, HOME, Box
from sandbox.runner import lab_for, signals_ignored, sweep
from sandbox.scenario import Moment, Scenario

SHELL = ["bash", "--norc", "-i"]


@dataclass(frozen=True)
class Staged:
    """A scenario's container at its moment, and what to tell the learner about it."""

    container_id: str
    scenario: str
    init: str
    transcript: str  # what was typed and printed to get there
    moment: Moment

    def prompt(self) -> str:
        return f"{self.scenario} ({self.init}) \\w# "  # bash's PS1: \\w is the folder

    def introduction(self) -> str:
        """What is printed before the prompt: how it got here, what is there, what to try."""
        lines = [self.transcript.rstrip(), "", self.moment.now, "", "Try:"]
        lines += [f"  {command}" for command in self.moment.commands]
        lines += ["", "Type `exit` to leave: the container is removed then."]
        return "\n".join(lines).lstrip("\n")


def _scripts(box: Box) -> Moment:
    """No moment declared: the shell opens on the seed's scripts, nothing started."""
    names = sorted(name for name in box.lab.files if name.endswith(".py"))
    return Moment(
        f"Nothing is running yet. The seed's scripts are in {HOME}: {', '.join(names)}.",
        (*(f"python3 {name} &" for name in names[:2]), "ps aux | grep Z", "ps -ef --forest"),
    )


@contextlib.contextmanager
def staged(engine: Engine, image: str, scenario: Scenario, init: InitMode) -> Iterator[Staged]:
    """The scenario's container under `init`, at its moment; removed when the block ends."""
    if init.name in scenario.not_under:
        raise UsageError(
            f"{scenario.name} does not run under {init.name}: {scenario.not_under[init.name]}",
            f"choose another --init: {', '.join(scenario.modes())}",
        )
    lab = lab_for(engine, image, scenario, init, bound_s=scenario.timeout_s)
    labels = lab.labels
    set_up: Callable[[Box], Moment] = scenario.moment or _scripts
    try:
        with lab.box() as box:
            moment = set_up(box)
            yield Staged(box.container_id, scenario.name, init.name, lab.transcript, moment)
    finally:
        with signals_ignored():  # as a run does: nothing of this shell stays, whatever happened
            sweep(engine, labels[f"{LABEL}.run"])
            if lab.cancel():
                sweep(engine, labels[f"{LABEL}.run"])


def interact(engine: Engine, stage: Staged) -> int:
    """The learner's shell in the staged container, on this terminal; its exit status."""
    environment = {**ENVIRONMENT, "PS1": stage.prompt()}
    return engine.interactive(stage.container_id, SHELL, environment=environment, working_dir=HOME)
