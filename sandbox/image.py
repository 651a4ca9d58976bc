"""The sandbox image: Debian plus docker/packages.txt plus the noreap PID 1, tagged by its inputs.

Two ways to build it from the one package list: offline from Debian packages
(mmdebstrap -> `docker import`; no registry needed), or docker/Dockerfile
(`FROM debian:bookworm-slim`) where a registry is reachable. The tag is a hash of the
inputs, so an image that is up to date is found, not rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from sandbox import provision
from sandbox.engine import LABEL, Engine
from sandbox.errors import ImageError, UsageError

DOCKER_DIR = Path(__file__).resolve().parent.parent / "docker"
REPOSITORY = "process-sandbox"
LATEST = f"{REPOSITORY}:latest"
SUITE = "bookworm"  # Python 3.11
# Fixed, so that building the same packages twice gives the same files (and layer).
SOURCE_DATE_EPOCH = "1700000000"
RECIPE = "offline-1"  # bump when the build steps below change
METHODS = ("auto", "offline", "dockerfile")
INPUTS = ("packages.txt", "noreap.py", "Dockerfile")
Log = Callable[[str], None]


def packages() -> list[str]:
    lines = (DOCKER_DIR / "packages.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def image_ref() -> str:
    """`process-sandbox:<hash of the inputs>`."""
    digest = hashlib.sha256(f"{RECIPE}\n{SUITE}\n{SOURCE_DATE_EPOCH}\n".encode())
    for name in INPUTS:
        digest.update(name.encode() + b"\0" + (DOCKER_DIR / name).read_bytes() + b"\0")
    return f"{REPOSITORY}:{digest.hexdigest()[:12]}"


def ensure_image(engine: Engine, log: Log, *, method: str = "auto", force: bool = False) -> str:
    """The current image's reference, building it first when the engine lacks it."""
    ref = image_ref()
    if force or engine.image_id(ref) is None:
        chosen = _choose(method)
        log(f"building {ref} ({chosen})")
        if chosen == "offline":
            build_offline(engine, ref, log)
        else:
            engine.build_dockerfile(DOCKER_DIR, ref, {LABEL: "1"})
    if engine.image_id(LATEST) != engine.image_id(ref):
        engine.tag(ref, LATEST)  # the name compose.yaml uses
    return ref


def _choose(method: str) -> str:
    if method == "auto":  # an explicit --method wins over the environment
        method = os.environ.get("SANDBOX_BUILD", method)
    if method not in METHODS:
        raise UsageError(f"unknown build method {method!r}; choose one of: {', '.join(METHODS)}")
    if method != "auto":
        return method
    # Offline where Debian's tools are (or can be installed): no registry is needed then.
    return "offline" if shutil.which("mmdebstrap") or provision.can_provision() else "dockerfile"


def build_offline(engine: Engine, ref: str, log: Log) -> None:
    """mmdebstrap a root filesystem from Debian packages, then `docker import` it."""
    if shutil.which("mmdebstrap") is None:
        provision.apt_install(["mmdebstrap"], log)
    noreap = DOCKER_DIR / "noreap.py"
    with tempfile.TemporaryDirectory(prefix="process-sandbox-") as tmp:
        rootfs = Path(tmp) / "rootfs.tar"
        argv = [
            "mmdebstrap",
            "--quiet",
            "--variant=apt",
            f"--include={','.join(packages())}",
            f"--customize-hook=upload {noreap} /usr/local/sbin/noreap",
            '--customize-hook=chmod 755 "$1"/usr/local/sbin/noreap',
            '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
            SUITE,
            str(rootfs),
        ]
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
        # stdin closed: mmdebstrap would otherwise read a sources.list from it
        done = subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
        if done.returncode != 0:
            tail = " / ".join(done.stderr.strip().splitlines()[-3:])
            raise ImageError(
                f"mmdebstrap failed: {tail}", "check that Debian's mirror is reachable"
            )
        engine.import_rootfs(
            rootfs,
            ref,
            changes=[
                "ENV LANG=C.UTF-8",
                'CMD ["/usr/local/sbin/noreap"]',
                f"LABEL {LABEL}=1",
            ],
        )
