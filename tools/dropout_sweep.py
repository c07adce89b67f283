"""Every labelled clip (the bundled samples and the real dev clips) scored as if MediaPipe had lost
the person on some frames, as it does on poses it finds only now and then (lying face down, a
dim or grainy picture): a share of each clip's frames, picked at random, become frames where
nobody was found (--kind lose), or have their left and right landmarks swapped (--kind swap:
MediaPipe trading a side view's near and far limbs for a moment), or a part of the body not
seen (--kind hands, feet, knees or face: hidden behind the body or by furniture, visibility
0.05), in bursts of --burst frames. With --jitter, every landmark is also moved by Gaussian
noise (sd in torso lengths in the picture; the 3-D landmarks by --jitter-m metres), a noisier
camera. Each clip is
checked as `formcheck eval` checks it (reps, bird-dog's sides, warnings, sample holds; negatives
as every exercise, at 0 reps). Prints the misses, then the tally per share. No new inference:
the logs are the cached ones (`formcheck eval`'s, or the suite's with FORMCHECK_CACHE_DIR).

    python tools/dropout_sweep.py [--real ../shared/clips/real] [--share 0 0.1 0.25] [--seeds 3]
                                  [--kind lose] [--burst 1] [--jitter 0.03 --jitter-m 0.015]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from formcheck.evaluate import _score_clip, cached_log, default_cache_dir  # noqa: E402
from formcheck.pose.estimator import MIRROR  # noqa: E402
from formcheck.pose.log import FLAG_POSE, LandmarkLog, read_log  # noqa: E402
from tempo_sweep import labelled_clips  # noqa: E402


HIDDEN = {"hands": list(range(15, 23)), "feet": list(range(27, 33)), "knees": [25, 26], "face": list(range(11))}
KINDS = ("lose", "swap", *HIDDEN)


def disturbed(log: LandmarkLog, share: float, seed: int, kind: str = "lose", burst: int = 1,
              jitter: float = 0.0, jitter_m: float = 0.0) -> LandmarkLog:
    """`log` with about `share` of its frames, in bursts of `burst` frames from starts picked
    with `seed`, disturbed as `kind` says (KINDS: nobody found, left and right swapped, or a
    part of the body not seen), and its landmarks moved by noise of sd `jitter` torso lengths
    (picture) and `jitter_m` metres (3-D)."""
    rng = np.random.default_rng(seed)
    records = log.records.copy()
    if jitter or jitter_m:
        lm = records["landmarks"]
        w, h = log.header.width, log.header.height
        shoulders, hips = (lm[:, 11, :2] + lm[:, 12, :2]) / 2, (lm[:, 23, :2] + lm[:, 24, :2]) / 2
        torso = np.hypot((shoulders[:, 0] - hips[:, 0]) * w, (shoulders[:, 1] - hips[:, 1]) * h)
        noise = rng.normal(size=lm[:, :, :2].shape) * (jitter * torso)[:, None, None]
        lm[:, :, 0] += noise[:, :, 0] / w
        lm[:, :, 1] += noise[:, :, 1] / h
        records["world"] += rng.normal(size=records["world"].shape) * jitter_m
    hit = np.zeros(len(records), dtype=bool)
    for start in np.flatnonzero(rng.random(len(records)) < share / burst):
        hit[start:start + burst] = True
    if kind == "lose":
        records["flags"][hit] &= ~np.uint32(FLAG_POSE)
    elif kind == "swap":
        records["landmarks"][hit] = records["landmarks"][hit][:, MIRROR]
        records["world"][hit] = records["world"][hit][:, MIRROR]
    else:
        records["landmarks"][np.ix_(hit, HIDDEN[kind], [3])] = 0.05
    return LandmarkLog(header=log.header, records=records)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "clips" / "real")
    ap.add_argument("--share", type=float, nargs="+", default=[0.0, 0.1, 0.25], help="shares of frames disturbed")
    ap.add_argument("--kind", choices=KINDS, default="lose")
    ap.add_argument("--burst", type=int, default=1, help="frames disturbed together")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--jitter", type=float, default=0.0, help="landmark noise, sd in torso lengths")
    ap.add_argument("--jitter-m", type=float, default=0.0, help="3-D landmark noise, sd in metres")
    args = ap.parse_args()
    clips = labelled_clips(args.real)
    logs = {video: read_log(cached_log(video, default_cache_dir())) for video, _ in clips}
    for share in args.share:
        clip_runs = clip_ok = negative_runs = negative_ok = 0
        for video, label in clips:
            for seed in range(args.seeds):
                log = disturbed(logs[video], share, seed, args.kind, args.burst, args.jitter, args.jitter_m)
                for result in _score_clip(video.with_suffix(".json"), label, log, swap=False):
                    if label.get("exercise") in (None, "none"):
                        negative_runs += 1
                        negative_ok += result.ok
                    else:
                        clip_runs += 1
                        clip_ok += result.ok
                    if not result.ok:
                        print(f"{args.kind} {share:g}, seed {seed}: {video.name} as {result.exercise}: {'; '.join(result.problems)}")
        print(f"{args.kind} {share:g}: {clip_ok} of {clip_runs} clip runs match their labels, "
              f"negatives at 0: {negative_ok} of {negative_runs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
