"""Session history: every live, video and routine session goes into an SQLite database in the
user's data directory (platformdirs; `FORMCHECK_DATA_DIR` overrides it). `formcheck history`
shows recent sessions, per-exercise trends and the streak of consecutive days.

A corrupt, locked or unwritable database never loses the session just recorded: it is written
as a JSON file under `unsaved/` (or the current folder if the data directory itself cannot be
written) and the user is told where; the next session that can write the database imports it.
Replays are not stored: the session they rescore was stored when it was recorded.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import uuid
from pathlib import Path

from formcheck.errors import FormcheckError

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,       -- local time, ISO 8601
    day TEXT NOT NULL,              -- local date the session belongs to (streaks)
    exercise TEXT NOT NULL,
    mode TEXT NOT NULL,             -- live | video | routine
    source TEXT NOT NULL,
    reps INTEGER NOT NULL,
    reps_left INTEGER,
    reps_right INTEGER,
    holds INTEGER NOT NULL,
    hold_good_s REAL NOT NULL,
    warnings INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    report TEXT NOT NULL,           -- the JSON report
    uid TEXT                        -- the session's own id: stored once, however often it is imported
);
CREATE INDEX IF NOT EXISTS sessions_day ON sessions(day);
"""
UID_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS sessions_uid ON sessions(uid)"
ROW_KEYS = {"started_at", "day", "exercise", "mode", "source", "reps", "reps_left", "reps_right", "holds",
            "hold_good_s", "warnings", "duration_s", "report", "uid"}


def data_dir() -> Path:
    env = os.environ.get("FORMCHECK_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs
    return Path(platformdirs.user_data_dir("formcheck", appauthor=False))


def db_path() -> Path:
    return data_dir() / "history.sqlite3"


def row_from_report(report: dict, mode: str, started: dt.datetime) -> dict:
    sides = report.get("reps_by_side") or {}
    return {
        "started_at": started.isoformat(timespec="seconds"), "day": started.date().isoformat(),
        "exercise": report["exercise"], "mode": mode, "source": str(report.get("source", "")),
        "reps": int(report["reps"]), "reps_left": sides.get("left"), "reps_right": sides.get("right"),
        "holds": len(report["holds"]), "hold_good_s": float(sum(h["seconds"] for h in report["holds"])),
        "warnings": len(report["warnings"]), "duration_s": float(report["duration_s"]),
        "report": json.dumps(report), "uid": uuid.uuid4().hex,
    }


class History:
    def __init__(self, path: Path | str | None = None, timeout_s: float = 2.0):
        self.path = Path(path) if path else db_path()
        self.timeout_s = timeout_s

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=self.timeout_s)
        con.executescript(SCHEMA)
        if "uid" not in {r[1] for r in con.execute("PRAGMA table_info(sessions)")}:   # a database from before ids
            con.execute("ALTER TABLE sessions ADD COLUMN uid TEXT")
        con.execute(UID_INDEX)
        return con

    def add(self, row: dict) -> int:
        """Store one row; a row whose uid is already stored is not stored again (returns 0)."""
        return self.add_many([row])[0]

    def add_many(self, rows: list[dict]) -> list[int]:
        """Store rows in one transaction (one writer at a time: SQLite's lock)."""
        con = self._connect()
        try:
            ids = []
            with con:
                for row in rows:
                    cur = con.execute(f"INSERT OR IGNORE INTO sessions ({', '.join(row)}) "
                                      f"VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
                    ids.append(int(cur.lastrowid) if cur.rowcount else 0)
            return ids
        finally:
            con.close()

    def rows(self) -> list[dict]:
        if not self.path.exists():
            return []
        con = self._connect()
        try:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM sessions ORDER BY started_at, id")]
        finally:
            con.close()


def save_session(report: dict, mode: str, started: dt.datetime | None = None,
                 history: History | None = None) -> str | None:
    """Store one session. Returns a message for the user when it went to a fallback file."""
    started = started or dt.datetime.now()
    row = row_from_report(report, mode, started)
    history = history or History()
    try:
        history.add(row)
    except (sqlite3.Error, OSError) as err:
        try:
            where = _fallback(row, history.path.parent, started)
        except OSError:   # the data folder and the current folder both unwritable (full, read-only)
            return (f"history database {history.path} could not be written ({err}), nor a fallback file "
                    "in its folder or the current one: this session is not in the history (its report, if "
                    "you asked for one, has it all)")
        if where.parent == history.path.parent / "unsaved":
            later = "will be added when the database works again"
        else:   # the current folder: a later session would not look there
            later = f"add it when the database works again with: formcheck history --import {where}"
        return (f"history database {history.path} could not be written ({err}); "
                f"this session was saved to {where}; {later}")
    _import_unsaved(history)
    return None


def _fallback(row: dict, folder: Path, started: dt.datetime) -> Path:
    """The row as a JSON file under `unsaved/` (or the current folder), written whole or not at
    all: a full disk leaves no empty file behind."""
    name = f"session-{started.strftime('%Y%m%d-%H%M%S')}-{row['exercise']}-{row['uid'][:8]}.json"
    for target in (folder / "unsaved", Path.cwd()):
        tmp = target / f".{name}.tmp"
        try:
            target.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(row, indent=1))
            os.replace(tmp, target / name)
            return target / name
        except OSError:
            try:
                tmp.unlink()
            except OSError:
                pass
            continue
    raise OSError(f"cannot write {name} anywhere")


def read_row(path: Path) -> dict:
    """A fallback file's session row (ValueError if it is not one). A row from before uids gets
    the file's hash as its uid, so importing the same file twice stores it once."""
    text = Path(path).read_text()
    row = json.loads(text)
    if not isinstance(row, dict) or not ROW_KEYS - {"uid"} <= set(row) or set(row) - ROW_KEYS:
        raise ValueError("not a formcheck session file")
    row.setdefault("uid", "file-" + hashlib.sha256(text.encode()).hexdigest()[:32])
    return row


def import_files(paths: list[str], history: History | None = None) -> tuple[int, int]:
    """`formcheck history --import F ...`: fallback files written where the data folder could not
    be (the current folder). Returns (sessions added, already there)."""
    rows = []
    for p in paths:
        try:
            rows.append(read_row(Path(p)))
        except (OSError, ValueError, UnicodeDecodeError) as err:
            raise FormcheckError(f"{p}: {err.strerror if isinstance(err, OSError) else err}") from None
    history = history or History()
    try:
        ids = history.add_many(rows)
    except (sqlite3.Error, OSError) as err:
        raise FormcheckError(f"cannot write the history database {history.path}: {err}") from None
    added = sum(1 for i in ids if i)
    return added, len(ids) - added


def _import_unsaved(history: History) -> None:
    """Take in the sessions that went to `unsaved/` (each once: its uid, or for a file written
    before uids the file's own hash, is unique in the database, so two sessions importing at once
    or a file that cannot be deleted never store it twice). A file that is not a session is
    renamed `*.json.bad` and left for the user, not retried every time and never a traceback."""
    folder = history.path.parent / "unsaved"
    if not folder.is_dir():
        return
    files, rows = [], []
    for f in sorted(folder.glob("session-*.json")):
        try:
            row = read_row(f)
        except (OSError, ValueError, UnicodeDecodeError):
            try:
                f.rename(f.with_name(f.name + ".bad"))
            except OSError:
                pass
            continue
        files.append(f)
        rows.append(row)
    if not rows:
        return
    try:
        history.add_many(rows)
    except (sqlite3.Error, OSError):
        return   # still unsaved; the next session tries again
    for f in files:
        try:
            f.unlink()
        except OSError:
            continue   # imported already: its uid keeps it from being stored twice


def streak(days: set[dt.date], today: dt.date) -> int:
    """Consecutive days with at least one session, ending today (or yesterday: today's session
    may still be to come)."""
    day = today if today in days else today - dt.timedelta(days=1)
    n = 0
    while day in days:
        n += 1
        day -= dt.timedelta(days=1)
    return n


def summary(rows: list[dict], now: dt.datetime, recent: int = 10) -> str:
    if not rows:
        return "No sessions yet. Run one: formcheck --exercise bird-dog"
    today = now.date()
    lines = ["Recent sessions:",
             f"  {'when':16s} {'exercise':16s} {'mode':7s} {'reps':>9s} {'holds':>10s} {'warnings':>8s} {'min':>5s}"]
    for r in rows[-recent:][::-1]:
        reps = str(r["reps"]) if r["reps_left"] is None else f"{r['reps_left']}L {r['reps_right']}R"
        holds = f"{r['holds']}/{r['hold_good_s']:.0f}s" if r["holds"] else "-"
        lines.append(f"  {r['started_at'][:16].replace('T', ' '):16s} {r['exercise']:16s} {r['mode']:7s} "
                     f"{reps:>9s} {holds:>10s} {r['warnings']:8d} {r['duration_s'] / 60:5.1f}")
    lines += ["", "Per exercise (last 7 days vs the 7 before):",
              f"  {'exercise':16s} {'sessions':>8s} {'reps':>11s} {'warnings/rep':>14s}  last"]
    week, fortnight = today - dt.timedelta(days=6), today - dt.timedelta(days=13)
    for ex in sorted({r["exercise"] for r in rows}):
        mine = [r for r in rows if r["exercise"] == ex]
        this = [r for r in mine if dt.date.fromisoformat(r["day"]) >= week]
        prev = [r for r in mine if fortnight <= dt.date.fromisoformat(r["day"]) < week]

        def rate(rs):
            reps = sum(r["reps"] for r in rs)
            return f"{sum(r['warnings'] for r in rs) / reps:.2f}" if reps else "-"
        lines.append(f"  {ex:16s} {len(this):>3d} ({len(prev):>2d}) {sum(r['reps'] for r in this):>4d} "
                     f"({sum(r['reps'] for r in prev):>3d}) {rate(this):>6s} ({rate(prev):>5s})  {mine[-1]['day']}")
    n = streak({dt.date.fromisoformat(r["day"]) for r in rows}, today)
    lines += ["", f"Streak: {n} day{'s' if n != 1 else ''} in a row" + (
        "" if n else " - a session today starts one") + f"  ({len(rows)} sessions in all)"]
    return "\n".join(lines)


SAFETY_NOTE = ("Safety: stop if anything hurts. formcheck is a practice aid, not medical advice; "
               "with back pain or a back condition, ask a physiotherapist first.")


def first_run_note() -> str | None:
    """The safety note, the first time formcheck runs for this user (None afterwards)."""
    marker = data_dir() / "safety-note-shown"
    if marker.exists():
        return None
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("The safety note was shown on the first run.\n")
    except OSError:
        pass
    return SAFETY_NOTE
