"""queue-basics: the seed's 六 队列 应用 — Queue(3): put, full(), get, empty().

One script, the seed's, with two additions it names in its comment but never calls:
put_nowait on the full queue and get_nowait on the empty one. One process, so its lines
come in the order it printed them.
"""

from __future__ import annotations

from sandbox.lab import Lab
from sandbox.scenario import Scenario, everywhere, expect

# Every PID 1 mode: one process and its queue, nothing of which depends on what PID 1 is.
# See the explanation for what the modes change.

SCRIPT = "queue_demo.py"
# Where each print() of the script lands among the lines of its output.
FULL, PUT_NOWAIT, GETS, EMPTY, GET_NOWAIT = 0, 1, slice(2, 5), 5, 6
LINES = 7


def drive(lab: Lab) -> None:
    with lab.box() as box:
        job = box.start(f"python3 {SCRIPT}")
        status = job.wait()
    lines = job.output.splitlines()
    padded = [*lines, *[""] * LINES][:LINES]

    def said(index: int) -> str:
        return f"printed {padded[index]!r}" if padded[index] else "printed nothing there"

    lab.check(
        "runs-to-the-end",
        status == 0 and len(lines) == LINES,
        f"python3 {SCRIPT} exited {status} after {len(lines)} lines (7 prints)",
    )
    lab.check(
        "full-after-three-puts",
        padded[FULL] == "True",
        f"q.full() after three q.put(3) into Queue(3) {said(FULL)}",
    )
    lab.check(
        "put-nowait-raises-full",
        padded[PUT_NOWAIT] == "put_nowait raised queue.Full",
        f"q.put_nowait(3) on the full queue: {said(PUT_NOWAIT)}",
    )
    lab.check(
        "gets-return-the-items",
        padded[GETS] == ["3", "3", "3"],
        f"the three q.get() printed {padded[GETS]}",
    )
    lab.check(
        "empty-after-three-gets",
        padded[EMPTY] == "True",
        f"q.empty() after the three q.get() {said(EMPTY)}",
    )
    lab.check(
        "get-nowait-raises-empty",
        padded[GET_NOWAIT] == "get_nowait raised queue.Empty",
        f"q.get_nowait() on the empty queue: {said(GET_NOWAIT)}",
    )


SCENARIO = Scenario(
    name="queue-basics",
    title="六 队列 — 应用",
    summary="Queue(3): three puts fill it, three gets empty it; the _nowait calls raise.",
    explanation="""\
Queue(3) holds at most three items. After three q.put(3), q.full() prints True (满了);
a fourth item does not fit: q.put_nowait(3) (put without waiting) raises queue.Full at
once, where q.put(3) would wait for room. The three q.get() return the three 3s, after
which q.empty() prints True (空了), and q.get_nowait() raises queue.Empty at once, where
q.get() would wait for an item. The exceptions print nothing of their own (str() of
queue.Full() is empty), so the script prints their class. (The seed's method list says
`q.put_nowait():q.put(False)`; it is q.put(item, False): q.put(False) would put False.)

The seed warns that full(), empty() and qsize() are 不可靠 (unreliable). What each of them
looks at decides when that bites. A multiprocessing Queue is a pipe plus a semaphore that
counts free places, and put() does not write to the pipe itself: it hands the item to a
feeder thread that writes it a moment later.
- full() asks the semaphore, which put() takes at once: after three puts it is True, every
  time. It goes stale only when another process gets an item meanwhile; here none does.
- empty() asks whether the pipe has data. Right after a put() it is usually still True,
  because the feeder thread has not written yet. After the three gets it is reliable here:
  every item put has been read out of the pipe and nothing else puts.
- put_nowait() fails on the semaphore, get_nowait() on the empty pipe: both are as
  certain as full() and empty() are here.

One process and no child: whatever PID 1 is, the output is the same. Under `none` the
script itself is PID 1 (`[1] 1`), and the container ends when it does.""",
    expectations=(
        expect(
            "runs-to-the-end",
            "the script prints its seven lines and exits 0",
            **everywhere(),
        ),
        expect(
            "full-after-three-puts",
            "after three put()s Queue(3).full() is True",
            **everywhere(),
        ),
        expect(
            "put-nowait-raises-full",
            "put_nowait() on the full queue raises queue.Full",
            **everywhere(),
        ),
        expect(
            "gets-return-the-items",
            "three get()s return the three items put",
            **everywhere(),
        ),
        expect(
            "empty-after-three-gets",
            "after the three get()s empty() is True",
            **everywhere(),
        ),
        expect(
            "get-nowait-raises-empty",
            "get_nowait() on the empty queue raises queue.Empty",
            **everywhere(),
        ),
    ),
    drive=drive,
    timeout_s=30.0,
    # Inherent: none; queue_demo.py never sleeps.
    inherent_s=0.0,
    # Nothing to mask: one process prints, in its program's order, and the queue's answers
    # do not vary here (see the explanation); the PIDs are renamed by the golden itself.
    # 22 runs, 11 under each of noreap and tini, then 10 under each of the seven modes, gave
    # one transcript per mode.
    golden_masks=(),
)
