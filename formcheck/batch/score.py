"""Batch scoring: `formcheck score DIR` (videos), `formcheck rescore DIR` (landmark logs).

One task per video: pose inference into a landmark log, then the exercise machine over the whole
log (the same report `--video` gives). Landmark logs are the unit of rescoring: `--logs DIR`
keeps each video's log under its content hash and the model's (`log_name`), and `rescore`
scores logs only, with no model, in seconds per hour of video.

Every report carries its provenance: the sha256 of what was scored (video or log), of the model,
and of the exercise's settings (its built-in spec, the common thresholds, the --config file and
formcheck's version). A batch started again skips every file whose report is already written
with the same provenance, so a killed batch goes on where it stopped; a changed threshold or
model rescores everything.
"""
from __future__ import annotations

import functools
import hashlib
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from formcheck.batch import storage
from formcheck.batch.runners import make_runner
from formcheck.errors import FormcheckError, UsageError
from formcheck.exercises.spec import EXERCISES

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".gif")   # gifs: exercise demos are often shared as one
LOG_SUFFIXES = (".fclog",)
LOG_VERSION = "v8"  # bump when what goes into a log changes (v8: squares at the ends too; v7: the middle enlarged as a last resort; v6: views tried in turn while nobody is found; v2: people count; v3: checked every 3 s; v4: count attached 4 frames after its check; v5: container timestamps, mirrored retry)
RESCORE_CHUNK_FRAMES = 20_000   # logs per rescore task: enough frames (~2 s of work) that the scheduler's per-task cost does not matter
CONFIG_LIMIT = 1 << 20


def log_name(video_sha: str, model_sha: str, augment: str | None = None) -> str:
    """A landmark log's file name: the video's content hash, the model's, the log format version."""
    kind = f"-{augment}" if augment else ""
    return f"{video_sha[:24]}-{model_sha[:12]}{kind}-{LOG_VERSION}.fclog"


@dataclass(frozen=True)
class Settings:
    """What every task of a batch shares: the exercise (None: each video's label names it),
    the --config file's name and text (sent whole: a remote worker need not see the file),
    the model, and where reports and logs go."""
    exercise: str | None
    out: str | None = None
    logs: str | None = None
    model: str | None = None
    config: tuple[str, str] | None = None
    threads: bool = True


def read_config(path: str | None) -> tuple[str, str] | None:
    if path is None:
        return None
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"config file not found: {path}" if not p.exists() else f"{path}: not a regular file")
    try:
        return str(path), storage.read_text(p, CONFIG_LIMIT)
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read the config {path}: {err}") from None


@functools.lru_cache(maxsize=16)
def spec_of(exercise: str, config: tuple[str, str] | None):
    """(the exercise's spec with the config applied, the settings' sha256), once per worker."""
    from importlib import resources

    from formcheck import __version__
    from formcheck.exercises import load_spec

    h = hashlib.sha256(__version__.encode())
    for name in (exercise, "common"):
        h.update(resources.files("formcheck.exercises").joinpath("specs", f"{name}.toml").read_bytes())
    if config is None:
        return load_spec(exercise), h.hexdigest()
    h.update(config[1].encode())
    with tempfile.TemporaryDirectory(prefix="formcheck-config-") as tmp:
        path = Path(tmp) / Path(config[0]).name
        path.write_text(config[1], encoding="utf-8")
        try:
            return load_spec(exercise, path), h.hexdigest()
        except FormcheckError as err:   # the file's own name in the message, not the copy's
            raise FormcheckError(str(err).replace(str(path), config[0]), err.exit_code) from None


def _label_exercise(video: str) -> str | None:
    label = video.rsplit(".", 1)[0] + ".json"
    try:
        exercise = json.loads(storage.read_text(label)).get("exercise")
    except (OSError, ValueError, AttributeError, FormcheckError):
        return None
    return exercise if exercise in EXERCISES else None


def _earlier(report_path: str, provenance: dict) -> dict | None:
    """The report already at `report_path`, if it was made from the same input and settings."""
    try:
        if not storage.exists(report_path):
            return None
        report = json.loads(storage.read_text(report_path))
    except (OSError, ValueError, UnicodeDecodeError, FormcheckError):
        return None   # unreadable or half-written: scored again
    return report if isinstance(report, dict) and report.get("provenance") == provenance else None


def score_one(task: tuple[str, str, Settings]) -> dict:
    """One video: {'file', 'report', 'skipped', 'log_reused'} or {'file', 'error'}."""
    video, report_name, s = task
    from formcheck.pipeline import record_log, score_session
    from formcheck.pose.estimator import check_model, model_sha256
    from formcheck.pose.log import read_log

    try:
        exercise = s.exercise or _label_exercise(video)
        if exercise is None:
            return {"file": video, "error": "no --exercise given and no label naming one"}
        spec, spec_sha = spec_of(exercise, s.config)
        model_sha = model_sha256(check_model(s.model))
        report_path = storage.join(s.out, report_name + ".json") if s.out else None
        with storage.fetched(video) as (local, video_sha):
            provenance = {"input_sha256": video_sha, "model_sha256": model_sha, "spec_sha256": spec_sha,
                          "exercise": exercise}
            earlier = _earlier(report_path, provenance) if report_path else None
            if earlier is not None:
                return {"file": video, "report": earlier, "skipped": True}
            kept = storage.join(s.logs, log_name(video_sha, model_sha)) if s.logs else None
            with tempfile.TemporaryDirectory(prefix="formcheck-") as tmp:
                log, stopped_early, reused = None, None, False
                if kept and storage.exists(kept):
                    with storage.fetched(kept) as (path, _):
                        log = read_log(path)
                    reused = log.problem is None and len(log) > 0
                if not reused:
                    log_path = Path(tmp) / "poses.fclog"
                    stopped_early = record_log(str(local), log_path, s.model, s.threads, name=video)
                    if kept:
                        storage.put_file(log_path, kept)
                    log = read_log(log_path)
                _, report = score_session(log, spec)
        if stopped_early:
            report["notes"].append(stopped_early)
        report["source"] = video   # the file as given (a kept log's, if it was scored by another name)
        report["provenance"] = provenance
        if report_path:
            storage.write_text(report_path, json.dumps(report, indent=1) + "\n")
    except FormcheckError as err:
        return {"file": video, "error": str(err)}
    except OSError as err:
        return {"file": video, "error": f"cannot read it: {err.strerror or err}"}
    return {"file": video, "report": report, "skipped": False, "log_reused": reused}


def rescore_some(task: tuple[list[tuple[str, str]], Settings]) -> list[dict]:
    """Landmark logs only, no model: [{'file', 'report', 'skipped'} or {'file', 'error'}] per log."""
    logs, s = task
    from formcheck.pipeline import score_session
    from formcheck.pose.log import read_log

    out = []
    for log_path, report_name in logs:
        try:
            spec, spec_sha = spec_of(s.exercise, s.config)
            report_path = storage.join(s.out, report_name + ".json") if s.out else None
            with storage.fetched(log_path) as (local, log_sha):
                log = read_log(local)
                provenance = {"input_sha256": log_sha, "model_sha256": log.header.model_sha256,
                              "spec_sha256": spec_sha, "exercise": s.exercise}
                earlier = _earlier(report_path, provenance) if report_path else None
                if earlier is not None:
                    out.append({"file": log_path, "name": log.header.source, "report": earlier, "skipped": True})
                    continue
                if log.problem and not len(log):
                    raise FormcheckError(log.problem)
                _, report = score_session(log, spec)
            report["provenance"] = provenance
            if report_path:
                storage.write_text(report_path, json.dumps(report, indent=1) + "\n")
            out.append({"file": log_path, "name": log.header.source, "report": report, "skipped": False})
        except FormcheckError as err:
            out.append({"file": log_path, "error": str(err)})
        except OSError as err:
            out.append({"file": log_path, "error": f"cannot read it: {err.strerror or err}"})
    return out


def report_names(files: list[str]) -> list[str]:
    """Each file's report name: its stem, or its whole name where two share a stem (a.mp4 and
    a.mov: a.mp4.json and a.mov.json, never one report for both)."""
    stems = [storage.name_of(f).rsplit(".", 1)[0] for f in files]
    return [storage.name_of(f) if stems.count(stem) > 1 else stem for f, stem in zip(files, stems)]


def _prepare(folder: str, out: str | None, logs: str | None, suffixes: tuple, what: str) -> list[str]:
    files = storage.list_folder(folder, suffixes)
    if not files:
        raise FormcheckError(f"no {what} ({', '.join(suffixes)}) in {folder}")
    if out and storage.same_folder(out, folder):
        raise UsageError(f"--out {out} is the folder being scored: its reports would overwrite the clips' labels (X.json); choose another folder")
    for target, name in ((out, "--out"), (logs, "--logs")):
        if target:
            local = storage.local_path(target)
            if local is not None and Path(local).is_file():
                raise UsageError(f"{name} {target} is a file, not a folder")
            storage.make_folder(target)
    return files


def _collect(runner, fn, items, weights, bar) -> tuple[list, bool]:
    """Every task's result in item order, gathered as they finish; on Ctrl-C, what finished."""
    results: list = [None] * len(items)
    try:
        from formcheck import interrupts
        for i, result in runner.run(fn, items, weights):
            results[i] = result
            bar.update(len(result) if isinstance(result, list) else 1)
            if interrupts.requested():
                return results, True
    except KeyboardInterrupt:
        return results, True
    return results, False


def _table(rows: list[dict], quiet: bool) -> int:
    from formcheck.cli import printable
    failed = 0
    print(f"{'file':44s} {'exercise':16s} {'reps':>9s} {'holds':>6s} {'warnings':>8s} {'seconds':>8s}")
    for r in rows:
        name = printable(r.get("name") or storage.name_of(r["file"]))[:44]
        if "error" in r:
            failed += 1
            print(f"{name:44s} error: {printable(r['error'])}")
            continue
        rep = r["report"]
        reps = str(rep["reps"]) if not rep["reps_by_side"] else "{left}L {right}R".format(**rep["reps_by_side"])
        print(f"{name:44s} {rep['exercise']:16s} {reps:>9s} {len(rep['holds']):6d} {len(rep['warnings']):8d} "
              f"{rep['duration_s']:8.1f}")
    return failed


def _finish(rows: list[dict], total: int, runner, stopped: bool, out: str | None, quiet: bool) -> int:
    failed = _table(rows, quiet)
    skipped = sum(bool(r.get("skipped")) for r in rows)
    notes = []
    if skipped:
        notes.append(f"{skipped} of {total} files already scored with the same input, model and settings: skipped")
    if runner.retried:
        notes.append(f"{runner.retried} file tried again after its worker died" if runner.retried == 1 else
                     f"{runner.retried} files tried again after their worker died")
    if failed:
        notes.append(f"{failed} of {total} files could not be scored")
    if stopped:
        where = f"their reports are in {out}; " if out else ""
        notes.append(f"stopped: {len(rows)} of {total} files scored; {where}the same command goes on where this stopped"
                     if out else f"stopped: {len(rows)} of {total} files scored")
    if not quiet or stopped:
        for n in notes:
            print(f"formcheck: {n}", file=sys.stderr)
    if stopped:
        return 130
    return 1 if failed else 0


def main_score(folder: str, exercise: str | None, jobs: int, out: str | None, model: str | None,
               config: str | None, quiet: bool, logs: str | None = None, cluster: str | None = None,
               scheduler: str | None = None) -> int:
    from formcheck.pipeline import progress
    from formcheck.pose.estimator import check_model

    videos = _prepare(folder, out, logs, VIDEO_SUFFIXES, "video files")
    config_text = read_config(config)
    if exercise:   # a bad config fails once, here, not in every worker
        spec_of(exercise, config_text)
    check_model(model)
    runner = make_runner(jobs, cluster, scheduler)
    try:
        settings = Settings(exercise, out, logs, model, config_text, runner.threads)
        items = [(v, name, settings) for v, name in zip(videos, report_names(videos))]
        with progress(len(items), quiet, "file") as bar:
            results, stopped = _collect(runner, score_one, items, [storage.size(v) for v in videos], bar)
    finally:
        runner.close()
    # A task's own failure (a bug, a dead worker) comes back without its file: the row names it.
    rows = [{"file": v, **r} if r is not None else {"file": v, "error": "not scored"} for v, r in zip(videos, results)]
    if stopped:
        rows = [{"file": v, **r} for v, r in zip(videos, results) if r is not None]
    return _finish(rows, len(videos), runner, stopped, out, quiet)


def main_rescore(folder: str, exercise: str, jobs: int, out: str | None, config: str | None, quiet: bool,
                 cluster: str | None = None, scheduler: str | None = None) -> int:
    from formcheck.pipeline import progress

    logs = _prepare(folder, out, None, LOG_SUFFIXES, "landmark logs")
    config_text = read_config(config)
    spec_of(exercise, config_text)
    runner = make_runner(jobs, cluster, scheduler)
    try:
        settings = Settings(exercise, out, None, None, config_text, runner.threads)
        pairs = list(zip(logs, report_names(logs)))
        chunks, weights, size, chunk = [], [], 0, []
        for pair in pairs:   # ~RESCORE_CHUNK_FRAMES frames a task (a log record is ~2.6 KB)
            chunk.append(pair)
            size += storage.size(pair[0])
            if size >= RESCORE_CHUNK_FRAMES * 2600:
                chunks.append(chunk)
                weights.append(size)
                chunk, size = [], 0
        if chunk:
            chunks.append(chunk)
            weights.append(size)
        with progress(len(logs), quiet, "log") as bar:
            results, stopped = _collect(runner, rescore_some, [(c, settings) for c in chunks], weights, bar)
    finally:
        runner.close()
    # A task that failed as a whole (a bug, a dead worker) is one reason for each of its logs.
    results = [[{"file": f, **r} for f, _ in c] if isinstance(r, dict) else r for r, c in zip(results, chunks)]
    rows = [r for chunk_rows in results if chunk_rows for r in chunk_rows]
    if not stopped:
        rows = [r for chunk_rows, c in zip(results, chunks)
                for r in (chunk_rows or [{"file": f, "error": "not scored"} for f, _ in c])]
    return _finish(rows, len(logs), runner, stopped, out, quiet)
