"""Whatever the estimator hands over — noise, NaN, jumps, gaps — the machines never crash, counts
never go down, hold times are never negative."""
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formcheck.exercises import load_spec
from formcheck.exercises.spec import EXERCISES
from formcheck.pose.types import PoseFrame
from formcheck.session import Session

frame_kind = st.sampled_from(["normal", "nan", "jump", "missing", "inf", "zeros"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exercise=st.sampled_from(EXERCISES), kinds=st.lists(frame_kind, min_size=5, max_size=120),
       seed=st.integers(0, 2**31 - 1), with_mask=st.booleans())
def test_machines_survive_any_stream(exercise, kinds, seed, with_mask):
    rng = np.random.default_rng(seed)
    session = Session(load_spec(exercise), "fuzz", 30.0)
    base = rng.uniform(0.2, 0.8, (33, 5)).astype(np.float32)
    last_reps = 0
    for i, kind in enumerate(kinds):
        lm = base + rng.normal(0, 0.01, (33, 5)).astype(np.float32)
        if kind == "nan":
            lm[rng.integers(0, 33, 5), rng.integers(0, 3)] = np.nan
        elif kind == "jump":
            lm[:, :2] = rng.uniform(-0.5, 1.5, (33, 2))
        elif kind == "inf":
            lm[rng.integers(0, 33), 0] = np.inf
        elif kind == "zeros":
            lm[:] = 0
        mask = rng.random((96, 128)) > 0.5 if with_mask else None
        frame = PoseFrame(i, i / 30.0, 640, 480, None if kind == "missing" else lm,
                          None if kind == "missing" else np.zeros((33, 3), np.float32), mask)
        step = session.step(frame)
        assert step.state.reps >= last_reps
        last_reps = step.state.reps
        assert step.state.hold_s >= 0
    report = session.finish()
    assert all(h["seconds"] >= 0 and h["end_s"] >= h["start_s"] for h in report["holds"])
    assert all(math.isfinite(w["t_s"]) for w in report["warnings"])
