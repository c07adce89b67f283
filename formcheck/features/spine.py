"""The back's outline from the person's silhouette: what shoulder-hip lines cannot see.

Between shoulder and hip, the outline on the upper side of the shoulder-hip chord (image up: the
back when on all fours, prone or bent over) is traced by marching from the chord along its normal
to the silhouette's edge. Distances are in torso lengths:

    back_height  mean outline height over the middle third of the chord
    spine_curve  back_height minus the outline height near the two ends (15 % and 85 %)

A flat back has spine_curve ~ 0 whatever the body's thickness; a rounded back (flexion, "cat")
bulges up in the middle (positive); a sagging, arched back (extension, "cow") dips (negative).
"""
from __future__ import annotations

import numpy as np

POSITIONS = np.array([0.15, 0.2, 0.8, 0.85, 0.35, 0.42, 0.5, 0.58, 0.65])  # first 4: ends, rest: middle
STEPS = np.linspace(0.0, 0.9, 46)  # along the normal, in torso lengths


def back_contour(mask: np.ndarray, shoulder_xy: np.ndarray, hip_xy: np.ndarray):
    """(back_height, spine_curve) or None when the outline cannot be traced.

    `mask` is the (h, w) bool silhouette; shoulder/hip in normalised picture coordinates."""
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
    if not inside[:, 0].mean() >= 0.5:  # the chord itself should run inside the body
        return None
    # First step that leaves the silhouette: the outline.
    leaving = ~inside
    leaving[:, 0] = False
    first_out = np.where(leaving.any(axis=1), leaving.argmax(axis=1), len(STEPS) - 1)
    heights = STEPS[first_out]
    ends, middle = heights[:4].mean(), heights[4:].mean()
    return float(middle), float(middle - ends)
