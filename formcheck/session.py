"""Everything after the pose estimator, identical for live, file and replay runs:
PoseFrame -> smoothing -> features -> exercise machine -> events."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.events import Guidance, MachineState, RepCounted
from formcheck.exercises import ExerciseMachine, Spec
from formcheck.exercises.engine import FEATURE_NAMES, guidance_code
from formcheck.exercises.sideways import SidewaysCheck
from formcheck.features import FeatureExtractor, Features, LandmarkSmoother
from formcheck.features.extract import USED, feature_arrays, outline_arrays, outline_view
from formcheck.features.smoothing import seen_scores, torso_found
from formcheck.features.spine import MaskStack
from formcheck.pose.follow import PersonFollower, hip_centres
from formcheck.pose.log import FLAG_MASK, FLAG_POSE
from formcheck.pose.types import PoseFrame
from formcheck.sinks.report import ReportBuilder

CHUNK = 128   # frames whose features are computed at once (bounds the outline's grids: ~12 MB)


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
        self.sideways = SidewaysCheck(spec)
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
        self._sideways_said = False   # the live "on its side" guidance is said once a session

    def _say_sideways(self, turned: Guidance | None, counted: bool) -> bool:
        """Whether the live "on its side" guidance is said now (the first one while nothing has
        been counted)."""
        if turned is None or counted or self._sideways_said:
            return False
        self._sideways_said = True
        return True

    def step(self, pose: PoseFrame) -> Step:
        pose, notice = self.follow(pose)
        lm = pose.landmarks
        if lm is not None and not torso_found(lm):
            lm = None
        smoothed = self.smoother(pose.t, lm)
        turned = None
        if lm is not None:
            turned = self.sideways.add(pose.t, smoothed, pose.width, pose.height, pose.world)
        features = self.extract(pose, smoothed)
        state, events = self.machine.update(features)
        if notice:  # said, not a set-up problem: counting goes on
            events = events + [Guidance(pose.t, "more_people", notice)]
        said_turned = self._say_sideways(turned, state.reps > 0)
        if said_turned:
            events = events + [turned]
        if self._sideways_said or state.reps > 0:   # a later verdict would not be said: no more checks (~3 ms each)
            self.sideways.live_checks = False
        shown = notice or (turned.message if said_turned else None)
        if shown:
            state.extra["notice"] = shown
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

    def run_log(self, log, bar=None) -> None:
        """Every frame of a landmark log at once: what `step` does frame by frame, with the
        features and the spec's expressions computed over arrays of frames and only the state
        (side, smoothing, positions, holds, warnings) stepped frame by frame. Same report."""
        rec = log.records
        n = len(rec)
        if not n:
            return
        t = rec["t"].astype(np.float64)
        flags = rec["flags"].astype(np.int64)
        people = (flags >> 8) & 0xFF
        raw = rec["landmarks"]
        present = (flags & FLAG_POSE) != 0
        notices: dict[int, str] = {}
        live_turned: dict[int, Guidance] = {}
        if (people >= 2).any():   # the follower only acts once a crowd was seen: frame by frame
            centres = hip_centres(raw).tolist()
            for i, (ti, k, seen, (cx, cy)) in enumerate(zip(t.tolist(), people.tolist(), present.tolist(), centres)):
                keep, notice = self.follow.step(ti, k, seen, cx, cy)
                present[i] = seen and keep
                if notice:
                    notices[i] = notice
        present &= torso_found(raw)
        idx = np.flatnonzero(present)
        t_list = t.tolist()
        features = {name: np.full(n, np.nan) for name in FEATURE_NAMES}
        masks = MaskStack(rec["mask"], log.header.mask_shape)
        has_mask = (flags & FLAG_MASK) != 0
        for lo in range(0, len(idx), CHUNK):
            rows = idx[lo:lo + CHUNK]
            used = raw[rows][:, USED]
            lm = np.zeros((len(rows), 33, 5))
            lm[:, USED, :3] = self.smoother.run([t_list[i] for i in rows], used[:, :, :3].astype(np.float64), USED)
            lm[:, USED, 3:] = seen_scores(used[:, :, 3:])
            right = self.extract.near_side(lm)
            world = rec["world"][rows].reshape(len(rows), 33, 3).astype(np.float64)
            for j, row in enumerate(rows.tolist()):
                turned = self.sideways.add(t_list[row], lm[j], log.header.width, log.header.height, world[j])
                if turned is not None:
                    live_turned[row] = turned
            v = feature_arrays(lm, right, log.header.width, log.header.height, world)
            self.extract.view.arrays([t_list[i] for i in rows.tolist()], v)
            measurable = has_mask[rows] & (v["torso_px"] >= 1e-6) & outline_view(v["shoulder_width"])
            due = self.extract.spine_due(t[rows], measurable)
            v["back_height"], v["spine_curve"] = outline_arrays(lm, right, masks, np.where(due, rows, -1))
            for name, values in v.items():
                features[name][rows] = values
            if bar is not None:
                bar.update(len(rows))
        common = self.spec.common
        raw_guidance = [guidance_code(*frame, common) for frame in zip(
            present.tolist(), *(features[k].tolist() for k in ("in_frame", "shoulder_width", "hip_width")))]
        events, paused, arrays = self.machine.run(t_list, raw_guidance, features)
        counted = False
        for i in range(n):
            self.report.frame(t_list[i], present[i])
            for e in events[i]:
                self.report.event(e)
                counted = counted or isinstance(e, RepCounted)
            if i in notices:
                self.report.event(Guidance(t_list[i], "more_people", notices[i]))
            if self._say_sideways(live_turned.get(i), counted):
                self.report.event(live_turned[i])
        self._last_t = t_list[-1]
        if self.keep_series:
            shown = present & ~np.asarray(paused)
            self.series_t = t_list
            self.series = np.stack([np.where(shown, arrays[name].astype(float), np.nan)
                                    for name in self.plot_names], axis=1)
        if bar is not None:
            bar.update(n - len(idx))

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

    def history_reports(self, report: dict) -> list[tuple[dict, float]]:
        """(report, seconds from the session's start to its own) for each session to store."""
        return [(report, 0.0)] if report["frames"] else []

    def series_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(t, values[frame, signal]) of `plot_names`."""
        t = np.asarray(self.series_t, dtype=float)
        v = np.asarray(self.series, dtype=float).reshape(len(t), len(self.plot_names))
        return t, v

    def finish(self) -> dict:
        for e in self.machine.finish(self._last_t):
            self.report.event(e)
        if not self.machine.state.reps and not self._sideways_said:   # nothing counted: a picture on its side would be why
            turned = self.sideways.verdict()
            if turned is not None:
                self.report.event(turned)
        return self.report.to_dict()
