"""Following one person when several are in view.

MediaPipe's tracker follows one person from frame to frame, but when it loses them its detector
may pick up someone else. While the estimator's crowd check has seen more than one person, a
skeleton that appears far from where the followed person was is taken as somebody else and
dropped (the machines see "no person" rather than another person's reps). If the followed person
stays away for `relock_s`, the one now in view is followed instead."""
from __future__ import annotations

import math

import numpy as np

from formcheck.pose.types import PoseFrame


def hip_centres(landmarks: np.ndarray) -> np.ndarray:
    """(N, 2) mid-hip points of (N, 33, >=2) landmarks (the follower's idea of where a person is)."""
    return (landmarks[:, 23, :2] + landmarks[:, 24, :2]) / 2


class PersonFollower:
    def __init__(self, jump: float = 0.25, crowd_hold_s: float = 6.0, relock_s: float = 3.0,
                 announce_every_s: float = 30.0):
        self.jump, self.crowd_hold_s, self.relock_s = jump, crowd_hold_s, relock_s
        self.announce_every_s = announce_every_s
        self._centre: tuple[float, float] | None = None
        self._crowd_until = -1.0
        self._away_since = None
        self._announced = -1e9

    def __call__(self, pose: PoseFrame) -> tuple[PoseFrame, str | None]:
        """(the frame, without another person's landmarks; a notice to show, if any)."""
        cx = cy = math.nan
        if pose.landmarks is not None:
            cx, cy = hip_centres(pose.landmarks[None])[0].tolist()
        keep, notice = self.step(pose.t, pose.people, pose.landmarks is not None, cx, cy)
        if keep:
            return pose, notice
        return PoseFrame(pose.index, pose.t, pose.width, pose.height, people=pose.people), notice

    def step(self, t: float, people: int, detected: bool, cx: float, cy: float) -> tuple[bool, str | None]:
        """One frame in plain numbers (scoring a file calls this for every frame): (keep the
        skeleton, a notice to show)."""
        notice = None
        centre = (cx, cy) if detected and math.isfinite(cx) and math.isfinite(cy) else None
        if people >= 2:
            self._crowd_until = t + self.crowd_hold_s
            if t - self._announced >= self.announce_every_s:
                self._announced = t
                ref = centre if centre is not None else self._centre
                where = "left" if ref is not None and ref[0] < 0.5 else "right"
                notice = f"{people} people in view: following the person on the {where}"
        if centre is None:
            return True, notice
        if (self._centre is not None and t < self._crowd_until
                and math.hypot(centre[0] - self._centre[0], centre[1] - self._centre[1]) > self.jump):
            if self._away_since is None:
                self._away_since = t
            if t - self._away_since < self.relock_s:
                return False, notice
        self._away_since = None
        self._centre = centre
        return True, notice
