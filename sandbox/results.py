"""Writing results to disk: a folder per run under results/, and --json files. Atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sandbox.errors import SandboxError, UsageError
from sandbox.model import CheckResult, Process, ProcessEvent, RunResult, Sample, Snapshot


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the whole new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0600 would keep a report from being shared
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise SandboxError(
            f"cannot write {path}: {exc.strerror}", "choose a writable place"
        ) from exc


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def save_run(result: RunResult, root: Path, report: str) -> Path:
    """results/<time>-<scenario>-<init>/ with result.json, transcript.txt and report.txt.

    All or nothing: the files are written into a hidden folder first, which is renamed into
    place only once all three are whole. A full disk or a folder that is not writable
    leaves no result folder behind (and no hidden one).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{result.scenario}-{result.init}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{base}."))
    except OSError as exc:
        raise SandboxError(
            f"cannot write {root}: {exc.strerror}", "choose a writable place"
        ) from exc
    try:
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would keep the results from being shared
        write_atomic(staging / "transcript.txt", result.transcript)
        write_atomic(staging / "report.txt", report)
        write_atomic(staging / "result.json", to_json(result.to_dict()))
        return _rename_into_place(staging, root, base)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _rename_into_place(staging: Path, root: Path, base: str) -> Path:
    folder = root / base
    for n in range(2, 1000):  # mkdir, not exists(): two controllers may save at once
        try:
            # An empty folder of that name would be replaced silently: claim the name with
            # mkdir first, then rename onto the empty folder that is now certainly ours.
            folder.mkdir()
        except FileExistsError:
            folder = root / f"{base}-{n}"
            continue
        except OSError as exc:
            raise SandboxError(
                f"cannot write {folder}: {exc.strerror}", "choose a writable place"
            ) from exc
        try:
            os.replace(staging, folder)
        except OSError as exc:
            folder.rmdir()
            raise SandboxError(
                f"cannot write {folder}: {exc.strerror}", "choose a writable place"
            ) from exc
        return folder
    raise SandboxError(f"cannot write {root / base}: 998 folders of that name exist already")


def result_from_dict(d: Mapping[str, Any]) -> RunResult:
    """A RunResult back from its contract (RunResult.to_dict(), as report.json holds it)."""

    def table(rows: Iterable[Mapping[str, Any]]) -> tuple[Process, ...]:
        return tuple(Process(**p) for p in rows)

    def snapshot(s: Mapping[str, Any]) -> Snapshot:
        host = s.get("host_processes")
        return Snapshot(
            **{**s, "processes": table(s["processes"]), "host_processes": host and table(host)}
        )

    return RunResult(
        **{
            **d,
            "checks": tuple(CheckResult(**c) for c in d["checks"]),
            "snapshots": tuple(snapshot(s) for s in d["snapshots"]),
            "timeline": tuple(Sample(**s) for s in d.get("timeline", ())),
            "events": tuple(ProcessEvent(**e) for e in d.get("events", ())),
        }
    )


def load_results(path: Path) -> list[RunResult]:
    """The runs of a matrix's report.json (a list), or of one result.json (an object)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [result_from_dict(d) for d in (data if isinstance(data, list) else [data])]
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise UsageError(
            f"{path} is not a report.json or result.json of this tool ({type(exc).__name__})"
        ) from None
