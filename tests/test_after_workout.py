"""After the workout: HTML report, history and streaks, the routine, voice cues (issue 5)."""
import base64
import dataclasses
import datetime as dt
import json
import re
import shutil
import sqlite3

import pytest
from pathlib import Path

from conftest import first_seconds, run_cli, sample
from formcheck import history
from formcheck.evaluate import cached_log, default_cache_dir
from formcheck.events import FormWarning, MachineState, RepCounted
from formcheck.exercises import load_spec
from formcheck.pose.log import read_log
from formcheck.routine import Planned, Routine, plan_from
from formcheck.session import Session
from formcheck.sinks.html_report import Section, render_html
from formcheck.sinks.voice import VoiceCoach, make_coach


def _log_frames(name):
    return list(read_log(cached_log(sample(name), default_cache_dir())).frames())


# -- HTML report --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def html_run(tmp_path_factory):
    """The row fault sample under a hostile file name, with a corrupt history database."""
    out = tmp_path_factory.mktemp("html")
    video = out / 'row <b>&"bold".mp4'
    shutil.copy(sample("bent-over-row_fault"), video)
    data = out / "data"
    data.mkdir()
    (data / "history.sqlite3").write_bytes(b"this is not an SQLite database" * 100)
    import os
    env_before = os.environ["FORMCHECK_DATA_DIR"]
    os.environ["FORMCHECK_DATA_DIR"] = str(data)
    try:
        proc = run_cli("--exercise", "bent-over-row", "--video", video, "--headless",
                       "--report", out / "r.html", "--report", out / "r.json", "--record", out / "s.fclog")
    finally:
        os.environ["FORMCHECK_DATA_DIR"] = env_before
    return proc, out, data


def test_html_report_has_plots_and_one_entry_per_warning(html_run):
    proc, out, _ = html_run
    assert proc.returncode == 0, proc.stderr
    page = (out / "r.html").read_text()
    report = json.loads((out / "r.json").read_text())
    assert report["warnings"], "the fault sample must produce warnings"
    rows = re.findall(r'<tr class="warning sev-[a-z]+">(.*?)</tr>', page, re.S)
    assert len(rows) == len(report["warnings"])
    for row, w in zip(rows, report["warnings"]):
        assert f"{w['t_s']:.1f} s" in row and w["code"] in row
        jpg = re.search(r'class="thumb"[^>]*src="data:image/jpeg;base64,([^"]+)"', row)
        assert jpg and base64.b64decode(jpg.group(1))[:2] == b"\xff\xd8", "each warning shows its frame"
    plot = re.search(r'<img class="plot"[^>]*src="data:image/png;base64,([^"]+)"', page)
    png = base64.b64decode(plot.group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert "trunk_pitch" in page and "spine_curve" in page        # the plotted signals are named
    assert f"<td>{report['reps']}</td><td>8</td>" in page          # reps vs the seed's target
    assert "http://" not in page and "https://" not in page        # stands alone
    # the hostile file name is shown escaped, never as markup
    assert '<b>&"bold"' not in page
    assert "&lt;b&gt;&amp;&quot;bold&quot;.mp4" in page


def test_corrupt_history_database_does_not_lose_the_session(html_run):
    proc, out, data = html_run
    assert proc.returncode == 0
    assert "history database" in proc.stderr and "saved to" in proc.stderr
    saved = list((data / "unsaved").glob("session-*.json"))
    assert len(saved) == 1
    row = json.loads(saved[0].read_text())
    assert row["exercise"] == "bent-over-row" and row["reps"] == json.loads((out / "r.json").read_text())["reps"]
    # once the database works again, the next session brings the saved one in
    (data / "history.sqlite3").unlink()
    h = history.History(data / "history.sqlite3")
    assert history.save_session(json.loads((out / "r.json").read_text()), "video", history=h) is None
    assert len(h.rows()) == 2 and not list((data / "unsaved").glob("*.json"))


def test_unsaved_sessions_are_stored_once_and_bad_files_set_aside(tmp_path, monkeypatch):
    """Each session has an id the database keeps unique: two sessions importing `unsaved/` at
    once, or a file that cannot be deleted and is imported again, store it once. A file that is
    not a session (a list, an empty file) is renamed .bad, not a traceback at every session."""
    import threading

    report = {"exercise": "superman", "source": "s.mp4", "reps": 3, "reps_by_side": None, "holds": [],
              "warnings": [], "duration_s": 30.0}
    unsaved = tmp_path / "unsaved"
    started = dt.datetime(2026, 11, 30, 9, 0)
    for k in range(3):
        history._fallback(history.row_from_report(report, "live", started), tmp_path, started)
    old = history.row_from_report(report, "video", started)
    del old["uid"]                                    # written by a formcheck from before ids
    (unsaved / "session-20261129-090000-superman.json").write_text(json.dumps(old))
    (unsaved / "session-listy.json").write_text("[1, 2]")
    (unsaved / "session-empty.json").write_text("")
    h = history.History(tmp_path / "history.sqlite3")

    def cannot_delete(self, *a, **k):
        raise PermissionError("read-only")
    monkeypatch.setattr(Path, "unlink", cannot_delete)
    racers = [threading.Thread(target=history._import_unsaved, args=(h,)) for _ in range(4)]
    for r in racers:
        r.start()
    for r in racers:
        r.join()
    history._import_unsaved(h)                        # and again, the files still there
    assert len(h.rows()) == 4
    assert sorted(p.name for p in unsaved.glob("*.bad")) == ["session-empty.json.bad", "session-listy.json.bad"]
    assert not list(unsaved.glob(".*.tmp"))


def test_a_fallback_file_in_another_folder_is_imported_by_hand_once(tmp_path):
    """When even the data folder cannot be written, the session goes to the current folder and
    the message says how to add it later: `formcheck history --import FILE`, idempotent."""
    report = {"exercise": "glute-bridge", "source": "b.mp4", "reps": 8, "reps_by_side": None, "holds": [],
              "warnings": [], "duration_s": 60.0}
    started = dt.datetime(2026, 11, 30, 8, 0)
    saved = tmp_path / "session-elsewhere.json"
    saved.write_text(json.dumps(history.row_from_report(report, "live", started)))
    env = {"FORMCHECK_DATA_DIR": str(tmp_path / "data")}
    r = run_cli("history", "--import", saved, env=env)
    assert r.returncode == 0 and r.stdout.strip() == "1 session added", r.stderr
    r = run_cli("history", "--import", saved, env=env)
    assert r.stdout.strip() == "0 sessions added, 1 already in the history"
    assert "glute-bridge" in run_cli("history", env=env).stdout
    (tmp_path / "junk.json").write_text("[1]")
    r = run_cli("history", "--import", tmp_path / "junk.json", env=env)
    assert r.returncode == 1 and r.stderr.strip().endswith("not a formcheck session file")


def test_no_database_and_no_fallback_is_one_line_and_the_report_keeps_it(tmp_path):
    """The database broken, its folder's `unsaved/` unwritable (here a file stands where the
    folder should be) and the current folder unwritable (procfs): the session ends normally,
    one line says it is not in the history, and the report has it all."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "history.sqlite3").write_bytes(b"not a database" * 100)
    (data / "unsaved").write_text("a file where the folder should be")
    (data / "safety-note-shown").write_text("tests\n")
    clip = first_seconds("superman_good", 2.0, tmp_path / "two.mp4")
    r = run_cli("-e", "superman", "--video", clip, "--headless", "--report", tmp_path / "r.json",
                cwd="/proc", env={"FORMCHECK_DATA_DIR": str(data)})
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "this session is not in the history" in lines[0] and "report" in lines[0], r.stderr
    assert json.loads((tmp_path / "r.json").read_text())["frames"] == 30
    assert not list(Path("/proc").glob(".session-*")) and (data / "unsaved").is_file()


def test_replayed_html_report_has_no_thumbnails_but_the_same_entries(html_run, tmp_path):
    _, out, _ = html_run
    r = run_cli("replay", out / "s.fclog", "-e", "bent-over-row", "--report", tmp_path / "x.html", "--report", tmp_path / "x.json")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "x.html").read_text()
    assert json.loads((tmp_path / "x.json").read_text()) == json.loads((out / "r.json").read_text())
    assert page.count('<tr class="warning') == len(json.loads((out / "r.json").read_text())["warnings"])
    assert "no video" in page and 'class="thumb"' not in page


def test_html_escapes_every_text():
    rep = {"exercise": "superman", "source": "<script>alert(1)</script>", "frames": 3, "duration_s": 0.1,
           "reps": 0, "reps_by_side": None, "holds": [], "pose_detected_ratio": 1.0,
           "warnings": [{"t_s": 1.0, "code": "x<y", "message": "a <i>b</i> & c", "severity": "danger"}],
           "guidance": [], "notes": ["note <img src=x onerror=alert(1)>"]}
    page = render_html([Section(report=rep, title="T<1>", target={"reps": 8}, hold_target_s=10)], "H&H")
    assert "<script>" not in page and "<i>" not in page and "<img src=x" not in page
    assert "a &lt;i&gt;b&lt;/i&gt; &amp; c" in page and "H&amp;H" in page and "x&lt;y" in page


# -- history ------------------------------------------------------------------------------------
def _report(exercise="superman", reps=8, warnings=0):
    return {"exercise": exercise, "source": "cam", "frames": 100, "duration_s": 60.0, "reps": reps,
            "reps_by_side": None, "holds": [{"start_s": 1, "end_s": 11, "seconds": 9.5, "good_form": True}],
            "warnings": [{"t_s": 1, "code": "c", "message": "m", "severity": "warning"}] * warnings,
            "pose_detected_ratio": 1.0, "guidance": [], "notes": []}


def test_history_records_sessions_and_counts_the_streak_with_a_fixed_clock(tmp_path):
    h = history.History(tmp_path / "h.sqlite3")
    today = dt.datetime(2026, 3, 10, 18, 30)
    for days_ago in (0, 1, 1, 2, 4):      # a gap on day 3 ends the streak there
        assert history.save_session(_report(reps=8 - days_ago), "live", today - dt.timedelta(days=days_ago), h) is None
    rows = h.rows()
    assert len(rows) == 5 and rows[-1]["reps"] == 8 and rows[-1]["day"] == "2026-03-10"
    days = {dt.date.fromisoformat(r["day"]) for r in rows}
    assert history.streak(days, today.date()) == 3
    assert history.streak(days, today.date() + dt.timedelta(days=1)) == 3   # today's session may still come
    assert history.streak(days, today.date() + dt.timedelta(days=2)) == 0
    text = history.summary(rows, today)
    assert "Streak: 3 days in a row" in text and "superman" in text and "5 sessions in all" in text


def test_locked_history_database_writes_the_fallback_file(tmp_path):
    h = history.History(tmp_path / "h.sqlite3", timeout_s=0.2)
    h.add(history.row_from_report(_report(), "live", dt.datetime(2026, 1, 1)))
    holder = sqlite3.connect(tmp_path / "h.sqlite3")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        msg = history.save_session(_report(reps=5), "live", dt.datetime(2026, 1, 2), h)
    finally:
        holder.rollback()
        holder.close()
    assert msg and "unsaved" in msg
    assert [json.loads(p.read_text())["reps"] for p in (tmp_path / "unsaved").glob("*.json")] == [5]


def test_history_command_and_no_history(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_DATA_DIR", str(tmp_path))
    r = run_cli("history")
    assert r.returncode == 0 and "No sessions yet" in r.stdout
    history.save_session(_report("cat-cow", reps=6, warnings=2), "live")
    r = run_cli("history")
    assert r.returncode == 0, r.stderr
    assert "cat-cow" in r.stdout and "Streak: 1 day in a row" in r.stdout
    (tmp_path / "history.sqlite3").write_bytes(b"garbage" * 500)
    r = run_cli("history")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_safety_note_only_on_the_first_run(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_DATA_DIR", str(tmp_path / "fresh"))
    note = history.first_run_note()
    assert note and "not medical advice" in note and "stop" in note.lower()
    assert history.first_run_note() is None


# -- routine ------------------------------------------------------------------------------------
def _scripted_stream(names, gap_s=1.5):
    """The good samples one after another, with `gap_s` of an empty room between them."""
    t0, index = 0.0, 0
    for name in names:
        frames = _log_frames(name)
        fps = 1 / (frames[1].t - frames[0].t)
        for f in frames:
            yield dataclasses.replace(f, t=t0 + f.t, index=index)
            index += 1
        t0 += frames[-1].t + 1 / fps
        for k in range(int(gap_s * fps)):
            empty = dataclasses.replace(frames[-1], t=t0, index=index, landmarks=None, world=None, mask=None)
            yield empty
            t0 += 1 / fps
            index += 1


def _label(name):
    return json.loads(sample(name).with_suffix(".json").read_text())


def test_routine_advances_through_the_programme_on_a_scripted_stream():
    names = ["bird-dog_good", "reverse-tabletop_good", "bent-over-row_good", "superman_good", "cat-cow_good"]
    plan = []
    for name in names:
        label = _label(name)
        per_side = bool(label.get("reps_by_side"))
        n = min(label["reps_by_side"].values()) if per_side else label["reps_total"]
        plan.append(Planned(name.rsplit("_", 1)[0], int(n), per_side))
    routine = Routine(plan, "scripted", 15.0, rest_s=1.0)
    said, order = [], []
    engine = FakeSpeech()
    coach = VoiceCoach(engine)
    for pose in _scripted_stream(names):
        step = routine.step(pose)
        _feed(coach, engine, pose.t, step.events, step.state)
        said += [e.message for e in step.events if type(e).__name__ == "Transition"]
        order.append(routine.index)
        if routine.done:
            break
    assert routine.done
    result = routine.finish()
    assert [e["exercise"] for e in result["exercises"]] == [p.exercise for p in plan]
    assert all(e["ended"] == "target reached" for e in result["exercises"]), result["exercises"]
    assert result["completed"] == 5
    assert sorted(order) == order                               # never goes back
    # heard: the first exercise announced, every "Start" heard although "Done. Rest 1 second.
    # Next: ..." takes longer than the rest, the last rep's number in the phrase that moves on
    heard = [x for _, x in engine.said]
    starts = [x for x in heard if x.startswith("Start ")]
    assert [x.split(":")[0] for x in starts] == [f"Start {load_spec(p.exercise).title}" for p in plan]
    assert heard[0] == starts[0] == "Start Bird-dog: 3 each side"
    assert said[1].endswith("Done. Rest 1 second. Next: Reverse tabletop")
    assert said[1].split(".")[0] in ("left 3", "right 3")        # bird-dog's last rep, said
    assert said[-1].endswith("Routine done. Well done") and said[-1] in heard
    # cat-cow moved on only when its last hold was over (it used to be cut to 0.3 s)
    cat_cow = result["exercises"][-1]
    assert cat_cow["holds"][-1]["seconds"] >= 9.0, cat_cow["holds"]


def test_routine_moves_on_at_a_key_press_and_uses_the_seed_targets():
    plan = plan_from(None)
    assert [(p.exercise, p.reps, p.per_side) for p in plan] == [
        ("bird-dog", 8, True), ("reverse-tabletop", 8, False), ("bent-over-row", 8, False),
        ("superman", 8, False), ("cat-cow", 8, False)]
    assert plan_from(["superman=3"])[3].reps == 3
    routine = Routine(plan, "scripted", 15.0, rest_s=2.0)
    frames = _log_frames("bird-dog_good")
    for f in frames[:40]:
        routine.step(f)
    routine.on_key(ord("n"))
    step = routine.step(dataclasses.replace(frames[40]))
    assert routine.index == 1 and routine.sessions[0][3] == "skipped"
    assert any("Skipped" in e.message for e in step.events if hasattr(e, "message"))
    # resting: no scoring for rest_s, then the next exercise starts
    resting = routine.step(dataclasses.replace(frames[41], t=frames[40].t + 1.0))
    assert resting.state.phase.startswith("rest")
    started = routine.step(dataclasses.replace(frames[42], t=frames[40].t + 2.1))
    assert any(e.message.startswith("Start Reverse tabletop") for e in started.events if hasattr(e, "message"))


def test_a_routine_with_a_broken_database_keeps_every_exercise(tmp_path, monkeypatch, capsys):
    """The history database broken at the end of a routine: each exercise that was done goes to
    `unsaved/` as its own session at its own start (it once kept only the first), one line says
    so, and the next session with a working database imports them all."""
    from types import SimpleNamespace

    from formcheck.pipeline import RunOptions, _finish_session

    monkeypatch.setenv("FORMCHECK_DATA_DIR", str(tmp_path))
    (tmp_path / "history.sqlite3").write_bytes(b"not a database" * 100)
    routine = Routine(plan_from(None), "scripted", 15.0, rest_s=0.5)
    frames = _log_frames("bird-dog_good")
    t = 0.0
    for part in range(3):   # three exercises seen for 40 frames each, moved on with n
        for f in frames[:40]:
            routine.step(dataclasses.replace(f, t=t))
            t += 1 / 15
        routine.on_key(ord("n"))
        for f in frames[40:60]:   # the rest, then the next one starts
            routine.step(dataclasses.replace(f, t=t))
            t += 1 / 15
    started = dt.datetime(2026, 12, 1, 7, 0)
    _finish_session(RunOptions(exercise="routine", quiet=False), routine, SimpleNamespace(stopped_early=None),
                    [], {}, started, True, False, [])
    saved = sorted((tmp_path / "unsaved").glob("session-*.json"))
    rows = [json.loads(p.read_text()) for p in saved]
    assert [r["exercise"] for r in sorted(rows, key=lambda r: r["started_at"])] == ["bird-dog", "reverse-tabletop", "bent-over-row", "superman"]
    assert len(rows) == 4 and len({r["started_at"] for r in rows}) == 4   # the fourth had begun when it ended
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "could not be written" in err[0] and f"and {len(rows) - 1} more" in err[0]
    (tmp_path / "history.sqlite3").unlink()   # the database works again: the next session imports them
    history.save_session({"exercise": "superman", "source": "s.mp4", "reps": 1, "reps_by_side": None, "holds": [],
                          "warnings": [], "duration_s": 5.0}, "live", started + dt.timedelta(hours=1))
    assert len(history.History().rows()) == len(rows) + 1 and not list((tmp_path / "unsaved").glob("*.json"))


def test_routine_cli_rejects_a_bad_target():
    r = run_cli("routine", "--target", "superman=lots")
    assert r.returncode == 2 and "NAME=N" in r.stderr and r.stderr.count("\n") == 1


# -- voice --------------------------------------------------------------------------------------
class FakeSpeech:
    """Records what would be said; 'speaks' for 0.06 s per character of stream time."""

    def __init__(self):
        self.now = 0.0
        self.until = 0.0
        self.said: list[tuple[float, str]] = []

    def say(self, text):
        assert not self.busy(), "a cue started while another was still being spoken"
        self.said.append((self.now, text))
        self.until = self.now + 0.06 * len(text)

    def busy(self):
        return self.now < self.until

    def close(self):
        pass


def _feed(coach, engine, t, events, state=None):
    engine.now = t
    coach(t, events, state)


def test_voice_cues_are_rate_limited_and_never_pile_up():
    engine = FakeSpeech()
    coach = VoiceCoach(engine, min_gap_s=0.8, max_age_s=2.5)
    t = 0.0
    for i in range(1, 31):   # 30 reps counted in 3 s (a glitching counter) and a warning every frame
        events = [RepCounted(t, i)]
        if i == 12:
            events.append(FormWarning(t, "lift_too_high", "Lower a little", "danger"))
        _feed(coach, engine, t, events)
        t += 0.1
    for _ in range(60):      # 6 s of quiet frames: whatever waits is said or goes stale
        _feed(coach, engine, t, [])
        t += 0.1
    starts = [s for s, _ in engine.said]
    assert len(engine.said) <= 5
    assert all(b - a >= 0.8 - 1e-9 for a, b in zip(starts, starts[1:]))
    texts = [x for _, x in engine.said]
    assert "Lower a little" in texts                     # the danger cue is never crowded out
    assert texts[-1] == "30" or "30" not in texts[:-1]    # counts are never said out of date order
    assert all(s - 2.5 <= 3.0 for s in starts)           # nothing said long after its moment


def test_voice_counts_down_a_hold_and_speaks_a_real_session():
    engine = FakeSpeech()
    coach = VoiceCoach(engine)
    st = MachineState(hold_target_s=10.0)
    t = 0.0
    while t < 11.0:
        st.holding, st.hold_s = True, min(t, 10.0)
        _feed(coach, engine, t, [], st)
        t += 1 / 15
    assert [x for _, x in engine.said] == ["5 seconds", "3", "2", "1", "down"]
    # a whole recorded superman session: the reps and the countdowns are spoken
    engine, spec = FakeSpeech(), load_spec("superman")
    coach, session = VoiceCoach(engine), Session(spec, "s", 15.0)
    for pose in _log_frames("superman_good"):
        step = session.step(pose)
        _feed(coach, engine, pose.t, step.events, step.state)
    report = session.finish()
    texts = [x for _, x in engine.said]
    assert report["reps"] >= 2
    assert [x for x in texts if x.isdigit() and int(x) <= report["reps"]][-1] == str(report["reps"])
    assert texts.count("5 seconds") == texts.count("down") == report["reps"]   # every 10 s hold counted down


def test_bird_dog_counts_are_said_per_side():
    """The bird-dog sample's session spoken: each side counts its own reps, as the overlay
    shows them ("left 2" is the second left rep; before: "right 2" for the first right one)."""
    engine, spec = FakeSpeech(), load_spec("bird-dog")
    coach, session = VoiceCoach(engine, min_gap_s=0.0), Session(spec, "s", 15.0)
    for pose in _log_frames("bird-dog_good"):
        step = session.step(pose)
        _feed(coach, engine, pose.t, step.events, step.state)
    counts = [x for _, x in engine.said if x.split()[0] in ("left", "right")]
    assert counts == ["left 1", "right 1", "left 2", "right 2", "left 3", "right 3"]


def test_cat_cow_is_told_to_move_on_and_counts_never_run_into_countdowns():
    """The cat-cow sample spoken: a hold ends with "now cow" / "now cat" (the person moves to the
    other extreme, not down), and a rep's number comes a clear pause after the countdown's end:
    "3, 2, 1, now cat" ... "1", never "now cat, 1" at once."""
    engine, spec = FakeSpeech(), load_spec("cat-cow")
    coach, session = VoiceCoach(engine), Session(spec, "s", 15.0)
    counted = []
    for pose in _log_frames("cat-cow_good"):
        step = session.step(pose)
        counted += [(pose.t, e.count) for e in step.events if isinstance(e, RepCounted)]
        _feed(coach, engine, pose.t, step.events, step.state)
    said = engine.said
    texts = [x for _, x in said]
    assert "down" not in texts and "now cow" in texts and "now cat" in texts
    assert texts.index("now cow") < texts.index("now cat")   # cat first, then cow, as the sample goes
    assert len(counted) == 2
    for t_rep, n in counted:   # each count is said, a clear pause after the phrase before it
        k = next(i for i, (t, x) in enumerate(said) if t >= t_rep and x == str(n))
        assert said[k][0] - said[k - 1][0] >= 1.5, (said[k - 1], said[k])


def test_cat_cow_holds_are_named_and_no_longer_than_themselves():
    """The HTML report says which extreme each cat-cow hold was, and a hold's good-form seconds
    never exceed its own span (10.93 s of a 10.87 s hold, before)."""
    from formcheck.sinks.html_report import section_from

    session = Session(load_spec("cat-cow"), "s", 15.0, True)
    for pose in _log_frames("cat-cow_good"):
        session.step(pose)
    report = session.finish()
    assert [h["position"] for h in report["holds"]] == ["cat (rounded)", "cow (head up)"] * 2
    assert all(h["seconds"] <= h["end_s"] - h["start_s"] + 0.006 for h in report["holds"]), report["holds"]
    page = render_html([section_from(session, report)], "cat-cow")
    assert page.count("<td>cat (rounded)</td>") == 2 and page.count("<td>cow (head up)</td>") == 2
    assert "max-width:100%" in page   # thumbnails shrink with a narrow window


def test_no_speech_engine_means_silent_with_one_notice(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert make_coach(mute=False, quiet=False) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "espeak-ng" in err
    assert make_coach(mute=True, quiet=False) is None and capsys.readouterr().err == ""



def test_a_live_session_speaks_through_espeak_ng(tmp_path, monkeypatch):
    """End to end: the live loop (a stand-in camera playing 10 s of a glute-bridge sample in real
    time) starts espeak-ng with the rep counts; a fake espeak-ng on PATH records its arguments."""
    clip = first_seconds("glute-bridge_good", 10.5, tmp_path / "bridge10s.mp4")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    said = tmp_path / "said.txt"
    fake = bin_dir / "espeak-ng"
    fake.write_text(f'#!/bin/sh\nfor a; do last="$a"; done\necho "$last" >> "{said}"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    r = run_cli("--exercise", "glute-bridge", "--camera", clip, "--headless", "--report", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    reps = json.loads((tmp_path / "r.json").read_text())["reps"]
    assert reps >= 1
    lines = said.read_text().split("\n")
    assert [str(n) for n in range(1, reps + 1)] == [x for x in lines if x.isdigit()]
    assert "down" in lines        # the 2 s hold at the top is called when it is done
    r = run_cli("--exercise", "glute-bridge", "--camera", clip, "--headless", "--mute", "--no-history")
    assert r.returncode == 0 and said.read_text().split("\n") == lines   # --mute: nothing more said
