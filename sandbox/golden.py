"""Golden transcripts: a scenario's transcript as it must read, minus what changes per run.

What is masked: the columns of `ps aux` that change from run to run (%CPU, %MEM, START,
TIME, and VSZ/RSS of live processes; a zombie's 0/0 stays), the clock, load and memory
lines of `top`, its running/sleeping split, and whatever the scenario's `golden_masks`
name. Every whole number from 6 up is taken for a PID and renamed P1, P2, ... in numeric
order within each container (a count a mask marks `#29`, and an `[Errno 11]`, are not):
PIDs are not the same from run to run, because `docker exec` runs runc's Go init inside
the container's PID namespace and its threads take a varying number of PIDs (the first
exec'd process was PID 6 to 8, measured). 1 to 5 stay as they are. A renamed PID that
was right-aligned in a table column stays right-aligned at the same edge, so a PID of one
digit in one run and two in the next reads the same. Also masked: a traceback's line
number (`line #18`: not a PID), and R or D in a `ps -eo` row (running or asleep is a
matter of microseconds). A kernel's names for where a process waits (`wchan`) are read as
the recording kernel's (proctable.KERNEL_WAITS). The golden files are kept beside the scenario, in
golden/<init>.txt; `make golden` rewrites them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

from sandbox.lab import CONTAINER_MARK
from sandbox.proctable import same_kernel_waits
from sandbox.scenario import Scenario

PS_AUX_ROW = re.compile(
    r"^(?P<user>\S+)\s+(?P<pid>\d+)\s+\S+\s+\S+\s+(?P<vsz>\d+)\s+(?P<rss>\d+)\s+(?P<tty>\S+)\s+"
    r"(?P<stat>\S+)\s+\S+\s+\d+:\d+\s+(?P<cmd>.*)$"
)
TOP_VOLATILE = re.compile(r"^(top - |%Cpu\(s\):|[KMG]iB (Mem|Swap)\s*:)")
TASKS = re.compile(
    r"^Tasks:\s*(\d+) total,\s*\d+ running,\s*\d+ sleeping,\s*(\d+) stopped,\s*(\d+) zombie"
)
# A row of `ps -eo pid,ppid,stat,args` (and of the controller's own tables).
PS_EO_ROW = re.compile(r"^(?P<ids>\s*\d+\s+\d+\s+)(?P<stat>[RD])(?P<rest>\S*\s+.*)$")
# A traceback's line number: a count, not a PID.
TRACEBACK_LINE = re.compile(r'^(?P<file>\s*File ".*", line )(?P<n>\d+)')
NOT_PIDS = re.compile(r"^(Tasks:|\[1\]\+  Exit )")
# A whole number of 6 or more, not part of a decimal, a time, a negative number or a word,
# nor an errno (`[Errno 11]`) or a count a scenario's mask marked with `#` (`#29`).
PID_LIKE = re.compile(r"(?<![\d.:\-\w#])(?<!Errno )(?:[6-9]|[1-9]\d+)(?![\d.:\w])")
# The same, with the spaces that right-align it in a table column before it.
ALIGNED_PID = re.compile(rf"(?P<pad> {{2,}})?(?P<pid>{PID_LIKE.pattern})")


def path(scenario: Scenario, init: str) -> Path:
    return scenario.directory / "golden" / f"{init}.txt"


def normalize(transcript: str, masks: Iterable[tuple[str, str]] = ()) -> str:
    """The transcript with everything that changes from run to run masked or renamed."""
    transcript = same_kernel_waits(transcript)  # first: the scenarios' masks name them
    for pattern, replacement in masks:
        transcript = re.sub(pattern, replacement, transcript, flags=re.MULTILINE)
    lines: list[str] = []
    segment: list[str] = []
    for line in transcript.splitlines():
        if line.startswith(CONTAINER_MARK):  # PIDs start afresh in each container
            lines += _rename_pids(segment)
            segment = []
        segment.append(_mask(line))
    lines += _rename_pids(segment)
    return "\n".join(lines) + "\n"


def _mask(line: str) -> str:
    if row := PS_AUX_ROW.match(line):
        zombie = row["stat"].startswith("Z")
        size = f"{row['vsz']} {row['rss']}" if zombie else "VSZ RSS"
        # The learner's own grep/ps is running or about to sleep: either is right.
        stat = "STAT" if row["cmd"].startswith(("grep ", "ps ")) else row["stat"]
        return (
            f"{row['user']} {row['pid']} %CPU %MEM {size} {row['tty']} {stat} "
            f"START TIME {row['cmd']}"
        )
    if row := PS_EO_ROW.match(line):  # running or asleep: a matter of microseconds
        return f"{row['ids']}S{row['rest']}"
    if traceback := TRACEBACK_LINE.match(line):
        return f"{traceback['file']}#{traceback['n']}{line[traceback.end() :]}"
    if TOP_VOLATILE.match(line):
        return line.split(" - " if line.startswith("top") else ":")[0] + " ..."
    if tasks := TASKS.match(line):
        total, stopped, zombie = tasks.groups()
        return f"Tasks: {total} total, {stopped} stopped, {zombie} zombie"
    return line


def _rename_pids(lines: list[str]) -> list[str]:
    """Numbers that can be PIDs (6 and up: runc takes 2-5) become P1, P2... in numeric order.

    In numeric order, not order of appearance: the kernel hands out PIDs in the order the
    processes were made, which is the scenario's own order, while the order they print in
    may be a race (which worker says `is done` first).
    """
    renamed = [line for line in lines if not NOT_PIDS.match(line)]
    numbers = sorted({int(n) for line in renamed for n in PID_LIKE.findall(line)})
    names = {str(n): f"P{i}" for i, n in enumerate(numbers, start=1)}

    def rename(match: re.Match[str]) -> str:
        # A right-aligned column stays right-aligned, whatever the PID's digits were.
        name, pad = names[match["pid"]], match["pad"]
        return name.rjust(len(pad) + len(match["pid"])) if pad else name

    return [line if NOT_PIDS.match(line) else ALIGNED_PID.sub(rename, line) for line in lines]


def differences(scenario: Scenario, init: str, transcript: str) -> list[str]:
    """A unified diff of the golden file against this transcript (empty: they agree)."""
    golden = path(scenario, init)
    if not golden.is_file():
        return [f"no golden file {golden}: run `make golden`"]
    actual = normalize(transcript, scenario.golden_masks)
    return list(
        difflib.unified_diff(
            golden.read_text().splitlines(),
            actual.splitlines(),
            fromfile=str(golden),
            tofile="this run",
            lineterm="",
        )
    )
