"""The command line against the real engine: the result contract, and what `make zombie` prints."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import sandbox_cli as sandbox


@pytest.mark.usefixtures("image_ref", "no_leftovers")
def test_run_writes_the_result_contract(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = sandbox(
        "run", "zombie", "--init", "noreap", "--json", str(out), "--results", str(tmp_path / "r")
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["scenario"] == "zombie" and result["init"] == "noreap"
    assert result["ok"] is True
    assert isinstance(result["exit_code"], int) and isinstance(result["duration_s"], float)
    for check in result["checks"]:
        assert {"name", "ok", "detail"} <= check.keys() and check["ok"] is True
    for snapshot in result["snapshots"]:
        assert {"label", "transcript", "processes"} <= snapshot.keys()
        for proc in snapshot["processes"]:
            assert {"pid", "ppid", "state", "cmd"} <= proc.keys()
    assert any(p["state"] == "Z" for p in result["snapshots"][0]["processes"])
    (folder,) = (tmp_path / "r").iterdir()
    assert json.loads((folder / "result.json").read_text()) == result
    assert "[python3] <defunct>" in (folder / "transcript.txt").read_text()


@pytest.mark.usefixtures("image_ref", "no_leftovers")
def test_both_modes_print_transcripts_and_differing_verdicts(tmp_path: Path) -> None:
    out = tmp_path / "both.json"
    done = sandbox("run", "zombie", "--json", str(out), "--results", str(tmp_path / "r"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[python3] <defunct>" in done.stdout
    assert " grep Z\n" in done.stdout
    assert "1 zombie" in done.stdout
    assert "✓ orphaned-zombie-stays: holds" in done.stdout
    assert "✓ orphaned-zombie-stays: does not hold, as expected under tini" in done.stdout
    noreap, tini = json.loads(out.read_text())
    stays = {
        r["init"]: next(c for c in r["checks"] if c["name"] == "orphaned-zombie-stays")
        for r in (noreap, tini)
    }
    assert stays["noreap"]["observed"] is True and stays["tini"]["observed"] is False
    assert len(list((tmp_path / "r").iterdir())) == 2


@pytest.mark.usefixtures("image_ref", "no_leftovers")
def test_matrix_runs_side_by_side_and_writes_its_reports(tmp_path: Path) -> None:
    done = sandbox(
        "matrix",
        *("--scenario", "orphan", "--scenario", "queue-basics"),
        *("--init", "noreap", "--init", "none", "--init", "tini-subreaper"),
        *("-j", "2", "--out", str(tmp_path), "--junit", str(tmp_path / "junit.xml")),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    runs = json.loads((tmp_path / "report.json").read_text())
    assert [(r["scenario"], r["init"], r["ok"]) for r in runs] == [
        ("orphan", "noreap", True),
        ("orphan", "none", True),
        ("orphan", "tini-subreaper", True),
        ("queue-basics", "noreap", True),
        ("queue-basics", "none", True),
        ("queue-basics", "tini-subreaper", True),
    ]
    assert "the father is the container's init" in runs[1]["not_applicable"]
    assert not runs[1]["checks"]
    row = next(line for line in done.stdout.splitlines() if line.startswith("orphan "))
    assert row.split() == [
        "orphan",
        "Z1",
        "A1",
        "R0",
        "ok",
        "4/4",
        "n/a",
        "Z0",
        "A0",
        "R0",
        "ok",
        "4/4",
    ]
    assert (
        "| orphan | Z1 A1 R0 ok 4/4 | n/a | Z0 A0 R0 ok 4/4 |"
        in (tmp_path / "report.md").read_text()
    )
    page = (tmp_path / "report.html").read_text()
    assert 'id="run-orphan--none--3.11"' in page and "not applicable" in page
    assert "[6/6 · " in done.stderr
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    assert (junit.get("failures"), junit.get("errors"), junit.get("skipped")) == ("0", "0", "1")
    cases = {(c.get("classname"), c.get("name")) for c in junit.iter("testcase")}
    assert ("orphan.tini-subreaper", "init-reaps-the-orphan") in cases
    assert ("orphan.none", "not-applicable") in cases
