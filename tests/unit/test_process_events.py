"""Process events without a kernel: the connector's messages as bytes, and what a run's
events add up to (sandbox/recorder.py's parsing, sandbox/lifecycle.py)."""

from __future__ import annotations

import struct

import pytest

from sandbox import lifecycle
from sandbox.model import ProcessEvent
from sandbox.recorder import (
    CN_IDX_PROC,
    ORPHAN,
    PROC_EVENT_EXEC,
    PROC_EVENT_EXIT,
    PROC_EVENT_FORK,
    Numbering,
    _status,
    messages,
)


def message(what: int, cpu: int, seq: int, stamp: int, *fields: int) -> bytes:
    """One netlink datagram as the kernel sends it: nlmsghdr, cn_msg, proc_event."""
    event = struct.pack("=IIQ", what, cpu, stamp) + struct.pack(f"={len(fields)}I", *fields)
    cn = struct.pack("=IIIIHH", CN_IDX_PROC, 1, seq, 0, len(event), 0) + event
    raw = struct.pack("=IHHII", 16 + len(cn), 3, 0, 0, 0) + cn
    return raw + b"\0" * (-len(raw) % 4)


def test_fork_exec_and_exit_are_read_with_their_fields() -> None:
    data = (
        message(PROC_EVENT_FORK, 0, 7, 1_000, 100, 100, 101, 101)
        + message(PROC_EVENT_EXEC, 1, 3, 2_000, 101, 101)
        + message(PROC_EVENT_EXIT, 0, 8, 3_000, 101, 101, 15, 17, 1, 1)
    )
    fork, exec_, exit_ = messages(data)
    assert (fork.what, fork.pid, fork.tgid, fork.parent, fork.stamp_ns) == (
        PROC_EVENT_FORK,
        101,
        101,
        100,
        1_000,
    )
    assert (exec_.cpu, exec_.seq, exec_.pid) == (1, 3, 101)
    assert (exit_.status, exit_.parent) == (15, 1)


def test_an_exit_without_its_parent_fields_and_other_events_are_read() -> None:
    old_kernel_exit = message(PROC_EVENT_EXIT, 0, 1, 5, 9, 9, 0, 17)  # before Linux 4.18
    uid_change = message(0x4, 0, 2, 6, 9, 9, 0, 0)
    exit_, other = messages(old_kernel_exit + uid_change)
    assert (exit_.pid, exit_.parent, exit_.status) == (9, 0, 0)
    assert other.what == 0x4 and other.seq == 2


def test_a_thread_s_fork_keeps_its_process() -> None:
    (thread,) = messages(message(PROC_EVENT_FORK, 0, 1, 5, 100, 100, 102, 100))
    assert (thread.pid, thread.tgid) == (102, 100)


def test_a_cut_datagram_yields_what_is_whole() -> None:
    data = message(PROC_EVENT_EXEC, 0, 1, 5, 9, 9)
    assert len(list(messages(data + data[:20]))) == 1


def test_gaps_in_a_cpu_s_numbering_are_counted_as_lost() -> None:
    numbering = Numbering()
    for cpu, seq in [(0, 10), (1, 4), (0, 11), (0, 14), (1, 5), (1, 9)]:
        numbering.saw(cpu, seq)
    assert numbering.lost == 2 + 3


@pytest.mark.parametrize(
    ("status", "words"),
    [(0, "exit 0"), (3 << 8, "exit 3"), (15, "killed by SIGTERM"), (9 | 0x80, "killed by SIGKILL")],
)
def test_a_wait_status_in_words(status: int, words: str) -> None:
    assert _status(status) == words


def event(at: float, kind: str, pid: int, ppid: int, detail: str = "") -> ProcessEvent:
    return ProcessEvent(at, kind, pid, ppid, host_pid=1000 + pid, detail=detail)


# A parent (10) forks a child (11) that exits and is reaped by the parent, and one (12)
# that it never waits for; the parent is killed and PID 1 reaps 12 later.
EVENTS = (
    event(0.0, "exec", 1, 0, "/usr/bin/tini -- sleep infinity"),
    event(0.1, "exec", 10, 0, "python3 parent.py"),
    event(0.2, "fork", 11, 10),
    event(0.3, "fork", 12, 10),
    event(0.4, "exit", 11, 10, "exit 0"),
    event(0.41, "reap", 11, 10),
    event(0.5, "exit", 12, 10, "exit 0"),
    event(2.0, "exit", 10, 0, "killed by SIGTERM"),
    event(2.0003, "reap", 12, 10, ORPHAN),
    event(2.001, "reap", 10, 0),
)


def test_reaps_are_told_apart_and_timed_from_when_they_could_be() -> None:
    life = lifecycle.lifecycle(EVENTS)
    assert (life.forks, life.execs, life.exits) == (2, 2, 3)
    by_pid = {r.pid: r for r in life.reaps}
    assert by_pid[11].by == lifecycle.BY_PARENT
    assert by_pid[11].latency_s == pytest.approx(0.01)
    orphan = by_pid[12]
    assert orphan.by == lifecycle.BY_ADOPTER
    assert orphan.reapable_s == 2.0  # its parent's death, not its own exit at 0.5
    assert orphan.latency_s == pytest.approx(0.0003)
    assert life.unreaped == 0
    assert (life.peak_zombies, life.peak_at_s) == (2, 2.0)  # 12, and the killed parent


def test_a_reap_at_the_death_of_a_killed_parent_is_the_adopter_s() -> None:
    """The kernel hands the children over microseconds before it sends the parent's exit:
    a reap seen within CLOSE_S of a parent killed by a signal is the adopter's."""
    for at in (1.9995, 2.0003):
        events = (*EVENTS[:-2], event(at, "reap", 12, 10))
        (close,) = [r for r in lifecycle.lifecycle(events).reaps if r.pid == 12]
        assert close.by == lifecycle.BY_ADOPTER and close.reapable_s == 2.0
    early = (*EVENTS[:-2], event(2.0 - 2 * lifecycle.CLOSE_S, "reap", 12, 10))
    (before,) = [r for r in lifecycle.lifecycle(early).reaps if r.pid == 12]
    assert before.by == lifecycle.BY_PARENT


def test_a_reap_at_the_exit_of_a_parent_that_exited_by_itself_is_either_s() -> None:
    events = (
        event(0.1, "exec", 10, 0, "sh -c job & wait"),
        event(0.2, "fork", 11, 10),
        event(1.0, "exit", 11, 10, "exit 0"),
        event(1.0004, "reap", 11, 10),  # the shell's wait, then its exit: or the adopter?
        event(1.0005, "exit", 10, 0, "exit 0"),
    )
    (close,) = lifecycle.lifecycle(events).reaps
    assert close.by == lifecycle.BY_EITHER
    assert close.reapable_s == 1.0  # its own exit: who could reap it is not known


def test_reaps_as_pid_1_dies_are_the_container_s_end() -> None:
    """`docker stop`: the kernel kills the namespace's processes with SIGKILL and reaps them
    as PID 1 dies, whatever PID 1 it is."""
    events = (
        event(0.0, "exec", 1, 0, "/usr/bin/python3 /usr/local/sbin/noreap"),
        event(0.1, "exec", 7, 0, "python3 test.py"),
        event(0.2, "fork", 8, 7),
        event(0.3, "exit", 8, 7, "exit 0"),  # a zombie noreap would never reap
        event(5.0, "exit", 7, 0, "killed by SIGKILL"),
        event(5.0004, "reap", 8, 7),
        event(5.0006, "reap", 7, 0),
        event(5.001, "exit", 1, 0, "killed by SIGKILL"),
    )
    life = lifecycle.lifecycle(events)
    assert [r.by for r in life.reaps] == [lifecycle.BY_TEARDOWN] * 2
    assert "2 as the container ended" in lifecycle.counts_line(life)


def test_zombies_never_reaped_are_counted() -> None:
    life = lifecycle.lifecycle(EVENTS[:-2])  # PID 1 never reaps 12, nor anyone the parent
    assert life.unreaped == 2
    assert "2 never reaped" in lifecycle.counts_line(life, lost=0)


def test_the_zombie_curve_is_exact_and_thinned_keeping_its_peak() -> None:
    curve = lifecycle.zombie_curve(EVENTS)
    assert [s.zombies for s in curve] == [0, 0, 0, 0, 1, 0, 1, 2, 1, 0]
    assert [s.processes for s in curve][:4] == [1, 2, 3, 4]
    burst = [event(i * 0.001, "fork", 100 + i, 10) for i in range(5000)]
    burst += [event(5 + i * 0.001, "exit", 100 + i, 10) for i in range(5000)]
    thinned = lifecycle.zombie_curve(burst, most=200)
    assert len(thinned) <= 201
    assert max(s.zombies for s in thinned) == 5000
    assert thinned[-1].zombies == 5000 and thinned[0].at_s == 0.0


def test_quantiles_are_observed_values() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert lifecycle.quantile(values, 0.5) == 3.0
    assert lifecycle.quantile(values, 0.99) == 5.0
    assert lifecycle.quantile(values, 0.0) == 1.0
    with pytest.raises(ValueError):
        lifecycle.quantile([], 0.5)
