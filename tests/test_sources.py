"""Frame sources: file timestamps, and the live camera that never builds up latency."""
import fractions
import time

import cv2
import numpy as np

import pytest

from conftest import first_seconds, run_cli, sample
from formcheck.errors import FormcheckError
from formcheck.sources import CameraSource, VideoFileSource


def test_file_timestamps_come_from_the_file():
    src = VideoFileSource(sample("superman_good"))
    frames = [f for _, f in zip(range(30), src)]
    src.close()
    assert [f.index for f in frames] == list(range(30))
    assert frames[15].t == pytest.approx(15 / src.fps)


def _variable_rate_video(path, times):
    """An H.264 .mp4 whose frames are shown at `times` (seconds), as a phone records them."""
    av = pytest.importorskip("av")
    out = av.open(str(path), "w")
    stream = out.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", rate=30)
    stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
    stream.time_base = stream.codec_context.time_base = fractions.Fraction(1, 1000)
    for i, t in enumerate(times):
        frame = av.VideoFrame.from_ndarray(np.full((120, 160, 3), (i * 7) % 255, np.uint8), format="rgb24")
        frame.pts, frame.time_base = round(t * 1000), fractions.Fraction(1, 1000)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()


def test_variable_frame_rate_file_gets_the_containers_times(tmp_path):
    """A phone video that records 30 fps, slows to 10 fps for 4 s (low light), then 30 again:
    each frame gets its own time. index / the container's average fps puts the end of the 10 fps
    stretch about a second early, and a hold over it would be timed short by as much."""
    times = [i / 30 for i in range(60)] + [2 + i / 10 for i in range(40)] + [6 + i / 30 for i in range(60)]
    path = tmp_path / "vfr.mp4"
    _variable_rate_video(path, times)
    src = VideoFileSource(path)
    got = [f.t for f in src]
    assert len(got) == len(times)
    assert np.allclose(got, times, atol=0.002), max(abs(a - b) for a, b in zip(got, times))
    assert abs(got[99] - 99 / src.fps) > 0.5   # what index / average fps would have said


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


def test_stand_in_camera_ends_with_the_file_and_says_nothing_is_wrong(tmp_path):
    """Opened a second before its frames are wanted (the model loading), a stand-in camera still
    plays the file from its first frame: it used to start at once, and a busy machine lost the
    first rep of a live test."""
    cam = CameraSource(str(first_seconds("superman_good", 3.0, tmp_path / "three.mp4")))   # played in real time
    time.sleep(1.0)
    got = [frame.index for frame in cam]
    assert got[0] <= 1 and len(got) >= 0.8 * 3.0 * cam.fps and cam.stopped_early is None


def test_a_gif_is_scored_in_a_batch(tmp_path):
    """Exercise demos are often shared as animated gifs: `score` over a folder holding one
    scores it with its own timing (a batch used to skip it as not a video; `--video x.gif`
    always read it, through OpenCV like any video)."""
    import json

    import av
    import cv2

    from conftest import run_cli

    cap = cv2.VideoCapture(str(sample("bird-dog_good")))
    folder = tmp_path / "demos"
    folder.mkdir()
    out = av.open(str(folder / "bird-dog.gif"), "w")
    stream = out.add_stream("gif", rate=15)
    stream.width, stream.height, stream.pix_fmt = 320, 240, "rgb8"
    for _ in range(30):
        rgb = cv2.cvtColor(cv2.resize(cap.read()[1], (320, 240)), cv2.COLOR_BGR2RGB)
        out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
    out.mux(stream.encode())
    out.close()
    (folder / "bird-dog.json").write_text(json.dumps({"exercise": "bird-dog"}))
    batch = run_cli("score", folder, "--jobs", 1, "--out", tmp_path / "out")
    assert batch.returncode == 0, batch.stderr
    report = json.loads((tmp_path / "out" / "bird-dog.json").read_text())
    assert report["frames"] == 30 and report["pose_detected_ratio"] > 0.9
    assert abs(report["duration_s"] - 2.0) < 0.05   # the gif's own delays (whole centiseconds)


def test_augmentations_joined_by_commas_apply_together(tmp_path):
    """`formcheck eval DIR --augment 360p,drop3` (a cheap phone: low resolution and dropped
    frames at once): the pictures and the kept frames are those of each augmentation in turn, a
    mirror twice keeps bird-dog's sides as labelled, and a misspelt part is a one-line error."""
    from formcheck.sources.augment import AUGMENTATIONS, augmentation

    def frames(augment, n):
        src = VideoFileSource(sample("superman_good"), augment=augment)
        got = [(f.index, f.image) for _, f in zip(range(n), src)]
        src.close()
        return got

    plain = frames(None, 18)
    both = frames(augmentation("mirror,drop3"), 12)
    assert [i for i, _ in both] == [i for i, _ in plain if i % 3 != 2]
    by_index = dict(plain)
    for i, image in both:
        assert np.array_equal(image, by_index[i][:, ::-1])
    small = frames(augmentation("crop10,360p"), 1)[0][1]
    assert np.array_equal(small, AUGMENTATIONS["360p"].image(AUGMENTATIONS["crop10"].image(plain[0][1])))
    assert augmentation("mirror,rot+8").swap_sides and not augmentation("mirror,mirror").swap_sides
    r = run_cli("eval", tmp_path, "--augment", "mirror,rot8")
    assert r.returncode == 2 and "unknown augmentation 'rot8'" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_harder_augmentations_are_the_pictures_they_name():
    """`--augment rot+15 / rot-15 / crop20 / noise / far / portrait`: a phone propped crooked, a
    framing that cuts off hands and feet, grain, a phone far away or held upright. The grain is
    the same on every run for the same picture, or a cached landmark log would no longer be the
    log of the pictures it names."""
    from formcheck.sources.augment import AUGMENTATIONS

    cap = cv2.VideoCapture(str(sample("bird-dog_good")))
    image = cap.read()[1]
    cap.release()
    h, w = image.shape[:2]
    tight = AUGMENTATIONS["crop20"].image(image)
    assert tight.shape[:2] == (h - 2 * round(h * 0.1), w - 2 * round(w * 0.1))
    assert np.array_equal(tight, image[round(h * 0.1):h - round(h * 0.1), round(w * 0.1):w - round(w * 0.1)])
    for name, sign in (("rot+15", 1), ("rot-15", -1)):
        turned = AUGMENTATIONS[name].image(image)
        # the picture's top-right corner turns out of view anticlockwise, the top-left clockwise
        corner = turned[:4, -4:] if sign > 0 else turned[:4, :4]
        assert turned.shape == image.shape and corner.max() == 0
    grainy = AUGMENTATIONS["noise"].image(image)
    assert np.array_equal(grainy, AUGMENTATIONS["noise"].image(image.copy()))
    diff = grainy.astype(float) - image
    assert 8.0 < np.abs(diff).mean() < 11.0 and abs(diff.mean()) < 1.0   # sd 12: mean |noise| 9.6
    far = AUGMENTATIONS["far"].image(image)
    sw, sh = round(w * 0.4), round(h * 0.4)
    top, left = (h - sh) // 2, (w - sw) // 2
    small = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA)
    assert far.shape == image.shape and np.array_equal(far[top:top + sh, left:left + sw], small)
    # around it, the picture's edge pixels drawn out: no black frame (which would be cut off as bars)
    assert np.array_equal(far[0, left:left + sw], small[0]) and np.array_equal(far[-1, left:left + sw], small[-1])
    upright = AUGMENTATIONS["portrait"].image(image)
    tall = round(w * 16 / 9)
    top = (tall - h) // 2
    assert upright.shape[:2] == (tall, w) and np.array_equal(upright[top:top + h], image)
    assert np.array_equal(upright[0], image[0]) and np.array_equal(upright[-1], image[-1])
    already = upright[::2, ::2]   # a picture already upright is left as it is
    assert AUGMENTATIONS["portrait"].image(already) is already
