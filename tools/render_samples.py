"""Render sample_videos/: each exercise done well and with a scripted fault, a front view and an
empty room, every clip with a JSON label computed from the animation that drew it.

    python tools/render_samples.py [--only NAME ...] [--fps 15] [--out sample_videos]

Needs moderngl and Mesa's EGL (no GPU). Deterministic: same script, same frames. Takes about
0.2-0.9 s a frame on 2 cores at 640x480 (see README)."""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mannequin.camera import side_camera  # noqa: E402
from mannequin.render import Look, Renderer  # noqa: E402
from mannequin.scripts import ALL_FOURS, CLIPS, Script, bird_dog  # noqa: E402
from mannequin.skeleton import Body, solve  # noqa: E402

W, H = 640, 480
SHIRTS = [(0.15, 0.35, 0.7), (0.7, 0.15, 0.15), (0.2, 0.55, 0.3), (0.85, 0.7, 0.2), (0.45, 0.25, 0.6)]
PANTS = [(0.12, 0.12, 0.14), (0.2, 0.25, 0.4), (0.35, 0.35, 0.38), (0.4, 0.22, 0.3)]
SKINS = [(0.78, 0.57, 0.45), (0.55, 0.38, 0.27), (0.9, 0.72, 0.6), (0.42, 0.28, 0.2)]
WALLS = [(0.82, 0.8, 0.74), (0.7, 0.78, 0.82), (0.85, 0.82, 0.7), (0.6, 0.62, 0.6)]
RUGS = [(0.25, 0.5, 0.45), (0.5, 0.3, 0.45), (0.3, 0.35, 0.55), (0.55, 0.5, 0.3)]


def variation(name: str):
    """Person, room, light and camera drawn from a seed derived from the clip's name."""
    rng = np.random.default_rng(int(hashlib.sha256(name.encode()).hexdigest()[:8], 16))
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    body = Body(height_scale=float(rng.uniform(0.92, 1.08)), girth=float(rng.uniform(0.9, 1.2)))
    light = (float(rng.uniform(-0.6, 0.6)), float(rng.uniform(0.6, 0.9)), float(rng.uniform(0.3, 0.6)))
    look = Look(skin=pick(SKINS), shirt=pick(SHIRTS), pants=pick(PANTS), wall=pick(WALLS), rug=pick(RUGS),
                light_dir=light, light=tuple([float(rng.uniform(0.75, 1.0))] * 3))
    side = "right" if rng.random() < 0.5 else "left"
    cam_height = float(rng.uniform(0.25, 0.7))
    return body, look, side, cam_height


def frame_camera(script: Script, body: Body, fps: float, side: str, cam_height: float, yaw: float = 0.0):
    """A fixed camera that keeps the whole movement in view, the body ~70 % of the width."""
    xs, ys = [], []
    for t in np.arange(0.0, script.duration, 0.5):
        pts = np.array([v for k, v in solve(script.pose_at(t), body).items() if k not in ("face_dir", "head_up")])
        xs += [pts[:, 0].min(), pts[:, 0].max()]
        ys += [pts[:, 1].max()]
    span = max(max(xs) - min(xs) + 0.3, (max(ys) + 0.2) * W / H * 0.8)
    cam = side_camera((max(xs) + min(xs)) / 2, span, side, height=cam_height, yaw_deg=yaw)
    return replace(cam, target=(cam.target[0], max(ys) * 0.45, 0.0))


def seat_under(joints: dict, body: Body) -> tuple:
    """(seat centre x, seat top y, the way the knees point) of a chair under a sitting pelvis."""
    pelvis = joints["pelvis"]
    facing = 1.0 if joints["l_knee"][0] > pelvis[0] else -1.0
    return pelvis[0] - facing * 0.04, pelvis[1] - 0.105 * body.girth * body.height_scale, facing


def render_clip(r: Renderer | None, name: str, script: Script | None, out: Path, fps: float, yaw: float = 0.0,
                empty_s: float = 0.0) -> dict:
    """Render the clip and write its label; with r=None only the label is (re)written."""
    body, look, side, cam_height = variation(name)
    if script is None:  # an empty room
        script = Script(name, "none", ALL_FOURS, lead_s=empty_s)
    cam = frame_camera(script, body, fps, side, cam_height, yaw)
    frames = int(round(script.duration * fps))
    path = out / f"{name}.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (W, H)) if r else None
    t0 = time.time()
    chair = seat_under(solve(script.pose_at(0.0), body), body) if script.seated else None
    for i in range(frames if r else 0):
        joints = solve(script.pose_at(i / fps), body)
        if empty_s:
            joints = {k: (v + np.array([0.0, -50.0, 0.0]) if k not in ("face_dir", "head_up") else v)
                      for k, v in joints.items()}
        writer.write(r.render(joints, body, cam, look, wall_z=-2.5 if side == "right" else 2.5, chair=chair))
    if writer is not None:
        writer.release()
    facing = "head at image " + ("right" if (side == "right") else "left")
    view = {"start_s": 0.0, "end_s": round(frames / fps, 2),
            "view": "front (camera at the head end)" if yaw else "side",
            "facing": facing + f"; {side.upper()} side nearest the camera" if not yaw else "toward camera"}
    label = script.label(fps, frames, W, H, view)
    if empty_s:
        label.update(exercise="none", description="empty room, nobody in view", reps=[],
                     expected_reps_any_target=0)
    if yaw:
        label.update(description=label["description"] + ", filmed from the front: formcheck should ask to turn sideways",
                     expected_guidance="turn_sideways")
    old = out / f"{name}.json"
    seconds = round(time.time() - t0, 1)
    if r is None and old.exists():
        seconds = json.loads(old.read_text()).get("render", {}).get("seconds", seconds)
    label["render"] = {"seconds": seconds, "camera_height_m": round(cam_height, 2),
                       "body_scale": round(body.height_scale, 3)}
    (out / f"{name}.json").write_text(json.dumps(label, indent=1) + "\n")
    return label


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="clip names to render (default: all)")
    ap.add_argument("--fps", type=float, default=15.0)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "sample_videos")
    ap.add_argument("--labels-only", action="store_true", help="rewrite the JSON labels, keep the videos")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = {name: (lambda f=f, fault=fault, name=name: (f(name, fault), 0.0, 0.0)) for name, (f, fault) in CLIPS.items()}
    jobs["bird-dog_front"] = lambda: (bird_dog("bird-dog_front", False), 90.0, 0.0)
    jobs["empty-room"] = lambda: (None, 0.0, 6.0)
    names = args.only or list(jobs)
    if args.labels_only:
        for name in names:
            script, yaw, empty_s = jobs[name]()
            render_clip(None, name, script, args.out, args.fps, yaw, empty_s)
        return
    with Renderer(W, H) as r:
        for name in names:
            script, yaw, empty_s = jobs[name]()
            label = render_clip(r, name, script, args.out, args.fps, yaw, empty_s)
            size = (args.out / f"{name}.mp4").stat().st_size
            print(f"{name}: {label['frames']} frames in {label['render']['seconds']} s, {size / 1e6:.2f} MB, "
                  f"{label['reps_total']} reps", flush=True)


if __name__ == "__main__":
    main()
