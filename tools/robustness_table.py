"""The robustness table in the README: `formcheck eval` over the bundled samples and the real dev
clips as they are and under each augmentation (formcheck/sources/augment.py), exact reps per
augmentation, and every miss named.

    python tools/robustness_table.py [--real ../shared/clips/real] [--jobs 2]

Pose inference runs once per clip and augmentation (landmark logs cached as `formcheck eval`
caches them); re-running after a change to the exercise machines takes seconds."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.evaluate import default_cache_dir, evaluate  # noqa: E402
from formcheck.sources.augment import AUGMENTATIONS  # noqa: E402


def _exact(r) -> bool:
    return r.counted == r.expected and (r.sides_expected is None or r.sides_counted == r.sides_expected)


def exact(results) -> tuple[int, int, int, int]:
    """(exercise clips counted exactly, exercise clips, negative runs at 0, negative runs)."""
    own = [r for r in results if not r.clip.startswith(("negative__", "empty-room"))]
    neg = [r for r in results if r.clip.startswith(("negative__", "empty-room"))]
    ok = sum(_exact(r) for r in own)
    return ok, len(own), sum(r.counted == 0 for r in neg), len(neg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "clips" / "real")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    sets = [("samples", ROOT / "sample_videos")] + ([("real dev clips", args.real)] if args.real.is_dir() else [])
    rows, misses = [], []
    for aug in [None, *AUGMENTATIONS]:
        cells = []
        for label, folder in sets:
            results = evaluate(folder, default_cache_dir(), jobs=args.jobs, augment=aug)
            ok, n, neg_ok, neg_n = exact(results)
            cells.append(f"{ok}/{n}" + (f", negatives at 0: {neg_ok}/{neg_n}" if neg_n else ""))
            for r in results:
                if not _exact(r):
                    sides = f" sides {r.sides_counted} of {r.sides_expected}" if r.sides_expected else ""
                    misses.append(f"- {aug or 'as recorded'}: {r.clip} as {r.exercise}: {r.counted} of {r.expected}{sides}")
        what = AUGMENTATIONS[aug].what if aug else "as recorded"
        rows.append(f"| {aug or '-'} | {what} | " + " | ".join(cells) + " |")
    print("| augmentation | what | " + " | ".join(f"{label}: exact reps" for label, _ in sets) + " |")
    print("|---|---|" + "---|" * len(sets))
    print("\n".join(rows))
    print("\nMisses (reps or bird-dog sides):\n" + ("\n".join(misses) or "- none"))


if __name__ == "__main__":
    main()
