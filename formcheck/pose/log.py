"""The landmark log: every frame's pose data, append-only, flushed per frame.

Layout (little-endian; documented in the README):
    line 1   b"FORMCHECK-LANDMARKS 1\\n"
    line 2   one JSON object + "\\n": source, fps, width, height, mask_shape [h, w], model sha256, created
    then     fixed-size records, one per frame, of RECORD fields below.

Each record starts with the magic b"FCfr" and a CRC-32 of the rest of the record, so a reader can
tell a whole frame from a torn or overwritten one. A log cut off mid-write (kill -9, power loss,
full disk) replays up to the last whole frame; a damaged record ends the replay there.
"""
from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.pose.types import PoseFrame

MAGIC = b"FORMCHECK-LANDMARKS 1\n"
RECORD_MAGIC = b"FCfr"
FLAG_POSE, FLAG_MASK = 1, 2


def record_dtype(mask_h: int, mask_w: int) -> np.dtype:
    mask_bytes = (mask_h * mask_w + 7) // 8
    return np.dtype([
        ("magic", "S4"), ("crc", "<u4"), ("t", "<f8"), ("index", "<u4"), ("flags", "<u4"),
        ("landmarks", "<f4", (33, 5)), ("world", "<f4", (33, 3)), ("mask", "u1", (mask_bytes,)),
    ])


@dataclass
class LogHeader:
    source: str
    fps: float
    width: int
    height: int
    mask_shape: tuple[int, int]
    model_sha256: str = ""

    def to_json(self) -> str:
        d = dict(self.__dict__)
        d["mask_shape"] = list(self.mask_shape)
        return json.dumps(d)


class LandmarkLogWriter:
    """Appends one record per PoseFrame and flushes it to the OS at once (survives a killed process)."""

    def __init__(self, path: str | os.PathLike, header: LogHeader):
        self.path = Path(path)
        self.header = header
        self._dtype = record_dtype(*header.mask_shape)
        self._rec = np.zeros(1, dtype=self._dtype)
        try:
            self._f = open(self.path, "wb")
        except OSError as err:
            raise FormcheckError(f"cannot write landmark log {self.path}: {err.strerror}") from None
        self._f.write(MAGIC + header.to_json().encode() + b"\n")
        self._f.flush()

    def write(self, frame: PoseFrame) -> None:
        rec = self._rec
        rec["magic"] = RECORD_MAGIC
        rec["t"], rec["index"] = frame.t, frame.index
        flags = 0
        if frame.landmarks is not None:
            flags |= FLAG_POSE
            rec["landmarks"][0] = frame.landmarks
            rec["world"][0] = frame.world
        else:
            rec["landmarks"] = 0
            rec["world"] = 0
        if frame.mask is not None and frame.mask.shape == tuple(self.header.mask_shape):
            flags |= FLAG_MASK
            rec["mask"][0] = np.packbits(frame.mask, axis=None)
        else:
            rec["mask"] = 0
        rec["flags"] = flags | (min(frame.people, 255) << 8)   # bits 8-15: people seen
        raw = bytearray(rec.tobytes())
        raw[4:8] = zlib.crc32(memoryview(raw)[8:]).to_bytes(4, "little")
        self._f.write(raw)
        self._f.flush()

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()


@dataclass
class LandmarkLog:
    header: LogHeader
    records: np.ndarray          # structured array of whole, checked records
    problem: str | None = None   # why reading stopped before the end of the file, if it did

    def __len__(self) -> int:
        return len(self.records)

    def frames(self):
        h, w = self.header.mask_shape
        n = h * w
        for rec in self.records:
            flags = int(rec["flags"])
            frame = PoseFrame(index=int(rec["index"]), t=float(rec["t"]),
                              width=self.header.width, height=self.header.height, people=(flags >> 8) & 0xFF)
            if flags & FLAG_POSE:
                frame.landmarks = rec["landmarks"]
                frame.world = rec["world"]
            if flags & FLAG_MASK:
                frame.mask = np.unpackbits(rec["mask"], count=n).reshape(h, w).astype(bool)
            yield frame


def read_log(path: str | os.PathLike) -> LandmarkLog:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise FormcheckError(f"landmark log not found: {p}") from None
    except OSError as err:
        raise FormcheckError(f"cannot read landmark log {p}: {err.strerror}") from None
    if not data.startswith(MAGIC):
        raise FormcheckError(f"{p} is not a formcheck landmark log")
    end = data.find(b"\n", len(MAGIC))
    try:
        meta = json.loads(data[len(MAGIC):end])
        header = LogHeader(source=str(meta["source"]), fps=float(meta["fps"]), width=int(meta["width"]),
                           height=int(meta["height"]), mask_shape=tuple(int(v) for v in meta["mask_shape"]),
                           model_sha256=str(meta.get("model_sha256", "")))
        if end < 0 or len(header.mask_shape) != 2 or min(header.mask_shape) < 1 or header.fps <= 0:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise FormcheckError(f"{p}: landmark log header is damaged") from None
    body = memoryview(data)[end + 1:]
    dtype = record_dtype(*header.mask_shape)
    whole = len(body) // dtype.itemsize
    records = np.frombuffer(body[: whole * dtype.itemsize], dtype=dtype)
    problem = None
    good = whole
    bad_magic = np.flatnonzero(records["magic"] != RECORD_MAGIC)
    if len(bad_magic):
        good = int(bad_magic[0])
    size = dtype.itemsize
    for i in range(good):
        rec = body[i * size:(i + 1) * size]
        if zlib.crc32(rec[8:]) != int.from_bytes(rec[4:8], "little"):
            good = i
            break
    if good < whole:
        problem = f"{p}: record {good} is damaged; replayed the {good} frames before it"
    elif len(body) % size:
        problem = f"{p}: last frame was cut off mid-write; replayed {whole} whole frames"
    return LandmarkLog(header=header, records=records[:good], problem=problem)
