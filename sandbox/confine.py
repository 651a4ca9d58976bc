"""How every scenario container is confined: what it may not do, and how much it may use.

Every container the project makes (sandbox/engine.py `Engine.create`) gets the same
confinement, whatever its PID 1 mode or scenario, bring-your-own scripts included:

- no network (`--network none`);
- no capability at all (`--cap-drop ALL`): no scenario needs one back, measured under all
  seven PID 1 modes (a process signals, forks, reaps and becomes a subreaper as the same
  uid, which needs none);
- `no-new-privileges`: nothing exec'd can gain privileges (setuid files, file caps);
- a read-only root filesystem, with size-limited tmpfs where things are written: /root
  (the scenario's working folder: ticket-race's db.txt), /tmp, and /run (the `none` mode's
  FIFO, the job server's folders); /dev/shm is Docker's own tmpfs (multiprocessing's locks);
- the scenario's files and the controller's helpers mounted read-only, one file at a time,
  at the places they used to be copied to (see `Staging`);
- a memory limit with no swap beyond it, and a pids limit: `Limits`, whose defaults are
  chosen from measured peaks (README), overridable per scenario (`Scenario.limits`) and
  on the command line (`--memory`, `--pids-limit`).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import weakref
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import UsageError

NETWORK = "none"
CAP_DROP = ("ALL",)
# Capabilities given back, each with the reason a scenario provably needs it: none is.
CAP_ADD: tuple[str, ...] = ()
SECURITY_OPT = ("no-new-privileges",)
# Where a confined container may write. nosuid/nodev: nothing there is a device or setuid.
# /root keeps exec (a bring-your-own `#!` script runs from there, mounted on top of it).
TMPFS: Mapping[str, str] = {
    "/root": "rw,nosuid,nodev,size=64m,mode=700",
    "/tmp": "rw,nosuid,nodev,noexec,size=64m",
    "/run": "rw,nosuid,nodev,noexec,size=8m",
}

_MEMORY = re.compile(r"(?P<n>[1-9]\d*)(?P<unit>[kmg]?)b?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
MIN_MEMORY = 6 << 20  # the engine refuses less than 6 MiB
MIN_PIDS = 8  # PID 1, its child, a shell, the probe: fewer and nothing can be looked at


def parse_memory(text: str) -> int:
    """`256m` (k, m, g; bytes when bare) as bytes; UsageError for anything else."""
    found = _MEMORY.fullmatch(text.strip())
    if found is None:
        raise UsageError(f"--memory must be a size like 256m or 1g, not {text!r}")
    value = int(found["n"]) * _UNITS[found["unit"].lower()]
    if value < MIN_MEMORY:
        raise UsageError(f"--memory must be at least 6m (the engine refuses less), not {text!r}")
    return value


def parse_pids(text: str) -> int:
    """A pids limit: a whole number of at least MIN_PIDS; UsageError for anything else."""
    if not re.fullmatch(r"\d+", text.strip()):
        raise UsageError(f"--pids-limit must be a whole number, not {text!r}")
    value = int(text)
    if value < MIN_PIDS:
        raise UsageError(f"--pids-limit must be at least {MIN_PIDS}, not {value}")
    return value


def show_memory(value: int) -> str:
    """Bytes as the largest whole unit: 268435456 -> 256m."""
    for unit in ("g", "m", "k"):
        if value % _UNITS[unit] == 0:
            return f"{value // _UNITS[unit]}{unit}"
    return str(value)


@dataclass(frozen=True)
class Limits:
    """A container's memory (bytes; no swap beyond it) and pids limits; None: not set here."""

    memory: int | None = None
    pids: int | None = None

    def over(self, base: Limits) -> Limits:
        """These limits where set, `base`'s elsewhere."""
        return Limits(
            self.memory if self.memory is not None else base.memory,
            self.pids if self.pids is not None else base.pids,
        )


# Chosen from the peaks measured over the whole catalogue under all seven modes (the
# cgroup's memory.max_usage_in_bytes and pids.peak of each of its 177 boxes, `matrix -j 2`):
# every scenario peaks at 8-41 MiB and 8-39 pids but ticket-race, whose 100 clients reach
# 188-235 MiB and 109 pids. The defaults leave twice that memory, and room for a
# bring-your-own script's pool of workers; a fork bomb stops at 1024.
DEFAULT_LIMITS = Limits(memory=512 << 20, pids=1024)


def resolve(*layers: Limits | None) -> Limits:
    """The limits of `layers`, the first that sets one winning, over DEFAULT_LIMITS."""
    resolved = DEFAULT_LIMITS
    for layer in reversed(layers):
        if layer is not None:
            resolved = layer.over(resolved)
    return resolved


@dataclass(frozen=True)
class Confinement:
    """Everything Engine.create confines a container with (the rest is the module's constants)."""

    limits: Limits = DEFAULT_LIMITS
    # File mounts, path in the container -> file on this machine: read-only, and the few a
    # scenario writes (`Scenario.writes`), writable.
    files: Mapping[str, str] = field(default_factory=dict, hash=False)
    writable: Mapping[str, str] = field(default_factory=dict, hash=False)


class Staging:
    """The files a box gets, written to a folder of this machine and mounted from there.

    A read-only root filesystem refuses `docker cp` (put_archive), even into a tmpfs
    mounted on it (measured: "container rootfs is marked read-only"), so each file is
    bind-mounted at its path in the container, read-only but for those in `writable`
    (ticket-race's db.txt): a file mounted from here is also there after the box ended,
    which a file in the /root tmpfs is not (under `none` the script is PID 1, and db.txt
    is read once it ended). That needs the engine to see this machine's files: a remote
    engine (DOCKER_HOST) refuses the mount, and the run stops with one line (Engine.create).
    The modes are for a container's root, which has no CAP_DAC_OVERRIDE: it reads and
    writes a file owned by another user only through the permissions for others.
    """

    def __init__(self, files: Mapping[str, bytes], writable: Collection[str] = ()) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="process-sandbox-files-"))
        self._folder.chmod(0o755)
        # Removed on close, or at the latest when the controller exits: a part of
        # lab.parallel may still be inside its box when an interrupted run returns.
        self._removal = weakref.finalize(self, shutil.rmtree, str(self._folder), True)
        self.mounts: dict[str, str] = {}
        self.writable: dict[str, str] = {}
        for index, (target, content) in enumerate(sorted(files.items())):
            source = self._folder / f"{index}-{Path(target).name}"
            source.write_bytes(content)
            if target in writable:
                source.chmod(0o666)
                self.writable[target] = str(source)
            else:
                source.chmod(0o755 if content.startswith(b"#!") else 0o644)
                self.mounts[target] = str(source)

    def confinement(self, limits: Limits) -> Confinement:
        return Confinement(limits, self.mounts, self.writable)

    def close(self) -> None:
        self._removal()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
