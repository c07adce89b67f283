from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import FormcheckError
from formcheck.native import quiet_native_stderr
from formcheck.sources.base import Frame


def plain_name(path):
    """(a name OpenCV can take for `path`, the temporary folder to remove afterwards or None).
    OpenCV crashes on a name that is not UTF-8 (`caf\\xe9.mp4` from an old disk or a Windows
    share): such a file gets a plain-named symlink to it in a temporary folder."""
    name = str(path)
    try:
        name.encode("utf-8")
        return name, None
    except UnicodeEncodeError:
        import tempfile
        tmp = tempfile.TemporaryDirectory(prefix="formcheck-name-")
        link = os.path.join(tmp.name, "video" + "".join(c for c in Path(name).suffix if c.isascii()))
        os.symlink(os.fsencode(os.path.abspath(name)), link)
        return link, tmp


def open_capture(path) -> cv2.VideoCapture:
    """cv2.VideoCapture of a file, also when its name is not UTF-8 (through `plain_name`'s
    symlink, removed once FFmpeg has the file open)."""
    name, tmp = plain_name(path)
    try:
        return cv2.VideoCapture(name)
    finally:
        if tmp is not None:
            tmp.cleanup()


def probe_video(path: str | os.PathLike) -> cv2.VideoCapture:
    """Open a video file or raise a one-line FormcheckError saying what is wrong with it."""
    p = Path(path)
    if not p.exists():
        raise FormcheckError(f"video not found: {p}")
    if not p.is_file():
        raise FormcheckError(f"not a file: {p}")
    with quiet_native_stderr():  # FFmpeg prints its own diagnosis ("moov atom not found") on fd 2
        cap = open_capture(p)
        ok = cap.isOpened() and cap.read()[0]
    if not cap.isOpened():
        raise FormcheckError(f"cannot read {p} as a video (unknown or damaged format)")
    if not ok:
        cap.release()
        raise FormcheckError(f"{p} has no decodable frames")
    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
    return cap


class VideoFileSource:
    """Frames of a video file, as fast as they are asked for, each at its time in the container.

    Phones record at a variable frame rate: a frame's time is its presentation timestamp
    (`CAP_PROP_POS_MSEC` after decoding it), measured from the first frame, not index / average
    fps (which stretched and shrank 10.9-second holds to 7.7 and 15.4 s). Where the container
    gives no usable time (none, or not after the last frame's), the frame is placed one average
    frame period after the last one.

    A file that stops decoding early (truncated, corrupt) ends the iteration there and sets
    `stopped_early` to say at which frame and second, so that what did decode is still scored."""

    live = False

    def __init__(self, path: str | os.PathLike, max_fps: float = 30.0, augment=None):
        self.augment = augment    # an Augmentation (sources/augment.py) for robustness checks
        self.path = Path(path)
        self.name = str(path)
        self._cap = probe_video(self.path)
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 1.0 <= fps <= 1000.0 else 30.0
        self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.expected_frames = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.stopped_early: str | None = None
        # Exercise movements need no more than 30 frames a second; a 60 fps file is analysed at
        # every other frame (the skipped ones are only grabbed, not decoded to pixels).
        self.stride = max(1, int(round(self.fps / max_fps))) if max_fps else 1
        self.analysed_fps = self.fps / self.stride
        if augment is not None and augment.image is not None:   # the augmented picture's size
            self.height, self.width = augment.image(np.zeros((self.height, self.width, 3), np.uint8)).shape[:2]

    def __iter__(self):
        index = 0
        first_ms = None
        t = -1.0 / self.fps
        while True:
            if index % self.stride or (self.augment and self.augment.keep and not self.augment.keep(index)):
                ok = self._cap.grab()
                image = None
            else:
                ok, image = self._cap.read()
            if not ok:
                break
            if image is not None:
                ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
                if first_ms is None:
                    first_ms = ms if ms == ms else 0.0
                t = self._frame_time(ms, first_ms, t)
                if self.augment is not None and self.augment.image is not None:
                    image = self.augment.image(image)
                yield Frame(index, t, image, time.perf_counter())
            index += 1
        # Containers often over-state the count by a frame or two; a real shortfall means damage.
        if self.expected_frames and index < self.expected_frames - 2:
            self.stopped_early = (
                f"{self.path} stopped decoding at frame {index} of {self.expected_frames} "
                f"({max(t, 0.0):.1f} s); scored what decoded")
        self.close()

    def _frame_time(self, ms: float, first_ms: float, last_t: float) -> float:
        """Seconds from the first frame of the frame whose timestamp is `ms` (see the class
        docstring); `last_t` is the previous frame's (-1 period before the first)."""
        t = (ms - first_ms) / 1000.0 if ms == ms else -1.0
        return t if last_t < t < last_t + 60.0 else last_t + 1.0 / self.fps

    def close(self) -> None:
        self._cap.release()
