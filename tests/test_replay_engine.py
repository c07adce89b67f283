"""Scoring a file runs the same engine over arrays of frames (features, outline and the spec's
expressions computed for all frames at once); a live session runs it one frame at a time. A
replayed session must tell the user exactly what the live one told them: same reps, holds,
warnings, guidance, same plotted signals."""
import json
import math
import random

import numpy as np
import pytest

from conftest import SAMPLES
from formcheck.errors import UsageError
from formcheck.evaluate import cached_log, default_cache_dir
from formcheck.exercises import load_spec
from formcheck.exercises.expr import Expr
from formcheck.exercises.spec import EXERCISES, _builtin, build_spec
from formcheck.pose.estimator import MIRROR
from formcheck.pose.log import FLAG_MASK, FLAG_POSE, LandmarkLog, read_log
from formcheck.session import Session

CACHE = default_cache_dir()


def _both(log, exercise: str):
    """(frame by frame, over arrays): each a (report, plot times, plot values)."""
    spec = load_spec(exercise)
    live = Session(spec, "clip", log.header.fps, series=True)
    for pose in log.frames():
        live.step(pose)
    batch = Session(spec, "clip", log.header.fps, series=True)
    batch.run_log(log)
    return [(s.finish(), *s.series_arrays()) for s in (live, batch)]


def _assert_same(log, exercise: str, what: str):
    (r1, t1, v1), (r2, t2, v2) = _both(log, exercise)
    assert r1 == r2, f"{what} as {exercise}"
    assert np.array_equal(t1, t2) and np.array_equal(v1, v2, equal_nan=True), f"{what} as {exercise}: plot differs"
    return r1


@pytest.mark.parametrize("clip", sorted(p.stem for p in SAMPLES.glob("*.mp4")))
def test_scoring_a_file_equals_the_live_session_on_every_sample(clip):
    log = read_log(cached_log(SAMPLES / f"{clip}.mp4", CACHE))
    reports = [_assert_same(log, ex, clip) for ex in EXERCISES]
    assert any(r["reps"] or r["warnings"] or r["guidance"] for r in reports)   # something was compared


def test_scoring_a_file_equals_the_live_session_on_real_clips(real_clips):
    """Real footage: the near side flips, joints drop out of view, people step out."""
    for label in sorted(real_clips.glob("*.json")):
        exercise = json.loads(label.read_text()).get("exercise")
        log = read_log(cached_log(label.with_suffix(".mp4"), CACHE))
        for ex in {exercise if exercise in EXERCISES else "superman", "bird-dog"}:
            _assert_same(log, ex, label.stem)


def test_scoring_a_file_equals_the_live_session_on_damaged_and_crowded_logs():
    """A second person stepping in (the follower drops their skeleton), NaN joints, frames with
    no silhouette or nobody (for a while, or a frame now and then), left and right swapped, hands
    not seen, and a pause long enough to restart the smoothing."""
    log = read_log(cached_log(SAMPLES / "bird-dog_good.mp4", CACHE))
    rec = log.records.copy()
    n = len(rec)
    flags = rec["flags"].astype(np.int64)
    flags[40:200:3] |= 2 << 8                        # the crowd check sees two people
    rec["landmarks"][120:135, :, 0] += 0.5           # ... and the skeleton jumps to the other one
    rec["landmarks"][60:64, 23, :2] = np.nan         # a torso joint lost: nobody, that frame
    rec["landmarks"][70:75, 15, :] = np.nan          # a wrist lost: held at its last value
    flags[80:90] &= ~FLAG_MASK                       # no silhouette
    flags[150:160] &= ~FLAG_POSE                     # nobody found
    flags[100:116:3] &= ~FLAG_POSE                   # ... and on single frames, now and then
    rec["landmarks"][170:178] = rec["landmarks"][170:178][:, MIRROR]   # left and right swapped
    rec["landmarks"][180:196, 15:23, 3] = 0.05       # hands not seen (remembered for a while)
    rec["flags"] = flags
    keep = np.r_[0:220, 235:n]                       # a 1-second gap
    damaged = LandmarkLog(log.header, rec[keep])
    reports = [_assert_same(damaged, ex, "damaged log") for ex in EXERCISES]
    assert any(g["code"] == "more_people" for g in reports[0]["guidance"])
    assert reports[0]["pose_detected_ratio"] < _both(log, "bird-dog")[0][0]["pose_detected_ratio"]


def _random_env(n: int, names, rng) -> dict:
    pool = [0.0, -0.0, 1.0, -1.0, 2.5, 1e-12, math.nan, math.inf, -math.inf]
    return {name: np.array([rng.choice(pool) if rng.random() < 0.4 else rng.uniform(-3, 3) for _ in range(n)])
            for name in names}


@pytest.mark.parametrize("source", [
    "a < b and not b > c or isnan(a)",
    "a / b > 1 or c < 0",                  # division by zero: the whole expression is NaN, not true
    "c < 0 and a / b > 1",                 # ... unless `and` never got there
    "a < b < c / a",
    "nz(a, -90) - max(b, c, 0.5) * 2",
    "min(a, b) / nz(c, 1)",
    "abs(a) - -b",
])
def test_expressions_over_arrays_equal_frame_by_frame(source):
    rng = random.Random(source)
    expr = Expr(source, "test")
    env = _random_env(400, "abc", rng)
    arrays = expr.arrays(env)
    for i in range(400):
        one = expr({k: float(v[i]) for k, v in env.items()})
        if arrays.dtype == bool:
            assert (one is True) == bool(arrays[i]), (source, {k: v[i] for k, v in env.items()})
        else:
            assert one == arrays[i] or (one != one and arrays[i] != arrays[i]), (source, i, one, arrays[i])


def _spec_with(**changes):
    raw = _builtin("superman")
    for path, value in changes.items():
        table, key = path.split("__")
        if table == "position0":
            raw["position"][0][key] = value
        else:
            raw[table][key] = value
    return build_spec(raw, "superman.toml")


def test_specs_mixing_conditions_and_numbers_are_refused_at_load():
    with pytest.raises(UsageError, match="position rest.enter must be a condition"):
        _spec_with(position0__enter="lift + 5")
    with pytest.raises(UsageError, match="'lying' is a condition, a number is needed"):
        _spec_with(position0__exit="lying + 1 > 0")
    with pytest.raises(UsageError, match="signal lift uses lying, defined after it"):
        _spec_with(signals__lift="trunk_incline + thigh_incline + nz(neck_lift, 0) * lying")
    load_spec("superman")   # the real one is fine
