"""The faster paths give the same answers: inference on its own thread, batch scoring over
processes (issue 6). Speed itself is measured by benchmarks/run.py, not by tests."""
import json
import shutil
import threading

import pytest

from conftest import first_seconds, run_cli, sample
from formcheck.pose.stream import estimate_stream
from formcheck.sources.base import Frame


class FakeEstimator:
    def __init__(self, fail_at=None):
        self.fail_at = fail_at
        self.seen = []

    def estimate(self, index, t, image):
        if index == self.fail_at:
            raise ValueError(f"bad frame {index}")
        self.seen.append(index)
        return ("pose", index, t)


def _frames(n):
    return (Frame(i, i / 30, None, 0.0) for i in range(n))


def test_threaded_stream_keeps_order_and_results():
    plain = [(f.index, p) for f, p in estimate_stream(FakeEstimator(), _frames(200), threaded=False)]
    threaded = [(f.index, p) for f, p in estimate_stream(FakeEstimator(), _frames(200))]
    assert threaded == plain and [i for i, _ in plain] == list(range(200))


def test_threaded_stream_hands_errors_to_the_consumer_and_stops_when_closed():
    with pytest.raises(ValueError, match="bad frame 7"):
        for _ in estimate_stream(FakeEstimator(fail_at=7), _frames(50)):
            pass
    before = threading.active_count()
    est = FakeEstimator()
    stream = estimate_stream(est, _frames(10_000))
    next(stream)
    stream.close()          # a user pressing q: the worker must stop, not run the file to its end
    assert threading.active_count() == before
    assert len(est.seen) < 100


def test_batch_scoring_over_two_processes_matches_a_single_run(tmp_path):
    """`formcheck score DIR --jobs 2` (each worker on one core, two-people check inline) gives the
    same report as `formcheck --video` (inference and the check on their own threads)."""
    clips = tmp_path / "clips"
    clips.mkdir()
    first_seconds("glute-bridge_fault", 6.0, clips / "a.mp4", start=12.9)   # the over-arched third rep, from rest
    shutil.copy(clips / "a.mp4", clips / "b.mp4")
    (clips / "notes.txt").write_text("not a video")
    r = run_cli("score", clips, "-e", "glute-bridge", "--jobs", "2", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    single = run_cli("--exercise", "glute-bridge", "--video", clips / "a.mp4", "--headless", "--no-history",
                     "--report", tmp_path / "single.json")
    assert single.returncode == 0, single.stderr
    want = json.loads((tmp_path / "single.json").read_text())
    for name in ("a", "b"):
        got = json.loads((tmp_path / "out" / f"{name}.json").read_text())
        # the same session; a batch report also says where it came from (its provenance)
        assert {k: v for k, v in got.items() if k not in ("source", "provenance")} == \
            {k: v for k, v in want.items() if k != "source"}
    assert want["warnings"], "the fault sample must warn"
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith(("a.mp4", "b.mp4"))]
    assert len(rows) == 2 and all(f" {want['reps']} " in ln for ln in rows)


def test_batch_scoring_errors(tmp_path):
    r = run_cli("score", tmp_path)
    assert r.returncode == 1 and "no video files" in r.stderr and r.stderr.count("\n") == 1
    shutil.copy(sample("empty-room"), tmp_path / "x.mp4")   # no -e and no label naming an exercise
    (tmp_path / "x.json").write_text("{}")
    r = run_cli("score", tmp_path, "--jobs", "1")
    assert r.returncode == 1 and "no --exercise given" in r.stdout
    r = run_cli("score", tmp_path, "--jobs", "0", "-e", "superman")
    assert r.returncode == 2 and "--jobs" in r.stderr
    (tmp_path / "afile").write_text("mine")
    for option in ("--out", "--logs"):   # a file where a folder goes: one line, the file untouched
        r = run_cli("score", tmp_path, "-e", "superman", option, tmp_path / "afile")
        assert r.returncode == 2 and r.stderr.strip() == f"formcheck: {option} {tmp_path / 'afile'} is a file, not a folder"
    assert (tmp_path / "afile").read_text() == "mine"
    r = run_cli("eval", tmp_path, "--cache", tmp_path / "afile")
    assert r.returncode == 2 and "is a file, not a folder" in r.stderr
