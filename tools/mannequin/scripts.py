"""Exercise animations: timelines of key poses, and the ground-truth label each one implies.

A `Script` is built from moves and holds; `pose_at(t)` interpolates the key poses (smoothstep), and
`label()` writes the same JSON fields as ../shared/clips/real (reps, per-side reps, rep and hold
times, faults), computed from the timeline that drives the animation, never typed in by hand."""
from __future__ import annotations

from dataclasses import dataclass, replace

from .skeleton import Pose

FOURS = ("l_knee", "r_knee", "l_hand", "r_hand")
ALL_FOURS = Pose(trunk=3, l_arm=-90, r_arm=-90, l_wrist=90, r_wrist=90, l_thigh=-90, r_thigh=-90,
                 l_knee=90, r_knee=90, l_foot=-70, r_foot=-70, neck=10, support=FOURS)
PRONE = Pose(trunk=0, l_arm=-3, r_arm=-3, l_thigh=180, r_thigh=180, l_foot=-80, r_foot=-80, neck=5,
             arm_spread=0.0, support=("chest", "pelvis", "l_knee", "r_knee", "l_hand", "r_hand"))
SUPINE = Pose(trunk=180, l_arm=180, r_arm=180, l_thigh=50, r_thigh=50, l_knee=101, r_knee=101,
              l_foot=-10, r_foot=-10, support=("chest", "pelvis", "l_heel", "r_heel", "l_toe", "r_toe"))
SEATED = Pose(trunk=120, l_arm=-115, r_arm=-115, l_wrist=-60, r_wrist=-60, l_thigh=0, r_thigh=0,
              l_knee=90, r_knee=90, support=("pelvis", "l_hand", "r_hand", "l_heel", "r_heel"))
# The seed's row: sitting on a chair, feet flat, trunk forward 45 deg, arms hanging beside the knees.
CHAIR_HINGE = Pose(trunk=45, l_arm=-90, r_arm=-90, l_thigh=0, r_thigh=0, l_knee=90, r_knee=90, l_foot=0,
                   r_foot=0, neck=-10, support=("l_heel", "r_heel", "l_toe", "r_toe"))
HINGE = Pose(trunk=45, l_arm=-90, r_arm=-90, l_thigh=-75, r_thigh=-75, l_knee=20, r_knee=20, l_foot=10,
             r_foot=10, neck=-10, support=("l_heel", "r_heel", "l_toe", "r_toe"))


SMOOTHSTEP_80 = 0.7236  # smoothstep(0.7236) = 0.8


def smoothstep(a: float) -> float:
    a = min(max(a, 0.0), 1.0)
    return a * a * (3 - 2 * a)


@dataclass
class Key:
    t: float
    pose: Pose


class Script:
    def __init__(self, name: str, exercise: str, start: Pose, lead_s: float = 1.5):
        self.name, self.exercise = name, exercise
        self.keys = [Key(0.0, start), Key(lead_s, start)]
        self.reps: list[dict] = []
        self.faults: list[dict] = []
        self.partial_reps: list[dict] = []
        self.description = ""
        self.seated = False        # on a chair (the renderer draws one under the pelvis)

    @property
    def now(self) -> float:
        return self.keys[-1].t

    @property
    def pose(self) -> Pose:
        return self.keys[-1].pose

    def move(self, seconds: float, pose: Pose) -> "Script":
        self.keys.append(Key(self.now + seconds, pose))
        return self

    def hold(self, seconds: float) -> "Script":
        return self.move(seconds, self.pose)

    def rep(self, out: Pose, hold_s: float, move_s: float = 1.2, side: str | None = None,
            fault: str | None = None, rest_s: float = 1.0, fault_pose: Pose | None = None,
            fault_after_s: float = 0.0, **extra) -> "Script":
        """Move out, hold, move back. With `fault_pose`, the hold drifts into it after `fault_after_s`."""
        rest = self.pose
        start = self.now
        self.move(move_s, out)
        hold_start = self.now
        if fault_pose is not None:
            self.hold(fault_after_s)
            fault_start = self.now + 0.3
            self.move(0.6, fault_pose)
            self.hold(hold_s - fault_after_s - 0.6)
        else:
            self.hold(hold_s)
        hold_end = self.now
        self.move(move_s, rest)
        # Hold times as the real clips' labels define them: the movement within 80 % of its peak
        # excursion. Under smoothstep easing that is the last/first 27.6 % of each move.
        edge = (1 - SMOOTHSTEP_80) * move_s
        rep = {"start_s": round(start, 2), "end_s": round(self.now, 2), "side": side,
               "hold_start_s": round(hold_start - edge, 2), "hold_end_s": round(hold_end + edge, 2), **extra}
        self.reps.append(rep)
        if fault:
            begin = fault_start if fault_pose is not None else hold_start - move_s * 0.3
            self.faults.append({"start_s": round(begin, 2), "end_s": round(hold_end, 2),
                                "kind": fault, "rep": len(self.reps)})
        self.hold(rest_s)
        return self

    def pose_at(self, t: float) -> Pose:
        keys = self.keys
        if t <= keys[0].t:
            return keys[0].pose
        for k0, k1 in zip(keys, keys[1:]):
            if t <= k1.t:
                span = k1.t - k0.t
                return k0.pose if span <= 0 else k0.pose.blend(k1.pose, smoothstep((t - k0.t) / span))
        return keys[-1].pose

    @property
    def duration(self) -> float:
        return self.now

    def label(self, fps: float, frames: int, width: int, height: int, view: dict) -> dict:
        sides = None
        if self.exercise == "bird-dog":
            sides = {"left": sum(r["side"] == "left" for r in self.reps),
                     "right": sum(r["side"] == "right" for r in self.reps)}
        return {
            "file": f"{self.name}.mp4", "set": "sample", "exercise": self.exercise,
            "description": self.description, "reps_total": len(self.reps), "reps_by_side": sides,
            "partial_reps": self.partial_reps, "usable": True, "source": "formcheck tools/render_samples.py (rendered)",
            "license": "Apache-2.0 (rendered by the project)", "fps": fps, "duration_s": round(frames / fps, 3),
            "frames": frames, "width": width, "height": height, "views": [view], "cuts_s": [],
            "reps": self.reps, "faults": self.faults,
        }


def bird_dog(name: str, fault: bool) -> Script:
    s = Script(name, "bird-dog", ALL_FOURS)
    s.description = "bird-dog, alternating sides" + (" (scripted fault: leg lifted too high)" if fault else "")
    for i in range(6):
        leg = "left" if i % 2 == 0 else "right"
        arm = "r" if leg == "left" else "l"
        lg = leg[0]
        high = fault and i == 2
        # thigh -182 / -210 (= 178 / 150 deg): the leg swings back, not forwards over the top
        out = replace(ALL_FOURS, **{f"{lg}_thigh": -210 if high else -182, f"{lg}_knee": 0, f"{lg}_foot": -80,
                                    f"{arm}_arm": 2, f"{arm}_wrist": 0},
                      support=(f"{'r' if lg == 'l' else 'l'}_knee", f"{'l' if arm == 'r' else 'r'}_hand"))
        s.rep(out, hold_s=2.0, move_s=1.2, side=leg, fault="leg_too_high" if high else None,
              arm_side="right" if arm == "r" else "left", leg_side=leg)
    return s


def superman(name: str, fault: bool) -> Script:
    # Lying face down hides the face, and MediaPipe's person detector keys on it: like a real user,
    # the mannequin looks up at the screen first, then lowers its head to start.
    s = Script(name, "superman", replace(PRONE, neck=-45), lead_s=1.5)
    s.move(0.8, PRONE).hold(1.2)
    s.description = "superman, arms forward" + (" (scripted fault: lifted far too high)" if fault else "")
    up = replace(PRONE, trunk=13, l_arm=12, r_arm=12, l_thigh=174, r_thigh=174, neck=8,
                 support=("pelvis", "spine1"))
    too_high = replace(up, trunk=32, l_arm=35, r_arm=35, l_thigh=163, r_thigh=163, neck=-10)
    for i in range(3):
        bad = fault and i == 1
        s.rep(too_high if bad else up, hold_s=10.0 if not fault else 4.0, move_s=1.5,
              fault="lift_too_high" if bad else None)
    return s


def superman_alternating(name: str, fault: bool) -> Script:
    """The common variant: one arm and the opposite leg lifted together, short pauses, sides
    alternating. Per-rep side = the raised arm (the real clips' convention)."""
    s = Script(name, "superman", replace(PRONE, neck=-45), lead_s=1.5)
    s.move(0.8, PRONE).hold(1.2)
    s.description = "alternating superman: one arm and the opposite leg, short pauses"
    for i in range(6):
        arm, leg = ("l", "r") if i % 2 == 0 else ("r", "l")
        up = replace(PRONE, trunk=4, neck=6, **{f"{arm}_arm": 16, f"{leg}_thigh": 166},
                     support=("chest", "pelvis", f"{leg_other(leg)}_knee", f"{leg_other(arm)}_hand"))
        side = "left" if arm == "l" else "right"
        s.rep(up, hold_s=3.0, move_s=1.0, side=side, rest_s=0.8, arm_side=side,
              leg_side="left" if leg == "l" else "right")
    return s


def leg_other(lr: str) -> str:
    return "r" if lr == "l" else "l"


def cat_cow(name: str, fault: bool) -> Script:
    s = Script(name, "cat-cow", ALL_FOURS)
    s.description = "cat-cow" + (" (scripted fault: bending the elbows instead of the spine)" if fault else "")
    cat = replace(ALL_FOURS, curve=26, neck=45)   # ~50 deg of spinal flexion in all
    cow = replace(ALL_FOURS, curve=-10, neck=-55)
    bent = replace(ALL_FOURS, curve=3, neck=40, l_elbow=-70, r_elbow=-70, l_arm=-55, r_arm=-55)
    hold = 10.0 if not fault else 4.0
    edge_in, edge_out = (1 - SMOOTHSTEP_80) * 1.8, (1 - SMOOTHSTEP_80) * 2.5  # 80 % excursion, as rep()
    for i in range(2):
        start = s.now
        first = bent if (fault and i == 1) else cat
        s.move(1.8, first)
        h0 = s.now
        s.hold(hold)
        if fault and i == 1:
            s.faults.append({"start_s": round(h0 - 0.5, 2), "end_s": round(s.now, 2), "kind": "elbows_bent",
                             "rep": i + 1})
        s.move(2.5, cow)
        h1 = s.now
        s.hold(hold)
        edge_back = (1 - SMOOTHSTEP_80) * 1.5
        rep = {"start_s": round(start, 2), "end_s": round(s.now + 1.5, 2), "side": None,
               "hold_start_s": round(h1 - edge_out, 2), "hold_end_s": round(s.now + edge_back, 2),
               "phases": [{"phase": "cat", "start_s": round(h0 - edge_in, 2), "end_s": round(h0 + hold + edge_out, 2)},
                          {"phase": "cow", "start_s": round(h1 - edge_out, 2), "end_s": round(s.now + edge_back, 2)}]}
        if fault and i == 1:  # the "cat" was faked with the elbows: the spine never rounded, no rep
            s.partial_reps.append({**rep, "why": "cat half done by bending the elbows"})
        else:
            s.reps.append(rep)
        s.move(1.5, ALL_FOURS)
        s.hold(0.8)
    return s


def glute_bridge(name: str, fault: bool) -> Script:
    s = Script(name, "glute-bridge", SUPINE)
    s.description = "glute bridge" + (" (scripted fault: hips pushed above the line)" if fault else "")
    up = replace(SUPINE, trunk=207, l_thigh=27, r_thigh=27, l_knee=117, r_knee=117,
                 support=("chest", "l_heel", "r_heel", "l_toe", "r_toe"))
    arch = replace(up, trunk=216, curve=-8, l_thigh=18, r_thigh=18, l_knee=108, r_knee=108)
    for i in range(4):
        bad = fault and i == 2
        s.rep(arch if bad else up, hold_s=2.5, move_s=1.3, fault="over_arching" if bad else None)
    return s


def reverse_tabletop(name: str, fault: bool) -> Script:
    s = Script(name, "reverse-tabletop", SEATED)
    s.description = "reverse tabletop" + (" (scripted fault: hips sagging in the hold)" if fault else "")
    up = replace(SEATED, trunk=180, l_arm=-90, r_arm=-90, l_wrist=-90, r_wrist=-90, neck=-10,
                 support=("l_hand", "r_hand", "l_heel", "r_heel"))
    sag = replace(up, trunk=165, l_thigh=15, r_thigh=15, l_knee=105, r_knee=105, l_arm=-85, r_arm=-85)
    for i in range(4):
        bad = fault and i == 2
        s.rep(up, hold_s=3.5 if bad else 2.5, move_s=1.3, fault="hips_sagging" if bad else None,
              fault_pose=sag if bad else None, fault_after_s=0.8)
    return s


def bent_over_row(name: str, fault: bool, seated: bool = False) -> Script:
    """Standing (hip hinge) or the seed's own version, on a chair: trunk forward 45 deg, pull the
    elbows back; the fault swings the trunk up on the 4th rep."""
    start = CHAIR_HINGE if seated else HINGE
    s = Script(name, "bent-over-row", start)
    s.seated = seated
    s.description = ("seated bent-over row on a chair" if seated else "standing bent-over row (hip hinge)") + \
        (" (scripted fault: trunk swinging up)" if fault else "")
    pulled = replace(start, l_arm=-172, r_arm=-172, l_elbow=92, r_elbow=92)
    swing = replace(pulled, trunk=72)
    for i in range(6):
        bad = fault and i == 3
        s.rep(swing if bad else pulled, hold_s=1.0, move_s=1.0, fault="momentum" if bad else None, rest_s=0.6)
    return s


def seated_row(name: str, fault: bool) -> Script:
    return bent_over_row(name, fault, seated=True)


CLIPS = {
    "superman_good": (superman, False), "superman_fault": (superman, True),
    "superman_alternating": (superman_alternating, False),
    "bird-dog_good": (bird_dog, False), "bird-dog_fault": (bird_dog, True),
    "cat-cow_good": (cat_cow, False), "cat-cow_fault": (cat_cow, True),
    "glute-bridge_good": (glute_bridge, False), "glute-bridge_fault": (glute_bridge, True),
    "reverse-tabletop_good": (reverse_tabletop, False), "reverse-tabletop_fault": (reverse_tabletop, True),
    "bent-over-row_good": (bent_over_row, False), "bent-over-row_fault": (bent_over_row, True),
    "seated-row_good": (seated_row, False), "seated-row_fault": (seated_row, True),
}
