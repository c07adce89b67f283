from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# MediaPipe Pose's 33 landmarks: 0 nose, 7/8 ears, 11/12 shoulders, 13/14 elbows, 15/16 wrists,
# 23/24 hips, 25/26 knees, 27/28 ankles, 29/30 heels, 31/32 foot index (odd = the person's left).

# The body's frame: shoulders, hips, knees, ankles. Under 3/4 of them inside the picture, the
# person is told to move back (`in_frame`); under 3/4 inside a square the estimator enlarged,
# that square cuts the person off.
BODY = (11, 12, 23, 24, 25, 26, 27, 28)

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
