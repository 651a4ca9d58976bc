from __future__ import annotations

import json
import os
import subprocess
import sys

from sandbox import probe


def test_command_column_like_ps() -> None:
    assert probe.ps_command("python3", ["python3", "test.py"], "S") == "python3 test.py"
    assert probe.ps_command("python3", None, "Z") == "[python3] <defunct>"
    assert probe.ps_command("python3", ["python3"], "Z") == "[python3] <defunct>"
    assert probe.ps_command("kworker/0:1", [], "I") == "[kworker/0:1]"


def test_probe_script_prints_this_machine_table_without_itself() -> None:
    probe_run = subprocess.Popen(
        [sys.executable, probe.__file__], stdout=subprocess.PIPE, text=True
    )
    out, _ = probe_run.communicate(timeout=30)
    rows = json.loads(out)
    pids = {row["pid"] for row in rows}
    assert os.getpid() in pids  # the test process is there...
    mine = next(row for row in rows if row["pid"] == os.getpid())
    assert mine["ppid"] == os.getppid() and mine["state"] in {"R", "S"}
    assert probe_run.pid not in pids  # ...the probe is not
