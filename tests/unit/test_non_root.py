"""Bad input as a user without root: one line and exit 2, never a traceback; and the
offline build's environment, the same whoever starts it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import unprivileged_python

from sandbox import image

LIST = """\
from sandbox import cli
drop()
sys.exit(cli.main(["list", "--scenarios", sys.argv[1]]))
"""


@pytest.fixture
def unreadable() -> Iterator[Path]:
    """A folder right under /tmp (so that any user reaches it) that only root may read."""
    folder = Path(tempfile.mkdtemp(prefix="sandbox-unreadable-"))
    (folder / "zombie").mkdir()
    (folder / "zombie" / "scenario.py").write_text("")
    folder.chmod(0o000)
    yield folder
    folder.chmod(0o700)
    (folder / "zombie" / "scenario.py").unlink()
    (folder / "zombie").rmdir()
    folder.rmdir()


def test_an_unreadable_scenario_folder_is_one_line(unreadable: Path) -> None:
    done = unprivileged_python(LIST, str(unreadable))
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr == f"sandbox: the scenario folder {unreadable} is not readable by this user\n"
    )


def test_folders_it_may_not_look_into_are_not_scenarios() -> None:
    # / holds /root, which only root may look into.
    done = unprivileged_python(LIST, "/")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("sandbox: no scenarios in / ")
    assert done.stderr.count("\n") == 1


def test_the_offline_build_pins_pythons_variables_whoever_starts_it() -> None:
    env = image.build_environment({"PATH": "/usr/bin", "PYTHONPATH": "/x", "LANG": "C"})
    assert env == {
        "PATH": "/usr/bin",
        "LANG": "C",
        "SOURCE_DATE_EPOCH": image.SOURCE_DATE_EPOCH,
        "PYTHONDONTWRITEBYTECODE": "1",  # only py3compile writes .pyc files, by hash
    }
    assert image.build_environment({"PYTHONDONTWRITEBYTECODE": ""}) == {
        "SOURCE_DATE_EPOCH": image.SOURCE_DATE_EPOCH,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
