"""pid1-signals: `docker stop` and Ctrl-C against each PID 1 — the seed's test.py as the workload.

The seed has no section on signals: it only says, in 三:僵尸进程危害场景, that the parent is
dealt with "通过kill发送SIGTERM或者SIGKILL信号". This scenario builds on 四:测试: its
test.py (a parent that starts a child, prints 主, and sleeps 1000 s) is started the way
the other scenarios start it, so under `none` it is PID 1 itself. Then, in a fresh
container each (the container ends every time):

  docker stop -t GRACE_S  SIGTERM to PID 1, SIGKILL once the grace period is out: how
                          long it took, and the container's exit code (143: SIGTERM ended
                          it; 137: SIGKILLed after the grace period).
  Ctrl-C                  SIGINT to PID 1 (`docker kill --signal INT`, which is what an
                          attached `docker run` does with Ctrl-C): does the container end
                          within SIGINT_WINDOW_S, and with which exit code (130: SIGINT).

What decides it is PID 1 alone: the kernel drops a signal PID 1 has no handler for
(except SIGKILL/SIGSTOP from outside its namespace), and Docker signals PID 1 only.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sandbox.lab import Box, Job, Lab, Table
from sandbox.proctable import children_of, find
from sandbox.scenario import Scenario, expect, per_mode

SCRIPT = "python3 test.py"
# docker stop's grace period. Where PID 1 ends on SIGTERM, docker stop took 0.04-0.58 s
# here (70 runs, 10 per mode, on this 2-core machine at a load average of ~10 from other
# runs): 3 s is five times the worst of that, so "before the grace period is out" and
# "the whole grace period" (3.06-3.43 s measured) cannot be confused.
GRACE_S = 3
# How long the container may take to end after SIGINT before it counts as "not stopped".
# Where PID 1 acts on SIGINT the container had ended 0.04-0.47 s after it (same runs):
# as with GRACE_S, no handled SIGINT comes near 3 s.
SIGINT_WINDOW_S = 3.0
# What a container's exit code says, for the details shown to the learner.
MEANING = {
    143: "128 + 15: PID 1 ended on SIGTERM",
    137: "128 + 9: PID 1 was SIGKILLed",
    130: "128 + 2: PID 1 ended on SIGINT",
}


def sleeping_with_zombie(parent: int) -> Callable[[Table], Table | None]:
    """A finder for wait_for: the table once `parent` sleeps and its child has exited.

    Then nothing in the container changes any more until a signal comes (the child stays a
    zombie: its parent sleeps and never waits), and both have printed their lines.
    """

    def found(table: Table) -> Table | None:
        process = find(table, parent)
        child = next(iter(children_of(table, parent)), None)
        asleep = process is not None and process.state == "S"
        return table if asleep and child is not None and child.state == "Z" else None

    return found


def started(lab: Lab, box: Box) -> tuple[Job, Table]:
    """test.py started and asleep in time.sleep(1000), its child exited; the table then."""
    job = box.start(SCRIPT)
    table = box.wait_for(
        f"{SCRIPT} asleep beside its exited child", sleeping_with_zombie(job.pid())
    )
    job.wait_for_output(r"(?s)主.*子|子.*主")  # both have printed (in either order)
    return job, table


def pid1_of(table: Table) -> str:
    pid1 = find(table, 1)
    return f"PID 1 ({pid1.cmd})" if pid1 else "PID 1"


def meaning(code: int) -> str:
    return f"exit code {code} = {MEANING[code]}" if code in MEANING else f"exit code {code}"


def stop_part(lab: Lab) -> None:
    with lab.box() as box:
        lab.say(f"docker stop -t {GRACE_S}: SIGTERM to PID 1, SIGKILL when the grace period is out")
        job, table = started(lab, box)
        box.capture("who is PID 1", "ps -o pid,stat,args -p 1")
        took, code = box.stop(GRACE_S)
        lab.say(f"docker stop took {took:.2f} s")
        job.wait()  # the script's end: PID 1 itself, or killed with the container
    lab.fact("grace_s", GRACE_S)
    lab.fact("stop_s", round(took, 3))
    lab.fact("stop_exit_code", code)
    seen = f"docker stop -t {GRACE_S} took {took:.2f} s, {meaning(code)}; {pid1_of(table)}"
    lab.check(
        "stop-ends-at-once-with-143",
        code == 143 and took < GRACE_S,
        seen
        + (
            " ended on the SIGTERM, before the grace period was out"
            if code == 143
            else " did not end on the SIGTERM"
        ),
    )
    lab.check(
        "stop-waits-out-the-grace-period-137",
        code == 137 and took >= GRACE_S,
        seen
        + (
            f" did nothing on the SIGTERM: docker waited out the {GRACE_S} s and sent SIGKILL"
            if code == 137
            else " did not wait for SIGKILL"
        ),
    )


def sigint_part(lab: Lab) -> None:
    with lab.box() as box:
        lab.say("Ctrl-C: an attached `docker run` sends it on to PID 1 as SIGINT")
        job, table = started(lab, box)
        sent = time.monotonic()
        box.signal("INT")
        code = box.ended(SIGINT_WINDOW_S)
        took = time.monotonic() - sent
        if code is not None:
            job.wait()  # all it printed is in (a traceback, under `none`), then its end
        state = lab.engine.state(box.container_id)
        with lab.terminal:
            lab.write(
                "host$ docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' ...\n"
                f"{state.get('Status')} {state.get('ExitCode')}\n"
            )
        if code is not None:
            lab.say(f"the container ended {took:.2f} s after the SIGINT")
        else:
            lab.say(f"still running {SIGINT_WINDOW_S:g} s after the SIGINT (now removed)")
    lab.fact("sigint_exit_code", code if code is not None else "still running")
    if code is not None:
        lab.fact("sigint_s", round(took, 3))
    lab.check(
        "ctrl-c-stops-it",
        code == 130,
        (
            f"the container ended {took:.2f} s after SIGINT, {meaning(code)}"
            if code is not None
            else f"the container still ran {took:.1f} s after SIGINT: {pid1_of(table)} "
            "did not end on it"
        ),
    )


def drive(lab: Lab) -> None:
    # One after another: box.stop holds the transcript's terminal for the whole grace
    # period, which would hold up a parallel part's output (and its timing) anyway.
    stop_part(lab)
    sigint_part(lab)


SCENARIO = Scenario(
    name="pid1-signals",
    title="2.僵尸进程与孤儿进程 — 四:测试 — PID 1 与信号",
    summary="docker stop and Ctrl-C against each PID 1: 143 at once, 137 after the grace, 130.",
    explanation=f"""\
The seed has no section on signals; this one sends them to its test.py, the parent that
sleeps for 1000 s. `docker stop -t {GRACE_S}` sends SIGTERM to the container's PID 1 only,
waits up to {GRACE_S} s, then sends SIGKILL. Ctrl-C at an attached `docker run` is passed on
the same way, as SIGINT to PID 1 (`docker kill --signal INT` here). The exit code says what
ended PID 1: 128 + the signal, so 143 = SIGTERM, 130 = SIGINT, 137 = SIGKILL.

PID 1 is special: the kernel gives it no default actions. A signal it has no handler for
is dropped — whether sent from inside the container or by Docker from the host — and only
SIGKILL and SIGSTOP from outside its namespace get through. Under `none` the script is
PID 1, and Python installs a handler for SIGINT only (KeyboardInterrupt): SIGTERM does
nothing, docker stop waits out the whole grace period and SIGKILLs it (137, >= {GRACE_S} s),
while Ctrl-C ends it at once (the traceback, then 130). Any PID 1 with no SIGTERM
handler of its own makes docker stop wait the same way.

An init as PID 1 handles the signal for it: tini, docker-init (Docker's --init: tini) and
dumb-init forward it to their child and end with its status (tini blocks every signal and
collects it with sigtimedwait(): a blocked signal is not dropped); noreap (this sandbox's
own PID 1, also PID 1 under tini-subreaper) exits on SIGTERM and SIGINT itself. Either
way docker stop ends the container in a fraction of a second with 143, and Ctrl-C with
130. Here the inits' child is `sleep infinity` and the script runs beside it (started by
`docker exec`), so the script itself gets no signal: when PID 1 ends, the kernel kills
everything left in the container, which is its `Exit 137`. With `docker run --init IMAGE
python3 test.py` the child would be the script, and, not being PID 1, it would die of the
SIGTERM's default action.

bash as PID 1 (`bash -c 'sleep infinity; :'`, a shell waiting for a child) has no SIGTERM
handler, and its SIGINT handler only waits for the child to die of it too, which it does
not (Docker signals PID 1 alone): docker stop takes the whole grace period (137), and
Ctrl-C does nothing. An entrypoint script that runs the program as its child is this
case; `exec program` at its end makes the program PID 1 instead — which then needs a
SIGTERM handler of its own. The fixes: `docker run --init` (or tini/dumb-init as the
ENTRYPOINT), or `STOPSIGNAL SIGINT` in the Dockerfile (`docker run --stop-signal SIGINT`)
for a Python PID 1, which does handle SIGINT; or handle SIGTERM in the program.""",
    expectations=(
        expect(
            "stop-ends-at-once-with-143",
            f"`docker stop -t {GRACE_S}` ends the container with exit code 143 (SIGTERM) "
            "before the grace period is out",
            noreap=True,
            tini=True,
            none=False,
            docker_init=True,
            dumb_init=True,
            bash=False,
            tini_subreaper=True,
        ),
        expect(
            "stop-waits-out-the-grace-period-137",
            f"`docker stop -t {GRACE_S}` takes the whole {GRACE_S} s grace period: PID 1 "
            "ignores SIGTERM and is SIGKILLed (exit code 137)",
            noreap=False,
            tini=False,
            none=True,
            docker_init=False,
            dumb_init=False,
            bash=True,
            tini_subreaper=False,
        ),
        expect(
            "ctrl-c-stops-it",
            f"Ctrl-C (SIGINT to PID 1) ends the container within {SIGINT_WINDOW_S:g} s, "
            "exit code 130",
            noreap=True,
            tini=True,
            none=True,
            docker_init=True,
            dumb_init=True,
            bash=False,
            tini_subreaper=True,
        ),
    ),
    drive=drive,
    timeout_s=40.0,
    # Inherent: where PID 1 ignores SIGTERM (none, bash) docker stop waits out GRACE_S; where it
    # ignores SIGINT too (bash) the SIGINT_WINDOW_S is waited out in full. Elsewhere both end
    # within a fraction of a second.
    inherent_s=per_mode(0.0, none=GRACE_S, bash=GRACE_S + SIGINT_WINDOW_S),
    golden_masks=(
        # Parent and child print at the same moment: either line may come first.
        (r"^子 (\d+)\n主 (\d+)$", r"主 \2\n子 \1"),
        # How long docker stop and the end after SIGINT took varies from run to run.
        (r"took \d+\.\d+ s$", "took N.NN s"),
        (r"ended \d+\.\d+ s after", "ended N.NN s after"),
        # The exit codes are what the scenario is about: kept (#), not renamed as PIDs.
        (r"^(host\$ docker inspect -f '\{\{\.State\.ExitCode\}\}' \.\.\.\n)(\d+)$", r"\1#\2"),
        (r"^(exited|running) (\d+)$", r"\1 #\2"),
        # Nor are the line number and the 1000 of the traceback under `none`.
        (
            r'^(  File "/root/test\.py", line )(\d+)(, in <module>\n    time\.sleep\()(\d+)\)$',
            r"\1#\2\3#\4)",
        ),
    ),
)
