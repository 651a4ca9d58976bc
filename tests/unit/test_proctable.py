from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from sandbox import proctable
from sandbox.errors import ScenarioError
from sandbox.model import Process
from sandbox.proctable import parse_ps_wchan, same_kernel_waits, wait_name
from sandbox.scenario import SCENARIOS_DIR

DATA = Path(__file__).parent.parent / "data"


def test_ps_aux_grep_z_as_captured_in_the_sandbox() -> None:
    header, rows = proctable.parse_ps_aux((DATA / "ps_aux_grep_z.noreap.txt").read_text())
    assert header
    zombie, grep = rows
    assert (zombie.pid, zombie.stat, zombie.vsz, zombie.rss) == (14, "Z", 0, 0)
    assert zombie.command == "[python3] <defunct>"
    assert zombie.is_zombie and not grep.is_zombie
    assert grep.command == "grep Z"


def test_ps_aux_as_printed_in_the_seed_with_prompt_and_comment() -> None:
    header, rows = proctable.parse_ps_aux((DATA / "ps_aux_grep_z.seed.txt").read_text())
    assert header
    assert [r.pid for r in rows] == [18653, 18656]
    assert rows[0].command.startswith("[python3] <defunct>")
    assert rows[1].stat == "S+" and rows[1].tty == "pts/0"


def test_ps_aux_without_header_or_rows() -> None:
    assert proctable.parse_ps_aux("") == (False, ())
    assert proctable.parse_ps_aux("grep: Z: no match\n") == (False, ())


@pytest.mark.parametrize("name", ["top_bn1.noreap.txt", "top.seed.txt", "top_bn1.procps-4.0.7.txt"])
def test_top_tasks_line(name: str) -> None:
    tasks = proctable.parse_top_tasks((DATA / name).read_text())
    assert tasks is not None and tasks.zombie == 1
    assert tasks.total == tasks.running + tasks.sleeping + tasks.stopped + tasks.zombie


def test_top_without_tasks_line() -> None:
    assert proctable.parse_top_tasks("top: failed tty get\n") is None


def test_probe_output_and_helper_filtering() -> None:
    table = proctable.parse_probe_output((DATA / "probe.zombie.json").read_text())
    assert [p.pid for p in table] == [1, 7, 13, 14, 30, 31]
    mine = proctable.without_helpers(table)
    assert [p.pid for p in mine] == [1, 7, 13, 14]  # the capture shell and its ps are gone
    assert proctable.zombies(mine) == (Process(14, 13, "Z", "[python3] <defunct>"),)
    assert proctable.children_of(mine, 13) == proctable.zombies(mine)
    assert proctable.find(mine, 99) is None


@pytest.mark.parametrize("text", ["", "not json", '[{"pid": 1}]', "{}"])
def test_unreadable_probe_output(text: str) -> None:
    with pytest.raises(ScenarioError, match="unreadable process table"):
        proctable.parse_probe_output(text)


def test_compare_reports_each_difference() -> None:
    inside = (Process(1, 0, "S", "init"), Process(8, 1, "Z", "[python3] <defunct>"))
    assert proctable.compare(inside, inside) == []
    host = (Process(1, 0, "S", "init"), Process(9, 1, "S", "x"))
    assert proctable.compare(inside, host) == [
        "pid 8 only inside: [python3] <defunct>",
        "pid 9 only on the host: x",
    ]
    assert proctable.compare(inside, (Process(1, 0, "S", "i"), Process(8, 7, "Z", "z"))) == [
        "pid 8: inside ppid 1 Z, host ppid 7 Z"
    ]


def test_compare_takes_running_and_asleep_alike_but_not_a_zombie() -> None:
    inside = (Process(1, 0, "S", "tini"), Process(8, 1, "S", "sleep infinity"))
    woken = (Process(1, 0, "R", "tini"), Process(8, 1, "D", "sleep infinity"))
    assert proctable.compare(inside, woken) == []
    exited = (Process(1, 0, "S", "tini"), Process(8, 1, "Z", "[sleep] <defunct>"))
    assert proctable.compare(inside, exited) == ["pid 8: inside ppid 1 S, host ppid 1 Z"]


def test_namespace_pid_is_the_innermost() -> None:
    status = b"Name:\tpython3\nState:\tZ (zombie)\nNSpid:\t6115\t15\nNSpgid:\t6115\t15\n"
    assert proctable._namespace_pid(status) == 15
    assert proctable._namespace_pid(b"Name:\tx\nNSpid:\t7") == 7  # the last line
    with pytest.raises(ValueError):
        proctable._namespace_pid(b"Name:\tx\n")


def test_host_reading_finds_nothing_for_an_unknown_container() -> None:
    assert proctable.read_host("0" * 64) == ()
    # With a PID 1 that is not the container's, its /proc/<pid>/root is not read either.
    assert proctable.read_host("0" * 64, os.getpid()) == ()
    assert not proctable.host_can_see("0" * 64, 1)
    assert not proctable.host_can_see("0" * 64, 0)


# -- where a process waits, whatever the kernel calls it ---------------------------------

OLDER_KERNEL = """\
    PID    PPID STAT WCHAN                    COMMAND
      1       0 Ss   do_sys_pause             /usr/bin/python3 /usr/local/sbin/noreap
      7       0 Ss   sigsuspend               sh -c 'python3 with_lock.py'
     13       7 S    __do_wait                python3 with_lock.py
     14      13 S    do_nanosleep             python3 with_lock.py
     15      13 S    futex_wait_queue         python3 with_lock.py
     16      13 S    pipe_read                python3 model.py
      1 S    do_sigtimedwait      /usr/bin/tini -s -- python3 /opt/sandbox/jobs.py
"""
RECORDING_KERNEL = """\
    PID    PPID STAT WCHAN                    COMMAND
      1       0 Ss   do_sys_pause             /usr/bin/python3 /usr/local/sbin/noreap
      7       0 Ss   sigsuspend.isra.0        sh -c 'python3 with_lock.py'
     13       7 S    do_wait                  python3 with_lock.py
     14      13 S    hrtimer_nanosleep        python3 with_lock.py
     15      13 S    futex_do_wait            python3 with_lock.py
     16      13 S    anon_pipe_read           python3 model.py
      1 S    do_sigtimedwait.isra /usr/bin/tini -s -- python3 /opt/sandbox/jobs.py
"""


def test_another_kernels_wait_names_read_as_the_recording_kernels() -> None:
    assert same_kernel_waits(OLDER_KERNEL) == RECORDING_KERNEL
    assert same_kernel_waits(RECORDING_KERNEL) == RECORDING_KERNEL


def test_the_golden_transcripts_already_use_the_recording_kernels_names() -> None:
    goldens = sorted(SCENARIOS_DIR.glob("*/golden/*.txt"))
    assert goldens
    for golden in goldens:
        text = golden.read_text()
        assert same_kernel_waits(text) == text, golden


def test_parsed_wait_rows_carry_the_recording_kernels_names() -> None:
    rows = parse_ps_wchan(OLDER_KERNEL)
    assert [r.wchan for r in rows] == [
        "do_sys_pause",
        "sigsuspend.isra.0",
        "do_wait",
        "hrtimer_nanosleep",
        "futex_do_wait",
        "anon_pipe_read",
    ]
    assert wait_name("ep_poll") == "ep_poll"  # one it does not know stays as it is


def test_collection_is_paused_only_while_a_table_is_built() -> None:
    assert gc.isenabled()
    assert proctable.parse_probe_output('[[1, 0, "S", "init"]]') == (Process(1, 0, "S", "init"),)
    assert gc.isenabled()
    with pytest.raises(ScenarioError):
        proctable.parse_probe_output("[[1]]")
    assert gc.isenabled()  # resumed after a failure too
    gc.disable()  # and left off where it was off
    try:
        proctable.parse_probe_output("[]")
        assert not gc.isenabled()
    finally:
        gc.enable()
