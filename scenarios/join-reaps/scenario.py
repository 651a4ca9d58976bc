"""join-reaps: the seed's 解决方法二 and 思考 — p.join() reaps; p.pid outlives the process.

Steps:
  `python3 join_pid.py &`: task() prints `<pid> is running` and sleeps 3 s; the parent
  joins it, then prints p.pid and 主, and (not in the seed) stays alive.
  While task() sleeps: `ps aux | grep <pid>` lists it.
  After 主: `ps aux | grep Z` shows no zombie, and `ps aux | grep <pid>` no longer lists
  the PID the parent just printed. Then the controller kills the parent: `kill -TERM`.
  Under `none` the parent is PID 1, which the kernel shields from a signal it has no
  handler for: /proc/1/status shows SIGTERM was dropped, and `kill -INT 1` ends it.
"""

from __future__ import annotations

import re

from sandbox.lab import Lab
from sandbox.proctable import find, parse_ps_aux
from sandbox.scenario import Scenario, everywhere, expect

SCRIPT = "python3 join_pid.py"
RUNNING = re.compile(r"(?m)^(\d+) is running$")
# print(p.pid) then print('主'): only the parent prints by then (task() has ended).
PID_THEN_ZHU = re.compile(r"(?m)^(\d+)\n主$")
# task() sleeps 3 s (the seed's) before join() returns; 10 s more for a loaded machine.
JOIN_WAIT_S = 3 + 10.0

# What /proc/1/status says about PID 1's signals: its state, what is pending (for the
# thread, for the process), which signals it has handlers for.
STATUS_FIELDS = "^(State|SigPnd|ShdPnd|SigCgt):"

# One row of `ps aux`: USER PID %CPU %MEM VSZ RSS ...
PS_ROW = r"\S+ +\d+ +[\d.]+ +[\d.]+ +\d+ +\d+ .*\n"
GOLDEN_MASKS = (
    # `grep PID` also matches lines where those digits appear in another column (a START
    # time such as 16:01, %CPU, VSZ), and which ones varies: keep only the PID's own row.
    (
        rf"^(\$ ps aux \| grep (\d+)\n)(?:(?!\S+ +\2 ){PS_ROW})*(?:(\S+ +\2 .*\n)(?:{PS_ROW})*)?",
        r"\1\3",
    ),
    # Under `none`, the traceback of the KeyboardInterrupt: its line number and the
    # script's sleep are not PIDs. Marked `#`, they are not renamed with them (renamed,
    # their P-names would shift whenever a PID came out above the line number, 21).
    (r'^(  File "[^"]+", line )(\d+)', r"\1#\2"),
    (r"^(    time\.sleep\()(\d+)\)$", r"\1#\2)"),
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
        if main_pid != 1:
            status = job.wait()
            lab.check(
                "kill-ends-parent",
                status == 143,
                f"`kill -TERM {main_pid}` ended the parent: its shell saw exit {status} "
                "(143 = 128 + SIGTERM)",
            )
            return
        # PID 1 (under `none`): the kernel drops a signal it has no handler for. Look at
        # once, with no window: had SIGTERM been queued, it would still be pending (SigPnd
        # or ShdPnd) or the process would be on its way out, not asleep; once the kill has
        # returned, asleep with nothing pending means it was thrown away.
        status_lines = box.type(f"grep -E '{STATUS_FIELDS}' /proc/1/status")
        fields = dict(re.findall(r"(?m)^(\w+):\s*(.*)$", status_lines))
        pending = [name for name in ("SigPnd", "ShdPnd") if int(fields.get(name, "1"), 16)]
        asleep = fields.get("State", "").startswith("S")
        caught = int(fields.get("SigCgt", "0"), 16)
        lab.say(
            "PID 1 gets no default action for a signal: one it has no handler for is "
            "dropped. Python handles SIGINT (KeyboardInterrupt): that one ends it, as Ctrl-C would"
        )
        box.kill(main_pid, "INT")
        status = job.wait()
        lab.check(
            "kill-ends-parent",
            not asleep or bool(pending),
            f"after `kill -TERM 1` the parent, PID 1, was {fields.get('State', '?')} with "
            f"nothing pending (SigPnd {fields.get('SigPnd', '?')}, ShdPnd "
            f"{fields.get('ShdPnd', '?')}): the signal was dropped, as PID 1 has no handler "
            f"for it (SigCgt {caught:#x}); `kill -INT 1` then ended it with exit {status} "
            "(KeyboardInterrupt: 130 = 128 + SIGINT)"
            if asleep and not pending
            else f"after `kill -TERM 1` PID 1 was {fields.get('State', '?')}, pending "
            f"{pending}: the signal was not dropped; the script exited {status}",
        )


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

The init plays no part in the reaping: the parent reaps its own child, so it is the same
under every PID 1 mode. Where it shows is the end. Under `none` (Docker's default) the
script itself is PID 1, and the kernel gives PID 1 no default action for a signal: one
it has no handler for is thrown away. `kill -TERM 1` does nothing (/proc/1/status: still
asleep, nothing pending, and SigCgt, the signals it handles, is just SIGINT's bit); that
is why `docker stop` of such a container waits out its grace period. `kill -INT 1` works,
because Python handles SIGINT itself: KeyboardInterrupt, exit 130.""",
    expectations=(
        expect(
            "join-leaves-no-zombie",
            "after p.join() and 主, with the parent alive, no process is a zombie",
            **everywhere(),
        ),
        expect(
            "pid-still-printed",
            "after join() the parent still prints p.pid, the PID task() reported",
            **everywhere(),
        ),
        expect(
            "ps-no-longer-lists-pid",
            "after join(), `ps aux | grep <p.pid>` no longer lists that PID",
            **everywhere(),
        ),
        expect(
            "kill-ends-parent",
            "`kill -TERM <parent>` ends the sleeping parent (which has no SIGTERM handler)",
            **everywhere(none=False),
        ),
    ),
    drive=drive,
    timeout_s=40.0,
    # Inherent: task()'s time.sleep(3), which join() (and the scenario, for 主) waits through.
    inherent_s=3.0,
    golden_masks=GOLDEN_MASKS,
)
