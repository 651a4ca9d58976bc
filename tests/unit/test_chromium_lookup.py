"""Which browser the `browser` tests use: Debian's chromium, else Google's Chrome, ..."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CHROMIUMS, find_chromium


def executables(folder: Path, *names: str) -> str:
    """A PATH of one folder holding an executable of each name (and a non-executable one)."""
    folder.mkdir()
    for name in names:
        (folder / name).write_text("#!/bin/sh\n")
        (folder / name).chmod(0o755)
    (folder / "chromium.txt").write_text("not a browser")
    return str(folder)


@pytest.mark.parametrize(
    ("present", "chosen"),
    [
        (CHROMIUMS, "chromium"),
        (("google-chrome-stable", "google-chrome"), "google-chrome"),  # GitHub's runner
        (("chromium-browser", "google-chrome-stable"), "google-chrome-stable"),
        (("chromium-browser",), "chromium-browser"),
    ],
)
def test_the_first_of_the_known_names_on_path_is_used(
    tmp_path: Path, present: tuple[str, ...], chosen: str
) -> None:
    path = executables(tmp_path / "bin", *present)
    assert find_chromium(path) == tmp_path / "bin" / chosen


def test_none_is_found_where_there_is_none(tmp_path: Path) -> None:
    path = executables(tmp_path / "bin")
    (tmp_path / "bin" / "chromium").write_text("not executable")
    assert find_chromium(path) is None
