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

import math

import numpy as np

# Where along the chord (0 = hip, 1 = shoulder) the outline is read: the first 4 are the ends, the
# rest the middle. Ends close to the joints keep most of an arc's sagitta (a circular arc's height
# at 9 % is a third of its middle height; at 17 % it would be over half).
POSITIONS = np.array([0.08, 0.1, 0.9, 0.92, 0.35, 0.42, 0.5, 0.58, 0.65])
# Along the normal, in torso lengths. It starts below the chord: in a deep "cat" the whole trunk,
# belly included, rises above the shoulder-hip chord.
STEPS = np.linspace(-0.3, 1.0, 66)
_UP = STEPS > 0


def _near_segments(px: np.ndarray, py: np.ndarray, segs: np.ndarray, radius: float) -> np.ndarray:
    """For points (px, py) of any shape and segments (A, 4) = ax, ay, bx, by: is each point within
    `radius` of any segment. x and y are kept apart: each numpy call works on a whole grid."""
    shape = (-1,) + (1,) * px.ndim
    ax, ay = segs[:, 0].reshape(shape), segs[:, 1].reshape(shape)
    dx, dy = segs[:, 2].reshape(shape) - ax, segs[:, 3].reshape(shape) - ay
    denom = np.maximum(dx * dx + dy * dy, 1e-9)
    rx, ry = px - ax, py - ay
    t = np.clip((rx * dx + ry * dy) / denom, 0.0, 1.0)
    ex, ey = rx - t * dx, ry - t * dy
    return (ex * ex + ey * ey < radius * radius).any(axis=0)


def back_contour(mask: np.ndarray, shoulder_xy, hip_xy, arms=()):
    """(back_height, spine_curve) or None when the outline cannot be traced.

    `mask` is the (h, w) bool silhouette; shoulder/hip in normalised picture coordinates. `arms`
    are (start, end) segments (normalised coordinates) of upper arms and forearms: in a side view
    an arm pulled back (a row) lies over the back's outline, so lines that meet an arm are left
    out of the measurement rather than read as a rounded back."""
    mh, mw = mask.shape
    sx, sy = float(shoulder_xy[0]) * mw, float(shoulder_xy[1]) * mh
    hx, hy = float(hip_xy[0]) * mw, float(hip_xy[1]) * mh
    if not all(math.isfinite(v) for v in (sx, sy, hx, hy)):
        return None
    cx, cy = sx - hx, sy - hy
    length = math.hypot(cx, cy)
    if length < 4.0:  # torso under 4 mask pixels: too small to trace
        return None
    nx, ny = -cy / length, cx / length
    if ny > 0:  # point it up the picture
        nx, ny = -nx, -ny
    # Lines across the chord: (P positions, S steps) grids of x and y in mask pixels.
    along = STEPS[None, :] * length
    px = (hx + POSITIONS * cx)[:, None] + along * nx
    py = (hy + POSITIONS * cy)[:, None] + along * ny
    xi = np.clip(np.rint(px).astype(np.intp), 0, mw - 1)
    yi = np.clip(np.rint(py).astype(np.intp), 0, mh - 1)
    inside = mask[yi, xi] & (px >= 0) & (px <= mw - 1) & (py >= 0) & (py <= mh - 1)
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
        # only the part of each line above the chord can meet an arm lying over the back
        upx, upy = px[:, _UP], py[:, _UP]
        r = 0.12 * length
        lo_x, hi_x, lo_y, hi_y = upx.min() - r, upx.max() + r, upy.min() - r, upy.max() + r
        # segments whose bounding box misses the lines' cannot be near them (arms on the floor)
        keep = ((np.maximum(segs[:, 0], segs[:, 2]) >= lo_x) & (np.minimum(segs[:, 0], segs[:, 2]) <= hi_x)
                & (np.maximum(segs[:, 1], segs[:, 3]) >= lo_y) & (np.minimum(segs[:, 1], segs[:, 3]) <= hi_y))
        segs = segs[keep]
        if len(segs):
            usable &= ~_near_segments(upx, upy, segs, r).any(axis=1)
    ends_ok, middle_ok = usable[:4].tolist(), usable[4:].tolist()
    if sum(ends_ok) < 1 or sum(middle_ok) < 2:
        return None
    heights = STEPS[top].tolist()
    ends = [hgt for hgt, ok in zip(heights[:4], ends_ok) if ok]
    mids = [hgt for hgt, ok in zip(heights[4:], middle_ok) if ok]
    middle = sum(mids) / len(mids)
    return middle, middle - sum(ends) / len(ends)
