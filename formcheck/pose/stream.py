"""Pose inference on its own thread, one frame ahead of everything after it.

MediaPipe's inference runs on one core and releases the GIL while it works; decoding (OpenCV)
does too. So a worker thread pulls frames from the source and runs the estimator while the main
thread smooths, extracts features, runs the machine and draws, writes and shows the previous
frame. Per frame the loop then costs max(inference, the rest) instead of their sum.

Order and results are exactly those of a plain loop: one worker, frames in order, VIDEO mode.
At most `depth` results wait: a slow consumer makes the worker wait (a file loses nothing), and
the live camera source keeps only its newest frame meanwhile, so latency cannot build up.
"""
from __future__ import annotations

import queue
import threading

_END = object()


class _Failed:
    def __init__(self, err: BaseException):
        self.err = err


def estimate_plain(estimator, frames):
    """The same stream on the calling thread (batch workers: there, processes use the cores)."""
    for frame in frames:
        yield frame, estimator.estimate(frame.index, frame.t, frame.image)


def estimate_stream(estimator, frames, depth: int = 1, threaded: bool = True):
    """Yield (frame, PoseFrame) for each frame of the iterable `frames`, estimated on a thread."""
    if not threaded:
        yield from estimate_plain(estimator, frames)
        return
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for frame in frames:
                pose = estimator.estimate(frame.index, frame.t, frame.image)
                if not put((frame, pose)):
                    return
            put(_END)
        except BaseException as err:  # handed to the consumer, raised there
            put(_Failed(err))

    worker = threading.Thread(target=work, name="formcheck-pose", daemon=True)
    worker.start()
    try:
        while True:
            item = out.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.err
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)
