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
UP_FIRST = int(np.argmax(STEPS > 0))   # the first step above the chord
ARM_RADIUS = 0.12                # torso lengths: a line point this close to an arm is covered by it
_AROUND = np.arange(-1, 3)       # the steps measured around an arm's closest approach


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


def back_contours(masks: MaskStack, rows: np.ndarray, chord: np.ndarray, arms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(back_height, spine_curve), NaN where the outline cannot be traced, of K frames: frame k's
    silhouette is `masks` row `rows[k]`; `chord` (K, 4) is shoulder x, y, hip x, y in normalised
    picture coordinates.
    `arms` (K, A, 4) are segments x0, y0, x1, y1 (normalised) of upper arms and forearms: in a
    side view an arm pulled back (a row) lies over the back's outline, so lines that meet an arm
    are left out of the measurement rather than read as a rounded back."""
    out = np.full((2, len(rows)), np.nan)   # back_height, spine_curve
    mh, mw = masks.shape
    sx, sy, hx, hy = (chord * (mw, mh, mw, mh)).T   # in mask pixels
    cx, cy = sx - hx, sy - hy
    length = np.sqrt(cx * cx + cy * cy)
    live = np.flatnonzero(length >= 4.0)   # under 4 mask pixels (or not measured): too small to trace
    if not len(live):
        return out[0], out[1]
    if len(live) < len(rows):
        rows, arms, hx, hy, cx, cy, length = (a[live] for a in (rows, arms, hx, hy, cx, cy, length))
    k = np.arange(len(rows))
    nx, ny = -cy / length, cx / length
    flip = np.where(ny > 0, -1.0, 1.0)   # point it up the picture
    nx, ny = nx * flip, ny * flip
    # Lines across the chord: (K, P positions, S steps) grids of x and y in mask pixels.
    foot_x, foot_y = hx[:, None] + POSITIONS * cx[:, None], hy[:, None] + POSITIONS * cy[:, None]   # (K, P)
    along = STEPS * length[:, None, None]
    px = foot_x[:, :, None] + along * nx[:, None, None]
    py = foot_y[:, :, None] + along * ny[:, None, None]
    in_picture = (px >= 0) & (px <= mw - 1) & (py >= 0) & (py <= mh - 1)
    pixel = np.where(in_picture, np.rint(py) * mw + np.rint(px), 0).astype(np.intp)   # nearest pixel
    inside = masks.sample(rows[:, None, None], pixel) & in_picture
    # The outline: the highest silhouette pixel on each line (last inside step). A line that
    # misses the body (argmax 0) or a silhouette running past the search is not a back.
    top = len(STEPS) - 1 - np.argmax(inside[:, :, ::-1], axis=2)
    ok = (top < len(STEPS) - 1).all(axis=1)
    # Arms: a line whose part above the chord comes within ARM_RADIUS of an arm segment is left
    # out. Along a line the distance to a segment is convex, so the nearest step above the chord
    # is one of the steps around the line's closest approach to the segment (s*, in torso lengths
    # along the line): those four are measured, point by point, for every (arm, line).
    segs = arms * (mw, mh, mw, mh)                                  # (K, A, 4)
    ax, ay = segs[:, :, 0, None], segs[:, :, 1, None]               # (K, A, 1)
    dx, dy = segs[:, :, 2, None] - ax, segs[:, :, 3, None] - ay
    ux, uy = (length * nx)[:, None, None], (length * ny)[:, None, None]   # one torso length up the line
    wx, wy = foot_x[:, None, :] - ax, foot_y[:, None, :] - ay       # (K, A, P): line foot from arm start
    uu = ux * ux + uy * uy
    wu, du = (wx * ux + wy * uy) / uu, (dx * ux + dy * uy) / uu
    qx, qy = dx - du * ux, dy - du * uy                             # the segment across the line
    across = qx * qx + qy * qy
    t_star = np.where(across > 1e-12, ((wx - wu * ux) * qx + (wy - wu * uy) * qy) / np.maximum(across, 1e-12), 0.5)
    s_star = du * np.minimum(np.maximum(t_star, 0.0), 1.0) - wu
    # (fmax/fmin: a NaN arm gives steps that are measured but cannot be near)
    j = np.fmin(np.fmax((s_star - STEPS[0]) / (STEPS[1] - STEPS[0]), UP_FIRST - 1), len(STEPS))
    j = np.floor(j).astype(np.intp)[..., None] + _AROUND
    j = np.minimum(np.maximum(j, UP_FIRST), len(STEPS) - 1)         # (K, A, P, 4) steps above the chord
    flat = (k[:, None, None, None] * len(POSITIONS) + np.arange(len(POSITIONS))[:, None]) * len(STEPS) + j
    dx, dy = dx[..., None], dy[..., None]
    rx, ry = px.reshape(-1)[flat] - ax[..., None], py.reshape(-1)[flat] - ay[..., None]
    t = np.minimum(np.maximum((rx * dx + ry * dy) / np.maximum(dx * dx + dy * dy, 1e-9), 0.0), 1.0)
    ex, ey = rx - t * dx, ry - t * dy
    radius = ARM_RADIUS * length
    usable = ~(ex * ex + ey * ey < (radius * radius)[:, None, None, None]).any(axis=(1, 3))   # (K, P); NaN arms: none
    # The mean outline height over the usable middle lines, and over the usable ends.
    n_ends, n_mid = usable[:, :4].sum(axis=1), usable[:, 4:].sum(axis=1)
    ok &= (n_ends >= 1) & (n_mid >= 2)
    h = np.where(usable, STEPS[top], 0.0)
    middle = h[:, 4:].sum(axis=1) / np.maximum(n_mid, 1)
    spine = middle - h[:, :4].sum(axis=1) / np.maximum(n_ends, 1)
    good = live[ok]
    out[0, good], out[1, good] = middle[ok], spine[ok]
    return out[0], out[1]
