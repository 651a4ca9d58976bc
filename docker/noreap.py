#!/usr/bin/python3
"""noreap: a PID 1 that never waits for any child.

Installed in the sandbox image as /usr/local/sbin/noreap. Every orphan the kernel hands
to PID 1 stays a zombie (STAT Z, PPID 1) for as long as the container lives: the
behaviour the tutorial's "init reaps orphans" promise lacks.

    noreap               sleep forever (the controller starts scenarios with `docker exec`)
    noreap COMMAND ...   run COMMAND as PID 1's child, and end with its exit status when it
                         ends (compose services use this), still without reaping anything

SIGCHLD keeps its default disposition on purpose. Setting it to SIG_IGN would make the
kernel reap children itself, and no zombie would ever show. SIGTERM and SIGINT end it, so
`docker stop` stops the container at once instead of waiting out the grace period.
"""

import os
import signal
import sys


def _leave(signum: int, _frame: object) -> None:
    sys.exit(128 + signum)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _leave)
    signal.signal(signal.SIGINT, _leave)
    if not argv:
        while True:
            signal.pause()
    child = os.fork()
    if child == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    # WNOWAIT: learn that the child ended, and how, while leaving it unreaped.
    info = os.waitid(os.P_PID, child, os.WEXITED | os.WNOWAIT)
    if info is None:
        return 1
    return info.si_status if info.si_code == os.CLD_EXITED else 128 + info.si_status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
