"""Build models/pose_landmarker_full.task from the tflite files in PyPI's mediapipe 0.10.21 wheel.

MediaPipe 1.x ships no pose model and the official .task download is out of reach here, but the
0.10.21 wheel carries the legacy solution's two networks (Apache-2.0):

    mediapipe/modules/pose_detection/pose_detection.tflite     -> pose_detector.tflite
    mediapipe/modules/pose_landmark/pose_landmark_full.tflite  -> pose_landmarks_detector.tflite

The Tasks API needs TFLite metadata on each model that says how to normalise the float input
(otherwise: "Input tensor has type float32: it requires specifying NormalizationOptions metadata"):
the detector takes (x - 127.5) / 127.5, the landmark model x / 255. This script writes that
metadata with the flatbuffers schemas that the same wheel ships, and zips both models uncompressed
with every entry 4-byte aligned (TFLite maps them in place rather than copying).

Usage:  python tools/build_pose_model.py [--wheel PATH] [--out models/pose_landmarker_full.task]
Without --wheel the wheel is fetched with `pip download --no-deps mediapipe==0.10.21`.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_VERSION = "0.10.21"
SOURCES = {
    "pose_detector.tflite": ("mediapipe/modules/pose_detection/pose_detection.tflite", 127.5, 127.5),
    "pose_landmarks_detector.tflite": ("mediapipe/modules/pose_landmark/pose_landmark_full.tflite", 0.0, 255.0),
}
SCHEMAS = {
    "tflite_schema": "mediapipe/tasks/metadata/schema_py_generated.py",
    "metadata_schema": "mediapipe/tasks/metadata/metadata_schema_py_generated.py",
}
# A fixed timestamp keeps the zip byte-identical across rebuilds.
ZIP_DATE = (2025, 1, 31, 0, 0, 0)


def fetch_wheel(dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64",
           "-d", str(dest), f"mediapipe=={WHEEL_VERSION}"]
    subprocess.run(cmd, check=True)
    wheels = sorted(dest.glob(f"mediapipe-{WHEEL_VERSION}-*.whl"))
    if not wheels:
        sys.exit(f"error: pip did not produce a mediapipe {WHEEL_VERSION} wheel in {dest}")
    return wheels[0]


def load_module(name: str, source: bytes, tmp: Path):
    path = tmp / f"{name}.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def existing_normalization(model, mdf):
    """(mean, std) from the model's TFLITE_METADATA input NormalizationOptions, or None."""
    for entry in model.metadata or []:
        if entry.name in (b"TFLITE_METADATA", "TFLITE_METADATA"):
            raw = bytearray(model.buffers[entry.buffer].data.tobytes())
            meta = mdf.ModelMetadataT.InitFromPackedBuf(raw, 0)
            for tensor in meta.subgraphMetadata[0].inputTensorMetadata or []:
                for unit in tensor.processUnits or []:
                    if unit.optionsType == mdf.ProcessUnitOptions.NormalizationOptions:
                        return float(unit.options.mean[0]), float(unit.options.std[0])
            return None
    return None


def add_normalization_metadata(model_bytes: bytes, mean: float, std: float, name: str, tfl, mdf) -> bytes:
    """Return the tflite model with a TFLITE_METADATA buffer describing its image input."""
    import flatbuffers

    norm = mdf.NormalizationOptionsT()
    norm.mean, norm.std = [mean], [std]
    unit = mdf.ProcessUnitT()
    unit.optionsType = mdf.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    image_props = mdf.ImagePropertiesT()
    image_props.colorSpace = mdf.ColorSpaceType.RGB
    content = mdf.ContentT()
    content.contentPropertiesType = mdf.ContentProperties.ImageProperties
    content.contentProperties = image_props
    tensor = mdf.TensorMetadataT()
    tensor.name = "image"
    tensor.content = content
    tensor.processUnits = [unit]
    subgraph = mdf.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [tensor]
    meta = mdf.ModelMetadataT()
    meta.name = name
    meta.description = f"MediaPipe pose model from mediapipe {WHEEL_VERSION}; input normalised (x - {mean}) / {std}"
    meta.license = "Apache-2.0"
    meta.minParserVersion = "1.0.0"
    meta.subgraphMetadata = [subgraph]
    b = flatbuffers.Builder(1024)
    b.Finish(meta.Pack(b), file_identifier=b"M001")
    metadata_buf = bytes(b.Output())

    model = tfl.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    existing = existing_normalization(model, mdf)
    if existing == (mean, std):
        return model_bytes  # already says how to normalise (the detector does): keep it byte for byte
    if existing is not None:
        raise SystemExit(f"error: {name} already declares normalisation {existing}, expected {(mean, std)}")
    import numpy as np
    buf = tfl.BufferT()
    buf.data = np.frombuffer(metadata_buf, dtype=np.uint8)
    model.buffers.append(buf)
    entry = tfl.MetadataT()
    entry.name = "TFLITE_METADATA"
    entry.buffer = len(model.buffers) - 1
    model.metadata = (model.metadata or []) + [entry]
    b = flatbuffers.Builder(len(model_bytes) + len(metadata_buf) + 4096)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def write_aligned_zip(out: Path, members: dict[str, bytes], alignment: int = 4) -> None:
    """Stored (uncompressed) zip whose every member's data starts on an `alignment` boundary."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            header_end = zf.fp.tell() + 30 + len(name.encode())
            pad = (-(header_end + 4)) % alignment  # a 4-byte extra-field header, then padding
            # 0xD935 is the extra-field id Android's zipalign uses for alignment padding.
            info.extra = (0xD935).to_bytes(2, "little") + pad.to_bytes(2, "little") + b"\0" * pad
            zf.writestr(info, data)
    with zipfile.ZipFile(out) as zf:
        for info in zf.infolist():
            data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            assert data_start % alignment == 0, (info.filename, data_start)


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, help=f"a downloaded mediapipe-{WHEEL_VERSION} wheel")
    ap.add_argument("--out", type=Path, default=here / "models" / "pose_landmarker_full.task")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        wheel = args.wheel or fetch_wheel(tmp)
        with zipfile.ZipFile(wheel) as whl:
            tfl = load_module("tflite_schema", whl.read(SCHEMAS["tflite_schema"]), tmp)
            mdf = load_module("metadata_schema", whl.read(SCHEMAS["metadata_schema"]), tmp)
            members = {}
            for member, (path, mean, std) in SOURCES.items():
                members[member] = add_normalization_metadata(whl.read(path), mean, std, member, tfl, mdf)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_aligned_zip(args.out, members)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) sha256 {digest}")


if __name__ == "__main__":
    main()
