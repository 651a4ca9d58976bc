from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import byo
from sandbox.errors import DeclarationError, ScenarioError, UsageError
from sandbox.inits import INITS
from sandbox.scenario import find, load, load_all

GOOD = """
from sandbox.scenario import Scenario, expect

def drive(lab):
    pass

SCENARIO = Scenario(
    name={name!r}, title="t", summary="s", explanation="e", drive=drive,
    expectations=({expectation},),
)
"""


def write(root: Path, folder: str, name: str | None = None, expectation: str = "") -> Path:
    path = root / folder
    path.mkdir(parents=True)
    every = ", ".join(f"{mode.replace('-', '_')}=True" for mode in INITS)
    expectation = expectation or f'expect("c", "claim", {every})'
    text = GOOD.format(name=name or folder, expectation=expectation)
    (path / "scenario.py").write_text(text)
    (path / "script.py").write_text("print('hi')\n")
    return path


def test_project_scenarios_load_and_declare_every_mode() -> None:
    scenarios = load_all()
    assert "zombie" in scenarios
    for scenario in scenarios.values():
        assert scenario.expectations
        assert set(scenario.not_under) <= set(INITS)
        assert set(scenario.modes()) | set(scenario.not_under) == set(INITS)
        for item in scenario.expectations:
            assert set(item.holds_under) == set(scenario.modes())
    assert set(scenarios["zombie"].files()) >= {"test.py", "test_join.py"}
    assert "scenario.py" not in scenarios["zombie"].files()


def test_a_folder_scenario_brings_its_files(tmp_path: Path) -> None:
    scenario = load(write(tmp_path, "mine"))
    assert scenario.name == "mine"
    assert scenario.files() == {"script.py": b"print('hi')\n"}


def test_name_must_match_folder(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"mine/scenario.py: name 'other' must match"):
        load(write(tmp_path, "mine", name="other"))


def test_expectation_must_cover_every_mode(tmp_path: Path) -> None:
    folder = write(tmp_path, "mine", expectation='expect("c", "claim", noreap=True, tiny=True)')
    with pytest.raises(ScenarioError, match=r"scenario.py: expectations: 'c' must say") as info:
        load(folder)
    assert "unknown: ['tiny']" in str(info.value) and "'tini'" in str(info.value)


def test_broken_python_points_at_the_file(tmp_path: Path) -> None:
    folder = write(tmp_path, "mine")
    (folder / "scenario.py").write_text("SCENARIO = (\n")
    with pytest.raises(ScenarioError, match=r"mine/scenario.py: fails to load: SyntaxError"):
        load(folder)


def test_missing_declaration_points_at_the_field(tmp_path: Path) -> None:
    folder = write(tmp_path, "mine")
    (folder / "scenario.py").write_text("SCENARIO = 42\n")
    with pytest.raises(ScenarioError, match=r"SCENARIO must be a sandbox\.scenario\.Scenario"):
        load(folder)


def test_unknown_name_lists_the_valid_ones(tmp_path: Path) -> None:
    write(tmp_path, "alpha")
    write(tmp_path, "beta")
    assert find("beta", tmp_path).name == "beta"
    for bad in ("nosuch", "", "../alpha", "alpha/"):
        with pytest.raises(UsageError, match=r"choose one of: alpha, beta$"):
            find(bad, tmp_path)


def test_a_mode_the_scenario_cannot_run_under_is_declared_with_a_reason(tmp_path: Path) -> None:
    others = ", ".join(f"{mode.replace('-', '_')}=True" for mode in INITS if mode != "none")
    path = write(
        tmp_path,
        "skips",
        expectation=f'expect("c", "claim", {others})',
    )
    text = (path / "scenario.py").read_text()
    (path / "scenario.py").write_text(
        text.replace("drive=drive,", 'drive=drive, not_under={"none": "its father is PID 1"},')
    )
    scenario = load(path)
    assert "none" not in scenario.modes()
    assert scenario.not_under == {"none": "its father is PID 1"}


def test_a_mode_neither_declared_nor_excused_names_the_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "partial", expectation='expect("c", "claim", noreap=True)')
    with pytest.raises(DeclarationError, match=r"partial/scenario.py: expectations: 'c'"):
        load(path)


@pytest.mark.parametrize("name", ["trivial", "empty"])
def test_the_benchmark_scenarios_declare_every_mode(name: str) -> None:
    scenario = load(Path(__file__).resolve().parents[2] / "benchmarks" / "scenarios" / name)
    assert scenario.modes() == tuple(INITS)


def test_a_bring_your_own_script_declares_every_mode_or_why_not(tmp_path: Path) -> None:
    script = tmp_path / "mine.sh"
    script.write_text("#!/bin/sh\ntrue\n")
    scenario = byo.scenario_for(script)
    assert set(scenario.modes()) | set(scenario.not_under) == set(INITS)
    assert "none" in scenario.not_under  # it would be PID 1, and end the container
    for item in scenario.expectations:
        assert set(item.holds_under) == set(scenario.modes())
