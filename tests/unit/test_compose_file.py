"""compose.yaml: written from the catalogue, up to date, and read by a YAML reader as meant."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import sandbox_cli as cli

from sandbox import compose
from sandbox.confine import DEFAULT_LIMITS, TMPFS
from sandbox.errors import DeclarationError
from sandbox.image import LATEST
from sandbox.inits import INITS, InitMode
from sandbox.lab import ENVIRONMENT
from sandbox.scenario import SCENARIOS_DIR, load, load_all

ROOT = SCENARIOS_DIR.parent
COMPOSE_FILE = ROOT / "compose.yaml"
DEMO = "/root/demo.sh"


def services() -> dict[str, dict[str, Any]]:
    """compose.yaml's services, anchors and merge keys resolved (as Compose reads them)."""
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = document["services"]
    return found


def test_compose_yaml_is_what_the_generator_writes() -> None:
    written = compose.render(load_all().values(), INITS, ROOT)
    assert COMPOSE_FILE.read_text(encoding="utf-8") == written, (
        "compose.yaml is out of date: run `python -m sandbox compose`"
    )
    assert compose.render(list(load_all().values())[::-1], INITS, ROOT) == written  # no order


def test_every_scenario_under_every_mode_it_runs_under_has_a_service() -> None:
    scenarios = load_all()
    expected = {f"{s.name}-{mode}" for s in scenarios.values() for mode in s.modes()}
    assert set(services()) == expected
    assert "orphan-none" not in expected  # a mode in not_under gets none
    assert len(expected) == 97


def named() -> dict[str, tuple[str, str]]:
    """Each service's name -> (scenario, PID 1 mode), as the catalogue names them."""
    return {f"{s.name}-{m}": (s.name, m) for s in load_all().values() for m in s.modes()}


def test_each_service_is_isolated_like_the_controllers_containers() -> None:
    linebuffer = "./sandbox/linebuffer.py:/opt/sandbox/python/sitecustomize.py:ro"
    names = named()
    for name, service in services().items():
        scenario, _ = names[name]
        assert service["image"] == LATEST == "process-sandbox:latest", name
        assert service["pull_policy"] == "never", name
        assert service["network_mode"] == "none", name
        assert service["cap_drop"] == ["ALL"] and "cap_add" not in service, name
        assert service["security_opt"] == ["no-new-privileges"], name
        assert service["read_only"] is True, name
        assert service["tmpfs"] == [f"{path}:{options}" for path, options in TMPFS.items()], name
        assert service["mem_limit"] == service["memswap_limit"] == "512m", name
        assert service["profiles"] == [scenario], name
        assert service["working_dir"] == "/root", name
        assert service["environment"] == ENVIRONMENT, name  # strings, "1" not 1
        assert service["volumes"][0] == linebuffer, name
        assert all(volume.endswith(":ro") for volume in service["volumes"]), name
        assert DEMO in service["command"][-1], name


def test_pid1_is_built_from_each_mode_as_the_controller_builds_it() -> None:
    names = named()
    commands = {
        mode: (service.get("init", False), service["command"])
        for name, service in services().items()
        for scenario, mode in [names[name]]
        if scenario == "zombie"
    }
    assert commands == {
        "noreap": (False, ["/usr/local/sbin/noreap", DEMO]),
        "tini": (False, ["/usr/bin/tini", "--", DEMO]),
        "none": (False, [DEMO]),  # the demo itself is PID 1
        "docker-init": (True, [DEMO]),
        "dumb-init": (False, ["/usr/bin/dumb-init", DEMO]),
        "bash": (False, ["/bin/bash", "-c", f"{DEMO}; :"]),
        "tini-subreaper": (False, ["/usr/local/sbin/noreap", "/usr/bin/tini", "-s", "--", DEMO]),
    }


def test_a_mode_whose_workload_cannot_be_placed_is_refused() -> None:
    odd = InitMode("odd", ("/sbin/init", "--foreground"), "?", ready="sleep infinity")
    with pytest.raises(DeclarationError, match="'odd': cannot tell where its workload goes"):
        compose.pid1(odd, DEMO)


def test_the_pids_limit_is_the_default_but_where_the_scenario_has_its_own() -> None:
    limits = {name: s["pids_limit"] for name, s in services().items()}
    module = sys.modules[load_all()["pid-exhaustion"].drive.__module__]
    assert {name for name, limit in limits.items() if limit != DEFAULT_LIMITS.pids} == {
        f"pid-exhaustion-{mode}" for mode in INITS
    }
    assert {limits[f"pid-exhaustion-{mode}"] for mode in INITS} == {module.PIDS_LIMIT, 32}


def test_files_are_mounted_one_by_one_and_a_file_the_scenario_writes_is_left_out() -> None:
    for name, service in services().items():
        for volume in service["volumes"]:
            source = ROOT / volume.split(":")[0]
            assert source.exists(), f"{name}: {volume}"
    ticket = services()["ticket-race-noreap"]["volumes"]
    assert [v.split(":")[1] for v in ticket[2:]] == [  # not db.txt, which demo.sh writes
        "/root/demo.sh",
        "/root/no_lock.py",
        "/root/with_lock.py",
    ]
    # Each file on its own, over the writable tmpfs home, not the folder over it.
    assert services()["zombie-tini"]["volumes"][1:] == [
        "./docker/demo-steps.sh:/opt/sandbox/demo-steps.sh:ro",  # what every demo.sh sources
        "./scenarios/zombie/demo.sh:/root/demo.sh:ro",
        "./scenarios/zombie/test.py:/root/test.py:ro",
        "./scenarios/zombie/test_join.py:/root/test_join.py:ro",
    ]


def test_every_scenario_has_an_executable_demo() -> None:
    for scenario in load_all().values():
        demo = scenario.directory / "demo.sh"
        assert demo.is_file() and os.access(demo, os.X_OK), demo
        text = demo.read_text(encoding="utf-8")
        assert text.startswith("#!/bin/sh\n"), demo
        assert "\n. /opt/sandbox/demo-steps.sh " in text, f"{demo}: the shared steps"
        assert "timeout " not in text, f"{demo}: `timeout` orphans what it kills"
        assert text.rstrip().endswith("exit 0  # it got to the end (a wait that gave up exits 1)")


def test_a_scenario_without_a_demo_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    every = ", ".join(f"{mode.replace('-', '_')}=True" for mode in INITS)
    (folder / "scenario.py").write_text(
        "from sandbox.scenario import Scenario, expect\n"
        "SCENARIO = Scenario(name='mine', title='t', summary='s', explanation='e',\n"
        f"    drive=lambda lab: None, expectations=(expect('c', 'claim', {every}),))\n"
    )
    with pytest.raises(DeclarationError, match=r"mine/demo.sh: missing"):
        compose.render([load(folder)], INITS, tmp_path)


@pytest.mark.parametrize(
    "text",
    ["1", "160", "--", "-s", "yes", "No", "null", "~", ".inf", "a b", "a: b", "x#y", "[1]", "主"],
)
def test_scalars_read_back_as_the_same_string(text: str) -> None:
    assert yaml.safe_load(f"k: {compose.scalar(text)}") == {"k": text}
    assert yaml.safe_load(f"k: {compose.flow([text, 'a:b'])}") == {"k": [text, "a:b"]}


def test_plain_scalars_stay_plain() -> None:
    for text in ("C.UTF-8", "/root", "process-sandbox:latest", "./scenarios/zombie:/root:ro"):
        assert compose.scalar(text) == text


def test_compose_check_says_up_to_date() -> None:
    done = cli("compose", "--check")
    assert (done.returncode, done.stdout) == (0, "compose.yaml is up to date (97 services)\n")


def test_compose_check_fails_when_out_of_date(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sandbox import cli as cli_module

    monkeypatch.setattr(compose, "render", lambda *_: "services: {}\n")
    assert cli_module.main(["compose", "--check"]) == 1
    assert capsys.readouterr().err == (
        "compose.yaml is out of date: run `python -m sandbox compose`\n"
    )
