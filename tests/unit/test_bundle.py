"""The workshop bundle's pure parts: the manifest, which files go in, and reading a bundle
that is not one (one line, exit 2, before any engine is needed)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox import bundle, image
from sandbox.bundle import BundledImage, Manifest
from sandbox.errors import UsageError

MANIFEST = Manifest(
    version="0.1.0",
    created="2026-11-26T20:00:00Z",
    images=(
        BundledImage(
            "3.11",
            "images/py3.11.tar",
            "sha256:" + "a" * 64,
            ("process-sandbox:0123456789ab", "process-sandbox:py3.11", "process-sandbox:latest"),
        ),
    ),
    wheels=("docker-7.2.0-py3-none-any.whl", "setuptools-84.2.1-py3-none-any.whl"),
    wheels_python="3.11",
    wheels_platform="linux-x86_64",
)


def test_the_manifest_reads_back_as_written_and_names_the_wheels_limits() -> None:
    text = bundle.manifest_json(MANIFEST)
    assert bundle.parse_manifest(text, "x") == MANIFEST
    data = json.loads(text)
    assert data["project"] == "process-sandbox" and data["format"] == bundle.FORMAT
    assert "CPython 3.11 on linux-x86_64 only" in data["wheels"]["note"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: "not json", "its BUNDLE.json is not JSON"),
        (lambda d: {**d, "project": "other"}, "not a process-sandbox manifest"),
        (lambda d: {**d, "format": 99}, "its format is 99; this version reads 1"),
        (lambda d: {**d, "images": []}, "names no image"),
        (lambda d: {k: v for k, v in d.items() if k != "wheels"}, "malformed (KeyError"),
        (lambda d: _image(d, file="../../etc/passwd"), "is not under images/"),
        (lambda d: _image(d, file="/etc/passwd"), "is not under images/"),
        (lambda d: _image(d, tags=[]), "an image has no tags"),
        (lambda d: _image(d, id=7), "7 is not a non-empty string"),
    ],
)
def test_a_bad_manifest_says_why_it_is_not_a_bundle(
    change: Callable[[dict[str, Any]], Any], why: str
) -> None:
    changed = change(json.loads(bundle.manifest_json(MANIFEST)))
    text = changed if isinstance(changed, str) else json.dumps(changed)
    with pytest.raises(UsageError) as raised:
        bundle.parse_manifest(text, "where")
    assert raised.value.message.startswith("where is not a process-sandbox bundle: ")
    assert why in raised.value.message
    assert "make bundle" in raised.value.hint


def _image(data: dict[str, Any], **fields: object) -> dict[str, Any]:
    return {**data, "images": [{**data["images"][0], **fields}]}


def test_image_tags_are_the_hash_tag_the_version_tag_and_latest_for_the_default_only() -> None:
    assert bundle.image_tags("3.11") == (
        image.image_ref("3.11"),
        "process-sandbox:py3.11",
        "process-sandbox:latest",
    )
    assert bundle.image_tags("3.13") == (image.image_ref("3.13"), "process-sandbox:py3.13")


def _touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)


def test_a_walk_leaves_out_what_runs_installs_and_bundles_make(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "Makefile",
        "sandbox/cli.py",
        "scenarios/zombie/test.py",
        "docker/images/kept.txt",  # only the top-level images/ is the bundle's
        ".venv/bin/python",
        "results/run/result.json",
        "dist/old.tar.gz",
        "wheels/docker.whl",
        "images/py3.11.tar",
        "BUNDLE.json",
        "sandbox/__pycache__/cli.cpython-311.pyc",
        ".mypy_cache/x",
        "process_sandbox.egg-info/PKG-INFO",
    )
    assert bundle.walk_files(tmp_path) == [
        "Makefile",
        "docker/images/kept.txt",
        "sandbox/cli.py",
        "scenarios/zombie/test.py",
    ]


def test_in_a_git_checkout_the_files_git_keeps_go_in_tracked_or_new(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    _touch(tmp_path, ".gitignore", "Makefile", "gone.txt", "sandbox/new.py", "results/r.json")
    (tmp_path / ".gitignore").write_text("/results/\n/.venv/\n")
    git("add", ".gitignore", "Makefile", "gone.txt")
    (tmp_path / "gone.txt").unlink()  # tracked, deleted in the work tree
    _touch(tmp_path, ".venv/bin/python")
    assert bundle.project_files(tmp_path) == [".gitignore", "Makefile", "sandbox/new.py"]


def test_the_requirements_are_the_runtime_ones_and_setuptools_never_the_dev_tools() -> None:
    wanted = bundle.requirements(bundle.pyproject())
    assert "docker>=7.1" in wanted and "psutil>=5.9" in wanted
    assert any(w.startswith("setuptools") for w in wanted)
    assert not any(w.startswith(("pytest", "mypy", "ruff")) for w in wanted)


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_a_bundle_is_found_as_an_archive_an_unpacked_folder_or_its_images(tmp_path: Path) -> None:
    text = bundle.manifest_json(MANIFEST).encode()
    archive = _archive(tmp_path / "b.tar.gz", {"process-sandbox/BUNDLE.json": text})
    assert bundle.open_bundle(archive) == bundle.Bundle(MANIFEST, archive=archive)
    folder = tmp_path / "process-sandbox"
    _touch(folder, "images/py3.11.tar")
    (folder / "BUNDLE.json").write_bytes(text)
    assert bundle.open_bundle(folder).folder == folder
    assert bundle.open_bundle(folder / "images").folder == folder
    (folder / "images/py3.11.tar").unlink()
    with pytest.raises(UsageError, match=r"images/py3\.11\.tar is missing"):
        bundle.open_bundle(folder)


class _Breaks(io.RawIOBase):
    def read(self, size: int = -1, /) -> bytes:
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")


def test_a_read_that_fails_inside_the_upload_is_kept_and_the_data_ends() -> None:
    reader = bundle._KeptFailure(_Breaks())  # type: ignore[arg-type]
    assert reader.read(10) == b""
    assert isinstance(reader.failure, EOFError)
    assert reader.read(10) == b""


def load(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", "load", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


HINT = " — give the .tar.gz `make bundle` wrote, or the images/ folder of an unpacked one\n"


def test_loading_what_is_not_a_bundle_gets_one_line_and_exit_2(tmp_path: Path) -> None:
    other = _archive(tmp_path / "other.tar.gz", {"something/else.txt": b"hi"})
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    expected = {
        tmp_path / "missing.tar.gz": f"no such file: {tmp_path / 'missing.tar.gz'}",
        text: f"{text} is not a process-sandbox bundle (not a .tar.gz: ",
        tmp_path: f"{tmp_path} is not a process-sandbox bundle: no BUNDLE.json in it or beside",
        other: f"{other} is not a process-sandbox bundle: it does not start with "
        "process-sandbox/BUNDLE.json",
    }
    for path, message in expected.items():
        done = load(str(path))
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        assert done.stderr.startswith(f"sandbox: {message}"), done.stderr
        assert done.stderr.endswith(HINT) and done.stderr.count("\n") == 1


def test_loading_with_no_engine_gets_one_line_and_exit_2(tmp_path: Path) -> None:
    archive = _archive(
        tmp_path / "b.tar.gz",
        {"process-sandbox/BUNDLE.json": bundle.manifest_json(MANIFEST).encode()},
    )
    done = load(str(archive), env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert done.returncode == 2
    assert done.stderr.startswith(
        "sandbox: no Docker engine answers at unix:///nonexistent/docker.sock — start Docker"
    )
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_bundle_refuses_a_directory_as_its_output(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "bundle", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (
        2,
        f"sandbox: {tmp_path} is a directory — give the archive's file name with --out\n",
    )
