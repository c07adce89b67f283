"""Everything after the pose estimator, identical for live, file and replay runs:
PoseFrame -> smoothing -> features -> exercise machine -> events."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.events import Guidance, MachineState
from formcheck.exercises import ExerciseMachine, Spec
from formcheck.features import FeatureExtractor, Features, LandmarkSmoother
from formcheck.pose.follow import PersonFollower
from formcheck.pose.types import PoseFrame
from formcheck.sinks.report import ReportBuilder


@dataclass
class Step:
    pose: PoseFrame
    smoothed: np.ndarray | None
    features: Features
    state: MachineState
    events: list


class Session:
    def __init__(self, spec: Spec, source: str, fps: float):
        self.spec = spec
        self.smoother = LandmarkSmoother()
        self.extract = FeatureExtractor(with_spine=spec.uses_spine)
        self.machine = ExerciseMachine(spec)
        self.report = ReportBuilder(spec.name, source, spec.sides)
        self.report.fps = fps
        self.follow = PersonFollower()
        self._last_t = 0.0
        self._notice_until = -1.0

    def step(self, pose: PoseFrame) -> Step:
        pose, notice = self.follow(pose)
        lm = pose.landmarks
        if lm is not None and not np.isfinite(lm[[11, 12, 23, 24], :2]).all():
            lm = None  # a damaged frame (NaN torso) counts as no person rather than a wild skeleton
        smoothed = self.smoother(pose.t, lm)
        features = self.extract(pose, smoothed)
        state, events = self.machine.update(features)
        if notice:  # said, not a set-up problem: counting goes on
            events = events + [Guidance(pose.t, "more_people", notice)]
            state.extra["notice"] = notice
            self._notice_until = pose.t + 4.0
        elif pose.t > self._notice_until:
            state.extra.pop("notice", None)
        self.report.frame(pose.t, lm is not None)
        for e in events:
            self.report.event(e)
        self._last_t = pose.t
        return Step(pose, smoothed, features, state, events)

    def finish(self) -> dict:
        for e in self.machine.finish(self._last_t):
            self.report.event(e)
        return self.report.to_dict()
