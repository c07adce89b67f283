"""Is the picture on its side?

A phone stood on its long edge, or a video turned a quarter, shows a person on all fours (or
lying down) standing up the picture: the exercise never enters a position, nothing is counted,
and nothing said why. So a session keeps a sample of the person's smoothed landmarks (one every
`EVERY_S`), and at its end, if nothing was counted, checks the exercise's start posture (the
spec's `posture`, e.g. bird-dog's `fours`) on them as they are and turned a quarter either way.
If the posture (almost) never holds as filmed but holds often once turned, the report and the
terminal say the picture looks turned on its side.

The person should hear it while they can still stand the camera up, though, not only in the
report: so every `LIVE_EVERY` samples (5 s) the last `LIVE_WINDOW` samples (10 s) are checked the
same way, and the session shows and says the first positive verdict as long as nothing has been
counted (`add` returns it; the session decides). Live and file runs take the same samples, so
their reports are the same.

Only the spec's posture is checked, with the thresholds of the spec, over the same features as
counting (`feature_arrays`); a person standing in a superman session also "lies" once turned,
so the message is worded as an "if"."""
from __future__ import annotations

import math

import numpy as np

from formcheck.events import Guidance
from formcheck.exercises.engine import FEATURE_NAMES
from formcheck.features.extract import NearSide, feature_arrays
from formcheck.pose.estimator import VIEWS

EVERY_S = 0.5          # one sample each half second
MAX_SAMPLES = 1200     # 10 minutes at EVERY_S; longer sessions keep every other sample, and so on
MIN_SAMPLES = 10       # 5 s of the person seen before anything is said
NEVER_SHARE = 0.05     # the posture held on under 5 % of the samples as filmed ...
TURNED_SHARE = 0.30    # ... and on 30 % or more once turned
MESSAGE = ("Nothing was counted and the body looks turned a quarter: if the picture is on its side, "
           "stand the camera up so that the floor is at the bottom")
LIVE_EVERY = 10        # a live check each 10th sample (5 s) ...
LIVE_WINDOW = 20       # ... of the last 20 samples (10 s): what the person does now
LIVE_MESSAGE = "The picture looks on its side: stand the camera up, floor at the bottom"


class SidewaysCheck:
    def __init__(self, spec):
        self.spec = spec
        self.every = EVERY_S
        self._next = -math.inf
        self._t: list[float] = []
        self._lm: list[np.ndarray] = []
        self._world: list[np.ndarray] = []
        self._size = (1, 1)
        self._taken = 0
        self.live_checks = True   # off once a live verdict could no longer be said (said, or a rep counted)

    def add(self, t: float, landmarks: np.ndarray, width: int, height: int,
            world: np.ndarray | None) -> Guidance | None:
        """One frame in which the person was seen (smoothed landmarks (33, 5), metric (33, 3)).
        Returns the live guidance when this frame's sample makes a live check due and the last
        samples look on their side (the caller shows it only while nothing was counted)."""
        if self.spec.posture is None or t < self._next:
            return None
        self._next = t + self.every
        self._taken += 1
        self._t.append(t)
        self._lm.append(np.array(landmarks[:, :5], dtype=np.float64))
        self._world.append(np.full((33, 3), np.nan) if world is None else np.array(world, dtype=np.float64))
        self._size = (width, height)
        if len(self._t) > MAX_SAMPLES:
            self._t, self._lm, self._world = self._t[::2], self._lm[::2], self._world[::2]
            self.every *= 2
        if (self.live_checks and self._taken >= MIN_SAMPLES and self._taken % LIVE_EVERY == 0
                and self._turned(LIVE_WINDOW)):
            return Guidance(t, "sideways", LIVE_MESSAGE)
        return None

    def _turned(self, last: int | None = None) -> bool:
        """The posture (almost) never held as filmed, and often once turned (over the last
        `last` samples, or all)."""
        if len(self._t) < MIN_SAMPLES or self.share(None, last) >= NEVER_SHARE:
            return False
        return max(self.share("cw", last), self.share("ccw", last)) >= TURNED_SHARE

    def share(self, turn: str | None, last: int | None = None) -> float:
        """The share of the samples (the last `last` of them, or all) in the posture, with the
        picture turned a quarter clockwise ("cw"), anticlockwise ("ccw") or as filmed (None)."""
        width, height = self._size
        first = 0 if last is None else max(0, len(self._lm) - last)
        pairs = zip(self._lm[first:], self._world[first:])
        if turn is not None:   # the picture taken as the estimator's turned view, and turned back
            view = VIEWS[f"turned-{turn}"]
            pairs = [view.back(lm.copy(), world.copy(), height, width) for lm, world in pairs]
            width, height = height, width
        lm, world = (np.stack(a) for a in zip(*pairs))
        values = feature_arrays(lm, NearSide()(lm), width, height, world)
        n = len(lm)
        env = {**self.spec.thresholds, **self.spec.common}
        env.update({name: values.get(name, np.full(n, np.nan)) for name in FEATURE_NAMES})   # no outline here
        for name, expr in self.spec.signals.items():
            if name not in self.spec.stateful:
                env[name] = np.broadcast_to(expr.arrays(env), (n,))
        held = np.broadcast_to(self.spec.posture.arrays(env), (n,))
        return float(np.count_nonzero(held)) / n

    def verdict(self) -> Guidance | None:
        """Guidance when the whole session looks on its side (call it only when nothing was
        counted)."""
        return Guidance(self._t[0], "sideways", MESSAGE) if self._turned() else None
