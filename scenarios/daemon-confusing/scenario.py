"""daemon-confusing: the seed's 迷惑人的例子 — the daemon p1 dies with the main code, p2 runs on.

Steps:
  `python3 confusing.py &`: p1 (daemon) prints 123, sleeps 1 s, would print end123; p2
  prints 456, sleeps 3 s, prints end456; the main code prints main------- and ends.
  Once main------- is out, the table shows the main still alive (waiting for p2) with p1
  gone (read from the table, not typed, so the transcript is the script's alone); the
  script ends after end456, and end123 never appears. Under `none` the script is PID 1:
  the container ends with it, so nothing is left to look at afterwards.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from sandbox.lab import Lab, Table
from sandbox.model import Process
from sandbox.proctable import children_of, find
from sandbox.scenario import Scenario, everywhere, expect

SCRIPT = "python3 confusing.py"
# Each print() writes its text in one piece (the newline separately), so the words of the
# three processes may run together ("main-------123") but never split: scan for words,
# longest first, instead of reading lines.
WORDS = re.compile(r"end123|end456|main-------|123|456")
# p2 sleeps 3 s (the seed's) before the script can end; 10 s more for a loaded machine.
END_WAIT_S = 3 + 10.0
GOLDEN_MASKS = (
    # Until end456, the three processes' words come in any order, run together, and 123
    # only sometimes: the golden file has them in the seed's order, without 123.
    (r"^(\[1\] \d+\n)(?:main-------|123|456|\n)*(?=end456\n)", "\\1main-------\n#456\n"),
    # 456 is what bar() prints, not a PID: the `#` keeps it from being renamed as one.
)


def after_main_code(main_pid: int) -> Callable[[Table], tuple[str, tuple[Process, ...]] | None]:
    """What the table shows once main------- is printed: the main with one child left.

    For the learner's picture only (no check rests on its timing): if the controller
    looked too late (p2 done, the main gone) that is what it reports.
    """

    def found(table: Table) -> tuple[str, tuple[Process, ...]] | None:
        main = find(table, main_pid)
        if main is None:
            return ("gone", ())
        live = tuple(c for c in children_of(table, main_pid) if c.state != "Z")
        if len(live) == 2:
            return None  # p1 not terminated yet: the main's exit has just begun
        return ("waiting" if live else "done", live)

    return found


def drive(lab: Lab) -> None:
    with lab.box() as box:
        baseline = {p.pid for p in box.processes()}  # PID 1 (and tini's `sleep infinity`)
        lab.say("迷惑人的例子: p1 is a daemon, p2 is not")
        job = box.start(SCRIPT)
        main_pid = job.pid()
        job.wait_for_output("main-------")
        printed_at = time.monotonic()
        state, left = box.wait_for(
            "the main code to be over (p1 terminated)", after_main_code(main_pid)
        )
        seen_after_s = time.monotonic() - printed_at
        # No snapshot here: what the controller typed would land among the script's own
        # prints (p1's 123 can come late), and the transcript would differ from run to run.
        status = job.wait(END_WAIT_S)
        output = job.output
        # At once (see the daemon scenario): the container runs on, or ended with its PID 1.
        ended = box.ended(timeout_s=0)
        if ended is None:
            after = box.capture("after the script ended", "ps aux | grep confusing")
            remaining = [p for p in after.processes if p.pid not in baseline]
        else:
            lab.say(
                f"the script was PID 1: the container ended with it (exit {ended}); "
                "nothing is left in it to look at"
            )
            remaining = []

    words = WORDS.findall(output)
    seen = {w: words.count(w) for w in ("main-------", "123", "456", "end123", "end456")}
    lab.fact("printed_123", "yes" if seen["123"] else "no")
    lab.check(
        "main-456-end456-printed",
        seen["main-------"] == seen["456"] == seen["end456"] == 1 and status == 0,
        f"printed main------- ×{seen['main-------']}, 456 ×{seen['456']}, end456 "
        f"×{seen['end456']}; the script exited {status} after end456 "
        "(the main waits for p2, which is not a daemon)",
    )
    picture = {
        "waiting": f"once main------- was out, the main (pid {main_pid}) was alive with one "
        f"child left, pid {left[0].pid if left else '?'} (p2), {seen_after_s * 1000:.0f} ms "
        "after main------- was read; p1 was gone",
        "done": "by the time the controller looked after main-------, p2 had ended too",
        "gone": "by the time the controller looked after main-------, the script had ended",
    }[state]
    lab.check(
        "end123-never-printed",
        seen["end123"] == 0 and not remaining,
        f"end123 printed ×{seen['end123']} (123 ×{seen['123']}); {picture}; after the "
        "script ended "
        + (
            f"the container ended with it, its PID 1 (exit {ended}), so nothing can print "
            "end123 later"
            if ended is not None
            else "the container held nothing of it, so nothing can print end123 later"
            if not remaining
            else "the container held " + ", ".join(f"{p.pid} {p.state} {p.cmd}" for p in remaining)
        ),
    )


SCENARIO = Scenario(
    name="daemon-confusing",
    title="迷惑人的例子",
    summary="A daemon dies when the main code ends; a non-daemon child runs on to its end.",
    explanation="""\
The main code starts p1 (a daemon) and p2 (not one), prints main------- and is over.
The interpreter does not exit yet: at exit multiprocessing terminates the daemonic
children (SIGTERM) and then waits for the others. So p1 is killed within milliseconds,
well inside its time.sleep(1): end123 never appears. p2 is waited for: 456 at once and
end456 after 3 s, and only then does the script end.

Whether 123 appears depends on a race: p1 prints it as soon as it runs, but the main
may get to the end of its code and terminate p1 before p1 has been scheduled at all
(see the run's facts: printed_123). That is the seed's 可能会有p1任务执行的打印信息123.

Words of the three processes may run together on the terminal (e.g. `main-------123`):
each print() writes its text and its newline separately.

Nothing is orphaned, so the init plays no part. Under `none` (Docker's default) the
script itself is PID 1, and the run is the same: PID 1 too waits at exit for p2, so the
container lives until end456, and then ends with the script (when a PID namespace's
PID 1 exits, the kernel kills whatever else is in it; here nothing is).""",
    expectations=(
        expect(
            "main-456-end456-printed",
            "main-------, 456 and end456 are printed; the script ends after end456",
            **everywhere(),
        ),
        expect(
            "end123-never-printed",
            "the daemon p1 is terminated when the main code ends: end123 never appears",
            **everywhere(),
        ),
    ),
    drive=drive,
    timeout_s=40.0,
    # Inherent: p2's time.sleep(3), which the main waits for (p1's sleep is cut short).
    inherent_s=3.0,
    golden_masks=GOLDEN_MASKS,
)
