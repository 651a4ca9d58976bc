"""The confinement's limits: parsed from the command line, layered over the scenario's and the
defaults; the files staged for a box's read-only (and few writable) mounts."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from sandbox import cli, confine
from sandbox.confine import DEFAULT_LIMITS, Limits, Staging, parse_memory, parse_pids, resolve
from sandbox.engine import Engine
from sandbox.errors import DeclarationError, UsageError
from sandbox.inits import INITS, get_init
from sandbox.runner import CHILD_HEADROOM, lab_for
from sandbox.scenario import find, load


@pytest.mark.parametrize(
    ("text", "value"),
    [
        *(("256m", 256 << 20), ("1g", 1 << 30), ("1G", 1 << 30), ("64MB", 64 << 20)),
        *(("8192k", 8 << 20), ("10000000", 10_000_000), (" 6m ", 6 << 20)),
    ],
)
def test_memory_sizes_are_read_as_docker_reads_them(text: str, value: int) -> None:
    assert parse_memory(text) == value


@pytest.mark.parametrize("text", ["", "lots", "-1m", "0", "1.5g", "2t", "m", "5m", "1 g"])
def test_a_bad_memory_size_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="--memory must be"):
        parse_memory(text)


def test_pids_limits_are_whole_numbers_of_at_least_eight() -> None:
    assert parse_pids("8") == 8 and parse_pids("4096") == 4096
    for text in ("", "many", "-5", "1e3", "7", "0"):
        with pytest.raises(UsageError, match="--pids-limit must be"):
            parse_pids(text)


def test_show_memory_uses_the_largest_whole_unit() -> None:
    assert [confine.show_memory(v) for v in (512 << 20, 1 << 30, 1536 << 20, 1000)] == [
        "512m",
        "1g",
        "1536m",
        "1000",
    ]


def test_the_command_line_wins_over_the_scenario_which_wins_over_the_defaults() -> None:
    scenario = Limits(memory=128 << 20, pids=200)
    assert resolve() == resolve(None, None) == DEFAULT_LIMITS
    assert resolve(None, scenario) == scenario
    assert resolve(Limits(pids=50), scenario) == Limits(128 << 20, 50)
    assert resolve(Limits(memory=1 << 30), None) == Limits(1 << 30, DEFAULT_LIMITS.pids)
    assert Limits(pids=32).over(DEFAULT_LIMITS) == Limits(DEFAULT_LIMITS.memory, 32)


def test_the_defaults_confine_every_container() -> None:
    assert confine.NETWORK == "none"
    assert confine.CAP_DROP == ("ALL",) and confine.CAP_ADD == ()
    assert confine.SECURITY_OPT == ("no-new-privileges",)
    assert set(confine.TMPFS) == {"/root", "/tmp", "/run"}
    assert all("size=" in options and "nosuid" in options for options in confine.TMPFS.values())
    assert DEFAULT_LIMITS.memory is not None and DEFAULT_LIMITS.pids is not None


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--memory", "lots", "--memory must be a size like 256m or 1g, not 'lots'"),
        ("--memory", "1m", "--memory must be at least 6m (the engine refuses less), not '1m'"),
        ("--pids-limit", "x", "--pids-limit must be a whole number, not 'x'"),
        ("--pids-limit", "3", "--pids-limit must be at least 8, not 3"),
    ],
)
@pytest.mark.parametrize("command", [["run", "zombie"], ["matrix"]])
def test_bad_limits_on_the_command_line_are_one_line_and_exit_2(
    command: list[str],
    option: str,
    value: str,
    said: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Told before any engine is asked for: this passes with no engine at all.
    assert cli.main([*command, option, value]) == 2
    assert capsys.readouterr().err == f"sandbox: {said}\n"


def test_the_command_line_options_become_limits() -> None:
    args = cli.build_parser().parse_args(["run", "zombie", "--memory", "256m"])
    assert cli.confinement_limits(args) == Limits(memory=256 << 20)
    args = cli.build_parser().parse_args(["matrix", "--pids-limit", "100"])
    assert cli.confinement_limits(args) == Limits(pids=100)


def test_staging_writes_each_file_with_the_mode_its_mount_needs() -> None:
    files = {"/root/a.py": b"print(1)\n", "/root/run.sh": b"#!/bin/sh\n", "/root/db.txt": b"{}"}
    with Staging(files, {"/root/db.txt"}) as staged:
        assert set(staged.mounts) == {"/root/a.py", "/root/run.sh"}
        assert set(staged.writable) == {"/root/db.txt"}
        modes = {
            target: stat.S_IMODE(Path(source).stat().st_mode)
            for target, source in {**staged.mounts, **staged.writable}.items()
        }
        # World-readable: a container's root has no CAP_DAC_OVERRIDE.
        assert modes == {"/root/a.py": 0o644, "/root/run.sh": 0o755, "/root/db.txt": 0o666}
        assert Path(staged.mounts["/root/a.py"]).read_bytes() == b"print(1)\n"
        confinement = staged.confinement(Limits(pids=9))
        assert (confinement.limits, confinement.files) == (Limits(pids=9), staged.mounts)
        folder = Path(staged.mounts["/root/a.py"]).parent
    assert not folder.exists()


def test_a_scenario_may_write_only_files_of_its_folder(tmp_path: Path) -> None:
    every = ", ".join(f"{mode.replace('-', '_')}=True" for mode in INITS)
    (tmp_path / "db.txt").write_text("{}")
    (tmp_path / "scenario.py").write_text(
        "from sandbox.scenario import Scenario, expect\n"
        f"SCENARIO = Scenario(name={tmp_path.name!r}, title='t', summary='s', explanation='e',\n"
        "    drive=lambda lab: None, writes=('db.txt', 'other.txt'),\n"
        f"    expectations=(expect('c', 'claim', {every}),))\n"
    )
    said = r"writes: 'other\.txt' must be a file of its folder"
    with pytest.raises(DeclarationError, match=said):
        load(tmp_path)


def test_a_staging_left_open_is_removed_when_the_controller_exits() -> None:
    # As when a part of lab.parallel is still inside its box as an interrupted run returns.
    code = (
        "import threading, time\n"
        "from sandbox.confine import Staging\n"
        "staged = Staging({'/root/a.py': b'x'})\n"
        "print(staged.mounts['/root/a.py'], flush=True)\n"
        "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    source = Path(done.stdout.strip())
    assert source.name == "0-a.py" and not source.parent.exists()


def test_a_number_of_children_raises_the_pids_limit_and_nothing_else_does() -> None:
    nobody = cast(Engine, None)  # a Lab touches the engine only when it opens a box

    def pids(name: str, children: int | None = None, limits: Limits | None = None) -> int | None:
        lab = lab_for(
            nobody, "img", find(name), get_init("tini"), bound_s=1, limits=limits,
            children=children,
        )  # fmt: skip
        return lab.limits.pids

    assert pids("zombie") == DEFAULT_LIMITS.pids
    assert pids("pid-exhaustion") == 32  # what it shows: no headroom added to it
    assert pids("zombie-flood") == DEFAULT_LIMITS.pids  # its own 10 fit
    assert pids("zombie-flood", 10_000) == 10_000 + CHILD_HEADROOM
    assert pids("zombie-flood", 10_000, Limits(pids=64)) == 10_000 + CHILD_HEADROOM
    assert pids("zombie-flood", 100, Limits(pids=4096)) == 4096
