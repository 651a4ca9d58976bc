"""The matrix's cells and reports, from results made by hand."""

from __future__ import annotations

from dataclasses import replace

from sandbox.model import CheckResult, Process, RunResult, Sample, Snapshot
from sandbox.summary import render_markdown, render_table, summarize

ZOMBIE = Process(14, 13, "Z", "[python3] <defunct>")
ADOPTED = Process(14, 1, "Z", "[python3] <defunct>")


def result(init: str, *tables: tuple[Process, ...], ok: bool = True) -> RunResult:
    return RunResult(
        scenario="zombie",
        init=init,
        ok=ok,
        checks=(CheckResult("stays", ok, "detail"), CheckResult("shown", True, "d")),
        snapshots=tuple(Snapshot(f"s{i}", "", table) for i, table in enumerate(tables)),
        exit_code=143,
        duration_s=1.0,
        transcript="$ ps aux | grep Z\n",
        timeline=(Sample(0.1, 3, 0),),
    )


def test_cells_count_zombies_the_adopted_and_the_reaped_ones() -> None:
    noreap = summarize(result("noreap", (ZOMBIE,), (ADOPTED,)))
    tini = summarize(result("tini", (ZOMBIE,), ()))
    assert noreap.cell() == "Z1 A1 R0 ok 2/2"
    assert tini.cell() == "Z1 A0 R1 ok 2/2"
    assert summarize(result("tini", ok=False)).cell() == "Z0 A0 R0 FAILED 1/2"


def test_a_zombie_is_reaped_only_if_gone_from_a_later_table_of_its_own_container() -> None:
    first = Snapshot("zombie", "", (ZOMBIE,), container=1)
    other_box = Snapshot("another container", "", (), container=2)
    run = result("noreap")
    assert summarize(replace(run, snapshots=(first, other_box))).reaped == 0
    later = Snapshot("later", "", (), container=1)
    assert summarize(replace(run, snapshots=(first, other_box, later))).reaped == 1


def test_under_none_pid_1s_own_zombie_children_are_not_counted_as_adopted() -> None:
    own = Process(14, 1, "Z", "[python3] <defunct>")  # PID 1 is the script, its parent
    assert summarize(result("none", (own,))).adopted == 0
    orphan_alive = Process(14, 13, "S", "python3 test.py")
    assert summarize(result("none", (orphan_alive,), (own,))).adopted == 1
    assert summarize(result("noreap", (own,))).adopted == 1


def test_a_mode_the_scenario_does_not_run_under_shows_as_n_a() -> None:
    skipped = replace(result("none"), checks=(), snapshots=(), not_applicable="its father is PID 1")
    assert summarize(skipped).cell() == "n/a"
    assert "n/a" in render_table([result("noreap"), skipped], ["noreap", "none"])


def test_table_and_markdown_have_a_row_per_scenario_and_a_column_per_mode() -> None:
    runs = [result("noreap", (ADOPTED,)), result("tini", ())]
    table = render_table(runs, ["noreap", "tini"]).splitlines()
    assert table[0].split() == ["scenario", "noreap", "tini"]
    assert table[1].split() == [
        *("zombie", "Z1", "A1", "R0", "ok", "2/2"),
        *("Z0", "A0", "R0", "ok", "2/2"),
    ]
    markdown = render_markdown(runs, ["noreap", "tini"])
    assert "| zombie | Z1 A1 R0 ok 2/2 | Z0 A0 R0 ok 2/2 |" in markdown
    assert "## zombie under tini: ok" in markdown and "$ ps aux | grep Z" in markdown


def test_a_column_is_as_wide_as_its_longest_header() -> None:
    runs = [replace(result("tini-subreaper", ()), python="3.11")]
    header = render_table(runs, ["tini-subreaper 3.11", "noreap 3.14"]).splitlines()[0]
    assert "tini-subreaper 3.11  noreap 3.14" in header
