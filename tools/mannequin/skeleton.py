"""Kinematic skeleton in the sagittal plane, with the limbs offset sideways.

World axes: x along the floor (the way the body's head/front points in most exercises), y up,
z towards the person's right (left limbs at -z). Segment directions are angles in degrees in the
x-y plane, counter-clockwise from +x. A standing person facing +x has trunk 90, thighs/shins -90.

`Pose` holds the few numbers an exercise animates; `solve(pose, body)` returns 3-D joint
positions (dict name -> (3,) array) with the body lowered/raised so that its support points rest
on the floor (y = 0). `landmarks33(joints, body)` gives MediaPipe's 33 landmarks from them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np


@dataclass(frozen=True)
class Body:
    """Segment lengths and radii (metres). Vary them for different people."""
    height_scale: float = 1.0
    hip_width: float = 0.19        # hip joint to hip joint
    shoulder_width: float = 0.36
    spine: float = 0.50            # hip centre to shoulder centre (3 segments)
    neck: float = 0.10
    head_r: float = 0.105
    upper_arm: float = 0.29
    forearm: float = 0.26
    hand: float = 0.085
    thigh: float = 0.43
    shin: float = 0.42
    foot: float = 0.22
    ankle_h: float = 0.07
    girth: float = 1.0             # scales torso and limb radii

    def scaled(self) -> "Body":
        s = self.height_scale
        return replace(self, **{f.name: getattr(self, f.name) * s for f in fields(self)
                                if f.name not in ("height_scale", "girth")}, height_scale=1.0)


@dataclass(frozen=True)
class Pose:
    x: float = 0.0                 # pelvis centre along the floor
    trunk: float = 90.0            # hip-centre -> shoulder-centre direction
    curve: float = 0.0             # spine flexion (+ rounds the back, - arches it), degrees per joint
    neck: float = 0.0              # head bend relative to the trunk (+ = chin towards chest)
    l_arm: float = -90.0           # upper arm direction
    r_arm: float = -90.0
    l_elbow: float = 0.0           # flexion
    r_elbow: float = 0.0
    l_thigh: float = -90.0
    r_thigh: float = -90.0
    l_wrist: float = 0.0           # hand direction relative to the forearm (+90 on all fours: flat on the floor)
    r_wrist: float = 0.0
    l_knee: float = 0.0            # flexion
    r_knee: float = 0.0
    l_foot: float = 0.0            # ankle: foot direction relative to perpendicular of the shin
    r_foot: float = 0.0
    arm_spread: float = 0.0        # extra sideways offset of the hands (m)
    support: tuple = ("l_ankle", "r_ankle", "l_toe", "r_toe")   # joints that rest on the floor
    lift: float = 0.0              # extra height above the floor (m), e.g. sitting on a chair

    def blend(self, other: "Pose", a: float) -> "Pose":
        vals = {}
        for f in fields(self):
            if f.name == "support":
                continue
            x0, x1 = getattr(self, f.name), getattr(other, f.name)
            vals[f.name] = x0 + (x1 - x0) * a
        return replace(self, **vals, support=self.support if a < 0.5 else other.support)


def _dir(deg: float) -> np.ndarray:
    r = math.radians(deg)
    return np.array([math.cos(r), math.sin(r), 0.0])


def solve(pose: Pose, body: Body) -> dict[str, np.ndarray]:
    b = body.scaled()
    j: dict[str, np.ndarray] = {}
    pelvis = np.array([pose.x, 0.0, 0.0])
    j["pelvis"] = pelvis
    # Spine: three segments, the bend spread over the two joints between them.
    seg = b.spine / 3
    a0 = pose.trunk + pose.curve
    p1 = pelvis + _dir(a0) * seg
    p2 = p1 + _dir(pose.trunk) * seg
    a2 = pose.trunk - pose.curve
    chest = p2 + _dir(a2) * seg
    j["spine1"], j["spine2"], j["chest"] = p1, p2, chest
    neck_dir = a2 - pose.neck
    j["neck"] = chest + _dir(neck_dir) * b.neck * 0.5
    head = chest + _dir(neck_dir) * (b.neck + b.head_r * 0.9) + _dir(neck_dir - 90) * b.head_r * 0.15
    j["head"] = head
    j["face_dir"] = _dir(neck_dir - 90.0)
    j["head_up"] = _dir(neck_dir)
    z = np.array([0.0, 0.0, 1.0])
    shoulder_c = chest - _dir(a2) * 0.03
    for side, sign in (("l", -1.0), ("r", 1.0)):
        sh = shoulder_c + z * sign * b.shoulder_width / 2
        arm = getattr(pose, f"{side}_arm")
        el = sh + _dir(arm) * b.upper_arm
        fore = arm + getattr(pose, f"{side}_elbow")
        wr = el + _dir(fore) * b.forearm + z * sign * pose.arm_spread
        hand = wr + _dir(fore + getattr(pose, f"{side}_wrist")) * b.hand
        hip = pelvis + z * sign * b.hip_width / 2 - _dir(pose.trunk) * 0.02
        thigh = getattr(pose, f"{side}_thigh")
        kn = hip + _dir(thigh) * b.thigh
        shin = thigh - getattr(pose, f"{side}_knee")
        an = kn + _dir(shin) * b.shin
        foot_dir = shin + 90.0 + getattr(pose, f"{side}_foot")
        heel = an - _dir(foot_dir) * 0.05 + _dir(shin) * (b.ankle_h * 0.6)
        toe = heel + _dir(foot_dir) * b.foot
        j.update({f"{side}_shoulder": sh, f"{side}_elbow": el, f"{side}_wrist": wr, f"{side}_hand": hand,
                  f"{side}_hip": hip, f"{side}_knee": kn, f"{side}_ankle": an, f"{side}_heel": heel,
                  f"{side}_toe": toe})
    # Rest the support points on the floor (their surface: a joint radius above y = 0).
    radius = {"knee": 0.055, "ankle": 0.045, "toe": 0.03, "heel": 0.03, "hand": 0.03, "wrist": 0.035,
              "elbow": 0.045, "shoulder": 0.06, "hip": 0.09, "chest": 0.11, "head": b.head_r,
              "pelvis": 0.1, "spine1": 0.1, "spine2": 0.1}
    lowest = min(j[n][1] - radius.get(n.split("_")[-1], 0.05) * body.girth for n in pose.support)
    shift = np.array([0.0, -lowest + pose.lift, 0.0])
    for n in list(j):
        if n not in ("face_dir", "head_up"):
            j[n] = j[n] + shift
    return j


def landmarks33(j: dict[str, np.ndarray], body: Body) -> np.ndarray:
    """MediaPipe Pose's 33 landmarks (3-D world points) from the skeleton."""
    b = body.scaled()
    z = np.array([0.0, 0.0, 1.0])
    head, face, up = j["head"], j["face_dir"], j["head_up"]
    r = b.head_r
    pts = np.zeros((33, 3))
    pts[0] = head + face * r * 1.0 + up * 0.0
    for side, sign, (inner, eye, outer) in (("l", -1, (1, 2, 3)), ("r", 1, (4, 5, 6))):
        base = head + face * r * 0.85 + up * r * 0.3
        pts[inner] = base + z * sign * r * 0.18
        pts[eye] = base + z * sign * r * 0.35
        pts[outer] = base + z * sign * r * 0.5 - face * r * 0.1
    pts[7] = head - z * r * 0.95 + up * r * 0.1
    pts[8] = head + z * r * 0.95 + up * r * 0.1
    pts[9] = head + face * r * 0.85 - up * r * 0.4 - z * r * 0.25
    pts[10] = head + face * r * 0.85 - up * r * 0.4 + z * r * 0.25
    order = {"shoulder": (11, 12), "elbow": (13, 14), "wrist": (15, 16), "hip": (23, 24), "knee": (25, 26),
             "ankle": (27, 28), "heel": (29, 30), "toe": (31, 32)}
    for name, (li, ri) in order.items():
        pts[li], pts[ri] = j[f"l_{name}"], j[f"r_{name}"]
    for side, sign, (pinky, index, thumb) in (("l", -1, (17, 19, 21)), ("r", 1, (18, 20, 22))):
        w, h = j[f"{side}_wrist"], j[f"{side}_hand"]
        pts[pinky] = h + z * sign * 0.025
        pts[index] = h - z * sign * 0.015
        pts[thumb] = w + (h - w) * 0.5 - z * sign * 0.03
    return pts
