"""report.html, from results made by hand and from recorded ones: what the page shows."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

from sandbox.html import (
    BOX_H,
    INDENT,
    MAX_LEAF_ZOMBIES,
    MAX_NODES,
    layout_tree,
    render_html,
    write_html,
)
from sandbox.model import CheckResult, Process, RunResult, Sample, Snapshot
from sandbox.results import load_results, to_json
from sandbox.summary import summarize

DATA = Path(__file__).parent.parent / "data" / "matrix-sample.json"

NOREAP = Process(1, 0, "S", "/usr/bin/python3 /usr/local/sbin/noreap")
SHELL = Process(7, 0, "S", "sh -c 'echo \"[1] $$\"; exec python3 test.py' & wait $!")
PARENT = Process(13, 7, "S", "python3 test.py")
ZOMBIE = Process(14, 13, "Z", "[python3] <defunct>")
ADOPTED = Process(14, 1, "Z", "[python3] <defunct>")
TINI = Process(1, 0, "S", "/usr/bin/tini -- sleep infinity")


def run(
    init: str,
    *tables: tuple[Process, ...],
    scenario: str = "zombie",
    ok: bool = True,
    transcript: str = "$ ps aux | grep Z\n",
    timeline: tuple[Sample, ...] = (),
    error: str | None = None,
    python: str = "",
) -> RunResult:
    return RunResult(
        scenario=scenario,
        init=init,
        ok=ok,
        checks=(
            CheckResult("orphaned-zombie-stays", ok, "zombie 14 now has PPID 1", "it stays"),
            CheckResult("ps-shows-zombie", True, "header shown"),
        ),
        snapshots=tuple(Snapshot(f"snapshot {i}", "", t, at_s=i) for i, t in enumerate(tables)),
        exit_code=143,
        duration_s=1.5,
        transcript=transcript,
        timeline=timeline,
        error=error,
        python=python,
    )


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)
    children: list[Element] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def content(self) -> str:
        return "".join(self.text)

    @property
    def label(self) -> str:
        """A tree box's label: its <text> (its <title> is the tooltip)."""
        return "".join(c.content for c in self.children if c.tag == "text")


class Page(HTMLParser):
    """Every element of a page with its attributes and its text (its descendants' included)."""

    VOID = frozenset({"meta", "br", "img", "link", "hr", "input"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if self._open:
            self._open[-1].children.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if self._open:
            self._open[-1].children.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text.append(data)

    def all(self, tag: str, cls: str = "", **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag
            and (not cls or cls in e.classes)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str, cls: str = "", **attrs: str) -> Element:
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} class={cls} {attrs}>"
        return found[0]


def matrix_cells(page: Page) -> list[list[str]]:
    """The matrix's rows, as text."""
    rows = page.one("table", "matrix").children
    return [[cell.content.strip() for cell in row.children] for row in rows]


def test_the_matrix_has_the_terminal_cells_and_marks_failures() -> None:
    runs = [
        run("noreap", (NOREAP, SHELL, PARENT, ZOMBIE), (NOREAP, ADOPTED)),
        run("tini", (TINI, SHELL, PARENT, ZOMBIE), (TINI,)),
        run("noreap", (NOREAP, ADOPTED), scenario="orphan", ok=False, error="timed out: 5 s"),
    ]
    page = Page(render_html(runs, ["noreap", "tini"]))
    assert matrix_cells(page) == [
        ["scenario", "noreap", "tini"],
        ["zombie", "✓ " + summarize(runs[0]).cell(), "✓ " + summarize(runs[1]).cell()],
        ["orphan", "✗ " + summarize(runs[2]).cell(), "-"],
    ]
    assert summarize(runs[0]).cell().startswith("Z1 A1 ")
    failed = page.one("td", "failed")
    assert "FAILED" in failed.content and failed.attrs["data-scenario"] == "orphan"
    assert len(page.all("td", "ok")) == 2
    for cell, anchor in zip(
        page.all("td", "cell"), ["zombie--noreap", "zombie--tini"], strict=False
    ):
        (link,) = cell.children
        assert link.attrs["href"] == f"#run-{anchor}"
        assert page.one("section", id=f"run-{anchor}").content.startswith(
            f"zombie under {cell.attrs['data-column']}: ok"
        )
    assert page.one("td", "failed").children[0].attrs["href"] == "#run-orphan--noreap"
    summary = page.one("p", "summary").content
    assert "1 of 3 runs FAILED" in summary and "orphan under noreap" in summary
    orphan = page.one("section", id="run-orphan--noreap")
    assert "failed" in orphan.classes
    assert "Stopped early: timed out: 5 s" in orphan.content
    assert "✗ failed" in orphan.content and "orphaned-zombie-stays" in orphan.content


def test_a_zombie_is_drawn_as_one_under_its_parent() -> None:
    lost = Process(30, 29, "Z", "[sh] <defunct>")  # its parent is not in the table: a root
    boxes = layout_tree((NOREAP, lost)).boxes
    assert [(b.pid, b.kind, b.x) for b in boxes] == [(1, "pid1", 8), (30, "zombie", 8)]
    page = Page(render_html([run("noreap", (NOREAP, SHELL, PARENT, ZOMBIE))], ["noreap"]))
    tree = page.one("svg", "tree")
    assert tree.attrs["aria-label"] == "process tree: 4 processes, 1 zombie"
    zombie = page.one("g", "zombie")
    assert zombie.attrs["data-pid"] == "14" and zombie.attrs["data-ppid"] == "13"
    assert zombie.label == "14 Z [python3] <defunct>"  # text, escaped in the source
    assert page.one("g", "pid1").attrs["data-pid"] == "1"
    assert page.one("g", "pid1").label == "PID 1 · S /usr/bin/python3 /usr/local/sbin/noreap"
    assert page.one("g", "exec").attrs["data-pid"] == "7"  # PPID 0: docker exec
    assert {e.attrs["data-parent"] for e in page.all("path", "edge")} == {"7", "13"}
    assert "1 zombie (0 with PPID 1)" in page.one("figure", "snapshot").content


def test_children_are_laid_out_under_their_parent_with_an_edge() -> None:
    tree = layout_tree((NOREAP, SHELL, PARENT, ZOMBIE, Process(9, 1, "S", "sleep 100")))
    boxes = {b.pid: b for b in tree.boxes}
    assert [b.pid for b in tree.boxes] == [1, 9, 7, 13, 14]  # PID 1 first, depth-first
    for child, parent in [(9, 1), (13, 7), (14, 13)]:
        c, p = boxes[child], boxes[parent]
        assert c.y > p.y and c.x == p.x + INDENT
        edge = next(e for e in tree.edges if e.path.endswith(f"H{c.x:g}") and e.parent == parent)
        assert edge.path.startswith(f"M{p.x + INDENT / 2:g} {p.y + BOX_H:g}V{c.y + BOX_H / 2:g}")
    assert boxes[7].x == boxes[1].x and boxes[7].kind == "exec"
    assert (tree.drawn, tree.total) == (5, 5)


def test_many_zombies_are_packed_in_rows() -> None:
    table = (NOREAP, *(Process(100 + i, 1, "Z", "[python3] <defunct>") for i in range(12)))
    tree = layout_tree(table)
    zombies = [b for b in tree.boxes if b.kind == "zombie"]
    assert len(zombies) == 12
    assert len({b.y for b in zombies}) == 3  # 5 + 5 + 2
    assert len(tree.edges) == 3  # one per row, from PID 1
    assert tree.height < 6 * 26 and tree.width < 1200  # readable: compact, not a long list


def test_the_plot_has_a_line_per_mode_with_every_sample() -> None:
    rising = tuple(Sample(i * 0.1, 5, i) for i in range(11))
    reaped = (*rising[:6], Sample(0.7, 2, 0))
    runs = [
        run("noreap", scenario="zombie-flood", timeline=rising),
        run("tini", scenario="zombie-flood", timeline=reaped),
        run("noreap", scenario="zombie"),  # no timeline: no plot
    ]
    page = Page(render_html(runs, ["noreap", "tini"]))
    plot = page.one("svg", "plot")
    assert plot.attrs["aria-label"] == "zombie-flood: zombies over time"
    assert [h.content for h in page.all("h2") if "over time" in h.content] == [
        "zombie-flood: zombies over time"
    ]
    lines = page.all("polyline", "series")
    assert [(p.attrs["data-mode"], len(p.attrs["points"].split())) for p in lines] == [
        ("noreap", 11),
        ("tini", 7),
    ]
    assert lines[0].attrs["stroke"] != lines[1].attrs["stroke"]
    ys = [float(point.split(",")[1]) for point in lines[0].attrs["points"].split()]
    assert ys == sorted(ys, reverse=True) and ys[0] > ys[-1]  # rising: up the page
    assert (
        "noreap: peak 10, 11 samples" in plot.content and "tini: peak 5, 7 samples" in plot.content
    )
    ticks = [t.content for t in page.all("text") if t.content.replace(".", "").isdigit()]
    assert {"0", "10", "1"} <= set(ticks)  # both axes have ticks
    assert "seconds since the run started" in plot.content and "zombies" in plot.content


def test_transcripts_are_escaped_and_freed_of_ansi_escapes() -> None:
    transcript = "$ python3 x.py\n\x1b[1;31m主\x1b[0m 13\n<script>alert(1)</script>\n"
    text = render_html([run("noreap", (NOREAP,), transcript=transcript)], ["noreap"])
    assert "<script" not in text.lower() and "\x1b" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    page = Page(text)
    assert "主 13\n<script>alert(1)</script>" in page.one("pre").content
    assert page.elements[page.elements.index(page.one("head")) + 1].attrs == {"charset": "utf-8"}


def test_names_from_runs_cannot_break_out_of_attributes() -> None:
    evil = '"><img src=x onerror=alert(1)>'
    text = render_html([run("noreap", (NOREAP,), scenario=evil)], ["noreap"])
    page = Page(text)
    assert page.all("img") == [] and evil not in text
    assert page.one("td", "cell").attrs["data-scenario"] == evil  # kept, as text


def test_the_page_references_nothing_outside_itself() -> None:
    results = load_results(DATA)
    text = render_html(results, ["noreap", "tini"])
    page = Page(text)
    linked = [
        e.attrs[a] for e in page.elements for a in ("href", "src", "xlink:href") if a in e.attrs
    ]
    assert linked and all(link.startswith("#") for link in linked)
    assert not any(e.tag in {"script", "link", "img", "iframe", "object"} for e in page.elements)
    assert "url(" not in text and "@import" not in text
    assert "http://" not in text and "https://" not in text


def test_a_huge_table_is_drawn_in_part_and_says_so() -> None:
    zombies = (
        Process(100 + i, 1 if i % 2 else 13, "Z", "[python3] <defunct>") for i in range(10_000)
    )
    table = (NOREAP, SHELL, PARENT, *zombies)
    started = time.perf_counter()
    text = render_html([run("noreap", table)], ["noreap"])
    elapsed = time.perf_counter() - started
    page = Page(text)
    assert len(page.all("g", "zombie")) == 2 * MAX_LEAF_ZOMBIES  # under PID 1, and under the parent
    more = [g.label for g in page.all("g", "more")]
    assert more == ["… and 4,970 more zombies"] * 2
    assert "Drawn: 63 of 10,003 processes" in page.one("p", "capped").content
    assert len(text) < 100_000 and elapsed < 2.0, (len(text), elapsed)


def test_a_hundred_runs_render_fast_and_light() -> None:
    huge = (NOREAP, *(Process(100 + i, 1, "Z", "[python3] <defunct>") for i in range(10_000)))
    results = [
        run(init, (NOREAP, SHELL, PARENT, ZOMBIE), (NOREAP, ADOPTED), scenario=f"s{i}")
        for i in range(50)
        for init in ("noreap", "tini")
    ]
    results[0] = run("noreap", huge, scenario="s0")
    started = time.perf_counter()
    text = render_html(results, ["noreap", "tini"])
    elapsed = time.perf_counter() - started
    assert len(Page(text).all("section", "run")) == 100
    assert len(text) < 1_500_000 and elapsed < 2.0, (len(text), elapsed)


def test_a_wide_or_deep_table_stays_within_bounds() -> None:
    wide = (NOREAP, *(Process(10 + i, 1, "S", f"worker {i}") for i in range(5_000)))
    tree = layout_tree(wide)
    assert len(tree.boxes) <= MAX_NODES and tree.boxes[-1].label == "… and 4,980 more processes"
    deep = (NOREAP, *(Process(i, i - 1, "S", "fork chain") for i in range(2, 10_002)))
    tree = layout_tree(deep)  # no recursion error
    assert tree.boxes[-1].label == "… and 9,976 more processes"
    assert sum(1 for b in tree.boxes if b.pid is not None) == tree.drawn == 25
    assert [b.x for b in tree.boxes] == sorted(b.x for b in tree.boxes)  # each under the last


def test_not_applicable_runs_and_several_pythons() -> None:
    runs = [
        run("noreap", (NOREAP, ADOPTED), python="3.11"),
        run("noreap", (NOREAP, ADOPTED), python="3.13"),
        replace(run("tini", python="3.11"), checks=(), not_applicable="needs a PID 1 that..."),
    ]
    page = Page(render_html(runs, ["noreap 3.11", "noreap 3.13", "tini 3.11"]))
    rows = matrix_cells(page)
    assert rows[0] == ["scenario", "noreap 3.11", "noreap 3.13", "tini 3.11"]
    assert rows[1][3] == summarize(runs[2]).cell() and page.one("td", "na")
    assert page.all("td", "failed") == []
    assert len({s.attrs["id"] for s in page.all("section", "run")}) == 3
    assert [h.content for h in page.all("h2") if "Python" in h.content] == [
        "zombie under noreap (Python 3.11): ok 2/2",
        "zombie under noreap (Python 3.13): ok 2/2",
        "zombie under tini (Python 3.11): not applicable 0/0",
    ]
    assert "Not applicable: needs a PID 1 that..." in page.one("section", "na").content


def test_recorded_results_load_back_whole_and_render(tmp_path: Path) -> None:
    results = load_results(DATA)
    assert [(r.scenario, r.init, len(r.timeline)) for r in results][-2:] == [
        ("flood12.py", "noreap", 34),
        ("flood12.py", "tini", 34),
    ]
    assert results[2].snapshots[0].processes[3] == Process(14, 13, "Z", "[python3] <defunct>")
    saved = tmp_path / "report.json"
    saved.write_text(to_json([r.to_dict() for r in results]), encoding="utf-8")
    assert load_results(saved) == results  # what write_reports writes loads back equal
    page = Page(render_html(results, ["noreap", "tini"]))
    assert matrix_cells(page)[1:] == [
        [name, *("✓ " + summarize(r).cell() for r in results if r.scenario == name)]
        for name in dict.fromkeys(r.scenario for r in results)
    ]
    assert re.match(r"Z10 A10 ", summarize(results[2]).cell())  # zombie-flood under noreap
    assert len(page.all("svg", "tree")) == sum(len(r.snapshots) for r in results) == 16
    assert len(page.all("g", "zombie")) == 47
    assert [p.attrs["data-mode"] for p in page.all("polyline", "series")] == ["noreap", "tini"]


def test_write_html_writes_report_html(tmp_path: Path) -> None:
    results = [run("noreap", (NOREAP, ADOPTED))]
    path = write_html(results, ["noreap"], tmp_path)
    assert path == tmp_path / "report.html"
    assert path.read_text(encoding="utf-8") == render_html(results, ["noreap"])
