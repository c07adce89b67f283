"""`formcheck eval`: the bundled samples and the real clips against their labels."""
import json
import re

from conftest import ROOT, SAMPLES, run_cli
from formcheck.evaluate import default_cache_dir

# Pose inference once per clip (logs keyed by content hash); the machines re-run from the logs.
CACHE = default_cache_dir()


def test_every_sample_matches_its_label():
    """Exact reps (per side for bird-dog), holds within 0.5 s, each scripted fault flagged with its
    code within 1 s, no warning on good form, 'turn sideways' on the front view, nothing counted
    in the empty room."""
    r = run_cli("eval", SAMPLES, "--cache", CACHE, "--quiet", "--jobs", "2", timeout=1800)
    assert r.returncode == 0, r.stdout + r.stderr
    labels = sorted(SAMPLES.glob("*.json"))
    assert len(labels) >= 14
    assert re.search(r"(\d+) of \1 clip runs match", r.stdout)


def test_eval_fails_when_a_label_disagrees(tmp_path):
    """A wrong label makes eval exit 1 and name the clip."""
    src = SAMPLES / "superman_good"
    (tmp_path / "x.mp4").write_bytes(src.with_suffix(".mp4").read_bytes())
    label = json.loads(src.with_suffix(".json").read_text())
    label["reps_total"] += 1
    label["file"] = "x.mp4"
    (tmp_path / "x.json").write_text(json.dumps(label))
    r = run_cli("eval", tmp_path, "--cache", CACHE, "--quiet")
    assert r.returncode == 1
    assert "x.mp4" in r.stdout and "FAIL" in r.stdout


def test_eval_shows_every_clip_when_some_cannot_be_scored(tmp_path):
    """An unreadable video, a label that is a list and a label with a wrong field are one row
    each with the reason; the good clip beside them is still scored. No traceback."""
    src = SAMPLES / "superman_good"
    for name, label in (("good", src.with_suffix(".json").read_text()), ("listy", "[1, 2]"),
                        ("wrong", json.dumps({"exercise": "superman", "reps_total": "three"}))):
        (tmp_path / f"{name}.mp4").write_bytes(src.with_suffix(".mp4").read_bytes())
        (tmp_path / f"{name}.json").write_text(label)
    (tmp_path / "broken.mp4").write_bytes(b"not a video at all")
    (tmp_path / "broken.json").write_text(json.dumps({"exercise": "superman", "reps_total": 1}))
    r = run_cli("eval", tmp_path, "--cache", CACHE, "--quiet")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    rows = {ln.split()[0]: ln for ln in r.stdout.splitlines() if ".mp4" in ln}
    assert set(rows) == {"good.mp4", "listy.mp4", "wrong.mp4", "broken.mp4"}
    assert "[ok]" in rows["good.mp4"]
    assert "label not readable: not a JSON object" in rows["listy.mp4"]
    assert "label not usable: ValueError" in rows["wrong.mp4"]
    assert "not scored:" in rows["broken.mp4"] and "FAIL" in rows["broken.mp4"]
    assert "1 of 4 clip runs match their labels" in r.stdout


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in readme.splitlines() if line.startswith("    python3 -m venv")]
    assert len(commands) == 2
    assert commands[1] in ci


# A real clip formcheck does not count yet, with its measured cause (README "Robustness"): seen
# from the front, the rowing arm's 2-D elbow angle stays at 161-168 deg through the pull (upper
# arm and forearm move in depth), and MediaPipe's 3-D arm angles separate the pull on this clip
# but not across clips (a real standing row 70 -> 52 deg; someone kneeling upright and talking
# 20-30 deg): no rule found counts it without counting gestures. The eval still shows it as FAIL.
KNOWN_REAL_MISSES = {"bent-over-row__stefanuzelac__one_arm_dumbbell_row.mp4"}


def test_real_clips_match_their_labels(real_clips):
    """Every usable labelled real clip: exact reps (per side for bird-dog); every negative clip,
    run as each of the six exercises, counts nothing; clean clips get at most one warning a
    minute. The clips stay in ../shared (no licence): only their landmark logs are cached."""
    r = run_cli("eval", real_clips, "--cache", CACHE, "--quiet", "--jobs", "2", timeout=3000)
    failed = [line for line in r.stdout.splitlines() if "[FAIL" in line]
    assert {line[:52].strip() for line in failed} <= {n[:52] for n in KNOWN_REAL_MISSES}, r.stdout + r.stderr
    assert all("reps 0 != " in line for line in failed), failed   # a miss, never a false rep
    assert re.search(r"(\d+) of \d+ clip runs match", r.stdout) and "Traceback" not in r.stderr


def _counted_as_other_exercises(label_paths) -> dict:
    """{(clip, machine): reps} for every machine that counts reps on another exercise's clip."""
    from formcheck.evaluate import cached_log
    from formcheck.exercises.spec import EXERCISES
    from formcheck.pipeline import score_log
    from formcheck.pose.log import read_log

    counted = {}
    for label_path in label_paths:
        label = json.loads(label_path.read_text())
        own = label.get("exercise")
        if own not in EXERCISES or not label.get("usable", True):
            continue   # negatives are checked against all six machines by eval itself
        log = read_log(cached_log(label_path.with_suffix(".mp4"), CACHE))
        for ex in EXERCISES:
            if ex != own and (reps := score_log(log, ex)["reps"]):
                counted[(label_path.stem, ex)] = reps
    return counted


def test_machines_do_not_count_other_exercises():
    """Someone doing another exercise (the routine's transitions, a user who picked the wrong
    one) gets no reps: every machine on every other exercise's samples counts 0. One known
    exception: a bridge with the arms overhead (the mannequin's) and a superman look alike in a
    side view, where 2-D landmarks do not tell face-up from face-down."""
    counted = _counted_as_other_exercises(sorted(SAMPLES.glob("*.json")))
    assert set(counted) <= {("glute-bridge_good", "superman"), ("glute-bridge_fault", "superman")}, counted


def test_machines_do_not_count_other_exercises_on_real_clips(real_clips):
    """The same on real footage: no machine counts a rep on another exercise's real clip."""
    counted = _counted_as_other_exercises(sorted(real_clips.glob("*.json")))
    assert not counted, counted
