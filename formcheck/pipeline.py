"""The capture loop: frame source -> pose estimator -> session -> sinks."""
from __future__ import annotations

import datetime
import os
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import cv2

from formcheck import interrupts
from formcheck.errors import FormcheckError
from formcheck.events import FormWarning
from formcheck.history import first_run_note, save_session
from formcheck.exercises import load_spec
from formcheck.pose.estimator import PoseEstimator, mask_shape, model_sha256
from formcheck.pose.stream import estimate_stream
from formcheck.pose.log import LandmarkLogWriter, LogHeader, read_log
from formcheck.session import Session
from formcheck.sinks.overlay import Overlay
from formcheck.sinks.html_report import is_html, thumbnail, write_html_report
from formcheck.sinks.report import check_outputs, check_writable, write_json_report
from formcheck.sinks.voice import make_coach
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
    report: str | list[str] | None = None   # .json and/or .html paths
    model: str | None = None
    config: str | None = None
    quiet: bool = False
    mute: bool = False                      # no spoken cues (they are only spoken live)
    history: bool = True                    # store the session in the history database
    overwrite: bool = False                 # --overwrite: an existing recording may be replaced
    voice: object | None = None             # a VoiceCoach to use instead of the system's (tests)
    threads: bool = True                    # inference on its own thread (batch workers: False)


def report_paths(report) -> list[str]:
    if not report:
        return []
    return [report] if isinstance(report, (str, os.PathLike)) else list(report)


def write_reports(paths: list[str], report: dict, sections, heading: str) -> None:
    for path in paths:
        if is_html(path):
            write_html_report(path, sections(), heading)
        else:
            write_json_report(path, report)


def progress(total: int | None, quiet: bool, what: str):
    """A progress bar on stderr when it is a terminal (files only: a live session has no end)."""
    from tqdm import tqdm
    return tqdm(total=total or None, unit=what, disable=quiet or not sys.stderr.isatty(), leave=False,
                dynamic_ncols=True)


def _say(opts: RunOptions, message: str) -> None:
    if not opts.quiet:
        print(message, file=sys.stderr)


def _has_display() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class Window:
    """The live window: resizable (keeping the picture's aspect), without OpenCV's toolbar and
    status bar, opened as large as fits a 1280x720 screen (OpenCV cannot tell the screen's size;
    a 640x480 camera opens at 960x720, a portrait phone video at 405x720), `f` toggling full
    screen. Closing it with its X button ends the session as
    q does: OpenCV would otherwise open a new window at the next frame and run on."""

    def __init__(self, name: str = WINDOW):
        self.name, self._made, self._full = name, False, False

    def show(self, image) -> bool:
        """Show a frame; False when the user has closed the window."""
        if not self._made:
            cv2.namedWindow(self.name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
            h, w = image.shape[:2]
            scale = min(1280 / w, 720 / h)   # fits a 1280x720 screen or larger, landscape or portrait
            cv2.resizeWindow(self.name, round(w * scale), round(h * scale))
            self._made = True
        elif not self._open():
            return False
        cv2.imshow(self.name, image)
        return True

    def _open(self) -> bool:
        try:
            return cv2.getWindowProperty(self.name, cv2.WND_PROP_VISIBLE) >= 1
        except cv2.error:   # Qt: the window is gone ("NULL guiReceiver")
            return False

    def toggle_fullscreen(self) -> None:
        self._full = not self._full
        cv2.setWindowProperty(self.name, cv2.WND_PROP_FULLSCREEN,
                              cv2.WINDOW_FULLSCREEN if self._full else cv2.WINDOW_NORMAL)


class VideoSink:
    """Writes annotated frames to a video (opened at the first frame, when its size is known):
    `.webm` as VP8, any other name as H.264 or else MPEG-4 Part 2 (`codecs`).

    OpenCV's writer says nothing when the disk fills (it warns on the native stderr, which
    formcheck keeps off the terminal), so the file's growth is watched: a file that has not grown
    over GROWTH_FRAMES frames has stopped, and the session is told once (`failed`) and goes on."""

    GROWTH_FRAMES = 90
    # H.264 plays in every browser; this OpenCV build (opencv-contrib-python 4.x/5.x wheels) has
    # no H.264 encoder. Its FFmpeg does have libvpx: VP8 in WebM plays in browsers too, but costs
    # ~10-13 ms a 640x480 frame here (VP9: ~90, more than inference; MPEG-4 Part 2: ~2). So a
    # `.webm` name asks for VP8 and pays that; any other name gets H.264 where OpenCV has it,
    # else MPEG-4 Part 2, which VLC and players play but browsers do not, and the user is told
    # once how to get one that a browser plays.
    CODECS = ("avc1", "mp4v")
    WEBM_CODECS = ("VP80",)

    def codecs(self) -> tuple[str, ...]:
        return self.WEBM_CODECS if self.path.lower().endswith(".webm") else self.CODECS

    def __init__(self, path: str, fps: float):
        self.path, self.fps, self._writer = path, fps, None
        self.failed: str | None = None
        self.note: str | None = None   # said once: the codec fallback
        self._frames = 0
        self._size = (0, 0)   # (bytes, at frame)

    def write(self, image, t: float | None = None) -> None:
        """Write a frame shown at `t` seconds: a frame that stands for dropped ones (a live
        session falling behind its camera) is repeated, so that the video runs at the session's
        real speed, not faster."""
        if self.failed:
            return
        if self._writer is None:
            h, w = image.shape[:2]
            name = self._opencv_name()
            codecs = self.codecs()
            for codec in codecs:
                self._writer = cv2.VideoWriter(name, cv2.VideoWriter_fourcc(*codec), self.fps, (w, h))
                if self._writer.isOpened():
                    break
            if not self._writer.isOpened():
                raise FormcheckError(f"cannot write video {self.path}")
            if codec != codecs[0]:
                self.note = (f"{self.path}: this OpenCV has no H.264 encoder, so the video is MPEG-4 Part 2: VLC "
                             f"plays it; for a browser, save it as .webm (VP8) or: ffmpeg -i {self.path} -c:v libx264 out-h264.mp4")
        copies = 1 if t is None else max(1, round(t * self.fps) + 1 - self._frames)
        for _ in range(copies):
            self._writer.write(image)
            self._frames += 1
        if self._frames % 30 < copies:
            try:
                size = os.path.getsize(self.path)
            except OSError:
                size = 0
            if size > self._size[0]:
                self._size = (size, self._frames)
            elif self._frames - self._size[1] >= self.GROWTH_FRAMES:
                self.failed = (f"the video {self.path} stopped growing after {self._size[1]} frames (a full disk?); "
                               "it is incomplete; the session goes on")
                self.close()

    def _opencv_name(self) -> str:
        """The name OpenCV writes to: the path, or for a name that is not UTF-8 a plain-named
        symlink to it (`plain_name`), kept until the writer is released."""
        from formcheck.sources.video import plain_name
        name, self._link_dir = plain_name(self.path)
        if self._link_dir is not None:
            open(self.path, "wb").close()
        return name

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        if getattr(self, "_link_dir", None) is not None:
            self._link_dir.cleanup()
            self._link_dir = None


def run(opts: RunOptions) -> dict:
    """Run a live or file session. Returns the report dict (also written to each opts.report)."""
    spec = load_spec(opts.exercise, opts.config)
    return run_driver(opts, lambda source, fps, series: Session(spec, source, fps, series))


def run_driver(opts: RunOptions, make_driver) -> dict:
    """The capture loop: source -> estimator -> driver (a Session, or a Routine of them) -> sinks."""
    reports = report_paths(opts.report)
    outputs = [(p, "report") for p in reports] + [(opts.record, "landmark log"), (opts.save_video, "video")]
    stand_in = opts.camera if isinstance(opts.camera, str) else None
    check_outputs([opts.video, stand_in, opts.config, opts.model], outputs, opts.overwrite)
    for path, what in outputs:
        if path:
            check_writable(path, what)
    if opts.video is not None:
        source = VideoFileSource(opts.video)
    else:
        source = CameraSource(opts.camera if opts.camera is not None else 0)
    show = not opts.headless
    if show and not _has_display():
        if opts.video is None and not opts.save_video:   # a file scored without a window is the usual case
            _say(opts, "formcheck: no display found; running headless (use --save-video to see the overlay)")
        show = False
    started = datetime.datetime.now()
    note = first_run_note() if not opts.quiet else None
    if note:
        _say(opts, note)
    live = opts.video is None
    voice = opts.voice if opts.voice is not None else (make_coach(opts.mute, opts.quiet) if live else None)
    want_thumbs = any(is_html(p) for p in reports)   # thumbnails and the plots' series
    fps = getattr(source, "analysed_fps", source.fps)
    session = make_driver(source.name, fps, want_thumbs)
    overlay = Overlay(session.title)
    video = VideoSink(opts.save_video, fps) if opts.save_video else None
    thumbs: dict = {}
    log = None
    interrupted = False
    output_problems: list[str] = []   # an output that failed mid-session (a full disk): said once, noted in the report

    def said_once(problem: str | None) -> None:
        if problem and problem not in output_problems:
            output_problems.append(problem)
            _say(opts, f"formcheck: {problem}")
    window = Window() if show else None
    t_first = None   # the first frame's time: a live session's saved video counts from it
    bar = progress(getattr(source, "expected_frames", None) if not live else None, opts.quiet or live, "frame")
    try:
        with PoseEstimator(opts.model, threads=opts.threads) as estimator:
            if opts.record:
                log = LandmarkLogWriter(opts.record, LogHeader(
                    source=source.name, fps=fps, width=source.width, height=source.height,
                    mask_shape=mask_shape(source.width, source.height),
                    model_sha256=model_sha256(estimator.model_path)))
            # closing() stops the inference thread before the estimator closes
            with closing(estimate_stream(estimator, source, threaded=opts.threads)) as poses:
                for frame, pose in poses:
                    if t_first is None:
                        t_first = frame.t
                    if log is not None:
                        log.write(pose)
                        said_once(log.failed)
                    step = session.step(pose)
                    warned = want_thumbs and any(isinstance(e, FormWarning) for e in step.events)
                    if video is not None or show or warned:
                        overlay.title = session.title
                        image = overlay.draw(frame.image, step.smoothed, step.state)
                        if warned:
                            jpg = thumbnail(image)
                            for e in step.events:
                                if isinstance(e, FormWarning):
                                    thumbs[(round(e.t, 3), e.code)] = jpg
                        if video is not None:
                            if video.note:
                                _say(opts, f"formcheck: {video.note}")
                                video.note = None
                            video.write(image, frame.t - t_first if live else None)
                            said_once(video.failed)
                        if show:
                            if not window.show(image):   # closed with its X button: ends like q
                                break
                            key = cv2.waitKey(1) & 0xFF
                            if key in (27, ord("q")):
                                break
                            if key == ord("f"):
                                window.toggle_fullscreen()
                            session.on_key(key)
                    if voice is not None:
                        voice(pose.t, step.events, step.state)
                    bar.update(source.stride if hasattr(source, "stride") else 1)
                    if session.done:
                        break
                    if interrupts.requested():   # a Ctrl-C whose KeyboardInterrupt a finaliser swallowed
                        interrupted = True
                        break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        interrupts.shield()   # a second Ctrl-C cannot cut the final writes short (unshielded at the end)
        try:
            bar.close()
            source.close()
            if log is not None:
                log.close()
            if video is not None:
                video.close()
            if voice is not None:
                voice.close()
            if show:
                cv2.destroyAllWindows()
        finally:
            if sys.exc_info()[1] is not None:   # an error on its way out: no final writes follow
                interrupts.unshield()
    try:
        return _finish_session(opts, session, source, reports, thumbs, started, live, interrupted, output_problems)
    finally:
        interrupts.unshield()


def _finish_session(opts, session, source, reports, thumbs, started, live, interrupted, output_problems) -> dict:
    report = session.finish()
    report["notes"].extend(output_problems)
    if source.stopped_early:
        report["notes"].append(source.stopped_early)
        _say(opts, f"formcheck: {source.stopped_early}")
    if interrupted:
        report["notes"].append("stopped by Ctrl-C")
        _say(opts, "formcheck: stopped by Ctrl-C; session saved" if opts.history else "formcheck: stopped by Ctrl-C; report written")
    try:
        write_reports(reports, report, lambda: session.sections(report, thumbs), session.heading)
    except FormcheckError as err:   # a report that cannot be written does not keep the session from the history
        unwritten = err
    else:
        unwritten = None
    if opts.history:
        mode = session.history_mode or ("live" if live else "video")
        stored = session.history_reports(report)
        problems = [p for p in (save_session(rep, mode, started + datetime.timedelta(seconds=offset))
                                for rep, offset in stored) if p]   # every exercise of a routine, each at its own start
        if problems:
            more = f" (and {len(problems) - 1} more of this routine's exercises, beside it)" if len(problems) > 1 else ""
            print(f"formcheck: {problems[0]}{more}", file=sys.stderr)
    if unwritten is not None:
        stored = " (the session is in the history)" if opts.history else ""
        raise FormcheckError(f"{unwritten}{stored}")
    return report


def record_log(video: str, log_path, model: str | None = None, threads: bool = True,
               augment: str | None = None, name: str | None = None) -> str | None:
    """Pose inference only: a video file -> landmark log (for eval's cache and batch scoring),
    of the video as it is or augmented (`sources/augment.py`). Returns why the video ended
    early (a note for the report), if it did. `name`: the video's name in the log, if not `video`
    (a URL's temporary local copy)."""
    from formcheck.sources.augment import augmentation
    source = VideoFileSource(video, augment=augmentation(augment) if augment else None)
    if name:
        source.name = name
    fps = source.analysed_fps
    with PoseEstimator(model, threads=threads) as estimator:
        log = LandmarkLogWriter(log_path, LogHeader(
            source=source.name, fps=fps, width=source.width, height=source.height,
            mask_shape=mask_shape(source.width, source.height), model_sha256=model_sha256(estimator.model_path)))
        try:
            with closing(estimate_stream(estimator, source, threaded=threads)) as poses:
                for _, pose in poses:
                    log.write(pose)
        finally:
            log.close()
            source.close()
    if log.failed:   # a batch or the eval cache must not score a log cut short by a full disk as the whole video
        Path(log_path).unlink(missing_ok=True)
        raise FormcheckError(f"cannot write the landmark log in {Path(log_path).parent}: {log.error}; "
                             f"{source.name} was not scored")
    return source.stopped_early


def score_session(log, spec, series: bool = False, bar=None) -> tuple[Session, dict]:
    """Run one exercise machine over an already-read landmark log: (the session, its report)."""
    session = Session(spec, log.header.source, log.header.fps, series)
    session.run_log(log, bar)
    report = session.finish()
    if log.problem:
        report["notes"].append(log.problem)
    return session, report


def score_log(log, exercise: str, config: str | None = None) -> dict:
    """The report of one exercise over an already-read landmark log (eval, benchmarks)."""
    return score_session(log, load_spec(exercise, config))[1]


def replay(log_path: str, exercise: str, report_path=None, config: str | None = None,
           quiet: bool = False) -> dict:
    """Rescore a landmark log with no video and no model (HTML reports get no thumbnails)."""
    spec = load_spec(exercise, config)  # a bad exercise or config fails before the log is read
    reports = report_paths(report_path)
    check_outputs([log_path, config], [(p, "report") for p in reports])
    for path in reports:
        check_writable(path, "report")
    log = read_log(log_path)
    if log.problem and not quiet:
        print(f"formcheck: {log.problem}", file=sys.stderr)
    with progress(len(log), quiet, "frame") as bar:
        session, report = score_session(log, spec, series=any(is_html(p) for p in reports), bar=bar)
    write_reports(reports, report, lambda: session.sections(report, {}), session.heading + " (replay)")
    return report
