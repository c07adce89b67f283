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

    @staticmethod
    def _alpha(cutoff, dt):
        r = 2.0 * math.pi * cutoff * dt
        return r / (r + 1.0)

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        if self._x is None or t <= self._t:
            self._x, self._dx, self._t = x.astype(np.float64), np.zeros(x.shape), t
            return self._x
        dt = t - self._t
        self._t = t
        dx = (x - self._x) / dt
        a_d = self._alpha(self.d_cutoff, dt)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        r = 2.0 * np.pi * cutoff * dt
        a = r / (r + 1.0)
        self._x = a * x + (1 - a) * self._x
        return self._x


class LandmarkSmoother:
    """Smooths landmark x, y, z per frame; restarts after the person was lost for `gap_s` seconds.

    Coordinates are in units of the picture (0..1) so `beta` reads as: speed (picture widths per
    second) that lifts the cutoff by `beta` Hz. Slow exercise movements (~0.2/s) keep ~1.5 Hz:
    jitter of a few pixels is removed while a 1 s rep keeps its shape. NaN coordinates (a
    damaged log) are held at their last good value."""

    def __init__(self, min_cutoff: float = 1.5, beta: float = 0.4, gap_s: float = 0.5):
        self.filter = OneEuro(min_cutoff, beta)
        self.gap_s = gap_s
        self._last_t = None

    def __call__(self, t: float, landmarks: np.ndarray | None) -> np.ndarray | None:
        if landmarks is None:
            return None
        if self._last_t is not None and t - self._last_t > self.gap_s:
            self.filter.reset()
        self._last_t = t
        xyz = landmarks[:, :3].astype(np.float64)
        bad = ~np.isfinite(xyz)
        if bad.any():
            if self.filter._x is None:
                xyz[bad] = 0.0
            else:
                xyz[bad] = self.filter._x[bad]
        out = np.empty((33, 5))
        out[:, :3] = self.filter(t, xyz)
        out[:, 3:] = np.nan_to_num(landmarks[:, 3:], nan=0.0)
        return out
