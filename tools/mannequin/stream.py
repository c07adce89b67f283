"""Synthetic landmark streams: the mannequin's skeleton seen by a camera, as formcheck PoseFrames,
with the imperfections of a real estimator (noise, jitter bursts, the far side's joints guessed)."""
from __future__ import annotations

import numpy as np

from formcheck.pose.types import PoseFrame

import cv2

from .camera import Camera
from .render import capsules
from .scripts import Script
from .skeleton import Body, landmarks33, solve

MASK_W = 128


def silhouette(j: dict, body: Body, cam: Camera) -> np.ndarray:
    """The body's mask at formcheck's logged resolution: every capsule projected and drawn thick."""
    mh = round(MASK_W * cam.height / cam.width)
    mask = np.zeros((mh, MASK_W), np.uint8)
    f = 0.5 / np.tan(np.radians(cam.fov_deg) / 2) * mh          # focal length in mask pixels
    parts = [(a, b, ra, rb) for a, b, ra, rb, _ in capsules(j, body)]
    head_r = body.head_r * body.height_scale
    parts.append((j["head"], j["head"], head_r, head_r))
    ends = cam.project(np.array([p for a, b, _, _ in parts for p in (a, b)]))   # every end in one call
    pa, pb = ends[0::2], ends[1::2]
    radii = np.array([(ra, rb) for _, _, ra, rb in parts], float)
    # taper: each capsule drawn as 4 pieces of decreasing radius (all pieces' numbers at once)
    u = np.arange(5) / 4
    pts = pa[:, None, :] + (pb - pa)[:, None, :] * u[None, :, None]          # (parts, 5, 3)
    mid = (u[:-1] + u[1:]) / 2
    r = (radii[:, :1] + (radii[:, 1:] - radii[:, :1]) * mid[None, :]) * f / pts[:, :-1, 2]
    xy = np.rint(pts[:, :, :2] * np.array([MASK_W * 8, mh * 8])).astype(int)
    width = np.maximum(1, np.rint(2 * r).astype(int))
    for k in range(len(parts)):
        for seg in range(4):
            cv2.line(mask, tuple(xy[k, seg].tolist()), tuple(xy[k, seg + 1].tolist()), 1, int(width[k, seg]),
                     cv2.LINE_8, shift=3)
    return mask.astype(bool)

LEFT = [1, 2, 3, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
RIGHT = [4, 5, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32]


def landmark_stream(script: Script, body: Body, cam: Camera, fps: float = 30.0, noise: float = 0.003,
                    jitter_p: float = 0.02, far_error: float = 0.02, seed: int = 0, with_mask: bool = True):
    """Yield PoseFrames for the script. noise: landmark sd (picture widths); jitter_p: chance per
    frame of a 5x noise burst; far_error: sd of a slowly drifting error on the far side's joints
    (MediaPipe guesses hidden joints, with high visibility scores all the same)."""
    rng = np.random.default_rng(seed)
    n = int(round(script.duration * fps))
    drift = np.zeros((33, 2))
    for i in range(n):
        t = i / fps
        j = solve(script.pose_at(t), body)
        pts = landmarks33(j, body)
        proj = cam.project(pts)
        hips = (proj[23] + proj[24]) / 2
        lm = np.zeros((33, 5), dtype=np.float32)
        lm[:, 0], lm[:, 1] = proj[:, 0], proj[:, 1]
        # MediaPipe's z: depth relative to the hips' midpoint, in about the units of x.
        scale = 0.5 / np.tan(np.radians(cam.fov_deg) / 2) / (cam.width / cam.height) / hips[2]
        lm[:, 2] = (proj[:, 2] - hips[2]) * scale
        far = RIGHT if cam.position[2] < 0 else LEFT   # camera at -z sees the left side
        drift = drift * 0.95 + rng.normal(0, far_error * 0.3, drift.shape)
        sd = noise * (5 if rng.random() < jitter_p else 1)
        lm[:, :2] += rng.normal(0, sd, (33, 2)) * (cam.height / cam.width, 1)
        lm[far, :2] += drift[far]
        lm[:, 3] = 0.99
        lm[far, 3] = rng.uniform(0.6, 0.95, len(far))
        lm[:, 4] = 0.99
        # MediaPipe's world landmarks: metres around the hips' midpoint, on the camera's axes
        # (x right, y down, z away from the camera).
        _, fwd, right, up = cam.basis()
        rel = pts - (pts[23] + pts[24]) / 2
        world = np.stack([rel @ right, -(rel @ up), rel @ fwd], axis=1).astype(np.float32)
        yield PoseFrame(index=i, t=t, width=cam.width, height=cam.height, landmarks=lm, world=world,
                        mask=silhouette(j, body, cam) if with_mask else None)
