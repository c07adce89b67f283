"""Augmented footage for robustness checks (`formcheck eval DIR --augment NAME`).

Each augmentation changes a video's pictures the way another room, phone or framing would, so
that the same labelled clips test whether the exercise machines generalise: the user lying the
other way round (mirrored), a tighter framing, a tilted camera, a low-resolution camera, a
phone that drops frames, a dim room, a picture padded with black bars, a phone far away or
held upright. Only `mirror` changes the label: a mirrored person's left is their right, so
bird-dog's per-side counts swap."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np


def _crop(fraction: float):
    def crop(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        dy, dx = round(h * fraction / 2), round(w * fraction / 2)
        return np.ascontiguousarray(image[dy:h - dy, dx:w - dx])
    return crop


def _rotate(degrees: float):
    def rotate(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    return rotate


def _height(target: int):
    def shrink(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        if h <= target:
            return image
        return cv2.resize(image, (round(w * target / h), target), interpolation=cv2.INTER_AREA)
    return shrink


def _dim(share: float):
    def dim(image: np.ndarray) -> np.ndarray:
        return cv2.convertScaleAbs(image, alpha=1.0 - share)
    return dim


def _pillarbox(share: float):
    def pad(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        bar = round(w * share / 2)
        return cv2.copyMakeBorder(image, 0, 0, bar, bar, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    return pad


def _farther(scale: float):
    def farther(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        top, left = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
        return cv2.copyMakeBorder(small, top, h - small.shape[0] - top, left, w - small.shape[1] - left,
                                  cv2.BORDER_REPLICATE)
    return farther


def _portrait(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    tall = round(w * 16 / 9)
    if h >= tall:
        return image
    top = (tall - h) // 2
    return cv2.copyMakeBorder(image, top, tall - h - top, 0, 0, cv2.BORDER_REPLICATE)


def _noise(sd: float):
    def noise(image: np.ndarray) -> np.ndarray:
        # Seeded by the picture itself: the same frame gets the same noise on every run, so a
        # cached landmark log stays the log of these pictures.
        rng = np.random.default_rng(int(image[::97, ::89].sum()) % 100003)
        grain = rng.normal(0.0, sd, image.shape).astype(np.int16)
        return np.clip(image.astype(np.int16) + grain, 0, 255).astype(np.uint8)
    return noise


@dataclass(frozen=True)
class Augmentation:
    name: str
    what: str
    image: Callable[[np.ndarray], np.ndarray] | None = None
    keep: Callable[[int], bool] | None = None      # which source frames (by index) are kept
    swap_sides: bool = False                       # the label's left and right swap


AUGMENTATIONS = {a.name: a for a in (
    Augmentation("mirror", "mirrored left-right (the user lies the other way round)",
                 image=lambda im: np.ascontiguousarray(im[:, ::-1]), swap_sides=True),
    Augmentation("crop10", "10 % of the width and height cropped off (5 % at each edge)", image=_crop(0.10)),
    Augmentation("rot+8", "rotated 8 degrees anticlockwise (a tilted camera)", image=_rotate(8.0)),
    Augmentation("rot-8", "rotated 8 degrees clockwise", image=_rotate(-8.0)),
    Augmentation("360p", "shrunk to 360 pixels high", image=_height(360)),
    Augmentation("drop3", "every 3rd frame dropped (a phone that cannot keep up)", keep=lambda i: i % 3 != 2),
    Augmentation("dark40", "brightness down 40 %", image=_dim(0.40)),
    Augmentation("pad", "black bars left and right adding a third of the width (a 4:3 camera recorded as 16:9)",
                 image=_pillarbox(1 / 3)),
    # Harder than the set: a phone propped crooked, a framing that cuts off hands and
    # feet, a grainy picture, a phone far away or held upright.
    Augmentation("rot+15", "rotated 15 degrees anticlockwise (a phone propped crooked)", image=_rotate(15.0)),
    Augmentation("rot-15", "rotated 15 degrees clockwise", image=_rotate(-15.0)),
    Augmentation("crop20", "20 % of the width and height cropped off (10 % at each edge: hands and feet leave the picture)",
                 image=_crop(0.20)),
    Augmentation("noise", "grain: Gaussian noise, sd 12 of 255 (a phone in a dim room)", image=_noise(12.0)),
    Augmentation("far", "shrunk to 40 % in the middle of the frame, its edge pixels drawn out to fill it (the phone 2.5 times as far away)",
                 image=_farther(0.4)),
    Augmentation("portrait", "put in an upright 9:16 frame, its edge pixels drawn out above and below (a phone held upright); a picture at least that tall is left as it is",
                 image=_portrait),
)}


def augmentation(name: str) -> Augmentation:
    """One augmentation by name, or several joined by commas ("360p,drop3": a cheap phone's low
    resolution and dropped frames together), applied in the order given."""
    from formcheck.errors import UsageError
    parts = name.split(",")
    for part in parts:
        if part not in AUGMENTATIONS:
            raise UsageError(f"unknown augmentation {part!r}; choose from: {', '.join(AUGMENTATIONS)} "
                             "(or several joined by commas)")
    if len(parts) == 1:
        return AUGMENTATIONS[name]
    chain = [AUGMENTATIONS[p] for p in parts]
    images = [a.image for a in chain if a.image is not None]
    keeps = [a.keep for a in chain if a.keep is not None]

    def image(im: np.ndarray) -> np.ndarray:
        for f in images:
            im = f(im)
        return im

    return Augmentation(name, "; ".join(a.what for a in chain), image=image if images else None,
                        keep=(lambda i: all(k(i) for k in keeps)) if keeps else None,
                        swap_sides=sum(a.swap_sides for a in chain) % 2 == 1)
