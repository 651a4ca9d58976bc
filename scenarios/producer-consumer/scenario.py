"""producer-consumer: the seed's 生产者消费者模型, and the four ways it makes the model end.

Five scripts, the seed's, with the seed's sleeps (each item costs its producer and its
consumer 1-3 s), run at the same time, each in a container of its own:
  (a) model.py                 the model: the main process never ends, the consumer hangs
                               in q.get(); seen, held for a window, then ended by a kill
  (b) producer_sends_none.py   the producer puts None when it is done
  (c) main_sends_none.py       the main process puts None after p1.join()
  (d) two_nones.py             3 producers, 2 consumers (only c1 started), two Nones
  (e) joinable_queue.py        JoinableQueue: producers q.join(), consumers are daemons
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import NamedTuple

from sandbox.errors import SandboxError
from sandbox.lab import Box, Job, Lab
from sandbox.proctable import PS_WCHAN, WaitRow, parse_ps_wchan
from sandbox.scenario import Scenario, everywhere, expect
from sandbox.waiting import Timeout, wait_until

# Every PID 1 mode: what these checks look at (locks, queues, the script's own children)
# is the same whatever PID 1 is. See the explanation for what the modes change.

# The seed's two prints: '\033[44m%s 生产了 %s\033[0m' %(os.getpid(),res) by a producer,
# '\033[45m%s%s\033[0m' %(os.getpid(),res) by a consumer (its pid and the item run
# together, as the seed's text has it). Prints are line-buffered in the container
# (sandbox/linebuffer.py): each line is one write, which a pipe never splits.
PRODUCED = re.compile(r"\033\[44m(\d+) 生产了 ([^\033\n]*)\033\[0m")
CONSUMED = re.compile(r"\033\[45m(\d+)([^\d\033\n][^\033\n]*)\033\[0m")
MAIN = re.compile(r"^主 ?$", re.MULTILINE)  # the seed's print('主') (one has a space after)

# A variant that ends by itself ends within: 10 items at most 3 s each from a producer, and
# in (e) 30 items at most 3 s each shared by two consumers, 45 s at worst (about 30 s is
# typical). Twice that leaves room for a loaded machine.
END_S = 90.0

# How long (a) must stay unchanged, once every item is eaten, for "never ends" to be the
# verdict. By then nothing can change it: the producer has ended and the main process never
# puts, so the consumer's read of the queue's pipe can never return (the pipe's write end
# stays open in the main process and the consumer itself, so not even an end-of-file
# comes). The window shows it: 4 s is longer than any sleep in the seed's code (at most
# randint(1,3) = 3 s), so a process merely between two steps would have moved.
HANG_WINDOW_S = 4.0


class Variant(NamedTuple):
    key: str  # the prefix of its checks
    script: str
    heading: str  # the seed's words
    items: tuple[str, ...]  # what its producers produce


def made(*names: str, count: int) -> tuple[str, ...]:
    return tuple(f"{name}{i}" for name in names for i in range(count))


MODEL = Variant("model", "model.py", "基于队列实现生产者消费者模型", made("包子", count=10))
PRODUCER_NONE = Variant(
    "producer-none",
    "producer_sends_none.py",
    "生产者在生产完毕后发送结束信号None",
    made("包子", count=10),
)
MAIN_NONE = Variant(
    "main-none",
    "main_sends_none.py",
    "主进程在生产者生产完毕后发送结束信号None",
    made("包子", count=2),
)
TWO_NONES = Variant(
    "two-nones",
    "two_nones.py",
    "有几个消费者就需要发送几次结束信号:相当low",
    made("包子", "骨头", "泔水", count=2),
)
JOINABLE = Variant(
    "joinable",
    "joinable_queue.py",
    "JoinableQueue([maxsize])",
    made("包子", "骨头", "泔水", count=10),
)
ENDING = (PRODUCER_NONE, MAIN_NONE, TWO_NONES, JOINABLE)


# -- reading the output ------------------------------------------------------------------


def produced(output: str) -> Counter[str]:
    return Counter(item for _, item in PRODUCED.findall(output))


def consumed(output: str) -> Counter[str]:
    return Counter(item for _, item in CONSUMED.findall(output))


def pids(pattern: re.Pattern[str], output: str) -> list[int]:
    return sorted({int(pid) for pid, _ in pattern.findall(output)})


def all_consumed(lab: Lab, variant: Variant, output: str) -> None:
    """Every item produced was also consumed: the two multisets are equal."""
    made_, eaten = produced(output), consumed(output)
    missing, extra = made_ - eaten, eaten - made_
    lab.check(
        f"{variant.key}-all-consumed",
        made_ == Counter(variant.items) and eaten == made_,
        f"{sum(made_.values())} items produced (by pids {pids(PRODUCED, output)}), "
        f"{sum(eaten.values())} consumed (by pids {pids(CONSUMED, output)})"
        + (f"; never consumed: {sorted(missing.elements())}" if missing else "")
        + (f"; consumed, never produced: {sorted(extra.elements())}" if extra else "")
        + (
            ""
            if made_ == Counter(variant.items)
            else f"; expected {len(variant.items)} produced: {', '.join(variant.items)}"
        ),
    )


# -- reading the process table with wchan ------------------------------------------------


class Moment(NamedTuple):
    rows: list[WaitRow]
    waited_for: int | None  # the pid the main process's wait4() names, when it waits


def read_moment(box: Box, main: int) -> Moment:
    """The table with wchan, and whom the main process waits for; read quietly."""
    script = f"{PS_WCHAN}; echo; cat /proc/{main}/syscall 2>/dev/null"
    text = box.run(["sh", "-c", script]).output
    rows = parse_ps_wchan(text)
    # /proc/PID/syscall: the syscall number, then its arguments in hex. In wait4(pid, ...),
    # what join() calls, the first argument is the pid waited for.
    last = text.strip().splitlines()[-1].split() if text.strip() else []
    waiting = any(r.pid == main and r.wchan == "do_wait" for r in rows)
    waited_for = int(last[1], 16) if waiting and len(last) > 2 else None
    return Moment(rows, waited_for)


def row(moment: Moment, pid: int) -> WaitRow | None:
    return next((r for r in moment.rows if r.pid == pid), None)


def describe(r: WaitRow | None, pid: int) -> str:
    return f"{pid} gone" if r is None else f"{pid} {r.stat} in {r.wchan}"


# -- (a): the model hangs ----------------------------------------------------------------


def hung(moment: Moment, main: int, producer: int, consumer: int) -> bool:
    """Main waits for the consumer, the consumer reads the empty pipe, the producer ended."""
    m, c, p = row(moment, main), row(moment, consumer), row(moment, producer)
    return (
        m is not None
        and m.stat.startswith("S")
        and moment.waited_for == consumer
        and c is not None
        and c.ppid == main
        and c.stat.startswith("S")
        and "pipe_read" in c.wchan
        and (p is None or p.stat.startswith("Z"))
    )


def model(lab: Lab) -> None:
    lab.say(f"(a) {MODEL.heading}")
    items = len(MODEL.items)
    with lab.box() as box:
        started = time.monotonic()
        job = box.start(f"python3 {MODEL.script}")
        main = job.pid()
        output = job.wait_for_output(
            lambda out: len(PRODUCED.findall(out)) == items == len(CONSUMED.findall(out)),
            END_S,
        )
        lab.fact("model_all_eaten_s", round(time.monotonic() - started, 1))
        all_consumed(lab, MODEL, output)
        producer, consumer = pids(PRODUCED, output), pids(CONSUMED, output)
        if len(producer) != 1 or len(consumer) != 1:
            lab.check("model-hangs", False, f"producers {producer}, consumers {consumer}?")
            return
        hang_of_a(lab, box, job, main, producer[0], consumer[0])


def hang_of_a(lab: Lab, box: Box, job: Job, main: int, producer: int, consumer: int) -> None:
    def now() -> Moment:
        try:
            return read_moment(box, main)
        except SandboxError:
            if main != 1:
                raise
            return Moment([], None)  # under `none`: the container has ended with PID 1

    def still(moment: Moment) -> bool:
        return hung(moment, main, producer, consumer)

    # The consumer goes back to q.get() right after its last print: within milliseconds.
    try:
        first = wait_until(now, still, timeout_s=lab.remaining(10.0), what="the hang")
    except Timeout as exc:
        last = exc.last
        assert isinstance(last, Moment)
        lab.check(
            "model-hangs",
            False,
            f"after the last item: main {describe(row(last, main), main)} "
            f"(waiting for {last.waited_for}), consumer {describe(row(last, consumer), consumer)}, "
            f"producer {describe(row(last, producer), producer)}",
        )
        return
    if main == 1:
        # Under `none` the main process is PID 1, which gets no default action for a signal
        # it has no handler for, and Python sets none for SIGTERM: the kill is dropped.
        # Typed at the start of the window, so that the window shows it.
        lab.say("the main process is PID 1 here: end it with kill -TERM 1?")
        box.kill(1)
    printed = len(job.output)
    started = time.monotonic()
    try:
        changed: Moment | None = wait_until(
            now,
            lambda m: not still(m) or len(job.output) != printed,
            timeout_s=HANG_WINDOW_S,
            what="the hang to change",
        )
    except Timeout:
        changed = None
    held = time.monotonic() - started
    lab.say(
        f"every item eaten; {held:.1f} s later nothing has changed"
        if changed is None
        else f"every item eaten; something changed {held:.1f} s later"
    )
    box.capture("the hang", PS_WCHAN)  # a still table: safe to compare with the host's view
    gone = row(first, producer) is None
    lab.fact("model_producer_at_the_hang", "reaped" if gone else "zombie")
    lab.check(
        "model-hangs",
        changed is None,
        f"every item eaten, then nothing changed for {held:.1f} s"
        + (", not even after kill -TERM 1" if main == 1 else "")
        + f": main {main} alive "
        f"({describe(row(first, main), main)}, waiting in join() for the consumer "
        f"{first.waited_for}); consumer {describe(row(first, consumer), consumer)}: blocked "
        f"in q.get(); producer {producer} "
        + ("already reaped by main" if gone else "a zombie: main waits for the consumer first")
        if changed is None
        else f"something changed {held:.1f} s into the hang: {changed.rows} / {job.output!r}",
    )

    if main == 1:  # the consumer is an ordinary process, whatever PID 1 is
        lab.say(
            "主进程永远不会结束, and kill -TERM 1 did nothing to it: "
            "end it by killing the consumer, an ordinary process"
        )
    else:
        lab.say("主进程永远不会结束: end it by killing the consumer")
    box.kill(consumer)
    status = job.wait()
    left = left_behind(box, job, MODEL.script)
    lab.check(
        "model-ends-once-consumer-killed",
        status == 0 and not left,
        f"after kill -TERM {consumer} (the consumer), python3 {MODEL.script} exited {status}: "
        f"its exit-time join() returned; {describe_left(left)}",
    )


# -- after a script has ended --------------------------------------------------------------


def left_behind(box: Box, job: Job, script: str) -> list[str] | None:
    """The script's processes still there once it has exited, as `pid STAT`; or None.

    Picked by command line (the children are forked copies of `python3 script`, a zombie is
    `[python3] <defunct>`), not every python3: under tini-subreaper the job server is one
    too. None under `none`: the script was PID 1, and the container ended with it.
    """
    if job.pid() == 1:
        return None
    mine = (f"python3 {script}", "[python3] <defunct>")
    return [f"{p.pid} {p.state}" for p in box.processes() if p.cmd in mine]


def describe_left(left: list[str] | None) -> str:
    if left is None:
        return (
            "it was PID 1, so the container ended with it: no table can be read afterwards "
            "(had a process been left, the kernel would have ended it with PID 1)"
        )
    return f"its processes left: {', '.join(left) or 'none'}"


# -- (b)-(e): the fixes end by themselves ------------------------------------------------


def ends(lab: Lab, variant: Variant, box: Box) -> tuple[Job, str, float]:
    """Run the variant to its end; check it ended by itself with no process left."""
    started = time.monotonic()
    job = box.start(f"python3 {variant.script}")
    status = job.wait(END_S)
    took = time.monotonic() - started
    left = left_behind(box, job, variant.script)
    lab.fact(f"{variant.key.replace('-', '_')}_run_s", round(took, 1))
    lab.check(
        f"{variant.key}-ends",
        status == 0 and not left and MAIN.search(job.output) is not None,
        f"python3 {variant.script} printed 主 and exited {status} by itself after {took:.1f} s; "
        + describe_left(left),
    )
    return job, job.output, took


def producer_none(lab: Lab) -> None:
    lab.say(f"(b) {PRODUCER_NONE.heading}")
    with lab.box() as box:
        _, output, _ = ends(lab, PRODUCER_NONE, box)
    all_consumed(lab, PRODUCER_NONE, output)


def after_last(pattern: re.Pattern[str], output: str) -> tuple[bool, str]:
    """Whether 主 was printed after the last line `pattern` matches; and a description."""
    main = MAIN.search(output)
    last = max((m.end() for m in pattern.finditer(output)), default=-1)
    if main is None:
        return False, "主 was never printed"
    lines_before = output[: main.start()].count("\n")
    return main.start() > last, f"主 is line {lines_before + 1} of the output"


def main_none(lab: Lab) -> None:
    lab.say(f"(c) {MAIN_NONE.heading}")
    with lab.box() as box:
        _, output, _ = ends(lab, MAIN_NONE, box)
    all_consumed(lab, MAIN_NONE, output)
    after, where = after_last(PRODUCED, output)
    lab.check(
        "main-none-after-production",
        after,
        f"{where}, after both 生产了 lines: p1.join() returned only once the producer was done",
    )


def two_nones(lab: Lab) -> None:
    lab.say(f"(d) {TWO_NONES.heading}")
    with lab.box() as box:
        job, output, _ = ends(lab, TWO_NONES, box)
    all_consumed(lab, TWO_NONES, output)
    producers, consumers = pids(PRODUCED, output), pids(CONSUMED, output)
    lab.check(
        "two-nones-one-consumer",
        len(producers) == 3 and len(consumers) == 1 and job.pid() not in consumers,
        f"3 producers ({producers}); the items were eaten by {len(consumers)} consumer(s) "
        f"({consumers}): c2 was created but never started",
    )


def joinable(lab: Lab) -> None:
    lab.say(f"(e) {JOINABLE.heading}")
    with lab.box() as box:
        _, output, _ = ends(lab, JOINABLE, box)
    all_consumed(lab, JOINABLE, output)
    after, where = after_last(CONSUMED, output)
    lab.check(
        "joinable-main-after-consumption",
        after,
        f"{where}, after all {sum(consumed(output).values())} consumer lines: each "
        f"producer's q.join() returned only once every item had been task_done()",
    )


# -- the golden transcript ---------------------------------------------------------------

Masks = tuple[tuple[str, str], ...]

# The two prints once their pids are bracketed (the first mask below), and 主.
PRODUCER_LINE = r"\033\[44m<\d+> 生产了 {item}\d+\033\[0m"
CONSUMER_LINE = r"\033\[45m<\d+>{item}\d+\033\[0m"
ANY_ITEM = "(?:包子|骨头|泔水)"
ITEM_KINDS = ("包子", "骨头", "泔水")  # p1's, p2's, p3's: in the order the producers start
# The most lines that can come interleaved in one run: (e)'s 30 produced and 30 eaten.
MOST_LINES = 60


def sorted_runs(kinds: tuple[str, ...], passes: int = MOST_LINES) -> Masks:
    """Masks that sort a block of lines of these kinds (regexes) into the kinds' order.

    Each mask moves a run of lines of one kind above a run of a later kind just before it;
    the order of the lines within a kind is kept (a stable sort). One round of the masks
    moves every such run by one place, so as many rounds as the block has lines sort it
    (16 rounds were the most needed in 7 runs).
    """
    swaps = tuple(
        (rf"^((?:{later}\n)+)((?:{earlier}\n)+)", r"\2\1")
        for i, earlier in enumerate(kinds)
        for later in kinds[i + 1 :]
    )
    return swaps * passes


def golden_masks() -> Masks:
    produced = PRODUCER_LINE.format(item=ANY_ITEM)
    eaten = CONSUMER_LINE.format(item=ANY_ITEM)
    return (
        # ps right-aligns PID and PPID, so a row's leading spaces depend on how many digits its
        # PIDs have, which varies from run to run (seen: the job server's request PID 9 or 10,
        # the learner's ps 9x or 10x): the padding is collapsed to one space, before the
        # masks below rewrite these rows (golden.py then leaves it as it is).
        (r"^ +(\d+) +(\d+) (?=[A-Z<])", r"\1 \2 "),
        # The pids in the two prints follow the escape's `m` (and a consumer's runs into its
        # item), so they would not be renamed as PIDs: bracketed, they are.
        (r"(\033\[44m)(\d+)( 生产了 )", r"\1<\2>\3"),
        (r"(\033\[45m)(\d+)(?=\D)", r"\1<\2>"),
        # Producers and consumers print when their random sleeps (1-3 s) end: how their lines
        # interleave varies from run to run. What does not is each process's own order and
        # what comes before what by the code itself (主 in (a)/(b) first; in (c)/(d) after
        # every 生产了, in (e) after every consumer line). So the lines are sorted, stably:
        # the producers' first, then the consumers'...
        *sorted_runs((produced, eaten)),
        # ... in (c) and (d) 主 among the consumer's lines, where it falls by chance: put
        # before them (it always comes after the producers' lines: main printed it after
        # p.join()) ...
        (
            rf"^((?:{eaten}\n)+)(主 ?\n)(?=(?:{eaten}\n)*"
            r"\[1\]\+  Exit \d+  python3 (?:main_sends_none|two_nones)\.py$)",
            r"\2\1",
        ),
        # ... then by item: in (d) and (e) the producers make 包子, 骨头 and 泔水 at the same
        # time, and the consumer eats them in the order they were put (each producer's own
        # items stay in its own order).
        *sorted_runs(tuple(PRODUCER_LINE.format(item=kind) for kind in ITEM_KINDS)),
        *sorted_runs(tuple(CONSUMER_LINE.format(item=kind) for kind in ITEM_KINDS)),
        # In (e) two consumers share the 30 items: which eats which, and so the order of
        # each kind's 10, varies; how many of each kind are eaten does not (`#`: a count,
        # not a PID).
        (
            "".join(rf"(?:{CONSUMER_LINE.format(item=kind)}\n){{10}}" for kind in ITEM_KINDS)
            + r"(?=主 ?\n\[1\]\+  Exit \d+  python3 joinable_queue\.py$)",
            "".join(
                f"<#10 lines {kind}0 to {kind}9, eaten by c1 or c2, in an order that varies>\n"
                for kind in ITEM_KINDS
            ),
        ),
        # Where the sorted lines begin, a note says so.
        (
            rf"^(\[1\] \d+\n(?:主 ?\n)?)(?={produced}\n)",
            r"\1<the lines below are printed concurrently, in an order that varies: sorted"
            r" here, producers' before consumers', by item, each producer's own order kept>\n",
        ),
        # (a): the hang is held for HANG_WINDOW_S (4 s) and measured to the tenth.
        (
            r"(every item eaten; )(?:[4-9]|[1-9]\d+)\.\d s later",
            rf"\1at least {HANG_WINDOW_S:g} s later",
        ),
        # (a): at exit the main process joins its two children in an arbitrary order (a set
        # of them); when the consumer comes first, the producer stays a zombie, else it is
        # gone. Its row, just before the consumer's (ps lists by pid), may or may not be there.
        (
            r"^(?: *\d+ +\d+ Z +- +\[python3\] <defunct>\n)?"
            r"( *\d+ +\d+ S +anon_pipe_read +python3 model\.py\n)",
            r"   <the producer: gone, or a zombie if main joined the consumer first>\n\1",
        ),
        # tini (PID 1 under tini and docker-init, the subreaper under tini-subreaper) sleeps
        # in sigtimedwait and wakes each second (its timeout) to reap: now and then ps catches
        # it running (R, no wchan: 0.5% of 168,000 reads of its state here, under load).
        # Shown as its sleep.
        (
            r"^( *\d+ +\d+ )R(s?)( +)- {23}( +(?:/usr/bin/tini|/sbin/docker-init) .*)$",
            r"\1S\2\3do_sigtimedwait.isra.0  \4",
        ),
        # The learner's shell running ps: ps may catch it waiting for ps, or still running,
        # just after forking it (once in 8 runs).
        (
            r'^( *\d+ +0 )(?:Ss +do_wait|Rs +-) +(sh -c eval "\$SANDBOX_CMD" /opt/sandbox/sh)$',
            r"\1<Ss do_wait, or Rs - (still forking ps)>  \2",
        ),
    )


def drive(lab: Lab) -> None:
    lab.parallel(
        lambda: model(lab),
        lambda: producer_none(lab),
        lambda: main_none(lab),
        lambda: two_nones(lab),
        lambda: joinable(lab),
    )


SCENARIO = Scenario(
    name="producer-consumer",
    title="生产者消费者模型 — 基于队列实现生产者消费者模型, and its 结束信号 fixes",
    summary="Producer and consumer on a Queue: the model never ends; None or JoinableQueue fix it.",
    explanation="""\
The five scripts run side by side, each in its own container, with the seed's sleeps: every
item costs its producer 1-3 s to make and its consumer 1-3 s to eat, so a run takes from a
few seconds (c, d) to about half a minute (a, b, e). A consumer prints its pid and the item
run together (`15包子3`): that is the seed's format string, '%s%s'.

(a) The model. The producer makes 10 包子 and ends; the consumer eats all 10 and goes back
to q.get(), where it waits for ever: nobody will put anything again. The main process
printed 主 at once, but it does not end either: at interpreter exit multiprocessing joins
every child that is not a daemon, and the consumer never ends. `ps` shows it: the main
process in do_wait (the join), the consumer in pipe_read (q.get() reading the queue's
pipe), both asleep, and nothing changes: 此时的问题是主进程永远不会结束. The producer is
either gone, or a zombie when the main process happened to join the consumer first: it
can only reap the child it is waiting for. Killing the consumer ends the join, and the
main process exits by itself.

(b) The producer puts None after its last item. The queue is first in, first out, so the
consumer gets None only after the 10 包子, breaks out of its loop and ends; so does the
main process.

(c) The main process puts None itself, after p1.join(): only once the producer has ended,
so that the None cannot overtake an item. 主 is printed after both 生产了 lines.

(d) Three producers, two consumers, two Nones: one None per consumer. But the seed starts
only c1: c2 is created and never started. c1 eats all six items and stops at the first
None; the second None stays in the queue and is thrown away with it. Had c2 been started
too, each consumer would have taken one None.

(e) JoinableQueue counts the items put and not yet task_done(). Each producer puts its
10 items and waits in q.join() until that count is zero; the main process joins the
three producers. So when it prints 主, every one of the 30 items has been eaten:
主进程等 p1,p2,p3, and they waited for c1,c2. The consumers are daemons: at the main
process's exit they are terminated, still waiting in q.get().

Whatever PID 1 is, all of this is the same: every producer and consumer is the main
process's own child, and it waits for each (or, in (e), terminates the daemons), so none is
orphaned and what a PID 1 does with orphans plays no part. Under `none` the main process
itself is PID 1: (a) hangs just the same, and its zombie producer has PPID 1 because its
parent is PID 1, not because it was adopted. `kill -TERM 1` from inside does nothing
to that PID 1: PID 1 gets no default action for a signal it has no handler for, and Python
sets none for SIGTERM (typed at the start of the 4 s window: nothing changes). The consumer
is an ordinary process: killing it ends the join, and PID 1 exits, taking the container
with it, so no table can be read after any of the five there. Under `tini-subreaper` each
script's parent is the job server under tini.""",
    expectations=(
        expect(
            "model-all-consumed",
            "(a) every item produced is also consumed",
            **everywhere(),
        ),
        expect(
            "model-hangs",
            "(a) then nothing changes: the main process waits in join() for the consumer, "
            "the consumer is blocked in q.get()",
            **everywhere(),
        ),
        expect(
            "model-ends-once-consumer-killed",
            "(a) killing the consumer lets the main process end, with no process left",
            **everywhere(),
        ),
        *(
            item
            for variant, letter in zip(ENDING, "bcde", strict=True)
            for item in (
                expect(
                    f"{variant.key}-ends",
                    f"({letter}) {variant.script} prints 主 and ends by itself, no process left",
                    **everywhere(),
                ),
                expect(
                    f"{variant.key}-all-consumed",
                    f"({letter}) every item produced is also consumed",
                    **everywhere(),
                ),
            )
        ),
        expect(
            "main-none-after-production",
            "(c) 主 comes after the producer's lines: None is sent once the producer is done",
            **everywhere(),
        ),
        expect(
            "two-nones-one-consumer",
            "(d) one consumer eats everything: c2 is never started",
            **everywhere(),
        ),
        expect(
            "joinable-main-after-consumption",
            "(e) 主 comes after every item has been eaten",
            **everywhere(),
        ),
    ),
    drive=drive,
    timeout_s=180.0,
    # Inherent: the five variants run side by side, each item costing its producer and its
    # consumer time.sleep(randint(1,3)); (a) also holds HANG_WINDOW_S once all is eaten. The
    # slowest variant (mostly (e): 30 items, 2 consumers) takes 32.5 s on average, simulating
    # the scripts' sleeps 100,000 times (25-43 s, sd 2.2): a random floor, its mean.
    inherent_s=32.5,
    golden_masks=golden_masks(),
)
