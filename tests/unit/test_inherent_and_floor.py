"""A scenario's declared inherent time (Scenario.inherent_s), and the catalogue floor of
`make bench` (benchmarks/catalogue.py) built from it: pure logic, no engine."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from sandbox.errors import DeclarationError
from sandbox.inits import INITS
from sandbox.model import RunResult
from sandbox.scenario import Scenario, load, load_all, per_mode

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

DECLARATION = """
from sandbox.scenario import Scenario, expect, per_mode

def drive(lab):
    pass

SCENARIO = Scenario(
    name={name!r}, title="t", summary="s", explanation="e", drive=drive,
    expectations=(expect("c", "claim", {every}),),{not_under}
    timeout_s=30.0,
    inherent_s={inherent},
)
"""


def declare(root: Path, inherent: str, not_under: str = "") -> Path:
    folder = root / "mine"
    folder.mkdir(parents=True)
    excused = {"none"} if not_under else set()
    every = ", ".join(f"{m.replace('-', '_')}=True" for m in INITS if m not in excused)
    (folder / "scenario.py").write_text(
        DECLARATION.format(name="mine", every=every, not_under=not_under, inherent=inherent)
    )
    return folder


@pytest.fixture(scope="module")
def catalogue() -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))  # as when run as a script: figures.py beside it
    try:
        return importlib.import_module("catalogue")
    finally:
        sys.path.remove(str(BENCHMARKS))


def result(scenario: str, init: str, containers: int, *, not_applicable: str = "") -> RunResult:
    return RunResult(
        scenario=scenario,
        init=init,
        ok=True,
        checks=(),
        snapshots=(),
        exit_code=0,
        duration_s=1.0,
        transcript="",
        containers=containers,
        not_applicable=not_applicable,
    )


def scenario(name: str, inherent: float | dict[str, float]) -> Scenario:
    return Scenario(name, "t", "s", "e", (), drive=lambda lab: None, inherent_s=inherent)


def test_per_mode_gives_every_mode_the_default_but_the_overrides() -> None:
    seconds = per_mode(0.5, noreap=2.5, tini_subreaper=1.0)
    assert set(seconds) == set(INITS)
    assert seconds["noreap"] == 2.5 and seconds["tini-subreaper"] == 1.0
    assert {seconds[m] for m in INITS if m not in ("noreap", "tini-subreaper")} == {0.5}


def test_inherent_under_reads_a_float_or_the_mode(tmp_path: Path) -> None:
    flat = load(declare(tmp_path / "a", "3.0"))
    assert [flat.inherent_under(m) for m in ("noreap", "tini")] == [3.0, 3.0]
    split = load(declare(tmp_path / "b", "per_mode(1.0, noreap=3.0)"))
    assert [split.inherent_under(m) for m in ("noreap", "tini")] == [3.0, 1.0]


@pytest.mark.parametrize(
    ("inherent", "why"),
    [
        ("-1.0", r"inherent_s: -1.0 must be seconds, 0 or more and below timeout_s \(30\)"),
        ("30.0", r"inherent_s: 30.0 must be seconds, 0 or more and below timeout_s \(30\)"),
        ("float('nan')", r"inherent_s: nan must be seconds"),
        ("'2'", r"inherent_s: '2' must be seconds"),
        ("True", r"inherent_s: True must be seconds"),
        ("per_mode(1.0, noreap=-2.0)", r"inherent_s: -2.0 must be seconds"),
        ("per_mode(1.0, no_reap=2.0)", r"inherent_s must give .*unknown: \['no-reap'\]"),
        ("{'noreap': 1.0, 'tini': 0.0}", r"inherent_s must give .*missing: \['bash'"),
    ],
)
def test_a_bad_inherent_time_names_the_file_and_field(
    tmp_path: Path, inherent: str, why: str
) -> None:
    with pytest.raises(DeclarationError, match=rf"mine/scenario.py: {why}"):
        load(declare(tmp_path, inherent))


def test_a_mode_the_scenario_does_not_run_under_needs_no_inherent_time(tmp_path: Path) -> None:
    without_none = {m: 1.0 for m in INITS if m != "none"}
    folder = declare(tmp_path, repr(without_none), not_under='\n    not_under={"none": "why"},')
    assert load(folder).inherent_under("tini") == 1.0


def test_every_project_scenario_declares_its_inherent_time_under_each_mode() -> None:
    for found in load_all().values():
        for mode in found.modes():
            assert 0 <= found.inherent_under(mode) < found.timeout_s
    # The windows as the scenarios declare them: noreap waits the zombie's window out.
    zombie = load_all()["zombie"]
    assert zombie.inherent_under("noreap") > zombie.inherent_under("tini") == 0.0


def test_the_floor_is_containers_at_a_bare_run_plus_the_inherent_time(
    catalogue: ModuleType,
) -> None:
    scenarios = {
        "zombie": scenario("zombie", per_mode(0.0, noreap=2.0)),
        "sleepy": scenario("sleepy", 3.0),
    }
    runs = [
        result("zombie", "noreap", 2),  # 2 x 0.25 + 2.0
        result("zombie", "tini", 2),  # 2 x 0.25 + 0.0
        result("sleepy", "tini", 3),  # 3 x 0.25 + 3.0
    ]
    assert catalogue.run_floor_s(runs[0], scenarios["zombie"], 0.25) == pytest.approx(2.5)
    assert catalogue.floor_s(runs, scenarios, 0.25) == pytest.approx(2.5 + 0.5 + 3.75)


def test_a_run_that_started_no_container_adds_nothing_to_the_floor(
    catalogue: ModuleType,
) -> None:
    skipped = result("sleepy", "none", 0, not_applicable="the script would be PID 1")
    assert catalogue.floor_s([skipped], {"sleepy": scenario("sleepy", 3.0)}, 0.25) == 0.0


def test_a_result_keeps_its_container_count_through_its_json() -> None:
    from sandbox.results import result_from_dict

    assert result_from_dict(result("zombie", "tini", 2).to_dict()).containers == 2
    old = result("zombie", "tini", 2).to_dict()
    del old["containers"]  # a report.json written before the field existed
    assert result_from_dict(old).containers == 0


def test_the_cold_build_goes_to_a_tag_outside_the_project_repository(
    catalogue: ModuleType,
) -> None:
    from sandbox import image

    # It is removed afterwards: it must never be one of the real process-sandbox:* tags.
    assert catalogue.THROWAWAY.split(":")[0] != image.REPOSITORY
