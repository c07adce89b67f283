"""The one exercise machine every spec runs on.

Per frame: guidance check (is the person there, whole, side-on?) -> derived signals -> positions
with enter/exit hysteresis and a minimum dwell -> rep sequences -> holds (timed only while the form
is good) -> warnings (sustained for `for_s`, rate-limited per code) -> events for the sinks.
"""
from __future__ import annotations

import bisect
import math
from collections import deque

import numpy as np

from formcheck.events import FormWarning, Guidance, HoldEnded, MachineState, RepCounted
from formcheck.exercises.expr import Expr
from formcheck.exercises.spec import Spec
from formcheck.features.extract import Features

FEATURE_NAMES = (
    "torso_px", "hip_angle", "knee_angle", "elbow_angle", "elbow_angle_far", "elbow_angle_3d", "leg_incline_3d", "trunk_incline", "trunk_incline_3d", "trunk_pitch", "view_turn", "thigh_incline", "arm_elev_near",
    "arm_elev_left", "arm_elev_right", "leg_elev_left", "leg_elev_right", "thigh_elev_left",
    "thigh_elev_right", "arm_elev_low", "thigh_elev_low", "hip_line", "head_height", "neck_lift", "shoulder_width", "hip_width",
    "in_frame", "back_height", "spine_curve",
)
REP_VARIABLES = ("hold_s", "rep_s")
HOLD_PEAK_SHARE = 0.8   # a hold is the end position within 80 % of the movement's peak excursion
VIEW_CHANGE, VIEW_CHANGE_S = 1.25, 0.5   # see ExerciseMachine._new_view
NAN = math.nan

GUIDANCE = {
    # MediaPipe's person detector keys on the face: face down or hidden, nobody is found.
    "step_into_view": "Step into view: the camera must see your face",
    "move_back": "Move back: whole body in view",
    "turn_sideways": "Turn sideways to the camera",
}


def guidance_code(detected: bool, in_frame: float, shoulder_width: float, hip_width: float, common: dict):
    """A frame's set-up problem before it has lasted: "lost" (nobody found), "move_back",
    "turn_sideways" or None (NaN compares false: not measured is not a problem)."""
    if not detected:
        return "lost"
    if in_frame < common["in_frame_min"]:
        return "move_back"
    if shoulder_width > common["front_view_width"] and hip_width > common["front_view_width"]:
        return "turn_sideways"
    return None


def _percentile(values: list, q: float, presorted: bool = False) -> float:
    """np.percentile(values, 100 q) (its default linear method, the same arithmetic) without its
    ~50 us of overhead a call: holds end several times a minute in a replay."""
    v = values if presorted else sorted(values)
    pos = (len(v) - 1) * q
    lo = math.floor(pos)
    a, b = v[lo], v[min(lo + 1, len(v) - 1)]
    g = pos - lo
    diff = b - a
    return b - diff * (1 - g) if g >= 0.5 else a + diff * g


class Levels:
    """This person's own range of one signal: its 10th and 90th percentile (`low`, `high`) over
    the frames of the last `window_s` seconds where it was measured while the spec's condition
    held (cat-cow: on all fours). Extremes are then judged against where this person's head and
    back actually go, not against one clip's numbers. NaN until `min_s` of such frames."""

    def __init__(self, window_s: float, min_s: float):
        self.window_s, self.min_s = window_s, min_s
        self._recent: deque = deque()    # (t, value) in time order
        self._sorted: list = []

    def add(self, t: float, value: float) -> None:
        self._recent.append((t, value))
        bisect.insort(self._sorted, value)
        while self._recent and self._recent[0][0] < t - self.window_s:
            _, old = self._recent.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]

    def clear(self) -> None:
        self._recent.clear()
        self._sorted.clear()

    def low_high(self) -> tuple[float, float]:
        r = self._recent
        if not r or r[-1][0] - r[0][0] < self.min_s:
            return NAN, NAN
        v = self._sorted
        return _percentile(v, 0.1, presorted=True), _percentile(v, 0.9, presorted=True)


class Memory:
    """The features a spec lists under `remember`, each keeping its last measured value while it
    is not measured, for up to `seconds` (then NaN, not measured). Live one frame at a time
    (`frame`), or a whole file's arrays at once (`arrays`): the same numbers."""

    def __init__(self, names: tuple[str, ...], seconds: float):
        self.names, self.seconds = names, seconds
        self._last: dict[str, tuple[float, float]] = {}   # name -> (t, value) last measured

    def frame(self, t: float, values: dict) -> dict:
        out = values   # copied only when a value is filled in (the live loop runs this per frame)
        for name in self.names:
            v = values.get(name, NAN)
            if v == v:
                self._last[name] = (t, v)
            elif name in self._last and t - self._last[name][0] <= self.seconds:
                if out is values:
                    out = dict(values)
                out[name] = self._last[name][1]
        return out

    def arrays(self, t: np.ndarray, features: dict) -> dict:
        out = dict(features)
        for name in self.names:
            v = features[name]
            measured = v == v
            last = np.maximum.accumulate(np.where(measured, np.arange(len(v)), -1))
            seen = np.maximum(last, 0)
            ok = (last >= 0) & (t - t[seen] <= self.seconds)
            out[name] = np.where(measured, v, np.where(ok, v[seen], NAN))
        return out


class _LazyRow:
    """A live frame's slots, each evaluated when the state first asks for it (the same value an
    eager evaluation gives: the frame's names do not change while the state steps)."""
    __slots__ = ("slots", "env", "values")

    def __init__(self, slots: list, env: dict):
        self.slots, self.env, self.values = slots, env, [_UNSET] * len(slots)

    def __getitem__(self, i: int):
        v = self.values[i]
        if v is _UNSET:
            v = self.values[i] = self.slots[i](self.env)
        return v

    def __setitem__(self, i: int, value) -> None:
        self.values[i] = value


_UNSET = object()


class ExerciseMachine:
    """Each frame the spec's expressions are evaluated (live: on the frame's numbers; scoring a
    file: over all frames at once, see `run`) into one row of results in a fixed layout, the
    *slots*; the state below (position, rep progress, hold clock, warning timers) then steps
    through the rows one frame at a time, the same code either way."""

    def __init__(self, spec: Spec):
        self.spec = spec
        c = spec.common
        self.repeat_s = c["warning_repeat_s"]
        self.state = MachineState(reps_by_side={s: 0 for s in spec.sides} if spec.sides else None,
                                  hold_target_s=spec.hold_target_s)
        self._env = {**spec.thresholds, **c}
        self._by_name = {p.name: p for p in spec.positions}
        # The slots: every per-frame expression's place in a row.
        slots: list = []

        def slot(expr) -> int:
            slots.append(expr)
            return len(slots) - 1

        self._enter = [slot(p.enter) for p in spec.positions]
        self._exit = {p.name: slot(p.exit) for p in spec.positions}
        self._when = [slot(w.when) for w in spec.warnings]
        self._hold_while = slot(spec.hold_while) if spec.hold_while is not None else None
        self._hold_sig = {n: slot(e) for n, e in spec.hold_signals.items()}
        self._done_cue = {p.name: p.done_cue for p in spec.positions}
        self._label = {p.name: p.label for p in spec.positions}
        self._track_slots = [(f"{n}_rise", slot(Expr(n, f"rep.track {n}"))) for n in spec.track]
        self._level_slots = [(n, slot(Expr(n, f"levels {n}")), slot(cond)) for n, cond in spec.levels.items()]
        self._levels = {n: Levels(c["level_window_s"], c["level_min_s"]) for n in spec.levels}
        self._view_slot = slot(Expr("torso_px", "levels view")) if spec.levels else None
        self._memory = Memory(spec.remember, c["remember_s"]) if spec.remember else None
        self._vote_slots = [(side, slot(e)) for side, e in spec.side_votes.items()]
        self._votes: dict[str, float] = {}   # side -> seconds it led, in the sided position held now
        # A sided position's twin on each side, and each sequence's twin (the same steps, the other side).
        twins = {(p.template, p.side): p.name for p in spec.positions if p.side is not None}
        self._twin = {p.name: {s: twins[(p.template, s)] for s in spec.sides}
                      for p in spec.positions if p.side is not None}
        index = {seq: i for i, (seq, _) in enumerate(spec.sequences)}
        self._seq_twin = {(i, s): index.get(tuple(self._twin.get(n, {}).get(s, n) for n in seq))
                          for i, (seq, _) in enumerate(spec.sequences) for s in spec.sides}
        self._sizes: deque = deque()   # (t, torso length in pixels) of the last VIEW_CHANGE_S
        self.slots = slots
        self._stateless_signals = [(n, e) for n, e in spec.signals.items() if n not in spec.stateful]
        self._stateful_signals = [(n, e) for n, e in spec.signals.items() if n in spec.stateful]
        self._stateful_slots = [i for i, e in enumerate(slots) if e.names & spec.stateful]
        self._position: str | None = None           # current position (None = between positions)
        self._candidate: tuple[str, float] | None = None  # position whose enter holds, since when
        self._progress = [0] * len(spec.sequences)
        self._last_t: float | None = None
        self._lost_since: float | None = None
        self._guidance_since: dict[str, float] = {}
        self._warn_since: dict[int, float] = {}    # rule index -> since when it holds
        self._rules_for: dict[tuple, tuple] = {}    # (position, engaged) -> the rules that apply
        self._warn_last: dict[str, float] = {}
        self._warning_shown_until = 0.0
        self._hold: dict | None = None
        self._paused_hold: tuple | None = None      # (hold, when its position was left)
        self._last_entered: str | None = None
        self._last_in_position = -math.inf
        # Recent frames (t, dt, {hold position: signal}) since the last position was left, plus
        # the last second inside it: where a hold's movement started from.
        self._approach: deque = deque(maxlen=1800)   # bounded: a minute at 30 fps
        self._rep_start: float | None = None
        self._rep_hold_s = 0.0
        self._track: dict[str, float] = {}   # each tracked signal's lowest in the rep in progress

    # -- live: one frame -------------------------------------------------------------------------
    def update(self, f: Features) -> tuple[MachineState, list]:
        raw = guidance_code(f.detected, f.get("in_frame"), f.get("shoulder_width"), f.get("hip_width"), self.spec.common)
        env = self._env
        values = self._memory.frame(f.t, f.values) if self._memory else f.values

        def row(_):
            env.update(values)
            for name in FEATURE_NAMES:
                if name not in values:
                    env[name] = NAN
            for name, expr in self._stateless_signals:
                env[name] = expr(env)
            return _LazyRow(self.slots, env)

        return self.state, self._frame(0, f.t, raw, row, lambda _: env, lambda _: env)

    # -- a file: every frame --------------------------------------------------------------------
    def run(self, t: list[float], raw_guidance: list, features: dict[str, np.ndarray]) -> tuple[list, list, dict]:
        """Steps through N frames whose features are (N,) arrays (NaN = not measured): (events per
        frame, whether counting was paused for set-up guidance per frame, the features and
        signals as arrays). The expressions are evaluated over all frames at once, except those
        that read the rep in progress (`spec.stateful`), which are evaluated frame by frame."""
        n = len(t)
        consts = dict(self._env)
        features = {name: features.get(name, np.full(n, NAN)) for name in FEATURE_NAMES}
        if self._memory:
            features = self._memory.arrays(np.asarray(t, dtype=np.float64), features)
        env = {**consts, **features}
        for name, expr in self._stateless_signals:
            env[name] = np.broadcast_to(expr.arrays(env), (n,))
        cols = [[None] * n if i in self._stateful_slots else np.broadcast_to(e.arrays(env), (n,)).tolist()
                for i, e in enumerate(self.slots)]
        rows = list(zip(*cols)) if cols else [()] * n
        arrays = {k: v for k, v in env.items() if k not in consts}
        lists: dict[str, list] = {}

        def names_at(names, i):
            for name in names:
                if name not in lists:
                    lists[name] = arrays[name].tolist()
            return {**consts, **{name: lists[name][i] for name in names}}

        every = list(arrays)
        needed = sorted({m for e in [*(self.slots[i] for i in self._stateful_slots),
                                     *(e for _, e in self._stateful_signals)]
                         for m in e.names if m in arrays})
        events, paused = [], []
        for i, ti in enumerate(t):
            events.append(self._frame(i, ti, raw_guidance[i], rows.__getitem__,
                                      lambda i: names_at(every, i), lambda i: names_at(needed, i)))
            paused.append(self.state.guidance is not None)
        return events, paused, arrays

    # -- the state, one frame ---------------------------------------------------------------------
    def _frame(self, i: int, t: float, raw: str | None, row_at, env_at, state_env_at) -> list:
        """Frame i: `row_at(i)` its slots (asked only when counting), `env_at(i)` its names for
        rep checks (a new dict or the live one), `state_env_at(i)` those the expressions reading
        the rep in progress need."""
        events: list = []
        last_t = self._last_t
        dt = 0.0 if last_t is None else max(0.0, t - last_t)
        self._last_t = t
        st = self.state
        guidance = self._sustained_guidance(t, raw)
        self._flush_paused_hold(t, events, force=bool(guidance))
        if guidance:
            if st.guidance is None or st.guidance.code != guidance:
                st.guidance = Guidance(t, guidance, GUIDANCE[guidance])
                events.append(st.guidance)
            self._candidate = None
            self._end_hold(t, events)
            st.holding = False
            return events
        st.guidance = None
        if raw == "lost":
            # Nobody found on this frame, for less than `lost_s`: MediaPipe losing the person for
            # a frame or a few (a pose it finds on some frames only) says nothing about them.
            # Everything stays as it was (the position being entered keeps its dwell, a warning
            # its time, a hold its seconds: the next frame's step spans the gap). Read as a
            # frame of its own, every signal not measured, it restarted a position's dwell: with
            # a quarter of the frames lost at random, 30 of 93 clip runs matched their labels,
            # 85 now (tools/dropout_sweep.py; 90 with no frame lost).
            self._last_t = last_t
            return events
        row = row_at(i)
        self._env_at, self._env_i = env_at, i   # for a rep check, if a rep ends this frame
        ranges = {}
        # {name}_rise: now minus the lowest so far in the rep in progress (a rise, not the
        # settling down into the start position).
        for key, slot in self._track_slots:
            v = row[slot]
            low = self._track.get(key)
            if self._rep_start is not None and v == v and (low is None or v < low):
                low = self._track[key] = v
            ranges[key] = v - low if low is not None and v == v else NAN
        if self._view_slot is not None and self._new_view(t, row[self._view_slot]):
            for level in self._levels.values():
                level.clear()
        for name, value_slot, cond_slot in self._level_slots:   # this person's own levels
            v, level = row[value_slot], self._levels[name]
            if v == v and row[cond_slot] is True:
                level.add(t, v)
            ranges[f"{name}_low"], ranges[f"{name}_high"] = level.low_high()
        if ranges:
            self._env.update(ranges)
        self._ranges = ranges
        if self._stateful_slots:
            env = state_env_at(i)
            env.update(ranges)
            for name, expr in self._stateful_signals:
                env[name] = expr(env)
            row = list(row) if isinstance(row, tuple) else row
            for j in self._stateful_slots:
                row[j] = self.slots[j](env)
        if self._hold_sig and self._hold is None:
            self._approach.append((t, dt, {p: row[s] for p, s in self._hold_sig.items()}))
            if self._position is not None:  # resting in a position: keep only its last second
                while self._approach and self._approach[0][0] < t - 1.0:
                    self._approach.popleft()
        self._update_position(t, row, events)
        if self._vote_slots and self._position in self._twin:
            votes = [(row[j], side) for side, j in self._vote_slots if row[j] == row[j]]
            if votes and max(votes)[0] > 0:
                side = max(votes)[1]
                self._votes[side] = self._votes.get(side, 0.0) + dt
        active = self._update_warnings(t, row, events)
        self._update_hold(t, dt, active, row)
        st.phase = self._by_name[self._position].label if self._position else "moving"
        if st.warning is not None and t > self._warning_shown_until:
            st.warning = None
        return events

    def _new_view(self, t: float, torso_px: float) -> bool:
        """A person's levels hold for one view of them: the torso's length in the picture
        changing by more than VIEW_CHANGE within VIEW_CHANGE_S is a new view (a cut in edited
        footage, the laptop moved), not a movement (measured at a real clip's cut: 143 -> 200 px
        in 0.3 s)."""
        sizes = self._sizes
        if torso_px == torso_px and torso_px > 0:
            sizes.append((t, torso_px))
        while sizes and sizes[0][0] < t - VIEW_CHANGE_S:
            sizes.popleft()
        if len(sizes) < 2:
            return False
        lo, hi = min(s for _, s in sizes), max(s for _, s in sizes)
        return hi > lo * VIEW_CHANGE

    def _sustained_guidance(self, t: float, raw: str | None) -> str | None:
        g = raw
        if g == "lost":
            if self._lost_since is None:
                self._lost_since = t
            g = "step_into_view" if t - self._lost_since >= self.spec.common["lost_s"] else None
        else:
            self._lost_since = None
        if g is None:
            self._guidance_since.clear()
            return None
        since = self._guidance_since.setdefault(g, t)
        if g == "step_into_view" or t - since >= self.spec.common["guidance_s"]:
            return g
        return self.state.guidance.code if self.state.guidance else None

    def _update_position(self, t: float, row, events: list) -> None:
        if self._position is not None and row[self._exit[self._position]] is True:
            self._leave_position(t, events)
        if self._position is not None:
            return
        entering = [p for p, s in zip(self.spec.positions, self._enter) if row[s] is True]
        if not entering:
            self._candidate = None
            return
        p = entering[0]
        if self._candidate is None or self._candidate[0] != p.name:
            self._candidate = (p.name, t)
        if t - self._candidate[1] >= p.dwell_s:
            self._candidate = None
            self._enter_position(p.name, t, events)

    def _enter_position(self, name: str, t: float, events: list) -> None:
        self._position = name
        paused, self._paused_hold = self._paused_hold, None
        if name == self._last_entered:
            # Back in the position it just left, with no other in between: a flicker at a
            # threshold (or a limb MediaPipe lost for a moment), not a new position. The rep's
            # progress stands, and a hold left less than `hold_merge_s` ago goes on.
            if paused is not None and t - paused[1] <= self.spec.common["hold_merge_s"]:
                self._hold = paused[0]
            elif paused is not None:
                self._end_hold(paused[1], events, paused[0])
            if self._hold is None and name in self.spec.holds:
                self._hold = {"start": t, "good": 0.0, "name": name, "frames": [], "entered": 0}
            self._approach.clear()
            return
        if paused is not None:
            self._end_hold(paused[1], events, paused[0])
        self._last_entered = name
        self._votes = {}
        if name in self.spec.holds:
            frames = [(ft, fdt, vals.get(name, NAN), True) for ft, fdt, vals in self._approach]
            self._hold = {"start": t, "good": 0.0, "name": name, "frames": frames, "entered": len(frames)}
        self._approach.clear()
        completed = None
        for i, (seq, side) in enumerate(self.spec.sequences):
            prog = self._progress[i]
            if seq[prog] == name:
                prog += 1
            elif seq[0] == name:
                prog = 1
            else:
                prog = 0
            self._progress[i] = prog
            if prog == len(seq) and completed is None:
                completed = (i, seq, side)
        if any(p == 1 for p in self._progress) and self._rep_start is None:
            self._rep_start = t
        if completed is not None:
            self._count_rep(t, completed, events)

    def _count_rep(self, t: float, completed, events: list) -> None:
        _, seq, side = completed
        st = self.state
        st.reps += 1
        if side is not None and st.reps_by_side is not None:
            st.reps_by_side[side] += 1
        events.append(RepCounted(t, st.reps, side))
        rep_env = dict(self._env_at(self._env_i))
        rep_env.update(self._ranges)   # the rep's tracked rises, up to this frame
        for name, expr in self._stateful_signals:
            rep_env[name] = expr(rep_env)
        rep_env["hold_s"] = self._rep_hold_s
        rep_env["rep_s"] = t - (self._rep_start if self._rep_start is not None else t)
        for check in self.spec.rep_checks:
            if check.when(rep_env) is True:
                self._emit(t, check.code, check.cue, check.severity, events)
        # Start the next rep: a sequence that ends where it starts (rest, top, rest) chains.
        name = seq[-1]
        for i, (s, _) in enumerate(self.spec.sequences):
            self._progress[i] = 1 if (s[0] == name and s[-1] == s[0]) else 0
        self._rep_start = t if any(self._progress) else None
        self._rep_hold_s = 0.0
        self._track.clear()

    def _leave_position(self, t: float, events: list) -> None:
        if self._votes and self._position in self._twin:
            self._vote_side()
        if self._hold is not None:   # ended when the next position is entered, or merge time passes
            self._paused_hold, self._hold = (self._hold, t), None
            self.state.holding = False
        self._position = None

    def _vote_side(self) -> None:
        """A sided position (bird-dog's reach) is left: its side is the one `[rep] side_vote`
        favoured for most of the time in it, not necessarily the one whose condition was met
        first. MediaPipe swaps a side view's left and right labels for a few frames now and
        then, and a reach entered during such a swap was given to the wrong side (bird-dog
        samples with a fifth of their frames swapped in bursts of 5: 1-4 of 3 per side; see
        tools/dropout_sweep.py --kind swap). The position, its hold and the rep in progress
        move to the twin on the voted side."""
        name = self._position
        side = self._by_name[name].side
        best = max(self._votes, key=self._votes.get)
        if best == side or self._votes[best] <= self._votes.get(side, 0.0):
            return
        twin = self._twin[name][best]
        if self._hold is not None and self._hold["name"] == name:
            self._hold["name"] = twin
        self._position = self._last_entered = twin
        progress = list(self._progress)
        for (i, s), j in self._seq_twin.items():
            if j is not None and s == best and self.spec.sequences[i][1] == side:
                progress[j], progress[i] = self._progress[i], self._progress[j]
        self._progress = progress

    def _flush_paused_hold(self, t: float, events: list, force: bool = False) -> None:
        p = self._paused_hold
        if p is not None and (force or t - p[1] > self.spec.common["hold_merge_s"]):
            self._paused_hold = None
            self._end_hold(p[1], events, p[0])

    def _end_hold(self, t: float, events: list, h: dict | None = None) -> None:
        if h is None:
            h, self._hold = self._hold, None
        if h is None:
            return
        start, end, good = h["start"], t, h["good"]
        band = self._peak_band(h)
        if band is not None:
            start, end, good = band
        if end > start:
            good = min(good, end - start)   # the entry frame's time counted in `good` must not make it longer than the hold
            events.append(HoldEnded(start, end, good, self.spec.hold_target_s, self._label.get(h["name"], h["name"])))
            self._rep_hold_s += good
        self.state.hold_s = 0.0
        self.state.holding = False

    def _peak_band(self, h: dict):
        """(start, end, good seconds) of the part of a hold within 80 % of its peak excursion.

        The live clock runs from entering the position; the report times a hold as a physio (and
        the clip labels) do: the end position held, i.e. the hold's signal at or beyond 80 % of
        the way from where the movement started to its peak."""
        frames = [f for f in h.get("frames", []) if f[2] == f[2]]
        if self.spec.hold_signals.get(h["name"]) is None or len(frames) < 2:
            return None
        before = [f[2] for f in h["frames"][:h["entered"]] if f[2] == f[2]] or [frames[0][2]]
        base = _percentile(before, 0.25)  # where the movement started: the resting level
        # The peak level is a high percentile, not the maximum: one noisy frame must not raise it.
        peak = _percentile([f[2] for f in frames], 0.75)
        threshold = base + HOLD_PEAK_SHARE * (peak - base)
        above = [i for i, f in enumerate(frames) if f[2] >= threshold]
        if not above:
            return None
        # From the first to the last frame at the peak: a noisy dip inside is still the hold, and
        # so are frames whose signal was not measured (the back's outline from 3/4: a cat held
        # 11 s was timed 3.7 s when only its measured frames counted); only bad form (the frames'
        # good flag) takes time off it.
        start, end = frames[above[0]][0], frames[above[-1]][0]
        good = sum(f[1] for f in h["frames"] if start < f[0] <= end and f[3])
        return start, end, good

    def _update_hold(self, t: float, dt: float, active_rules: list, row) -> None:
        """A hold is timed only while the form is good: no hold-breaking warning is active and the
        spec's `hold_while` (e.g. hips still at the line) is true. A broken hold pauses."""
        h = self._hold
        st = self.state
        if h is None:
            st.holding = False
            return
        broken = any(r.breaks_hold for r in active_rules)
        if self._hold_while is not None and row[self._hold_while] is not True:
            broken = True
        if not broken:
            h["good"] += dt
        sig = self._hold_sig.get(h["name"])
        if sig is not None:
            h["frames"].append((t, dt, row[sig], not broken))
        st.holding = not broken
        st.hold_s = h["good"]
        st.hold_done_cue = self._done_cue.get(h["name"], "down")

    def _update_warnings(self, t: float, row, events: list) -> list:
        active = []
        # A rule without positions applies only while the person is doing the exercise: in one of
        # its positions, or within `engaged_s` of leaving one. Someone not doing it gets no cues.
        if self._position is not None:
            self._last_in_position = t
        engaged = t - self._last_in_position <= self.spec.common["engaged_s"]
        key = (self._position, engaged)
        rules = self._rules_for.get(key)
        if rules is None:   # the rules that apply, in spec order (by index: sided rules share a code)
            rules = self._rules_for[key] = tuple(
                (i, rule, slot) for i, (rule, slot) in enumerate(zip(self.spec.warnings, self._when))
                if ((self._position in rule.during) if rule.during else engaged))
        held = self._warn_since
        firing = []
        for i, rule, slot in rules:
            if row[slot] is True:
                firing.append(i)
                since = held.setdefault(i, t)
                if t - since >= rule.for_s:
                    active.append(rule)
                    self._emit(t, rule.code, rule.cue, rule.severity, events)
        if len(held) > len(firing):   # a fault that stopped (or no longer applies) starts over
            for i in [i for i in held if i not in firing]:
                del held[i]
        return active

    def _emit(self, t: float, code: str, cue: str, severity: str, events: list) -> None:
        last = self._warn_last.get(code)
        if last is not None and t - last < self.repeat_s:
            return
        self._warn_last[code] = t
        w = FormWarning(t, code, cue, severity)
        self.state.warning = w
        self._warning_shown_until = t + self.spec.common["warning_show_s"]
        events.append(w)

    def value(self, name: str) -> float:
        """The last frame's value of a feature or derived signal (NaN if not measured)."""
        v = self._env.get(name, NAN)
        return float(v) if isinstance(v, (int, float)) else NAN

    def finish(self, t: float) -> list:
        """End of session: a position the person reached in the last moments is entered, then an
        open hold is closed.

        A position must hold for its `dwell_s` so that a signal flickering at a threshold is not a
        position. When the recording ends (a file's end, Ctrl-C) while a position's condition holds,
        what follows is not seen, so the dwell cannot be waited for: the position counts if its
        condition held on the last two frames or more (one frame may be a glitch). Measured: a
        real one-rep gif played backwards ends 0.1 s after the hips are down (dwell 0.2 s), and
        its rep was lost; nothing else in the 18 eval runs changes."""
        events: list = []
        if self._candidate is not None and self._position is None and t > self._candidate[1]:
            self._enter_position(self._candidate[0], t, events)
            self._candidate = None
        self._flush_paused_hold(t, events, force=True)
        self._end_hold(t, events)
        return events
