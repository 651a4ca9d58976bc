"""report.html in a real browser: headless Chromium, driven over the DevTools protocol.

The protocol goes over a pipe (--remote-debugging-pipe: Chromium reads commands on fd 3
and writes replies and events on fd 4, each a JSON text ended by NUL), so no port, no
websocket client and no third-party package are needed. With Runtime, Log and Network
enabled before the page is loaded, every uncaught exception (Runtime.exceptionThrown),
console.error (Runtime.consoleAPICalled), browser-side error such as a failed load
(Log.entryAdded) and every request the page makes (Network.requestWillBeSent) arrives
as an event. test_a_broken_page_is_caught shows each kind is caught.

Chromium or Google Chrome (conftest.py's `chromium` fixture: SANDBOX_CHROMIUM, or the
first on PATH); skipped without, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from sandbox import lifecycle
from sandbox.engine import Engine
from sandbox.html import write_html
from sandbox.inits import get_init
from sandbox.model import RunResult
from sandbox.results import load_results
from sandbox.runner import run_scenario
from sandbox.scenario import find
from sandbox.summary import summarize

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "data" / "matrix-sample.json"
INITS = ["noreap", "tini"]
TIMEOUT_S = 30.0  # bound on every step: the launch, each command, each wait
WIDTH, HEIGHT = 1280, 2000
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
    f"--window-size={WIDTH},{HEIGHT}",
)

# What the page shows, read from the rendered DOM.
FACTS_JS = """(() => {
  const all = s => [...document.querySelectorAll(s)];
  const fill = el => el ? getComputedStyle(el).fill : null;
  const zombie = document.querySelector('svg.tree g.proc.zombie');
  const box = zombie ? zombie.querySelector('text').getBBox() : null;
  return {
    charset: document.characterSet,
    matrix: all('table.matrix tr').map(tr => [...tr.children].map(c => c.textContent.trim())),
    failedCells: all('table.matrix td.failed').map(td => getComputedStyle(td).backgroundColor),
    okCells: all('table.matrix td.ok').map(td => getComputedStyle(td).backgroundColor),
    links: all('table.matrix a').map(a => !!document.getElementById(a.hash.slice(1))),
    trees: all('svg.tree').length,
    zombies: all('svg.tree g.proc.zombie').map(g => g.textContent),
    zombieFill: fill(zombie && zombie.querySelector('rect')),
    liveFill: fill(document.querySelector('svg.tree g.proc.live rect')),
    zombieTextBox: box ? [box.width, box.height] : null,
    series: all('svg.plot polyline.series').map(p => [p.dataset.mode, p.points.numberOfItems]),
    reaping: all('svg.latency g.mode').map(g => [g.dataset.mode, g.lastElementChild.textContent,
                                               g.querySelectorAll('rect.adopter').length]),
    reapingNote: (document.querySelector('#reaping') || {}).textContent || '',
    elements: document.getElementsByTagName('*').length,
    text: document.body.textContent,
  };
})()"""


PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


def _set_subreaper(on: bool) -> None:
    """Orphans of our descendants come to us (not to PID 1) while on, so we can reap them."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _table() -> list[tuple[int, str, str, int, int]]:
    """(pid, comm, state, ppid, process group) of every process, zombies included."""
    rows = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            head, _, rest = stat.rpartition(")")
            state, ppid, group = rest.split()[:3]
            rows.append((int(entry.name), head.partition("(")[2], state, int(ppid), int(group)))
    return rows


class Chromium:
    """Headless Chromium in a process group of its own, spoken to over the DevTools pipe.

    While it runs, this process is a child subreaper: Chromium's helpers that outlive
    their parent (its zygotes do, at exit) are handed to us and reaped in close(), instead
    of being left to PID 1 as zombies.
    """

    def __init__(self, executable: Path, profile: Path) -> None:
        self.profile = profile
        commands_r, self._commands = os.pipe()  # we write, Chromium reads (its fd 3)
        self._replies, replies_w = os.pipe()  # Chromium writes (its fd 4), we read
        # bash moves the pipe ends to fds 3 and 4 (from above 9, so nothing is clobbered).
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_r, replies_w)]
        for fd in (commands_r, replies_w):
            os.close(fd)
        script = f'exec 3<&{ends[0]} 4>&{ends[1]} {ends[0]}<&- {ends[1]}>&-; exec "$@"'
        argv = ["/bin/bash", "-c", script, "bash", str(executable), *FLAGS]
        _set_subreaper(True)
        try:
            self.process = subprocess.Popen(
                [*argv, f"--user-data-dir={profile}", "about:blank"],
                pass_fds=ends,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "HOME": str(profile)},  # nothing written outside the profile
                start_new_session=True,  # its own process group: close() kills all of it
            )
        except OSError:
            _set_subreaper(False)
            raise
        finally:
            for fd in ends:
                os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        """A command's result; the events that come meanwhile go to self.events."""
        sent = self._post(method, params, session)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == sent:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def wait_for_event(self, method: str, session: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_S
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            seen = len(self.events)
            self._receive(deadline, method)

    def _post(self, method: str, params: dict[str, Any] | None, session: str) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._commands, data) :]
        return self._next_id

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        """The next message; an event is also kept, and a dialog is answered at once."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                raise TimeoutError(f"no answer from Chromium to {waiting_for} in {TIMEOUT_S} s")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise EOFError(f"Chromium closed the DevTools pipe (exit {self.process.poll()})")
            self._buffer += chunk
        text, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(text)
        if "method" in message:
            self.events.append(message)
        if message.get("method") == "Page.javascriptDialogOpening":  # alert() blocks the page
            answer = {"accept": True}
            self._post("Page.handleJavaScriptDialog", answer, message.get("sessionId", ""))
        return message

    def close(self) -> None:
        """Ask Chromium to quit; then kill its whole process group, whatever is left of it."""
        try:
            if self.process.poll() is None:
                self.send("Browser.close")
                self.process.wait(timeout=10)
        except (OSError, RuntimeError, TimeoutError, EOFError, subprocess.TimeoutExpired):
            pass
        finally:
            with contextlib.suppress(ProcessLookupError):  # the group is gone already
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            try:
                self._reap_orphans()
            finally:
                _set_subreaper(False)
                os.close(self._commands)
                os.close(self._replies)

    def left_behind(self) -> list[tuple[int, str, str, int, int]]:
        """Processes of Chromium's group, or handed to us, still there (zombies included)."""
        me, group = os.getpid(), self.process.pid
        return [
            row
            for row in _table()
            if row[4] == group or (row[3] == me and row[1].startswith("chrom"))
        ]

    def _reap_orphans(self) -> None:
        deadline = time.monotonic() + 10
        while left := [row for row in self.left_behind() if row[3] == os.getpid()]:
            for pid, *_ in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            if time.monotonic() > deadline:
                raise TimeoutError(f"Chromium's processes would not end: {left}")
            time.sleep(0.02)


@dataclass(frozen=True)
class Visit:
    errors: list[str]  # uncaught exceptions, console errors, browser-side errors
    requests: list[str]  # every URL the page asked for
    facts: dict[str, Any]  # FACTS_JS on the loaded page
    screenshot: bytes


def visit(browser: Chromium, url: str) -> Visit:
    """Load `url` in a new tab and collect what it did and what it shows."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.send(f"{domain}.enable", session=session)
    metrics = {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}
    browser.send("Emulation.setDeviceMetricsOverride", metrics, session)
    start = len(browser.events)
    browser.send("Page.navigate", {"url": url}, session)
    browser.wait_for_event("Page.loadEventFired", session)
    settle = "new Promise(done => setTimeout(done, 200))"  # what runs just after load, too
    browser.send("Runtime.evaluate", {"expression": settle, "awaitPromise": True}, session)
    facts = browser.send(
        "Runtime.evaluate", {"expression": FACTS_JS, "returnByValue": True}, session
    )["result"]["value"]
    shot = browser.send("Page.captureScreenshot", {"format": "png"}, session)["data"]
    events = [e for e in browser.events[start:] if e.get("sessionId") == session]
    browser.send("Target.closeTarget", {"targetId": target})
    return Visit(_errors(events), _requests(events), facts, base64.b64decode(shot))


def _errors(events: list[dict[str, Any]]) -> list[str]:
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            errors.append(details.get("exception", {}).get("description") or details["text"])
        elif method == "Runtime.consoleAPICalled" and params["type"] in {"error", "assert"}:
            words = [str(a.get("value", a.get("description", ""))) for a in params["args"]]
            errors.append("console." + params["type"] + ": " + " ".join(words))
        elif method == "Page.javascriptDialogOpening":
            errors.append(f"dialog: {params['type']}: {params['message']}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            errors.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}".strip())
    return errors


def _requests(events: list[dict[str, Any]]) -> list[str]:
    return [
        str(e["params"]["request"]["url"])
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]


def _png_size_and_colours(png: bytes) -> tuple[int, int, int]:
    """(width, height, distinct bytes of its pixel rows): a blank page has very few."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", png[16:24])
    data, at = b"", 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        if kind == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    return width, height, len(set(zlib.decompress(data)))


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Chromium]:
    with tempfile.TemporaryDirectory(prefix="report-html-chromium-") as tmp:
        profile = Path(tmp) / "profile"
        profile.mkdir()
        driver = Chromium(chromium, profile)
        try:
            yield driver
        finally:
            driver.close()
        assert driver.left_behind() == []


def sample_results() -> list[RunResult]:
    """The recorded runs, one of them turned into a failure (a failed cell must show)."""
    results = load_results(DATA)
    broken = next(i for i, r in enumerate(results) if (r.scenario, r.init) == ("orphan", "tini"))
    results[broken] = replace(results[broken], ok=False, error="timed out: <b>for a test</b>")
    return results


@pytest.fixture(scope="module")
def report(browser: Chromium, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Visit]:
    folder = tmp_path_factory.mktemp("report")
    page = write_html(sample_results(), INITS, folder)
    seen = visit(browser, page.as_uri())
    (folder / "report.png").write_bytes(seen.screenshot)
    return folder, seen


def test_the_report_loads_without_errors_and_fetches_nothing(report: tuple[Path, Visit]) -> None:
    folder, seen = report
    assert seen.errors == []
    assert seen.requests == [(folder / "report.html").as_uri()]
    assert seen.facts["charset"] == "UTF-8"


def test_the_matrix_shows_every_cell_and_links_to_its_run(report: tuple[Path, Visit]) -> None:
    rows = report[1].facts["matrix"]
    results = sample_results()
    assert rows[0] == ["scenario", "noreap", "tini"]
    assert rows[1:] == [
        [
            name,
            *(
                ("✓ " if r.ok else "✗ ") + summarize(r).cell()
                for r in results
                if r.scenario == name
            ),
        ]
        for name in ["zombie", "zombie-flood", "orphan", "flood12.py"]
    ]
    assert rows[2][1].startswith("✓ Z10 A10 ") and rows[3][2].startswith("✗ Z0 A0 ")
    assert "FAILED" in rows[3][2]
    assert report[1].facts["links"] == [True] * 8  # every cell's anchor exists
    failed, ok = report[1].facts["failedCells"], report[1].facts["okCells"]
    assert failed == ["rgb(255, 205, 210)"]  # red
    assert ok == ["rgb(232, 245, 233)"] * 7  # green


def test_the_trees_show_zombies_in_their_own_colour(report: tuple[Path, Visit]) -> None:
    facts = report[1].facts
    assert facts["trees"] == 16  # every snapshot of the 8 runs
    # zombie: 1+1 (noreap) + 1 (tini); zombie-flood: 10+10, 10; orphan: 1+1; flood12: 12
    assert len(facts["zombies"]) == 47
    assert all(" Z [python3] <defunct>" in z for z in facts["zombies"])
    assert facts["zombieFill"] == "rgb(253, 216, 214)" != facts["liveFill"]
    width, height = facts["zombieTextBox"]
    assert width > 100 and height > 10  # the label is laid out (a font was found)


def test_the_plot_has_a_line_per_mode(report: tuple[Path, Visit]) -> None:
    assert report[1].facts["series"] == [["noreap", 34], ["tini", 34]]


def test_runs_recorded_before_the_recorder_say_their_reaps_are_not_timed(
    report: tuple[Path, Visit],
) -> None:
    assert report[1].facts["reaping"] == []
    assert "Not recorded: the timelines are sampled only" in report[1].facts["reapingNote"]


@pytest.mark.docker
@pytest.mark.usefixtures("recording")
def test_10000_zombies_are_recorded_whole_and_their_report_renders(
    browser: Chromium, engine: Engine, image_ref: str, tmp_path: Path
) -> None:
    """zombie-flood asked for 10,000 children, under noreap and tini: the recorder loses
    none (held against the script's own count), and report.html, with their trees, plots
    and reap latencies, loads like any page (each step bounded by TIMEOUT_S)."""
    children = 10_000
    flood = find("zombie-flood")
    results = [
        run_scenario(engine, image_ref, flood, get_init(mode), children=children) for mode in INITS
    ]
    for result in results:
        assert result.ok, [c.detail for c in result.checks if not c.ok]
        assert result.facts["children_printed"] == children
        assert result.facts["children_forks_recorded"] == children
        assert result.facts["children_exits_recorded"] == children
        assert result.facts["events_lost"] == 0
    assert [r.facts["children_reaps_recorded"] for r in results] == [0, children]
    page = write_html(results, INITS, tmp_path)
    seen = visit(browser, page.as_uri())
    assert seen.errors == []
    noreap, tini = seen.facts["reaping"]
    assert noreap[0] == "noreap" and noreap[1].startswith(f"none ({children:,} never reaped")
    # The adopter's reaps (a few, reaped as the parent's death was read, are counted apart).
    adopted = len(lifecycle.lifecycle(results[1].events).reaped_by(lifecycle.BY_ADOPTER))
    assert tini[0] == "tini" and tini[1].startswith(f"{adopted:,} reaped · median ")
    assert tini[2] >= 1  # its histogram has bars
    assert [mode for mode, _ in seen.facts["series"]] == INITS
    assert all(points <= 2001 for _, points in seen.facts["series"])  # thinned, peak kept
    assert seen.facts["elements"] < 20_000  # trees drawn in part: not a box per zombie


def test_transcripts_are_text_not_markup(report: tuple[Path, Visit]) -> None:
    text = report[1].facts["text"]
    assert "父进程退出 <script>alert(1)</script>" in text  # shown, not run (no errors above)
    assert "Stopped early: timed out: <b>for a test</b>" in text
    assert "\x1b" not in text and "主 " in text  # the ANSI colour around 主 is gone


def test_the_screenshot_is_a_picture_of_the_page(report: tuple[Path, Visit]) -> None:
    folder, seen = report
    assert (folder / "report.png").read_bytes() == seen.screenshot
    width, height, colours = _png_size_and_colours(seen.screenshot)
    assert (width, height) == (WIDTH, HEIGHT)
    assert colours > 100, "the screenshot is (nearly) blank"


def test_a_broken_page_is_caught(browser: Chromium, tmp_path: Path) -> None:
    """The proof that errors are seen: each kind, on a page made to fail."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><meta charset="utf-8"><img src="missing.png">'
        '<script>console.error("said so")</script>'
        "<script>alert(1)</script>"
        '<script>throw new Error("deliberate")</script>',
        encoding="utf-8",
    )
    seen = visit(browser, page.as_uri())
    assert any("Error: deliberate" in e for e in seen.errors), seen.errors
    assert "console.error: said so" in seen.errors
    assert "dialog: alert: 1" in seen.errors  # answered, so the page went on loading
    assert any("missing.png" in e for e in seen.errors), seen.errors
    assert (tmp_path / "missing.png").as_uri() in seen.requests


def test_chromium_leaves_no_process_behind(chromium: Path, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    driver = Chromium(chromium, profile)
    try:
        assert driver.send("Browser.getVersion")["product"].startswith("Chrome/")
        visit(driver, "about:blank")  # renderers and zygotes started
        assert len(driver.left_behind()) > 3, "Chromium did not start its helpers"
    finally:
        driver.close()
    assert driver.left_behind() == []  # not even a zombie
    assert not [row for row in _table() if str(profile) in _cmdline(row[0])]


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
