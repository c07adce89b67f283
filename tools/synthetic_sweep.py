"""Every good-form mannequin script scored under people and cameras the samples were not rendered
with: camera height 0.2-0.9 m, turned -25..+25 deg around the body (0 = side view), filmed from
either side, body height x0.85-1.15 and girth x0.85-1.3, at 15, 24 or 30 fps. With --wide the
camera is 0.15-1.3 m high (a laptop on a table or a chair) and turned -45..+45 deg. No rendering
and no MediaPipe: the landmark streams come straight from the skeleton (tools/mannequin/stream.py),
so a few hundred sessions take minutes. Prints each session that does not count exactly (with
bird-dog's sides) or raises a warning, then the tally.

    python tools/synthetic_sweep.py [--seed 0] [--per-script 8] [--wide]"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from formcheck.exercises import load_spec  # noqa: E402
from formcheck.session import Session  # noqa: E402
from mannequin.scripts import CLIPS  # noqa: E402
from mannequin.skeleton import Body  # noqa: E402
from mannequin.stream import landmark_stream  # noqa: E402
from render_samples import frame_camera  # noqa: E402


def stream_report(script, body: Body, fps: float, side: str, cam_h: float, yaw: float = 0.0, seed: int = 0) -> dict:
    """formcheck's report on the script's landmark stream, filmed from `side` at `cam_h` m with
    the camera turned `yaw` deg around the person (no rendering, no MediaPipe)."""
    spec = load_spec(script.exercise)
    session = Session(spec, script.name, fps)
    cam = frame_camera(script, body, fps, side, cam_h, yaw=yaw)
    for frame in landmark_stream(script, body, cam, fps, seed=seed, with_mask=spec.uses_spine):
        session.step(frame)
    return session.finish()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-script", type=int, default=8)
    ap.add_argument("--wide", action="store_true", help="camera 0.15-1.3 m high, turned -45..+45 deg")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    (cam_lo, cam_hi), turn = ((0.15, 1.3), 45.0) if args.wide else ((0.2, 0.9), 25.0)
    exact = total = 0
    for name in (k for k in CLIPS if k.endswith("_good") or k == "superman_alternating"):
        make, fault = CLIPS[name]
        script = make(name, fault)
        for i in range(args.per_script):
            side, cam_h, yaw = rng.choice(["left", "right"]), rng.uniform(cam_lo, cam_hi), rng.uniform(-turn, turn)
            fps = rng.choice([15.0, 24.0, 30.0])
            body = Body(height_scale=rng.uniform(0.85, 1.15), girth=rng.uniform(0.85, 1.3))
            report = stream_report(script, body, fps, side, cam_h, yaw, seed=i)
            ok = report["reps"] == len(script.reps)
            if script.exercise == "bird-dog":
                ok = ok and report["reps_by_side"] == {s: sum(r["side"] == s for r in script.reps)
                                                       for s in ("left", "right")}
            warnings = [w["code"] for w in report["warnings"] if w["severity"] != "info"]
            total += 1
            if ok and not warnings:
                exact += 1
                continue
            print(f"{name}: side {side}, camera {cam_h:.2f} m turned {yaw:+.0f} deg, {fps:.0f} fps, "
                  f"body x{body.height_scale:.2f} girth x{body.girth:.2f}: {report['reps']} of "
                  f"{len(script.reps)} reps, sides {report['reps_by_side']}, warnings {warnings}")
    print(f"{exact} of {total} sessions exact, with no warning")
    return 0 if exact == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
