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


def _near_segments(pts: np.ndarray, a: np.ndarray, b: np.ndarray, radius: float) -> np.ndarray:
    """For points (..., 2) and segments a, b (A, 2): is each point within `radius` of any segment."""
    ab = b - a                                                          # (A, 2)
    rel = pts[None, ...] - a.reshape(-1, *([1] * (pts.ndim - 1)), 2)    # (A, ..., 2)
    denom = np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-9).reshape(-1, *([1] * (pts.ndim - 1)))
    abb = ab.reshape(-1, *([1] * (pts.ndim - 1)), 2)
    t = np.clip((rel * abb).sum(-1) / denom, 0.0, 1.0)
    d = rel - t[..., None] * abb
    return ((d * d).sum(-1) < radius * radius).any(axis=0)


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
    segs = np.array([(a[0] * mw, a[1] * mh, b[0] * mw, b[1] * mh) for a, b in arms], dtype=float).reshape(-1, 4)
    segs = segs[np.isfinite(segs).all(axis=1)]
    if len(segs):
        up = pts[:, STEPS > 0]   # only the part of each line above the chord can meet an arm over the back
        r = 0.12 * length
        lo, hi = up.reshape(-1, 2).min(axis=0) - r, up.reshape(-1, 2).max(axis=0) + r
        # segments whose bounding box misses the lines' cannot be near them (arms on the floor)
        seg_lo, seg_hi = np.minimum(segs[:, :2], segs[:, 2:]), np.maximum(segs[:, :2], segs[:, 2:])
        segs = segs[((seg_hi >= lo) & (seg_lo <= hi)).all(axis=1)]
        if len(segs):
            usable &= ~_near_segments(up, segs[:, :2], segs[:, 2:], r).any(axis=1)
    ends_ok, middle_ok = usable[:4], usable[4:]
    if ends_ok.sum() < 1 or middle_ok.sum() < 2:
        return None
    heights = STEPS[top].tolist()
    ends = [hgt for hgt, ok in zip(heights[:4], ends_ok.tolist()) if ok]
    mids = [hgt for hgt, ok in zip(heights[4:], middle_ok.tolist()) if ok]
    middle = sum(mids) / len(mids)
    return middle, middle - sum(ends) / len(ends)
