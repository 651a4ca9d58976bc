from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from sandbox import image
from sandbox.errors import UsageError
from sandbox.waiting import Timeout, wait_until


def test_wait_until_returns_the_accepted_value() -> None:
    counter = itertools.count()
    assert (
        wait_until(lambda: next(counter), lambda n: n >= 3, timeout_s=5, what="n", interval_s=0)
        == 3
    )


def test_wait_until_times_out_with_the_last_value() -> None:
    with pytest.raises(Timeout) as info:
        wait_until(lambda: "still 1", lambda v: v == "2", timeout_s=0.05, what="two")
    assert info.value.last == "still 1"
    assert "two: not true after 0.05 s" in str(info.value)


def test_image_tag_follows_its_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(image.DOCKER_DIR, tmp_path / "docker")
    monkeypatch.setattr(image, "DOCKER_DIR", tmp_path / "docker")
    first = image.image_ref()
    assert first.startswith("process-sandbox:") and first == image.image_ref()
    assert image.packages()[:2] == ["python3", "python3-psutil"]
    with (tmp_path / "docker" / "packages.txt").open("a") as packages:
        packages.write("strace\n")
    assert image.image_ref() != first
    assert "strace" in image.packages()


def test_unknown_build_method_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANDBOX_BUILD", raising=False)
    with pytest.raises(UsageError, match="unknown build method 'docker'"):
        image._choose("docker")
    assert image._choose("dockerfile") == "dockerfile"
    monkeypatch.setenv("SANDBOX_BUILD", "dockerfile")
    assert image._choose("auto") == "dockerfile"  # the environment picks for auto...
    assert image._choose("offline") == "offline"  # ...not over an explicit method
