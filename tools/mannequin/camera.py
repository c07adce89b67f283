"""Pinhole camera shared by the renderer and the synthetic landmark streams."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    position: tuple[float, float, float]
    target: tuple[float, float, float]
    fov_deg: float = 50.0           # vertical field of view
    width: int = 640
    height: int = 480

    def basis(self):
        return _basis(tuple(self.position), tuple(self.target))

    def project(self, pts: np.ndarray) -> np.ndarray:
        """World points (N, 3) -> (N, 3): x, y normalised to the picture (0..1, y down) and depth (m)."""
        c, fwd, right, up = self.basis()
        rel = pts - c
        depth = rel @ fwd
        f = 0.5 / math.tan(math.radians(self.fov_deg) / 2)     # focal length in picture heights
        aspect = self.width / self.height
        x = 0.5 + (rel @ right) / depth * f / aspect
        y = 0.5 - (rel @ up) / depth * f
        return np.stack([x, y, depth], axis=1)


@functools.lru_cache(maxsize=64)
def _basis(position: tuple, target: tuple):
    """The camera's centre and axes (a camera projects thousands of points a clip: worked out once)."""
    c, t = np.array(position, float), np.array(target, float)
    fwd = t - c
    fwd /= np.linalg.norm(fwd)
    right = np.cross(fwd, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    for v in (c, fwd, right, up):
        v.flags.writeable = False   # shared between calls
    return c, fwd, right, up


def side_camera(centre_x: float, span_m: float, side: str = "right", height: float = 0.5,
                distance: float | None = None, width: int = 640, height_px: int = 480,
                fov_deg: float = 50.0, yaw_deg: float = 0.0) -> Camera:
    """A camera on the floor-level side of the body that frames `span_m` metres horizontally at
    ~70 % of the picture width. side='right' looks at the person's right side (camera at +z).
    yaw_deg turns the camera around the body (0 = side view, 90 = facing the body's +x end)."""
    aspect = width / height_px
    hfov = 2 * math.atan(math.tan(math.radians(fov_deg) / 2) * aspect)
    if distance is None:
        distance = (span_m / 0.7) / 2 / math.tan(hfov / 2)
    sign = 1.0 if side == "right" else -1.0
    yaw = math.radians(yaw_deg)
    cx = centre_x + math.sin(yaw) * distance
    cz = sign * math.cos(yaw) * distance
    target_y = 0.35
    return Camera((cx, height, cz), (centre_x, target_y, 0.0), fov_deg, width, height_px)
