"""The controller's error types. Each carries a message and, where there is one, the next step.

The library raises these; only the CLI turns them into one line on stderr and an exit code.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.model import RunResult


class SandboxError(Exception):
    """Something the user can act on. `hint` says what to do next."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class UsageError(SandboxError):
    """Bad input on the command line: an unknown scenario or PID 1 mode, a bad value."""

    exit_code = 2


class EngineUnavailable(SandboxError):
    """No Docker engine answers, and none could be brought up."""

    exit_code = 2


class EngineError(SandboxError):
    """The engine answered, but refused or failed an operation."""


class ImageError(SandboxError):
    """The sandbox image is missing or could not be built."""

    exit_code = 2


class ScenarioError(SandboxError):
    """A scenario is malformed, or its run could not go on (timeout, lost process)."""


class DeclarationError(ScenarioError):
    """A scenario folder's scenario.py is malformed: names the file and the field."""

    exit_code = 2


class ConditionTimeout(ScenarioError):
    """A scenario waited for a condition that did not come true in time."""

    def __init__(self, message: str, hint: str = "", last_state: object = None) -> None:
        super().__init__(message, hint)
        self.last_state = last_state


class EngineLost(EngineUnavailable):
    """The engine stopped answering in the middle of a run. `partial`: what the run had
    captured until then (ok false, the reason in `error`)."""

    def __init__(self, message: str, hint: str = "", partial: RunResult | None = None) -> None:
        super().__init__(message, hint)
        self.partial = partial


class Interrupted(KeyboardInterrupt):
    """The controller was told to stop by signal `signum`: SIGINT (Ctrl-C), SIGTERM, SIGHUP.

    A KeyboardInterrupt, so that whatever unwinds on Ctrl-C unwinds the same way on the
    others. `partial`: the result of the run it stopped (ok false), once the runner has
    made one; `note`: what became of it, for the one line the CLI prints.
    """

    def __init__(self, signum: int, partial: RunResult | None = None, note: str = "") -> None:
        super().__init__(signum)
        self.signum = signum
        self.partial = partial
        self.note = note

    @property
    def reason(self) -> str:
        return f"interrupted ({signal.Signals(self.signum).name})"
