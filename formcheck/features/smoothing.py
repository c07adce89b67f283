from __future__ import annotations

import math

import numpy as np


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

    def __call__(self, t: float, landmarks: np.ndarray | None) -> np.ndarray | None:
        if landmarks is None:
            return None
        out = np.empty((33, 5))
        out[:, :3] = self._step(t, landmarks[:, :3].astype(np.float64))
        out[:, 3:] = seen_scores(landmarks[:, 3:])
        return out

    def run(self, t: list[float], xyz: np.ndarray) -> np.ndarray:
        """Smoothed (N, K, 3) of the frames `xyz` (N, K, 3) float64 at times `t`, all with a person."""
        out = np.empty_like(xyz)
        finite = np.isfinite(xyz).all(axis=(1, 2)).tolist()
        for i, ti in enumerate(t):
            out[i] = self._step(ti, xyz[i], check_nan=not finite[i])
        return out
