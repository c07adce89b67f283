from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One picture: BGR uint8 image, its index in the source and its time in seconds.

    `t` is monotonically increasing within a source: the container's timestamp for files, capture time for
    cameras. `captured_at` is time.perf_counter() when it was read (latency measurement)."""

    index: int
    t: float
    image: np.ndarray
    captured_at: float


class FrameSource(Protocol):
    name: str          # what the report calls the source (file path or "camera:0")
    fps: float
    width: int
    height: int
    live: bool
    stopped_early: str | None  # why the source ended before its natural end (message), if it did

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...
