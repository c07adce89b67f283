"""Pose estimation: MediaPipe in, one plain `PoseFrame` per picture out. Only estimator.py imports mediapipe."""
from formcheck.pose.types import PoseFrame

__all__ = ["PoseFrame"]
