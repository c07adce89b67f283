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
    """`series=True` keeps every frame's plotted signals for the HTML report (and measures the
    spine outline every 0.2 s for its plot where the exercise itself does not read it); without
    an HTML report neither is done."""

    def __init__(self, spec: Spec, source: str, fps: float, series: bool = False):
        self.spec = spec
        self.smoother = LandmarkSmoother()
        self.extract = FeatureExtractor(with_spine=spec.uses_spine, spine_interval_s=0.2 if series else 0.0)
        self.machine = ExerciseMachine(spec)
        self.report = ReportBuilder(spec.name, source, spec.sides)
        self.report.fps = fps
        self.follow = PersonFollower()
        # Per-frame values of the plotted signals, for the HTML report (NaN while not measurable).
        self.keep_series = series
        self.plot_names = tuple(dict.fromkeys(spec.plot + ("spine_curve",)))
        self.series_t: list[float] = []
        self.series: list[tuple] = []
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
        if self.keep_series:
            self.series_t.append(pose.t)
            if state.guidance is None and features.detected:
                self.series.append(tuple(self.machine.value(n) for n in self.plot_names))
            else:
                self.series.append((float("nan"),) * len(self.plot_names))
        self.report.frame(pose.t, lm is not None)
        for e in events:
            self.report.event(e)
        self._last_t = pose.t
        return Step(pose, smoothed, features, state, events)

    # -- the driver interface the capture loop uses (formcheck.routine.Routine has the same) --
    done = False
    history_mode = None   # stored as "live" or "video", by the source

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def heading(self) -> str:
        return f"formcheck: {self.spec.title}"

    def on_key(self, key: int) -> None:
        pass

    def sections(self, report: dict, thumbnails: dict) -> list:
        from formcheck.sinks.html_report import section_from
        return [section_from(self, report, thumbnails)]

    def history_reports(self, report: dict) -> list[dict]:
        return [report] if report["frames"] else []

    def series_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(t, values[frame, signal]) of `plot_names`."""
        t = np.asarray(self.series_t, dtype=float)
        v = np.asarray(self.series, dtype=float).reshape(len(t), len(self.plot_names))
        return t, v

    def finish(self) -> dict:
        for e in self.machine.finish(self._last_t):
            self.report.event(e)
        return self.report.to_dict()
