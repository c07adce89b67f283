import atexit
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
SHARED = Path(os.environ.get("FORMCHECK_SHARED", ROOT.parent / "shared"))
REAL = SHARED / "clips" / "real"
sys.path.insert(0, str(ROOT / "tools"))   # the mannequin (renderer, skeleton, landmark streams)
# Tests never touch the user's own history database or first-run marker. The first-run safety
# note counts as shown (its own test uses a fresh folder), so stderr checks see only their line.
os.environ["FORMCHECK_DATA_DIR"] = tempfile.mkdtemp(prefix="formcheck-test-data-")
Path(os.environ["FORMCHECK_DATA_DIR"], "safety-note-shown").write_text("tests\n")
atexit.register(shutil.rmtree, os.environ["FORMCHECK_DATA_DIR"], ignore_errors=True)   # no folder left per run
# The commands the suite starts keep their temporary files in a folder of the suite's, removed at the
# end: a batch worker the tests kill (SIGKILL) cannot remove its own, and left one in /tmp per run.
os.environ["TMPDIR"] = tempfile.mkdtemp(prefix="formcheck-test-tmp-")
atexit.register(shutil.rmtree, os.environ["TMPDIR"], ignore_errors=True)
# ... and so does Hypothesis (its examples and constants, otherwise `.hypothesis/` in the clone).
os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(os.environ["TMPDIR"], "hypothesis")
# Nor the user's landmark-log cache: the suite keeps its own, beside it and named as the suite's,
# kept between runs (a cold one costs ~15 minutes of inference for the real clips and the
# mirrored samples). Set FORMCHECK_CACHE_DIR to put it elsewhere.
os.environ.setdefault("FORMCHECK_CACHE_DIR", str(
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "formcheck-tests" / "logs"))
# A suite started in the background by a script has SIGINT ignored, and the commands it starts
# inherit that (formcheck, like Python, keeps an ignored signal ignored): the Ctrl-C tests need
# commands that Ctrl-C reaches, as in a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def run_cli(*args, timeout=600, env=None, cwd=None):
    """Run the installed formcheck CLI as a user would (in folder `cwd`); returns CompletedProcess.
    `env`: changes to the environment (a value of None removes the variable)."""
    exe = shutil.which("formcheck")
    cmd = [exe] if exe else [sys.executable, "-m", "formcheck"]
    environ = None
    if env:
        environ = {k: v for k, v in os.environ.items() if env.get(k, "") is not None}
        environ.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=environ,
                          cwd=cwd)


@pytest.fixture(scope="session")
def real_clips():
    if not REAL.is_dir():
        pytest.skip(f"real clips not present at {REAL}")
    return REAL


def first_seconds(name: str, seconds: float, dst: Path, start: float = 0.0) -> Path:
    """The first `seconds` of a bundled sample (from `start` s on), as a video file of its own."""
    import cv2
    cap = cv2.VideoCapture(str(sample(name)))
    fps = cap.get(cv2.CAP_PROP_FPS)
    for _ in range(int(start * fps)):
        cap.read()
    out = None
    for _ in range(int(seconds * fps)):
        ok, frame = cap.read()
        if out is None:
            out = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, frame.shape[1::-1])
        out.write(frame)
    out.release()
    return dst


def sample(name: str) -> Path:
    p = SAMPLES / f"{name}.mp4"
    if not p.exists():
        pytest.fail(f"bundled sample {p} is missing (render it: python tools/render_samples.py --only {name})")
    return p


@pytest.fixture(scope="session")
def superman_run(tmp_path_factory):
    """One real run of the README's main job on the bundled sample, recording everything."""
    video = sample("superman_good")
    proc, out = once_per_suite(tmp_path_factory, "superman", lambda out: run_cli(
        "--exercise", "superman", "--video", video, "--headless", "--record", out / "s.fclog",
        "--report", out / "report.json", "--save-video", out / "annotated.mp4"))
    return proc, out, video


def once_per_suite(tmp_path_factory, name: str, make) -> tuple[subprocess.CompletedProcess, Path]:
    """A session fixture's command, run once for all the suite's test processes (pytest-xdist,
    pyproject's `-n 2`): the first process that asks runs `make(folder)`, the others wait for it
    and share the folder and the finished command. Returns (CompletedProcess, folder)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent          # the test processes' folders are side by side in it
    folder, done = base / name, base / f"{name}.json"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            folder.mkdir()
            proc = make(folder)
            done.write_text(json.dumps({"args": proc.args, "returncode": proc.returncode,
                                        "stdout": proc.stdout, "stderr": proc.stderr}))
    return subprocess.CompletedProcess(**json.loads(done.read_text())), folder
