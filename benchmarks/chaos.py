"""Controllers killed mid-run, then checked: no container left, no result half-written.

    python benchmarks/chaos.py [--runs 100] [--kills 10] [--scenario zombie] [--init tini]

Runs `python -m sandbox run SCENARIO --init INIT` RUNS times, one after another. KILLS of
them, spread evenly, get SIGKILL once their container exists (plus a random moment up to
half the run's usual length, so that kills land in different phases: starting, capturing,
removing); one that ended first is counted apart. Each run after a kill must sweep what
the killed one left. At the end (after one more `gc`, for a kill in the last run) it
checks that:
- no container of the project names one of these controllers;
- every run that was not killed exited 0 and wrote a whole result (folder and --json);
- no result folder holds a partial result (each has its three files, result.json parses).
Prints the figures; exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.engine import Engine
from sandbox.leftovers import CONTROLLER_LABEL, Controller, here
from sandbox.waiting import wait_until

RESULT_FILES = ["report.txt", "result.json", "transcript.txt"]


def controllers(engine: Engine, pids: set[int]) -> set[str]:
    """The project's containers whose controller is one of `pids` on this host."""
    host = here()
    found = set()
    for container_id, labels in engine.labelled_containers().items():
        owner = Controller.parse(labels.get(CONTROLLER_LABEL, ""))
        if owner is not None and owner.host == host and owner.pid in pids:
            found.add(container_id)
    return found


def sandbox(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--scenario", default="zombie")
    parser.add_argument("--init", default="tini")
    args = parser.parse_args()
    engine = Engine.connect()
    every = args.runs // max(args.kills, 1)
    to_kill = {i * every + every // 2 for i in range(args.kills)}
    pids: set[int] = set()
    failures: list[str] = []
    swept_lines = 0
    killed = 0  # of to_kill: some may end before the signal lands
    usual_s = 3.0  # a run's length, learnt from the runs that were not killed
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        results = Path(tmp) / "results"
        for n in range(args.runs):
            out = Path(tmp) / f"run-{n}.json"
            began = time.monotonic()
            run = ["run", args.scenario, "--init", args.init, "--results", str(results)]
            proc = sandbox(*run, "--json", str(out))
            pids.add(proc.pid)
            if n in to_kill:
                wait_until(
                    lambda: controllers(engine, {proc.pid}),  # noqa: B023
                    lambda found: bool(found) or proc.poll() is not None,  # noqa: B023
                    timeout_s=60,
                    what=f"run {n}'s container",
                )
                time.sleep(random.uniform(0, usual_s / 2))  # a random phase, on purpose
                proc.send_signal(signal.SIGKILL)
            _, stderr = proc.communicate(timeout=300)
            text = stderr.decode()
            swept_lines += text.count("left by a controller that died")
            if n in to_kill:
                killed += proc.returncode == -signal.SIGKILL
                continue
            usual_s = time.monotonic() - began
            if proc.returncode != 0:
                failures.append(f"run {n} exited {proc.returncode}: {text.strip()[-300:]}")
            elif json.loads(out.read_text())["ok"] is not True:
                failures.append(f"run {n}: its --json says ok false")
        gc = subprocess.run([sys.executable, "-m", "sandbox", "gc"], capture_output=True)
        if gc.returncode != 0:
            failures.append(f"gc exited {gc.returncode}: {gc.stderr.decode().strip()}")
        left = controllers(engine, pids)
        folders = [p for p in results.iterdir() if not p.name.startswith(".")]
        hidden = [p for p in results.iterdir() if p.name.startswith(".")]
        for folder in folders:
            names = sorted(p.name for p in folder.iterdir())
            if names != RESULT_FILES:
                failures.append(f"{folder.name} is partial: {names}")
                continue
            json.loads((folder / "result.json").read_text())  # whole, or this raises
        if left:
            failures.append(f"containers left: {sorted(c[:12] for c in left)}")
    print(
        f"{args.runs} runs, {killed} killed with SIGKILL mid-run "
        f"({len(to_kill) - killed} ended before the signal), in "
        f"{time.monotonic() - started:.0f} s: {len(left)} containers left, "
        f"{len(folders)} result folders (all whole: {not any('partial' in f for f in failures)}), "
        f"{len(hidden)} hidden staging folders of killed saves, "
        f"{swept_lines} sweeps at a start reported removals"
    )
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
