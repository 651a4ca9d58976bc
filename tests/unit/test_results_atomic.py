"""A run's result folder is there whole or not at all: no half-written result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox import results
from sandbox.errors import SandboxError
from sandbox.model import RunResult
from sandbox.results import save_run

RESULT = RunResult("zombie", "tini", True, (), (), 0, 1.0, "$ python3 test.py &\n")


def test_a_saved_run_has_its_three_files_and_nothing_hidden(tmp_path: Path) -> None:
    folder = save_run(RESULT, tmp_path, "the report\n")
    assert sorted(p.name for p in folder.iterdir()) == [
        "report.txt",
        "result.json",
        "transcript.txt",
    ]
    assert json.loads((folder / "result.json").read_text())["scenario"] == "zombie"
    assert list(tmp_path.iterdir()) == [folder]
    assert oct(folder.stat().st_mode & 0o777) == "0o755"


def test_two_saves_in_one_second_get_two_folders(tmp_path: Path) -> None:
    first = save_run(RESULT, tmp_path, "one\n")
    second = save_run(RESULT, tmp_path, "two\n")
    assert first != second
    assert (first / "report.txt").read_text() == "one\n"
    assert (second / "report.txt").read_text() == "two\n"


def test_a_write_failing_midway_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = results.write_atomic
    written: list[str] = []

    def fails_on_the_last(path: Path, text: str) -> None:
        if path.name == "result.json":  # the disk is full by the third file
            raise SandboxError(f"cannot write {path}: No space left on device")
        real(path, text)
        written.append(path.name)

    monkeypatch.setattr(results, "write_atomic", fails_on_the_last)
    with pytest.raises(SandboxError, match="No space left on device"):
        save_run(RESULT, tmp_path, "the report\n")
    assert written == ["transcript.txt", "report.txt"]  # begun, then...
    assert list(tmp_path.iterdir()) == []  # ...gone, hidden folder and all


def test_a_results_folder_that_cannot_be_made_says_so(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(SandboxError, match=r"cannot write .*/file/r: Not a directory"):
        save_run(RESULT, tmp_path / "file" / "r", "the report\n")
