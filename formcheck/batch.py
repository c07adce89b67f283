"""Files spread over processes: `formcheck score DIR --jobs N` and `formcheck eval DIR --jobs N`.

Pose inference uses one core per process, so N processes score N files at once. Workers are
started with 'spawn' (a clean interpreter each: no MediaPipe state forked mid-flight); results
come back in file order. Batch scoring does not write the history (these are recordings, not
today's sessions); `--out DIR` keeps a JSON report per file.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from formcheck.errors import FormcheckError, UsageError
from formcheck.exercises.spec import EXERCISES

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v")


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def parallel_map(fn, items: list, jobs: int, progress_label: str | None = None, quiet: bool = False) -> list:
    """[fn(*item) for item in items], over `jobs` processes (in this one for jobs == 1)."""
    from formcheck.pipeline import progress

    with progress(len(items), quiet or progress_label is None, progress_label or "file") as bar:
        if jobs <= 1 or len(items) <= 1:
            out = []
            for item in items:
                out.append(fn(*item))
                bar.update()
            return out
        # Longest files first (by size), so no worker is left with a long file at the end while
        # the others idle; results still come back in the given order.
        order = sorted(range(len(items)), key=lambda i: -_size(items[i][0]))
        with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=mp.get_context("spawn")) as pool:
            futures = {i: pool.submit(fn, *items[i]) for i in order}
            out = []
            for i in range(len(items)):
                out.append(futures[i].result())
                bar.update()
            return out


def _size(path) -> int:
    try:
        return os.path.getsize(path)
    except (OSError, TypeError):
        return 0


def score_one(video: str, exercise: str | None, out_dir: str | None, model: str | None, config: str | None,
              threads: bool = True, report_name: str | None = None) -> dict:
    """One file, in a worker: {'file', 'report'} or {'file', 'error'}. With several workers each
    keeps to one core (`threads` False): the processes are the parallelism. Pose inference
    first (into a temporary landmark log), then the exercise machine over the whole log at once:
    the same report as `--video` gives, without the per-frame work beside each inference."""
    from formcheck.exercises import load_spec
    from formcheck.pipeline import record_log, score_session
    from formcheck.pose.log import read_log
    from formcheck.sinks.report import check_writable, write_json_report

    if exercise is None:
        label = Path(video).with_suffix(".json")
        try:
            exercise = json.loads(label.read_text()).get("exercise")
        except (OSError, ValueError, AttributeError):
            exercise = None
        if exercise not in EXERCISES:
            return {"file": video, "error": "no --exercise given and no label naming one"}
    report = Path(out_dir) / ((report_name or Path(video).stem) + ".json") if out_dir else None
    try:
        spec = load_spec(exercise, config)
        if report is not None:
            check_writable(report, "report")
        with tempfile.TemporaryDirectory(prefix="formcheck-") as tmp:
            log_path = Path(tmp) / "poses.fclog"
            stopped_early = record_log(video, log_path, model, threads)
            _, rep = score_session(read_log(log_path), spec)
        if stopped_early:
            rep["notes"].append(stopped_early)
        if report is not None:
            write_json_report(report, rep)
    except FormcheckError as err:
        return {"file": video, "error": str(err)}
    return {"file": video, "report": rep}


def main_score(folder: str, exercise: str | None, jobs: int, out: str | None, model: str | None,
               config: str | None, quiet: bool) -> int:
    d = Path(folder)
    if not d.is_dir():
        raise FormcheckError(f"not a folder: {d}")
    videos = sorted(str(p) for p in d.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise FormcheckError(f"no video files ({', '.join(VIDEO_SUFFIXES)}) in {d}")
    if out:
        if Path(out).exists() and Path(out).resolve() == d.resolve():
            raise UsageError(f"--out {out} is the folder being scored: its reports would overwrite the clips' labels (X.json); choose another folder")
        Path(out).mkdir(parents=True, exist_ok=True)
    if exercise:   # a bad config fails once, here, not in every worker
        from formcheck.exercises import load_spec
        load_spec(exercise, config)
    stems = [Path(v).stem for v in videos]
    names = [Path(v).name if stems.count(Path(v).stem) > 1 else Path(v).stem for v in videos]   # a.mp4, a.mov: a.mp4.json, a.mov.json
    results = parallel_map(score_one, [(v, exercise, out, model, config, jobs == 1, name)
                                       for v, name in zip(videos, names)], jobs,
                           "file", quiet)
    failed = 0
    print(f"{'file':44s} {'exercise':16s} {'reps':>9s} {'holds':>6s} {'warnings':>8s} {'seconds':>8s}")
    for r in results:
        name = Path(r["file"]).name[:44]
        if "error" in r:
            failed += 1
            print(f"{name:44s} error: {r['error']}")
            continue
        rep = r["report"]
        reps = str(rep["reps"]) if not rep["reps_by_side"] else "{left}L {right}R".format(**rep["reps_by_side"])
        print(f"{name:44s} {rep['exercise']:16s} {reps:>9s} {len(rep['holds']):6d} {len(rep['warnings']):8d} "
              f"{rep['duration_s']:8.1f}")
    if failed and not quiet:
        print(f"formcheck: {failed} of {len(results)} files could not be scored", file=sys.stderr)
    return 1 if failed else 0
