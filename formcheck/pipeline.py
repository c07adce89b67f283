"""The capture loop: frame source -> pose estimator -> session -> sinks."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import cv2

from formcheck.errors import FormcheckError
from formcheck.exercises import load_spec
from formcheck.pose.estimator import PoseEstimator, mask_shape, sha256_of
from formcheck.pose.log import LandmarkLogWriter, LogHeader, read_log
from formcheck.session import Session
from formcheck.sinks.overlay import Overlay
from formcheck.sinks.report import check_writable, write_json_report
from formcheck.sources import CameraSource, VideoFileSource

WINDOW = "formcheck"


@dataclass
class RunOptions:
    exercise: str
    video: str | None = None
    camera: int | str | None = None
    headless: bool = False
    save_video: str | None = None
    record: str | None = None
    report: str | None = None
    model: str | None = None
    config: str | None = None
    quiet: bool = False


def _say(opts: RunOptions, message: str) -> None:
    if not opts.quiet:
        print(message, file=sys.stderr)


def _has_display() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class VideoSink:
    """Writes annotated frames to an .mp4 (opened at the first frame, when its size is known)."""

    def __init__(self, path: str, fps: float):
        self.path, self.fps, self._writer = path, fps, None

    def write(self, image) -> None:
        if self._writer is None:
            h, w = image.shape[:2]
            self._writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (w, h))
            if not self._writer.isOpened():
                raise FormcheckError(f"cannot write video {self.path}")
        self._writer.write(image)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()


def run(opts: RunOptions) -> dict:
    """Run a live or file session. Returns the report dict (also written if opts.report)."""
    spec = load_spec(opts.exercise, opts.config)
    for path, what in ((opts.report, "report"), (opts.record, "landmark log"), (opts.save_video, "video")):
        if path:
            check_writable(path, what)
    if opts.video is not None:
        source = VideoFileSource(opts.video)
    else:
        source = CameraSource(opts.camera if opts.camera is not None else 0)
    show = not opts.headless
    if show and not _has_display():
        _say(opts, "formcheck: no display found; running headless (use --save-video to see the overlay)")
        show = False
    fps = getattr(source, "analysed_fps", source.fps)
    session = Session(spec, source.name, fps)
    overlay = Overlay(spec.title)
    video = VideoSink(opts.save_video, fps) if opts.save_video else None
    log = None
    interrupted = False
    try:
        with PoseEstimator(opts.model) as estimator:
            if opts.record:
                log = LandmarkLogWriter(opts.record, LogHeader(
                    source=source.name, fps=fps, width=source.width, height=source.height,
                    mask_shape=mask_shape(source.width, source.height),
                    model_sha256=sha256_of(estimator.model_path)))
            for frame in source:
                pose = estimator.estimate(frame.index, frame.t, frame.image)
                if log is not None:
                    log.write(pose)
                step = session.step(pose)
                if video is not None or show:
                    image = overlay.draw(frame.image, step.smoothed, step.state)
                    if video is not None:
                        video.write(image)
                    if show:
                        cv2.imshow(WINDOW, image)
                        if cv2.waitKey(1) & 0xFF in (27, ord("q")):
                            break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        source.close()
        if log is not None:
            log.close()
        if video is not None:
            video.close()
        if show:
            cv2.destroyAllWindows()
    report = session.finish()
    if source.stopped_early:
        report["notes"].append(source.stopped_early)
        _say(opts, f"formcheck: {source.stopped_early}")
    if interrupted:
        report["notes"].append("stopped by Ctrl-C")
        _say(opts, "formcheck: stopped by Ctrl-C; session saved")
    if opts.report:
        write_json_report(opts.report, report)
    return report


def record_log(video: str, log_path, model: str | None = None) -> None:
    """Pose inference only: a video file -> landmark log (for eval's cache and batch scoring)."""
    source = VideoFileSource(video)
    fps = source.analysed_fps
    with PoseEstimator(model) as estimator:
        log = LandmarkLogWriter(log_path, LogHeader(
            source=source.name, fps=fps, width=source.width, height=source.height,
            mask_shape=mask_shape(source.width, source.height), model_sha256=sha256_of(estimator.model_path)))
        try:
            for frame in source:
                log.write(estimator.estimate(frame.index, frame.t, frame.image))
        finally:
            log.close()
            source.close()


def score_log(log, exercise: str, config: str | None = None) -> dict:
    """Run one exercise machine over an already-read landmark log."""
    spec = load_spec(exercise, config)
    session = Session(spec, log.header.source, log.header.fps)
    for pose in log.frames():
        session.step(pose)
    report = session.finish()
    if log.problem:
        report["notes"].append(log.problem)
    return report


def replay(log_path: str, exercise: str, report_path: str | None = None, config: str | None = None,
           quiet: bool = False) -> dict:
    """Rescore a landmark log with no video and no model."""
    load_spec(exercise, config)  # a bad exercise or config fails before the log is read
    if report_path:
        check_writable(report_path, "report")
    log = read_log(log_path)
    if log.problem and not quiet:
        print(f"formcheck: {log.problem}", file=sys.stderr)
    report = score_log(log, exercise, config)
    if report_path:
        write_json_report(report_path, report)
    return report
