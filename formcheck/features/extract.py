from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from formcheck.features.spine import back_contour
from formcheck.pose.types import PoseFrame

NAN = float("nan")
SIDE_IDX = {  # shoulder, elbow, wrist, hip, knee, ankle, ear
    "left": (11, 13, 15, 23, 25, 27, 7),
    "right": (12, 14, 16, 24, 26, 28, 8),
}
# Landmarks that must be in the picture for the body to count as "in frame" (shoulders..ankles).
BODY = [11, 12, 23, 24, 25, 26, 27, 28]
MIN_VISIBILITY = 0.5


@dataclass
class Features:
    """Named signals of one frame. Angles in degrees, lengths in torso lengths; NaN = not measurable."""

    t: float
    detected: bool
    side: str | None = None              # body side nearest the camera, which drives the angles
    values: dict[str, float] = field(default_factory=dict)

    def get(self, name: str) -> float:
        return self.values.get(name, NAN)


def _level_if_nan(x: float) -> float:
    return 0.0 if x != x else x


def _nanmean(*xs: float) -> float:
    vals = [x for x in xs if x == x]
    return sum(vals) / len(vals) if vals else NAN


def _angle(a, b, c) -> float:
    """Angle ABC in degrees (points are (x, y) pairs: plain floats, a few µs per call)."""
    x1, y1, x2, y2 = a[0] - b[0], a[1] - b[1], c[0] - b[0], c[1] - b[1]
    n = math.hypot(x1, y1) * math.hypot(x2, y2)
    if n < 1e-9:
        return NAN
    return math.degrees(math.acos(max(-1.0, min(1.0, (x1 * x2 + y1 * y2) / n))))


def _elevation(frm, to) -> float:
    """Angle of the segment frm->to above the horizontal (image up = positive), whichever way it points."""
    dx, dy = to[0] - frm[0], to[1] - frm[1]
    if abs(dx) + abs(dy) < 1e-9:
        return NAN
    return math.degrees(math.atan2(-dy, abs(dx)))


class FeatureExtractor:
    """Turns smoothed landmarks (+ silhouette) into `Features`.

    The near side is chosen from MediaPipe's depth (z) with a margin, so it does not flip on noise;
    The silhouette's back contour (~0.2 ms) is measured every frame for exercises that use it
    (`with_spine`), otherwise every `spine_interval_s` for the report's plot (0 = never)."""

    def __init__(self, with_spine: bool = True, side_margin: float = 0.03, spine_interval_s: float = 0.2):
        self.with_spine = with_spine
        self.side_margin = side_margin
        self.spine_interval_s = 0.0 if with_spine else spine_interval_s
        self._side: str | None = None
        self._spine_t = -math.inf

    def _near_side(self, lm: np.ndarray) -> str:
        z = lm[:27, 2].tolist()
        zl, zr = _nanmean(z[11], z[23], z[25]), _nanmean(z[12], z[24], z[26])
        if not (math.isfinite(zl) and math.isfinite(zr)):
            return self._side or "left"
        if self._side is None:
            self._side = "left" if zl <= zr else "right"
        elif self._side == "left" and zr < zl - self.side_margin:
            self._side = "right"
        elif self._side == "right" and zl < zr - self.side_margin:
            self._side = "left"
        return self._side

    def __call__(self, frame: PoseFrame, smoothed: np.ndarray | None) -> Features:
        if smoothed is None:
            return Features(frame.t, detected=False)
        lm = smoothed
        p = (lm[:, :2] * (frame.width, frame.height)).tolist()   # pixels: angles true to the picture
        visible = (np.minimum(lm[:, 3], np.where(lm[:, 4] > 0, lm[:, 4], 1.0)) >= MIN_VISIBILITY).tolist()
        side = self._near_side(lm)
        s, e, w, h, k, a, ear = SIDE_IDX[side]
        v: dict[str, float] = {}

        def ok(*idx) -> bool:
            return all(visible[i] for i in idx)

        torso = math.hypot(p[s][0] - p[h][0], p[s][1] - p[h][1])
        mid_sh = ((p[11][0] + p[12][0]) / 2, (p[11][1] + p[12][1]) / 2)
        mid_hip = ((p[23][0] + p[24][0]) / 2, (p[23][1] + p[24][1]) / 2)
        torso_mid = math.hypot(mid_sh[0] - mid_hip[0], mid_sh[1] - mid_hip[1])
        if torso < 1e-6:
            return Features(frame.t, detected=True, side=side)
        v["torso_px"] = torso
        v["hip_angle"] = _angle(p[s], p[h], p[k]) if ok(s, h, k) else NAN
        v["knee_angle"] = _angle(p[h], p[k], p[a]) if ok(h, k, a) else NAN
        v["elbow_angle"] = _angle(p[s], p[e], p[w]) if ok(s, e, w) else NAN
        v["trunk_incline"] = _elevation(p[h], p[s]) if ok(s, h) else NAN  # + = shoulders above hips
        v["thigh_incline"] = _elevation(p[h], p[k]) if ok(h, k) else NAN  # + = knees above hips
        v["arm_elev_near"] = _elevation(p[s], p[w]) if ok(s, w) else NAN
        for name, (ls, le, lw, lh, lk, la, _) in SIDE_IDX.items():
            v[f"arm_elev_{name}"] = _elevation(p[ls], p[lw]) if ok(ls, lw) else NAN
            v[f"leg_elev_{name}"] = _elevation(p[lh], p[la]) if ok(lh, la) else NAN
            v[f"thigh_elev_{name}"] = _elevation(p[lh], p[lk]) if ok(lh, lk) else NAN
        # The lower arm and thigh of the two (a side not measured counts as level): below about
        # -45 deg that limb props the body up (all fours, tabletop) or kneels.
        v["arm_elev_low"] = min(_level_if_nan(v["arm_elev_left"]), _level_if_nan(v["arm_elev_right"]))
        v["thigh_elev_low"] = min(_level_if_nan(v["thigh_elev_left"]), _level_if_nan(v["thigh_elev_right"]))
        # Hip height relative to the shoulder-knee line, in torso lengths, positive = hips higher
        # in the picture than the line (a bridge pushed too high), negative = below it (sagging).
        if ok(s, h, k):
            dx, dy = p[k][0] - p[s][0], p[k][1] - p[s][1]
            n = math.hypot(dx, dy)
            if n > 1e-6:
                nx, ny = -dy / n, dx / n
                if ny > 0:
                    nx, ny = -nx, -ny  # point it up the picture
                v["hip_line"] = ((p[h][0] - p[s][0]) * nx + (p[h][1] - p[s][1]) * ny) / torso
        v["head_height"] = (p[s][1] - p[0][1]) / torso if ok(s, 0) else NAN
        if ok(s, h, ear):
            v["neck_lift"] = _elevation(p[s], p[ear]) - _elevation(p[h], p[s])
        v["shoulder_width"] = math.hypot(p[11][0] - p[12][0], p[11][1] - p[12][1]) / max(torso_mid, 1e-6)
        v["hip_width"] = math.hypot(p[23][0] - p[24][0], p[23][1] - p[24][1]) / max(torso_mid, 1e-6)
        body = lm[BODY]
        inside = (body[:, 0] > -0.02) & (body[:, 0] < 1.02) & (body[:, 1] > -0.02) & (body[:, 1] < 1.02)
        v["in_frame"] = float(np.count_nonzero(inside & (body[:, 4] >= 0.5))) / len(BODY)
        spine_due = self.with_spine or (self.spine_interval_s > 0 and frame.t - self._spine_t >= self.spine_interval_s)
        if spine_due and frame.mask is not None:
            self._spine_t = frame.t
            arms = [(lm[a, :2], lm[b, :2]) for a, b in ((11, 13), (13, 15), (12, 14), (14, 16))]
            contour = back_contour(frame.mask, lm[s, :2], lm[h, :2], arms)
            if contour is not None:
                v["back_height"], v["spine_curve"] = contour
        return Features(frame.t, detected=True, side=side, values=v)
