"""The offline workshop bundle for real: the 3.13 image is bundled, removed from the engine,
and an unpacked copy of the archive makes its venv with no network, loads the image back
(`make load`) and runs `make zombie` on it without building anything.

The 3.13 image, not the default one the rest of the suite runs on; it is gone from the
engine only between the removal and `make load`'s end (a few seconds), and put back from
the bundle if the test fails in between.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from sandbox import bundle, image
from sandbox.bundle import Manifest
from sandbox.engine import Engine
from sandbox.errors import EngineError
from sandbox.waiting import wait_until

PROJECT = Path(__file__).resolve().parents[2]
PYTHON = "3.13"
TAGS = (image.image_ref(PYTHON), image.version_tag(PYTHON))


@dataclass(frozen=True)
class Made:
    archive: Path
    manifest: Manifest


def _env(**extra: str) -> dict[str, str]:
    """This environment, minus what an outer `make` or this machine's pip settings add."""
    inherited = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "NO_PROXY", "no_proxy"}
    env = {k: v for k, v in os.environ.items() if k not in inherited and not k.startswith("PIP_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def offline_env() -> dict[str, str]:
    """No pip configuration (this machine's names local wheel folders and indexes), and every
    connection out sent to a closed port: packages can only come from the bundle's wheels/."""
    dead = "http://127.0.0.1:9"
    return _env(
        PIP_CONFIG_FILE=os.devnull,
        http_proxy=dead,
        https_proxy=dead,
        HTTP_PROXY=dead,
        HTTPS_PROXY=dead,
    )


def run(argv: list[str | Path], env: dict[str, str], timeout: float = 300) -> tuple[int, str]:
    done = subprocess.run(
        [str(a) for a in argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        timeout=timeout,
    )
    return done.returncode, done.stdout


@pytest.fixture(scope="module")
def made(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Made:
    """`python -m sandbox bundle --python 3.13`, once for the module."""
    image.ensure_image(engine, print, python=PYTHON)
    archive = tmp_path_factory.mktemp("bundle") / "workshop.tar.gz"
    started = time.monotonic()
    code, output = run(
        [sys.executable, "-m", "sandbox", "bundle", "--python", PYTHON, "--out", archive], _env()
    )
    assert code == 0, output
    print(f"bundle: {time.monotonic() - started:.1f} s, {archive.stat().st_size / 1e6:.0f} MB")
    found = bundle.open_bundle(archive)
    return Made(archive, found.manifest)


@pytest.fixture
def image_put_back(engine: Engine, made: Made) -> Iterator[None]:
    """However the test ends, the 3.13 image is in the engine again (others use it)."""
    yield
    if any(engine.image_id(tag) is None for tag in TAGS):
        bundle.load_bundle(engine, bundle.open_bundle(made.archive), print)


def remove_image(engine: Engine, made: Made) -> None:
    """Every name of the 3.13 image, and the image itself, gone from the engine."""
    (saved,) = made.manifest.images
    # What the tags name now, too: someone may have rebuilt the image since the bundle.
    ids = {saved.id} | {engine.image_id(tag) for tag in TAGS} - {None}

    def removed(image_id: str | None) -> str | None:
        if image_id is None or engine.image_id(image_id) is None:
            return None
        try:
            engine.remove_image(image_id, force=True)  # all its names, in one call
        except EngineError as exc:  # refused while a running container uses it
            return str(exc)
        return None

    for image_id in ids:
        wait_until(
            functools.partial(removed, image_id),
            lambda refused: refused is None,
            timeout_s=120,
            what=f"removing {image_id} (a running container uses it)",
            interval_s=0.2,
        )
        assert engine.image_id(str(image_id)) is None
    for tag in TAGS:
        assert engine.image_id(tag) is None


@pytest.mark.docker
@pytest.mark.timeout(900)  # a first build of the 3.13 image takes a minute; then ~40 s
@pytest.mark.usefixtures("no_leftovers", "image_put_back")
def test_bundle_remove_load_and_zombie_runs_without_building(
    engine: Engine, made: Made, tmp_path: Path
) -> None:
    (saved,) = made.manifest.images
    assert (saved.python, saved.file, saved.tags) == (PYTHON, "images/py3.13.tar", TAGS)
    with tarfile.open(made.archive) as tar:
        tar.extractall(tmp_path, filter="data")
    folder = tmp_path / bundle.TOP
    for name in ("BUNDLE.json", "Makefile", "pyproject.toml", "sandbox/bundle.py"):
        assert (folder / name).is_file(), name
    assert (folder / saved.file).stat().st_size > 50_000_000
    wheels = sorted(p.name.split("-")[0] for p in (folder / "wheels").glob("*.whl"))
    assert {"docker", "psutil", "requests", "setuptools"} <= set(wheels), wheels
    assert not (folder / ".venv").exists() and not (folder / "results").exists()

    # The venv first, while the image is still there: the same rule `make load` runs, and
    # the image is then missing only for as long as the load takes.
    code, output = run(["make", "-C", folder, "venv"], offline_env())
    assert code == 0, output
    assert "pip install --quiet --no-index --find-links wheels -e ." in output
    venv_python = folder / ".venv/bin/python"
    code, listed = run(
        [venv_python, "-m", "pip", "list", "--format", "json"],
        _env(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1"),
    )
    installed = {p["name"].lower(): p for p in json.loads(listed)}
    assert {"docker", "psutil", "process-sandbox"} <= installed.keys()
    assert not {"pytest", "mypy", "ruff"} & installed.keys()  # no dev extras
    assert installed["process-sandbox"]["editable_project_location"] == str(folder)

    remove_image(engine, made)
    removed_at = time.monotonic()
    code, output = run(["make", "-C", folder, "load"], offline_env())
    window = time.monotonic() - removed_at
    assert code == 0, output
    print(f"the 3.13 image was missing for {window:.1f} s")
    assert f"loaded {' '.join(TAGS)} (Python 3.13, {saved.id[:19]})" in output
    for tag in TAGS:
        assert engine.image_id(tag) == saved.id, tag
    (folder / saved.file).unlink()  # 160 MB; pytest keeps three sessions' tmp folders

    code, output = run(["make", "-C", folder, "zombie", f"PYTHONS={PYTHON}"], _env())
    assert code == 0, output
    assert "building" not in output  # ensure_image found the loaded image up to date
    assert "✓ orphaned-zombie-stays: holds" in output
    assert "✓ orphaned-zombie-stays: does not hold, as expected under tini" in output
    results = [json.loads(p.read_text()) for p in (folder / "results").glob("*/result.json")]
    assert sorted(r["init"] for r in results) == ["noreap", "tini"]
    for result in results:
        assert (result["ok"], result["python"], result["image"]) == (True, PYTHON, TAGS[0])
        assert any(p["state"] == "Z" for p in result["snapshots"][0]["processes"])


@pytest.mark.docker
@pytest.mark.usefixtures("no_leftovers")
def test_an_id_other_than_the_manifest_says_is_one_line_and_exit_2(
    made: Made, tmp_path: Path
) -> None:
    (saved,) = made.manifest.images
    with tarfile.open(made.archive) as tar:
        member = tar.getmember(f"{bundle.TOP}/{saved.file}")
        tar.extract(member, tmp_path, filter="data")
    folder = tmp_path / bundle.TOP
    wrong = replace(saved, id="sha256:" + "0" * 64)
    (folder / "BUNDLE.json").write_text(
        bundle.manifest_json(replace(made.manifest, images=(wrong,)))
    )
    code, output = run([sys.executable, "-m", "sandbox", "load", folder / "images"], _env())
    (folder / saved.file).unlink()  # 160 MB; pytest keeps three sessions' tmp folders
    assert code == 2, output
    last = output.strip().splitlines()[-1]
    assert last == (
        f"sandbox: after loading images/py3.13.tar, {TAGS[0]} is {saved.id}, not {wrong.id} "
        "as BUNDLE.json says — the bundle was damaged or changed: copy the bundle again, or "
        "make it again with `make bundle`"
    )


@pytest.mark.docker
def test_a_cut_off_bundle_is_damaged_one_line_and_exit_2(made: Made, tmp_path: Path) -> None:
    # The image is the archive's last and largest part: a cut at 3/4 falls inside it.
    cut = tmp_path / "cut.tar.gz"
    with made.archive.open("rb") as whole:
        cut.write_bytes(whole.read(made.archive.stat().st_size * 3 // 4))
    code, output = run([sys.executable, "-m", "sandbox", "load", cut], _env())
    assert code == 2, output
    lines = output.strip().splitlines()
    assert lines[0] == f"sandbox: loading {bundle.TOP}/images/py3.13.tar from {cut}"
    assert lines[1:] == [
        f"sandbox: {cut} is damaged (unexpected end of data) — copy the bundle again, "
        "or make it again with `make bundle`"
    ]


@pytest.mark.docker
def test_a_checkout_loads_the_images_straight_from_the_archive(engine: Engine, made: Made) -> None:
    (saved,) = made.manifest.images
    code, output = run([sys.executable, "-m", "sandbox", "load", made.archive], _env())
    assert code == 0, output
    assert f"sandbox: loading {bundle.TOP}/images/py3.13.tar from {made.archive}" in output
    assert f"loaded {' '.join(TAGS)} (Python 3.13, {saved.id[:19]})" in output
    for tag in TAGS:
        assert engine.image_id(tag) == saved.id, tag
