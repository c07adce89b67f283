"""`formcheck eval DIR`: score every labelled clip in DIR against its JSON label.

Pose inference runs once per clip and its landmark log is cached under the video's content hash
(and the model's), so the machines can be re-run over the logs as often as needed in seconds.
Labels follow ../shared/clips/real/README.md. A clip fails when:
  - its rep count (per side for bird-dog) differs; a negative clip ("exercise": "none") fails if
    any of the six machines counts a rep;
  - a label with "faults": [] gets more than one form warning per started minute;
  - a rendered sample ("set": "sample") has a scripted fault not flagged with its code within
    1 s of its start, or a hold whose good-form seconds are off by more than 0.5 s.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from formcheck.errors import FormcheckError, UsageError
from formcheck.exercises.spec import EXERCISES, load_spec
from formcheck.pose.estimator import check_model, model_sha256, sha256_of
from formcheck.pose.log import read_log

HOLD_TOLERANCE_S = 0.5
FAULT_WINDOW_S = 1.0


def default_cache_dir() -> Path:
    """FORMCHECK_CACHE_DIR if set (the test suite keeps its own there), else ~/.cache/formcheck/logs."""
    if os.environ.get("FORMCHECK_CACHE_DIR"):
        return Path(os.environ["FORMCHECK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "formcheck" / "logs"


def cached_log(video: Path, cache_dir: Path, model: str | None = None, threads: bool = True,
               augment: str | None = None) -> Path:
    """The clip's landmark log (of the clip augmented by `augment`), from the cache or made now.
    The cache's names are those `score --logs` gives (`batch.score.log_name`)."""
    from formcheck.batch.score import log_name
    from formcheck.pipeline import record_log

    path = cache_dir / log_name(sha256_of(video), model_sha256(check_model(model)), augment)
    if path.exists():
        log = read_log(path)
        if log.problem is None and len(log):
            return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        record_log(str(video), tmp, model, threads, augment)
        os.replace(tmp, path)
    except BaseException:   # a full disk, Ctrl-C: no half log is left in the cache
        tmp.unlink(missing_ok=True)
        raise
    return path


@dataclass
class ClipResult:
    clip: str
    exercise: str
    expected: int
    counted: int
    sides_expected: dict | None = None
    sides_counted: dict | None = None
    hold_expected: float | None = None
    hold_measured: float | None = None
    warnings: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_label(label: dict, report: dict, res: ClipResult, has_holds: bool = True) -> None:
    sample = label.get("set") == "sample"
    wanted = label.get("expected_guidance")
    if wanted:  # e.g. a front view: formcheck must ask to turn sideways instead of counting
        res.expected = 0
        res.sides_expected = None
        if wanted not in {g["code"] for g in report.get("guidance", [])}:
            res.problems.append(f"no '{wanted}' guidance")
        if res.counted:
            res.problems.append(f"counted {res.counted} reps in a view it should not count")
        return
    if res.counted != res.expected:
        res.problems.append(f"reps {res.counted} != {res.expected}")
    if res.sides_expected is not None and res.sides_counted != res.sides_expected:
        res.problems.append(f"sides {res.sides_counted} != {res.sides_expected}")
    form = [w for w in report["warnings"] if w.get("severity") != "info"]
    if not label.get("faults"):
        allowed = max(1, math.ceil(report["duration_s"] / 60.0))
        if len(form) > allowed:
            res.problems.append(f"{len(form)} warnings on a clean clip (allowed {allowed})")
    elif sample:
        for fault in label["faults"]:
            hit = [w for w in report["warnings"] if w["code"] == fault["kind"]
                   and fault["start_s"] - 0.2 <= w["t_s"] <= fault["start_s"] + FAULT_WINDOW_S]
            if not hit:
                res.problems.append(f"fault {fault['kind']} at {fault['start_s']} s not flagged")
    reps = label.get("reps") or []
    if sample and reps and has_holds:
        # cat-cow times both extremes ("phases"); the others one hold per rep
        expected_holds = [p["end_s"] - p["start_s"] for r in reps for p in r.get("phases", [])] or \
                         [r["hold_end_s"] - r["hold_start_s"] for r in reps]
        res.hold_expected = round(sum(expected_holds), 1)
        res.hold_measured = round(sum(h["seconds"] for h in report["holds"]), 1)
        faulty = {f.get("rep") for f in label.get("faults", [])}
        if not faulty and len(report["holds"]) == len(expected_holds):
            for i, (exp, got) in enumerate(zip(expected_holds, report["holds"])):
                if abs(got["seconds"] - exp) > HOLD_TOLERANCE_S:
                    res.problems.append(f"hold {i + 1}: {got['seconds']:.1f} s != {exp:.1f} s")
        elif not faulty:
            res.problems.append(f"{len(report['holds'])} holds != {len(expected_holds)}")


def _swap_sides(sides: dict | None) -> dict | None:
    return None if sides is None else {**sides, "left": sides.get("right"), "right": sides.get("left")}


def evaluate(directory: str | os.PathLike, cache_dir: Path | None = None, model: str | None = None,
             progress=None, jobs: int = 1, augment: str | None = None, cluster: str | None = None,
             scheduler: str | None = None) -> list[ClipResult]:
    """Every labelled clip in `directory` scored against its label; with `augment`, the clips as
    that augmentation changes them (`sources/augment.py`), against the label it changes."""
    from formcheck.batch import parallel_map
    from formcheck.sources.augment import augmentation

    swap = augmentation(augment).swap_sides if augment else False

    d = Path(directory)
    if not d.is_dir():
        raise FormcheckError(f"not a folder: {d}")
    clips = sorted(p for p in d.glob("*.json") if p.with_suffix(".mp4").exists())
    if not clips:
        raise FormcheckError(f"no labelled clips (X.mp4 with X.json) in {d}")
    cache_dir = cache_dir or default_cache_dir()
    if cache_dir.exists() and not cache_dir.is_dir():
        raise UsageError(f"--cache {cache_dir} is a file, not a folder")
    labels, results = {}, []
    for label_path in clips:   # a label that cannot be read is its clip's row; the rest go on
        try:
            label = json.loads(label_path.read_text())
            if not isinstance(label, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as err:
            results.append(_bad(label_path, f"label not readable: {err}"))
            continue
        if label.get("usable", True):
            labels[label_path] = label
    todo = list(labels)
    # Pose inference, the slow part, spread over `jobs` processes; scoring the logs is quick.
    alone = jobs == 1 and not (cluster or scheduler)
    made = parallel_map(cached_log, [(c.with_suffix(".mp4"), cache_dir, model, alone, augment) for c in todo], jobs,
                        "clip" if progress else None, cluster=cluster, scheduler=scheduler,
                        weights=[c.with_suffix(".mp4").stat().st_size for c in todo])
    for label_path, log_path in zip(todo, made):
        label = labels[label_path]
        if isinstance(log_path, dict):   # {"error": ...}: one row with its reason
            results.append(_bad(label_path, f"not scored: {log_path['error']}", label.get("exercise")))
            continue
        try:
            results.extend(_score_clip(label_path, label, read_log(log_path), swap))
        except (KeyError, TypeError, ValueError, AttributeError) as err:   # a label with a field of the wrong kind
            results.append(_bad(label_path, f"label not usable: {type(err).__name__} {err}", label.get("exercise")))
    order = {c.with_suffix(".mp4").name: i for i, c in enumerate(clips)}
    return sorted(results, key=lambda r: order[r.clip])


def _bad(label_path: Path, problem: str, exercise=None) -> ClipResult:
    return ClipResult(clip=label_path.with_suffix(".mp4").name, exercise=str(exercise or "?"), expected=0, counted=0,
                      problems=[problem])


def _score_clip(label_path: Path, label: dict, log, swap: bool) -> list[ClipResult]:
    from formcheck.pipeline import score_log

    video = label_path.with_suffix(".mp4")
    exercise = label.get("exercise")
    targets = EXERCISES if exercise in (None, "none") else (exercise,)
    if exercise not in (None, "none") and exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}")
    out = []
    for ex in targets:
        report = score_log(log, ex)
        res = ClipResult(clip=video.name, exercise=ex, expected=int(label.get("reps_total") or 0),
                         counted=report["reps"], warnings=[w["code"] for w in report["warnings"]])
        if ex == "bird-dog" and label.get("reps_by_side"):
            res.sides_expected = _swap_sides(label["reps_by_side"]) if swap else label["reps_by_side"]
            res.sides_counted = report["reps_by_side"]
        # holds are compared only for exercises whose spec times holds (the row has none)
        _check_label(label, report, res, has_holds=bool(load_spec(ex).holds))
        out.append(res)
    return out


def format_table(results: list[ClipResult]) -> str:
    head = f"{'clip':52s} {'exercise':16s} {'reps':>7s} {'sides (L/R)':>13s} {'hold s':>11s}  warnings / problems"
    lines = [head, "-" * len(head)]
    for r in results:
        sides = ""
        if r.sides_expected is not None:
            c = r.sides_counted or {}
            sides = f"{c.get('left', 0)}/{c.get('right', 0)} of {r.sides_expected['left']}/{r.sides_expected['right']}"
        hold = "" if r.hold_expected is None else f"{r.hold_measured}/{r.hold_expected}"
        warn = ",".join(sorted(set(r.warnings))) or "-"
        status = "ok" if r.ok else "FAIL: " + "; ".join(r.problems)
        lines.append(f"{r.clip[:52]:52s} {r.exercise:16s} {r.counted:>3d}/{r.expected:<3d} {sides:>13s} {hold:>11s}  {warn}  [{status}]")
    n_ok = sum(r.ok for r in results)
    lines.append(f"{n_ok} of {len(results)} clip runs match their labels")
    return "\n".join(lines)


def main_eval(directory: str, cache: str | None, model: str | None, quiet: bool, jobs: int = 1,
              augment: str | None = None, cluster: str | None = None, scheduler: str | None = None) -> int:
    results = evaluate(directory, Path(cache) if cache else None, model, progress=not quiet, jobs=jobs,
                       augment=augment, cluster=cluster, scheduler=scheduler)
    print(format_table(results))
    return 0 if all(r.ok for r in results) else 1
