"""join-reaps: the seed's 解决方法二 and 思考 — p.join() reaps; p.pid outlives the process.

Steps:
  `python3 join_pid.py &`: task() prints `<pid> is running` and sleeps 3 s; the parent
  joins it, then prints p.pid and 主, and (not in the seed) stays alive.
  While task() sleeps: `ps aux | grep <pid>` lists it.
  After 主: `ps aux | grep Z` shows no zombie, and `ps aux | grep <pid>` no longer lists
  the PID the parent just printed. Then the controller kills the parent.
"""

from __future__ import annotations

import re

from sandbox.lab import Lab
from sandbox.proctable import find, parse_ps_aux
from sandbox.scenario import Scenario, expect

SCRIPT = "python3 join_pid.py"
RUNNING = re.compile(r"(?m)^(\d+) is running$")
# print(p.pid) then print('主'): only the parent prints by then (task() has ended).
PID_THEN_ZHU = re.compile(r"(?m)^(\d+)\n主$")
# task() sleeps 3 s (the seed's) before join() returns; 10 s more for a loaded machine.
JOIN_WAIT_S = 3 + 10.0

# One row of `ps aux`: USER PID %CPU %MEM VSZ RSS ...
PS_ROW = r"\S+ +\d+ +[\d.]+ +[\d.]+ +\d+ +\d+ .*\n"
GOLDEN_MASKS = (
    # `grep PID` also matches lines where those digits appear in another column (a START
    # time such as 16:01, %CPU, VSZ), and which ones varies: keep only the PID's own row.
    (
        rf"^(\$ ps aux \| grep (\d+)\n)(?:(?!\S+ +\2 ){PS_ROW})*(?:(\S+ +\2 .*\n)(?:{PS_ROW})*)?",
        r"\1\3",
    ),
)


def printed_pid(pattern: re.Pattern[str], output: str) -> int:
    match = pattern.search(output)
    assert match is not None
    return int(match.group(1))


def drive(lab: Lab) -> None:
    with lab.box() as box:
        lab.say("思考: p.join(), then print(p.pid) — 此时能否看到子进程p的id号?")
        job = box.start(SCRIPT)
        main_pid = job.pid()
        child_pid = printed_pid(RUNNING, job.wait_for_output(RUNNING.pattern))
        # For the learner's contrast: ps lists task() while it sleeps. No check rests on
        # it (the golden transcript does: the seed's 3 s against a capture of ~0.3 s).
        during = box.capture("while task() sleeps", f"ps aux | grep {child_pid}")
        _, rows = parse_ps_aux(during.transcript)
        seen = next((r for r in rows if r.pid == child_pid), None)

        output = job.wait_for_output(PID_THEN_ZHU.pattern, JOIN_WAIT_S)
        pid_after_join = printed_pid(PID_THEN_ZHU, output)
        snapshot = box.capture("after 主", "ps aux | grep Z", f"ps aux | grep {pid_after_join}")
        grep_z, grep_pid = snapshot.transcript.split(f"$ ps aux | grep {pid_after_join}\n")
        main = find(snapshot.processes, main_pid)
        alive = f"the parent (pid {main_pid}) is {main.state if main else 'gone'}"

        _, z_rows = parse_ps_aux(grep_z)
        zombies = [r.pid for r in z_rows if r.is_zombie]
        zombies += [p.pid for p in snapshot.processes if p.state == "Z"]
        lab.check(
            "join-leaves-no-zombie",
            main is not None and main.state == "S" and not zombies,
            f"after 主, {alive} in time.sleep(1000) and `ps aux | grep Z` (and the table) "
            f"show {len(zombies)} zombies" + (f": {sorted(set(zombies))}" if zombies else ""),
        )
        lab.check(
            "pid-still-printed",
            pid_after_join == child_pid,
            f"after join() the parent printed p.pid {pid_after_join}; task() had printed "
            f"`{child_pid} is running`",
        )
        _, pid_rows = parse_ps_aux(grep_pid)
        listed = next((r for r in pid_rows if r.pid == pid_after_join), None)
        in_table = find(snapshot.processes, pid_after_join)
        lab.check(
            "ps-no-longer-lists-pid",
            main is not None and listed is None and in_table is None,
            f"{alive}, yet `ps aux | grep {pid_after_join}` "
            + (f"lists it: {listed.stat} {listed.command}" if listed else "has no such PID")
            + (f" and the table has it ({in_table.state})" if in_table else "")
            + (
                f"; while task() slept it was listed (STAT {seen.stat})"
                if seen
                else "; (the earlier look came too late to see it running)"
            ),
        )

        lab.say("the seed's script would end here; ours sleeps, so kill it")
        box.kill(main_pid)
        job.wait()


SCENARIO = Scenario(
    name="join-reaps",
    title="2.僵尸进程与孤儿进程 — 解决方法二 + 思考",
    summary="p.join() reaps the child: no zombie, and p.pid names a process that is gone.",
    explanation="""\
task() prints its PID and sleeps 3 s; meanwhile ps lists it (STAT S). The parent is in
p.join(), which calls waitpid(): when task() returns, the child exits and the parent
collects its exit status at once, so the child never lingers as a zombie. That is why
`ps aux | grep Z` finds nothing after 主 (grep's own line, and the header, match Z).

p.pid is still printed after join(): it is just a number the Process object keeps. The
kernel has released that PID, and `ps aux | grep PID` no longer lists a process with it
(other lines may match the digits, e.g. in a START time), although the parent is alive
and still holds p: as the seed says, 该身份证已经没有意义. (The seed's script ends after 主;
here it sleeps so that ps can be looked at while the parent lives, and is then killed:
exit 143 = 128 + SIGTERM.)

PID 1 plays no part: the parent reaps its own child, so it is the same under noreap and
tini.""",
    expectations=(
        expect(
            "join-leaves-no-zombie",
            "after p.join() and 主, with the parent alive, no process is a zombie",
            noreap=True,
            tini=True,
        ),
        expect(
            "pid-still-printed",
            "after join() the parent still prints p.pid, the PID task() reported",
            noreap=True,
            tini=True,
        ),
        expect(
            "ps-no-longer-lists-pid",
            "after join(), `ps aux | grep <p.pid>` no longer lists that PID",
            noreap=True,
            tini=True,
        ),
    ),
    drive=drive,
    timeout_s=40.0,
    golden_masks=GOLDEN_MASKS,
)
