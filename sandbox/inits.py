"""The PID 1 choices: what runs as the container's init, and how it treats orphans."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.errors import UsageError


@dataclass(frozen=True)
class InitMode:
    name: str
    command: tuple[str, ...]  # the container's command; its first process is PID 1
    summary: str


INITS: dict[str, InitMode] = {
    mode.name: mode
    for mode in (
        InitMode(
            "noreap",
            ("/usr/local/sbin/noreap",),
            "a PID 1 that never calls wait(): every orphan that exits stays a zombie (PPID 1)",
        ),
        InitMode(
            "tini",
            ("/usr/bin/tini", "--", "sleep", "infinity"),
            "Debian's tini as PID 1: it reaps every orphan it inherits, at once",
        ),
    )
}
DEFAULT_INITS = ("noreap", "tini")

# How long an orphaned zombie must stay for "PID 1 does not reap it" to be the verdict.
# tini reaps on SIGCHLD at once, and within 1 s (its wait timeout) even had it missed the
# signal: twice that leaves no doubt either way.
REAP_WINDOW_S = 2.0


def get_init(name: str) -> InitMode:
    try:
        return INITS[name]
    except KeyError:
        raise UsageError(
            f"unknown PID 1 mode {name!r}; choose one of: {', '.join(INITS)}"
        ) from None
