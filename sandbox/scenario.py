"""Scenarios: a folder each under scenarios/, holding the tutorial's scripts and a scenario.py.

scenario.py declares `SCENARIO = Scenario(...)`: the seed section it reproduces, what a
learner sees and why, the claims it checks with the outcome expected under each PID 1
mode, and `drive(lab)`, the steps that make the moments happen and observe them.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox.confine import Limits
from sandbox.errors import DeclarationError, UsageError
from sandbox.inits import INITS
from sandbox.model import Expectation

if TYPE_CHECKING:
    from sandbox.lab import Box, Lab

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DECLARATION = "scenario.py"


def expect(name: str, claim: str, **holds_under: bool) -> Expectation:
    """A check: `claim`, and whether it holds under each PID 1 mode (`noreap=True, tini=False`).

    Mode names with a dash are written with an underscore (`docker_init=False`).
    """
    return Expectation(name, claim, {mode.replace("_", "-"): v for mode, v in holds_under.items()})


def everywhere(**differs: bool) -> dict[str, bool]:
    """For expect(): holds under every PID 1 mode but where `differs` says (`none=False`)."""
    return {**{mode.replace("-", "_"): True for mode in INITS}, **differs}


def per_mode(default: float, **differs: float) -> dict[str, float]:
    """For Scenario.inherent_s: `default` seconds under every PID 1 mode but where `differs`
    says (`noreap=2.0`; a dash is written as an underscore, as for expect())."""
    overrides = {mode.replace("_", "-"): seconds for mode, seconds in differs.items()}
    return {**dict.fromkeys(INITS, default), **overrides}  # a mode misspelt fails _validate


@dataclass(frozen=True)
class Moment:
    """A scenario's interesting moment, set up for `python -m sandbox shell`: what is there
    now (with its PIDs), and the commands a learner types to see it."""

    now: str
    commands: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str  # the seed's section it reproduces, in the seed's words
    summary: str  # one line, for `python -m sandbox list`
    explanation: str  # "what you see and why", shown after the transcript
    expectations: tuple[Expectation, ...]
    drive: Callable[[Lab], None]
    timeout_s: float = 60.0  # the whole run's wall-clock bound
    # Extra (regex, replacement) masks for the golden transcript: what a scenario's own
    # output has that changes from run to run (a duration, a racy order).
    golden_masks: tuple[tuple[str, str], ...] = ()
    directory: Path = field(default=Path("."), compare=False)
    only: tuple[str, ...] = ()  # copy just these files of `directory` (bring your own)
    # PID 1 modes the scenario cannot run under, each with the reason a learner is told
    # (e.g. under `none` the script is PID 1, and an orphan demo's father would be PID 1).
    not_under: Mapping[str, str] = field(default_factory=dict, hash=False)
    # For `python -m sandbox shell`: starts the scenario's processes in the box and waits
    # for its interesting moment (the zombie exists). None: the shell opens on the scripts.
    moment: Callable[[Box], Moment] | None = None
    # Files of `directory` its scripts write (ticket-race's db.txt): each box gets a writable
    # copy; the others are mounted read-only (sandbox/confine.py).
    writes: tuple[str, ...] = ()
    # Memory and pids limits of its boxes where the defaults do not suit it (confine.Limits);
    # the command line's --memory and --pids-limit win over them.
    limits: Limits | None = None
    # A pids limit that is what the scenario shows (pid-exhaustion's fork failing): every
    # box gets it, over the command line's --pids-limit too.
    pids_limit: int | None = None
    # How many children its script forks, where a learner may ask for another number
    # (`--children N`, e.g. zombie-flood's 10,000): the drive reads lab.children. None:
    # the scenario takes no such number.
    children: int | None = None
    # The time the scenario itself takes whatever the controller does, in seconds: its
    # scripts' sleeps that it waits through and the observation windows it waits out in
    # full. A float for every PID 1 mode, or per_mode(...) where the modes differ (a
    # zombie watched for REAP_WINDOW_S stays to the window's end under noreap; tini ends
    # the window at once). `make bench` adds it to a run's floor.
    inherent_s: float | Mapping[str, float] = field(default=0.0, hash=False)

    def modes(self) -> tuple[str, ...]:
        """The PID 1 modes the scenario runs under: all but those of `not_under`."""
        return tuple(name for name in INITS if name not in self.not_under)

    def inherent_under(self, mode: str) -> float:
        """The declared inherent time under PID 1 mode `mode` (see `inherent_s`)."""
        if isinstance(self.inherent_s, Mapping):
            return self.inherent_s[mode]
        return self.inherent_s

    def files(self) -> dict[str, bytes]:
        """The scripts a container gets in its home folder: all but the declaration."""
        if self.only:
            return {name: (self.directory / name).read_bytes() for name in self.only}
        return {
            path.name: path.read_bytes()
            for path in sorted(self.directory.iterdir())
            if path.is_file() and path.name != DECLARATION and not path.name.startswith(".")
        }


def load(directory: Path) -> Scenario:
    """The scenario in `directory`/scenario.py; a DeclarationError names the file and field."""
    path = directory / DECLARATION
    spec = importlib.util.spec_from_file_location(f"sandbox_scenario_{directory.name}", path)
    if spec is None or spec.loader is None:
        raise DeclarationError(f"{path}: cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would (dataclasses look themselves up)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(spec.name, None)
        raise DeclarationError(f"{path}: fails to load: {type(exc).__name__}: {exc}") from exc
    scenario = getattr(module, "SCENARIO", None)
    if not isinstance(scenario, Scenario):
        raise DeclarationError(f"{path}: SCENARIO must be a sandbox.scenario.Scenario")
    _validate(scenario, path)
    return replace(scenario, directory=directory)


def _validate(scenario: Scenario, path: Path) -> None:
    if scenario.name != path.parent.name:
        raise DeclarationError(
            f"{path}: name {scenario.name!r} must match its folder {path.parent.name!r}"
        )
    for mode, reason in scenario.not_under.items():
        if mode not in INITS or not reason.strip():
            raise DeclarationError(
                f"{path}: not_under: {mode!r} must be one of {', '.join(INITS)}, with a reason"
            )
    modes = set(scenario.modes())
    seen: set[str] = set()
    for item in scenario.expectations:
        if item.name in seen:
            raise DeclarationError(f"{path}: expectations: {item.name!r} is declared twice")
        seen.add(item.name)
        unknown = set(item.holds_under) - modes
        missing = modes - set(item.holds_under)
        if unknown or missing:
            raise DeclarationError(
                f"{path}: expectations: {item.name!r} must say whether it holds under each of "
                f"{', '.join(sorted(modes))}, the modes not in not_under "
                f"(unknown: {sorted(unknown)}, missing: {sorted(missing)})"
            )
    files = replace(scenario, directory=path.parent).files()
    for name in scenario.writes:
        if name not in files:
            raise DeclarationError(f"{path}: writes: {name!r} must be a file of its folder")
    if scenario.timeout_s <= 0:
        raise DeclarationError(f"{path}: timeout_s must be positive")
    if scenario.children is not None and scenario.children < 1:
        raise DeclarationError(f"{path}: children must be at least 1, or None")
    _validate_inherent(scenario, path)


def _validate_inherent(scenario: Scenario, path: Path) -> None:
    """inherent_s: seconds (0 or more, and less than the run's bound) under each mode the
    scenario runs under, and no mode that is not one."""
    declared = scenario.inherent_s
    if isinstance(declared, Mapping):
        unknown = sorted(set(declared) - set(INITS))
        missing = sorted(set(scenario.modes()) - set(declared))
        if unknown or missing:
            raise DeclarationError(
                f"{path}: inherent_s must give the seconds under each of "
                f"{', '.join(scenario.modes())} (unknown: {unknown}, missing: {missing}); "
                "per_mode() fills in the rest"
            )
        values = [declared[mode] for mode in scenario.modes()]
    else:
        values = [declared]
    for value in values:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or not 0 <= value < scenario.timeout_s:
            raise DeclarationError(
                f"{path}: inherent_s: {value!r} must be seconds, 0 or more and below "
                f"timeout_s ({scenario.timeout_s:g})"
            )


def load_all(root: Path = SCENARIOS_DIR) -> Mapping[str, Scenario]:
    """Every scenario under `root`, by name."""
    return {folder.name: load(folder) for folder in _scenario_folders(root)}


def find(name: str, root: Path = SCENARIOS_DIR) -> Scenario:
    """The scenario called `name`; UsageError lists the valid names."""
    folder = root / name
    if name and "/" not in name and _declares(folder):
        return load(folder)
    names = [p.name for p in _scenario_folders(root)]
    raise UsageError(f"unknown scenario {name!r}; choose one of: {', '.join(names)}")


def _scenario_folders(root: Path) -> list[Path]:
    """The folders of `root` that hold a scenario.py, by name; UsageError if it cannot be read."""
    if not root.is_dir():
        raise UsageError(f"no scenario folder at {root}")
    try:
        entries = list(root.iterdir())
    except PermissionError:  # as non-root: /root, say
        raise UsageError(f"the scenario folder {root} is not readable by this user") from None
    return sorted(p for p in entries if _declares(p))


def _declares(folder: Path) -> bool:
    """Whether `folder` holds a scenario.py; a folder we may not look into does not."""
    try:
        return (folder / DECLARATION).is_file()
    except PermissionError:  # as non-root, `--scenarios /` meets /root, say
        return False
