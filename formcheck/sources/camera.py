from __future__ import annotations

import threading
import time

import cv2

from formcheck.errors import FormcheckError
from formcheck.sources.base import Frame
from formcheck.sources.video import probe_video


class CameraSource:
    """A live camera read on its own thread; iteration always returns the newest frame.

    Frames that arrive while the consumer is busy are dropped (counted in `dropped`), so latency
    never builds up. `device` is a camera index, or a video file path that is played back at its
    own frame rate as a stand-in camera (used by tests and the benchmark: no machine here has one).
    The stream ends when the camera stops delivering frames for `stall_s` seconds.

    Reading starts when the frames are first asked for, not when the camera is opened, so the
    seconds the model takes to load cost no frames: a stand-in camera plays the whole file, as a
    person starts once the app is watching (on a busy machine its first rep was lost before)."""

    live = True

    def __init__(self, device: int | str, stall_s: float = 2.0, play_fps: float | None = None):
        self.stall_s = stall_s
        self.stopped_early: str | None = None
        if isinstance(device, int):
            self.name = f"camera:{device}"
            cap = cv2.VideoCapture(device)
            ok = cap.isOpened() and cap.read()[0]
            if not ok:
                cap.release()
                raise FormcheckError(f"camera {device} not found or not delivering frames (try --camera N)")
        else:
            self.name = f"camera:{device}"
            cap = probe_video(device)
        self._cap = cap
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 1.0 <= fps <= 240.0 else 30.0
        if play_fps and not isinstance(device, int):
            self.fps = play_fps  # a stand-in camera offering the file's frames at another rate
        self._pace = None if isinstance(device, int) else 1.0 / self.fps
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.offered = 0     # frames the camera delivered
        self.dropped = 0     # frames replaced by a newer one before anyone took them
        self._latest: Frame | None = None
        self._cond = threading.Condition()
        self._ended = False
        self._stop = threading.Event()
        self._t0 = 0.0
        self._thread = threading.Thread(target=self._run, name="formcheck-camera", daemon=True)

    def _run(self) -> None:
        index = 0
        next_due = time.perf_counter()
        while not self._stop.is_set():
            if self._pace is not None:  # stand-in camera: deliver at the file's frame rate
                delay = next_due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                next_due += self._pace
            ok, image = self._cap.read()
            if not ok:
                break
            now = time.perf_counter()
            frame = Frame(index, now - self._t0, image, now)
            index += 1
            with self._cond:
                if self._latest is not None:
                    self.dropped += 1
                self._latest = frame
                self.offered += 1
                self._cond.notify()
        with self._cond:
            self._ended = True
            self._cond.notify()

    def __iter__(self):
        self._t0 = time.perf_counter()
        self._thread.start()
        last_t = time.perf_counter()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._latest is not None or self._ended, timeout=self.stall_s)
                frame, self._latest = self._latest, None
                ended = self._ended
            if frame is not None:
                last_t = time.perf_counter()
                yield frame
                continue
            if ended:
                if self._pace is None:  # a real camera never ends by itself
                    self.stopped_early = f"{self.name} stopped delivering frames; session saved"
                break
            if time.perf_counter() - last_t >= self.stall_s:
                self.stopped_early = (f"{self.name} delivered no frame for {self.stall_s:.0f} s; "
                                      "stopped and saved the session")
                break
        self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)
        self._cap.release()
