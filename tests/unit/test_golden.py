"""Golden normalisation: what changes per run is masked, what the seed shows is kept."""

from __future__ import annotations

from pathlib import Path

from sandbox import golden
from sandbox.lab import CONTAINER_MARK

DATA = Path(__file__).parent.parent / "data"


def test_ps_aux_keeps_the_zombie_and_masks_the_rest() -> None:
    text = (DATA / "ps_aux_grep_z.noreap.txt").read_text()
    assert golden.normalize(text).splitlines()[1:] == [
        "root P1 %CPU %MEM 0 0 ? Z START TIME [python3] <defunct>",
        "root P2 %CPU %MEM VSZ RSS ? STAT START TIME grep Z",
    ]


def test_top_keeps_the_task_counts_that_matter() -> None:
    text = (DATA / "top_bn1.noreap.txt").read_text()
    assert golden.normalize(text).splitlines() == [
        "top ...",
        "Tasks: 7 total, 0 stopped, 1 zombie",
        "%Cpu(s) ...",
        "MiB Mem  ...",
        "MiB Swap ...",
    ]


def test_pids_are_renamed_in_numeric_order_per_container() -> None:
    run_a = (
        "# ── a fresh container\n[1] 13\n14 is done\n13 is done\n# ── a fresh container\n[1] 7\n"
    )
    run_b = (
        "# ── a fresh container\n[1] 15\n16 is done\n15 is done\n# ── a fresh container\n[1] 9\n"
    )
    assert golden.normalize(run_a) == golden.normalize(run_b)
    assert "[1] P1\nP2 is done\nP1 is done" in golden.normalize(run_a)


def test_what_is_not_a_pid_stays() -> None:
    text = "[1] 13\nexitcode -15\n[Errno 11] no\nfork #29 failed\nPID 1\n[1]+  Exit 143  x\n0.5 s\n"
    assert golden.normalize(text) == (
        "[1] P1\nexitcode -15\n[Errno 11] no\nfork #29 failed\nPID 1\n[1]+  Exit 143  x\n0.5 s\n"
    )


def test_scenario_masks_come_first() -> None:
    masks = ((r"^子 (\d+)\n主 (\d+)$", r"主 \2\n子 \1"),)
    assert golden.normalize("子 14\n主 13\n", masks) == golden.normalize("主 13\n子 14\n", masks)


def test_a_renamed_pid_keeps_its_column_whatever_its_digits() -> None:
    def table(sleep_pid: int) -> str:
        return (
            f"{CONTAINER_MARK}\n$ ps -eo pid,ppid,stat,args\n    PID    PPID STAT COMMAND\n"
            f"      1       0 Ss   tini\n{sleep_pid:>7} {1:>7} R    sleep infinity\n"
            f"{14:>7} {sleep_pid:>7} Z    [python3] <defunct>\n"
        )

    one_digit, two_digits = golden.normalize(table(8)), golden.normalize(table(10))
    assert one_digit == two_digits
    assert "     P1       1 S    sleep infinity" in one_digit  # R or S: masked alike
    assert "     P2      P1 Z    [python3] <defunct>" in one_digit


def test_a_traceback_line_number_is_not_a_pid() -> None:
    text = f'{CONTAINER_MARK}\n  File "/root/test.py", line 18, in <module>\n子 14\n'
    assert golden.normalize(text).splitlines()[1:] == [
        '  File "/root/test.py", line #18, in <module>',
        "子 P1",
    ]
