"""Every exercise machine on synthetic landmark streams from the mannequin's skeleton (noise,
jitter bursts, the far side's joints drifting): good form counts exactly with no warning, and each
scripted fault raises its code within 1 s of its start."""
import pytest

from formcheck.exercises import load_spec
from formcheck.session import Session
from mannequin.scripts import CLIPS
from mannequin.stream import landmark_stream
from render_samples import frame_camera, variation

FAULT_CODES = {"leg_too_high": "leg_too_high", "lift_too_high": "lift_too_high", "elbows_bent": "elbows_bent",
               "over_arching": "over_arching", "hips_sagging": "hips_sagging", "momentum": "momentum"}
NEEDS_MASK = set()  # the streams carry a silhouette drawn from the same capsules the renderer uses


def score(name, seed=0, fps=30.0):
    f, fault = CLIPS[name]
    script = f(name, fault)
    body, _, side, cam_h = variation(name)
    cam = frame_camera(script, body, fps, side, cam_h)
    spec = load_spec(script.exercise)
    session = Session(spec, name, fps)
    for frame in landmark_stream(script, body, cam, fps, seed=seed, with_mask=spec.uses_spine):
        session.step(frame)
    return script, session.finish()


@pytest.mark.parametrize("name", [n for n in CLIPS if n.endswith("_good") and n.split("_")[0] not in NEEDS_MASK])
@pytest.mark.parametrize("seed", [0, 1])
def test_good_form_counts_exactly_without_warnings(name, seed):
    script, report = score(name, seed)
    assert report["reps"] == len(script.reps)
    if script.exercise == "bird-dog":
        expected = {s: sum(r["side"] == s for r in script.reps) for s in ("left", "right")}
        assert report["reps_by_side"] == expected
    assert [w["code"] for w in report["warnings"] if w["severity"] != "info"] == []


@pytest.mark.parametrize("name", [n for n in CLIPS if n.endswith("_fault") and n.split("_")[0] not in NEEDS_MASK])
def test_scripted_fault_is_flagged_within_a_second(name):
    script, report = score(name)
    for fault in script.faults:
        code = FAULT_CODES[fault["kind"]]
        times = [w["t_s"] for w in report["warnings"] if w["code"] == code]
        assert any(fault["start_s"] - 0.2 <= t <= fault["start_s"] + 1.0 for t in times), (fault, report["warnings"])
    assert report["reps"] == len(script.reps)
