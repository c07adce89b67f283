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
_UP = STEPS > 0
UP_FIRST = int(np.argmax(_UP))   # the first step above the chord
UP_STEPS = STEPS[_UP]
ARM_RADIUS = 0.12                # torso lengths: a line point this close to an arm is covered by it


class MaskStack:
    """Silhouettes of many frames: (N, h, w) bool, or packed bits (N, bytes) as a landmark log
    stores them (read in place, never unpacked)."""

    def __init__(self, masks: np.ndarray, shape: tuple[int, int] | None = None):
        self.packed = masks.ndim == 2
        self.shape = tuple(shape) if self.packed else masks.shape[1:]
        self.row_size = masks.shape[1] if self.packed else self.shape[0] * self.shape[1]
        self.flat = masks.reshape(-1)

    def sample(self, rows: np.ndarray, pixel: np.ndarray) -> np.ndarray:
        """Silhouette values at flat pixel indices (y * w + x) of the given rows."""
        if not self.packed:
            return self.flat[rows * self.row_size + pixel]
        byte = self.flat[rows * self.row_size + (pixel >> 3)]
        return (byte & _BIT[pixel & 7]) != 0


_BIT = np.array([128, 64, 32, 16, 8, 4, 2, 1], dtype=np.uint8)   # np.packbits order: first pixel = high bit


def back_contours(masks: MaskStack, rows: np.ndarray, shoulder: np.ndarray, hip: np.ndarray,
                  arms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(back_height, spine_curve), NaN where the outline cannot be traced, of K frames: frame k's
    silhouette is `masks` row `rows[k]`; shoulder/hip (K, 2) in normalised picture coordinates.
    `arms` (K, A, 4) are segments x0, y0, x1, y1 (normalised) of upper arms and forearms: in a
    side view an arm pulled back (a row) lies over the back's outline, so lines that meet an arm
    are left out of the measurement rather than read as a rounded back."""
    out = np.full((2, len(rows)), np.nan)   # back_height, spine_curve
    mh, mw = masks.shape
    ends = np.concatenate([shoulder, hip], axis=1) * (mw, mh, mw, mh)   # in mask pixels
    sx, sy, hx, hy = ends.T
    cx, cy = sx - hx, sy - hy
    length = np.hypot(cx, cy)
    # torso under 4 mask pixels (or not measured): too small to trace
    live = np.flatnonzero(np.isfinite(ends).all(axis=1) & (length >= 4.0))
    if not len(live):
        return out[0], out[1]
    if len(live) < len(rows):
        rows, arms, hx, hy, cx, cy, length = (a[live] for a in (rows, arms, hx, hy, cx, cy, length))
    nx, ny = -cy / length, cx / length
    flip = np.where(ny > 0, -1.0, 1.0)   # point it up the picture
    nx, ny = nx * flip, ny * flip
    # Lines across the chord: (K, P positions, S steps) grids of x and y in mask pixels.
    along = STEPS * length[:, None, None]
    px = (hx[:, None] + POSITIONS * cx[:, None])[:, :, None] + along * nx[:, None, None]
    py = (hy[:, None] + POSITIONS * cy[:, None])[:, :, None] + along * ny[:, None, None]
    in_picture = (px >= 0) & (px <= mw - 1) & (py >= 0) & (py <= mh - 1)
    pixel = np.where(in_picture, np.rint(py) * mw + np.rint(px), 0).astype(np.intp)   # nearest pixel
    inside = masks.sample(rows[:, None, None], pixel) & in_picture
    # The outline: the highest silhouette pixel on each line (last inside step). A line that
    # misses the body (argmax 0) or a silhouette running past the search is not a back.
    top = len(STEPS) - 1 - np.argmax(inside[:, :, ::-1], axis=2)
    ok = (top < len(STEPS) - 1).all(axis=1)
    usable = np.ones(top.shape, dtype=bool)
    # Arms: only the part of each line above the chord can meet an arm lying over the back. In
    # chord coordinates (along: 0 = hip .. 1 = shoulder, height: torso lengths above the chord) a
    # point farther than the radius (0.12) from a segment's box cannot be near it: only the lines
    # and the run of steps inside each segment's box grown by the radius are looked at.
    segs = arms * (mw, mh, mw, mh)
    ex_, ey_ = segs[:, :, 0::2] - hx[:, None, None], segs[:, :, 1::2] - hy[:, None, None]   # (K, A, 2 ends)
    seg_along = (ex_ * cx[:, None, None] + ey_ * cy[:, None, None]) / (length * length)[:, None, None]
    seg_height = (ex_ * nx[:, None, None] + ey_ * ny[:, None, None]) / length[:, None, None]
    reach = ARM_RADIUS + 0.005   # the radius plus a margin for rounding
    lines = ((POSITIONS >= seg_along.min(axis=2)[:, :, None] - reach)
             & (POSITIONS <= seg_along.max(axis=2)[:, :, None] + reach))                      # (K, A, P)
    first = UP_FIRST + np.searchsorted(UP_STEPS, seg_height.min(axis=2) - reach, side="left")
    last = UP_FIRST + np.searchsorted(UP_STEPS, seg_height.max(axis=2) + reach, side="right") - 1
    fk, sk, pk = np.nonzero(lines & (last >= first)[:, :, None])   # (frame, arm, line); NaN arms: none
    if len(fk):
        # Along a line the distance to a segment is convex, so the nearest step of the run is one
        # of the steps around the line's closest approach to the segment (s*, in torso lengths
        # above the chord): those four are measured, point by point, instead of the whole run.
        seg = segs.reshape(-1, 4)[fk * segs.shape[1] + sk]
        ax, ay = seg[:, 0], seg[:, 1]
        dx, dy = seg[:, 2] - ax, seg[:, 3] - ay
        ux, uy = (length * nx)[fk], (length * ny)[fk]              # one torso length up the line
        wx = hx[fk] + POSITIONS[pk] * cx[fk] - ax                  # the line's foot, from the segment's start
        wy = hy[fk] + POSITIONS[pk] * cy[fk] - ay
        uu = ux * ux + uy * uy
        wu, du = (wx * ux + wy * uy) / uu, (dx * ux + dy * uy) / uu
        px_, py_ = dx - du * ux, dy - du * uy                       # the segment across the line
        across = px_ * px_ + py_ * py_
        with np.errstate(all="ignore"):
            t_star = np.where(across > 1e-12, ((wx - wu * ux) * px_ + (wy - wu * uy) * py_) / across, 0.5)
        s_star = du * np.minimum(np.maximum(t_star, 0.0), 1.0) - wu
        j = np.floor((s_star - STEPS[0]) / (STEPS[1] - STEPS[0])).astype(np.intp)[:, None] + np.arange(-1, 3)
        j = np.minimum(np.maximum(j, first[fk, sk][:, None]), last[fk, sk][:, None])   # (T, 4) steps
        flat = (fk * len(POSITIONS) + pk)[:, None] * len(STEPS) + j
        rx, ry = px.reshape(-1)[flat] - ax[:, None], py.reshape(-1)[flat] - ay[:, None]
        dx, dy = dx[:, None], dy[:, None]
        t = np.minimum(np.maximum((rx * dx + ry * dy) / np.maximum(dx * dx + dy * dy, 1e-9), 0.0), 1.0)
        ex, ey = rx - t * dx, ry - t * dy
        radius = ARM_RADIUS * length[fk]
        near = (ex * ex + ey * ey < (radius * radius)[:, None]).any(axis=1)
        usable[fk[near], pk[near]] = False
    # The mean outline height over the usable middle lines, and over the usable ends.
    n_ends, n_mid = usable[:, :4].sum(axis=1), usable[:, 4:].sum(axis=1)
    ok &= (n_ends >= 1) & (n_mid >= 2)
    h = np.where(usable, STEPS[top], 0.0)
    ends_sum = h[:, 0] + h[:, 1] + h[:, 2] + h[:, 3]
    mid_sum = h[:, 4] + h[:, 5] + h[:, 6] + h[:, 7] + h[:, 8]
    with np.errstate(all="ignore"):
        middle = mid_sum / n_mid
        spine = middle - ends_sum / n_ends
    good = live[ok]
    out[0, good], out[1, good] = middle[ok], spine[ok]
    return out[0], out[1]
