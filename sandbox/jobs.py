"""The job server of the `tini-subreaper` mode, and the request that starts a job through it.

Copied into each such container as /opt/sandbox/jobs.py. It runs there, so it uses the
standard library only.

    python3 jobs.py           serve: start each requested job as this process's child
    python3 jobs.py request   (by `docker exec`, SANDBOX_JOB=command) start the command
                              through the server, relay its output, end with its status

The server runs as tini's child (`tini -s -- python3 jobs.py`), so every job and every
process a job forks is tini's descendant, and an orphan among them goes to tini, the
nearest subreaper, instead of PID 1. The server is each job's parent, as the shell is in
the other modes: it waits for its own children only and never for anything else.

One folder per request under /run/sandbox holds the command (`cmd`), a FIFO for the job's
output (`out`) and a FIFO for its exit status (`status`). The output FIFO ends when the
last process holding it (the job, or an orphan it left) has exited, as a pipe from
`docker exec` would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading

RUN = "/run/sandbox"
QUEUE = f"{RUN}/jobs"
# As the other modes' shells do: announce the job's PID, then become the command.
ANNOUNCE_AND_EXEC = 'echo "[1] $$"; exec '


def _queue() -> None:
    os.makedirs(RUN, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # the server or a request made it first
        os.mkfifo(QUEUE, 0o600)


def serve() -> int:
    _queue()
    # Open for reading and writing: the FIFO never reads as ended between two requests.
    with os.fdopen(os.open(QUEUE, os.O_RDWR), encoding="utf-8") as queue:
        for line in queue:
            _start(line.strip())
    return 0


def _start(folder: str) -> None:
    """Start the job in a thread of its own, which then waits for it.

    The thread exists before the job does: a job that fills the container's pids limit
    must not leave its own waiter unable to start.
    """
    try:
        threading.Thread(target=_run, args=(folder,), daemon=True).start()
    except RuntimeError as exc:  # no thread to be had: the pids limit is reached
        _refuse(folder, f"the job server cannot start a job: {exc}")


def _run(folder: str) -> None:
    with open(f"{folder}/cmd", encoding="utf-8") as file:
        command = file.read()
    try:
        # posix_spawn, not fork: this process has threads (one per job, waiting for it).
        pid = os.posix_spawn(
            "/bin/sh",
            ["sh", "-c", ANNOUNCE_AND_EXEC + command],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 1, f"{folder}/out", os.O_WRONLY, 0),  # the request reads
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
        )
    except OSError as exc:
        _refuse(folder, f"sh: cannot fork: {exc.strerror}")
        return
    _, status = os.waitpid(pid, 0)  # this process's child, and only it
    code = os.waitstatus_to_exitcode(status)
    _report(folder, 128 - code if code < 0 else code)  # as a shell reports a signal


def _refuse(folder: str, why: str) -> None:
    """The job could not start: say why on its output, and end with 126, as a shell would."""
    with open(f"{folder}/out", "w", encoding="utf-8") as out:
        out.write(why + "\n")
    _report(folder, 126)


def _report(folder: str, code: int) -> None:
    with open(f"{folder}/status", "w", encoding="utf-8") as file:
        file.write(f"{code}\n")


def request(command: str) -> int:
    _queue()
    folder = tempfile.mkdtemp(prefix="job.", dir=RUN)
    try:
        os.mkfifo(f"{folder}/out", 0o600)
        os.mkfifo(f"{folder}/status", 0o600)
        with open(f"{folder}/cmd", "w", encoding="utf-8") as file:
            file.write(command)
        with open(QUEUE, "w", encoding="utf-8") as queue:  # waits for the server to be up
            queue.write(folder + "\n")
        out = os.open(f"{folder}/out", os.O_RDONLY)
        try:
            while chunk := os.read(out, 65536):
                os.write(1, chunk)
        finally:
            os.close(out)
        with open(f"{folder}/status", encoding="utf-8") as file:
            return int(file.read())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["request"]:
        sys.exit(request(os.environ["SANDBOX_JOB"]))
    sys.exit(serve())
