from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)


class L:
    """Landmark indices (MediaPipe Pose topology; odd = the person's left)."""
    NOSE, L_EAR, R_EAR = 0, 7, 8
    L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 11, 12, 13, 14, 15, 16
    L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 23, 24, 25, 26, 27, 28
    L_HEEL, R_HEEL, L_FOOT, R_FOOT = 29, 30, 31, 32


# Bones drawn by the overlay (pairs of landmark indices).
SKELETON = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31), (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),
    (0, 7), (0, 8),
)


@dataclass
class PoseFrame:
    """Everything downstream of the estimator knows about one picture.

    landmarks: (33, 5) float32 image landmarks x, y (0..1 of width/height), z (same scale as x,
               smaller = nearer the camera), visibility, presence; None when no person was found.
    world:     (33, 3) float32 metric landmarks around the hips (None with landmarks).
    mask:      (h, w) bool person silhouette, downscaled (see estimator.MASK_WIDTH), or None.
    width, height: size of the source picture in pixels (for aspect-correct geometry).
    people:    how many people the estimator's periodic check saw (0 on frames it did not run).
    """

    index: int
    t: float
    width: int
    height: int
    landmarks: np.ndarray | None = None
    world: np.ndarray | None = None
    mask: np.ndarray | None = None
    people: int = 0                # people seen by the periodic crowd check (0 = not checked on this frame)

    @property
    def detected(self) -> bool:
        return self.landmarks is not None
