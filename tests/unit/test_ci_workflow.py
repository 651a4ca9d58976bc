"""The GitHub Actions workflow: what it runs, and that GitHub's own schema accepts it.

The schema check is offline: check-jsonschema carries GitHub's workflow schema
(`--builtin-schema vendor.github-workflows`), and it runs here with the network shut
(every connection and name lookup raises), so it cannot have fetched anything.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).parents[2] / ".github" / "workflows" / "ci.yml"
# check-jsonschema's command line, with every way out to the network closed first.
OFFLINE_CHECK = """\
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("the network is shut for this check")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.getaddrinfo = socket.create_connection = refuse
from check_jsonschema import main
main(["--builtin-schema", "vendor.github-workflows", *sys.argv[1:]])
"""


def load(path: Path = WORKFLOW) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


def check_schema(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", OFFLINE_CHECK, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_runs_on_push_and_pull_request() -> None:
    document = load()
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean true; GitHub reads it as "on".
    triggers = document["on"] if "on" in document else document[True]
    assert set(triggers) == {"push", "pull_request"}


def test_it_checks_compose_then_runs_make_test_on_ubuntu_latest_with_ci_true() -> None:
    (job,) = load()["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    assert job["env"]["CI"] == "true"  # integration and browser tests fail, not skip
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == ["docker compose config --quiet", "make test"]


def test_its_actions_are_pinned_by_major_version_and_the_results_kept() -> None:
    steps = next(iter(load()["jobs"].values()))["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses[0].startswith("actions/checkout@")
    assert all(re.fullmatch(r"[\w-]+/[\w-]+@v\d+", action) for action in uses), uses
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-"))
    assert upload["if"] == "always()"  # a failed run's results are the ones wanted
    make_test = next(step for step in steps if step.get("run") == "make test")
    folder = upload["with"]["path"].rstrip("/")
    options = make_test["env"]["PYTEST_ADDOPTS"]
    assert options == f"--junitxml={folder}/junit.xml --basetemp={folder}"


def test_github_workflow_schema_accepts_it_offline() -> None:
    done = check_schema(WORKFLOW)
    assert (done.returncode, done.stdout.strip()) == (0, "ok -- validation done"), done


def test_the_schema_check_fails_a_broken_copy(tmp_path: Path) -> None:
    text = WORKFLOW.read_text()
    assert "runs-on: ubuntu-latest" in text
    no_runner = tmp_path / "no-runner.yml"
    no_runner.write_text(text.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"))
    bad_trigger = tmp_path / "bad-trigger.yml"
    bad_trigger.write_text(text.replace("  pull_request:", "  pull-request:"))
    for broken, where, why in (
        (no_runner, "$.jobs.test", "'runs-on' is a required property"),
        (bad_trigger, "$.on", "is not valid under any of the given schemas"),
    ):
        done = check_schema(broken)
        assert done.returncode == 1, done
        assert "Schema validation errors were encountered" in done.stdout
        assert f"{broken}::{where}: " in done.stdout and why in done.stdout, done.stdout
