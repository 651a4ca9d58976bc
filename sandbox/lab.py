"""What a scenario drives: a lab of throwaway containers, and a learner's view of each.

A scenario's `drive(lab)` opens a box (a fresh container under the run's PID 1), starts
the tutorial's script in it the way the tutorial does (`python3 test.py &` at a shell),
waits for the moments it is about (a zombie exists, the parent is gone), captures what a
learner would type and see there, and records what it observed with `lab.check(...)`.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import shlex
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sandbox import proctable
from sandbox.confine import DEFAULT_LIMITS, Limits, Staging
from sandbox.engine import Engine, ExecResult
from sandbox.errors import ConditionTimeout, SandboxError, ScenarioError
from sandbox.inits import DELIVER_FIRST_JOB, JOBS_SERVER, InitMode
from sandbox.model import Process, ProcessEvent, Sample, Snapshot
from sandbox.recorder import Recorder, RecorderUnavailable
from sandbox.waiting import Timeout, wait_until

T = TypeVar("T")
Table = tuple[Process, ...]

HOME = "/root"  # where the scenario's files are, and where its commands run (the seed's `~`)
HELPER_DIR = proctable.HELPER_MARK.rstrip("/")  # /opt/sandbox: the controller's own files
PROBE = Path(__file__).with_name("probe.py")
LINE_BUFFER = Path(__file__).with_name("linebuffer.py")
JOBS = Path(__file__).with_name("jobs.py")
ENVIRONMENT = {
    "HOME": HOME,
    "LANG": "C.UTF-8",  # the seed prints Chinese
    # Its sitecustomize.py makes prints line-buffered, as on a terminal (see linebuffer.py).
    "PYTHONPATH": f"{HELPER_DIR}/python",
    "PYTHONDONTWRITEBYTECODE": "1",
    "COLUMNS": "160",
}
DEFAULT_WAIT_S = 10.0
# What a job's output may add to the transcript (characters): a script printing without
# end must not fill the controller's memory and the results. The rest is read and counted.
OUTPUT_LIMIT = 1 << 20
# A job's shell announces the command's PID first (`[1] 13`), within this many characters.
HEADER = re.compile(r"\[1\] (\d+)\n")
HEADER_WITHIN = 1 << 16
CONTAINER_MARK = "# ── a fresh container"  # begins each container's part of a transcript
GREPS_PS = re.compile(r"^ps aux\s*\|\s*grep ")  # `ps aux | grep X`: grep lists itself


@dataclass(frozen=True)
class Observation:
    holds: bool
    detail: str


class Lab:
    """One scenario run under one PID 1 mode: its boxes, transcript, snapshots and checks."""

    def __init__(
        self,
        engine: Engine,
        image: str,
        init: InitMode,
        files: Mapping[str, bytes],
        *,
        labels: Mapping[str, str],
        bound_s: float,
        limits: Limits = DEFAULT_LIMITS,
        writes: tuple[str, ...] = (),
        children: int = 0,
    ) -> None:
        self.engine = engine
        self.children = children  # how many its script forks (Scenario.children, --children)
        self.limits = limits  # each box's memory and pids limits (sandbox/confine.py)
        self.writes = writes  # files of `files` the scenario's scripts write
        self.image = image
        self.init = init
        self.files = dict(files)
        self.labels = dict(labels)
        self.started = time.monotonic()
        self.bound_s = bound_s
        self.deadline = self.started + bound_s  # when the whole run must be over
        self.snapshots: list[Snapshot] = []
        self.observations: dict[str, Observation] = {}
        self.facts: dict[str, int | float | str] = {}
        self.timeline: list[Sample] = []
        # Every fork, exec, exit and reap in the run's boxes (sandbox/recorder.py), how
        # they were recorded (or why not: the timeline's samples are then all there is),
        # and how many the kernel's socket dropped.
        self.events: list[ProcessEvent] = []
        self.recorder = ""
        self.events_lost = 0
        self.host_differences: list[str] = []
        self.host_view: str = ""  # how the host's view was used, for the result
        self.host_comparisons = 0  # snapshots compared with the host's view
        self.exit_code: int | None = None  # of the run's first job (the scenario's script)
        self.jobs_started = 0
        self.boxes_opened = 0
        self._transcript: list[str] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        # Held while a command is typed and its output written: what background jobs print
        # meanwhile waits, and lands after that output, not in the middle of it.
        self.terminal = threading.RLock()
        self._cancelled = threading.Event()
        self._parts: list[threading.Thread] = []

    # -- what a scenario calls -----------------------------------------------------------

    @contextlib.contextmanager
    def box(self) -> Iterator[Box]:
        """A fresh container under this run's PID 1, removed afterwards whatever happens.

        Confined (sandbox/confine.py) with the run's limits (runner.lab_for).
        """
        if self._cancelled.is_set():
            raise ScenarioError("the run was stopped; no new container is started")
        writable = {f"{HOME}/{name}" for name in self.writes}
        with Staging(self._payload(), writable) as staged, self._box(staged) as box:
            yield box

    @contextlib.contextmanager
    def _box(self, staged: Staging) -> Iterator[Box]:
        # The recording process's start-up (the controller's first box) overlaps the
        # container's creation.
        recorder = self._recorder()
        container_id = self.engine.create(
            self.image,
            list(self.init.command),
            self.labels,
            working_dir=HOME,
            environment=ENVIRONMENT,
            confinement=staged.confinement(self.limits),
            docker_init=self.init.docker_init,
        )
        box: Box | None = None
        self.write(f"\n{CONTAINER_MARK} (PID 1: {self.init.shown})\n")
        try:
            with self._lock:
                self.boxes_opened += 1
                index = self.boxes_opened
            recorder = self._follow(recorder, container_id, index)
            self.engine.start(container_id)
            init_host_pid = int(self.engine.state(container_id).get("Pid") or 0)
            host = proctable.host_can_see(container_id, init_host_pid)
            if not self.host_view:
                self.host_view = (
                    "read from the host's /proc and compared at every snapshot"
                    if host
                    else "unavailable: the engine does not run on this machine's kernel "
                    f"({self.engine.endpoint}); the in-container table is the only view"
                )
            if not host and recorder is not None:  # it hears this kernel, not the engine's
                recorder.abandon()
                recorder = None
                self.recorder = "sampled: the engine runs on another kernel than this machine's"
            box = Box(self, container_id, host_view=host, init_host_pid=init_host_pid, index=index)
            if ready := self.init.ready:
                # Until PID 1 has started its own child (sleep, the job server), that child
                # and the scenario's first processes take their PIDs in either order: wait
                # (on the host's /proc where it can, which takes no PID), so that the
                # tables look the same every run.
                box.wait_for(
                    f"PID 1 to start {ready}",
                    lambda t: next((p for p in t if p.cmd == ready), None),
                )
            yield box
        except BaseException:
            self._keep_events(recorder)
            with contextlib.suppress(SandboxError):
                self.engine.remove(container_id)
            raise
        else:
            # Before the removal, whose kills and reaps are the engine's, not the scenario's.
            self._keep_events(recorder)
            self.engine.remove(container_id)  # an interruption here is swept by the runner
        finally:
            if box is not None:
                box.close()

    def _recorder(self) -> Recorder | None:
        """A recording process for the next box (sandbox/recorder.py), or None."""
        if os.environ.get("SANDBOX_RECORDER") == "off":
            self.recorder = "sampled: the recorder is turned off (SANDBOX_RECORDER=off)"
            return None
        try:
            return Recorder(origin=self.started)
        except OSError as exc:
            self.recorder = f"sampled: the recording process could not start ({exc.strerror})"
            return None

    def _follow(self, recorder: Recorder | None, container_id: str, index: int) -> Recorder | None:
        """The recorder, listening for the created container's events; or None, and why."""
        if recorder is None:
            return None
        try:
            recorder.follow(container_id, index)
        except RecorderUnavailable as exc:
            self.recorder = f"sampled: {exc.message}"
            return None
        return recorder

    def _keep_events(self, recorder: Recorder | None) -> None:
        if recorder is None:
            return
        try:
            recording = recorder.stop()
        except RecorderUnavailable as exc:
            self.recorder = f"sampled: {exc.message}"
            return
        with self._lock:
            self.events += recording.events
            self.events_lost += recording.lost
            if not self.recorder:
                self.recorder = recording.how

    def _payload(self) -> dict[str, bytes]:
        """Path in the container -> content: the scenario's files in the home folder, the
        controller's helpers (probe, line buffering, job server) in /opt/sandbox."""
        files = {
            f"{HELPER_DIR}/probe.py": PROBE.read_bytes(),
            f"{HELPER_DIR}/python/sitecustomize.py": LINE_BUFFER.read_bytes(),
            JOBS_SERVER: JOBS.read_bytes(),
        }
        files.update({f"{HOME}/{name}": data for name, data in self.files.items()})
        return files

    def check(self, name: str, holds: bool, detail: str) -> None:
        """Record what was observed for the scenario's declared check `name`."""
        self.observations[name] = Observation(bool(holds), detail)

    def fact(self, name: str, value: int | float | str) -> None:
        """Record a figure the run measured; it lands in the result's `facts`."""
        self.facts[name] = value

    def say(self, text: str) -> None:
        """Narration in the transcript (a `# ...` line), like the tutorial's own comments."""
        with self.terminal:
            self.write(f"\n# {text}\n")

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    # -- used by boxes and the runner ----------------------------------------------------

    def write(self, text: str) -> None:
        """Append to the transcript (of the part this thread runs, in `parallel`)."""
        self.writer()(text)

    def writer(self) -> Callable[[str], None]:
        """A function appending to this thread's transcript, for threads that write later."""
        part: list[str] | None = getattr(self._local, "part", None)
        target = self._transcript if part is None else part

        def write(text: str) -> None:
            with self._lock:
                target.append(text)

        return write

    def parallel(self, *parts: Callable[[], None]) -> None:
        """Run `parts` at the same time, each in a thread of its own (with its own boxes).

        Each part's transcript is kept apart and appended whole, in the order given, so a
        learner reads one variant after another. The first error of any part is raised
        once all have ended.
        """
        transcripts: list[list[str]] = [[] for _ in parts]
        errors: list[BaseException] = []

        def run(index: int, part: Callable[[], None]) -> None:
            self._local.part = transcripts[index]
            try:
                part()
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=run, args=(i, part), name=f"part {i}", daemon=True)
            for i, part in enumerate(parts)
        ]
        self._parts += threads
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        finally:
            with self._lock:
                for transcript in transcripts:
                    self._transcript.extend(transcript)
        if errors:
            raise errors[0]

    def cancel(self, join_s: float = 5.0) -> bool:
        """Stop the run: no part may open a box any more; give running parts `join_s` to end.

        Whether the run had parts (lab.parallel) that might have opened one meanwhile.
        """
        self._cancelled.set()
        deadline = time.monotonic() + join_s
        for thread in self._parts:
            thread.join(max(0.0, deadline - time.monotonic()))
        return bool(self._parts)

    @property
    def transcript(self) -> str:
        with self._lock:
            return "".join(self._transcript)

    def remaining(self, timeout_s: float) -> float:
        """How long a wait of `timeout_s` may take before the run's own bound."""
        return max(0.0, min(timeout_s, self.deadline - time.monotonic()))

    def gave_up(self, what: str, timeout_s: float, limit: float, last: object) -> ConditionTimeout:
        """The error for a wait on `what` that ended at `limit` (`timeout_s` asked for)."""
        if limit < timeout_s:
            why = f"the run's {self.bound_s:g} s bound ran out while waiting for {what}"
        else:
            why = f"waited {timeout_s:g} s for {what}"
        return ConditionTimeout(why, last_state=last)


class Job:
    """A command started in the background of a shell inside a box (`command &`)."""

    def __init__(
        self,
        lab: Lab,
        command: str,
        stream: Iterator[bytes],
        status: Callable[[], int],
        *,
        first: bool,
    ) -> None:
        self.lab = lab
        self.command = command
        self.first = first  # the run's first job: its exit code is the run's
        write = lab.writer()  # to the transcript of the part that started it

        def write_between_commands(text: str) -> None:
            with lab.terminal:  # never inside a typed command's output
                write(text)

        self._write = write_between_commands
        self._status = status  # the exit status, once the output stream has ended
        self._stream = stream
        self._output: list[str] = []
        self._kept = 0  # characters of output kept, at most OUTPUT_LIMIT
        self.dropped = 0  # characters read past OUTPUT_LIMIT, not kept
        self._pid: int | None = None
        self._ended = False  # the output stream closed: the job's shell is gone
        self._changed = threading.Condition()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._pump, name=f"job {command}", daemon=True)
        self._thread.start()
        self.exit_code: int | None = None

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._output)

    def wait_for_output(
        self, printed: str | Callable[[str], bool], timeout_s: float = DEFAULT_WAIT_S
    ) -> str:
        """Wait until the job has printed what `printed` looks for (a handshake); its output.

        `printed` is a regular expression, or a test of the whole output so far. Two
        processes writing to one terminal interleave their words (the seed's own output
        shows it), so a test of what was printed should not depend on their order.
        """
        seen = printed if callable(printed) else _matches(printed)
        limit = self.lab.remaining(timeout_s)
        with self._changed:
            self._changed.wait_for(lambda: seen("".join(self._output)) or self._ended, limit)
            output = "".join(self._output)
        if seen(output):
            return output
        what = printed if isinstance(printed, str) else "what the scenario waits for"
        self._raise_if_lost()
        if self._ended:
            raise ScenarioError(f"`{self.command}` ended without printing {what!r}")
        raise self.lab.gave_up(f"`{self.command}` to print {what!r}", timeout_s, limit, output)

    @property
    def running(self) -> bool:
        """Whether the job's shell is still there (its output stream open)."""
        return not self._ended

    def pid(self, timeout_s: float = DEFAULT_WAIT_S) -> int:
        """The command's PID, as its shell announced it (`[1] PID`)."""
        limit = self.lab.remaining(timeout_s)
        with self._changed:
            self._changed.wait_for(lambda: self._pid is not None or self._ended, limit)
            pid = self._pid
        if pid is None:
            self._raise_if_lost()
            raise self.lab.gave_up(f"`{self.command}` to start", timeout_s, limit, self.output)
        return pid

    def wait(self, timeout_s: float = DEFAULT_WAIT_S) -> int:
        """Wait for the job (and its shell) to end; its exit status as the shell saw it."""
        limit = self.lab.remaining(timeout_s)
        self._thread.join(limit)
        if self._thread.is_alive():
            raise self.lab.gave_up(f"`{self.command}` to end", timeout_s, limit, self.output)
        self._raise_if_lost()
        if self.exit_code is None:
            self.exit_code = self._status()
            self._write(f"[1]+  Exit {self.exit_code}  {self.command}\n")
            if self.first:  # the run's first job is the scenario's script
                self.lab.exit_code = self.exit_code
        return self.exit_code

    def _raise_if_lost(self) -> None:
        """The error that ended the job's output stream early (engine gone, box removed)."""
        if self._error is not None:
            raise self._error

    def _pump(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        header = ""  # the shell's `[1] PID` line, always first: it is printed before exec
        try:
            for chunk in self._stream:
                text = decoder.decode(chunk)
                if self._pid is None:
                    # The header comes on stdout; what the command writes to stderr at once
                    # can overtake it (Docker reads the two pipes apart): it is kept, and
                    # goes after the header, as it would on a terminal.
                    header += text
                    announced = HEADER.search(header)
                    if announced is None:
                        if len(header) > HEADER_WITHIN:
                            first = header.splitlines()[0] if header else ""
                            raise ScenarioError(f"`{self.command}` did not start: {first!r}")
                        continue
                    self._write(announced.group(0))
                    text = header[: announced.start()] + header[announced.end() :]
                    with self._changed:
                        self._pid = int(announced.group(1))
                        self._changed.notify_all()
                room = OUTPUT_LIMIT - self._kept
                if len(text) > room:
                    self.dropped += len(text) - room
                    text = text[:room]
                if not text:
                    continue  # past the limit: read on, so the job is never blocked
                self._kept += len(text)
                # Into the transcript first: whoever waits for this output acts next, and
                # what it types must come after the output in the transcript.
                self._write(text)
                with self._changed:
                    self._output.append(text)
                    self._changed.notify_all()
        except BaseException as exc:  # the box was removed under us, or the engine left
            self._error = exc
        finally:
            if self._pid is None and header and self._error is None:
                first = header.splitlines()[0]
                self._error = ScenarioError(f"`{self.command}` did not start: {first!r}")
            if self.dropped:
                self._write(
                    f"\n[output truncated: {self.dropped} more characters of `{self.command}` "
                    f"were read and not kept, after the first {OUTPUT_LIMIT}]\n"
                )
            else:
                self._write(decoder.decode(b"", final=True))
            with self._changed:
                self._ended = True
                self._changed.notify_all()


def _shows_grep(ps_output: str) -> bool:
    _, rows = proctable.parse_ps_aux(ps_output)
    return any(row.command.startswith("grep") for row in rows)


def _matches(pattern: str) -> Callable[[str], bool]:
    regex = re.compile(pattern)
    return lambda output: regex.search(output) is not None


class Box:
    """One running container, seen the way a learner at its shell would see it."""

    def __init__(
        self,
        lab: Lab,
        container_id: str,
        *,
        host_view: bool,
        init_host_pid: int = 0,
        index: int = 1,
    ) -> None:
        self.lab = lab
        self.index = index  # the run's first box is 1, its second 2, ...
        self.container_id = container_id
        self.host_view = host_view
        self.init_host_pid = init_host_pid  # PID 1's PID on the host (0: unknown)
        self.jobs: list[Job] = []
        self._adopter: int | None = None

    def start(self, command: str) -> Job:
        """`command &` at a shell prompt: the shell stays the command's parent and waits.

        `command` is a simple command (it is exec'd). `job.pid()` is its PID. Under the
        `none` mode the box's first job is PID 1 itself, and under `tini-subreaper` the job
        server is every job's parent instead of a shell (see sandbox/inits.py).
        """
        engine, mode = self.lab.engine, self.lab.init.jobs
        if mode == "pid1" and not self.jobs:
            self.lab.write(f"$ {command}    # as PID 1: docker run IMAGE {command}\n")
            self._shell_run(DELIVER_FIRST_JOB, command)
            stream: Iterator[bytes] = engine.output(self.container_id)
            status: Callable[[], int] = lambda: engine.wait(self.container_id)  # noqa: E731
        else:
            self.lab.write(f"$ {command} &\n")
            if mode == "server":
                argv = ["python3", JOBS_SERVER, "request"]
            else:
                # The inner shell announces its PID, then becomes the command (exec keeps
                # the PID); the outer one waits for it, as a shell waits for `command &`.
                inner = shlex.quote(f'echo "[1] $$"; exec {command}')
                argv = ["sh", "-c", f"sh -c {inner} & wait $!"]
            exec_id, stream = engine.exec_start(
                self.container_id,
                argv,
                environment={**ENVIRONMENT, "SANDBOX_JOB": command},
                working_dir=HOME,
            )
            status = lambda: engine.exec_exit_code(exec_id)  # noqa: E731
        with self.lab.terminal:
            first, self.lab.jobs_started = not self.lab.jobs_started, self.lab.jobs_started + 1
        job = Job(self.lab, command, stream, status, first=first)
        self.jobs.append(job)
        return job

    def _shell_run(self, script: str, job: str) -> None:
        """Run `script` for the controller (left out of the process table), job in SANDBOX_JOB."""
        result = self.lab.engine.exec_run(
            self.container_id,
            ["sh", "-c", script, f"{HELPER_DIR}/start"],
            environment={**ENVIRONMENT, "SANDBOX_JOB": job},
        )
        if result.exit_code != 0:
            raise ScenarioError(f"`{job}` could not be started: {result.output.strip()}")

    def adopter(self) -> int:
        """The PID that orphans of this box's jobs are handed to: PID 1, or the subreaper."""
        prefix = self.lab.init.subreaper
        if not prefix:
            return 1
        if self._adopter is None:
            self._adopter = self.wait_for(
                f"the subreaper ({prefix})",
                lambda t: next((p.pid for p in t if p.cmd.startswith(prefix)), None),
            )
        return self._adopter

    def type(self, command: str) -> str:
        """Run `command` as if typed at the container's shell; its output, also in the transcript.

        The command reaches the shell through the environment, so the shell's own command
        line (`sh -c eval "$SANDBOX_CMD" /opt/sandbox/sh`) never matches what it greps for.
        """
        return self._typed(command).output

    def _typed(self, command: str) -> ExecResult:
        with self.lab.terminal:
            self.lab.write(f"$ {command}\n")
            result = self._shell(command)
            self.lab.write(result.output)
        return result

    def _shell(self, command: str) -> ExecResult:
        return self.lab.engine.exec_run(
            self.container_id,
            ["sh", "-c", 'eval "$SANDBOX_CMD"', f"{HELPER_DIR}/sh"],
            environment={**ENVIRONMENT, "SANDBOX_CMD": command},
            working_dir=HOME,
        )

    def type_ps_grep(self, command: str, attempts: int = 5) -> str:
        """Type `ps ... | grep X` until its output shows grep's own line, as the seed's does.

        The shell starts ps and grep together, and now and then ps reads /proc before grep
        has been exec'd (it is then a copy of the shell, not yet `grep X`): that output
        lacks the grep line. Typed again, as a learner would, it shows it. Only the last
        output is kept; the retypes are counted in the fact `ps_grep_retyped`.
        """
        with self.lab.terminal:
            self.lab.write(f"$ {command}\n")
            output = self._shell(command).output
            retyped = 0
            while retyped < attempts - 1 and not _shows_grep(output):
                retyped += 1
                output = self._shell(command).output
            if retyped:
                total = int(self.lab.facts.get("ps_grep_retyped", 0)) + retyped
                self.lab.fact("ps_grep_retyped", total)
            self.lab.write(output)
        return output

    def type_until(
        self, command: str, shows: Callable[[str], bool], timeout_s: float, *, note: str = ""
    ) -> tuple[str, bool]:
        """Type `command` again and again until its output `shows` what is looked for.

        For a moment the learner's own command must catch (a `ps` while workers sleep):
        the typed command is itself the observation. Only the last output is kept, after
        `note` (a `# ...` line) and the command, all written at once. Returns the output,
        and whether it showed the moment before `timeout_s` ran out.
        """
        deadline = time.monotonic() + self.lab.remaining(timeout_s)
        while True:
            last = time.monotonic() >= deadline
            with self.lab.terminal:  # what jobs print meanwhile lands after the output
                output = self._shell(command).output
                shown = shows(output)
                if shown or last:
                    self.lab.write((f"\n# {note}\n" if note else "") + f"$ {command}\n{output}")
                    return output, shown

    def copy_out(self, path: str) -> bytes:
        """A file of the box, also once its PID 1 has ended (`docker cp`; not in the transcript)."""
        return self.lab.engine.read_file(self.container_id, path)

    def run(self, argv: list[str]) -> ExecResult:
        """Run `argv` in the container for the controller's own use: not in the transcript."""
        return self.lab.engine.exec_run(self.container_id, argv, environment=ENVIRONMENT)

    def processes(self) -> Table:
        """The container's process table, read by probe.py inside it (controller's own left out)."""
        result = self.lab.engine.exec_run(
            self.container_id, ["python3", f"{HELPER_DIR}/probe.py"], environment=ENVIRONMENT
        )
        if result.exit_code != 0:
            raise ScenarioError(f"reading the process table failed: {result.output.strip()}")
        return proctable.without_helpers(proctable.parse_probe_output(result.output))

    def host_processes(self) -> Table | None:
        """The same table read from the host's /proc, or None where the host cannot see it."""
        if not self.host_view:
            return None
        return proctable.without_helpers(proctable.read_host(self.container_id, self.init_host_pid))

    def wait_for(
        self, what: str, found: Callable[[Table], T | None], timeout_s: float = DEFAULT_WAIT_S
    ) -> T:
        """Poll the process table until `found(table)` returns something; return that."""
        limit = self.lab.remaining(timeout_s)
        try:
            table = wait_until(
                self.table, lambda t: found(t) is not None, timeout_s=limit, what=what
            )
        except Timeout as exc:
            raise self.lab.gave_up(what, timeout_s, limit, exc.last) from None
        value = found(table)
        assert value is not None
        return value

    def table(self) -> Table:
        """The table as the cheapest view reads it: the host's /proc where it can, else inside."""
        if self.host_view:
            return self.host_processes() or ()
        return self.processes()

    def sample(self) -> Table:
        """Read the table and add its counts to the run's timeline."""
        table = self.table()
        self.lab.timeline.append(
            Sample(round(self.lab.elapsed(), 3), len(table), len(proctable.zombies(table)))
        )
        return table

    def stays(
        self, what: str, holds: Callable[[Table], bool], window_s: float
    ) -> tuple[bool, float, Table]:
        """Whether `holds(table)` stays true for `window_s`; (stayed, seconds it held, last table).

        For claims like "the zombie is still there": the window is the bound within which a
        reaping init would have acted (see the scenario's declared window).
        """
        started = time.monotonic()
        try:
            last = wait_until(
                self.table,
                lambda t: not holds(t),
                timeout_s=window_s,
                what=what,
            )
        except Timeout as exc:
            assert isinstance(exc.last, tuple)
            return True, time.monotonic() - started, exc.last
        return False, time.monotonic() - started, last

    def capture(self, label: str, *commands: str) -> Snapshot:
        """Type `commands` as a learner would, then read the table (inside, and from the host)."""
        self.lab.say(f"snapshot: {label}")
        texts = [
            f"$ {command}\n"
            + (self.type_ps_grep(command) if GREPS_PS.match(command) else self.type(command))
            for command in commands
        ]
        inside = self.processes()
        host = self.host_processes()
        if host is not None:
            differences = [f"{label}: {d}" for d in proctable.compare(inside, host)]
            with self.lab.terminal:  # parts of lab.parallel capture at the same time
                self.lab.host_comparisons += 1
                self.lab.host_differences += differences
        snapshot = Snapshot(
            label, "".join(texts), inside, host, round(self.lab.elapsed(), 3), self.index
        )
        self.lab.snapshots.append(snapshot)
        return snapshot

    def kill(self, pid: int, signal: str = "TERM") -> None:
        """`kill -SIGNAL pid`, typed inside the container."""
        result = self._typed(f"kill -{signal} {pid}")
        if result.exit_code != 0:
            raise ScenarioError(f"`kill -{signal} {pid}` failed: {result.output.strip()}")

    def stop(self, grace_s: int) -> tuple[float, int]:
        """`docker stop -t grace_s`, typed on the host: (seconds until it ended, exit code)."""
        with self.lab.terminal:
            self.lab.write(f"host$ docker stop -t {grace_s} <this container>\n")
        started = time.monotonic()
        self.lab.engine.stop(self.container_id, grace_s)
        code = self.lab.engine.wait(self.container_id)
        took = time.monotonic() - started
        with self.lab.terminal:
            self.lab.write(f"host$ docker inspect -f '{{{{.State.ExitCode}}}}' ...\n{code}\n")
        return took, code

    def signal(self, signal: str) -> None:
        """`docker kill --signal SIGNAL`, typed on the host: the signal to PID 1 from outside."""
        with self.lab.terminal:
            self.lab.write(f"host$ docker kill --signal {signal} <this container>\n")
            self.lab.engine.signal(self.container_id, signal)

    def ended(self, timeout_s: float = DEFAULT_WAIT_S) -> int | None:
        """The container's exit code once PID 1 has ended within `timeout_s`; None if it runs on."""
        limit = self.lab.remaining(timeout_s)
        try:
            state = wait_until(
                lambda: self.lab.engine.state(self.container_id),
                lambda s: not s.get("Running"),
                timeout_s=limit,
                what="the container to end",
            )
        except Timeout:
            return None
        return int(state.get("ExitCode") or 0)

    def close(self) -> None:
        """After removal: let the jobs' readers see their streams end."""
        for job in self.jobs:
            job._thread.join(1.0)
