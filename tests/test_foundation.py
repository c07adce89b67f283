"""The foundation: model, estimator on real footage, CLI contract, landmark log round trip."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import ROOT, run_cli, sample
from formcheck.errors import FormcheckError
from formcheck.pose.log import read_log

REPORT_KEYS = {"exercise", "source", "frames", "duration_s", "reps", "reps_by_side", "holds", "warnings",
               "pose_detected_ratio"}


def test_main_job_on_bundled_sample(superman_run):
    proc, out, video = superman_run
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert REPORT_KEYS <= set(report)
    assert report["exercise"] == "superman" and report["source"] == str(video)
    cap = cv2.VideoCapture(str(video))
    assert report["frames"] == int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    assert report["pose_detected_ratio"] > 0.9
    assert "Traceback" not in proc.stderr and "W0000" not in proc.stderr
    # Only formcheck's own words reach the terminal: no MediaPipe/TFLite/OpenCV lines (mediapipe
    # 1.2.3 prints "INFO: [accelerator_registry.cc:43] DestroyAccelerator" when a landmarker closes).
    assert all(line.startswith(("formcheck:", "Safety:")) for line in proc.stderr.splitlines() if line.strip()), proc.stderr
    assert "superman:" in proc.stdout  # the terminal summary


def test_annotated_video_has_every_frame_and_the_overlay(superman_run):
    proc, out, video = superman_run
    src, ann = cv2.VideoCapture(str(video)), cv2.VideoCapture(str(out / "annotated.mp4"))
    assert int(ann.get(cv2.CAP_PROP_FRAME_COUNT)) == int(src.get(cv2.CAP_PROP_FRAME_COUNT))
    src.set(cv2.CAP_PROP_POS_FRAMES, 120)
    ann.set(cv2.CAP_PROP_POS_FRAMES, 120)
    (_, a), (_, b) = src.read(), ann.read()
    h = a.shape[0]
    band = slice(0, int(h * 0.12))
    # The top band (title, phase, reps) is darkened and written on; the body carries the skeleton.
    assert b[band].mean() < a[band].mean() * 0.6
    assert np.abs(b[band].astype(int) - a[band].astype(int)).max() > 100
    assert np.abs(b.astype(int) - a.astype(int))[int(h * 0.2):].max() > 100
    # H.264 where OpenCV has it; else MPEG-4 Part 2, and the user is told once how to convert it
    codec = int(ann.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode(errors="replace").lower()
    assert codec in ("avc1", "h264") or proc.stderr.count("no H.264 encoder") == 1, (codec, proc.stderr)


def test_a_live_sessions_saved_video_runs_at_real_speed(tmp_path):
    """A live session that falls behind its camera skips frames: each frame stands for the time
    until the next, so the saved video lasts as long as the session (it used to run fast)."""
    from formcheck.pipeline import VideoSink

    sink = VideoSink(str(tmp_path / "v.mp4"), 15.0)
    image = np.zeros((480, 640, 3), np.uint8)
    for t in (0.0, 1 / 15, 0.4, 0.4 + 1 / 15):   # a stall from 0.07 to 0.4 s: 4 frames' time
        sink.write(image, t)
    sink.close()
    frames = int(cv2.VideoCapture(str(tmp_path / "v.mp4")).get(cv2.CAP_PROP_FRAME_COUNT))
    assert frames == 8   # 0.53 s at 15 fps: the session's 0.47 s and its last frame's period


def test_a_webm_name_saves_a_video_a_browser_plays(tmp_path):
    """--save-video X.webm: VP8 in WebM (browsers play it; this OpenCV has no H.264 encoder),
    every frame there, at the session's rate, and no advice to convert it."""
    from formcheck.pipeline import VideoSink

    cap = cv2.VideoCapture(str(sample("superman_good")))
    out = tmp_path / "annotated.webm"
    sink = VideoSink(str(out), 15.0)
    for _ in range(30):
        sink.write(cap.read()[1])
    sink.close()
    assert sink.note is None and sink.failed is None
    assert out.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"   # a Matroska/WebM file
    saved = cv2.VideoCapture(str(out))
    codec = int(saved.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode(errors="replace").lower()
    frames = 0
    while saved.read()[0]:
        frames += 1
    assert codec == "vp80" and frames == 30 and round(saved.get(cv2.CAP_PROP_FPS)) == 15


def test_landmark_log_replays_to_identical_report(superman_run, tmp_path):
    proc, out, _ = superman_run
    replayed = tmp_path / "replayed.json"
    r = run_cli("replay", out / "s.fclog", "--exercise", "superman", "--report", replayed)
    assert r.returncode == 0, r.stderr
    assert json.loads(replayed.read_text()) == json.loads((out / "report.json").read_text())


def test_truncated_log_replays_up_to_last_whole_frame(superman_run, tmp_path):
    proc, out, _ = superman_run
    data = (out / "s.fclog").read_bytes()
    log = read_log(out / "s.fclog")
    size = log.records.dtype.itemsize
    header = len(data) - len(log) * size
    cut = tmp_path / "cut.fclog"
    keep = 200
    cut.write_bytes(data[: header + keep * size + size // 2])   # killed mid-way through frame 201
    r = run_cli("replay", cut, "--exercise", "superman", "--report", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    assert "cut off mid-write" in r.stderr
    assert json.loads((tmp_path / "r.json").read_text())["frames"] == keep


def test_a_damaged_record_costs_that_frame_only(superman_run, tmp_path):
    """One flipped byte in a record, and a few bytes lost in another (a bad sector): each costs
    its own frame; reading goes on at the next record that checks out (it used to drop the rest)."""
    proc, out, _ = superman_run
    data = bytearray((out / "s.fclog").read_bytes())
    log = read_log(out / "s.fclog")
    size = log.records.dtype.itemsize
    header = len(data) - len(log) * size
    data[header + 50 * size + 40] ^= 0xFF           # a byte inside frame 50's landmarks
    del data[header + 120 * size + 100:header + 120 * size + 107]   # 7 bytes gone from frame 120
    bad = tmp_path / "bad.fclog"
    bad.write_bytes(bytes(data))
    damaged = read_log(bad)
    assert "2 damaged records skipped" in damaged.problem
    assert len(damaged) == len(log) - 2
    assert list(damaged.records["index"]) == [i for i in log.records["index"] if i not in (50, 120)]


@pytest.mark.parametrize("field, value", [("fps", float("nan")), ("fps", 1e-300), ("width", 0),
                                          ("mask_shape", [10**9, 10**9])])
def test_a_log_header_out_of_range_is_refused(superman_run, tmp_path, field, value):
    import json as _json
    import zlib
    _, out, _ = superman_run
    data = (out / "s.fclog").read_bytes()
    magic = b"FORMCHECK-LANDMARKS 1\n"
    end = data.index(b"\n", len(magic))
    meta = _json.loads(data[len(magic):end])
    meta.pop("crc", None)
    meta[field] = value
    meta["crc"] = zlib.crc32(_json.dumps(meta, sort_keys=True).encode())   # a well-formed header, a bad value
    bad = tmp_path / "bad.fclog"
    bad.write_bytes(magic + _json.dumps(meta).encode() + data[end:])
    with pytest.raises(FormcheckError, match="header is damaged"):
        read_log(bad)


def test_a_flipped_byte_in_the_header_is_caught(superman_run, tmp_path):
    _, out, _ = superman_run
    data = bytearray((out / "s.fclog").read_bytes())
    at = data.index(b'"fps": ') + 8
    data[at] = ord("9") if data[at] != ord("9") else ord("8")   # 15.0 -> 19.0: still valid JSON
    bad = tmp_path / "bad.fclog"
    bad.write_bytes(bytes(data))
    with pytest.raises(FormcheckError, match="header is damaged"):
        read_log(bad)


def test_garbage_log_is_a_one_line_error(tmp_path):
    junk = tmp_path / "junk.fclog"
    junk.write_bytes(b"\x00garbage" * 100)
    r = run_cli("replay", junk, "--exercise", "superman")
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "not a formcheck landmark log" in r.stderr
    import os
    os.mkfifo(tmp_path / "fifo.fclog")   # nobody writes to it: reading it would wait forever
    for path in (tmp_path / "fifo.fclog", "/dev/zero"):
        r = run_cli("replay", path, "--exercise", "superman", timeout=30)
        assert r.returncode == 1 and "not a regular file" in r.stderr, r.stderr


def test_unknown_exercise_lists_valid_names():
    r = run_cli("--exercise", "plank", "--video", sample("superman_good"))
    assert r.returncode == 2
    line = r.stderr.strip()
    assert "\n" not in line
    for name in ("bird-dog", "reverse-tabletop", "bent-over-row", "superman", "cat-cow", "glute-bridge"):
        assert name in line


def test_list_exercises():
    r = run_cli("--list-exercises")
    assert r.returncode == 0
    assert [line.split()[0] for line in r.stdout.splitlines()] == [
        "bird-dog", "reverse-tabletop", "bent-over-row", "superman", "cat-cow", "glute-bridge"]


def test_bundled_model_is_checked(tmp_path, monkeypatch):
    from formcheck.pose import estimator

    good = estimator.default_model_path()
    assert estimator.sha256_of(good) in estimator.KNOWN_MODELS
    bad = tmp_path / "pose_landmarker_full.task"
    blob = bytearray(good.read_bytes())
    blob[len(blob) // 2] ^= 1
    bad.write_bytes(bytes(blob))
    monkeypatch.setattr(estimator, "default_model_path", lambda: bad)
    with pytest.raises(FormcheckError, match="damaged or changed"):
        estimator.check_model(None)


def test_model_option_rejects_a_non_model(tmp_path):
    r = run_cli("--exercise", "superman", "--video", sample("superman_good"), "--headless",
                "--model", ROOT / "README.md")
    assert r.returncode == 1 and "not a MediaPipe .task" in r.stderr


def test_model_builder_reproduces_the_committed_model(tmp_path):
    """tools/build_pose_model.py turns the 0.10.21 wheel into exactly the committed bundle."""
    import subprocess
    import sys

    import os
    cache = Path(os.environ["FORMCHECK_CACHE_DIR"]).parent / "wheels"   # the suite's cache (conftest), not the clone
    wheels = sorted(cache.glob("mediapipe-0.10.21-*.whl"))
    if not wheels:
        got = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                              "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64",
                              "-d", cache, "mediapipe==0.10.21"], capture_output=True, text=True)
        wheels = sorted(cache.glob("mediapipe-0.10.21-*.whl"))
        if got.returncode or not wheels:
            pytest.skip("PyPI unreachable: cannot fetch the mediapipe 0.10.21 wheel")
    out = tmp_path / "m.task"
    subprocess.run([sys.executable, ROOT / "tools" / "build_pose_model.py", "--wheel", wheels[0], "--out", out],
                   check=True, capture_output=True)
    assert out.read_bytes() == (ROOT / "models" / "pose_landmarker_full.task").read_bytes()


def test_landmarks_land_on_the_person_in_real_footage(real_clips):
    """A standing dumbbell row filmed side-on: shoulders above hips above knees above ankles, and
    the landmarks inside the picture where the person is."""
    from formcheck.pose.estimator import PoseEstimator

    clip = real_clips / "bent-over-row__Hpy2GitHub__dumbbell-bent-over-row.mp4"
    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.set(cv2.CAP_PROP_POS_FRAMES, int(12.0 * fps))   # side view, after the cut at 10.1 s
    ok, image = cap.read()
    assert ok
    with PoseEstimator() as est:
        frame = est.estimate(0, 0.0, image)
    assert frame.detected
    y = frame.landmarks[:, 1]
    shoulders, hips, knees, ankles = y[[11, 12]].mean(), y[[23, 24]].mean(), y[[25, 26]].mean(), y[[27, 28]].mean()
    assert shoulders < hips < knees < ankles
    assert np.all((frame.landmarks[[11, 12, 23, 24], :2] > 0) & (frame.landmarks[[11, 12, 23, 24], :2] < 1))
    # The silhouette covers the torso between shoulder and hip.
    mid = (frame.landmarks[11, :2] + frame.landmarks[23, :2]) / 2
    mh, mw = frame.mask.shape
    assert frame.mask[int(mid[1] * mh), int(mid[0] * mw)]
