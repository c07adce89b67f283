"""formcheck's speed and memory, measured in one run on a bundled sample video.

    python benchmarks/run.py [--video sample_videos/bird-dog_good.mp4] [--out benchmarks/results/latest.json]

1. bare MediaPipe PoseLandmarker.detect_for_video, ms/frame, on pre-decoded frames (the floor);
2. the whole pipeline on the same frames (estimator + smoothing + features + spine contour +
   machine + overlay + landmark log), ms/frame and its ratio to 1.;
3. live: a stand-in camera offering the video's frames at 30 fps in real time; share of offered
   frames processed, capture -> overlay-drawn latency (median, p95; ms and frame periods);
4. replay of the landmark log (reading the file and scoring it): frames/s and x real time;
5. peak RSS of the live run (its own process);
6. batch scoring (`formcheck score --jobs N`) of four bundled samples with 1 and 2 processes;
7. the same four files with `formcheck score --cluster local --jobs 2` (a Dask LocalCluster)
   against `--jobs 2`, whole commands as a user runs them, in alternating rounds: files/minute;
8. `formcheck rescore` of a 10,000-frame set of landmark logs (34 copies of the pipeline's log):
   frames/s in this process, and as the command with 2 processes.
Prints a table and writes JSON. Plain timing, no timed tests.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contextlib import closing  # noqa: E402

from formcheck.batch import parallel_map  # noqa: E402
from formcheck.batch.score import Settings, main_rescore, score_one  # noqa: E402
from formcheck.exercises import load_spec  # noqa: E402
from formcheck.pipeline import score_log  # noqa: E402
from formcheck.pose.estimator import PoseEstimator, mask_shape, sha256_of  # noqa: E402
from formcheck.pose.log import LandmarkLogWriter, LogHeader, read_log  # noqa: E402
from formcheck.session import Session  # noqa: E402
from formcheck.sinks.overlay import Overlay  # noqa: E402
from formcheck.pose.stream import estimate_stream  # noqa: E402
from formcheck.sources import CameraSource  # noqa: E402
from formcheck.sources.base import Frame  # noqa: E402


def decode(video: Path, limit: int) -> tuple[list, float]:
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while len(frames) < limit:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    return frames, fps


def bare(frames, fps) -> float:
    import mediapipe as mpipe
    from mediapipe.tasks.python import BaseOptions, vision

    from formcheck.native import no_native_analytics, quiet_native_stderr
    from formcheck.pose.estimator import default_model_path

    no_native_analytics()
    opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(default_model_path())),
                                        running_mode=vision.RunningMode.VIDEO, output_segmentation_masks=True)
    with quiet_native_stderr():
        lm = vision.PoseLandmarker.create_from_options(opts)
    rgb = [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames]  # pre-converted: the bare floor
    with lm:
        with quiet_native_stderr():
            lm.detect_for_video(mpipe.Image(image_format=mpipe.ImageFormat.SRGB, data=rgb[0]), 0)
        t0 = time.perf_counter()
        for i, im in enumerate(rgb[1:], 1):
            lm.detect_for_video(mpipe.Image(image_format=mpipe.ImageFormat.SRGB, data=im), int(i * 1000 / fps))
        return (time.perf_counter() - t0) / (len(rgb) - 1) * 1000


def pipeline(frames, fps, exercise, log_path) -> float:
    """The product's loop (pipeline.run_driver) on pre-decoded frames: inference on its own thread
    one frame ahead of log + smoothing + features + spine + machine + overlay."""
    spec = load_spec(exercise)
    h, w = frames[0].shape[:2]
    session = Session(spec, "bench", fps)
    overlay = Overlay(spec.title)
    with PoseEstimator() as est:
        log = LandmarkLogWriter(log_path, LogHeader("bench", fps, w, h, mask_shape(w, h), sha256_of(est.model_path)))
        est.estimate(0, 0.0, frames[0].copy())
        source = (Frame(i, i / fps, f.copy(), 0.0) for i, f in enumerate(frames[1:], 1))
        t0 = time.perf_counter()
        with closing(estimate_stream(est, source)) as poses:
            for frame, pose in poses:
                log.write(pose)
                step = session.step(pose)
                overlay.draw(frame.image, step.smoothed, step.state)
        ms = (time.perf_counter() - t0) / (len(frames) - 1) * 1000
        log.close()
    return ms


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not include the
    parent's memory at fork time, which a spawned child otherwise inherits in the figure)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def live_child(video: str, exercise: str, seconds: float, q) -> None:
    spec = load_spec(exercise)
    lat, n = [], 0
    with PoseEstimator() as est:   # loaded before the camera starts, as a user waits for it too
        probe = cv2.VideoCapture(video)
        ok, first = probe.read()
        probe.release()
        est.estimate(0, 0.0, first)
        cam = CameraSource(video, play_fps=30.0)
        session = Session(spec, cam.name, cam.fps)
        overlay = Overlay(spec.title)
        t_end = time.perf_counter() + seconds
        with closing(estimate_stream(est, cam)) as poses:
            for frame, pose in poses:
                step = session.step(pose)
                overlay.draw(frame.image, step.smoothed, step.state)
                lat.append(time.perf_counter() - frame.captured_at)
                n += 1
                if time.perf_counter() > t_end:
                    break
        cam.close()
    q.put({"processed": n, "offered": cam.offered, "latencies": lat, "rss_mb": peak_rss_mb(), "fps": cam.fps})


def batch(videos: list[Path], exercise_of, rounds: int = 3) -> dict:
    """`formcheck score --jobs N` for N = 1, 2 on the same files, in alternating rounds: seconds
    (median) and the median of the rounds' speed-ups."""
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(rounds):
        for jobs in (1, 2):
            items = [((str(v), v.stem, Settings(exercise_of(v), threads=jobs == 1)),) for v in videos]
            t0 = time.perf_counter()
            results = parallel_map(score_one, items, jobs)
            times[jobs].append(time.perf_counter() - t0)
            assert all("report" in r for r in results), results
    return {"batch_1_s": statistics.median(times[1]), "batch_2_s": statistics.median(times[2]),
            "batch_speedup_2": statistics.median(a / b for a, b in zip(times[1], times[2])),
            "batch_rounds": [{"jobs_1_s": round(a, 2), "jobs_2_s": round(b, 2)} for a, b in zip(times[1], times[2])]}


def cli_batches(videos: list[Path], rounds: int = 3) -> dict:
    """`formcheck score` as a user runs it (a new process, labels naming the exercises), with
    `--jobs 2` and with `--cluster local --jobs 2`, in alternating rounds: files/minute, median."""
    import shutil
    import subprocess

    exe = shutil.which("formcheck") or "formcheck"
    times: dict[str, list[float]] = {"jobs_2": [], "cluster_local_2": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for v in videos:
            shutil.copy(v, folder / v.name)
            shutil.copy(v.with_suffix(".json"), folder / v.with_suffix(".json").name)
        for r in range(rounds):
            for name, extra in (("jobs_2", []), ("cluster_local_2", ["--cluster", "local"])):
                out = Path(tmp) / f"{name}-{r}"   # a new folder each time: nothing skipped
                t0 = time.perf_counter()
                subprocess.run([exe, "score", str(folder), "--jobs", "2", "--out", str(out), "-q", *extra],
                               check=True, stdout=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - t0)
    per_min = {k: len(videos) / statistics.median(v) * 60 for k, v in times.items()}
    return {"files_per_min_jobs_2": per_min["jobs_2"], "files_per_min_cluster_local_2": per_min["cluster_local_2"],
            "cluster_vs_pool": statistics.median(a / b for a, b in zip(times["jobs_2"], times["cluster_local_2"])),
            "cli_batch_rounds": [{k: round(v[i], 2) for k, v in times.items()} for i in range(rounds)]}


def rescore_rate(log_path: Path, exercise: str, frames_wanted: int = 10_000) -> dict:
    """`formcheck rescore` over copies of one log, to `frames_wanted` frames in all."""
    import shutil
    import subprocess

    n = len(read_log(log_path))
    copies = -(-frames_wanted // n)
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "logs"
        logs.mkdir()
        for i in range(copies):
            shutil.copy(log_path, logs / f"session-{i:05d}.fclog")
        import contextlib
        import io
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):   # its table
            main_rescore(str(logs), exercise, 1, None, None, quiet=True)
        here = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run([shutil.which("formcheck") or "formcheck", "rescore", str(logs), "-e", exercise, "--jobs", "2",
                        "-q"], check=True, stdout=subprocess.DEVNULL)
        two = time.perf_counter() - t0
    return {"rescore_frames": n * copies, "rescore_fps_here": n * copies / here, "rescore_fps_cli_2": n * copies / two}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video", type=Path, default=ROOT / "sample_videos" / "bird-dog_good.mp4")
    ap.add_argument("--exercise", default="bird-dog")
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3, help="alternating bare / pipeline rounds")
    ap.add_argument("--live-seconds", type=float, default=15.0)
    ap.add_argument("--batch", nargs="*", type=Path, default=[ROOT / "sample_videos" / f"{n}.mp4" for n in (
        "glute-bridge_good", "glute-bridge_fault", "reverse-tabletop_good", "bent-over-row_good")])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = ap.parse_args()
    frames, fps = decode(args.video, args.frames)
    res = {"video": str(args.video.relative_to(ROOT)), "frames": len(frames),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    # The machine's speed drifts by 20-40 % over minutes (shared hosts): bare and pipeline are
    # measured in alternating rounds and the ratio is the median of the rounds' ratios.
    bares, pipes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "bench.fclog"
        for _ in range(args.rounds):
            bares.append(bare(frames, fps))
            pipes.append(pipeline(frames, fps, args.exercise, log_path))
        res["bare_ms"], res["pipeline_ms"] = statistics.median(bares), statistics.median(pipes)
        res["pipeline_ratio"] = statistics.median(p / b for p, b in zip(pipes, bares))
        res["rounds"] = [{"bare_ms": round(b, 2), "pipeline_ms": round(p, 2)} for b, p in zip(bares, pipes)]
        # replay = read the log file and score it (what `formcheck replay` does), median of 5
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            log = read_log(log_path)
            score_log(log, args.exercise)
            times.append(time.perf_counter() - t0)
        dt = statistics.median(times)
        res["replay_fps"] = len(log) / dt
        res["replay_x_realtime"] = (len(log) / fps) / dt
        res.update(rescore_rate(log_path, args.exercise))
    q = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=live_child, args=(str(args.video), args.exercise, args.live_seconds, q))
    p.start()
    live = q.get()
    p.join()
    lat = np.array(live["latencies"]) * 1000
    period = 1000 / live["fps"]
    res.update(live_processed_share=live["processed"] / max(live["offered"], 1),
               live_latency_median_ms=float(np.median(lat)), live_latency_p95_ms=float(np.percentile(lat, 95)),
               live_latency_p95_periods=float(np.percentile(lat, 95) / period), live_peak_rss_mb=live["rss_mb"])
    res.update(batch(args.batch, lambda v: json.loads(v.with_suffix(".json").read_text())["exercise"]))
    res.update(cli_batches(args.batch))
    rows = [
        ("bare detect_for_video (ms/frame)", f"{res['bare_ms']:.1f}", "floor"),
        ("full pipeline (ms/frame)", f"{res['pipeline_ms']:.1f}", ""),
        ("pipeline / bare", f"{res['pipeline_ratio']:.2f}", "<= 1.10"),
        ("live: processed / offered at 30 fps", f"{res['live_processed_share']:.2f}", ">= 0.95"),
        ("live: latency median (ms)", f"{res['live_latency_median_ms']:.1f}", ""),
        ("live: latency p95 (ms / periods)", f"{res['live_latency_p95_ms']:.1f} / {res['live_latency_p95_periods']:.2f}", "<= 1.5 periods"),
        ("replay (frames/s, x real time)", f"{res['replay_fps']:.0f}, {res['replay_x_realtime']:.0f}x", ">= 1000x"),
        ("live peak RSS (MB)", f"{res['live_peak_rss_mb']:.0f}", "<= 500"),
        (f"batch of {len(args.batch)} files, 1 / 2 processes (s)", f"{res['batch_1_s']:.1f} / {res['batch_2_s']:.1f}", ""),
        ("batch speed-up, 2 processes vs 1", f"{res['batch_speedup_2']:.2f}x", ">= 1.7x"),
        ("score: files/min, --jobs 2 / --cluster local", f"{res['files_per_min_jobs_2']:.1f} / {res['files_per_min_cluster_local_2']:.1f}", ""),
        ("--cluster local speed vs --jobs 2", f"{res['cluster_vs_pool']:.2f}", ">= 0.95"),
        (f"rescore {res['rescore_frames']} frames (frames/s): here / CLI -j 2", f"{res['rescore_fps_here']:.0f} / {res['rescore_fps_cli_2']:.0f}", ""),
    ]
    print(f"{res['video']}, {res['frames']} frames; {res['machine']}")
    for name, value, target in rows:
        print(f"  {name:40s} {value:>16s}  {target}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
