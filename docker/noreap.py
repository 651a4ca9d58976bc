#!/usr/bin/python3
"""noreap: a PID 1 that never waits for any child.

Installed in the sandbox image as /usr/local/sbin/noreap. Every orphan the kernel hands
to PID 1 stays a zombie (STAT Z, PPID 1) for as long as the container lives: the
behaviour the tutorial's "init reaps orphans" promise lacks.

SIGCHLD keeps its default disposition on purpose. Setting it to SIG_IGN would make the
kernel reap children itself, and no zombie would ever show.

SIGTERM and SIGINT end it, so `docker stop` (and compose) stop the container at once
instead of waiting out the grace period; neither affects reaping.
"""

import signal
import sys


def _leave(signum: int, _frame: object) -> None:
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _leave)
signal.signal(signal.SIGINT, _leave)
while True:
    signal.pause()
