"""The sandbox images: Debian plus docker/packages.txt plus the noreap PID 1, one per Python.

Each Python version comes from the Debian suite whose `python3` it is (PYTHONS, the one
table). Two ways to build an image from the one package list: offline from Debian
packages (mmdebstrap from the host's own Debian mirror -> `docker import`; no registry
needed), or docker/Dockerfile (`FROM debian:<suite>-slim`) where a registry is reachable.
The tag is a hash of the inputs, so an image that is up to date is found, not rebuilt;
every build is checked to have the Python it was asked for.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from sandbox import provision
from sandbox.engine import LABEL, Engine, ExecResult
from sandbox.errors import ImageError, UsageError
from sandbox.leftovers import CONTROLLER_LABEL, this_controller
from sandbox.runner import SESSION

DOCKER_DIR = Path(__file__).resolve().parent.parent / "docker"
REPOSITORY = "process-sandbox"
LATEST = f"{REPOSITORY}:latest"  # the default Python's image only (compose.yaml uses it)
BUILDING = f"{REPOSITORY}:building"  # the image being built, until its Python is checked
# Python version -> the Debian suite whose `python3` it is (measured on the mirror in
# 2026-11: bookworm 3.11.2, trixie 3.13.5, sid 3.14.8; forky also had 3.14). A build
# checks the image's python3 against the key, so a suite that moves on (sid to 3.15) is
# caught, not silently used.
PYTHONS: dict[str, str] = {"3.11": "bookworm", "3.13": "trixie", "3.14": "sid"}
DEFAULT_PYTHON = "3.11"
# Fixed, so that building the same packages twice gives the same files (and layer).
SOURCE_DATE_EPOCH = "1700000000"
RECIPE = "offline-2"  # bump when the build steps below change
METHODS = ("auto", "offline", "dockerfile")
INPUTS = ("packages.txt", "noreap.py", "Dockerfile")
APT_ETC = Path("/etc/apt")
OS_RELEASE = Path("/etc/os-release")
# Suite names that can only be Debian's own archive (with the table's suites and the
# host's codename): how the host's Debian mirror is told from its other apt sources.
DEBIAN_ALIASES = frozenset({"oldoldstable", "oldstable", "stable", "testing", "unstable", "sid"})
Log = Callable[[str], None]


def packages() -> list[str]:
    lines = (DOCKER_DIR / "packages.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def suite_for(python: str) -> str:
    """The Debian suite an image of Python `python` is built from; UsageError if none."""
    try:
        return PYTHONS[python]
    except KeyError:
        raise UsageError(
            f"no image for Python {python!r}; choose one of: {', '.join(PYTHONS)}"
        ) from None


def image_ref(python: str = DEFAULT_PYTHON) -> str:
    """`process-sandbox:<hash of the inputs>` of the image of Python `python`."""
    suite = suite_for(python)
    digest = hashlib.sha256(f"{RECIPE}\n{python}\n{suite}\n{SOURCE_DATE_EPOCH}\n".encode())
    for name in INPUTS:
        digest.update(name.encode() + b"\0" + (DOCKER_DIR / name).read_bytes() + b"\0")
    return f"{REPOSITORY}:{digest.hexdigest()[:12]}"


def version_tag(python: str) -> str:
    """`process-sandbox:py3.13`: the image of Python `python`, by name."""
    suite_for(python)
    return f"{REPOSITORY}:py{python}"


def ensure_image(
    engine: Engine,
    log: Log,
    *,
    python: str = DEFAULT_PYTHON,
    method: str = "auto",
    force: bool = False,
) -> str:
    """The image of Python `python`, built first when the engine lacks it. Returns its ref."""
    suite = suite_for(python)
    ref = image_ref(python)
    if force or engine.image_id(ref) is None:
        chosen = _choose(method)
        log(f"building {ref} (Python {python}, Debian {suite}; {chosen})")
        # Built under a working name (every build reuses it) and named `ref` only once its
        # Python is checked, so a wrong image is never found by `ref` later.
        if chosen == "offline":
            built = build_offline(engine, BUILDING, log, suite=suite)
        else:
            built = build_dockerfile(engine, BUILDING, suite=suite)
        check_python(engine, built, python)
        engine.tag(built, ref)
    aliases = [version_tag(python)] + ([LATEST] if python == DEFAULT_PYTHON else [])
    for alias in aliases:
        if engine.image_id(alias) != engine.image_id(ref):
            engine.tag(ref, alias)
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


# -- the host's Debian mirror ------------------------------------------------------------


def parse_sources_list(text: str) -> list[tuple[str, list[str]]]:
    """(URI, [suite]) of each `deb` line of a one-line-style sources.list."""
    found: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):  # [ arch=amd64 signed-by=... ]
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2:
            found.append((words[0], [words[1]]))
    return found


def parse_deb822(text: str) -> list[tuple[str, list[str]]]:
    """(URI, [suite]) of each URI of each enabled `deb` stanza of a deb822 .sources file."""
    found: list[tuple[str, list[str]]] = []
    for stanza in re.split(r"\n[ \t]*\n", text):
        fields: dict[str, str] = {}
        name = ""
        for line in stanza.splitlines():
            if line.startswith("#"):
                continue
            if line[:1] in (" ", "\t") and name:  # a continuation line
                fields[name] += " " + line.strip()
            elif ":" in line:
                name, value = line.split(":", 1)
                name = name.strip().lower()
                fields[name] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() in ("no", "false", "0"):
            continue
        suites = fields.get("suites", "").split()
        found.extend((uri, suites) for uri in fields.get("uris", "").split())
    return found


def pick_mirror(sources: Iterable[tuple[str, list[str]]], codenames: Iterable[str]) -> str | None:
    """The first source serving one of Debian's own suites (not -updates, -security, ...)."""
    wanted = DEBIAN_ALIASES | set(PYTHONS.values()) | set(codenames)
    for uri, suites in sources:
        if "://" in uri and any(suite in wanted for suite in suites):
            return uri.rstrip("/")
    return None


def host_mirror(apt_etc: Path = APT_ETC, os_release: Path = OS_RELEASE) -> str:
    """The Debian mirror this machine's apt uses, read from its sources; ImageError if none."""
    files = [apt_etc / "sources.list"]
    parts = apt_etc / "sources.list.d"
    if parts.is_dir():  # apt reads only *.list and *.sources there, in name order
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    sources: list[tuple[str, list[str]]] = []
    for path in files:
        if path.is_file():
            text = path.read_text(errors="replace")
            sources += parse_deb822(text) if path.suffix == ".sources" else parse_sources_list(text)
    mirror = pick_mirror(sources, _host_codenames(os_release))
    if mirror is None:
        raise ImageError(
            f"no Debian mirror in this machine's apt sources ({apt_etc}/sources.list, "
            f"{parts}/*.sources, {parts}/*.list): the offline build takes its packages from it",
            "add the Debian mirror you use to the apt sources, or build with "
            "`--method dockerfile` where a registry is reachable",
        )
    return mirror


def _host_codenames(os_release: Path) -> set[str]:
    try:
        text = os_release.read_text()
    except OSError:
        return set()
    values = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and "#" not in line[:1]
    )
    if values.get("ID", "").strip('"') != "debian":
        return set()
    return {values.get("VERSION_CODENAME", "").strip('"')} - {""}


# -- building ----------------------------------------------------------------------------


def build_offline(engine: Engine, ref: str, log: Log, *, suite: str) -> str:
    """mmdebstrap a root filesystem of `suite` from Debian packages, then `docker import` it.

    Returns the image's ID."""
    mirror = host_mirror()
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
            # A suite still in development (sid, forky) has a Release file that expires a
            # week after it is signed (Valid-Until). A mirror that is a dated copy serves
            # an expired one (here in 2026-11: sid dated 10-30, valid until 11-06), which
            # apt refuses. Stable suites carry no Valid-Until, so this changes nothing for
            # them; signatures are still checked.
            '--aptopt=Acquire::Check-Valid-Until "false"',
            f"--customize-hook=upload {noreap} /usr/local/sbin/noreap",
            '--customize-hook=chmod 755 "$1"/usr/local/sbin/noreap',
            '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
            suite,
            str(rootfs),
            # The mirror is given: without one, mmdebstrap uses its own built-in default
            # host (plus, for a stable suite, -updates and a separate security host), not
            # the mirror this machine's apt is configured with and can reach.
            mirror,
        ]
        log(f"mmdebstrap {suite} from {mirror}")
        env = build_environment(os.environ)
        # stdin closed: mmdebstrap would otherwise read a sources.list from it
        done = subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
        if done.returncode != 0:
            tail = " / ".join(done.stderr.strip().splitlines()[-3:])
            raise ImageError(
                f"mmdebstrap {suite} failed: {tail}", f"check that {mirror} is reachable"
            )
        return engine.import_rootfs(
            rootfs,
            ref,
            changes=[
                "ENV LANG=C.UTF-8",
                'CMD ["/usr/local/sbin/noreap"]',
                f"LABEL {LABEL}=1",
            ],
        )


def build_environment(caller: Mapping[str, str]) -> dict[str, str]:
    """mmdebstrap's environment: the caller's, with what changes the built files pinned.

    The environment reaches the packages' install scripts in the chroot. Python's own
    variables there change what is written: python3's postinst runs py3compile, and
    unless PYTHONDONTWRITEBYTECODE is set, importing its own modules first writes their
    .pyc files stamped with the source's mtime (not py3compile's hash-based ones under
    SOURCE_DATE_EPOCH), so two builds differed by the shell they were started from.
    """
    env = {name: value for name, value in caller.items() if not name.startswith("PYTHON")}
    return {**env, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PYTHONDONTWRITEBYTECODE": "1"}


def dockerfile_for(suite: str) -> str:
    """docker/Dockerfile with its `ARG SUITE` defaulting to `suite`."""
    text = (DOCKER_DIR / "Dockerfile").read_text()
    made, count = re.subn(r"(?m)^ARG SUITE=\S*$", f"ARG SUITE={suite}", text, count=1)
    if count != 1:
        raise ImageError(f"{DOCKER_DIR}/Dockerfile has no `ARG SUITE=...` line")
    return made


def build_dockerfile(engine: Engine, ref: str, *, suite: str) -> str:
    """`docker build` of docker/ with the base image `debian:<suite>-slim`; the image's ID."""
    # Engine.build_dockerfile passes no build arguments: the suite goes in as the ARG's
    # default, in a copy of the build context.
    with tempfile.TemporaryDirectory(prefix="process-sandbox-") as tmp:
        context = Path(tmp) / "docker"
        shutil.copytree(DOCKER_DIR, context)
        (context / "Dockerfile").write_text(dockerfile_for(suite))
        return engine.build_dockerfile(context, ref, {LABEL: "1"})


# -- checking ----------------------------------------------------------------------------


def run_in_image(engine: Engine, ref: str, argv: list[str]) -> ExecResult:
    """Run `argv` in a throwaway container of `ref` (no network), removed afterwards."""
    labels = {LABEL: "1", f"{LABEL}.session": SESSION, f"{LABEL}.purpose": "image-check"}
    labels[CONTROLLER_LABEL] = str(this_controller())  # swept if this process dies meanwhile
    container = engine.create(ref, ["sleep", "infinity"], labels)
    try:
        engine.start(container)
        return engine.exec_run(container, argv)
    finally:
        engine.remove(container)


def image_python(engine: Engine, ref: str) -> str:
    """The `major.minor` of the image's python3, or ImageError when it does not run."""
    done = run_in_image(engine, ref, ["python3", "-c", "import sys; print(sys.version_info[:2])"])
    found = re.fullmatch(r"\((\d+), (\d+)\)", done.output.strip())
    if done.exit_code != 0 or found is None:
        raise ImageError(
            f"python3 in {ref} did not say its version (exit {done.exit_code}): "
            f"{done.output.strip()[-200:]}"
        )
    return f"{found[1]}.{found[2]}"


def check_python(engine: Engine, ref: str, python: str) -> None:
    """ImageError unless the image's python3 is Python `python`."""
    got = image_python(engine, ref)
    if got != python:
        raise ImageError(
            f"the image built for Python {python} from Debian {suite_for(python)} has Python {got}",
            "that suite's python3 has moved on: change PYTHONS in sandbox/image.py",
        )
