"""The controller's error types. Each carries a message and, where there is one, the next step.

The library raises these; only the CLI turns them into one line on stderr and an exit code.
"""

from __future__ import annotations


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
