"""Nothing lost, nothing leaked (issue 13): outputs never overwrite inputs or each other, a
recording is never replaced silently, signals end a session like Ctrl-C, and the terminal gets
one escaped line, never a traceback."""
import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import SAMPLES, first_seconds, run_cli, sample
from test_bad_input import _live, _wait_for_frames, one_line


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def clip(tmp_path):
    """A short clip of the user's own (2 s of the superman sample: 30 frames)."""
    return first_seconds("superman_good", 2.0, tmp_path / "mine.mp4")


@pytest.mark.parametrize("option", ["--report", "--save-video", "--record"])
def test_an_output_that_is_the_input_video_is_refused(clip, option):
    before = _digest(clip)
    r = run_cli("-e", "superman", "--video", clip, "--headless", option, clip)
    assert r.returncode == 2 and "would overwrite the input" in one_line(r.stderr)
    assert _digest(clip) == before


def test_two_outputs_that_are_one_file_are_refused(clip, tmp_path):
    r = run_cli("-e", "superman", "--video", clip, "--headless", "--report", tmp_path / "x", "--record", tmp_path / "x")
    assert r.returncode == 2 and "are the same file" in one_line(r.stderr)
    assert not (tmp_path / "x").exists()


def test_the_report_does_not_overwrite_the_config(clip, tmp_path):
    config = tmp_path / "mine.toml"
    config.write_text("[thresholds]\nmax_lift_deg = 25\n")
    r = run_cli("-e", "superman", "--video", clip, "--headless", "--config", config, "--report", config)
    assert r.returncode == 2 and "would overwrite the input" in one_line(r.stderr)
    assert config.read_text() == "[thresholds]\nmax_lift_deg = 25\n"


def test_an_existing_recording_is_kept_unless_overwrite_is_given(clip, tmp_path):
    log = tmp_path / "session.fclog"
    r = run_cli("-e", "superman", "--video", clip, "--headless", "--no-history", "-q", "--record", log)
    assert r.returncode == 0, r.stderr
    first = _digest(log)
    r = run_cli("-e", "superman", "--video", clip, "--headless", "--no-history", "-q", "--record", log)
    assert r.returncode == 2 and "--overwrite" in one_line(r.stderr)
    assert _digest(log) == first
    r = run_cli("-e", "superman", "--video", clip, "--headless", "--no-history", "-q", "--record", log, "--overwrite")
    assert r.returncode == 0, r.stderr
    # the replay's report must not land on the log either
    r = run_cli("replay", log, "-e", "superman", "--report", log)
    assert r.returncode == 2 and "would overwrite the input" in one_line(r.stderr)
    assert log.stat().st_size > 1000


def test_score_never_writes_over_the_labels_and_keeps_one_report_per_file(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    first_seconds("superman_good", 2.0, folder / "a.mp4")
    shutil.copy(folder / "a.mp4", folder / "a.mov")
    label = SAMPLES / "empty-room.json"   # a label beside them, that --out must not replace
    shutil.copy(label, folder / "a.json")
    r = run_cli("score", folder, "-e", "superman", "--out", folder)
    assert r.returncode == 2 and "labels" in one_line(r.stderr)
    assert (folder / "a.json").read_text() == label.read_text()
    r = run_cli("score", folder, "-e", "superman", "--out", tmp_path / "out", "--jobs", "1", "-q")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.mov.json", "a.mp4.json"]
    assert json.loads((tmp_path / "out" / "a.mov.json").read_text())["source"].endswith("a.mov")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_term_and_hangup_end_the_session_like_ctrl_c(tmp_path, sig):
    """A system shutting down (TERM) or the terminal closing (HUP): the report and the log are
    written, as for Ctrl-C (before: exit 143 / 129 and no report)."""
    p = _live(tmp_path)
    _wait_for_frames(tmp_path / "s.fclog", 20)
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    rep = json.loads((tmp_path / "r.json").read_text())
    assert rep["frames"] >= 20
    assert "Traceback" not in err


def test_ctrl_c_turned_into_another_error_by_python_is_still_one_line(monkeypatch, capsys):
    """Ctrl-C that lands in a class's __set_name__ (mediapipe importing matplotlib at start-up)
    reaches formcheck as a RuntimeError caused by the KeyboardInterrupt: still "stopped", 130,
    no traceback. Any other error is not taken for a Ctrl-C."""
    from formcheck import cli

    def interrupted_import(argv):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as stop:
            raise RuntimeError("Error calling __set_name__ on '_deprecated_property'") from stop

    monkeypatch.setattr(cli, "_main", interrupted_import)
    monkeypatch.setattr("formcheck.native.native_stderr_off_terminal", lambda: None)
    monkeypatch.setattr("formcheck.interrupts.install", lambda: None)
    assert cli.main(["-e", "superman"]) == 130
    assert capsys.readouterr().err == "formcheck: stopped\n"

    def broken(argv):
        raise RuntimeError("a real bug")
    monkeypatch.setattr(cli, "_main", broken)
    with pytest.raises(RuntimeError, match="a real bug"):
        cli.main(["-e", "superman"])

    # Inside numpy's import the Ctrl-C became an ImportError with no cause (seen at 0.18 s after
    # start: "... could not import module datetime" and exit 1): the stop was asked for all the same.
    import threading

    from formcheck import interrupts
    monkeypatch.setattr(interrupts, "_requested", threading.Event())

    def numpy_interrupted(argv):
        interrupts._requested.set()    # what the Ctrl-C handler does before it raises
        raise ImportError("Original error was: PyCapsule_Import could not import module \"datetime\"")
    monkeypatch.setattr(cli, "_main", numpy_interrupted)
    assert cli.main(["-e", "superman"]) == 130
    assert capsys.readouterr().err == "formcheck: stopped\n"


@pytest.mark.parametrize("delay", [0.3, 1.0])
def test_ctrl_c_during_start_up_is_one_line(delay):
    p = subprocess.Popen([sys.executable, "-m", "formcheck", "-e", "superman", "--video", str(sample("superman_good")),
                          "--headless", "--no-history"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_a_closed_pipe_is_not_a_traceback():
    """`formcheck --list-exercises | head -1`: the reader is gone before formcheck writes."""
    p = subprocess.Popen([sys.executable, "-m", "formcheck", "--list-exercises"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=60)
    assert p.returncode == 0 and "Traceback" not in err and "BrokenPipe" not in err, err


def test_names_are_printed_escaped_on_one_line(tmp_path):
    """A crafted file name cannot print a line of its own (a fake 'all good') or colour the
    terminal: control characters are shown escaped."""
    r = run_cli("-e", "superman", "--video", "a\nformcheck: all good\x1b[31m.mp4")
    line = one_line(r.stderr)
    assert r.returncode == 1 and "\x1b" not in r.stderr and "\\x1b" in line and "\\n" in line


@pytest.mark.parametrize("args, needle", [
    (["-e", "superman", "--camera", "99999999999999999999"], "no camera has the index"),
    (["routine", "--rest", "nan", "--headless"], "--rest must be"),
])
def test_impossible_values_are_one_line_usage_errors(args, needle):
    r = run_cli(*args)
    assert r.returncode == 2 and needle in one_line(r.stderr)


def _file_size_limit(limit):
    """A process that cannot write past `limit` bytes in any file: a disk that fills mid-session
    (writes fail with EFBIG, as ENOSPC on a full disk)."""
    import resource

    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_stops_the_log_and_the_video_not_the_session(tmp_path):
    """The disk fills part-way: one line for the log and one for the annotated video, the
    session goes on to its end, the report is written with both notes; the log keeps every whole
    frame before the failure (it replays)."""
    clip = first_seconds("superman_good", 14.0, tmp_path / "clip.mp4")   # 210 frames at 15 fps, ~550 KB of log
    log = tmp_path / "s.fclog"
    r = subprocess.run([sys.executable, "-m", "formcheck", "-e", "superman", "--video", str(clip), "--headless",
                        "--record", str(log), "--save-video", str(tmp_path / "a.mp4"), "--report", str(tmp_path / "r.json")],
                       capture_output=True, text=True, preexec_fn=_file_size_limit(100_000), timeout=300)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    said = [ln for ln in r.stderr.splitlines() if "landmark log" in ln]
    assert len(said) == 1 and "stopped after" in said[0] and "the session goes on" in said[0]
    video = [ln for ln in r.stderr.splitlines() if "a.mp4" in ln and "H.264" not in ln]
    assert len(video) == 1 and "stopped growing" in video[0] and "incomplete" in video[0]
    rep = json.loads((tmp_path / "r.json").read_text())
    assert rep["frames"] == 210 and sum(("stopped after" in n) + ("stopped growing" in n) for n in rep["notes"]) == 2
    kept = int(said[0].split("stopped after ")[1].split()[0])
    replayed = run_cli("replay", log, "-e", "superman", "--report", tmp_path / "replayed.json")
    assert replayed.returncode == 0 and json.loads((tmp_path / "replayed.json").read_text())["frames"] == kept > 30


def test_a_batch_whose_temporary_folder_fills_fails_that_file_not_the_batch(tmp_path):
    """`score` keeps each video's landmark log in the temporary folder while it scores it. When
    that folder fills up (a file-size limit here, as ENOSPC on a full disk), the video used to be
    scored from the cut-short log with exit 0: a wrong count that looked right. Now that file is
    one row with its reason, the shorter video that fits is scored, and the exit is 1."""
    videos = tmp_path / "videos"
    videos.mkdir()
    first_seconds("superman_good", 6.0, videos / "long.mp4")     # ~90 frames: a log of ~230 KB
    first_seconds("superman_good", 1.5, videos / "short.mp4")    # ~22 frames: ~60 KB
    r = subprocess.run([sys.executable, "-m", "formcheck", "score", str(videos), "-e", "superman", "--jobs", "1",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True,
                       preexec_fn=_file_size_limit(100_000), timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    [row] = [ln for ln in r.stdout.splitlines() if ln.startswith("long.mp4")]
    assert "cannot write the landmark log" in row and "not scored" in row
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["short.json"]
    assert json.loads((tmp_path / "out" / "short.json").read_text())["frames"] == 22


def test_a_report_that_cannot_be_written_leaves_no_empty_file(tmp_path):
    """The report's rename fails (here a folder is in its way, as a full disk fails the write):
    one error, and no half-written `.tmp` left beside it."""
    from formcheck.errors import FormcheckError
    from formcheck.sinks.report import write_report_text

    (tmp_path / "r.json").mkdir()
    with pytest.raises(FormcheckError, match="cannot write report"):
        write_report_text(tmp_path / "r.json", "x" * 100)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_a_file_name_that_is_not_utf8_is_scored(tmp_path):
    """`caf\\xe9.mp4` from an old disk: OpenCV crashed on the name (exit 139, and one such file
    ended a whole batch). It is read, and the annotated video written, under its own name."""
    import os
    odd = tmp_path / os.fsdecode(b"caf\xe9.mp4")
    first_seconds("superman_good", 2.0, tmp_path / "plain.mp4").rename(odd)   # OpenCV here cannot write that name either
    out = tmp_path / os.fsdecode(b"annot\xe9.mp4")
    r = run_cli("-e", "superman", "--video", odd, "--headless", "--no-history", "--save-video", out,
                "--report", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "r.json").read_text())["frames"] == 30 and out.stat().st_size > 10_000
    r = run_cli("score", tmp_path, "-e", "superman", "--jobs", "1")
    assert r.returncode == 0 and "caf" in r.stdout, r.stderr
