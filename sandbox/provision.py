"""Bringing up what the sandbox needs on this machine: a Docker engine, and Debian packages.

Only where it is safe to: as root, on Debian or Ubuntu, with no DOCKER_HOST pointing at
another engine. Never a second dockerd when one is already starting.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import psutil

from sandbox.engine import START_HINT, Engine
from sandbox.errors import EngineUnavailable, SandboxError
from sandbox.waiting import Timeout, wait_until

DOCKERD_LOG = Path("/var/log/dockerd.log")
DOCKER_SOCKET = Path("/var/run/docker.sock")  # where the SDK looks without DOCKER_HOST
ENGINE_READY_S = 60.0
Log = Callable[[str], None]


def can_provision() -> bool:
    """Root on a Debian-like machine, and no remote engine asked for."""
    return (
        os.geteuid() == 0
        and shutil.which("apt-get") is not None
        and Path("/etc/debian_version").exists()
        and not os.environ.get("DOCKER_HOST")
    )


def apt_install(packages: list[str], log: Log) -> None:
    """Install Debian packages (refreshing the package lists first)."""
    if not can_provision():
        raise SandboxError(
            f"{', '.join(packages)} not installed, and this is not a root Debian/Ubuntu machine",
            f"install them yourself: apt-get install {' '.join(packages)}",
        )
    log(f"installing {' '.join(packages)} (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        done = subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise SandboxError(
                f"`{' '.join(argv)}` failed: {' / '.join(tail)}", "run it by hand to see why"
            )


def socket_refused(socket: Path = DOCKER_SOCKET) -> EngineUnavailable | None:
    """Why the engine's socket is there but not ours to use (not root, not in its group).

    The SDK says only that no engine answers; for a user outside the socket's group that
    is misleading (the engine runs), and `make engine` could not help: say what would.
    """
    if os.environ.get("DOCKER_HOST") or not socket.exists():
        return None
    if os.access(socket, os.R_OK | os.W_OK):
        return None
    uid, gid = os.getuid(), socket.stat().st_gid
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:  # an ID with no name (a container's, say)
        user = f"uid {uid}"
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = f"gid {gid}"
    return EngineUnavailable(
        f"a Docker engine's socket is at {socket}, but user {user} may not use it "
        f"(only root and the group {group} may)",
        f"add the user to that group (`sudo usermod -aG {group} {user}`, then log in again), "
        "or run as root",
    )


def dockerd_running() -> bool:
    return any(proc.info["name"] == "dockerd" for proc in psutil.process_iter(["name"]))


def ensure_engine(log: Log) -> Engine:
    """The engine the SDK finds; where none answers and it is safe to, one brought up here."""
    try:
        return Engine.connect()
    except EngineUnavailable as absent:
        if refused := socket_refused():
            raise refused from None
        if not can_provision():
            raise absent from None
    started: subprocess.Popen[bytes] | None = None
    if dockerd_running():
        log("dockerd is running but not answering yet; waiting for it")
    else:
        if shutil.which("dockerd") is None:
            apt_install(["docker.io"], log)
        log(f"starting dockerd (log: {DOCKERD_LOG})")
        with DOCKERD_LOG.open("ab") as out:
            started = subprocess.Popen(
                ["dockerd"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    def connect() -> Engine | None:
        if started is not None and started.poll() is not None:  # no use waiting for it
            tail = " / ".join(DOCKERD_LOG.read_text(errors="replace").splitlines()[-3:])
            raise EngineUnavailable(f"dockerd exited ({started.returncode}): {tail}", START_HINT)
        return _try_connect()

    try:
        engine = wait_until(
            connect,
            lambda e: e is not None,
            timeout_s=ENGINE_READY_S,
            what="dockerd to answer",
            interval_s=0.2,
        )
    except Timeout:
        raise EngineUnavailable(
            f"dockerd did not answer within {ENGINE_READY_S:g} s",
            f"see {DOCKERD_LOG}; {START_HINT}",
        ) from None
    assert engine is not None
    return engine


def _try_connect() -> Engine | None:
    try:
        return Engine.connect(timeout_s=2)
    except EngineUnavailable:
        return None
