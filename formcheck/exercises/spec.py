"""Exercise specs: one TOML file per exercise (specs/NAME.toml) plus specs/common.toml.

A spec declares, with no code:
  [thresholds]   named numbers (degrees, torso lengths, seconds) the expressions use;
                 `--config FILE` may override any of them, and only them.
  [signals]      derived signals: name = expression over feature names and thresholds.
  [[position]]   named positions, each entered when `enter` holds for `dwell_s` and left when
                 `exit` holds (enter/exit thresholds differ: hysteresis).
  [rep]          sequences of positions that make one rep, which positions are holds and
                 which signals are tracked over a rep: `{name}_rise`, now minus the lowest
                 so far in the rep.
  [[warning]]    per-frame form rules: code, condition, positions it applies in, duration, cue.
  [[rep_check]]  rules checked once per finished rep (e.g. no pause at the top).
  plot           signals the HTML report draws over time (with spine_curve, reps, warnings).
Every expression is a condition or a number, checked at load (positions, warnings and rep checks
need conditions; and/or/not take conditions, arithmetic numbers); a signal may use only signals
above it. Whether an exercise needs the silhouette's back outline every frame follows from its
expressions (`spine_curve`, `back_height`). `sides = ["left", "right"]` expands every
`{side}`/`{other}` in names and expressions, so a sided exercise (bird-dog) is written once.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from formcheck.errors import UsageError
from formcheck.exercises.expr import BOOL, NUMBER, Expr

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXERCISES = ("bird-dog", "reverse-tabletop", "bent-over-row", "superman", "cat-cow", "glute-bridge")
SEVERITIES = ("info", "warning", "danger")

TOP_KEYS = {"name", "title", "summary", "sides", "thresholds", "signals", "levels", "position",
            "rep", "warning", "rep_check", "target", "plot", "posture", "remember"}
POSITION_KEYS = {"name", "enter", "exit", "dwell_s", "label", "hold_done_cue"}
REP_KEYS = {"sequences", "holds", "hold_target_s", "hold_while", "hold_signals", "track", "side_vote"}
WARNING_KEYS = {"code", "when", "during", "for_s", "cue", "severity", "breaks_hold"}
REP_CHECK_KEYS = {"code", "when", "cue", "severity"}
TARGET_KEYS = {"reps", "reps_per_side", "hold_s"}


@dataclass
class Position:
    name: str
    enter: Expr
    exit: Expr
    dwell_s: float
    label: str
    side: str | None = None
    done_cue: str = "down"      # said when a hold in this position is done (cat-cow: "now cow")
    template: str = ""          # the name as the spec writes it ("reach_{side}"): the same for each side


@dataclass
class WarningRule:
    code: str
    when: Expr
    during: tuple[str, ...]
    for_s: float
    cue: str
    severity: str
    breaks_hold: bool


@dataclass
class RepCheck:
    code: str
    when: Expr
    cue: str
    severity: str


@dataclass
class Spec:
    name: str
    title: str
    summary: str
    sides: tuple[str, ...]
    uses_spine: bool                    # derived: an expression reads the back's outline
    thresholds: dict[str, float]
    signals: dict[str, Expr]
    positions: list[Position]
    sequences: list[tuple[tuple[str, ...], str | None]]   # (positions in order, side)
    holds: tuple[str, ...]
    hold_target_s: float
    hold_while: Expr | None
    hold_signals: dict[str, Expr]       # hold position -> the signal that peaks there
    track: tuple[str, ...]
    warnings: list[WarningRule]
    rep_checks: list[RepCheck]
    target: dict[str, float] = field(default_factory=dict)
    common: dict[str, float] = field(default_factory=dict)
    plot: tuple[str, ...] = ()          # signals the HTML report plots over time (+ spine_curve)
    # [levels]: signal -> condition. This person's own range of the signal so far, over the frames
    # where the condition holds, as {signal}_low and {signal}_high (see engine.Levels).
    levels: dict[str, Expr] = field(default_factory=dict)
    stateful: frozenset = frozenset()   # derived: names that depend on the frames before
    # The start posture (e.g. on all fours), a condition on one frame: at the end of a session
    # that counted nothing, it is checked on the frames turned a quarter (exercises/sideways.py).
    posture: Expr | None = None
    # [rep] side_vote, per side: above 0 while that side is the one at work. A sided position's
    # side is the one voted for over the time spent in it, not the one whose condition was met
    # first (engine.ExerciseMachine._vote_side).
    side_votes: dict[str, Expr] = field(default_factory=dict)
    # Features that keep their last measured value while not measured, for up to `remember_s`
    # (common.toml): a limb hidden for a moment is where it was last seen (engine.Memory).
    remember: tuple[str, ...] = ()


CONFIG_LIMIT = 1 << 20   # a threshold file is a few hundred bytes; more is not a config


def _read_toml(path, label: str) -> dict:
    """A TOML file, refused in one line when it is not a regular file (a FIFO or /dev/zero would
    hang or fill the memory), over CONFIG_LIMIT, not UTF-8, not TOML, or absurdly nested."""
    p = Path(path)
    try:
        if not p.is_file():
            raise UsageError(f"config file not found: {path}" if not p.exists() else f"{label}: not a regular file")
        with open(p, "rb") as f:
            data = f.read(CONFIG_LIMIT + 1)
        if len(data) > CONFIG_LIMIT:
            raise UsageError(f"{label}: larger than {CONFIG_LIMIT // 1024} KB; not a threshold file")
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"{label}: not valid TOML ({_short(err)})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{label}: not UTF-8 text (save it as UTF-8)") from None
    except RecursionError:
        raise UsageError(f"{label}: nested too deeply to be a threshold file") from None
    except OSError as err:
        raise UsageError(f"cannot read {label}: {err.strerror}") from None


def _short(value, limit: int = 80) -> str:
    """A value as it may be echoed in a message: one line, at most `limit` characters."""
    text = repr(value) if not isinstance(value, BaseException) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_keys(table: dict, allowed: set, where: str) -> None:
    for key in table:
        if key not in allowed:
            raise UsageError(f"{where}: unknown key {_short(key)} (allowed: {', '.join(sorted(allowed))})")


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{where}: expected a number, got {_short(value)}")
    if not math.isfinite(value):   # nan compares false with everything: a rule that never fires
        raise UsageError(f"{where}: expected a finite number, got {value!r}")
    return float(value)


def _builtin(name: str) -> dict:
    res = resources.files("formcheck.exercises").joinpath("specs", f"{name}.toml")
    with resources.as_file(res) as p:
        return _read_toml(p, f"{name}.toml")


def common_thresholds() -> dict[str, float]:
    raw = _builtin("common")
    _check_keys(raw, {"thresholds"}, "common.toml")
    return {k: _number(v, f"common.toml: thresholds.{k}") for k, v in raw["thresholds"].items()}


def apply_overrides(name: str, thresholds: dict, common: dict, config_path) -> None:
    """`--config FILE`: a TOML with [thresholds] (this exercise's) and/or [common] tables, and
    per-exercise tables [NAME.thresholds] / [NAME.common] that apply to NAME only and win over
    the plain ones (a routine's config can set one exercise's thresholds)."""
    raw = _read_toml(config_path, str(config_path))
    _check_keys(raw, {"thresholds", "common", *EXERCISES}, str(config_path))
    own = raw.get(name, {})
    if not isinstance(own, dict):
        raise UsageError(f"{config_path}: [{name}] must be a table holding [{name}.thresholds] and/or [{name}.common]")
    _check_keys(own, {"thresholds", "common"}, f"{config_path}: [{name}]")
    for layer, prefix in ((raw, ""), (own, f"{name}.")):
        for table, target in (("thresholds", thresholds), ("common", common)):
            values = layer.get(table, {})
            if not isinstance(values, dict):   # `thresholds = 5`, `[[thresholds]]`
                raise UsageError(f"{config_path}: [{prefix}{table}] must be a table of name = number")
            for key, value in values.items():
                where = f"{config_path}: {prefix}{table}.{key if len(key) <= 80 else key[:79] + '…'}"
                if key not in target:
                    hint = "" if prefix else f"; for one exercise of a routine, put it under [NAME.{table}]"
                    raise UsageError(f"{where}: unknown threshold for {name} (known: {', '.join(sorted(target))}){hint}")
                number = _number(value, where)
                if number < 0 and not key.endswith("_deg"):
                    raise UsageError(f"{where}: must not be negative, got {value!r}")
                target[key] = number


def load_spec(name: str, config_path: str | Path | None = None) -> Spec:
    if name not in EXERCISES:
        raise UsageError(f"unknown exercise '{name}'; choose one of: {', '.join(EXERCISES)}")
    raw = _builtin(name)
    return build_spec(raw, f"{name}.toml", config_path)


def build_spec(raw: dict, where: str, config_path=None) -> Spec:
    _check_keys(raw, TOP_KEYS, where)
    name = raw["name"]
    thresholds = {k: _number(v, f"{where}: thresholds.{k}") for k, v in raw.get("thresholds", {}).items()}
    common = common_thresholds()
    if config_path is not None:
        apply_overrides(name, thresholds, common, config_path)
    sides = tuple(raw.get("sides", ()))
    expand_sides = sides or (None,)

    def sides_of(*texts: str):
        """The sides a name or expression is written for: each side if it says {side}, else once."""
        return expand_sides if any("{side}" in t for t in texts) else (None,)

    def sub(text: str, side):
        if side is None:
            return text
        other = sides[1 - sides.index(side)]
        return text.replace("{side}", side).replace("{other}", other)

    signals: dict[str, Expr] = {}
    for sig_name, source in raw.get("signals", {}).items():
        for side in sides_of(sig_name):
            n = sub(sig_name, side)
            signals[n] = Expr(sub(source, side), f"{where}: signals.{n}")

    positions: list[Position] = []
    for i, p in enumerate(raw.get("position", [])):
        _check_keys(p, POSITION_KEYS, f"{where}: position[{i}]")
        for side in sides_of(p["name"]):
            pname = sub(p["name"], side)
            positions.append(Position(
                name=pname,
                enter=Expr(sub(p["enter"], side), f"{where}: position {pname}.enter"),
                exit=Expr(sub(p["exit"], side), f"{where}: position {pname}.exit"),
                dwell_s=_number(p.get("dwell_s", common["dwell_s"]), f"{where}: position {pname}.dwell_s"),
                label=sub(p.get("label", pname), side), side=side,
                done_cue=sub(str(p.get("hold_done_cue", "down")), side), template=p["name"]))
    names = {p.name for p in positions}

    rep = raw.get("rep", {})
    _check_keys(rep, REP_KEYS, f"{where}: rep")
    sequences = []
    for seq in rep.get("sequences", []):
        for side in sides_of(*seq):
            expanded = tuple(sub(s, side) for s in seq)
            for s in expanded:
                if s not in names:
                    raise UsageError(f"{where}: rep sequence names unknown position '{s}'")
            sequences.append((expanded, side))
    holds = tuple(h2 for h in rep.get("holds", []) for h2 in
                  (sub(h, s) for s in sides_of(h)))
    hold_signals = {}
    for pos, source in rep.get("hold_signals", {}).items():
        for side in sides_of(pos):
            pname = sub(pos, side)
            if pname not in holds:
                raise UsageError(f"{where}: rep.hold_signals names '{pname}', which is not a hold")
            hold_signals[pname] = Expr(sub(source, side), f"{where}: rep.hold_signals.{pname}")
    side_votes = {}
    if "side_vote" in rep:
        if not sides or "{side}" not in str(rep["side_vote"]):
            raise UsageError(f"{where}: rep.side_vote needs sides and a {{side}} in its expression")
        side_votes = {side: Expr(sub(rep["side_vote"], side), f"{where}: rep.side_vote ({side})") for side in sides}
    hold_target = rep.get("hold_target_s", 0.0)
    hold_target_s = thresholds[hold_target] if isinstance(hold_target, str) else _number(hold_target, f"{where}: rep.hold_target_s")

    warnings = []
    for i, w in enumerate(raw.get("warning", [])):
        _check_keys(w, WARNING_KEYS, f"{where}: warning[{i}]")
        sev = w.get("severity", "warning")
        if sev not in SEVERITIES:
            raise UsageError(f"{where}: warning {w.get('code')}: severity must be one of {SEVERITIES}")
        for side in sides_of(w["when"], *w.get("during", [])):
            during = tuple(sub(d, side) for d in w.get("during", []))
            for d in during:
                if d not in names:
                    raise UsageError(f"{where}: warning {w['code']} names unknown position '{d}'")
            warnings.append(WarningRule(
                code=w["code"], when=Expr(sub(w["when"], side), f"{where}: warning {w['code']}"),
                during=during,
                for_s=_number(w.get("for_s", common["warning_for_s"]), f"{where}: warning {w['code']}.for_s"),
                cue=w["cue"], severity=sev, breaks_hold=bool(w.get("breaks_hold", True))))
    rep_checks = []
    for i, c in enumerate(raw.get("rep_check", [])):
        _check_keys(c, REP_CHECK_KEYS, f"{where}: rep_check[{i}]")
        rep_checks.append(RepCheck(code=c["code"], when=Expr(c["when"], f"{where}: rep_check {c['code']}"),
                                   cue=c["cue"], severity=c.get("severity", "warning")))
    target = raw.get("target", {})
    _check_keys(target, TARGET_KEYS, f"{where}: target")

    spec = Spec(name=name, title=raw.get("title", name), summary=raw.get("summary", ""), sides=sides,
                uses_spine=False, thresholds=thresholds, signals=signals,
                positions=positions, sequences=sequences, holds=holds, hold_target_s=hold_target_s,
                hold_while=Expr(rep["hold_while"], f"{where}: rep.hold_while") if "hold_while" in rep else None,
                hold_signals=hold_signals,
                track=tuple(rep.get("track", [])), warnings=warnings, rep_checks=rep_checks,
                target=dict(target), common=common,
                plot=tuple(n2 for n in raw.get("plot", []) for n2 in
                           (sub(n, s) for s in sides_of(n))),
                levels={n: Expr(c, f"{where}: levels.{n}") for n, c in raw.get("levels", {}).items()},
                posture=Expr(raw["posture"], f"{where}: posture") if "posture" in raw else None,
                side_votes=side_votes,
                remember=tuple(n2 for n in raw.get("remember", []) for n2 in (sub(n, s) for s in sides_of(n))))
    _check_names(spec, where)
    _check_kinds(spec, where)
    spine = {"spine_curve", "back_height"}
    spec.uses_spine = any(spine & expr.names for _, expr, _ in _expressions(spec))
    # Names whose value depends on the frames before (the rep's tracked rises, the person's
    # levels, and signals using them): expressions reading them are evaluated frame by frame
    # even when scoring a file.
    stateful = _track_names(spec) | _level_names(spec)
    for n, e in spec.signals.items():
        if e.names & stateful:
            stateful.add(n)
    spec.stateful = frozenset(stateful)
    if spec.posture is not None and spec.posture.names & spec.stateful:
        raise UsageError(f"{where}: posture reads names that change with the rep in progress; use the frame's own signals")
    for n in spec.plot:
        if n in spec.stateful:
            raise UsageError(f"{where}: plot names {n}, which changes with the rep in progress; plot the signal it is made from")
    return spec


def _known_names(spec: Spec) -> tuple[set, set]:
    """Names per-frame expressions may use, and those rep checks may use."""
    from formcheck.exercises.engine import FEATURE_NAMES, REP_VARIABLES

    known = set(FEATURE_NAMES) | set(spec.signals) | set(spec.thresholds) | set(spec.common)
    known |= _track_names(spec) | _level_names(spec)
    return known, known | set(REP_VARIABLES)


def _track_names(spec: Spec) -> set:
    return {f"{t}_rise" for t in spec.track}


def _level_names(spec: Spec) -> set:
    return {f"{n}_{end}" for n in spec.levels for end in ("low", "high")}


def _expressions(spec: Spec):
    """(label, expression, names it may use) of every expression in the spec."""
    known, rep_known = _known_names(spec)
    exprs = [(f"signal {n}", e, known) for n, e in spec.signals.items()]
    exprs += [(f"position {p.name}", e, known) for p in spec.positions for e in (p.enter, p.exit)]
    exprs += [(f"warning {w.code}", w.when, known) for w in spec.warnings]
    exprs += [("rep.hold_while", spec.hold_while, known)] if spec.hold_while else []
    exprs += [(f"rep.hold_signals.{n}", e, known) for n, e in spec.hold_signals.items()]
    exprs += [(f"rep_check {c.code}", c.when, rep_known) for c in spec.rep_checks]
    exprs += [(f"levels.{n}", c, known) for n, c in spec.levels.items()]
    exprs += [(f"levels {n}", Expr(n, f"levels {n}"), known) for n in spec.levels]
    exprs += [("posture", spec.posture, known)] if spec.posture is not None else []
    exprs += [(f"rep.side_vote ({side})", e, known) for side, e in spec.side_votes.items()]
    return exprs


def _check_kinds(spec: Spec, where: str) -> None:
    """Conditions where conditions are needed, numbers where numbers are; a signal may only use
    signals defined above it (each frame computes them in order)."""
    kinds: dict[str, str] = {}
    for n, e in spec.signals.items():
        later = e.names & (set(spec.signals) - set(kinds))
        if later:
            raise UsageError(f"{where}: signal {n} uses {', '.join(sorted(later))}, defined after it (or itself)")
        kinds[n] = e.kind(kinds)
    for t in [*spec.track, *spec.levels]:
        if kinds.get(t, NUMBER) != NUMBER:
            raise UsageError(f"{where}: {t} is tracked (rep.track, levels), but it is a condition; it must be a number")
    for n in _level_names(spec):
        kinds[n] = NUMBER
    need = [(f"position {p.name}.{end}", getattr(p, end), BOOL) for p in spec.positions for end in ("enter", "exit")]
    need += [(f"warning {w.code}", w.when, BOOL) for w in spec.warnings]
    need += [("rep.hold_while", spec.hold_while, BOOL)] if spec.hold_while else []
    need += [(f"rep.hold_signals.{n}", e, NUMBER) for n, e in spec.hold_signals.items()]
    need += [(f"rep_check {c.code}", c.when, BOOL) for c in spec.rep_checks]
    need += [(f"levels.{n}", c, BOOL) for n, c in spec.levels.items()]
    need += [("posture", spec.posture, BOOL)] if spec.posture is not None else []
    need += [(f"rep.side_vote ({side})", e, NUMBER) for side, e in spec.side_votes.items()]
    for label, e, want in need:
        got = e.kind(kinds)
        if got != want:
            raise UsageError(f"{where}: {label} must be a {want}, but {e.source!r} is a {got}")


def _check_names(spec: Spec, where: str) -> None:
    """Every name an expression uses must be a feature, signal, threshold or rep variable."""
    from formcheck.exercises.engine import FEATURE_NAMES

    known, _ = _known_names(spec)
    for n in spec.remember:
        if n not in FEATURE_NAMES:
            raise UsageError(f"{where}: remember names '{n}', which is not a feature")
    for n in spec.plot:
        if n not in known:
            raise UsageError(f"{where}: plot names unknown signal '{n}'")
    for label, expr, allowed in _expressions(spec):
        unknown = expr.names - allowed
        if unknown:
            raise UsageError(f"{where}: {label} uses unknown name(s) {', '.join(sorted(unknown))}")
