from __future__ import annotations

import os
import time
from pathlib import Path

import cv2

from formcheck.errors import FormcheckError
from formcheck.native import quiet_native_stderr
from formcheck.sources.base import Frame


def probe_video(path: str | os.PathLike) -> cv2.VideoCapture:
    """Open a video file or raise a one-line FormcheckError saying what is wrong with it."""
    p = Path(path)
    if not p.exists():
        raise FormcheckError(f"video not found: {p}")
    if not p.is_file():
        raise FormcheckError(f"not a file: {p}")
    with quiet_native_stderr():  # FFmpeg prints its own diagnosis ("moov atom not found") on fd 2
        cap = cv2.VideoCapture(str(p))
        ok = cap.isOpened() and cap.read()[0]
    if not cap.isOpened():
        raise FormcheckError(f"cannot read {p} as a video (unknown or damaged format)")
    if not ok:
        cap.release()
        raise FormcheckError(f"{p} has no decodable frames")
    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
    return cap


class VideoFileSource:
    """Frames of a video file, as fast as they are asked for; t = index / fps.

    A file that stops decoding early (truncated, corrupt) ends the iteration there and sets
    `stopped_early` to say at which frame and second, so that what did decode is still scored."""

    live = False

    def __init__(self, path: str | os.PathLike, max_fps: float = 30.0):
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

    def __iter__(self):
        index = 0
        while True:
            if index % self.stride:
                ok = self._cap.grab()
                image = None
            else:
                ok, image = self._cap.read()
            if not ok:
                break
            if image is not None:
                yield Frame(index, index / self.fps, image, time.perf_counter())
            index += 1
        # Containers often over-state the count by a frame or two; a real shortfall means damage.
        if self.expected_frames and index < self.expected_frames - 2:
            self.stopped_early = (
                f"{self.path} stopped decoding at frame {index} of {self.expected_frames} "
                f"({index / self.fps:.1f} s); scored what decoded")
        self.close()

    def close(self) -> None:
        self._cap.release()
