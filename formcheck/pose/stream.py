"""Pose inference on its own thread, one frame ahead of everything after it.

A worker thread pulls frames from the source (decoding) and runs the estimator while the main
thread smooths, extracts features, runs the machine and draws, writes and shows the previous
frame. MediaPipe releases the GIL for only part of `detect_for_video`, so the overlap is partial:
measured with 10 ms of Python per frame beside it, 26.8 ms/frame threaded against 30.2 ms in one
thread (the ideal would be the 20 ms of inference). With formcheck's ~1 ms of post-processing it
saves ~1 ms a frame; the live camera gains more from the two-people check, which the estimator
runs on a third thread.

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
