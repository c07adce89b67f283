from __future__ import annotations

import math

import numpy as np


ALL = tuple(range(33))


class OneEuro:
    """Vectorised One-Euro filter (Casiez et al., CHI 2012) over an array of any shape.

    Written here rather than taken from a package: the PyPI filters are per-scalar objects, and
    filtering 33x3 coordinates per frame one scalar at a time would dominate replay time."""

    def __init__(self, min_cutoff: float = 1.5, beta: float = 0.4, d_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._x = None
        self._dx = None
        self._t = None

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        """The filtered x (the filter's own array: copy it to keep it past the next call)."""
        if self._x is None or t <= self._t:
            self._x, self._dx, self._t = x.astype(np.float64), np.zeros(x.shape), t
            return self._x
        dt = t - self._t
        self._t = t
        # Written as few whole-array operations as possible (a replay runs it once a frame):
        # dx' = dx + a_d (diff / dt - dx);  a = r / (r + 1), r = 2 pi dt (min_cutoff + beta |dx'|);
        # x' = x + a (input - x)
        w = 2.0 * math.pi * dt
        diff = x - self._x
        step = diff / dt
        step -= self._dx
        step *= w * self.d_cutoff / (w * self.d_cutoff + 1.0)
        self._dx += step
        r = np.abs(self._dx)
        r *= w * self.beta
        r += w * self.min_cutoff
        diff *= r / (r + 1.0)
        self._x += diff
        return self._x


def seen_scores(scores: np.ndarray) -> np.ndarray:
    """Visibility and presence as the features read them: NaN (a damaged log) = not seen."""
    return np.where(scores == scores, scores, 0.0)


def torso_found(landmarks: np.ndarray) -> np.ndarray:
    """Whether (..., 33, >=2) landmarks have a finite torso (shoulders, hips): a damaged frame
    with a NaN torso counts as nobody rather than a wild skeleton."""
    return np.isfinite(landmarks[..., [11, 12, 23, 24], :2]).all(axis=(-2, -1))


# Limbs MediaPipe may give each other's labels from one frame to the next (from the side the far
# leg is often called the near one for a few frames, back and forth: a bird-dog filmed from its
# other side, 8 swaps in 2.5 s of one hold): (left landmarks, right landmarks), knee and ankle
# first (the two compared). Legs only: arms swap too, but untangling them was measured to change
# only one sample's hold (the alternating superman's 5th, by 0.8 s, on an arm signal that hovers
# at its threshold), in neither direction reliably.
SWAPPABLE = (((25, 27, 29, 31), (26, 28, 30, 32)),)
SWAP_RATIO = 0.5       # the crossed labels are this much closer to where the limbs were: a swap
SWAP_MIN_TORSO = 0.3   # ... and the limbs moved at least this far (torso lengths): apart enough to tell


class _Untangle:
    """Keeps each physical limb in its own filter slot when MediaPipe swaps left and right between
    frames. Without it the smoother glides the left ankle's slot from one leg to the other and
    back, and a leg held 30 deg above horizontal reads 7-27 deg in between. The smoothed output
    keeps MediaPipe's labels of each frame: only the blending is removed, not the labelling.

    A swap is judged between a frame and the one before it (both as MediaPipe labelled them), so
    a log's frames are judged all at once; which frames are crossed is then a running parity. A
    live frame is judged alone with the same arithmetic on plain floats (`crossed_now`: numpy's
    per-call overhead made the live smoother 6 times slower), so both give the same answers."""

    def __init__(self, index):
        pos = {lm: i for i, lm in enumerate(index)}
        self.swaps, compared = [], []
        for left, right in SWAPPABLE:
            lrows = [pos[j] for j in left if j in pos]
            rrows = [pos[j] for j in right if j in pos]
            self.swaps.append((np.array(lrows + rrows, dtype=np.intp), np.array(rrows + lrows, dtype=np.intp)))
            compared.append(lrows[:2] + rrows[:2])
        # The rows read, in order: each group's left knee, left ankle, right knee, right ankle,
        # then the shoulders and hips (the torso's length).
        self.read = [j for group in compared for j in group] + [pos[j] for j in (11, 12, 23, 24)]
        self.crossed = [0] * len(self.swaps)   # per group: 1 while the filter's slots are crossed
        self.last: np.ndarray | None = None   # the last frame's rows read (len(read), 2), as labelled

    def crossed_of(self, xy: np.ndarray, restart: np.ndarray) -> np.ndarray:
        """(N, groups) whether each frame of xy (N, K, 2) has a limb pair crossed against the
        filter's slots; restart[i]: the filter starts afresh at frame i (uncrossed)."""
        n = len(xy)
        cur = xy[:, self.read]
        before = np.empty_like(cur)
        before[1:] = cur[:-1]
        before[0] = cur[0] if self.last is None else self.last
        s1, s2, h1, h2 = (before[:, i] for i in range(-4, 0))
        mid = (s1 + s2 - h1 - h2) / 2.0
        torso = np.sqrt(mid[:, 0] * mid[:, 0] + mid[:, 1] * mid[:, 1])

        def dist(a, b):
            dx, dy = a[:, 0] - b[:, 0], a[:, 1] - b[:, 1]
            return np.sqrt(dx * dx + dy * dy)

        flips = np.zeros((n, len(self.swaps)), dtype=np.int64)
        with np.errstate(invalid="ignore"):
            for g in range(len(self.swaps)):
                a1, a2, b1, b2 = (cur[:, 4 * g + k] for k in range(4))
                p1, p2, q1, q2 = (before[:, 4 * g + k] for k in range(4))
                same = dist(a1, p1) + dist(a2, p2) + dist(b1, q1) + dist(b2, q2)
                cross = dist(a1, q1) + dist(a2, q2) + dist(b1, p1) + dist(b2, p2)
                flips[:, g] = (same > SWAP_MIN_TORSO * torso) & (cross < SWAP_RATIO * same)
        flips[restart] = 0
        count = np.cumsum(flips, axis=0)
        last_restart = np.maximum.accumulate(np.where(restart, np.arange(n), -1))
        since = np.maximum(last_restart, 0)
        base = np.where(last_restart[:, None] >= 0, count[since], -np.array(self.crossed))
        crossed = (count - base) % 2 == 1
        self.crossed = crossed[-1].astype(int).tolist()
        self.last = cur[-1].copy()
        return crossed

    def crossed_now(self, xy: np.ndarray, restart: bool) -> list[bool]:
        """`crossed_of` for one frame xy (K, 2), on plain floats: the same operations in the
        same order, so the same answers bit for bit."""
        now = xy[self.read]
        cur, old = now.tolist(), (now if self.last is None else self.last).tolist()
        self.last = now
        if restart:
            self.crossed = [0] * len(self.swaps)
            return [False] * len(self.swaps)
        (s1x, s1y), (s2x, s2y), (h1x, h1y), (h2x, h2y) = old[-4:]
        mx, my = (s1x + s2x - h1x - h2x) / 2.0, (s1y + s2y - h1y - h2y) / 2.0
        torso = math.sqrt(mx * mx + my * my)

        def dist(a, b):
            dx, dy = a[0] - b[0], a[1] - b[1]
            return math.sqrt(dx * dx + dy * dy)

        crossed = self.crossed
        for g in range(len(self.swaps)):
            a1, a2, b1, b2 = cur[4 * g:4 * g + 4]
            p1, p2, q1, q2 = old[4 * g:4 * g + 4]
            same = dist(a1, p1) + dist(a2, p2) + dist(b1, q1) + dist(b2, q2)
            cross = dist(a1, q1) + dist(a2, q2) + dist(b1, p1) + dist(b2, p2)
            if same > SWAP_MIN_TORSO * torso and cross < SWAP_RATIO * same:
                crossed[g] = 1 - crossed[g]
        return [c == 1 for c in crossed]

    def swap(self, arr: np.ndarray, crossed: np.ndarray) -> None:
        """Swaps the crossed frames' limb pairs of arr (N, K, ...) in place (both ways)."""
        for g, (lr, rl) in enumerate(self.swaps):
            frames = np.flatnonzero(crossed[:, g])
            if len(frames):
                arr[np.ix_(frames, lr)] = arr[np.ix_(frames, rl)]


class LandmarkSmoother:
    """Smooths landmark x, y, z per frame; restarts after the person was lost for `gap_s` seconds.

    Coordinates are in units of the picture (0..1) so `beta` reads as: speed (picture widths per
    second) that lifts the cutoff by `beta` Hz. Slow exercise movements (~0.2/s) keep ~1.5 Hz:
    jitter of a few pixels is removed while a 1 s rep keeps its shape. NaN coordinates (a
    damaged log) are held at their last good value.

    A live session calls it once a frame with all 33 landmarks (the overlay draws them); scoring
    a file runs `run` over every frame with only the landmarks the features read. The filter
    works element by element, so each landmark gets the same numbers either way."""

    def __init__(self, min_cutoff: float = 1.5, beta: float = 0.4, gap_s: float = 0.5):
        self.filter = OneEuro(min_cutoff, beta)
        self.gap_s = gap_s
        self._last_t = None
        self._untangle: dict[tuple, _Untangle] = {}

    def _step(self, t: float, xyz: np.ndarray, check_nan: bool = True) -> np.ndarray:
        """xyz (K, 3) float64, modified in place where NaN."""
        if self._last_t is not None and t - self._last_t > self.gap_s:
            self.filter.reset()
        self._last_t = t
        if check_nan:
            bad = ~np.isfinite(xyz)
            if bad.any():
                xyz[bad] = 0.0 if self.filter._x is None else self.filter._x[bad]
        return self.filter(t, xyz)

    def _untangle_of(self, index: tuple) -> _Untangle:
        if index not in self._untangle:
            self._untangle[index] = _Untangle(index)
        return self._untangle[index]

    def __call__(self, t: float, landmarks: np.ndarray | None) -> np.ndarray | None:
        if landmarks is None:
            return None
        untangle = self._untangle_of(ALL)
        xyz = landmarks[:, :3].astype(np.float64)
        crossed = untangle.crossed_now(xyz[:, :2], self._last_t is None or t - self._last_t > self.gap_s)
        out = np.empty((33, 5))
        swaps = [pair for pair, c in zip(untangle.swaps, crossed) if c]
        for lr, rl in swaps:
            xyz[lr] = xyz[rl]
        out[:, :3] = self._step(t, xyz)
        for lr, rl in swaps:
            out[lr] = out[rl]
        out[:, 3:] = seen_scores(landmarks[:, 3:])
        return out

    def run(self, t: list[float], xyz: np.ndarray, index: tuple) -> np.ndarray:
        """Smoothed (N, K, 3) of the frames `xyz` (N, K, 3) float64 of landmarks `index` at times
        `t`, all with a person (xyz is reordered in place)."""
        untangle = self._untangle_of(index)
        before = [self._last_t] + t[:-1]
        restart = np.array([b is None or ti - b > self.gap_s for ti, b in zip(t, before)])
        crossed = untangle.crossed_of(xyz[:, :, :2], restart)
        untangle.swap(xyz, crossed)
        out = np.empty_like(xyz)
        finite = np.isfinite(xyz).all(axis=(1, 2)).tolist()
        for i, ti in enumerate(t):
            out[i] = self._step(ti, xyz[i], check_nan=not finite[i])
        untangle.swap(out, crossed)
        return out
