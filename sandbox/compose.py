"""compose.yaml, written from the catalogue: each scenario under each PID 1 mode, by hand.

A service `<scenario>-<mode>` per mode the scenario runs under (`Scenario.modes()`) runs
the scenario folder's demo.sh (the seed's steps, typed as a learner would) in the sandbox
image, isolated as the controller's containers are: the same environment, line-buffered
prints, confinement (no network, no capabilities, a read-only root) and limits. Its PID 1
is built from the mode's InitMode, with demo.sh as the workload where the controller's
containers have `sleep infinity` or its job server. Each service is in a profile named
after its scenario, so `docker compose up` starts none of them. The text is written by
hand (no YAML library at run time) and is the same for the same catalogue, so
compose.yaml can be checked for being up to date.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from sandbox.confine import (
    CAP_ADD,
    CAP_DROP,
    DEFAULT_LIMITS,
    SECURITY_OPT,
    TMPFS,
    Limits,
    resolve,
    show_memory,
)
from sandbox.errors import DeclarationError
from sandbox.image import LATEST
from sandbox.inits import InitMode
from sandbox.lab import ENVIRONMENT, HELPER_DIR, HOME, LINE_BUFFER
from sandbox.scenario import Scenario

DEMO = "demo.sh"
# What every demo.sh sources: its say/run/start/upto/during steps.
DEMO_STEPS = Path(__file__).resolve().parent.parent / "docker" / "demo-steps.sh"
COMPOSE_FILE = "compose.yaml"

HEADER = """\
# Written by `python -m sandbox compose` from scenarios/ and sandbox/inits.py: do not edit.
#
# The scenarios without the controller, in a terminal of your own:
#   make image                                # builds process-sandbox:latest, offline
#   docker compose run --rm zombie-noreap     # or: docker-compose run --rm zombie-noreap
# A service per scenario and PID 1 mode, `<scenario>-<mode>` (`python -m sandbox list`):
# each runs the scenario's demo.sh, the seed's steps as a learner types them, and ends by
# itself. Each is in its scenario's profile, so `docker compose up` starts none of them
# and `docker compose --profile zombie up` the zombie's. Same image, environment and
# confinement as the controller's containers (sandbox/confine.py): no network, no
# capabilities, no-new-privileges, a read-only root with tmpfs at /root, /tmp and /run, the
# scenario's files mounted read-only, memory and pids limits; nothing pulled. One difference:
# under `-none` (Docker's default, the command is PID 1) demo.sh's shell is PID 1, not the
# seed's script, and a shell reaps any child, adopted orphans too, when it waits for a job.
"""

# A scalar that YAML reads back as this very string when written plain; anything else
# (numbers, `.inf`, `--`, spaces, YAML's yes/no/null words) is written as a JSON string,
# which YAML reads as the same string.
_PLAIN = re.compile(r"(?:[A-Za-z/]|\./)[A-Za-z0-9/._:-]*")
_TYPED_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def scalar(text: str, *, in_flow: bool = False) -> str:
    # In a flow sequence (`[a, b]`) some YAML 1.1 readers stop a plain scalar at a colon.
    plain = _PLAIN.fullmatch(text) and not (in_flow and ":" in text)
    if plain and text.lower() not in _TYPED_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(items: Iterable[str]) -> str:
    return "[" + ", ".join(scalar(item, in_flow=True) for item in items) + "]"


def pid1(mode: InitMode, workload: str) -> tuple[bool, tuple[str, ...]]:
    """(Docker's --init?, the container's command): `mode`'s PID 1, running `workload`.

    Derived from the controller's command for the mode: where that starts something of
    its own to keep running (`ready`: `sleep infinity`, the job server), the workload
    takes its place; a PID 1 that starts nothing (noreap) is given it as its command;
    under `none` (the first job becomes PID 1) the workload is PID 1 itself.
    """
    if mode.jobs == "pid1":
        return mode.docker_init, (workload,)
    if not mode.ready:
        return mode.docker_init, (*mode.command, workload)
    tail = tuple(mode.ready.split())
    if mode.command[-len(tail) :] == tail:
        return mode.docker_init, (*mode.command[: -len(tail)], workload)
    # Inside a shell's script (`bash -c 'sleep infinity; :'`).
    command = tuple(arg.replace(mode.ready, workload) for arg in mode.command)
    if command == mode.command:
        raise DeclarationError(f"PID 1 mode {mode.name!r}: cannot tell where its workload goes")
    return mode.docker_init, command


def limits(scenario: Scenario) -> Limits:
    """The limits the scenario's boxes get, as runner.lab_for gives them (no command line)."""
    return resolve(Limits(pids=scenario.pids_limit), scenario.limits)


def confinement(limits: Limits) -> list[str]:
    """The lines of a service (or anchor) confining it as Engine.create does, `limits` given."""
    lines = []
    if limits.memory is not None:
        memory = scalar(show_memory(limits.memory))
        lines += [f"  mem_limit: {memory}", f"  memswap_limit: {memory}  # no swap beyond it"]
    if limits.pids is not None:
        lines.append(f"  pids_limit: {limits.pids}")
    return lines


def volumes(scenario: Scenario, root: Path) -> list[str]:
    """What the service mounts: the line-buffering sitecustomize, the steps every demo.sh
    sources, and the scenario's files."""
    pythonpath = ENVIRONMENT["PYTHONPATH"]
    mounts = [
        f"./{LINE_BUFFER.resolve().relative_to(root)}:{pythonpath}/sitecustomize.py:ro",
        f"./{DEMO_STEPS.resolve().relative_to(root)}:{HELPER_DIR}/{DEMO_STEPS.name}:ro",
    ]
    # One by one, over the writable tmpfs home (read-only, the folder could not be written;
    # writable, a run would change the checked-in files): what the scenario writes
    # (`Scenario.writes`) is left out, and demo.sh makes it.
    folder = f"./{scenario.directory.resolve().relative_to(root)}"
    kept = sorted(set(scenario.files()) - set(scenario.writes))
    return mounts + [f"{folder}/{name}:{HOME}/{name}:ro" for name in kept]


def render(scenarios: Iterable[Scenario], inits: Mapping[str, InitMode], root: Path) -> str:
    """compose.yaml's text for `scenarios` under the modes of `inits` they run under.

    `root` is the folder compose.yaml is in (the repository): the mounts are relative to it.
    """
    root = root.resolve()
    lines = [
        HEADER,
        "x-sandbox: &sandbox",
        f"  image: {scalar(LATEST)}",
        "  pull_policy: never  # the image is built here (make image), never pulled",
        "  network_mode: none",
        "  # Confined as the controller's containers are (sandbox/confine.py).",
        f"  cap_drop: {flow(CAP_DROP)}",
        *([f"  cap_add: {flow(CAP_ADD)}"] if CAP_ADD else []),
        f"  security_opt: {flow(SECURITY_OPT)}",
        "  read_only: true",
        "  tmpfs:",
        *(f"    - {scalar(f'{path}:{options}')}" for path, options in TMPFS.items()),
        *confinement(DEFAULT_LIMITS),
        f"  working_dir: {scalar(HOME)}",
        "  environment:  # as the controller's containers have it (sandbox/lab.py)",
        *(f"    {key}: {scalar(value)}" for key, value in ENVIRONMENT.items()),
        "",
    ]
    services: list[str] = ["services:"]
    for scenario in sorted(scenarios, key=lambda s: s.name):
        if not (scenario.directory / DEMO).is_file():
            raise DeclarationError(
                f"{scenario.directory / DEMO}: missing; a service runs the scenario's {DEMO}"
            )
        anchor = f"x-{scenario.name}"
        lines += [
            f"{anchor}: &{scenario.name}",
            "  <<: *sandbox",
            f"  profiles: {flow([scenario.name])}",
        ]
        own = limits(scenario)
        differs = Limits(  # from the anchor's defaults, as the controller's boxes have it
            own.memory if own.memory != DEFAULT_LIMITS.memory else None,
            own.pids if own.pids != DEFAULT_LIMITS.pids else None,
        )
        lines += confinement(differs)
        lines += ["  volumes:", *(f"    - {scalar(v)}" for v in volumes(scenario, root)), ""]
        for name, mode in inits.items():
            if name not in scenario.modes():
                continue
            docker_init, command = pid1(mode, f"{HOME}/{DEMO}")
            services += [f"  {scenario.name}-{name}:", f"    <<: *{scenario.name}"]
            if docker_init:
                services.append("    init: true")
            services.append(f"    command: {flow(command)}")
    return "\n".join(lines + services) + "\n"
