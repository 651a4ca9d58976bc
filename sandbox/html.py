"""report.html: the matrix as one self-contained page, with process trees and plots in SVG.

Nothing is fetched: the CSS is inline, the pictures are SVG drawn here, and there is no
script. Every piece of text from a run is escaped; ANSI colour escapes are stripped.
Huge process tables are drawn in part (see MAX_* below), and the page says so.

`python -m sandbox.html REPORT_JSON` writes report.html beside a matrix's report.json.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sandbox import lifecycle, report, summary
from sandbox.model import CheckResult, Process, RunResult, Sample, Snapshot
from sandbox.results import write_atomic

MAX_CHILDREN = 20  # children of one parent drawn one per row; the rest: one "… more" box
MAX_LEAF_ZOMBIES = 30  # childless zombies of one parent, drawn in a grid of ZOMBIE_COLUMNS
ZOMBIE_COLUMNS = 5
MAX_NODES = 300  # boxes in one tree; past this, what is left becomes "… more" boxes
MAX_DEPTH = 24
MAX_TRANSCRIPT_LINES = 3000
MAX_LABEL = 60  # characters of a command shown in its box (the whole one is its tooltip)

ROW, BOX_H, INDENT, MARGIN, GAP = 26, 20, 26, 8, 6  # tree geometry, px
CHAR_W = 7.3  # px per character cell at the tree's 12px monospace font
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def plain(text: str) -> str:
    """Terminal text without its ANSI escapes and other control characters (tabs kept)."""
    return CONTROL.sub("", ANSI.sub("", text.replace("\r\n", "\n")))


def _is_zombie(p: Process) -> bool:
    return p.state.startswith("Z")


def _count(n: int, word: str) -> str:
    """'1 zombie', '10,000 zombies' (`word` with its plural after a slash: 'process/es')."""
    stem, _, plural = word.partition("/")
    return f"{n:,} {stem}{(plural or 's') if n != 1 else ''}"


# -- process trees -----------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """One box of a tree: a process (pid set), or a "… more" box standing for several."""

    x: float
    y: float
    width: float
    kind: str  # "pid1", "zombie", "live", "exec" (its parent is not in the table), "more"
    label: str
    tooltip: str
    pid: int | None = None
    ppid: int | None = None


@dataclass(frozen=True)
class Edge:
    parent: int
    path: str  # SVG path data: down from the parent's box, across to the child's


@dataclass(frozen=True)
class Tree:
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float
    drawn: int  # processes with a box of their own
    total: int


def _cells(text: str) -> int:
    """Character cells `text` takes in a monospace font (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _width(label: str) -> float:
    return round(_cells(label) * CHAR_W + 12, 1)


def _label(p: Process) -> str:
    cmd = plain(p.cmd).replace("\n", " ")
    cmd = cmd if len(cmd) <= MAX_LABEL else cmd[: MAX_LABEL - 1] + "…"
    return f"{'PID 1 ·' if p.pid == 1 else p.pid} {p.state} {cmd}"


def _tooltip(p: Process) -> str:
    return f"PID {p.pid}, PPID {p.ppid}, state {p.state}: {plain(p.cmd)}"


def layout_tree(processes: Sequence[Process]) -> Tree:
    """Boxes one per row, indented under their parent; childless zombies in a grid.

    The roots are PID 1 and the processes whose parent is not in the table (PPID 0: started
    by `docker exec`, from outside the container).
    """
    pids = {p.pid for p in processes}
    kids: dict[int, list[Process]] = {}
    roots: list[Process] = []
    for p in sorted(processes, key=lambda p: p.pid):
        if p.ppid in pids and p.ppid != p.pid:
            kids.setdefault(p.ppid, []).append(p)
        else:
            roots.append(p)
    roots.sort(key=lambda p: p.pid != 1)  # PID 1 first, then by PID
    boxes: list[Box] = []
    edges: list[Edge] = []
    row = 0

    def add(box: Box, parent: Box | None, edge: bool = True) -> Box:
        boxes.append(box)
        if edge and parent is not None and parent.pid is not None:
            down, mid = parent.x + INDENT / 2, box.y + BOX_H / 2
            edges.append(Edge(parent.pid, f"M{down:g} {parent.y + BOX_H:g}V{mid:g}H{box.x:g}"))
        return box

    def process_box(p: Process, x: float, kind: str, width: float = 0.0) -> Box:
        label = _label(p)
        y = MARGIN + row * ROW
        return Box(x, y, width or _width(label), kind, label, _tooltip(p), p.pid, p.ppid)

    def more(hidden: Iterable[Process], depth: int, parent: Box | None) -> None:
        """One box for `hidden` and all below them."""
        nonlocal row
        count = zombies = 0
        stack = list(hidden)
        while stack:  # not recursive: a chain of processes can be long
            q = stack.pop()
            count, zombies = count + 1, zombies + _is_zombie(q)
            stack.extend(kids.get(q.pid, ()))
        if count:
            if zombies == count:
                label = f"… and {_count(count, 'more zombie')}"
            else:
                label = f"… and {_count(count, 'more process/es')}"
                label += f" ({_count(zombies, 'zombie')})" if zombies else ""
            tip = f"{label}: not drawn; every process is in report.json"
            y = MARGIN + row * ROW
            add(Box(MARGIN + depth * INDENT, y, _width(label), "more", label, tip), parent)
            row += 1

    def place(p: Process, depth: int, parent: Box | None) -> None:
        nonlocal row
        kind = "pid1" if p.pid == 1 else "zombie" if _is_zombie(p) else "live"
        kind = "exec" if parent is None and kind == "live" else kind
        box = add(process_box(p, MARGIN + depth * INDENT, kind), parent)
        row += 1
        children = kids.get(p.pid, [])
        if depth >= MAX_DEPTH:
            more(children, depth + 1, box)
            return
        leaves = [c for c in children if _is_zombie(c) and c.pid not in kids]
        others = [c for c in children if not _is_zombie(c) or c.pid in kids]
        for i, child in enumerate(others):
            if i >= MAX_CHILDREN or len(boxes) >= MAX_NODES:
                more(others[i:], depth + 1, box)
                break
            place(child, depth + 1, box)
        shown = leaves[: max(0, min(MAX_LEAF_ZOMBIES, MAX_NODES - len(boxes)))]
        width = max((_width(_label(z)) for z in shown), default=0.0)
        for start in range(0, len(shown), ZOMBIE_COLUMNS):
            for col, z in enumerate(shown[start : start + ZOMBIE_COLUMNS]):
                x = MARGIN + (depth + 1) * INDENT + col * (width + GAP)
                add(process_box(z, x, "zombie", width), box, edge=col == 0)
            row += 1
        more(leaves[len(shown) :], depth + 1, box)

    for i, root in enumerate(roots):
        if len(boxes) >= MAX_NODES:
            more(roots[i:], 0, None)
            break
        place(root, 0, None)
    width = max((b.x + b.width for b in boxes), default=0.0) + MARGIN
    drawn = sum(1 for b in boxes if b.pid is not None)
    return Tree(tuple(boxes), tuple(edges), width, MARGIN * 2 + row * ROW, drawn, len(processes))


def render_tree(processes: Sequence[Process]) -> str:
    """The tree as inline SVG, then a line saying what was left out, if anything was."""
    tree = layout_tree(processes)
    zombies = sum(1 for p in processes if _is_zombie(p))
    parts = [
        f'<svg class="tree" role="img" width="{tree.width:g}" height="{tree.height:g}" '
        f'viewBox="0 0 {tree.width:g} {tree.height:g}" '
        f'aria-label="process tree: {_count(tree.total, "process/es")}, '
        f'{_count(zombies, "zombie")}">'
    ]
    parts += [f'<path class="edge" data-parent="{e.parent}" d="{e.path}"/>' for e in tree.edges]
    for b in tree.boxes:
        ids = "" if b.pid is None else f' data-pid="{b.pid}" data-ppid="{b.ppid}"'
        parts.append(
            f'<g class="proc {b.kind}"{ids}><title>{esc(b.tooltip)}</title>'
            f'<rect x="{b.x:g}" y="{b.y:g}" width="{b.width:g}" height="{BOX_H}" rx="3"/>'
            f'<text x="{b.x + 6:g}" y="{b.y + 14:g}">{esc(b.label)}</text></g>'
        )
    parts.append("</svg>")
    if tree.drawn < tree.total:
        parts.append(
            f'<p class="note capped">Drawn: {tree.drawn:,} of {tree.total:,} processes. Large '
            "tables are drawn in part: each “… more” box stands for the processes it counts; "
            "every process is in report.json.</p>"
        )
    return "".join(parts)


# -- zombies over time -------------------------------------------------------------------


def _nice_step(span: float, whole: bool = False) -> float:
    """A tick step of 1, 2, 2.5 or 5 times a power of ten: about six ticks over `span`."""
    raw = max(span, 1e-9) / 6
    power = 10.0 ** math.floor(math.log10(raw))
    steps = (1.0, 2.0, 5.0, 10.0) if whole else (1.0, 2.0, 2.5, 5.0, 10.0)
    step = next(m * power for m in steps if m * power >= raw)
    return max(1.0, step) if whole else step


def _ticks(top: float, step: float) -> list[float]:
    return [round(i * step, 10) for i in range(math.floor(top / step + 1e-9) + 1)]


def render_plot(
    title: str,
    series: Mapping[str, Sequence[Sample]],
    colours: Mapping[str, str],
    notes: Mapping[str, str] | None = None,
) -> str:
    """Zombies over time, one polyline per mode (`series`), with axes, ticks and a legend
    (each mode's peak and its `notes`: how its counts were had; by default, the samples)."""
    left, top, plot_w, plot_h = 56, 12, 640, 220
    width, height = left + plot_w + 24, top + plot_h + 50 + 20 * len(series)
    every = [s for samples in series.values() for s in samples]
    t_top = max((s.at_s for s in every), default=0.0) or 1.0
    z_top = max((s.zombies for s in every), default=0) or 1
    t_step, z_step = _nice_step(t_top), _nice_step(z_top, whole=True)
    t_max, z_max = t_step * math.ceil(t_top / t_step), z_step * math.ceil(z_top / z_step)

    def x(t: float) -> float:
        return left + plot_w * t / t_max

    def y(z: float) -> float:
        return top + plot_h * (1 - z / z_max)

    bottom = top + plot_h
    parts = [
        f'<svg class="plot" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{esc(title)}">',
        f'<rect class="frame" x="{left}" y="{top}" width="{plot_w}" height="{plot_h}"/>',
    ]
    for t in _ticks(t_max, t_step):
        parts.append(
            f'<line class="grid" x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{bottom}"/>'
            f'<text x="{x(t):.1f}" y="{bottom + 16}" text-anchor="middle">{t:g}</text>'
        )
    for z in _ticks(z_max, z_step):
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y(z):.1f}" x2="{left + plot_w}" y2="{y(z):.1f}"/>'
            f'<text x="{left - 6}" y="{y(z) + 4:.1f}" text-anchor="end">{z:g}</text>'
        )
    parts.append(
        f'<text class="axis" x="{left + plot_w / 2:g}" y="{bottom + 36}" text-anchor="middle">'
        "seconds since the run started</text>"
        f'<text class="axis" x="14" y="{top + plot_h / 2:g}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:g})">zombies</text>'
    )
    for i, (mode, samples) in enumerate(series.items()):
        colour, ly = colours[mode], bottom + 60 + i * 20
        points = " ".join(f"{x(s.at_s):.1f},{y(s.zombies):.1f}" for s in samples)
        peak = max((s.zombies for s in samples), default=0)
        parts.append(
            f'<polyline class="series" data-mode="{esc(mode)}" stroke="{colour}" '
            f'points="{points}"/>'
            f'<line x1="{left}" y1="{ly - 4}" x2="{left + 28}" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="3"/><text class="legend" x="{left + 36}" y="{ly}">{esc(mode)}: '
            f"peak {peak:,}, {esc((notes or {}).get(mode, _count(len(samples), 'sample')))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# -- reap latency ------------------------------------------------------------------------

LATENCY_LOW, DECADES, PER_DECADE = -5, 6, 4  # 10 µs .. 10 s, a bar per quarter decade


def _bins(latencies: Sequence[float]) -> list[int]:
    """How many latencies fall in each bar (log scale; the ends take what is beyond)."""
    bins = [0] * (DECADES * PER_DECADE)
    for seconds in latencies:
        position = (math.log10(max(seconds, 1e-9)) - LATENCY_LOW) * PER_DECADE
        bins[min(len(bins) - 1, max(0, math.floor(position)))] += 1
    return bins


def _duration(seconds: float) -> str:
    """1.5 µs, 0.31 ms, 17 ms, 1.2 s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def _spread(latencies: Sequence[float]) -> str:
    """`1,000 · median 17 ms · p99 31 ms · max 35 ms` of sorted latencies."""
    return (
        f"{len(latencies):,} · median {_duration(lifecycle.quantile(latencies, 0.5))} · "
        f"p99 {_duration(lifecycle.quantile(latencies, 0.99))} · max {_duration(latencies[-1])}"
    )


def render_latency(rows: Sequence[lifecycle.Reaping], colours: Mapping[str, str]) -> str:
    """A histogram per mode of how long reaps took once they could happen (log scale):
    PID 1's or the subreaper's in the mode's colour, the processes' own parents' in grey."""
    label_w, plot_w, row_h, top, text_w = 130, 432, 46, 8, 360
    bar_w = plot_w / (DECADES * PER_DECADE)
    width, height = label_w + plot_w + text_w, top + row_h * len(rows) + 44
    parts = [
        f'<svg class="latency" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="reap latency by PID 1 mode">'
    ]
    for i, row in enumerate(rows):
        base = top + i * row_h + row_h - 8
        adopter, parent = _bins(row.adopter), _bins(row.parent)
        parts.append(
            f'<g class="mode" data-mode="{esc(row.mode)}">'
            f'<text x="{label_w - 8}" y="{base - 12}" text-anchor="end">{esc(row.mode)}</text>'
            f'<line class="grid" x1="{label_w}" y1="{base}" x2="{label_w + plot_w}" y2="{base}"/>'
        )
        # Each kind to its own scale: a dozen orphans beside 500 parents' reaps still show;
        # the parents' in grey, at half the height.
        for bins, kind, fill, scale in (
            (parent, "parent", "#bbb", 0.5),
            (adopter, "adopter", "", 1.0),
        ):
            tallest = max([*bins, 1])
            for b, count in enumerate(bins):
                if count:
                    h = max(1.0, (row_h - 14) * scale * count / tallest)
                    colour = fill or colours.get(row.mode, PALETTE[0])
                    parts.append(
                        f'<rect class="{kind}" x="{label_w + b * bar_w + 1:.1f}" '
                        f'y="{base - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                        f'fill="{colour}"><title>{count:,}</title></rect>'
                    )
        if row.adopter:
            said = (
                f"{len(row.adopter):,} reaped · median "
                f"{_duration(lifecycle.quantile(row.adopter, 0.5))} · "
                f"max {_duration(row.adopter[-1])}"
            )
        elif row.recorded:
            said = f"none ({row.unreaped:,} never reaped)"
        else:
            said = "not recorded (sampled)"
        parts.append(f'<text x="{label_w + plot_w + 10}" y="{base - 12}">{esc(said)}</text></g>')
    bottom = top + row_h * len(rows)
    for decade in range(DECADES + 1):
        x = label_w + decade * PER_DECADE * bar_w
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}"/>'
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">'
            f"{_duration(10.0 ** (LATENCY_LOW + decade))}</text>"
        )
    parts.append(
        f'<text class="axis" x="{label_w + plot_w / 2:g}" y="{bottom + 34}" '
        'text-anchor="middle">from exit (or, for an orphan, its parent\'s death) to reaped'
        "</text></svg>"
    )
    return "".join(parts)


def _reaping(results: list[RunResult], colours: Mapping[str, str]) -> str:
    """The reap-latency section: the histograms, then the figures, per mode."""
    several = summary.several_pythons(results)
    rows = lifecycle.reaping(
        (summary.column(r, several), r) for r in results if not r.not_applicable
    )
    if not any(row.recorded for row in rows):
        how = next((r.recorder for r in results if r.recorder), "")
        return (
            '<section id="reaping"><h2>Reap latency by PID 1 mode</h2><p class="note">'
            f"Not recorded: the timelines are sampled only{esc(': ' + how if how else '')}"
            "</p></section>"
        )
    head = (
        "<tr><th>PID 1 mode</th><th>runs recorded</th><th>reaped by PID 1 or a subreaper</th>"
        "<th>reaped by their parent</th><th>as their parent died</th>"
        "<th>as the container ended</th><th>never reaped</th>"
        "<th>most zombies at once</th></tr>"
    )
    lines = [
        f"<tr><th>{esc(row.mode)}</th><td>{row.recorded}"
        + (f" ({row.sampled} sampled)" if row.sampled else "")
        + f"</td><td>{esc(_spread(row.adopter)) if row.adopter else '0'}</td>"
        f"<td>{esc(_spread(row.parent)) if row.parent else '0'}</td>"
        f"<td>{row.either:,}</td><td>{row.teardown:,}</td><td>{row.unreaped:,}</td>"
        f"<td>{row.peak_zombies:,}</td></tr>"
        for row in rows
    ]
    how = next((r.recorder for r in results if r.events), "")
    return (
        '<section id="reaping"><h2>Reap latency by PID 1 mode</h2>'
        '<p class="note">Every fork, exit and reap of every run, as the kernel reported it '
        f"({esc(how)}). A reap's latency runs from the moment it could happen: the process's "
        "exit, or for an orphan its parent's death, when PID 1 (or the subreaper) got it. "
        "In grey, at half height and to a scale of their own: reaps by the processes' own "
        "parents (join(), a shell's wait).</p>"
        f'<div class="scroll">{render_latency(rows, colours)}</div>'
        f'<table class="reaping">{head}{"".join(lines)}</table></section>'
    )


# -- the page ----------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;
color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;
vertical-align:top}
table.matrix td.cell{font-family:ui-monospace,monospace}
td.ok{background:#e8f5e9}td.failed{background:#ffcdd2;font-weight:bold}td.na{color:#777}
td.ok a{color:#1b5e20}td.failed a{color:#b71c1c}td.na a{color:#555}
.verdict.ok{color:#1b5e20}.verdict.failed{color:#b71c1c}.verdict.na{color:#555}
tr.check.failed{background:#ffebee}tr.check.failed td:first-child{color:#b71c1c}
section.run{border-top:3px solid #a5d6a7;margin-top:2em}section.run.failed{border-color:#e57373}
section.run.na{border-color:#ccc}
.error{background:#ffebee;border-left:4px solid #c62828;padding:4px 8px}
.note{color:#555;font-size:.9em}
pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}
figure{margin:1em 0}figcaption{font-weight:600}.scroll{overflow-x:auto}
svg text{font:12px ui-monospace,monospace;fill:#222}
svg.tree .edge{fill:none;stroke:#888;stroke-width:1.2}
svg.tree rect{fill:#f1f3f4;stroke:#9aa0a6}
svg.tree .pid1 rect{fill:#d2e3fc;stroke:#1a56c4;stroke-width:2}
svg.tree .pid1 text{font-weight:bold}
svg.tree .exec rect{stroke-dasharray:4 2}
svg.tree .zombie rect{fill:#fdd8d6;stroke:#c5221f;stroke-width:1.5}
svg.tree .zombie text{fill:#a50e0e;font-weight:bold}
svg.tree .more rect{fill:#fff;stroke:#5f6368;stroke-dasharray:3 3}
svg.tree .more text{font-style:italic}
svg.plot .frame{fill:none;stroke:#444}svg.plot .grid{stroke:#e3e3e3}
svg.plot .series{fill:none;stroke-width:2;stroke-linejoin:round}
svg.plot .axis,svg.latency .axis{font:13px system-ui,sans-serif}
svg.latency .grid{stroke:#e3e3e3}
.key span{display:inline-block;padding:0 6px;margin-right:8px;border:1px solid #9aa0a6;
font:12px ui-monospace,monospace}
.key .pid1{background:#d2e3fc;border:2px solid #1a56c4}
.key .zombie{background:#fdd8d6;border-color:#c5221f;color:#a50e0e;font-weight:bold}
.key .exec{border-style:dashed}.key .live{background:#f1f3f4}
"""

KEY = (
    '<p class="key"><span class="pid1">PID 1</span><span class="zombie">Z zombie '
    '(&lt;defunct&gt;)</span><span class="live">live process</span><span class="exec">'
    "started by docker exec (PPID 0)</span>Each process is drawn under its parent; a zombie "
    "under PID 1 is an orphan that PID 1 has not reaped (yet).</p>"
)


def _state(r: RunResult) -> tuple[str, str]:
    """(CSS class, mark) of a run: ok, failed, or na (the scenario does not run there)."""
    if r.not_applicable:
        return "na", ""
    return ("ok", "✓ ") if r.ok else ("failed", "✗ ")


def _title(r: RunResult) -> str:
    return f"{r.scenario} under {r.init}" + (f" (Python {r.python})" if r.python else "")


def _anchors(results: Sequence[RunResult]) -> list[str]:
    """An id per run, from its scenario, mode and Python; unique."""
    seen: set[str] = set()
    anchors = []
    for r in results:
        name = f"{r.scenario}--{r.init}" + (f"--{r.python}" if r.python else "")
        base = anchor = "run-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
        n = 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        anchors.append(anchor)
    return anchors


def _matrix(results: list[RunResult], columns: Sequence[str], anchors: Sequence[str]) -> str:
    several = summary.several_pythons(results)
    cells = {
        (r.scenario, summary.column(r, several)): (r, a)
        for r, a in zip(results, anchors, strict=True)
    }
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    rows = [f'<table class="matrix"><tr><th>scenario</th>{head}</tr>']
    for name in dict.fromkeys(r.scenario for r in results):
        row = [f"<tr><th>{esc(name)}</th>"]
        for col in columns:
            if (name, col) not in cells:
                row.append('<td class="cell none">-</td>')
                continue
            r, anchor = cells[name, col]
            state, mark = _state(r)
            row.append(
                f'<td class="cell {state}" data-scenario="{esc(name)}" data-column="{esc(col)}">'
                f'<a href="#{esc(anchor)}">{mark}{esc(summary.summarize(r).cell())}</a></td>'
            )
        rows.append("".join(row) + "</tr>")
    rows.append(f'</table><p class="note">{esc(summary.LEGEND)}. Each cell links to its run.</p>')
    return "".join(rows)


def _plots(results: list[RunResult], colours: Mapping[str, str]) -> str:
    """A plot per scenario with zombie counts over time, a line per column (mode) that has
    them: exact, from the recorded events, or else the sampled timeline."""
    several = summary.several_pythons(results)
    by_scenario: dict[str, dict[str, Sequence[Sample]]] = {}
    notes: dict[str, dict[str, str]] = {}
    for r in results:
        column = summary.column(r, several)
        if r.events:
            by_scenario.setdefault(r.scenario, {})[column] = lifecycle.zombie_curve(r.events)
            notes.setdefault(r.scenario, {})[column] = f"exact, {_count(len(r.events), 'event')}"
        elif r.timeline:
            by_scenario.setdefault(r.scenario, {})[column] = r.timeline
            notes.setdefault(r.scenario, {})[column] = _count(len(r.timeline), "sample")
    parts = []
    for scenario, series in by_scenario.items():
        title = f"{scenario}: zombies over time"
        parts.append(
            f'<section class="timeline"><h2>{esc(title)}</h2><div class="scroll">'
            f"{render_plot(title, series, colours, notes[scenario])}</div></section>"
        )
    return "".join(parts)


def _checks(checks: Sequence[CheckResult]) -> str:
    if not checks:
        return ""
    rows = ['<table class="checks"><tr><th>verdict</th><th>check</th><th>detail</th></tr>']
    for c in checks:
        claim = f'<br><span class="note">{esc(c.claim)}</span>' if c.claim else ""
        rows.append(
            f'<tr class="check {"ok" if c.ok else "failed"}"><td>'
            f"{'✓ ok' if c.ok else '✗ failed'}</td><td><code>{esc(c.name)}</code>{claim}</td>"
            f"<td>{esc(plain(c.detail))}</td></tr>"
        )
    return "".join(rows) + "</table>"


def _snapshot(s: Snapshot, containers: int) -> str:
    zombies = [p for p in s.processes if _is_zombie(p)]
    adopted = sum(1 for p in zombies if p.ppid == 1)
    where = f"container {s.container} · " if containers > 1 else ""
    return (
        f'<figure class="snapshot"><figcaption>{esc(plain(s.label))} <span class="note">'
        f"{where}at {s.at_s:.2f} s · {_count(len(s.processes), 'process/es')}, "
        f"{_count(len(zombies), 'zombie')} ({adopted:,} with PPID 1)</span></figcaption>"
        f'<div class="scroll">'
        f"{render_tree(s.processes)}</div></figure>"
    )


def _transcript(text: str) -> str:
    lines = plain(text).strip("\n").split("\n")
    cut = ""
    if len(lines) > MAX_TRANSCRIPT_LINES:
        cut = f"\n… {len(lines) - MAX_TRANSCRIPT_LINES:,} more lines: see report.md or report.json"
        lines = lines[:MAX_TRANSCRIPT_LINES]
    return (
        f"<details><summary>transcript ({len(lines):,} lines)</summary>"
        f"<pre>{esc(chr(10).join(lines) + cut)}</pre></details>"
    )


def _run(r: RunResult, anchor: str) -> str:
    cell = summary.summarize(r)
    state, _ = _state(r)
    verdict = {"ok": "ok", "failed": "FAILED", "na": "not applicable"}[state]
    meta = ["no exit code" if r.exit_code is None else f"exit code {r.exit_code}"]
    meta += [f"{r.duration_s:.1f} s"]
    meta += [f"image {r.image}"] if r.image else []
    meta += [f"host view: {r.host_view}"] if r.host_view else []
    meta += [f"process events: {r.recorder}"] if r.recorder else []
    parts = [
        f'<section class="run {state}" id="{esc(anchor)}">',
        f'<h2>{esc(_title(r))}: <span class="verdict {state}">{verdict}</span> '
        f"{cell.passed}/{cell.checks}</h2>",
        f'<p class="note">{esc(plain(" · ".join(meta)))}</p>',
    ]
    if r.not_applicable:
        parts.append(f"<p>Not applicable: {esc(plain(r.not_applicable))}</p>")
    if r.error:
        parts.append(f'<p class="error">Stopped early: {esc(plain(r.error))}</p>')
    parts.append(_checks(r.checks))
    if r.events:
        parts.append(f'<p class="events">Recorded: {esc(report.events_line(r))}.</p>')
    if r.facts:
        facts = "".join(
            f"<tr><th>{esc(k)}</th><td>{esc(plain(str(v)))}</td></tr>" for k, v in r.facts.items()
        )
        parts.append(f'<table class="facts">{facts}</table>')
    containers = len({s.container for s in r.snapshots})
    parts += [_snapshot(s, containers) for s in r.snapshots]
    parts += [_transcript(r.transcript), '<p><a href="#matrix">back to the matrix</a></p>']
    return "".join(parts) + "</section>"


def render_html(results: list[RunResult], inits: list[str]) -> str:
    """report.html: the matrix, zombies over time, then every run with its process trees.

    `inits` are the matrix's columns, as write_reports gets them (summary.columns(results)).
    """
    several = summary.several_pythons(results)
    modes = list(dict.fromkeys([*inits, *(summary.column(r, several) for r in results)]))
    colours = {mode: PALETTE[i % len(PALETTE)] for i, mode in enumerate(modes)}
    anchors = _anchors(results)
    failed = [(r, a) for r, a in zip(results, anchors, strict=True) if _state(r)[0] == "failed"]
    if failed:
        links = ", ".join(f'<a href="#{esc(a)}">{esc(_title(r))}</a>' for r, a in failed)
        verdict = (
            f'<span class="verdict failed">{len(failed)} of {len(results)} runs FAILED</span>: '
            + links
        )
    else:
        verdict = f'<span class="verdict ok">{_count(len(results), "run")}, every check held</span>'
    return "".join(
        [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>process-sandbox matrix</title><style>{CSS}</style></head><body>",
            f'<h1>process-sandbox matrix</h1><p class="summary">{verdict}</p>',
            '<section id="matrix"><h2>Scenarios × PID 1 modes</h2>',
            _matrix(results, inits, anchors),
            "</section>",
            _reaping(results, colours),
            _plots(results, colours),
            f'<section id="runs"><h2>Runs</h2>{KEY}</section>',
            *(_run(r, a) for r, a in zip(results, anchors, strict=True)),
            "</body></html>\n",
        ]
    )


def write_html(results: list[RunResult], inits: list[str], folder: Path) -> Path:
    """`folder`/report.html, written whole or not at all."""
    path = folder / "report.html"
    write_atomic(path, render_html(results, inits))
    return path
