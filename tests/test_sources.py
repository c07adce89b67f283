"""Frame sources: file timestamps, and the live camera that never builds up latency."""
import time

import pytest

from conftest import sample
from formcheck.errors import FormcheckError
from formcheck.sources import CameraSource, VideoFileSource


def test_file_timestamps_come_from_the_file():
    src = VideoFileSource(sample("superman_good"))
    frames = [f for _, f in zip(range(30), src)]
    src.close()
    assert [f.index for f in frames] == list(range(30))
    assert frames[15].t == pytest.approx(15 / src.fps)


def test_live_camera_hands_over_the_newest_frame_and_drops_stale_ones():
    """A consumer slower than the camera (here 2.5 frame periods per frame) gets fresh frames:
    the ones it could not take are dropped, never queued."""
    cam = CameraSource(str(sample("superman_good")))
    period = 1.0 / cam.fps
    ages, got = [], []
    for frame in cam:
        ages.append(time.perf_counter() - frame.captured_at)
        got.append(frame.index)
        time.sleep(2.5 * period)
        if len(got) == 12:
            break
    cam.close()
    assert max(ages) < 1.5 * period            # each frame handed over is at most ~one period old
    assert got == sorted(got) and len(set(got)) == len(got)
    assert got[-1] - got[0] >= 2 * (len(got) - 1)  # the source ran on: frames in between were dropped
    assert cam.dropped > 0


def test_camera_that_does_not_exist_is_a_clear_error():
    with pytest.raises(FormcheckError, match="camera 57 not found"):
        CameraSource(57)


def test_stand_in_camera_ends_with_the_file_and_says_nothing_is_wrong():
    cam = CameraSource(str(sample("superman_good")))
    n = sum(1 for _ in cam)
    assert n > 0 and cam.stopped_early is None
