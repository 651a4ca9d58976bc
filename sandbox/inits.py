"""The PID 1 choices: what runs as the container's init, and how it treats orphans.

Most modes are a container command whose first process is PID 1, with the scenario's jobs
started beside it by `docker exec`. Two need more than a command:

- `none`: Docker's default, the scenario's own script is PID 1. PID 1 starts as a shell
  that waits for the run's first job and then becomes it (exec), alone in the container;
  its output is the container's own, and the container ends with it.
- `tini-subreaper`: tini is not PID 1 but a registered child subreaper under a PID 1 that
  never reaps. Orphans go to the nearest subreaper among their ancestors, so the jobs must
  be tini's descendants, which `docker exec` processes never are: a job server under tini
  (sandbox/jobs.py) starts them on request.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.errors import UsageError

# What PID 1 runs under `none` until the first job comes; then it becomes that job. The
# job comes through a FIFO from a shell that `docker exec` starts (Box.start), with that
# shell's PID: PID 1 becomes the job only once the shell is gone (its /proc entry goes when
# it is reaped, after its pid is given back), so that the job starts alone, as after
# `docker run IMAGE job`. Without the wait the shell was still there as the job started in
# 6 of 60 runs here, and now and then held one of pid-exhaustion's 32 pids. A wait of a
# few milliseconds at most, with builtins only: a forked `sleep` would be PID 1's child.
PID1_QUEUE = "/run/sandbox/pid1"
_QUEUE_MADE = f"mkdir -p {PID1_QUEUE.rsplit('/', 1)[0]}; mkfifo {PID1_QUEUE} 2>/dev/null"
_AWAIT_FIRST_JOB = (
    f"{_QUEUE_MADE}; read -r writer job < {PID1_QUEUE}; "
    'while [ -e "/proc/$writer" ]; do :; done; echo "[1] $$"; eval "exec $job"'
)
# The shell that `docker exec` starts to hand PID 1 its job ($SANDBOX_JOB).
DELIVER_FIRST_JOB = f'{_QUEUE_MADE}; printf "%s %s\\n" "$$" "$SANDBOX_JOB" > {PID1_QUEUE}'
JOBS_SERVER = "/opt/sandbox/jobs.py"


@dataclass(frozen=True)
class InitMode:
    name: str
    command: tuple[str, ...]  # the container's command; its first process is PID 1
    summary: str
    docker_init: bool = False  # Docker's own init (`docker run --init`) runs the command
    # How jobs start: "exec" (a shell started by `docker exec`), "pid1" (the first job
    # becomes PID 1, the others as "exec"), "server" (the job server under the subreaper).
    jobs: str = "exec"
    # The start of the command line of the process that adopts orphans, if not PID 1.
    subreaper: str = ""
    # The command line of what PID 1 starts of its own, if anything: a box is ready once
    # it runs (so that it always has a lower PID than the scenario's processes).
    ready: str = ""

    @property
    def shown(self) -> str:
        """PID 1's command as the transcript shows it."""
        prefix = "docker-init -- " if self.docker_init else ""
        if self.jobs == "pid1":
            return "the script itself (it waits for the first job, then becomes it)"
        return prefix + " ".join(self.command)


INITS: dict[str, InitMode] = {
    mode.name: mode
    for mode in (
        InitMode(
            "noreap",
            ("/usr/local/sbin/noreap",),
            "a PID 1 that never calls wait(): every orphan that exits stays a zombie (PPID 1)",
        ),
        InitMode(
            "tini",
            ("/usr/bin/tini", "--", "sleep", "infinity"),
            "Debian's tini as PID 1: it reaps every orphan it inherits, at once",
            ready="sleep infinity",
        ),
        InitMode(
            "none",
            ("sh", "-c", _AWAIT_FIRST_JOB),
            "Docker's default: the scenario's own script is PID 1, and reaps only what it "
            "waits for",
            jobs="pid1",
        ),
        InitMode(
            "docker-init",
            ("sleep", "infinity"),
            "Docker's --init (tini, built in): it reaps every orphan it inherits",
            docker_init=True,
            ready="sleep infinity",
        ),
        InitMode(
            "dumb-init",
            ("/usr/bin/dumb-init", "sleep", "infinity"),
            "Debian's dumb-init as PID 1: it reaps orphans and forwards signals",
            ready="sleep infinity",
        ),
        InitMode(
            "bash",
            # `; :` keeps bash from exec'ing sleep: bash itself stays PID 1 and waits.
            ("/bin/bash", "-c", "sleep infinity; :"),
            "bash as PID 1, waiting for its child: its wait() reaps adopted orphans too",
            ready="sleep infinity",
        ),
        InitMode(
            "tini-subreaper",
            ("/usr/local/sbin/noreap", "/usr/bin/tini", "-s", "--", "python3", JOBS_SERVER),
            "tini as a child subreaper under a PID 1 that never reaps: it adopts and reaps "
            "the orphans of the jobs below it",
            jobs="server",
            subreaper="/usr/bin/tini -s",
            ready=f"python3 {JOBS_SERVER}",
        ),
    )
}
DEFAULT_INITS = ("noreap", "tini")

# How long an orphaned zombie must stay for "PID 1 does not reap it" to be the verdict.
# tini reaps on SIGCHLD at once, and within 1 s (its wait timeout) even had it missed the
# signal: twice that leaves no doubt either way.
REAP_WINDOW_S = 2.0


def get_init(name: str) -> InitMode:
    try:
        return INITS[name]
    except KeyError:
        raise UsageError(
            f"unknown PID 1 mode {name!r}; choose one of: {', '.join(INITS)}"
        ) from None
