"""`python -m sandbox`: a thin command line over the library.

It parses options, calls the library, prints, and turns the library's errors into one
line on stderr and an exit code: 0 all checks held, 1 a check failed or a run stopped
early, 2 bad input or no engine/image (also an engine lost mid-run), 128+N ended by
signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP: a closed terminal); `shell` returns its
shell's status. A run stopped by a signal or a lost engine is saved all the same, with
ok false and the reason. The library never exits.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import time
from pathlib import Path
from typing import NoReturn

from sandbox import (
    bundle,
    byo,
    compose,
    golden,
    image,
    leftovers,
    matrix,
    provision,
    shell,
    summary,
)
from sandbox.confine import DEFAULT_LIMITS, Limits, parse_memory, parse_pids, show_memory
from sandbox.engine import Engine
from sandbox.errors import (
    EngineLost,
    EngineUnavailable,
    ImageError,
    Interrupted,
    SandboxError,
    UsageError,
)
from sandbox.inits import DEFAULT_INITS, INITS, InitMode, get_init
from sandbox.junit import render_junit
from sandbox.model import RunResult
from sandbox.report import render_run, render_summary
from sandbox.results import load_results, save_run, to_json, write_atomic
from sandbox.runner import MAX_CHILDREN, run_scenario, signals_ignored
from sandbox.scenario import SCENARIOS_DIR, Scenario, find, load_all


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + error
        self.exit(2, f"sandbox: {message} (see `python -m sandbox --help`)\n")


def _log(message: str) -> None:
    print(f"sandbox: {message}", file=sys.stderr, flush=True)


def cmd_list(args: argparse.Namespace) -> int:
    scenarios = load_all(args.scenarios)
    if not scenarios:
        raise UsageError(f"no scenarios in {args.scenarios} (a folder each, with a scenario.py)")
    width = max(len(name) for name in scenarios)
    for name, scenario in scenarios.items():
        print(f"{name:<{width}}  {scenario.summary}  [{scenario.title}]")
    print("\nPID 1 modes (--init):")
    width = max(len(name) for name in INITS)
    for mode in INITS.values():
        print(f"  {mode.name:<{width}}  {mode.summary}")
    print(f"  {'all':<{width}}  every one of them")
    return 0


def cmd_engine(_args: argparse.Namespace) -> int:
    engine = provision.ensure_engine(_log)
    print(f"Docker engine {engine.version()} answers at {engine.endpoint}")
    return 0


def cmd_image(args: argparse.Namespace) -> int:
    engine = provision.ensure_engine(_log)
    ref = image.ensure_image(engine, _log, python=args.python, method=args.method, force=args.force)
    print(ref)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    if byo.is_path(args.scenario):
        scenario = byo.scenario_for(Path(args.scenario), args.timeout)
    else:
        scenario = find(args.scenario, args.scenarios)
    inits = _inits(args.init, DEFAULT_INITS)
    limits = confinement_limits(args)
    check_children(args.children, [scenario])
    engine, ref = _engine_and_image(args.python)
    results: list[RunResult] = []
    for init in inits:
        try:
            result = run_scenario(
                engine,
                ref,
                scenario,
                init,
                timeout_s=args.timeout,
                python=args.python,
                limits=limits,
                children=args.children,
            )
        except Interrupted as stopped:
            note = _keep_partial(stopped.partial, scenario, args, results)
            raise Interrupted(stopped.signum, stopped.partial, note) from None
        except EngineLost as lost:
            note = _keep_partial(lost.partial, scenario, args, results)
            raise EngineLost(lost.message + note, lost.hint, lost.partial) from None
        report = render_run(result, scenario)
        print(report)
        folder = save_run(result, args.results, report)
        print(f"saved to {folder}/\n", flush=True)
        results.append(result)
    print(render_summary(results))
    if args.json is not None:
        data = results[0].to_dict() if len(results) == 1 else [r.to_dict() for r in results]
        write_atomic(args.json, to_json(data))
    if args.junit is not None:
        write_atomic(args.junit, render_junit(results))
    return 0 if all(r.ok for r in results) else 1


def _keep_partial(
    partial: RunResult | None, scenario: Scenario, args: argparse.Namespace, done: list[RunResult]
) -> str:
    """Save a run stopped early like any other (results folder, --json, --junit), with
    the runs before it; what became of it, as the end of a sentence."""
    if partial is None:
        return ""
    with signals_ignored():  # a second Ctrl-C must not leave the files half-written
        try:
            folder = save_run(partial, args.results, render_run(partial, scenario))
            results = [*done, partial]
            if args.json is not None:
                data = partial.to_dict() if len(results) == 1 else [r.to_dict() for r in results]
                write_atomic(args.json, to_json(data))
            if args.junit is not None:
                write_atomic(args.junit, render_junit(results))
        except SandboxError as exc:
            return f"; its partial result was not saved: {exc.message}"
    return f"; its partial result (ok: false) is in {folder}/"


def cmd_gc(_args: argparse.Namespace) -> int:
    engine = _connect()
    swept = leftovers.sweep(engine)
    for controller, ids in swept.removed.items():
        print(f"removed {len(ids)} container(s) left by controller {controller} (dead)")
    print(f"removed {swept.removed_count} containers; kept {swept.alive} whose controller runs")
    if swept.elsewhere:
        print(f"kept {swept.elsewhere} of controllers on other hosts (cannot tell if alive)")
    if swept.unowned:
        print(
            f"kept {len(swept.unowned)} without a controller label (made by an older version; "
            f"remove them with `docker rm -f` once none runs): "
            + " ".join(c[:12] for c in swept.unowned)
        )
    if swept.failed:
        print(f"could not remove {len(swept.failed)}: " + " ".join(c[:12] for c in swept.failed))
        return 1
    return 0


def _sweep_leftovers(engine: Engine) -> None:
    """Before a command starts containers: remove those of controllers that died."""
    swept = leftovers.sweep(engine)
    if swept.removed:
        _log(swept.summary())


def _connect() -> Engine:
    try:
        return Engine.connect()
    except EngineUnavailable as absent:  # a socket that is there but not ours says so
        raise provision.socket_refused() or absent from None


def cmd_shell(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "`shell` needs a terminal to type in; for a transcript without one, use "
            f"`python -m sandbox run {args.scenario}`"
        )
    scenario = find(args.scenario, args.scenarios)
    init = get_init(args.init)
    engine, ref = _engine_and_image(args.python)
    _log(f"starting {scenario.name} under {init.name} (PID 1: {init.shown})")
    with shell.staged(engine, ref, scenario, init) as stage:
        print(stage.introduction(), flush=True)
        status = shell.interact(engine, stage)
    _log(f"the shell ended (exit {status}); its container is removed")
    return status


def cmd_golden(args: argparse.Namespace) -> int:
    scenarios = [find(name, args.scenarios) for name in args.names] or list(
        load_all(args.scenarios).values()
    )
    inits = _inits(args.init, tuple(INITS))
    engine, ref = _engine_and_image(image.DEFAULT_PYTHON)  # the golden files are 3.11's
    failed = 0
    for scenario in scenarios:
        for init in (i for i in inits if i.name in scenario.modes()):
            result = run_scenario(engine, ref, scenario, init)
            target = golden.path(scenario, init.name)
            if not result.ok:
                failed += 1
                print(f"{scenario.name} under {init.name} failed: {target} left as it was")
                print(render_run(result, scenario))
                continue
            write_atomic(target, golden.normalize(result.transcript, scenario.golden_masks))
            print(f"wrote {target}")
    return 1 if failed else 0


def cmd_matrix(args: argparse.Namespace) -> int:
    scenarios = [find(name, args.scenarios) for name in args.scenario or []] or list(
        load_all(args.scenarios).values()
    )
    inits = _inits(args.init, tuple(INITS))
    if args.jobs < 1:
        raise UsageError(f"-j must be at least 1, not {args.jobs}")
    limits = confinement_limits(args)
    check_children(args.children, scenarios)
    pythons = list(dict.fromkeys(args.python or [image.DEFAULT_PYTHON]))
    images = {python: _engine_and_image(python)[1] for python in pythons}
    started = time.monotonic()
    _log(
        f"{len(scenarios)} scenarios x {len(inits)} PID 1 modes x {len(pythons)} Python, "
        f"{args.jobs} at a time"
    )

    def progress(result: RunResult, done: int, total: int) -> None:
        if result.not_applicable:
            verdict = "n/a"
        else:
            verdict = "ok" if result.ok else f"FAILED ({result.error or 'a check failed'})"
        python = f" on Python {result.python}" if len(pythons) > 1 else ""
        _log(
            f"[{done}/{total} · {time.monotonic() - started:.0f} s] {result.scenario} under "
            f"{result.init}{python}: {verdict}, {result.duration_s:.1f} s"
        )
        if not result.ok:  # which scenario, which mode, which check, and the transcript
            print(render_run(result, find(result.scenario, args.scenarios)), file=sys.stderr)

    results = matrix.run_matrix(
        scenarios,
        inits,
        images,
        jobs=args.jobs,
        progress=progress,
        limits=limits,
        children=args.children,
    )
    names = summary.columns(results)
    folder = args.out or matrix.default_folder(args.results)
    matrix.write_reports(results, names, folder)
    if args.junit is not None:
        write_atomic(args.junit, render_junit(results))
    print(summary.render_table(results, names))
    print(f"reports in {folder}/ (report.md, report.html, report.json)")
    return 0 if all(r.ok for r in results) else 1


def cmd_report(args: argparse.Namespace) -> int:
    results = load_results(args.report)
    names = summary.columns(results)
    folder = args.report.parent
    matrix.write_reports(results, names, folder, json=False)
    print(summary.render_table(results, names))
    print(f"reports in {folder}/ (report.md, report.html)")
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    started = time.monotonic()
    bundle.check_out(args.out)  # bad input is told before any engine is needed
    engine = provision.ensure_engine(_log)
    pythons = list(dict.fromkeys(args.python or [image.DEFAULT_PYTHON]))
    made = bundle.make_bundle(engine, pythons, args.out, _log)
    print(
        f"{args.out}: {args.out.stat().st_size / 1e6:.0f} MB, the images of Python "
        f"{', '.join(pythons)}, {len(made.wheels)} wheels for Python {made.wheels_python} "
        f"on {made.wheels_platform} ({time.monotonic() - started:.0f} s)"
    )
    print(f"on the workshop machine: tar xzf {args.out.name} && cd {bundle.TOP} && make load")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    found = bundle.open_bundle(args.path)  # bad input is told before any engine is needed
    engine = provision.ensure_engine(_log)
    for loaded in bundle.load_bundle(engine, found, _log):
        print(f"loaded {' '.join(loaded.tags)} (Python {loaded.python}, {loaded.id[:19]})")
    return 0


def cmd_compose(args: argparse.Namespace) -> int:
    path = SCENARIOS_DIR.parent / compose.COMPOSE_FILE
    scenarios = load_all().values()
    text = compose.render(scenarios, INITS, path.parent)
    services = sum(len(s.modes()) for s in scenarios)
    if args.check:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            print(f"{path.name} is up to date ({services} services)")
            return 0
        print(f"{path.name} is out of date: run `python -m sandbox compose`", file=sys.stderr)
        return 1
    write_atomic(path, text)
    print(f"wrote {path} ({services} services)")
    return 0


def _inits(asked: list[str] | None, default: tuple[str, ...]) -> list[InitMode]:
    """The PID 1 modes named by --init (`all`: every one), or `default` when none is."""
    names = list(INITS) if asked and "all" in asked else asked or default
    return [get_init(name) for name in dict.fromkeys(names)]


def _engine_and_image(python: str) -> tuple[Engine, str]:
    engine = _connect()
    _sweep_leftovers(engine)
    ref = image.image_ref(python)
    if engine.image_id(ref) is None:
        build = "make image" if python == image.DEFAULT_PYTHON else f"make image PYTHONS={python}"
        raise ImageError(
            f"the engine has no sandbox image {ref} (Python {python})", f"build it with `{build}`"
        )
    return engine, ref


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sandbox", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    listing = commands.add_parser("list", help="list the scenarios and PID 1 modes")
    listing.set_defaults(func=cmd_list)
    commands.add_parser(
        "engine", help="find a Docker engine, or install and start one (root Debian/Ubuntu)"
    ).set_defaults(func=cmd_engine)

    build = commands.add_parser("image", help="build the sandbox image unless it is up to date")
    build.add_argument("--method", default="auto", help="auto (default), offline or dockerfile")
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build.set_defaults(func=cmd_image)

    run = commands.add_parser("run", help="run a scenario under one or more PID 1 modes")
    run.add_argument(
        "scenario", help="a scenario name (see `list`), or the path of a script of your own"
    )
    run.add_argument(
        "--init",
        action="append",
        metavar="MODE",
        help=f"PID 1 mode, repeatable, or `all` (default: {' and '.join(DEFAULT_INITS)})",
    )
    run.add_argument("--json", type=Path, metavar="FILE", help="write the result contract here")
    run.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML here (for CI)")
    run.add_argument("--results", type=Path, default=Path("results"), metavar="DIR")
    run.add_argument("--timeout", type=float, metavar="SECONDS", help="bound on each run")
    run.set_defaults(func=cmd_run)
    prompt = commands.add_parser(
        "shell", help="a shell inside a scenario's container, at its moment (the zombie exists)"
    )
    prompt.add_argument("scenario", help="a scenario name (see `list`)")
    prompt.add_argument(
        "--init", default="noreap", metavar="MODE", help="the PID 1 mode (default: noreap)"
    )
    prompt.set_defaults(func=cmd_shell)
    for sub in (build, run, prompt):
        sub.add_argument(
            "--python",
            choices=list(image.PYTHONS),
            default=image.DEFAULT_PYTHON,
            metavar="VERSION",
            help=f"the image's Python: {', '.join(image.PYTHONS)} "
            f"(default: {image.DEFAULT_PYTHON})",
        )

    rewrite = commands.add_parser(
        "golden", help="rewrite the golden transcripts from fresh runs (every PID 1 mode)"
    )
    rewrite.add_argument("names", nargs="*", metavar="SCENARIO", help="default: all of them")
    rewrite.add_argument(
        "--init", action="append", metavar="MODE", help="repeatable (default: every mode)"
    )
    rewrite.set_defaults(func=cmd_golden)

    grid = commands.add_parser(
        "matrix", help="every scenario under every PID 1 mode, side by side, with reports"
    )
    grid.add_argument("--scenario", action="append", metavar="NAME", help="repeatable")
    grid.add_argument(
        "--init", action="append", metavar="MODE", help="repeatable (default: every mode)"
    )
    grid.add_argument(
        "-j", "--jobs", type=int, default=os.cpu_count() or 1, help="runs at once (default: cores)"
    )
    grid.add_argument("--out", type=Path, metavar="DIR", help="where the reports go")
    grid.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML here (for CI)")
    grid.add_argument("--results", type=Path, default=Path("results"), metavar="DIR")
    grid.set_defaults(func=cmd_matrix)

    again = commands.add_parser(
        "report", help="write report.md and report.html again from a report.json"
    )
    again.add_argument("report", type=Path, metavar="REPORT_JSON")
    again.set_defaults(func=cmd_report)

    pack = commands.add_parser(
        "bundle", help="one archive for a machine with Docker but no network (images, wheels)"
    )
    pack.add_argument("--out", type=Path, default=bundle.ARCHIVE, metavar="FILE")
    pack.set_defaults(func=cmd_bundle)
    for sub in (grid, pack):
        sub.add_argument(
            "--python",
            action="append",
            choices=list(image.PYTHONS),
            metavar="VERSION",
            help=f"repeatable: {', '.join(image.PYTHONS)} (default: {image.DEFAULT_PYTHON})",
        )

    load = commands.add_parser("load", help="load a bundle's images into the engine, checked")
    load.add_argument(
        "path", type=Path, metavar="PATH", help="the .tar.gz, or an unpacked one's images/"
    )
    load.set_defaults(func=cmd_load)

    composer = commands.add_parser(
        "compose", help="write compose.yaml: a service per scenario and PID 1 mode"
    )
    composer.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if compose.yaml is out of date"
    )
    composer.set_defaults(func=cmd_compose)
    commands.add_parser(
        "gc", help="remove the containers of controllers that died (kill -9, a cancelled job)"
    ).set_defaults(func=cmd_gc)

    add_limit_options(run, grid)
    add_children_option(run, grid)
    for sub in (listing, run, prompt, rewrite, grid):
        sub.add_argument(
            "--scenarios",
            type=Path,
            default=SCENARIOS_DIR,
            metavar="DIR",
            help="where the scenario folders are (default: the project's scenarios/)",
        )
    return parser


def _terminate(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # unwind, so containers are removed
        signal.signal(sig, _terminate)
    try:
        code: int = args.func(args)
        return code
    except SandboxError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        stopped = exc if isinstance(exc, Interrupted) else Interrupted(signal.SIGINT)
        what = "interrupted" if stopped.signum == signal.SIGINT else "terminated"
        print(f"sandbox: {what}; its containers were removed{stopped.note}", file=sys.stderr)
        return 128 + stopped.signum


def add_limit_options(*subs: argparse.ArgumentParser) -> None:
    """--memory and --pids-limit: every box's limits, over the scenario's and the defaults."""
    for sub in subs:
        sub.add_argument(
            "--memory",
            metavar="SIZE",
            help="each container's memory limit, no swap beyond it, e.g. 256m or 1g "
            f"(default: the scenario's, else {show_memory(DEFAULT_LIMITS.memory or 0)})",
        )
        sub.add_argument(
            "--pids-limit",
            metavar="N",
            help="each container's pids limit (default: the scenario's, "
            f"else {DEFAULT_LIMITS.pids}); a scenario's own, part of what it shows, stays",
        )


def add_children_option(*subs: argparse.ArgumentParser) -> None:
    for sub in subs:
        sub.add_argument(
            "--children",
            type=int,
            metavar="N",
            help="how many children the scenario's script forks, where it takes a number "
            "(zombie-flood: 10 by default, up to 10,000)",
        )


def check_children(children: int | None, scenarios: list[Scenario]) -> None:
    """UsageError unless --children is absent, or in range and taken by a scenario asked for."""
    if children is None:
        return
    if not 1 <= children <= MAX_CHILDREN:
        raise UsageError(f"--children must be between 1 and {MAX_CHILDREN:,}, not {children}")
    if not any(s.children is not None for s in scenarios):
        takers = [s.name for s in load_all().values() if s.children is not None]
        raise UsageError(
            f"--children is for scenarios that fork a number of children: {', '.join(takers)}"
        )


def confinement_limits(args: argparse.Namespace) -> Limits:
    """The limits --memory and --pids-limit ask for (None where not given); UsageError if bad."""
    return Limits(
        parse_memory(args.memory) if args.memory is not None else None,
        parse_pids(args.pids_limit) if args.pids_limit is not None else None,
    )
