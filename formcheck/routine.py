"""`formcheck routine`: the whole programme in the seed's order, one camera stream.

bird-dog -> reverse tabletop -> bent-over row -> superman -> cat-cow. Each exercise runs its own
`Session` until its target is reached (reps, or reps on each side for bird-dog; the seed's
targets from each spec's [target], `--target NAME=N` to change), or the user presses n / space
in the window to move on. Between exercises a rest (`--rest`, default 30 s) with the next
exercise announced on screen and aloud. One combined report (JSON: one entry per exercise;
HTML: one section each); each exercise goes into the history as its own session.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from formcheck.errors import EXIT_OK, UsageError
from formcheck.events import Guidance, MachineState, RepCounted, Transition
from formcheck.exercises import load_spec
from formcheck.features import Features
from formcheck.session import Session, Step

PROGRAMME = ("bird-dog", "reverse-tabletop", "bent-over-row", "superman", "cat-cow")
SKIP_KEYS = (ord("n"), ord(" "))


@dataclass
class Planned:
    exercise: str
    reps: int
    per_side: bool


@dataclass
class Routine:
    """A driver with the Session interface (step / finish / title / done) over a whole programme."""
    plan: list[Planned]
    source: str
    fps: float
    rest_s: float = 30.0
    config: str | None = None
    series: bool = False                             # keep plot series (an HTML report wants them)
    index: int = 0
    sessions: list = field(default_factory=list)     # (Planned, Session, its report, how it ended)
    _rest_until: float | None = None
    _current: Session | None = None
    _skip: bool = False
    _announced: bool = False
    _started_at: dict = field(default_factory=dict)   # exercise index -> stream time of its first frame

    def __post_init__(self):
        self._start(0)

    heading = "formcheck routine"
    history_mode = "routine"

    @property
    def done(self) -> bool:
        return self.index >= len(self.plan)

    @property
    def title(self) -> str:
        if self.done:
            return "Routine done"
        p = self.plan[self.index]
        prefix = "Next: " if self._rest_until is not None else ""
        return f"{prefix}{self._current.spec.title} ({self.index + 1}/{len(self.plan)}, target {p.reps}{' per side' if p.per_side else ''})"

    def _start(self, index: int) -> None:
        self.index = index
        if index < len(self.plan):
            self._current = Session(load_spec(self.plan[index].exercise, self.config), self.source, self.fps,
                                    self.series)

    def on_key(self, key: int) -> None:
        if key in SKIP_KEYS:
            self._skip = True

    def reached(self) -> bool:
        p, r = self.plan[self.index], self._current.report
        if p.per_side and r.reps_by_side:
            return min(r.reps_by_side.values()) >= p.reps
        return r.reps >= p.reps

    def _start_phrase(self) -> str:
        p = self.plan[self.index]
        return f"Start {self._current.spec.title}: {p.reps}{' each side' if p.per_side else ' reps'}"

    def step(self, pose) -> Step:
        events: list = []
        if self._rest_until is not None:                       # resting before plan[index]
            left = self._rest_until - pose.t
            if left <= 0 or self._skip:
                self._skip = False
                self._rest_until = None
                events.append(Transition(pose.t, self._start_phrase()))
            else:
                state = MachineState(phase=f"rest {left:4.0f} s")
                state.guidance = Guidance(pose.t, "rest", f"Rest. Next: {self._current.spec.title}")
                return Step(pose, None, Features(pose.t, detected=False), state, events)
        if not self._announced:   # the first exercise is announced too
            self._announced = True
            events.append(Transition(pose.t, self._start_phrase()))
        self._started_at.setdefault(self.index, pose.t)
        step = self._current.step(pose)
        step.events = events + step.events
        # The target is reached when its last rep is counted and any hold in progress has ended
        # (cat-cow counts a rep on entering the cow: its 10 s hold is still to come).
        reached = self.reached() and not (step.state.holding or step.state.hold_s > 0)
        if reached or self._skip:
            self._skip = False
            report = self._current.finish()
            self.sessions.append((self.plan[self.index], self._current, report, "target reached" if reached else "skipped"))
            # The last rep's number goes into the phrase that moves on (said alone, the more
            # important transition would replace it and it would never be heard).
            last = [e for e in step.events if isinstance(e, RepCounted)]
            count = f"{last[-1].spoken(report['reps_by_side'])}. " if last else ""
            step.events = [e for e in step.events if not isinstance(e, RepCounted)] + last[:-1]
            self._start(self.index + 1)
            if self.done:
                step.events.append(Transition(pose.t, f"{count}Routine done. Well done"))
            else:
                self._rest_until = pose.t + self.rest_s
                step.events.append(Transition(pose.t, f"{count}{'Done' if reached else 'Skipped'}. Rest {self.rest_s:.0f} second{'' if round(self.rest_s) == 1 else 's'}. "
                                              f"Next: {self._current.spec.title}"))
        return step

    def started_at(self, i: int) -> float:
        """Stream seconds at which exercise i started (its first frame after the rest before it)."""
        return self._started_at.get(i, 0.0) - self._started_at.get(0, 0.0)

    def sections(self, report: dict, thumbnails: dict) -> list:
        from formcheck.sinks.html_report import section_from
        out = []
        for p, s, rep, _ in self.sessions:
            sec = section_from(s, rep, thumbnails)
            sec.target = {**sec.target, ("reps_per_side" if p.per_side else "reps"): p.reps}
            out.append(sec)
        return out

    def history_reports(self, report: dict) -> list[tuple[dict, float]]:
        """Each exercise stored as its own session, at the time it started."""
        return [(rep, self.started_at(i)) for i, (_, _, rep, _) in enumerate(self.sessions) if rep["frames"]]

    def finish(self) -> dict:
        if not self.done and self._rest_until is None and self._current.report.frames:
            self.sessions.append((self.plan[self.index], self._current, self._current.finish(), "stopped"))
        exercises = []
        for p, _, report, ended in self.sessions:
            exercises.append({**report, "target_reps": p.reps, "target_per_side": p.per_side, "ended": ended})
        return {
            "routine": [p.exercise for p in self.plan],
            "exercises": exercises,
            "completed": sum(e["ended"] == "target reached" for e in exercises),
            "reps": sum(e["reps"] for e in exercises),
            "warnings": sum(len(e["warnings"]) for e in exercises),
            "source": self.source,
            "notes": [],
        }


def plan_from(targets: list[str] | None, exercises=PROGRAMME, config: str | None = None) -> list[Planned]:
    """The seed's targets (each spec's [target]) with `NAME=N` overrides."""
    override: dict[str, int] = {}
    for item in targets or []:
        name, _, n = item.partition("=")
        if name not in exercises or not n.isdigit() or int(n) < 1:
            raise UsageError(f"--target {item!r}: expected NAME=N with NAME one of {', '.join(exercises)} and N >= 1")
        override[name] = int(n)
    plan = []
    for name in exercises:
        spec = load_spec(name, config)
        per_side = "reps_per_side" in spec.target
        default = int(spec.target.get("reps_per_side", spec.target.get("reps", 8)))
        plan.append(Planned(name, override.get(name, default), per_side))
    return plan


def routine_parser():
    from formcheck.cli import _camera_arg, _Parser, add_session_outputs
    p = _Parser(prog="formcheck routine", description="Run the whole programme in order: "
                + ", ".join(PROGRAMME) + ". Moves on at each target or on n / space in the window.")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=_camera_arg, metavar="N", help="camera index (default 0) or a stand-in video path")
    src.add_argument("--video", metavar="PATH", help="score a recorded video of the whole routine")
    p.add_argument("--target", action="append", metavar="NAME=N", help="reps for one exercise (per side for bird-dog); repeatable")
    p.add_argument("--rest", type=float, default=30.0, metavar="S", help="rest between exercises, seconds (default 30)")
    p.add_argument("--report", action="append", metavar="OUT", help="combined report, .json or .html; repeatable")
    p.add_argument("--config", metavar="FILE", help="threshold overrides (README 'Thresholds')")
    add_session_outputs(p)
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    return p


def main_routine(argv: list[str]) -> int:
    from formcheck.pipeline import RunOptions, run_driver
    args = routine_parser().parse_args(argv)
    if not 0 <= args.rest <= 3600:   # also refuses nan (rests forever) and inf
        raise UsageError(f"--rest must be a number of seconds from 0 to 3600, got {args.rest}")
    plan = plan_from(args.target, config=args.config)
    opts = RunOptions(exercise="routine", video=args.video, camera=args.camera, headless=args.headless,
                      save_video=args.save_video, record=args.record, overwrite=args.overwrite, report=args.report,
                      model=args.model, config=args.config, quiet=args.quiet, mute=args.mute,
                      history=not args.no_history)
    result = run_driver(opts, lambda source, fps, series: Routine(plan, source, fps, args.rest, args.config, series=series))
    if not args.quiet:
        from formcheck.cli import print_summary
        for e in result["exercises"]:
            print_summary(e, {"reps_per_side" if e["target_per_side"] else "reps": e["target_reps"]})
            print(f"  ({e['ended']})")
        print(f"routine: {result['completed']} of {len(plan)} exercises to target, {result['reps']} reps, "
              f"{result['warnings']} warnings")
    return EXIT_OK
