"""zombie: the seed's 四:测试 — a child that exits while its parent sleeps stays a zombie.

Steps, as the seed runs them:
  #2  `python3 test.py &` at a shell, then `ps aux | grep Z` and `top`: one zombie.
  #3  解决方法一: kill the parent. The zombie is orphaned and handed to PID 1, which either
      reaps it (tini) or never does (noreap).
      解决方法二: `p.join()` (test_join.py) waits for the child: no zombie at all.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.inits import REAP_WINDOW_S
from sandbox.lab import Box, Lab, Table
from sandbox.model import Process
from sandbox.proctable import children_of, find, parse_ps_aux, parse_top_tasks
from sandbox.scenario import Scenario, expect


def zombie_child_of(parent_pid: int) -> Callable[[Table], tuple[Process, Process] | None]:
    """A finder for wait_for: (parent, zombie child) once `parent_pid` sleeps beside a zombie."""

    def found(table: Table) -> tuple[Process, Process] | None:
        parent = find(table, parent_pid)
        zombie = next((c for c in children_of(table, parent_pid) if c.state == "Z"), None)
        return (parent, zombie) if parent and parent.state == "S" and zombie else None

    return found


def printed_by_both(parent: Process, child: Process) -> Callable[[str], bool]:
    """Whether the parent printed `主 <its pid>` and the child `子 <its pid>`, in either order.

    Parent and child print at the same moment to one terminal: which line comes first is
    a race. Each line is one write (prints are line-buffered, as on a terminal).
    """

    def printed(output: str) -> bool:
        lines = set(output.splitlines())
        return f"主 {parent.pid}" in lines and f"子 {child.pid}" in lines

    return printed


def seed_part(lab: Lab, box: Box) -> None:
    lab.say("#2 在unix或linux系统上执行")
    job = box.start("python3 test.py")
    parent, zombie = box.wait_for("a zombie child of python3 test.py", zombie_child_of(job.pid()))
    output = job.wait_for_output(r"(?s)主.*子|子.*主")  # both have printed (in either order)
    lab.check(
        "seed-output",
        printed_by_both(parent, zombie)(output),
        f"python3 test.py (pid {parent.pid}) and its child (pid {zombie.pid}) printed "
        f"{output!r}: 主 and 子 with their PIDs",
    )

    snapshot = box.capture("zombie", "ps aux | grep Z", "top -bn1 | head -5")
    header, rows = parse_ps_aux(snapshot.transcript.split("$ top")[0])
    line = next((r for r in rows if r.pid == zombie.pid), None)
    grep = any(r.command.startswith("grep") and r.command.endswith("Z") for r in rows)
    lab.check(
        "ps-shows-zombie",
        header
        and grep
        and line is not None
        and line.stat.startswith("Z")
        and (line.vsz, line.rss) == (0, 0)
        and line.command == "[python3] <defunct>",
        f"header {'shown' if header else 'missing'}; zombie line: "
        + (
            f"PID {line.pid} STAT {line.stat} VSZ {line.vsz} RSS {line.rss} {line.command}"
            if line
            else "missing"
        )
        + f"; grep line {'shown' if grep else 'missing'}",
    )
    tasks = parse_top_tasks(snapshot.transcript)
    lab.check(
        "top-counts-one-zombie",
        tasks is not None and tasks.zombie == 1,
        f"top's Tasks line counts {tasks.zombie} zombie" if tasks else "top printed no Tasks line",
    )
    alive = find(snapshot.processes, parent.pid)
    lab.check(
        "zombie-waits-for-its-parent",
        alive is not None and alive.state == "S" and zombie.ppid == parent.pid,
        f"zombie {zombie.pid} has PPID {zombie.ppid}: python3 test.py, alive "
        f"({alive.state if alive else 'gone'}) in time.sleep(1000) and never calling wait()",
    )

    lab.say("#3 解决方法一:杀死父进程")
    box.kill(parent.pid)
    status = job.wait()
    stayed, held_s, last = box.stays(
        f"zombie {zombie.pid} to stay",
        lambda table: (z := find(table, zombie.pid)) is not None and z.state == "Z",
        REAP_WINDOW_S,
    )
    adopted = find(last, zombie.pid)
    lab.check(
        "orphaned-zombie-stays",
        stayed and adopted is not None and adopted.ppid == 1,
        (
            f"zombie {zombie.pid} now has PPID {adopted.ppid} and is still <defunct> "
            f"{held_s:.1f} s after its parent died (exit {status}): PID 1 never waits"
            if stayed and adopted
            else f"zombie {zombie.pid} was reaped {held_s * 1000:.0f} ms after its parent died "
            f"(exit {status}): PID 1 adopted it and waited for it"
        ),
    )
    box.capture("after killing the parent", "ps aux | grep Z", "ps -eo pid,ppid,stat,args")


def join_part(lab: Lab, box: Box) -> None:
    lab.say("解决方法二:对开启的子进程应该记得使用join,join会回收僵尸进程")
    job = box.start("python3 test_join.py")
    job.wait_for_output("主")  # printed only after p.join() returned
    snapshot = box.capture("after join", "ps aux | grep Z")
    parent = find(snapshot.processes, job.pid())
    _, rows = parse_ps_aux(snapshot.transcript)
    zombies = [p for p in snapshot.processes if p.state == "Z"] + [r for r in rows if r.is_zombie]
    lab.check(
        "join-leaves-no-zombie",
        parent is not None and parent.state == "S" and not zombies,
        f"python3 test_join.py (pid {parent.pid if parent else '?'}) is alive after join(); "
        f"zombies: {len(zombies)}",
    )


def drive(lab: Lab) -> None:
    with lab.box() as box:
        seed_part(lab, box)
    with lab.box() as box:
        join_part(lab, box)


SCENARIO = Scenario(
    name="zombie",
    title="2.僵尸进程与孤儿进程 — 四:测试",
    summary="A child exits while its parent sleeps: a zombie; kill the parent, or join() it.",
    explanation="""\
The child printed 子 and exited at once, but its parent (python3 test.py) sleeps for 1000 s
and never calls wait(): the kernel keeps the child's exit status for it, so the child is
a zombie — STAT Z, VSZ 0, RSS 0, `[python3] <defunct>` — and top counts `1 zombie`.
(The header line shows too: `grep Z` matches the Z of VSZ.)

Killing the parent (解决方法一) orphans the zombie; the kernel hands it to PID 1. Under
`tini` PID 1 waits for it and it is gone in milliseconds. Under `noreap` PID 1 never
calls wait(): the zombie stays, now with PPID 1, for the container's whole life — the
tutorial's "init will reap it" holds only when PID 1 is a real init.

With p.join() (解决方法二) the parent waits for its child itself: no zombie at all,
whatever PID 1 is.""",
    expectations=(
        expect(
            "seed-output",
            "the script prints 主 <parent pid> and 子 <child pid>",
            noreap=True,
            tini=True,
        ),
        expect(
            "ps-shows-zombie",
            "`ps aux | grep Z` shows the header, the zombie "
            "(Z, VSZ 0, RSS 0, [python3] <defunct>) and grep",
            noreap=True,
            tini=True,
        ),
        expect("top-counts-one-zombie", "top's Tasks line says 1 zombie", noreap=True, tini=True),
        expect(
            "zombie-waits-for-its-parent",
            "the zombie's parent is the sleeping python3 test.py, which never waits",
            noreap=True,
            tini=True,
        ),
        expect(
            "orphaned-zombie-stays",
            "after its parent is killed, the zombie is adopted by PID 1 "
            f"and still there {REAP_WINDOW_S:g} s later",
            noreap=True,
            tini=False,
        ),
        expect("join-leaves-no-zombie", "with p.join() no zombie is left", noreap=True, tini=True),
    ),
    drive=drive,
    timeout_s=60.0,
    # Parent and child print at the same moment: either line may come first.
    golden_masks=((r"^子 (\d+)\n主 (\d+)$", r"主 \2\n子 \1"),),
)
