"""compose.yaml on the real engine, through whichever Compose is installed: `docker compose`
(v2, CI runners and laptops) or `docker-compose` (v1, Debian's 1.29). Without either it
skips, except in CI (CI=true), where it fails."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml
from conftest import IN_CI

from sandbox.confine import DEFAULT_LIMITS
from sandbox.engine import Engine
from sandbox.image import LATEST
from sandbox.proctable import parse_ps_aux
from sandbox.scenario import SCENARIOS_DIR, load_all

ROOT = SCENARIOS_DIR.parent
PROJECT_LABEL = "com.docker.compose.project"  # on every container Compose makes, v1 and v2
PS_EO = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$")  # a `ps -eo pid,ppid,stat,args` row


def compose_command() -> list[str]:
    """`docker compose` where the v2 plugin answers, else `docker-compose` (v1)."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    reason = "neither `docker compose` nor `docker-compose` is installed"
    reason += " (apt-get install docker-compose)"
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: integration tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Compose:
    """Compose on this repository's compose.yaml, as a project of its own (parallel runs)."""

    command: tuple[str, ...]
    project: str

    def __call__(self, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                *self.command,
                *("-f", str(ROOT / "compose.yaml"), "--project-directory", str(ROOT)),
                *("-p", self.project),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )

    def containers(self) -> list[str]:
        """The project's containers, running or not (Compose labels each with the project)."""
        listed = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label={PROJECT_LABEL}={self.project}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return listed.stdout.split()

    def run(self, service: str) -> str:
        """`run --rm -T SERVICE`: its output, once it ended by itself with 0 and was removed."""
        done = self(*("run", "--rm", "-T", service))
        assert done.returncode == 0, (
            f"{service}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        )
        assert self.containers() == [], f"{service}: its container is still there"
        return done.stdout


@pytest.fixture
def compose(engine: Engine) -> Iterator[Compose]:
    if engine.image_id(LATEST) is None:
        pytest.fail(f"no {LATEST}: run `make image`")
    tool = Compose(tuple(compose_command()), f"sandbox-test-{uuid.uuid4().hex[:10]}")
    yield tool
    left = tool.containers()  # after a failure: remove what the run left
    if left:
        subprocess.run(["docker", "rm", "-f", *left], capture_output=True, timeout=60)


def after(output: str, command: str, start: int = 0) -> tuple[str, int]:
    """What `$ command` printed (up to the next command or comment), and where that ended."""
    begin = output.index(f"$ {command}\n", start) + len(command) + 3
    ends = [i for mark in ("\n$ ", "\n# ") if (i := output.find(mark, begin)) != -1]
    end = min(ends, default=len(output))
    return output[begin:end], end


def table(text: str) -> dict[int, tuple[int, str, str]]:
    """`ps -eo pid,ppid,stat,args` output: pid -> (ppid, stat, args)."""
    rows = (PS_EO.match(line) for line in text.splitlines())
    return {int(m[1]): (int(m[2]), m[3], m[4]) for m in rows if m}


def test_config_parses_compose_yaml_and_lists_every_service(compose: Compose) -> None:
    scenarios = load_all().values()
    # Every profile by name: v2 lists only the services of active profiles, v1 all of them.
    profiles = [arg for s in scenarios for arg in ("--profile", s.name)]
    listed = compose(*profiles, "config", "--services")
    assert listed.returncode == 0, listed.stderr
    expected = {f"{s.name}-{mode}" for s in scenarios for mode in s.modes()}
    assert set(listed.stdout.split()) == expected

    resolved = compose(*profiles, "config")  # anchors and merge keys, as the tool reads them
    assert resolved.returncode == 0, resolved.stderr
    services = yaml.safe_load(resolved.stdout)["services"]
    assert set(services) == expected
    for name, service in services.items():
        assert (service["image"], service["pull_policy"]) == (LATEST, "never"), name
        assert service["network_mode"] == "none", name
        assert (service["cap_drop"], service["security_opt"]) == (
            ["ALL"],
            ["no-new-privileges"],
        ), name
        assert service["read_only"] is True, name
        assert {t.split(":")[0] for t in service["tmpfs"]} == {"/root", "/tmp", "/run"}, name
    assert services["pid-exhaustion-tini"]["pids_limit"] == 32
    assert services["zombie-tini"]["pids_limit"] == DEFAULT_LIMITS.pids
    assert services["zombie-docker-init"]["init"] is True


def zombie_then_orphaned(output: str) -> tuple[int, dict[int, tuple[int, str, str]]]:
    """The zombie `ps aux | grep Z` shows before the kill, and the table after it."""
    before, end = after(output, "ps aux | grep Z")
    header, rows = parse_ps_aux(before)
    zombies = [r for r in rows if r.stat.startswith("Z") and r.command == "[python3] <defunct>"]
    assert header and len(zombies) == 1, before
    assert (zombies[0].vsz, zombies[0].rss) == (0, 0)
    assert "# #3 解决方法一:杀死父进程\n$ kill " in output[end:]
    last, _ = after(output, "ps -eo pid,ppid,stat,args", end)
    return zombies[0].pid, table(last)


def test_zombie_noreap_keeps_the_orphaned_zombie_with_ppid_1(compose: Compose) -> None:
    output = compose.run("zombie-noreap")
    zombie, last = zombie_then_orphaned(output)
    assert last[1][2] == "/usr/bin/python3 /usr/local/sbin/noreap /root/demo.sh"
    assert last[zombie] == (1, "Z", "[python3] <defunct>"), output
    assert not any("test.py" in args for _, _, args in last.values()), "the parent was killed"


def test_zombie_tini_reaps_the_orphaned_zombie(compose: Compose) -> None:
    output = compose.run("zombie-tini")
    zombie, last = zombie_then_orphaned(output)
    assert last[1][2] == "/usr/bin/tini -- /root/demo.sh"
    assert zombie not in last, output
    assert not [pid for pid, (_, stat, _) in last.items() if stat.startswith("Z")], output


def test_orphan_is_adopted_by_pid_1_which_reaps_it_or_not(compose: Compose) -> None:
    for service, stays in (("orphan-noreap", True), ("orphan-tini", False)):
        output = compose.run(service)
        child = re.search(r"^im child (\d+) (\d+)$", output, re.MULTILINE)
        assert child and child[2] == "1", output  # 看,子进程已经被pid为1的init进程接收了
        pid = int(child[1])
        adopted, end = after(output, "ps -eo pid,ppid,stat,args")
        ppid, stat, args = table(adopted)[pid]
        assert (ppid, args) == (1, "python3 test.py") and stat in "SR", output  # alive
        last = table(after(output, "ps -eo pid,ppid,stat,args", end)[0])
        if stays:
            assert last[pid] == (1, "Z", "[python3] <defunct>"), output
        else:
            assert pid not in last, output
