"""The back's outline from the person's silhouette: what shoulder-hip lines cannot see.

Between shoulder and hip, the outline on the upper side of the shoulder-hip chord (image up: the
back when on all fours, prone or bent over) is traced by marching from the chord along its normal
to the silhouette's edge. Distances are in torso lengths:

    back_height  mean outline height over the middle third of the chord
    spine_curve  back_height minus the outline height near the two ends (8-10 % and 90-92 %)

A flat back has spine_curve ~ 0 whatever the body's thickness; a rounded back (flexion, "cat")
bulges up in the middle (positive); a sagging, arched back (extension, "cow") dips (negative).
"""
from __future__ import annotations

import numpy as np

# Where along the chord (0 = hip, 1 = shoulder) the outline is read: the first 4 are the ends, the
# rest the middle. Ends close to the joints keep most of an arc's sagitta (a circular arc's height
# at 9 % is a third of its middle height; at 17 % it would be over half).
POSITIONS = np.array([0.08, 0.1, 0.9, 0.92, 0.35, 0.42, 0.5, 0.58, 0.65])
# Along the normal, in torso lengths. It starts below the chord: in a deep "cat" the whole trunk,
# belly included, rises above the shoulder-hip chord.
STEPS = np.linspace(-0.3, 1.0, 66)


def _segment_distance(pts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((pts - a) @ ab) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
    return np.hypot(*(pts - (a + t[..., None] * ab)).transpose(-1, *range(pts.ndim - 1)))


def back_contour(mask: np.ndarray, shoulder_xy: np.ndarray, hip_xy: np.ndarray, arms=()):
    """(back_height, spine_curve) or None when the outline cannot be traced.

    `mask` is the (h, w) bool silhouette; shoulder/hip in normalised picture coordinates. `arms`
    are (start, end) segments (normalised coordinates) of upper arms and forearms: in a side view
    an arm pulled back (a row) lies over the back's outline, so lines that meet an arm are left
    out of the measurement rather than read as a rounded back."""
    mh, mw = mask.shape
    s = np.array([shoulder_xy[0] * mw, shoulder_xy[1] * mh])
    h = np.array([hip_xy[0] * mw, hip_xy[1] * mh])
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(h))):
        return None
    chord = s - h
    length = float(np.hypot(*chord))
    if length < 4.0:  # torso under 4 mask pixels: too small to trace
        return None
    normal = np.array([-chord[1], chord[0]]) / length
    if normal[1] > 0:  # point it up the picture
        normal = -normal
    base = h + POSITIONS[:, None] * chord                                 # (P, 2)
    pts = base[:, None, :] + STEPS[None, :, None] * length * normal       # (P, S, 2)
    xi = np.clip(np.round(pts[..., 0]).astype(int), 0, mw - 1)
    yi = np.clip(np.round(pts[..., 1]).astype(int), 0, mh - 1)
    inside = mask[yi, xi]
    outside_pic = (pts[..., 0] < 0) | (pts[..., 0] > mw - 1) | (pts[..., 1] < 0) | (pts[..., 1] > mh - 1)
    inside &= ~outside_pic
    if not inside.any(axis=1).all():  # some line misses the body: no outline to trace
        return None
    # The outline: the highest silhouette pixel on each line (last inside step).
    top = len(STEPS) - 1 - np.argmax(inside[:, ::-1], axis=1)
    if (top == len(STEPS) - 1).any():  # the silhouette runs past the search: not a back
        return None
    usable = np.ones(len(POSITIONS), bool)
    arm_r = 0.12 * length
    for a, b in arms:
        a = np.array([a[0] * mw, a[1] * mh])
        b = np.array([b[0] * mw, b[1] * mh])
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            continue
        near_arm = (_segment_distance(pts, a, b) < arm_r) & (STEPS[None, :] > 0)
        usable &= ~near_arm.any(axis=1)
    ends_ok, middle_ok = usable[:4], usable[4:]
    if ends_ok.sum() < 1 or middle_ok.sum() < 2:
        return None
    heights = STEPS[top]
    ends, middle = heights[:4][ends_ok].mean(), heights[4:][middle_ok].mean()
    return float(middle), float(middle - ends)
