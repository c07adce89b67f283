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
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.pose.types import PoseFrame

MAGIC = b"FORMCHECK-LANDMARKS 1\n"
HEADER_LIMIT = 64 * 1024     # a header is ~300 bytes: more is not a header
MAX_MASK_SIDE = 4096         # the logged silhouette is 128 px wide
MAX_PICTURE_SIDE = 100_000
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
        """The header line, with a crc32 of its other fields (checked on reading: a flipped byte
        in the header would otherwise change the fps or the mask's shape silently)."""
        d = dict(self.__dict__)
        d["mask_shape"] = list(self.mask_shape)
        d["crc"] = zlib.crc32(json.dumps(d, sort_keys=True).encode())
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
        self.failed: str | None = None   # why writing stopped (a full disk), said once by the session
        self.error: str | None = None    # the same, the system's words only
        self._written = 0
        try:
            self._f.write(MAGIC + header.to_json().encode() + b"\n")
            self._f.flush()
        except OSError as err:
            self.close()
            raise FormcheckError(f"cannot write landmark log {self.path}: {err.strerror or err}") from None

    def write(self, frame: PoseFrame) -> None:
        if self.failed:
            return
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
        try:
            self._f.write(raw)
            self._f.flush()
            self._written += 1
        except OSError as err:   # the disk is full: the log keeps every whole frame before this one
            self.error = err.strerror or str(err)
            self.failed = (f"the landmark log {self.path} stopped after {self._written} frames: "
                           f"{err.strerror or err}; the session goes on")
            self.close()

    def close(self) -> None:
        if not self._f.closed:
            try:
                self._f.close()
            except OSError:   # what was buffered could not be written: the records before it are whole
                pass


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
        if p.exists() and not p.is_file():   # a FIFO or /dev/zero would hang or fill the memory
            raise FormcheckError(f"{p}: not a regular file")
        data = p.read_bytes()
    except FileNotFoundError:
        raise FormcheckError(f"landmark log not found: {p}") from None
    except OSError as err:
        raise FormcheckError(f"cannot read landmark log {p}: {err.strerror}") from None
    if not data.startswith(MAGIC):
        raise FormcheckError(f"{p} is not a formcheck landmark log")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + HEADER_LIMIT)
    try:
        if end < 0:
            raise ValueError
        meta = json.loads(data[len(MAGIC):end])
        crc = meta.pop("crc", None)   # logs written before the header had one are read as they are
        if crc is not None and crc != zlib.crc32(json.dumps(meta, sort_keys=True).encode()):
            raise ValueError
        header = LogHeader(source=str(meta["source"]), fps=float(meta["fps"]), width=int(meta["width"]),
                           height=int(meta["height"]), mask_shape=tuple(int(v) for v in meta["mask_shape"]),
                           model_sha256=str(meta.get("model_sha256", "")))
        if not (len(header.mask_shape) == 2 and all(1 <= v <= MAX_MASK_SIDE for v in header.mask_shape)
                and math.isfinite(header.fps) and 0.5 <= header.fps <= 1000
                and 1 <= header.width <= MAX_PICTURE_SIDE and 1 <= header.height <= MAX_PICTURE_SIDE):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, OverflowError):
        raise FormcheckError(f"{p}: landmark log header is damaged") from None
    body = memoryview(data)[end + 1:]
    dtype = record_dtype(*header.mask_shape)
    size = dtype.itemsize
    # Records are fixed-size, each with its magic and a crc32. A damaged record is skipped and
    # reading goes on at the next record that checks out (at the next record's place, or, if
    # bytes went missing, at the next magic found): one bad byte costs one frame, not the rest.
    keep, damaged, pos, n = [], 0, 0, len(body)
    base = end + 1   # body[i] is data[base + i]: searched in place, not copied
    while pos + size <= n:
        rec = body[pos:pos + size]
        if rec[:4] == RECORD_MAGIC and zlib.crc32(rec[8:]) == int.from_bytes(rec[4:8], "little"):
            keep.append(pos)
            pos += size
            continue
        damaged += 1
        nxt = data.find(RECORD_MAGIC, base + pos + 1)
        if nxt < 0:
            pos = n
            break
        # the next record's own place if its magic is there, else wherever the next magic is
        pos = pos + size if body[pos + size:pos + size + 4] == RECORD_MAGIC else nxt - base
    if keep and keep == list(range(0, len(keep) * size, size)):
        records = np.frombuffer(body[: len(keep) * size], dtype=dtype)
    else:
        records = np.frombuffer(b"".join(body[k:k + size] for k in keep), dtype=dtype)
    problem = None
    if damaged:
        problem = f"{p}: {damaged} damaged record{'s' if damaged > 1 else ''} skipped; replayed {len(keep)} frames"
    elif pos < n:
        problem = f"{p}: last frame was cut off mid-write; replayed {len(keep)} whole frames"
    good = len(keep)
    return LandmarkLog(header=header, records=records[:good], problem=problem)
