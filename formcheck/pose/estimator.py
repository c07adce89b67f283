from __future__ import annotations

import functools
import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import FormcheckError
from formcheck.native import no_native_analytics
from formcheck.native import quiet_native_stderr as _quiet_native_stderr
from formcheck.pose.types import BODY, PoseFrame

DEFAULT_MODEL = "pose_landmarker_full.task"
# sha256 of the model that tools/build_pose_model.py builds (models/README.md).
KNOWN_MODELS = {
    "9208e4c97ab34d61bcb1a1c3ac797b66e9676cb9f932357f22f50a8dd97834c8": "pose_landmarker_full (built)",
}
# The silhouette is kept at this width (height by aspect): enough for the back's outline
# (a torso spans ~40 px) and small enough to log every frame (~1 KB packed).
MASK_WIDTH = 128
# Pictures are shrunk to this long side before inference: the networks see 224 and 256 px crops
# anyway, and a 1080p picture would cost more in colour conversion and mask upsampling than in
# inference. Landmarks are normalised, so nothing downstream changes.
MAX_INPUT_SIDE = 640


def default_model_path() -> Path:
    return Path(str(resources.files("formcheck.models").joinpath(DEFAULT_MODEL)))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_sha256(path: Path) -> str:
    """The model file's sha256, worked out once per process while the file is unchanged: a batch
    worker checks the model once, not once per file."""
    st = os.stat(path)
    return _model_sha(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _model_sha(path: str, size: int, mtime_ns: int) -> str:
    return sha256_of(Path(path))


def check_model(path: str | os.PathLike | None) -> Path:
    """Resolve the model path and check it. The bundled model must match its recorded sha256;
    a user-supplied --model (e.g. Google's lite/heavy .task) must be a readable .task bundle."""
    if path is None:
        p = default_model_path()
        if not p.is_file():
            raise FormcheckError(f"bundled pose model missing: {p} (rebuild: python tools/build_pose_model.py)")
        digest = model_sha256(p)
        if digest not in KNOWN_MODELS:
            raise FormcheckError(
                f"pose model {p} is damaged or changed (sha256 {digest[:12]}… not the recorded one); "
                "rebuild it with python tools/build_pose_model.py")
        return p
    p = Path(path)
    if not p.is_file():
        raise FormcheckError(f"model not found: {p}")
    with open(p, "rb") as f:
        if f.read(2) != b"PK":
            raise FormcheckError(f"{p} is not a MediaPipe .task model bundle")
    return p


def mask_shape(width: int, height: int) -> tuple[int, int]:
    return max(1, round(MASK_WIDTH * height / max(width, 1))), MASK_WIDTH


CROWD_LAG = 4   # frames between a crowd check's frame and the frame that carries its count
# Landmark i of a mirrored picture is landmark MIRROR[i] of the person (left and right swap).
MIRROR = np.array([0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15, 18, 17, 20, 19, 22, 21,
                   24, 23, 26, 25, 28, 27, 30, 29, 32, 31])


def distinct_people(poses, width: int, height: int) -> int:
    """How many of MediaPipe's poses are different people. Asked for two, the landmarker sometimes
    gives one person twice, and the user was told "2 people in view":
    - the same skeleton twice: the front-view bird-dog sample at 21 s and 33 s, mid-hips 12 px
      apart, one skeleton with the arms and one without;
    - a part of the person as a second skeleton: the cat-cow sample dimmed, a skeleton over the
      hind half of the person, its box 90 % inside the person's.
    - the same, mirrored, at 18 s: mid-hips 20 px apart for a skeleton 91 px long, the smaller box
      half inside the other.
    So a pose is the same person as one already counted when its mid-hip is closer than a quarter
    of the larger skeleton's size (its landmarks' longer extent; not the torso, which a view
    from the head end shrinks to a few pixels), or when half of its landmarks' box lies inside
    the other's. People side by side have their hips a body width apart or more (about a third
    of a body's length) and boxes that overlap little."""
    counted = []
    for pose in poses:
        p = np.array([(q.x * width, q.y * height) for q in pose])
        hip, size = (p[23] + p[24]) / 2, float(np.ptp(p, axis=0).max())
        box = (*p.min(axis=0), *p.max(axis=0))
        if all(np.hypot(*(hip - c)) >= 0.25 * max(size, s) and _inside(box, b) < 0.5 and _inside(b, box) < 0.5
               for c, s, b in counted):
            counted.append((hip, size, box))
    return len(counted)


def _inside(a, b) -> float:
    """The share of box a (x0, y0, x1, y1) that lies inside box b."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = max((a[2] - a[0]) * (a[3] - a[1]), 1e-9)
    return w * h / area


class PoseEstimator:
    """Thin wrapper on MediaPipe's PoseLandmarker in VIDEO mode. Use it as a context manager.

    VIDEO mode serves both files and the live camera: the camera source already hands over only
    the newest frame, so a synchronous call per frame never queues up latency, and timestamps
    from the source are monotonically increasing as VIDEO mode requires."""

    def __init__(self, model: str | os.PathLike | None = None, with_mask: bool = True,
                 crowd_check_s: float = 3.0, threads: bool = True):
        self.model_path = check_model(model)
        self.with_mask = with_mask
        # The tracker follows one person (num_poses=1). Asking it for two (num_poses=2) runs the
        # person detector on every frame: 51 instead of 30 ms/frame here. Instead a second
        # landmarker (num_poses=2, fed as a sparse video so it keeps tracking whoever it found)
        # counts people every `crowd_check_s` seconds: 31-110 ms a check (machines differ). The check runs on its own
        # thread (inference uses one core; the second is free) and its count is attached
        # CROWD_LAG frames later, waiting for it if need be: no spike in the live loop, and the
        # same frames get the same counts on every run.
        self.crowd_check_s = crowd_check_s
        self.threads = threads      # False: the check runs inline (a batch worker keeps to one core)
        self._crowd_pool = None
        self._crowd_job = None      # (future, estimate call that receives its count)
        self._calls = 0
        self._next_crowd_check = 0.0
        self._crowd = None
        self._landmarker = None
        # MediaPipe's person detector is trained on people more or less upright, and finds a
        # lying person only in some pictures: on the superman sample mirrored (the user lying the
        # other way round) nobody on 23 of 23 sampled frames at any detection confidence (0.5,
        # 0.3, 0.1), against 16 of 24 unmirrored; tilted 8 degrees, nobody on 24 of 24, but 15 of
        # 24 with the picture turned a quarter; dimmed 40 %, nobody, but 15 of 24 brightened again
        # (that sample's mean is 83, above DIM: a turned view finds it there).
        # So while nobody is found, one other VIEW of the picture is tried per frame, in turn;
        # whichever view finds the person keeps tracking them (VIDEO mode, a landmarker per view),
        # and its landmarks are turned back. While that view finds nobody either, a square of the
        # picture is tried enlarged (Zoomed: a person far from the camera; the middle, then either
        # end, in turn): at most three inferences a frame while nobody is found, one while
        # somebody is.
        self._options = None
        self._views: dict[str, object] = {}
        self._view = "plain"
        self._turn = 0
        self._square = 0
        self._last_ms = -1
        self._warmed = False
        self._bars = Bars()

    def __enter__(self) -> "PoseEstimator":
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
            output_segmentation_masks=self.with_mask,
        )
        crowd = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO, num_poses=2)
        self._options = options
        no_native_analytics()
        try:
            with _quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
                if self.crowd_check_s:
                    self._crowd = vision.PoseLandmarker.create_from_options(crowd)
        except (RuntimeError, ValueError) as err:
            self.close()
            raise FormcheckError(f"cannot load pose model {self.model_path}: {str(err).splitlines()[0]}") from None
        except BaseException:   # Ctrl-C while loading: close what was made (else mediapipe's __del__ prints a traceback at exit)
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._crowd_pool is not None:
            self._crowd_pool.shutdown(wait=True)
            self._crowd_pool, self._crowd_job = None, None
        for name in ("_landmarker", "_crowd"):
            landmarker = getattr(self, name)
            if landmarker is not None:
                landmarker.close()
                setattr(self, name, None)
        while self._views:
            self._views.popitem()[1].close()

    def _crowd_check(self, frame: PoseFrame, image, ms: int, t: float, tracked: bool) -> None:
        if self._crowd_job is not None and self._calls >= self._crowd_job[1]:
            frame.people = max(self._crowd_job[0].result(), 1 if tracked else 0)
            self._crowd_job = None
        if self._crowd_job is None and t >= self._next_crowd_check:
            self._next_crowd_check = t + self.crowd_check_s
            if self._crowd_pool is None and self.threads:
                self._crowd_pool = ThreadPoolExecutor(1, thread_name_prefix="formcheck-crowd")
            crowd = self._crowd

            def count() -> int:
                return distinct_people(crowd.detect_for_video(image, ms).pose_landmarks, image.width, image.height)
            if self.threads:
                job = self._crowd_pool.submit(count)
            else:
                job = Future()
                job.set_result(count())
            self._crowd_job = (job, self._calls + CROWD_LAG)

    def estimate(self, index: int, t: float, image_bgr: np.ndarray) -> PoseFrame:
        import mediapipe as mp

        h, w = image_bgr.shape[:2]
        box = self._bars(image_bgr, t)
        if box is not None:   # cut off before shrinking: the picture keeps its resolution
            x0, y0, x1, y1 = box
            image_bgr = image_bgr[y0:y1, x0:x1]
        ph, pw = image_bgr.shape[:2]
        scale = MAX_INPUT_SIDE / max(ph, pw)
        if scale < 1.0:
            image_bgr = cv2.resize(image_bgr, (round(pw * scale), round(ph * scale)), interpolation=cv2.INTER_AREA)
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        ms = max(int(round(t * 1000.0)), self._last_ms + 1)  # strictly increasing, as VIDEO mode needs
        self._last_ms = ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        if self._warmed:
            result, view = self._detect(image, rgb, ms)
        else:  # the first calls print the rest of the native start-up chatter
            with _quiet_native_stderr():
                result, view = self._detect(image, rgb, ms)
            self._warmed = index >= 2 or t > 0.2
        frame = PoseFrame(index=index, t=t, width=w, height=h)
        self._calls += 1
        if self._crowd is not None:
            self._crowd_check(frame, image, ms, t, bool(result.pose_landmarks))
        if not result.pose_landmarks:
            return frame
        landmarks = np.array(
            [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in result.pose_landmarks[0]],
            dtype=np.float32)
        world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]], dtype=np.float32)
        if box is None:
            frame.landmarks, frame.world = VIEWS[view].back(landmarks, world, w, h)
        else:   # from the picture within the bars back onto the whole picture
            cw, ch = x1 - x0, y1 - y0
            frame.landmarks, frame.world = VIEWS[view].back(landmarks, world, cw, ch)
            frame.landmarks[:, 0] = (x0 + frame.landmarks[:, 0] * cw) / w
            frame.landmarks[:, 1] = (y0 + frame.landmarks[:, 1] * ch) / h
            frame.landmarks[:, 2] *= cw / w
        if self.with_mask and result.segmentation_masks:
            full = result.segmentation_masks[0].numpy_view()
            full = VIEWS[view].mask_back(full.reshape(full.shape[0], full.shape[1]), pw, ph)
            mh, mw = mask_shape(w, h)
            if box is None:
                frame.mask = cv2.resize(full, (mw, mh), interpolation=cv2.INTER_AREA) > 0.5
            else:
                mx0, mx1 = round(x0 * mw / w), round(x1 * mw / w)
                my0, my1 = round(y0 * mh / h), round(y1 * mh / h)
                frame.mask = np.zeros((mh, mw), dtype=bool)
                if mx1 > mx0 and my1 > my0:
                    frame.mask[my0:my1, mx0:mx1] = cv2.resize(full, (mx1 - mx0, my1 - my0),
                                                              interpolation=cv2.INTER_AREA) > 0.5
        return frame

    def _detect(self, image, rgb: np.ndarray, ms: int):
        """(result, name of the view it is of): the view that last found the person first; while
        it finds nobody, one other view, in turn; and while that finds nobody either, one square
        of the picture enlarged (ZOOMED), in turn."""
        result = self._run(self._view, image, rgb, ms)
        if not result.pose_landmarks or not self._whole(self._view, result):
            others = [name for name in VIEWS if name not in (self._view, *ZOOMED) and VIEWS[name].applies(rgb)]
            if others:
                other = others[self._turn % len(others)]
                self._turn += 1
                found = self._run(other, image, rgb, ms)
                if found.pose_landmarks:
                    self._view = other
                    return found, other
            # The last resort: nobody in the whole picture, nor in this view of it. A square of
            # it enlarged: the middle, one end, the other end, in turn.
            squares = [name for name in ZOOMED if name != self._view]
            square = squares[self._square % len(squares)]
            self._square += 1
            found = self._run(square, image, rgb, ms)
            if found.pose_landmarks and self._whole(square, found):
                self._view = square
                return found, square
        return result, self._view

    @staticmethod
    def _whole(view: str, result) -> bool:
        """False when `view` is a square (ZOOMED) that cuts the person off: under 3/4 of their
        shoulders, hips, knees and ankles inside it (where the whole picture would say "move
        back"). Such a square shows part of a person the picture holds whole, and a square at
        one end of the picture finding a part of a person in the middle would keep it."""
        if view not in ZOOMED:
            return True
        points = result.pose_landmarks[0]
        inside = sum(0.0 <= points[i].x <= 1.0 and 0.0 <= points[i].y <= 1.0 for i in BODY)
        return inside >= 0.75 * len(BODY)

    def _run(self, name: str, image, rgb: np.ndarray, ms: int):
        import mediapipe as mp

        if name == "plain":
            return self._landmarker.detect_for_video(image, ms)
        if name not in self._views:
            from mediapipe.tasks.python import vision
            with _quiet_native_stderr():
                self._views[name] = vision.PoseLandmarker.create_from_options(self._options)
        seen = np.ascontiguousarray(VIEWS[name].picture(rgb))
        return self._views[name].detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=seen), ms)


class Bars:
    """Black bars at the picture's sides, or top and bottom (a 4:3 camera recorded as 16:9, a
    portrait phone video in a landscape frame), cut off before the landmarker sees the picture.
    With them the person is smaller in the detector's square input: the superman sample padded
    to 16:9 (bars adding a third of the width) was found in no frame, against every frame as
    filmed. A bar is an edge band of at least MIN_SHARE of the side whose pixels are all at most
    DARK (of 255) and within FLAT of each other (a dark room's corner is noisy); what is left
    must be at least half of each side (a fade to black is not cropped). The bars found are kept
    while they stay black and looked for again once a second. Without bars the picture goes to
    the landmarker untouched (the same landmarks as before)."""
    DARK, FLAT, MIN_SHARE, GRID = 16, 8, 0.02, 160   # GRID: sampled about 160 times a side

    def __init__(self):
        self.box = None
        self._next_look = 0.0

    def __call__(self, bgr: np.ndarray, t: float):
        """(x0, y0, x1, y1) of the picture within the bars (pixels), or None."""
        if self.box is None and t < self._next_look:
            return None
        k = max(1, max(bgr.shape[:2]) // self.GRID)   # every k-th row or column is looked at
        if self.box is not None and not self._black_outside(bgr, k, *self.box):
            self.box = None
            self._next_look = t
        if t >= self._next_look:
            self._next_look = t + 1.0
            self.box = self._find(bgr, k)
        return self.box

    def _find(self, bgr: np.ndarray, k: int):
        h, w = bgr.shape[:2]
        # Every column over a sample of the rows, every row over a sample of the columns: exact
        # edges at a fraction of the cost.
        across = np.ascontiguousarray(bgr[::k]).reshape(-1, w * 3)   # (rows sampled, columns x BGR)
        col_hi = across.max(axis=0).reshape(w, 3).max(axis=1)
        col_lo = across.min(axis=0).reshape(w, 3).min(axis=1)
        down = np.ascontiguousarray(bgr[:, ::k]).reshape(h, -1)      # (rows, columns sampled x BGR)
        row_hi, row_lo = down.max(axis=1), down.min(axis=1)
        cols = (col_hi <= self.DARK) & (col_hi.astype(np.int16) - col_lo <= self.FLAT)
        rows = (row_hi <= self.DARK) & (row_hi.astype(np.int16) - row_lo <= self.FLAT)

        def run(flags) -> int:   # how many leading entries are True
            off = np.flatnonzero(~flags)
            return len(flags) if len(off) == 0 else int(off[0])

        left, right, top, bottom = run(cols), run(cols[::-1]), run(rows), run(rows[::-1])
        left, right = (left, right) if max(left, right) >= self.MIN_SHARE * w else (0, 0)
        top, bottom = (top, bottom) if max(top, bottom) >= self.MIN_SHARE * h else (0, 0)
        x0, x1, y0, y1 = left, w - right, top, h - bottom
        if (x0, y0, x1, y1) == (0, 0, w, h) or x1 - x0 < w / 2 or y1 - y0 < h / 2:
            return None
        return x0, y0, x1, y1

    def _black_outside(self, bgr: np.ndarray, k: int, x0: int, y0: int, x1: int, y1: int) -> bool:
        bands = (bgr[::k, :x0:k], bgr[::k, x1::k], bgr[:y0:k, ::k], bgr[y1::k, ::k])
        return all(b.size == 0 or int(b.max()) <= self.DARK for b in bands)


class View:
    """One way of showing the picture to the landmarker, and of turning its landmarks back."""
    def applies(self, rgb: np.ndarray) -> bool:
        return True

    def picture(self, rgb: np.ndarray) -> np.ndarray:
        return rgb

    def back(self, landmarks: np.ndarray, world: np.ndarray, w: int, h: int):
        return landmarks, world

    def mask_back(self, mask: np.ndarray, w: int, h: int) -> np.ndarray:
        return mask


class Mirrored(View):
    """Flipped left-right: x mirrored back, and the person's left and right landmarks swapped."""
    def picture(self, rgb):
        return rgb[:, ::-1]

    def back(self, landmarks, world, w, h):
        landmarks, world = landmarks[MIRROR], world[MIRROR]
        landmarks[:, 0] = 1.0 - landmarks[:, 0]
        world[:, 0] = -world[:, 0]
        return landmarks, world

    def mask_back(self, mask, w, h):
        return mask[:, ::-1]


class Turned(View):
    """Turned a quarter (clockwise or not): a lying person stands up in the picture. Picture
    point (x, y) is (1 - y, x) in the clockwise-turned one; the world axes turn alike; MediaPipe's
    z is in units of the turned picture's width (this picture's height)."""
    def __init__(self, clockwise: bool):
        self.clockwise = clockwise

    def picture(self, rgb):
        return cv2.rotate(rgb, cv2.ROTATE_90_CLOCKWISE if self.clockwise else cv2.ROTATE_90_COUNTERCLOCKWISE)

    def back(self, landmarks, world, w, h):
        x, y = landmarks[:, 0].copy(), landmarks[:, 1].copy()
        wx, wy = world[:, 0].copy(), world[:, 1].copy()
        if self.clockwise:
            landmarks[:, 0], landmarks[:, 1], world[:, 0], world[:, 1] = y, 1.0 - x, wy, -wx
        else:
            landmarks[:, 0], landmarks[:, 1], world[:, 0], world[:, 1] = 1.0 - y, x, -wy, wx
        landmarks[:, 2] *= h / max(w, 1)
        return landmarks, world

    def mask_back(self, mask, w, h):
        return cv2.rotate(mask, cv2.ROTATE_90_COUNTERCLOCKWISE if self.clockwise else cv2.ROTATE_90_CLOCKWISE)


class Brightened(View):
    """A dim picture brought to a middle brightness (only tried when its mean is below DIM)."""
    DIM, TARGET = 80.0, 120.0

    def applies(self, rgb):
        return float(rgb[::8, ::8].mean()) < self.DIM

    def picture(self, rgb):
        return cv2.convertScaleAbs(rgb, alpha=self.TARGET / max(float(rgb[::8, ::8].mean()), 1.0))


class Zoomed(View):
    """A square of the picture enlarged: half the picture's longer side (in a picture too narrow
    for that, the whole of its shorter side), around its middle or at either end of the longer
    side (`at`: 0 the left or top end, 0.5 the middle, 1 the other end). The person detector
    sees the picture shrunk to 224 pixels a side, and a person far from the camera is too small
    in it. Bare model, IMAGE mode, 16 frames sampled from each clip shrunk into the middle of
    its frame (the phone farther away): the real superman, face down, shrunk to 50 %, found on 0
    frames (16 with the middle enlarged), to 40 % on 0 (15); the real prone W-raise at 50 % and
    40 % on 0 (16, 16); the bridge sample at 40 % on 0 (16). Shrunk to 40 % and put at the left
    or right end of the frame (12 frames each): the real superman, the real 3/4 bird-dog and the
    bridge sample on 0 with the middle square, 9-12 with the square at that end. The landmarker
    then follows the person within the square at the picture's own resolution; a joint it puts
    outside the square is a guess, and is given back as not seen (visibility and presence 0)."""
    SHARE = 0.5

    def __init__(self, at: float = 0.5):
        self.at = at

    def box(self, w: int, h: int) -> tuple[float, float, float, float]:
        """The square's left and top edges and its width and height, as shares of the picture's."""
        side = self.SHARE * max(w, h)
        fx, fy = min(1.0, side / max(w, 1)), min(1.0, side / max(h, 1))
        ax, ay = (self.at, 0.5) if w >= h else (0.5, self.at)
        return (1.0 - fx) * ax, (1.0 - fy) * ay, fx, fy

    def _pixels(self, w: int, h: int) -> tuple[int, int, int, int]:
        x0, y0, fx, fy = self.box(w, h)
        return round(x0 * w), round(y0 * h), max(1, round(fx * w)), max(1, round(fy * h))

    def picture(self, rgb):
        h, w = rgb.shape[:2]
        x, y, cw, ch = self._pixels(w, h)
        return rgb[y:y + ch, x:x + cw]

    def back(self, landmarks, world, w, h):
        x0, y0, fx, fy = self.box(w, h)
        x, y = landmarks[:, 0], landmarks[:, 1]
        outside = (x < 0.0) | (x > 1.0) | (y < 0.0) | (y > 1.0)
        landmarks[:, 0] = x0 + x * fx
        landmarks[:, 1] = y0 + y * fy
        landmarks[:, 2] *= fx
        landmarks[outside, 3:5] = 0.0
        return landmarks, world

    def mask_back(self, mask, w, h):
        x0, y0, fx, fy = self.box(w, h)
        mh, mw = mask.shape[:2]
        full = np.zeros((max(mh, round(mh / fy)), max(mw, round(mw / fx))), dtype=mask.dtype)
        top, left = round(y0 * full.shape[0]), round(x0 * full.shape[1])
        full[top:top + mh, left:left + mw] = mask[:full.shape[0] - top, :full.shape[1] - left]
        return full


ZOOMED = ("zoomed", "zoomed-start", "zoomed-end")   # the last resorts, tried in this order
VIEWS: dict[str, View] = {"plain": View(), "mirrored": Mirrored(), "turned-cw": Turned(True),
                          "turned-ccw": Turned(False), "brightened": Brightened(),
                          ZOOMED[0]: Zoomed(0.5), ZOOMED[1]: Zoomed(0.0), ZOOMED[2]: Zoomed(1.0)}
