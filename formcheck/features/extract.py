"""Smoothed landmarks (+ silhouette) -> named signals.

Each formula is written once and runs on two kinds of numbers: plain floats for a live session's
one frame (`features_of_frame`), numpy arrays for all the frames of a log (`feature_arrays`), with
the same results bit for bit. The back's outline is one array function for both (live: one
frame). The only state (which side is nearest the camera, when the outline was last measured) is
carried frame by frame in small objects."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from formcheck.features.spine import MaskStack, back_contours
from formcheck.pose.types import BODY, PoseFrame

NAN = float("nan")
# Every landmark a feature reads (scoring a file smooths only these).
USED = (0, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
MIN_VISIBILITY = 0.5
# Shoulder width / torso length: up to SIDE_VIEW_WIDTH a side view, from SIDE_VIEW_MAX_WIDTH
# not one (real footage and the samples: side views 0.02-0.3, 3/4 views 0.6-1.4, front 1.7-3.4).
SIDE_VIEW_WIDTH, SIDE_VIEW_MAX_WIDTH = 0.3, 0.6
# The view is averaged over this many seconds (ViewSmoother): mannequin rows filmed 30-40 deg from
# side-on drew false 'momentum' warnings at 0.5 s and 1 s, none at 2-3 s; the eval of the real
# clips and the samples (18 runs) is the same unaveraged and at 3 s (the real clips' at 1000 s too).
VIEW_AVERAGE_S = 3.0
ARMS = ((11, 13), (13, 15), (12, 14), (14, 16))   # upper arms and forearms, for the outline
ARM_POINTS = [i for segment in ARMS for i in segment]
CHORD_POINTS = np.array([11, 23])   # left shoulder, left hip (+1: the right side's)


@dataclass
class Features:
    """Named signals of one frame. Angles in degrees, lengths in torso lengths; NaN = not measurable."""

    t: float
    detected: bool
    side: str | None = None              # body side nearest the camera, which drives the angles
    values: dict[str, float] = field(default_factory=dict)

    def get(self, name: str) -> float:
        return self.values.get(name, NAN)


class NearSide:
    """The body side nearest the camera, from MediaPipe's depth (z) with a margin so that it does
    not flip on noise. Frame by frame: each decision depends on the one before."""

    def __init__(self, margin: float = 0.03):
        self.margin = margin
        self.right: bool | None = None

    def __call__(self, lm: np.ndarray) -> np.ndarray:
        """(N,) bool, True = right side nearest, for landmarks (N, 33, >=3) in time order."""
        z = lm[:, :, 2]
        with np.errstate(all="ignore"):
            zl = _mean_of_measured(_Arrays, z[:, 11], z[:, 23], z[:, 25]).tolist()
            zr = _mean_of_measured(_Arrays, z[:, 12], z[:, 24], z[:, 26]).tolist()
        return np.array([self.step(a, b) for a, b in zip(zl, zr)], dtype=bool)

    def of_frame(self, lm: np.ndarray) -> bool:
        """The same for one frame (33, >=3)."""
        z = lm[:, 2].tolist()
        return self.step(_mean_of_measured(_Floats, z[11], z[23], z[25]), _mean_of_measured(_Floats, z[12], z[24], z[26]))

    def step(self, zl: float, zr: float) -> bool:
        right = self.right
        if math.isfinite(zl) and math.isfinite(zr):
            if right is None:
                right = zr < zl
            elif not right and zr < zl - self.margin:
                right = True
            elif right and zl < zr - self.margin:
                right = False
            self.right = right
        return bool(right)   # no depth yet: left


def _mean_of_measured(B, a, b, c):
    """The mean of those of a, b, c that are not NaN; NaN if none is."""
    count = 1 * (a == a) + 1 * (b == b) + 1 * (c == c)   # numbers, not bools: numpy's bool + bool is "or"
    total = B.where(a == a, a, 0.0) + B.where(b == b, b, 0.0) + B.where(c == c, c, 0.0)
    return B.where(count > 0, B.div(total, count), NAN)


class SpineSchedule:
    """Which frames measure the back's outline: every frame with a silhouette for exercises that
    read it, otherwise one every `interval_s` (for the report's plot; 0 = never)."""

    def __init__(self, every_frame: bool, interval_s: float):
        self.every_frame, self.interval_s = every_frame, (0.0 if every_frame else interval_s)
        self._last = -math.inf

    def __call__(self, t: np.ndarray, has_mask: np.ndarray) -> np.ndarray:
        """(N,) bool: which of N frames (in time order; `has_mask`: those that can) measure it."""
        if self.every_frame:
            return has_mask.copy()
        due = np.zeros(len(t), dtype=bool)
        for i in np.flatnonzero(has_mask).tolist():
            due[i] = self.due_at(float(t[i]))
        return due

    def due_at(self, t: float) -> bool:
        """The same for one frame that can measure it."""
        if self.every_frame:
            return True
        if self.interval_s <= 0 or t - self._last < self.interval_s:
            return False
        self._last = t
        return True


# Side-chosen landmarks are (left, right) pairs: the near side's is used.
S, E, W, H, K, A, EAR = (11, 12), (13, 14), (15, 16), (23, 24), (25, 26), (27, 28), (7, 8)
DEG = 180.0 / math.pi


class _Arrays:
    """Numbers of N frames at once (numpy arrays)."""
    where, sqrt, atan2, acos, clip = np.where, np.sqrt, np.arctan2, np.arccos, np.clip
    abs, minimum, maximum = np.abs, np.minimum, np.maximum

    @staticmethod
    def level_if_nan(x):
        return np.where(np.isnan(x), 0.0, x)

    @staticmethod
    def div(a, b):
        return a / b


class _Floats:
    """Numbers of one frame (Python floats): the same operations, so the same results as
    `_Arrays` bit for bit. Plain arithmetic and sqrt are exact IEEE operations either way; atan2
    and acos are numpy's own, as numpy's implementation may differ from the C library's."""

    @staticmethod
    def where(cond, a, b):
        return a if cond else b

    sqrt = math.sqrt
    abs = abs

    @staticmethod
    def atan2(y, x):
        return float(np.arctan2(y, x))

    @staticmethod
    def acos(x):
        return float(np.arccos(x))

    @staticmethod
    def clip(x, lo, hi):   # NaN stays NaN, as with np.clip
        return lo if x < lo else hi if x > hi else x

    @staticmethod
    def minimum(a, b):     # NaN wins, as with np.minimum
        return a if a != a or a < b else b

    @staticmethod
    def maximum(a, b):     # NaN wins, as with np.maximum
        return a if a != a or a > b else b

    @staticmethod
    def level_if_nan(x):
        return 0.0 if x != x else x

    @staticmethod
    def div(a, b):         # where b is 0 the caller discards the result
        return a / b if b else NAN


def _angle(B, a, b, c):
    """Angle ABC in degrees."""
    x1, y1, x2, y2 = a[0] - b[0], a[1] - b[1], c[0] - b[0], c[1] - b[1]
    n = B.sqrt(x1 * x1 + y1 * y1) * B.sqrt(x2 * x2 + y2 * y2)
    return B.where(n < 1e-9, NAN, B.acos(B.clip(B.div(x1 * x2 + y1 * y2, n), -1.0, 1.0)) * DEG)


def _elevation(B, frm, to):
    """Angle of the segment frm->to above the horizontal (image up = positive), whichever way it points."""
    dx, dy = to[0] - frm[0], to[1] - frm[1]
    adx = B.abs(dx)
    return B.where(adx + B.abs(dy) < 1e-9, NAN, B.atan2(-dy, adx) * DEG)


def _incline_3d(B, x, y, z):
    """The 3-D vector (x, y, z)'s angle in degrees above the camera's horizontal plane (MediaPipe's
    metric y points down), and whether the vector has a length at all."""
    flat = B.sqrt(x * x + z * z)
    return B.atan2(-y, flat) * DEG, flat + B.abs(y) > 1e-9


def _length(B, a, b):
    dx, dy = a[0] - b[0], a[1] - b[1]
    return B.sqrt(dx * dx + dy * dy)


def _features(B, P, V, N, M) -> dict:
    """Every landmark feature (not the outline), written once for both kinds of numbers `B`.
    P(i) is landmark i (or a (left, right) pair: the near side's) as (x, y) in pixels, V(i)
    whether it is visible, N(i) its (x, y, presence) in picture units and M(i) its world
    (metric) position (x, y, z) or None when there is none (a pair: the near side's)."""
    v = {}

    def ok(*idx):
        out = V(idx[0])
        for i in idx[1:]:
            out = out & V(i)
        return out

    def inside(i):   # within the picture, seen or not
        x, y, _ = N(i)
        return (x >= 0.0) & (x <= 1.0) & (y >= 0.0) & (y <= 1.0)

    s, h, k = P(S), P(H), P(K)
    torso = _length(B, s, h)
    v["torso_px"] = torso
    v["hip_angle"] = B.where(ok(S, H, K), _angle(B, s, h, k), NAN)
    v["knee_angle"] = B.where(ok(H, K, A), _angle(B, h, k, P(A)), NAN)
    v["elbow_angle"] = B.where(ok(S, E, W), _angle(B, s, P(E), P(W)), NAN)
    # The far arm's, for exercises where both arms do the same (a two-arm row) when the near
    # one is not seen (a hand hanging behind the shins).
    fs, fe, fw = S[::-1], E[::-1], W[::-1]
    v["elbow_angle_far"] = B.where(ok(fs, fe, fw), _angle(B, P(fs), P(fe), P(fw)), NAN)
    v["trunk_incline"] = B.where(ok(S, H), _elevation(B, h, s), NAN)    # + = shoulders above hips
    # The same from MediaPipe's metric 3-D landmarks (hip centre to shoulder centre against the
    # camera's horizontal plane): in a 3/4 or front view the picture foreshortens a trunk leaning
    # towards the camera (a seated row at 35 deg reads 75-85 deg in the picture), the 3-D
    # estimate does not (measured: 21-51 deg on real rows from the side, 3/4 front and front).
    if M(11) is None:
        v["trunk_incline_3d"] = B.where(ok(S, H), NAN, NAN)
        v["elbow_angle_3d"] = v["trunk_incline_3d"]
        v["leg_incline_3d"] = v["trunk_incline_3d"]
    else:
        (ax, ay, az), (bx, by, bz), (cx, cy, cz), (dx_, dy_, dz_) = M(11), M(12), M(23), M(24)
        tx, ty, tz = (ax + bx - cx - dx_) / 2, (ay + by - cy - dy_) / 2, (az + bz - cz - dz_) / 2
        incline, has_length = _incline_3d(B, tx, ty, tz)
        v["trunk_incline_3d"] = B.where(ok(S, H) & has_length, incline, NAN)
        # The near elbow's angle in MediaPipe's 3-D landmarks, for when the picture's cannot be
        # read because the wrist is not seen: a hand hanging beside the shins, half hidden by
        # them (seated row filmed from its other side: wrist visibility 0.42-0.59, the 3-D angle
        # 147-164 hanging, 96-106 pulled, as the picture's 151-165 and 93-105). Read only while
        # shoulder, elbow and wrist are inside the picture (outside, every joint is a guess).
        (ax, ay, az), (bx, by, bz), (cx, cy, cz) = M(S), M(E), M(W)
        ux, uy, uz, wx, wy, wz = ax - bx, ay - by, az - bz, cx - bx, cy - by, cz - bz
        n = B.sqrt(ux * ux + uy * uy + uz * uz) * B.sqrt(wx * wx + wy * wy + wz * wz)
        v["elbow_angle_3d"] = B.where(inside(S) & inside(E) & inside(W) & (n > 1e-9),
                                      B.acos(B.clip(B.div(ux * wx + uy * wy + uz * wz, n), -1.0, 1.0)) * DEG, NAN)
        # The steeper of the two legs in 3-D (hip -> ankle against the camera's horizontal plane):
        # a leg standing or kneeling under the body reads -75..-90 (real rows, rotated 8 deg too),
        # a plank's or a downward dog's on its way to a plank -3..-40, a child's pose's -43..-62.
        # Each leg read only while its hip and ankle are inside the picture.
        legs = []
        for hip, ankle in ((23, 27), (24, 28)):
            (ax, ay, az), (bx, by, bz) = M(hip), M(ankle)
            incline, has_length = _incline_3d(B, bx - ax, by - ay, bz - az)
            legs.append(B.where(inside(hip) & inside(ankle) & has_length, incline, NAN))
        left, right = legs
        v["leg_incline_3d"] = B.where(left != left, right, B.where(right != right, left, B.minimum(left, right)))
    v["thigh_incline"] = B.where(ok(H, K), _elevation(B, h, k), NAN)    # + = knees above hips
    v["arm_elev_near"] = B.where(ok(S, W), _elevation(B, s, P(W)), NAN)
    for side, j in (("left", 0), ("right", 1)):
        for name, (a, b) in (("arm_elev", (S, W)), ("leg_elev", (H, A)), ("thigh_elev", (H, K))):
            v[f"{name}_{side}"] = B.where(ok(a[j], b[j]), _elevation(B, P(a[j]), P(b[j])), NAN)
    # The lower arm and thigh of the two (a side not measured counts as level): below about
    # -45 deg that limb props the body up (all fours, tabletop) or kneels.
    v["arm_elev_low"] = B.minimum(B.level_if_nan(v["arm_elev_left"]), B.level_if_nan(v["arm_elev_right"]))
    v["thigh_elev_low"] = B.minimum(B.level_if_nan(v["thigh_elev_left"]), B.level_if_nan(v["thigh_elev_right"]))
    # Hip height relative to the shoulder-knee line, in torso lengths, positive = hips higher
    # in the picture than the line (a bridge pushed too high), negative = below it (sagging).
    dx, dy = k[0] - s[0], k[1] - s[1]
    length = B.sqrt(dx * dx + dy * dy)
    nx, ny = B.div(-dy, length), B.div(dx, length)
    flip = ny > 0   # point it up the picture
    nx, ny = B.where(flip, -nx, nx), B.where(flip, -ny, ny)
    v["hip_line"] = B.where(ok(S, H, K) & (length > 1e-6),
                            B.div((h[0] - s[0]) * nx + (h[1] - s[1]) * ny, torso), NAN)
    v["head_height"] = B.where(ok(S, 0), B.div(s[1] - P(0)[1], torso), NAN)
    v["neck_lift"] = B.where(ok(S, H, EAR), _elevation(B, s, P(EAR)) - v["trunk_incline"], NAN)
    l_sh, r_sh, l_hip, r_hip = P(11), P(12), P(23), P(24)
    mid_sh = ((l_sh[0] + r_sh[0]) / 2, (l_sh[1] + r_sh[1]) / 2)
    mid_hip = ((l_hip[0] + r_hip[0]) / 2, (l_hip[1] + r_hip[1]) / 2)
    torso_mid = B.maximum(_length(B, mid_sh, mid_hip), 1e-6)
    v["shoulder_width"] = _length(B, l_sh, r_sh) / torso_mid
    v["hip_width"] = _length(B, l_hip, r_hip) / torso_mid
    inside = 0
    for i in BODY:
        x, y, presence = N(i)
        inside = inside + ((x > -0.02) & (x < 1.02) & (y > -0.02) & (y < 1.02) & (presence >= 0.5))
    v["in_frame"] = inside / len(BODY)
    return v


def _view_blend(B, v: dict, shoulder_width) -> None:
    """The trunk's pitch as well as this view shows it: the picture's angle from the side (where
    it is exact, and the 3-D estimate is noisier: it swings 25 deg with the arms on a real row),
    the 3-D estimate once the shoulders open up to the camera (3/4 and front views), blended
    in between so that turning does not make the angle jump (the two differ by up to 20 deg)."""
    w3d = B.clip(B.div(shoulder_width - SIDE_VIEW_WIDTH, SIDE_VIEW_MAX_WIDTH - SIDE_VIEW_WIDTH), 0.0, 1.0)
    v["view_turn"] = w3d   # 0 = side view .. 1 = 3/4 or front view
    v["trunk_pitch"] = B.where(w3d <= 0.0, v["trunk_incline"],
                               B.where(w3d >= 1.0, v["trunk_incline_3d"],
                                       (1.0 - w3d) * v["trunk_incline"] + w3d * v["trunk_incline_3d"]))


class ViewSmoother:
    """How far the camera is turned from side-on is the set-up, not a movement: `view_turn` (and
    the trunk pitch it blends) follows the shoulders' width averaged over about `tau_s` seconds
    (an exponential average over time), not each frame's. Between a side and a 3/4 view, where
    the picture's trunk angle and the 3-D one differ, the width's jitter and slow drift (the far
    shoulder is a guess) swung the blend between them from one second to the next, and the
    trunk's reading with it: a steady trunk read a 15-20 deg swing ('momentum'). A frame whose
    width is not measured has no view (NaN) and leaves the average as it was; after a gap of
    several `tau_s` the average starts again from the next frame's width."""

    def __init__(self, tau_s: float = VIEW_AVERAGE_S):
        self.tau_s = tau_s
        self.width, self.t = NAN, NAN

    def step(self, t: float, width: float) -> float:
        if width == width:
            if self.width == self.width and t > self.t:
                self.width += (1.0 - math.exp((self.t - t) / self.tau_s)) * (width - self.width)
            elif self.width != self.width:
                self.width = width
            self.t = t
            return self.width
        return NAN

    def frame(self, t: float, values: dict) -> None:
        """One frame's features (plain floats), re-blended with the averaged width."""
        _view_blend(_Floats, values, self.step(t, values["shoulder_width"]))

    def arrays(self, t: list, values: dict) -> None:
        """N frames' features (arrays, in time order), the same numbers frame by frame."""
        widths = np.array([self.step(ti, w) for ti, w in zip(t, values["shoulder_width"].tolist())])
        with np.errstate(all="ignore"):
            _view_blend(_Arrays, values, widths)


def _visible(B, x, y, vis, pres):
    """A landmark counts as seen: inside the picture and min(visibility, presence (if given)) >=
    MIN_VISIBILITY. Outside the picture (x or y beyond 0..1) MediaPipe only guesses where a limb
    is, often with a high visibility all the same (a hand past the edge of a close phone framing):
    a guess must not count a rep, split a hold or fire a warning."""
    inside = (x >= 0.0) & (x <= 1.0) & (y >= 0.0) & (y <= 1.0)
    return inside & (B.minimum(vis, B.where(pres > 0, pres, 1.0)) >= MIN_VISIBILITY)


def feature_arrays(lm: np.ndarray, right: np.ndarray, width: int, height: int,
                   world: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The features of N frames: lm (N, 33, 5) smoothed landmarks, `right` (N,) which side is
    nearest, world (N, 33, 3) the metric landmarks (or None). Frames whose torso has no length
    get NaN everywhere. Not here: `view_turn` and `trunk_pitch`, which depend on the
    frames before (ViewSmoother adds them; the sideways check's postures do not read them)."""
    rows = np.arange(len(lm))
    x, y = lm[:, :, 0] * width, lm[:, :, 1] * height    # pixels: angles true to the picture
    visible = _visible(_Arrays, lm[:, :, 0], lm[:, :, 1], lm[:, :, 3], lm[:, :, 4])

    columns: dict = {}

    def pick(i):   # landmark i of every frame (the near one of a pair): (frames, index) to index with
        return (rows, np.where(right, i[1], i[0])) if isinstance(i, tuple) else (slice(None), i)

    def column(i):   # landmark i (or the near one of a pair) of every frame: (x, y, visible)
        if i not in columns:
            if isinstance(i, tuple):
                idx = np.where(right, i[1], i[0])
                columns[i] = (x[rows, idx], y[rows, idx], visible[rows, idx])
            else:
                columns[i] = (x[:, i], y[:, i], visible[:, i])
        return columns[i]

    with np.errstate(all="ignore"):
        v = _features(_Arrays, lambda i: column(i)[:2], lambda i: column(i)[2],
                      lambda i: tuple(lm[(*pick(i), c)] for c in (0, 1, 4)),
                      lambda i: None if world is None else tuple(world[(*pick(i), c)] for c in range(3)))
    flat = ~(v["torso_px"] >= 1e-6)
    if flat.any():
        v = {name: np.where(flat, NAN, a) for name, a in v.items()}
    return v


def features_of_frame(lm: np.ndarray, right: bool, width: int, height: int,
                      world: np.ndarray | None = None) -> dict[str, float] | None:
    """The features of one frame (33, 5) (world: (33, 3) or None) as plain floats, the same
    numbers `feature_arrays` gives; None when the torso has no length."""
    raw = lm.tolist()
    metric = None if world is None else world.astype(np.float64).tolist()
    side = 1 if right else 0

    def point(i):
        x, y = raw[i[side] if isinstance(i, tuple) else i][:2]
        return x * width, y * height

    def visible(i):
        x, y, _, vis, pres = raw[i[side] if isinstance(i, tuple) else i]
        return _visible(_Floats, x, y, vis, pres)

    def pick(i):
        return i[side] if isinstance(i, tuple) else i

    v = _features(_Floats, point, visible, lambda i: (raw[pick(i)][0], raw[pick(i)][1], raw[pick(i)][4]),
                  lambda i: None if metric is None else metric[pick(i)])
    return v if v["torso_px"] >= 1e-6 else None


def outline_view(shoulder_width):
    """Whether the silhouette's top edge is the back: only in a side view. From the front or 3/4
    it is the shoulders and arms (a reverse fly from the front read as a rounded back)."""
    return shoulder_width < (SIDE_VIEW_WIDTH + SIDE_VIEW_MAX_WIDTH) / 2


def outline_arrays(lm: np.ndarray, right: np.ndarray, masks: MaskStack, mask_rows: np.ndarray) -> tuple:
    """(back_height, spine_curve) of N frames (NaN where not traced); `mask_rows` (N,) is each
    frame's row in `masks`, -1 for frames not measured."""
    n = len(lm)
    back, curve = np.full(n, NAN), np.full(n, NAN)
    todo = np.flatnonzero(mask_rows >= 0)
    if not len(todo):
        return back, curve
    b, c = back_contours(masks, mask_rows[todo], *_outline_points(lm[todo], right[todo]))
    back[todo], curve[todo] = b, c
    return back, curve


def _outline_points(lm: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chord (K, 4: near shoulder x, y, near hip x, y) and arm segments (K, 4, 4) the outline
    of K frames is measured with."""
    k = len(lm)
    near = np.where(right, 1, 0)[:, None] + CHORD_POINTS
    chord = lm[np.arange(k)[:, None], near, :2].reshape(k, 4)
    return chord, lm[:, ARM_POINTS, :2].reshape(k, len(ARMS), 4)


class FeatureExtractor:
    """A live session's features, one frame at a time (see `feature_arrays` for the signals).

    The silhouette's back contour is measured every frame for exercises that use it
    (`with_spine`), otherwise every `spine_interval_s` for the report's plot (0 = never)."""

    def __init__(self, with_spine: bool = True, side_margin: float = 0.03, spine_interval_s: float = 0.2):
        self.near_side = NearSide(side_margin)
        self.spine_due = SpineSchedule(with_spine, spine_interval_s)
        self.view = ViewSmoother()

    def __call__(self, frame: PoseFrame, smoothed: np.ndarray | None) -> Features:
        if smoothed is None:
            return Features(frame.t, detected=False)
        right = self.near_side.of_frame(smoothed)
        side = "right" if right else "left"
        values = features_of_frame(smoothed, right, frame.width, frame.height, frame.world)
        if values is None:
            return Features(frame.t, detected=True, side=side)
        self.view.frame(frame.t, values)
        if frame.mask is not None and outline_view(values["shoulder_width"]) and self.spine_due.due_at(frame.t):
            back, curve = back_contours(MaskStack(frame.mask[None]), np.zeros(1, dtype=np.intp),
                                        *_outline_points(smoothed[None], np.array([right])))
            if back[0] == back[0]:
                values["back_height"], values["spine_curve"] = back.item(), curve.item()
        return Features(frame.t, detected=True, side=side, values=values)
