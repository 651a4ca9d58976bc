"""An example of a user's own process test, with the `sandbox` fixture the package's
pytest plugin provides (sandbox/pytest_plugin.py): no import, no set-up of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.pytest_plugin import Sandbox

# A script of "yours": it starts two background jobs in subshells that exit at once, so
# both sleeps are orphaned, handed to PID 1, and end 0.2 s later.
ORPHANS = "#!/bin/sh\n(sleep 0.2 &)\n(sleep 0.2 &)\necho started two\n"


@pytest.mark.usefixtures("no_leftovers")  # the project's own check: no container stays
def test_orphans_stay_zombies_under_noreap_and_are_reaped_under_tini(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    script = tmp_path / "orphans.sh"
    script.write_text(ORPHANS)

    noreap = sandbox.run(script, init="noreap")
    assert noreap.ok and noreap.exit_code == 0
    assert "started two" in noreap.transcript
    assert noreap.facts["zombies_left_with_ppid_1"] == 2

    tini = sandbox.run(script, init="tini")
    assert tini.ok and tini.facts["zombies_left"] == 0
