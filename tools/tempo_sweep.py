"""Every labelled clip (the bundled samples and the real dev clips) scored as if the person had
moved faster or slower: each clip's landmark log replayed with its clock divided by a factor
(1.5 = everything 1.5 times faster), and with --backwards played from its end to its start (a rep
backwards is still a rep; the clip starts where it ended, so a position cut short at either end of
the recording shows). Prints the clips whose rep count differs from the label, then the tally per
factor. No new inference: the logs are `formcheck eval`'s cached ones.

    python tools/tempo_sweep.py [--real ../shared/clips/real] [--factor 0.6 1 1.5 2] [--backwards]"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.evaluate import cached_log, default_cache_dir  # noqa: E402
from formcheck.exercises import load_spec  # noqa: E402
from formcheck.pose.log import LandmarkLog, read_log  # noqa: E402
from formcheck.session import Session  # noqa: E402


def reps_at(video: Path, exercise: str, factor: float, backwards: bool = False) -> int:
    log = read_log(cached_log(video, default_cache_dir()))
    records = log.records.copy()
    if backwards:
        records = records[::-1].copy()
        records["t"] = records["t"][0] - records["t"]
        records["index"] = np.arange(len(records))
    records["t"] = records["t"] / factor
    session = Session(load_spec(exercise), str(video), log.header.fps * factor)
    session.run_log(LandmarkLog(header=log.header, records=records))
    return session.finish()["reps"]


def labelled_clips(real: Path) -> list[tuple[Path, dict]]:
    """(video, label) of every bundled sample and real dev clip in `real`, if that folder is
    there: the exercise clips and the negatives (exercise "none"), not the front view, which is
    expected to be told to turn rather than counted."""
    labels = sorted((ROOT / "sample_videos").glob("*.json"))
    if real.is_dir():
        labels += sorted(real.glob("*.json"))
    out = []
    for path in labels:
        label = json.loads(path.read_text())
        if not label.get("expected_guidance"):
            out.append((path.with_suffix(".mp4"), label))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "clips" / "real")
    ap.add_argument("--factor", type=float, nargs="+", default=[0.6, 1.0, 1.5, 2.0])
    ap.add_argument("--backwards", action="store_true", help="each log played from its end to its start")
    args = ap.parse_args()
    clips = [(video, label["exercise"], label["reps_total"])
             for video, label in labelled_clips(args.real) if label.get("exercise") not in (None, "none")]
    for factor in args.factor:
        exact = 0
        for video, exercise, expected in clips:
            got = reps_at(video, exercise, factor, args.backwards)
            exact += got == expected
            if got != expected:
                print(f"x{factor:g}: {video.name}: {got} of {expected}")
        print(f"x{factor:g}: {exact} of {len(clips)} clips count exactly")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
