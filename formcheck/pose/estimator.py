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
from formcheck.native import quiet_native_stderr as _quiet_native_stderr
from formcheck.pose.types import PoseFrame

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
        # MediaPipe's person detector is not symmetric: on the superman sample mirrored (the
        # user lying the other way round) it found nobody on 23 of 23 sampled frames, at any
        # detection confidence (0.5, 0.3, 0.1), against 17 of 23 unmirrored. So while nobody is
        # found, the mirrored picture is tried with a second landmarker; whichever finds the
        # person keeps tracking them (VIDEO mode), and mirrored results are turned back.
        self._options = None
        self._mirror = None
        self._mirrored = False
        self._last_ms = -1
        self._warmed = False

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
        for name in ("_landmarker", "_mirror", "_crowd"):
            landmarker = getattr(self, name)
            if landmarker is not None:
                landmarker.close()
                setattr(self, name, None)

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
                return len(crowd.detect_for_video(image, ms).pose_landmarks)
            if self.threads:
                job = self._crowd_pool.submit(count)
            else:
                job = Future()
                job.set_result(count())
            self._crowd_job = (job, self._calls + CROWD_LAG)

    def estimate(self, index: int, t: float, image_bgr: np.ndarray) -> PoseFrame:
        import mediapipe as mp

        h, w = image_bgr.shape[:2]
        scale = MAX_INPUT_SIDE / max(h, w)
        if scale < 1.0:
            image_bgr = cv2.resize(image_bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        ms = max(int(round(t * 1000.0)), self._last_ms + 1)  # strictly increasing, as VIDEO mode needs
        self._last_ms = ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        if self._warmed:
            result, mirrored = self._detect(image, rgb, ms)
        else:  # the first calls print the rest of the native start-up chatter
            with _quiet_native_stderr():
                result, mirrored = self._detect(image, rgb, ms)
            self._warmed = index >= 2 or t > 0.2
        frame = PoseFrame(index=index, t=t, width=w, height=h)
        self._calls += 1
        if self._crowd is not None:
            self._crowd_check(frame, image, ms, t, bool(result.pose_landmarks))
        if not result.pose_landmarks:
            return frame
        frame.landmarks = np.array(
            [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in result.pose_landmarks[0]],
            dtype=np.float32)
        frame.world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]], dtype=np.float32)
        if mirrored:   # back to the picture: x mirrored, the person's left and right swapped
            frame.landmarks = frame.landmarks[MIRROR]
            frame.landmarks[:, 0] = 1.0 - frame.landmarks[:, 0]
            frame.world = frame.world[MIRROR]
            frame.world[:, 0] = -frame.world[:, 0]
        if self.with_mask and result.segmentation_masks:
            full = result.segmentation_masks[0].numpy_view()
            mh, mw = mask_shape(w, h)
            small = cv2.resize(full.reshape(full.shape[0], full.shape[1]), (mw, mh), interpolation=cv2.INTER_AREA)
            frame.mask = (small[:, ::-1] if mirrored else small) > 0.5
        return frame

    def _detect(self, image, rgb: np.ndarray, ms: int):
        """(result, whether it is of the mirrored picture): the landmarker that last found the
        person first; while it finds nobody, the other orientation."""
        import mediapipe as mp

        def run(mirrored: bool):
            if not mirrored:
                return self._landmarker.detect_for_video(image, ms)
            if self._mirror is None:
                from mediapipe.tasks.python import vision
                with _quiet_native_stderr():
                    self._mirror = vision.PoseLandmarker.create_from_options(self._options)
            flipped = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb[:, ::-1]))
            return self._mirror.detect_for_video(flipped, ms)

        result = run(self._mirrored)
        if not result.pose_landmarks:
            other = run(not self._mirrored)
            if other.pose_landmarks:
                self._mirrored = not self._mirrored
                return other, self._mirrored
        return result, self._mirrored
