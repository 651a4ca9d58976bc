"""`python -m sandbox run PATH`: scripts the project has never seen, watched and reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_own_script

from sandbox.lab import OUTPUT_LIMIT

ORPHANS = """\
#!/bin/sh
# Leaves two orphans behind: each subshell starts a short sleep in the background and exits.
(sleep 0.2 &)
(sleep 0.2 &)
sleep 1
echo done
"""

pytestmark = pytest.mark.usefixtures("image_ref", "no_leftovers")


def test_orphans_stay_zombies_under_noreap_and_are_reaped_under_tini(tmp_path: Path) -> None:
    script = tmp_path / "orphans.sh"
    script.write_text(ORPHANS)
    script.chmod(0o644)  # not executable: the controller runs it with sh
    done, (noreap, tini) = run_own_script(script)
    assert done.returncode == 0, done.stdout + done.stderr
    assert noreap["facts"]["zombies_left_with_ppid_1"] == 2
    assert noreap["facts"]["adopted_by_pid1"] == 2
    assert tini["facts"]["zombies_left"] == 0
    assert "done" in noreap["transcript"] and noreap["exit_code"] == 0
    left = [p for p in noreap["snapshots"][-1]["processes"] if p["state"] == "Z"]
    assert [(p["ppid"], p["cmd"]) for p in left] == [(1, "[sleep] <defunct>")] * 2
    assert len(noreap["timeline"]) >= 5 and max(s["zombies"] for s in noreap["timeline"]) >= 2


def test_a_script_that_never_ends_is_stopped_at_its_timeout(tmp_path: Path) -> None:
    script = tmp_path / "forever.py"
    script.write_text("import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(1)\n")
    done, result = run_own_script(script, "--init", "tini", "--timeout", "2")
    assert done.returncode == 1
    assert result["ok"] is False
    assert result["error"] == (
        "timed out: the run's 2 s bound ran out while waiting for `python3 forever.py` to end"
    )
    assert "started" in result["transcript"]
    assert any(p["cmd"] == "python3 forever.py" for p in result["snapshots"][-1]["processes"])


def test_a_script_with_a_shebang_and_no_suffix_runs(tmp_path: Path) -> None:
    script = tmp_path / "hello"
    script.write_text("#!/bin/sh\necho hello from $0\n")
    done, result = run_own_script(script, "--init", "noreap")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hello from ./hello" in result["transcript"]


def test_megabytes_of_output_are_kept_to_the_limit_and_said_so(tmp_path: Path) -> None:
    script = tmp_path / "loud.sh"
    script.write_text("#!/bin/sh\nhead -c 8000000 /dev/zero | tr '\\0' x\necho\necho the end\n")
    done, result = run_own_script(script, "--init", "tini")
    assert done.returncode == 0, done.stderr
    transcript = result["transcript"]
    assert max(map(len, re.findall("x+", transcript))) == OUTPUT_LIMIT  # kept, and no more
    dropped = 8_000_000 + len("\nthe end\n") - OUTPUT_LIMIT
    assert result["facts"]["output_truncated_chars"] == dropped
    assert f"[output truncated: {dropped} more characters of `sh loud.sh`" in transcript
    assert "the end" not in transcript and result["exit_code"] == 0


def test_a_script_that_closes_its_output_still_ends_and_is_reported(tmp_path: Path) -> None:
    # ... and leaves an orphan still running at its end: counted once it has exited.
    script = tmp_path / "quiet.sh"
    script.write_text("#!/bin/sh\necho before\nexec >&- 2>&-\n(sleep 0.5 &)\n")
    done, result = run_own_script(script, "--init", "noreap")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "before" in result["transcript"] and result["exit_code"] == 0
    facts = result["facts"]
    assert (facts["zombies_left_with_ppid_1"], facts["left_running"]) == (1, 0)


def test_an_orphan_that_outlives_the_watch_is_counted_as_left_running(tmp_path: Path) -> None:
    script = tmp_path / "daemon.sh"
    script.write_text("#!/bin/sh\n(sleep 600 &)\necho started\n")
    done, result = run_own_script(script, "--init", "tini")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (result["facts"]["left_running"], result["facts"]["zombies_left"]) == (1, 0)
