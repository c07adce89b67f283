"""formcheck's speed and memory, measured in one run on a bundled sample video.

    python benchmarks/run.py [--video sample_videos/bird-dog_good.mp4] [--out benchmarks/results/latest.json]

1. bare MediaPipe PoseLandmarker.detect_for_video, ms/frame, on pre-decoded frames (the floor);
2. the whole pipeline on the same frames (estimator + smoothing + features + spine contour +
   machine + overlay + landmark log), ms/frame and its ratio to 1.;
3. live: a stand-in camera offering the video's frames at 30 fps in real time; share of offered
   frames processed, capture -> overlay-drawn latency (median, p95; ms and frame periods);
4. replay of the landmark log: frames/s and x real time;
5. peak RSS of the live run (its own process).
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

from formcheck.exercises import load_spec  # noqa: E402
from formcheck.pipeline import score_log  # noqa: E402
from formcheck.pose.estimator import PoseEstimator, mask_shape, sha256_of  # noqa: E402
from formcheck.pose.log import LandmarkLogWriter, LogHeader, read_log  # noqa: E402
from formcheck.session import Session  # noqa: E402
from formcheck.sinks.overlay import Overlay  # noqa: E402
from formcheck.sources import CameraSource  # noqa: E402


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

    from formcheck.native import quiet_native_stderr
    from formcheck.pose.estimator import default_model_path

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
    spec = load_spec(exercise)
    h, w = frames[0].shape[:2]
    session = Session(spec, "bench", fps)
    overlay = Overlay(spec.title)
    with PoseEstimator() as est:
        log = LandmarkLogWriter(log_path, LogHeader("bench", fps, w, h, mask_shape(w, h), sha256_of(est.model_path)))
        est.estimate(0, 0.0, frames[0].copy())
        t0 = time.perf_counter()
        for i, f in enumerate(frames[1:], 1):
            img = f.copy()
            pose = est.estimate(i, i / fps, img)
            log.write(pose)
            step = session.step(pose)
            overlay.draw(img, step.smoothed, step.state)
        ms = (time.perf_counter() - t0) / (len(frames) - 1) * 1000
        log.close()
    return ms


def live_child(video: str, exercise: str, seconds: float, q) -> None:
    spec = load_spec(exercise)
    cam = CameraSource(video, play_fps=30.0)
    session = Session(spec, cam.name, cam.fps)
    overlay = Overlay(spec.title)
    lat, n = [], 0
    t_end = time.perf_counter() + seconds
    with PoseEstimator() as est:
        for frame in cam:
            pose = est.estimate(frame.index, frame.t, frame.image)
            step = session.step(pose)
            overlay.draw(frame.image, step.smoothed, step.state)
            lat.append(time.perf_counter() - frame.captured_at)
            n += 1
            if time.perf_counter() > t_end:
                break
    cam.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q.put({"processed": n, "offered": cam.offered, "latencies": lat, "rss_mb": rss_mb, "fps": cam.fps})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video", type=Path, default=ROOT / "sample_videos" / "bird-dog_good.mp4")
    ap.add_argument("--exercise", default="bird-dog")
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--live-seconds", type=float, default=15.0)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = ap.parse_args()
    frames, fps = decode(args.video, args.frames)
    res = {"video": str(args.video.relative_to(ROOT)), "frames": len(frames),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    res["bare_ms"] = bare(frames, fps)
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "bench.fclog"
        res["pipeline_ms"] = pipeline(frames, fps, args.exercise, log_path)
        res["pipeline_ratio"] = res["pipeline_ms"] / res["bare_ms"]
        log = read_log(log_path)
        t0 = time.perf_counter()
        reps = 0
        for _ in range(3):
            reps = score_log(log, args.exercise)["reps"]
        dt = (time.perf_counter() - t0) / 3
        res["replay_fps"] = len(log) / dt
        res["replay_x_realtime"] = (len(log) / fps) / dt
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
    rows = [
        ("bare detect_for_video (ms/frame)", f"{res['bare_ms']:.1f}", "floor"),
        ("full pipeline (ms/frame)", f"{res['pipeline_ms']:.1f}", ""),
        ("pipeline / bare", f"{res['pipeline_ratio']:.2f}", "<= 1.10"),
        ("live: processed / offered at 30 fps", f"{res['live_processed_share']:.2f}", ">= 0.95"),
        ("live: latency median (ms)", f"{res['live_latency_median_ms']:.1f}", ""),
        ("live: latency p95 (ms / periods)", f"{res['live_latency_p95_ms']:.1f} / {res['live_latency_p95_periods']:.2f}", "<= 1.5 periods"),
        ("replay (frames/s, x real time)", f"{res['replay_fps']:.0f}, {res['replay_x_realtime']:.0f}x", ">= 1000x"),
        ("live peak RSS (MB)", f"{res['live_peak_rss_mb']:.0f}", "<= 500"),
    ]
    print(f"{res['video']}, {res['frames']} frames; {res['machine']}")
    for name, value, target in rows:
        print(f"  {name:40s} {value:>16s}  {target}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
