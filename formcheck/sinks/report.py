"""The JSON session report (its keys are a contract other tools rely on; see README)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from formcheck.events import FormWarning, Guidance, HoldEnded, RepCounted
from formcheck.errors import FormcheckError


class ReportBuilder:
    def __init__(self, exercise: str, source: str, sides: tuple[str, ...]):
        self.exercise = exercise
        self.source = source
        self.sides = sides
        self.frames = 0
        self.detected = 0
        self.first_t: float | None = None
        self.last_t = 0.0
        self.fps = 0.0
        self.reps = 0
        self.reps_by_side = {s: 0 for s in sides} if sides else None
        self.holds: list[dict] = []
        self.warnings: list[dict] = []
        self.guidance: list[dict] = []
        self.notes: list[str] = []
        self.rep_times: list[tuple[float, str | None]] = []   # for the HTML plot, not the JSON

    def frame(self, t: float, detected: bool) -> None:
        self.frames += 1
        self.detected += bool(detected)
        if self.first_t is None:
            self.first_t = t
        self.last_t = t

    def event(self, e) -> None:
        if isinstance(e, RepCounted):
            self.reps = e.count
            self.rep_times.append((e.t, e.side))
            if e.side and self.reps_by_side is not None:
                self.reps_by_side[e.side] += 1
        elif isinstance(e, HoldEnded):
            self.holds.append({"start_s": round(e.start_s, 3), "end_s": round(e.end_s, 3),
                               "seconds": round(e.good_s, 2), "good_form": e.good_form, "position": e.position})
        elif isinstance(e, FormWarning):
            self.warnings.append({"t_s": round(e.t, 3), "code": e.code, "message": e.message,
                                  "severity": e.severity})
        elif isinstance(e, Guidance):
            self.guidance.append({"t_s": round(e.t, 3), "code": e.code, "message": e.message})

    def to_dict(self) -> dict:
        frame_s = 1.0 / self.fps if self.fps > 0 else 0.0
        duration = (self.last_t - (self.first_t or 0.0) + frame_s) if self.frames else 0.0
        return {
            "exercise": self.exercise,
            "source": self.source,
            "frames": self.frames,
            "duration_s": round(duration, 3),
            "reps": self.reps,
            "reps_by_side": dict(self.reps_by_side) if self.reps_by_side is not None else None,
            "holds": self.holds,
            "warnings": self.warnings,
            "pose_detected_ratio": round(self.detected / self.frames, 4) if self.frames else 0.0,
            "guidance": self.guidance,
            "notes": self.notes,
        }


def check_writable(path: str | os.PathLike, what: str) -> Path:
    """Fail before the session starts, not after it, if `path` cannot be written."""
    p = Path(path)
    if p.is_dir():
        raise FormcheckError(f"cannot write {what} {p}: it is a folder")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise FormcheckError(f"cannot write {what} {p}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise FormcheckError(f"cannot write {what} {p}: permission denied")
    return p


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_outputs(inputs: list, outputs: list[tuple], overwrite: bool = False,
                  keep: tuple = ("landmark log",)) -> None:
    """Nothing the user has is destroyed: an output that is one of the inputs (the video, the
    config, the model, a log) or another output is a usage error before anything starts, and an
    existing file of a kind in `keep` (a recording) is never replaced without --overwrite.
    `outputs`: (path, what) pairs."""
    from formcheck.errors import UsageError
    seen: list[tuple[Path, str]] = []
    ins = [Path(i) for i in inputs if i is not None and not isinstance(i, int)]
    for path, what in outputs:
        if not path:
            continue
        p = Path(path)
        for i in ins:
            if _same(p, i):
                raise UsageError(f"the {what} {p} would overwrite the input {i}; choose another name")
        for q, other in seen:
            if _same(p, q):
                raise UsageError(f"the {what} and the {other} are the same file {p}; choose two names")
        if what in keep and p.exists() and not overwrite:
            raise UsageError(f"{p} already exists: a recording is never replaced (give --overwrite, or another name)")
        seen.append((p, what))


def write_report_text(path: str | os.PathLike, text: str) -> None:
    """Write a report whole or not at all (a temporary file renamed over the target)."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, p)
    except OSError as err:
        try:
            tmp.unlink()   # no half-written or empty file left behind (a full disk)
        except OSError:
            pass
        raise FormcheckError(f"cannot write report {p}: {err.strerror or err}") from None


def write_json_report(path: str | os.PathLike, report: dict) -> None:
    write_report_text(path, json.dumps(report, indent=1) + "\n")
