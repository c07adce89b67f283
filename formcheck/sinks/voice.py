"""Voice cues for someone who cannot see the screen (face down in superman, on all fours).

`VoiceCoach` turns the machine's events and state into short phrases: the rep count, the hold
countdown ("5 seconds", "3", "2", "1", "down", or the position's own end, e.g. "now cow"), the current warning's cue and set-up guidance.
It never blocks the capture loop and never lets cues pile up:
  - one phrase at a time: nothing starts while the engine is still speaking;
  - at least `min_gap_s` between the starts of two phrases;
  - one phrase waits at most: a newer or more important one replaces it (a danger warning beats
    a count), and it is dropped when older than `max_age_s` (a stale count is worse than none).
The speech engine is a subprocess (espeak-ng, espeak, or macOS `say`), started without waiting.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass

from formcheck.events import FormWarning, Guidance, HoldEnded, MachineState, RepCounted, Transition

PRIORITY = {"rep": 1, "count": 2, "guidance": 2, "info": 2, "warning": 3, "danger": 4, "transition": 3}
COUNTDOWN_AT = (5, 3, 2, 1)   # seconds left in a hold when the countdown speaks
COUNTDOWN_MIN_S = 5.0         # holds shorter than this are not counted down
TRANSITION_MAX_AGE_S = 15.0   # a routine's "Start <exercise>" still matters after a long "Done. Rest ..." phrase
AFTER_COUNTDOWN_S = 1.6       # a rep count waits this long after a countdown's phrase: "3, 2, 1, down" ... "4", never "down, 4"


class SubprocessSpeech:
    """Speaks through a command-line synthesizer without waiting for it."""

    COMMANDS = (("espeak-ng", ["-s", "160"]), ("espeak", ["-s", "160"]), ("say", []))

    def __init__(self, command: list[str]):
        self.command = command
        self._proc: subprocess.Popen | None = None

    @classmethod
    def find(cls) -> "SubprocessSpeech | None":
        for name, args in cls.COMMANDS:
            path = shutil.which(name)
            if path:
                return cls([path, *args])
        return None

    def say(self, text: str) -> None:
        try:
            self._proc = subprocess.Popen([*self.command, text], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            self._proc = None

    def busy(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        if self.busy():
            try:
                self._proc.wait(timeout=3)   # let the last cue ("down", "rest") finish
            except subprocess.TimeoutExpired:
                self._proc.kill()


@dataclass
class Cue:
    t: float
    text: str
    priority: int
    kind: str = ""    # "count": a countdown phrase; "rep": a rep count; "transition": the routine moving on


class VoiceCoach:
    def __init__(self, engine, min_gap_s: float = 0.8, max_age_s: float = 2.5):
        self.engine = engine
        self.min_gap_s = min_gap_s
        self.max_age_s = max_age_s
        self._pending: Cue | None = None
        self._last_start = -1e9
        self._countdown_said: set[int] = set()
        self._down_said = False
        self._last_kind = ""

    def add(self, cue: Cue) -> None:
        """Queue a phrase: it replaces the waiting one unless that one is more important. A
        routine's transition ("Start superman", "Rest 30 seconds") waits for its turn however
        long the phrase before it takes: only another transition or a danger replaces it."""
        p = self._pending
        if p is not None and p.kind == "transition" and cue.kind != "transition" and cue.priority < PRIORITY["danger"]:
            return
        if p is None or cue.priority >= p.priority:
            self._pending = cue

    def __call__(self, t: float, events: list, state: MachineState | None = None) -> None:
        for e in events:
            if isinstance(e, RepCounted):
                self.add(Cue(t, e.spoken(state.reps_by_side if state is not None else None), PRIORITY["rep"], "rep"))
            elif isinstance(e, FormWarning):
                self.add(Cue(t, e.message, PRIORITY.get(e.severity, 3)))
            elif isinstance(e, Guidance):
                self.add(Cue(t, e.message, PRIORITY["guidance"]))
            elif isinstance(e, Transition):
                self.add(Cue(t, e.message, PRIORITY["transition"], "transition"))
            elif isinstance(e, HoldEnded):   # the next hold (cat-cow's cow right after its cat) gets its own countdown
                self._countdown_said.clear()
                self._down_said = False
        if state is not None:
            self._countdown(t, state)
        self.pump(t)

    def _countdown(self, t: float, st: MachineState) -> None:
        if not st.holding and st.hold_s == 0.0:
            self._countdown_said.clear()
            self._down_said = False
            return
        target = st.hold_target_s
        if target <= 0:
            return
        left = target - st.hold_s
        for mark in COUNTDOWN_AT:   # a short hold (2 s) gets only its "down"
            if target >= COUNTDOWN_MIN_S and mark < target and left <= mark and mark not in self._countdown_said:
                self._countdown_said.update(m for m in COUNTDOWN_AT if m >= mark)
                self.add(Cue(t, f"{mark} seconds" if mark == COUNTDOWN_AT[0] else str(mark), PRIORITY["count"], "count"))
        if left <= 0 and not self._down_said:
            self._down_said = True   # "down", or what the position says ("now cow" after a cat)
            self.add(Cue(t, st.hold_done_cue or "down", PRIORITY["count"], "count"))

    def pump(self, t: float) -> None:
        cue = self._pending
        if cue is None:
            return
        if t - cue.t > (TRANSITION_MAX_AGE_S if cue.kind == "transition" else self.max_age_s):
            self._pending = None
            return
        gap = AFTER_COUNTDOWN_S if (self._last_kind == "count" and cue.kind == "rep") else self.min_gap_s
        if t - self._last_start < gap or self.engine.busy():
            return
        self._pending = None
        self._last_start = t
        self._last_kind = cue.kind
        self.engine.say(cue.text)

    def close(self) -> None:
        self.engine.close()


def make_coach(mute: bool, quiet: bool) -> VoiceCoach | None:
    """The live session's coach, or None when muted or no synthesizer exists (said once)."""
    if mute:
        return None
    engine = SubprocessSpeech.find()
    if engine is None:
        if not quiet:
            print("formcheck: no speech engine found (install espeak-ng for spoken cues); running silently",
                  file=sys.stderr)
        return None
    return VoiceCoach(engine)
