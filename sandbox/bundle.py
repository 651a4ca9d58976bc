"""The offline workshop bundle: one archive with everything a participant needs.

`make_bundle` writes a .tar.gz whose one top folder, process-sandbox/, holds BUNDLE.json
(the manifest: versions, image names and IDs), the project's files, wheels/ (the
controller's dependencies, and setuptools for its editable install) and images/ (a
`docker save` tar per Python version). On a machine with Docker but no network,
`make load` there makes the virtual environment from wheels/ and `load_bundle` puts the
images into the engine, checking their IDs against the manifest; `make zombie` then finds
its image and builds nothing.

The wheels are for CPython 3.11 to 3.14 (WHEEL_PYTHONS: what Debian and Ubuntu releases
ship) on this machine's platform only (the manifest says which). The images run anywhere
the engine's architecture is this one's.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import tomllib
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sandbox import image
from sandbox.engine import Engine
from sandbox.errors import ImageError, SandboxError, UsageError

PROJECT_DIR = Path(__file__).resolve().parent.parent
ARCHIVE = Path("dist/process-sandbox-workshop.tar.gz")
TOP = "process-sandbox"  # the archive's one top folder
MANIFEST = "BUNDLE.json"
FORMAT = 1  # bump when the layout or the manifest changes incompatibly
# Measured on a 160 MB image: level 1 takes 2.6 s for 68 MB, level 6 7.9 s for 62 MB.
COMPRESSLEVEL = 1
MANIFEST_MAX = 1 << 20
# Left out of a walk (no git): what a run, an install or a bundle makes, not the project.
WALK_SKIP_TOP = frozenset(
    {".git", ".venv", "results", "dist", "build", "wheels", "images", MANIFEST}
)
WALK_SKIP_ANYWHERE = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
# What reading a damaged or cut-off .tar.gz raises.
DAMAGE = (tarfile.TarError, EOFError, zlib.error, OSError)
NOT_A_BUNDLE_HINT = "give the .tar.gz `make bundle` wrote, or the images/ folder of an unpacked one"
REMAKE_HINT = "copy the bundle again, or make it again with `make bundle`"
Log = Callable[[str], None]
# The Pythons a participant's machine may make the virtual environment with: the project
# needs 3.11+, and Debian 12/13, Ubuntu 24.04 and newer ship 3.11 to 3.14.
WHEEL_PYTHONS = ("3.11", "3.12", "3.13", "3.14")


@dataclass(frozen=True)
class BundledImage:
    """One Python version's image in the bundle."""

    python: str
    file: str  # the `docker save` tar, relative to the top folder: images/py3.11.tar
    id: str  # sha256:..., as the engine names it after `docker load`
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    """BUNDLE.json."""

    version: str  # the project's
    created: str
    images: tuple[BundledImage, ...]
    wheels: tuple[str, ...]
    wheels_python: str  # the Python versions ("3.11 3.12 ...") and platform the wheels are for
    wheels_platform: str
    format: int = FORMAT


@dataclass(frozen=True)
class Bundle:
    """A bundle found on disk: a .tar.gz, or an unpacked one's top folder."""

    manifest: Manifest
    archive: Path | None = None
    folder: Path | None = None


# -- the manifest ------------------------------------------------------------------------


def manifest_json(manifest: Manifest) -> str:
    data = {
        "format": manifest.format,
        "project": TOP,
        "version": manifest.version,
        "created": manifest.created,
        "images": [
            {"python": i.python, "file": i.file, "id": i.id, "tags": list(i.tags)}
            for i in manifest.images
        ],
        "wheels": {
            "python": manifest.wheels_python,
            "platform": manifest.wheels_platform,
            "files": list(manifest.wheels),
            "note": f"for CPython {manifest.wheels_python} on {manifest.wheels_platform} "
            "only: `make load` makes the virtual environment from them with one of those",
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def parse_manifest(text: str, where: str) -> Manifest:
    """BUNDLE.json's content back; UsageError naming `where` when it is not one."""

    def bad(why: str) -> UsageError:
        return UsageError(f"{where} is not a process-sandbox bundle: {why}", NOT_A_BUNDLE_HINT)

    try:
        data = json.loads(text)
    except ValueError:
        raise bad(f"its {MANIFEST} is not JSON") from None
    if not isinstance(data, dict) or data.get("project") != TOP:
        raise bad(f"its {MANIFEST} is not a process-sandbox manifest")
    if data.get("format") != FORMAT:
        raise bad(f"its format is {data.get('format')!r}; this version reads {FORMAT}")
    try:
        images = tuple(_bundled_image(i) for i in data["images"])
        wheels = data["wheels"]
        manifest = Manifest(
            version=_text(data["version"]),
            created=_text(data["created"]),
            images=images,
            wheels=tuple(_text(w) for w in wheels["files"]),
            wheels_python=_text(wheels["python"]),
            wheels_platform=_text(wheels["platform"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(f"its {MANIFEST} is malformed ({type(exc).__name__}: {exc})") from None
    if not images:
        raise bad(f"its {MANIFEST} names no image")
    return manifest


def _bundled_image(entry: Any) -> BundledImage:
    file = _text(entry["file"])
    path = PurePosixPath(file)
    # The file is opened relative to the bundle's folder: never anywhere else.
    if path.is_absolute() or ".." in path.parts or path.parts[:1] != ("images",):
        raise ValueError(f"image file {file!r} is not under images/")
    tags = entry["tags"]
    if not isinstance(tags, list) or not tags:
        raise ValueError("an image has no tags")
    return BundledImage(
        python=_text(entry["python"]),
        file=file,
        id=_text(entry["id"]),
        tags=tuple(_text(t) for t in tags),
    )


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{value!r} is not a non-empty string")
    return value


# -- what goes in ------------------------------------------------------------------------


def image_tags(python: str) -> tuple[str, ...]:
    """The names an image goes into the bundle with: the hash tag first."""
    tags = (image.image_ref(python), image.version_tag(python))
    return tags + ((image.LATEST,) if python == image.DEFAULT_PYTHON else ())


def project_files(root: Path) -> list[str]:
    """The project's files (relative, sorted): in a git checkout those git does not ignore,
    tracked or not yet (a new module must travel too); elsewhere a walk."""
    if (root / ".git").exists():
        try:
            listing = ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]
            done = subprocess.run(
                ["git", "-C", str(root), *listing],
                capture_output=True,
                check=True,
            )
        except (OSError, subprocess.CalledProcessError):
            pass  # no git here, or not a checkout after all: walk
        else:
            names = {n for n in done.stdout.decode().split("\0") if n}
            # A tracked file deleted in the work tree is listed too: leave it out.
            return sorted(n for n in names if os.path.lexists(root / n))
    return walk_files(root)


def walk_files(root: Path) -> list[str]:
    """Every file under `root` but what runs, installs and bundles leave behind."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        top = Path(folder) == root
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in WALK_SKIP_ANYWHERE
            and not d.endswith(".egg-info")
            and not (top and d in WALK_SKIP_TOP)
        )
        relative = Path(folder).relative_to(root)
        found += [(relative / f).as_posix() for f in files if not (top and f in WALK_SKIP_TOP)]
    return sorted(found)


def pyproject() -> dict[str, Any]:
    return tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())


def requirements(project: dict[str, Any]) -> list[str]:
    """What an offline `pip install -e .` needs: the runtime dependencies (no dev extras)
    and what building the editable install takes (setuptools)."""
    runtime: list[str] = project["project"]["dependencies"]
    build: list[str] = project["build-system"]["requires"]
    return runtime + build


def fetch_wheels(dest: Path, wanted: list[str], log: Log) -> list[str]:
    """`pip download` wheels of `wanted` and what they need, for each of WHEEL_PYTHONS on
    this platform (most are pure Python; a compiled one comes once per version)."""
    platform = sysconfig.get_platform()
    log(f"fetching wheels for {' '.join(wanted)} (CPython {', '.join(WHEEL_PYTHONS)}, {platform})")
    for python in WHEEL_PYTHONS:
        # --only-binary: nothing may need compiling on a workshop machine.
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:"]
        done = subprocess.run(
            [*pip, "--python-version", python, "--dest", str(dest), *wanted],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            tail = " / ".join((done.stderr or done.stdout).strip().splitlines()[-2:])
            raise SandboxError(
                f"pip download (for Python {python}) failed: {tail}",
                "the bundle takes the controller's dependencies from PyPI: check it is reachable",
            )
    return sorted(p.name for p in dest.glob("*.whl"))


def saved_image(tar_path: Path) -> tuple[str, tuple[str, ...]]:
    """The image ID and names a `docker save` tar holds (one image), from its manifest.json."""
    with tarfile.open(tar_path) as tar:
        member = tar.extractfile("manifest.json")
        entries = json.load(member) if member is not None else []
    if len(entries) != 1:
        raise ImageError(f"{tar_path} holds {len(entries)} images, not one")
    config = str(entries[0]["Config"])  # <hex>.json (or blobs/sha256/<hex> on newer engines)
    digest = Path(config).name.removesuffix(".json")
    return f"sha256:{digest}", tuple(entries[0].get("RepoTags") or ())


# -- making it ---------------------------------------------------------------------------


def check_out(out: Path) -> None:
    """UsageError when `out` cannot be the archive's name."""
    if out.is_dir():
        raise UsageError(f"{out} is a directory", "give the archive's file name with --out")


def make_bundle(engine: Engine, pythons: list[str], out: Path, log: Log) -> Manifest:
    """Write the bundle of the images of `pythons` to `out`, atomically."""
    check_out(out)
    for python in pythons:  # the image as this checkout builds it, up to date
        image.ensure_image(engine, log, python=python)
    files = project_files(PROJECT_DIR)  # before anything is written (--out may be inside)
    project = pyproject()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SandboxError(
            f"cannot write {out}: {exc.strerror}", "choose a writable place"
        ) from exc
    # The images (~200 MB each) are staged beside the archive, not in memory.
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as tmp:
        staging = Path(tmp)
        wheels = fetch_wheels(staging / "wheels", requirements(project), log)
        (staging / "images").mkdir()
        images = [_save(engine, python, staging, log) for python in pythons]
        manifest = Manifest(
            version=str(project["project"]["version"]),
            created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            images=tuple(images),
            wheels=tuple(wheels),
            wheels_python=" ".join(WHEEL_PYTHONS),
            wheels_platform=sysconfig.get_platform(),
        )
        log(f"writing {out}")
        entries = [(PROJECT_DIR / name, name) for name in files]
        entries += [(staging / "wheels" / name, f"wheels/{name}") for name in wheels]
        entries += [(staging / i.file, i.file) for i in images]
        _write_archive(out, manifest_json(manifest).encode(), entries)
    return manifest


def _save(engine: Engine, python: str, staging: Path, log: Log) -> BundledImage:
    tags = image_tags(python)
    file = f"images/py{python}.tar"
    log(f"saving {' '.join(tags)}")
    try:
        with (staging / file).open("wb") as out:
            engine.save_images(tags, out)
    except OSError as exc:
        raise SandboxError(
            f"cannot write {staging / file}: {exc.strerror}", "free some space"
        ) from exc
    # The ID is read from what was saved: the engine's tags could move meanwhile.
    image_id, saved_tags = saved_image(staging / file)
    if set(saved_tags) != set(tags):
        raise ImageError(f"`docker save {' '.join(tags)}` named the image {saved_tags}")
    return BundledImage(python=python, file=file, id=image_id, tags=tags)


def _write_archive(out: Path, manifest: bytes, entries: list[tuple[Path, str]]) -> None:
    """The .tar.gz at `out`: the manifest first (a loader reads it before any image), then
    `entries` (path on disk, name under the top folder). A reader sees no half archive."""

    def owner(info: tarfile.TarInfo) -> tarfile.TarInfo:  # not this machine's user names
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would keep it from being shared
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz", compresslevel=COMPRESSLEVEL) as tar,
        ):
            info = owner(tarfile.TarInfo(f"{TOP}/{MANIFEST}"))
            info.size, info.mode, info.mtime = len(manifest), 0o644, int(time.time())
            tar.addfile(info, io.BytesIO(manifest))
            for path, name in entries:
                tar.add(path, arcname=f"{TOP}/{name}", recursive=False, filter=owner)
        os.replace(tmp, out)
    except OSError as exc:
        os.unlink(tmp)
        raise SandboxError(f"cannot write {out}: {exc.strerror}", "free some space") from exc
    except BaseException:
        os.unlink(tmp)
        raise


# -- loading it --------------------------------------------------------------------------


def open_bundle(path: Path) -> Bundle:
    """The bundle at `path` (a .tar.gz, an unpacked one's folder or its images/ folder),
    its manifest read and checked; UsageError when there is none."""
    if not path.exists():
        raise UsageError(f"no such file: {path}", NOT_A_BUNDLE_HINT)
    if path.is_dir():
        for folder in (path, path.parent):
            if (folder / MANIFEST).is_file():
                text = (folder / MANIFEST).read_text(errors="replace")
                manifest = parse_manifest(text, str(folder / MANIFEST))
                for i in manifest.images:
                    if not (folder / i.file).is_file():
                        raise UsageError(f"{folder / i.file} is missing", REMAKE_HINT)
                return Bundle(manifest, folder=folder)
        raise UsageError(
            f"{path} is not a process-sandbox bundle: no {MANIFEST} in it or beside it",
            NOT_A_BUNDLE_HINT,
        )
    try:
        with tarfile.open(path, "r|*") as tar:
            first = tar.next()
            if first is None or first.name != f"{TOP}/{MANIFEST}" or first.size > MANIFEST_MAX:
                raise UsageError(
                    f"{path} is not a process-sandbox bundle: it does not start with "
                    f"{TOP}/{MANIFEST}",
                    NOT_A_BUNDLE_HINT,
                )
            member = tar.extractfile(first)
            text = member.read().decode(errors="replace") if member is not None else ""
    except DAMAGE as exc:
        raise UsageError(
            f"{path} is not a process-sandbox bundle (not a .tar.gz: {exc})", NOT_A_BUNDLE_HINT
        ) from None
    return Bundle(parse_manifest(text, str(path)), archive=path)


def load_bundle(engine: Engine, bundle: Bundle, log: Log) -> tuple[BundledImage, ...]:
    """`docker load` each of the bundle's images, then check every name is back on the ID
    the manifest gives; ImageError when one is not."""
    images = bundle.manifest.images
    if bundle.folder is not None:
        for i in images:
            log(f"loading {bundle.folder / i.file}")
            with (bundle.folder / i.file).open("rb") as data:
                engine.load_images(data)
    else:
        assert bundle.archive is not None
        _load_from_archive(engine, bundle.archive, images, log)
    for i in images:
        for tag in i.tags:
            got = engine.image_id(tag)
            if got != i.id:
                raise ImageError(
                    f"after loading {i.file}, {tag} is {got or 'missing'}, "
                    f"not {i.id} as {MANIFEST} says",
                    f"the bundle was damaged or changed: {REMAKE_HINT}",
                )
        if i.python in image.PYTHONS and image.image_ref(i.python) not in i.tags:
            log(
                f"note: this checkout builds {image.image_ref(i.python)} for Python {i.python}, "
                f"not the bundle's {i.tags[0]}: its own files differ, so `make image` here "
                "would build"
            )
    return images


def _load_from_archive(
    engine: Engine, archive: Path, images: tuple[BundledImage, ...], log: Log
) -> None:
    """Load the images straight out of the .tar.gz, read once, front to back."""
    wanted = {f"{TOP}/{i.file}": i for i in images}
    try:
        with tarfile.open(archive, "r|*") as tar:
            for member in tar:
                if member.name not in wanted or not member.isfile():
                    continue
                log(f"loading {member.name} from {archive}")
                reader = _KeptFailure(tar.extractfile(member))
                try:
                    engine.load_images(reader)
                except SandboxError:
                    if reader.failure is None:
                        raise
                if reader.failure is not None:
                    raise reader.failure
                del wanted[member.name]
    except DAMAGE as exc:
        raise UsageError(f"{archive} is damaged ({exc})", REMAKE_HINT) from None
    if wanted:
        raise UsageError(f"{archive} lacks {', '.join(sorted(wanted))}", REMAKE_HINT)


class _KeptFailure:
    """A member's read(), a damage error kept instead of raised: raised inside the upload to
    the engine, it would come back as a lost connection. The data then just ends early."""

    def __init__(self, file: IO[bytes] | None) -> None:
        self._file = file
        self.failure: BaseException | None = None

    def read(self, size: int, /) -> bytes:
        if self._file is None or self.failure is not None:
            return b""
        try:
            return self._file.read(size)
        except DAMAGE as exc:
            self.failure = exc
            return b""
