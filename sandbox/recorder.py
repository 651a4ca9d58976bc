"""Every fork, exec, exit and reap of the boxes' processes, as the kernel reports them.

The one module that listens to the kernel's process-events connector (netlink,
NETLINK_CONNECTOR, multicast group CN_IDX_PROC). It hears every fork, exec and exit on the
machine, stamped with the kernel's CLOCK_MONOTONIC (Python's time.monotonic), and keeps
those of the containers it follows: each is followed from before it starts, so its first
event is PID 1's exec (found by the container ID in /proc/<pid>/cgroup, as is whatever
`docker exec` starts in it), and every process after that is a descendant of those. The
controller's own commands (proctable.HELPER_MARK) and their children are left out, as
they are from the process tables.

The connector has no event for a reap. Each process gets a pidfd when it is first seen,
and a kernel that wakes a pidfd's poller with POLLHUP when its process is reaped (Linux 6.9
and later; checked once, see reaps_wake_pidfds) has each reap timed at that wake-up. On
an older kernel the exited processes' pidfds are looked at every POLL_S instead, and the
recording says so.

Nothing is lost unseen: the connector numbers its messages per CPU, so a gap in a CPU's
sequence is a count of events the socket dropped (`Recording.lost`).

The listening is done by a process of its own (`python -m sandbox.recorder`, Listener),
one per controller, started for its first box and serving all of them: a thread of the
controller would wait for its other threads to let go of the interpreter (a table read
of 1,000 processes holds it for tens of milliseconds), and every reap it timed would be
late by that wait. It ends when the controller's end of its pipe closes, the controller
gone: it never outlives it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sandbox import proctable
from sandbox.errors import SandboxError
from sandbox.model import ProcessEvent

NETLINK_CONNECTOR = 11
CN_IDX_PROC = CN_VAL_PROC = 1
PROC_CN_MCAST_LISTEN, PROC_CN_MCAST_IGNORE = 1, 2
NLMSG_DONE = 3
SO_RCVBUFFORCE = 33  # as root: a receive buffer past net.core.rmem_max
RECEIVE_BUFFER = 64 << 20  # bytes: a burst of 10,000 forks and exits fits many times over
PROC_EVENT_FORK, PROC_EVENT_EXEC, PROC_EVENT_EXIT = 0x1, 0x2, 0x80000000

NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
CN_MSG = struct.Struct("=IIIIHH")  # idx, val, seq, ack, len, flags
EVENT_HEADER = struct.Struct("=IIQ")  # what, cpu, timestamp_ns
FORK = struct.Struct("=IIII")  # parent pid, parent tgid, child pid, child tgid
EXEC = struct.Struct("=II")  # pid, tgid
EXIT = struct.Struct("=IIII")  # pid, tgid, exit code (a wait status), exit signal
EXIT_PARENT = struct.Struct("=II")  # parent pid, parent tgid (Linux 4.18 and later)

# A reap event's detail where it was an orphan's: still there (alive, or a zombie) when
# its parent's exit was read, so reaped by the adopter (PID 1, or a child subreaper).
ORPHAN = "orphan"
POLL_S = 0.005  # where pidfds do not report reaps: how often exited processes are looked at
CONNECTOR = "the kernel's process-events connector (every fork, exec and exit)"


START_S = 10.0  # for the recording process to be listening, or to follow a container
STOP_S = 30.0  # for it to hand over a recording (10,000 processes' events: ~1 s)


class RecorderUnavailable(SandboxError):
    """The connector cannot be listened to here: the run's timeline is sampled instead."""


@dataclass(frozen=True)
class Recording:
    """What a recorder heard, from its start to its stop."""

    events: tuple[ProcessEvent, ...]
    lost: int  # events the socket dropped (gaps in the connector's per-CPU numbering)
    how: str  # how forks, exits and reaps were seen, for the report


@dataclass
class _Followed:
    """A container being recorded: its events, stamped from its run's start."""

    container_id: str
    origin: float  # its run's start (time.monotonic())
    lost_before: int  # the numbering's losses when it began
    events: list[tuple[float, str, int, int, int, str]] = field(default_factory=list)


@dataclass
class _Member:
    followed: _Followed
    pid: int  # in the container (0: it was gone before it could be looked up)
    ppid_host: int  # its parent's host PID (0: outside the container)
    pidfd: int = -1  # -1: none (gone before it could be opened, or out of descriptors)
    exited: bool = False
    gone_at: float | None = None  # reaped before its fork was read: by then at the latest
    # Its parent died first and left it to the adopter (PID 1, or a child subreaper).
    orphan: bool = False


@dataclass
class Numbering:
    """The connector's per-CPU message numbers seen so far, and the gaps among them."""

    last: dict[int, int] = field(default_factory=dict)  # per CPU
    lost: int = 0

    def saw(self, cpu: int, seq: int) -> None:
        before = self.last.get(cpu)
        if before is not None and seq > before + 1:
            self.lost += seq - before - 1
        self.last[cpu] = seq


class Listener:
    """The recording process's work: the process events of the containers it is told to
    follow, for as long as its commands go on.

    Commands come as lines on `control` (a file descriptor), each answered with a line:
    `follow CONTAINER_ID ORIGIN` (created, not started; ORIGIN its run's start) is
    answered `following CONTAINER_ID`; `stop CONTAINER_ID` with its recording as JSON.
    The end of `control` (the controller is gone) ends it.
    """

    def __init__(self, *, control: int) -> None:
        """Listen at once (RecorderUnavailable where the kernel will not let us)."""
        self.reaps_wake = reaps_wake_pidfds()
        self._sock = _listen()
        self._followed: dict[str, _Followed] = {}
        self._members: dict[int, _Member] = {}  # by host PID
        self._children: dict[int, set[int]] = {}  # host PID -> its members' host PIDs
        self._helpers: set[int] = set()  # the controller's own commands, by host PID
        self._by_pidfd: dict[int, int] = {}  # pidfd -> host PID
        self._sequence = Numbering()
        self._control = control
        self._commands = b""
        self._poller = select.epoll()
        self._poller.register(control, select.EPOLLIN)
        self._poller.register(self._sock.fileno(), select.EPOLLIN)

    def how(self) -> str:
        return f"{CONNECTOR}; reaps " + (
            "as the kernel wakes each process's pidfd"
            if self.reaps_wake
            else f"by looking at each exited process's pidfd every {POLL_S * 1000:g} ms "
            "(this kernel's pidfds do not wake at a reap)"
        )

    def serve(self, answer: Callable[[str], None]) -> None:
        """Record and answer commands until they end."""
        while True:
            ready = self._poller.poll(-1 if self.reaps_wake else POLL_S)
            woke = time.monotonic()  # a reap's time: when it woke us
            # The socket first: a reaped process's exit was queued at the exit, before the
            # reap, so it is read now, and its fork too (where its pidfd came from).
            self._drain()
            for fd, mask in ready:
                if mask & select.EPOLLHUP and fd in self._by_pidfd:
                    self._reaped(fd, woke)
            if not self.reaps_wake:
                for fd in self._polled_reaps():
                    self._reaped(fd, woke)
            for command in self._read_commands(ready):
                if command is None:
                    return
                self._drain()  # everything the kernel sent before the command came
                answer(self._command(command))

    def _command(self, command: str) -> str:
        verb, _, rest = command.partition(" ")
        if verb == "follow":
            container_id, _, origin = rest.partition(" ")
            self._followed[container_id] = _Followed(
                container_id, float(origin), self._sequence.lost
            )
            return f"following {container_id}"
        if verb == "stop":
            self._reap_waiting()  # reaps done by now, not yet read
            followed = self._followed.pop(rest, None)
            if followed is None:
                return json.dumps([[], 0, self.how()])
            for host_pid in [h for h, m in self._members.items() if m.followed is followed]:
                self._forget(host_pid)
            lost = self._sequence.lost - followed.lost_before
            return json.dumps([followed.events, lost, self.how()])
        return f"unknown command {verb!r}"

    def _read_commands(self, ready: list[tuple[int, int]]) -> list[str | None]:
        """The whole lines that came on `control`; None where it ended."""
        if not any(fd == self._control for fd, _ in ready):
            return []
        chunk = os.read(self._control, 1 << 16)
        self._commands += chunk
        *lines, self._commands = self._commands.split(b"\n")
        return [line.decode() for line in lines if line] + ([None] if not chunk else [])

    # -- the connector's messages -------------------------------------------------------

    def _drain(self) -> None:
        """Read every message queued on the socket, without blocking."""
        while True:
            try:
                data = self._sock.recv(1 << 16, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:  # it overflowed: the numbering counts the loss
                    continue
                raise
            self._messages(data)

    def _messages(self, data: bytes) -> None:
        for message in messages(data):
            self._sequence.saw(message.cpu, message.seq)
            at = message.stamp_ns / 1e9
            if message.what == PROC_EVENT_FORK and message.pid == message.tgid:
                self._forked(at, message.parent, message.pid)
            elif message.what == PROC_EVENT_EXEC and message.pid == message.tgid:
                self._execed(at, message.tgid)
            elif message.what == PROC_EVENT_EXIT and message.pid == message.tgid:
                self._exited(at, message.tgid, message.status, message.parent)

    def _forked(self, at: float, parent: int, child: int) -> None:
        if parent in self._helpers:
            self._helpers.add(child)
        elif parent in self._members and child not in self._members:
            member = self._add(self._members[parent].followed, child, parent)
            self._record(at, "fork", member, child)

    def _execed(self, at: float, pid: int) -> None:
        if pid in self._helpers:
            return
        if pid in self._members:
            self._record(at, "exec", self._members[pid], pid, _command(pid))
            return
        followed = self._container_of(pid)
        if followed is None:
            return
        command = _command(pid)
        if not command:  # gone already (a typed command's instant `kill`): not followed
            return
        # The controller's own commands, as proctable.without_helpers has them: never
        # PID 1 (whose command line may name the controller's job server).
        if proctable.HELPER_MARK in command and _namespace_pid(pid) != 1:
            self._helpers.add(pid)
        else:  # PID 1, or started by `docker exec`: its parent is outside the container
            self._record(at, "exec", self._add(followed, pid, 0), pid, command)

    def _container_of(self, pid: int) -> _Followed | None:
        """The followed container process `pid` is in (by its cgroup), if any."""
        if not self._followed:
            return None
        try:
            cgroup = Path(f"/proc/{pid}/cgroup").read_text()
        except OSError:
            return None
        return next((f for f in self._followed.values() if f.container_id in cgroup), None)

    def _exited(self, at: float, pid: int, status: int, parent: int) -> None:
        self._helpers.discard(pid)
        member = self._members.get(pid)
        if member is None or member.exited:
            return
        if parent and member.ppid_host and parent != member.ppid_host:
            member.orphan = True  # its parent died first: it exits the adopter's child
        if parent:
            member.ppid_host = parent if parent in self._members else 0
        member.exited = True
        self._orphaned(pid)
        self._record(at, "exit", member, pid, _status(status))
        if member.gone_at is not None:  # reaped before its fork was read
            self._forget(pid)
            self._record(member.gone_at, "reap", member, pid)

    def _orphaned(self, parent: int) -> None:
        """`parent` has exited: its children still there now are orphans, the adopter's
        to reap. (One reaped already may have been reaped by either: the kernel hands the
        children over just before it sends the parent's exit. lifecycle.py tells them
        apart by time where it can.)"""
        children = self._children.pop(parent, set())
        if not children:
            return
        # One look at every reap waiting now (10,000 one by one would take long enough
        # for the adopter to reap hundreds meanwhile), or where pidfds do not wake at a
        # reap, a look at each.
        if self.reaps_wake:
            waiting = {fd for fd, _ in self._poller.poll(0, len(self._by_pidfd) + 2)}
        else:
            waiting = {m.pidfd for m in map(self._members.get, children) if m and _gone(m.pidfd)}
        for host_pid in children:
            member = self._members.get(host_pid)
            if member is not None and (not member.exited or member.pidfd not in waiting):
                member.orphan = True

    def _reaped(self, pidfd: int, at: float) -> None:
        host_pid = self._by_pidfd[pidfd]
        member = self._members[host_pid]
        self._forget(host_pid)
        self._record(at, "reap", member, host_pid, ORPHAN if member.orphan else "")

    def _reap_waiting(self) -> None:
        """Read the reaps waiting now (or, where pidfds do not wake, look for them)."""
        now = time.monotonic()
        found = self._polled_reaps() if not self.reaps_wake else set()
        found |= {
            fd
            for fd, mask in self._poller.poll(0, len(self._by_pidfd) + 2)
            if mask & select.EPOLLHUP and fd in self._by_pidfd
        }
        for fd in found:
            self._reaped(fd, now)

    def _polled_reaps(self) -> set[int]:
        return {
            pidfd
            for pidfd, host_pid in self._by_pidfd.items()
            if self._members[host_pid].exited and _gone(pidfd)
        }

    # -- members -------------------------------------------------------------------------

    def _add(self, followed: _Followed, host_pid: int, parent_host_pid: int) -> _Member:
        member = _Member(followed, _namespace_pid(host_pid), parent_host_pid)
        self._children.setdefault(parent_host_pid, set()).add(host_pid)
        try:
            member.pidfd = os.pidfd_open(host_pid)
        except ProcessLookupError:
            member.gone_at = time.monotonic()
        except OSError:  # out of descriptors: its reap is not seen
            pass
        else:
            self._by_pidfd[member.pidfd] = host_pid
            self._poller.register(member.pidfd, 0)  # 0: woken for POLLHUP, the reap, only
        self._members[host_pid] = member
        return member

    def _forget(self, host_pid: int) -> None:
        """No longer follow `host_pid`: reaped, or its container no longer recorded."""
        member = self._members.pop(host_pid)
        self._children.get(member.ppid_host, set()).discard(host_pid)
        if member.pidfd >= 0:
            del self._by_pidfd[member.pidfd]
            os.close(member.pidfd)  # which also takes it out of the epoll set

    def _record(
        self, at: float, kind: str, member: _Member, host_pid: int, detail: str = ""
    ) -> None:
        parent = self._members.get(member.ppid_host)
        ppid = parent.pid if parent and parent.followed is member.followed else 0
        member.followed.events.append(
            (round(at - member.followed.origin, 6), kind, member.pid, ppid, host_pid, detail)
        )

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.send(_control(self._sock, PROC_CN_MCAST_IGNORE))
        self._sock.close()
        for pidfd in self._by_pidfd:
            os.close(pidfd)
        self._poller.close()


class _Server:
    """The recording process (`python -m sandbox.recorder`): one per controller, started
    for its first box and shared by all of them, from any thread."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        self.unavailable = ""  # why it cannot record, once it has said so
        self._lock = threading.Lock()
        self._started = False
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.recorder"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
            start_new_session=True,  # Ctrl-C at the terminal is the controller's to handle
        )

    @property
    def ended(self) -> bool:
        """Whether it is gone (or out of step, so ended), though it could record."""
        return self._process.poll() is not None and not self.unavailable

    def ask(self, command: str, timeout_s: float) -> str:
        """Send `command`, return its answer; RecorderUnavailable if there is none.

        Anything else on the way (Ctrl-C while waiting) would leave its answer unread and
        the next command reading it: the process is ended then, and the next box starts
        another.
        """
        assert self._process.stdin is not None and self._process.stdout is not None
        with self._lock:
            if not self._started:  # its first line says whether it listens
                first = _read_line(self._process.stdout, START_S)
                self._started = True
                if first != "listening":
                    self.unavailable = first.removeprefix("unavailable: ") or (
                        "the recording process did not start"
                    )
            if self.unavailable:
                raise RecorderUnavailable(self.unavailable)
            try:
                self._process.stdin.write(command.encode() + b"\n")
                self._process.stdin.flush()
                answer = _read_line(self._process.stdout, timeout_s)
            except OSError:
                answer = ""  # it has ended: no answer comes
            except BaseException:
                self._end()
                raise
            if not answer:
                self._end()
                raise RecorderUnavailable("the recording process ended, or did not answer")
            return answer

    def _end(self) -> None:
        with contextlib.suppress(OSError):
            self._process.kill()
        self._process.wait()


_server: _Server | None = None
_server_lock = threading.Lock()


def _shared_server() -> _Server:
    """This controller's recording process, started now if there is none (or it ended)."""
    global _server
    with _server_lock:
        if _server is None or _server.ended:
            _server = _Server()
        return _server


class Recorder:
    """The controller's handle on one container's recording.

    Make it before creating the container (the recording process's start-up, ~0.1 s for
    the controller's first box, overlaps the creation); follow() the container once
    created, before it starts; stop() for the recording.
    """

    def __init__(self, *, origin: float) -> None:
        self.origin = origin  # the run's start (time.monotonic()): events are stamped from it
        self.container = 1  # which of the run's containers, for its events
        self.container_id = ""
        self._server = _shared_server()

    def follow(self, container_id: str, container: int) -> None:
        """Record container `container_id` (created, not started).

        RecorderUnavailable where this machine cannot record.
        """
        self.container = container
        answer = self._server.ask(f"follow {container_id} {self.origin!r}", START_S)
        if answer != f"following {container_id}":
            self._server._end()  # out of step
            raise RecorderUnavailable(f"the recording process answered {answer[:100]!r}")
        self.container_id = container_id

    def stop(self) -> Recording:
        """Stop recording: every event the kernel sent until now is in the recording."""
        if not self.container_id:
            raise RecorderUnavailable("no container was followed")
        answer = self._server.ask(f"stop {self.container_id}", STOP_S)
        self.container_id = ""
        try:
            events, lost, how = json.loads(answer)
            return Recording(
                tuple(
                    ProcessEvent(at, kind, pid, ppid, host_pid, detail, self.container)
                    for at, kind, pid, ppid, host_pid, detail in events
                ),
                int(lost),
                str(how),
            )
        except (ValueError, TypeError) as exc:
            self._server._end()  # out of step
            raise RecorderUnavailable(f"the recording process answered {answer[:100]!r}") from exc

    def abandon(self) -> None:
        """Stop recording, without the recording."""
        if self.container_id:
            with contextlib.suppress(RecorderUnavailable):
                self.stop()

    @property
    def pid(self) -> int:
        """The recording process's PID."""
        return self._server._process.pid


def _read_line(stream: IO[bytes], timeout_s: float) -> str:
    """One line of `stream` within `timeout_s` ("" at its end, or when none came in time)."""
    ready, _, _ = select.select([stream], [], [], timeout_s)
    return stream.readline().decode().strip() if ready else ""


@dataclass(frozen=True)
class Message:
    """One process event as the connector sends it (host PIDs; threads included)."""

    what: int  # PROC_EVENT_FORK, _EXEC, _EXIT (others are read and not kept)
    cpu: int
    seq: int  # numbered per CPU: a gap is a message lost
    stamp_ns: int  # CLOCK_MONOTONIC
    pid: int  # fork: the child; exec, exit: the task
    tgid: int  # its process (== pid for a process, not a thread)
    parent: int = 0  # fork: the parent process; exit: its parent as it exits (0: not sent)
    status: int = 0  # exit: a wait status


def messages(data: bytes) -> Iterator[Message]:
    """The process events in one read of the connector's socket (netlink messages, each a
    cn_msg holding a proc_event)."""
    offset = 0
    while offset + NLMSGHDR.size + CN_MSG.size <= len(data):
        length = NLMSGHDR.unpack_from(data, offset)[0]
        idx, val, seq, _, size, _ = CN_MSG.unpack_from(data, offset + NLMSGHDR.size)
        body = offset + NLMSGHDR.size + CN_MSG.size
        if (idx, val) == (CN_IDX_PROC, CN_VAL_PROC) and size >= EVENT_HEADER.size:
            what, cpu, stamp = EVENT_HEADER.unpack_from(data, body)
            fields = body + EVENT_HEADER.size
            if what == PROC_EVENT_FORK:
                _, parent, pid, tgid = FORK.unpack_from(data, fields)
                yield Message(what, cpu, seq, stamp, pid, tgid, parent)
            elif what == PROC_EVENT_EXEC:
                pid, tgid = EXEC.unpack_from(data, fields)
                yield Message(what, cpu, seq, stamp, pid, tgid)
            elif what == PROC_EVENT_EXIT:
                pid, tgid, status, _ = EXIT.unpack_from(data, fields)
                parent = 0
                if size >= EVENT_HEADER.size + EXIT.size + EXIT_PARENT.size:
                    _, parent = EXIT_PARENT.unpack_from(data, fields + EXIT.size)
                yield Message(what, cpu, seq, stamp, pid, tgid, parent, status)
            else:
                yield Message(what, cpu, seq, stamp, 0, 0)
        offset += max((length + 3) & ~3, NLMSGHDR.size)


def _listen() -> socket.socket:
    """A socket subscribed to the connector's process events; RecorderUnavailable if not."""
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR)
    except (OSError, AttributeError) as exc:  # AttributeError: not Linux
        raise RecorderUnavailable(f"no netlink connector here ({exc})") from None
    try:
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER)
        except PermissionError:  # not root: as large as net.core.rmem_max lets it be
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        sock.bind((0, CN_IDX_PROC))
        sock.send(_control(sock, PROC_CN_MCAST_LISTEN))
    except OSError as exc:
        sock.close()
        why = "it needs root on this kernel" if exc.errno in (errno.EPERM, errno.EACCES) else ""
        raise RecorderUnavailable(
            f"the kernel's process-events connector refused to be listened to"
            f"{': ' + why if why else ''} ({exc.strerror})"
        ) from None
    _allow_descriptors()
    return sock


def _control(sock: socket.socket, operation: int) -> bytes:
    """The netlink message that subscribes a socket to process events (or unsubscribes it)."""
    payload = struct.pack("=I", operation)
    message = CN_MSG.pack(CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(payload), 0) + payload
    port = sock.getsockname()[0]
    return NLMSGHDR.pack(NLMSGHDR.size + len(message), NLMSG_DONE, 0, 0, port) + message


@functools.cache
def _allow_descriptors() -> None:
    """A pidfd per process: 10,000 zombies need 10,000 descriptors, past the usual 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@functools.cache
def reaps_wake_pidfds() -> bool:
    """Whether this kernel wakes a pidfd's poller with POLLHUP when its process is reaped.

    Tried once on a child of our own: its pidfd is registered while it is a zombie, then
    it is reaped; an epoll that reports POLLHUP at once was woken by the reap.
    """
    child = subprocess.Popen(["true"])
    try:
        pidfd = os.pidfd_open(child.pid)
    except OSError:
        child.wait()
        return False
    try:
        select.select([pidfd], [], [], 5.0)  # readable once it has exited (still a zombie)
        with select.epoll() as poller:
            poller.register(pidfd, 0)
            child.wait()
            return any(mask & select.EPOLLHUP for _, mask in poller.poll(0))
    finally:
        os.close(pidfd)


def _gone(pidfd: int) -> bool:
    """Whether the process of `pidfd` has been reaped: a signal 0 reaches a zombie, not
    a process that is gone."""
    try:
        signal.pidfd_send_signal(pidfd, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _in_container(host_pid: int, container_id: str) -> bool:
    try:
        return container_id in Path(f"/proc/{host_pid}/cgroup").read_text()
    except OSError:
        return False


def _namespace_pid(host_pid: int) -> int:
    try:
        return proctable.namespace_pid(host_pid)
    except (OSError, ValueError):  # gone already
        return 0


def _command(host_pid: int) -> str:
    try:
        raw = Path(f"/proc/{host_pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")


def _status(status: int) -> str:
    """A wait status as words: `exit 0`, `killed by SIGTERM`."""
    if status & 0x7F:
        try:
            return f"killed by {signal.Signals(status & 0x7F).name}"
        except ValueError:
            return f"killed by signal {status & 0x7F}"
    return f"exit {status >> 8 & 0xFF}"


def main() -> int:
    """The recording process: `python -m sandbox.recorder`, commands on stdin."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the controller's to handle
    # Woken first: the sooner it reads a parent's death, the fewer of its zombies are
    # reaped before that can be looked at (as root; elsewhere it runs as it is).
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, -20)

    def answer(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    try:
        listener = Listener(control=sys.stdin.fileno())
    except RecorderUnavailable as exc:
        answer(f"unavailable: {exc.message}")
        return 0
    answer("listening")
    listener.serve(answer)
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
