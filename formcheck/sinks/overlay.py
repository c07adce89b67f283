"""Draws the skeleton and the session state onto the frame, in text readable from 2 m."""
from __future__ import annotations

import cv2
import numpy as np

from formcheck.events import MachineState
from formcheck.pose.types import SKELETON

FONT = cv2.FONT_HERSHEY_DUPLEX
COLORS = {"info": (255, 200, 0), "warning": (0, 165, 255), "danger": (0, 0, 255)}
_SKELETON = np.array(SKELETON)


class Overlay:
    """`draw(image, landmarks, state)` writes onto `image` in place and returns it.

    Sizes scale with the picture height: the rep count is ~12 % of it, the warning ~7 %, which on a
    laptop screen at 2 m is well above the ~1 cm cap height people read comfortably at that distance."""

    def __init__(self, title: str):
        self.title = title

    def draw(self, image: np.ndarray, landmarks: np.ndarray | None, state: MachineState) -> np.ndarray:
        h, w = image.shape[:2]
        unit = h / 480.0
        if landmarks is not None:
            pts = np.nan_to_num(landmarks[:, :2] * (w, h), nan=-1e4).astype(np.int32)
            lines = pts[_SKELETON]
            cv2.polylines(image, list(lines), False, (255, 255, 255), max(1, int(3 * unit)), cv2.LINE_AA)
            for x, y in pts[11:29]:
                cv2.circle(image, (int(x), int(y)), max(2, int(4 * unit)), (0, 220, 0), -1, cv2.LINE_AA)
        # Top band: exercise, phase, reps, hold.
        band = int(78 * unit)
        top = image[:band]
        cv2.convertScaleAbs(top, dst=top, alpha=0.35)   # darken in place
        t1 = max(1, int(2 * unit))
        cv2.putText(image, self.title, (int(12 * unit), int(30 * unit)), FONT, 0.8 * unit, (255, 255, 255), t1, cv2.LINE_AA)
        cv2.putText(image, state.phase.upper(), (int(12 * unit), int(64 * unit)), FONT, 0.8 * unit, (180, 255, 180), t1, cv2.LINE_AA)
        reps = str(state.reps)
        if state.reps_by_side:
            reps += "  (L%d R%d)" % (state.reps_by_side.get("left", 0), state.reps_by_side.get("right", 0))
        scale = 1.9 * unit
        (tw, _), _ = cv2.getTextSize(reps, FONT, scale, int(3 * unit))
        cv2.putText(image, reps, (w - tw - int(14 * unit), int(66 * unit)), FONT, scale, (255, 255, 255), max(2, int(3 * unit)), cv2.LINE_AA)
        if state.hold_target_s > 0 and (state.holding or state.hold_s > 0):
            text = "HOLD %4.1f / %.0f s" % (state.hold_s, state.hold_target_s)
            color = (0, 255, 0) if state.holding else (0, 200, 255)
            cv2.putText(image, text, (int(w * 0.36), int(60 * unit)), FONT, 1.1 * unit, color, max(2, int(2 * unit)), cv2.LINE_AA)
        message, color = None, None
        if state.guidance is not None:
            message, color = state.guidance.message, COLORS["info"]
        elif state.warning is not None:
            message, color = state.warning.message, COLORS.get(state.warning.severity, COLORS["warning"])
        elif state.extra.get("notice"):
            message, color = state.extra["notice"], COLORS["info"]
        if message:
            scale = 1.2 * unit
            thick = max(2, int(3 * unit))
            (tw, th), _ = cv2.getTextSize(message, FONT, scale, thick)
            if tw > w - 20:
                scale *= (w - 20) / tw
                (tw, th), _ = cv2.getTextSize(message, FONT, scale, thick)
            y0 = h - int(24 * unit) - th
            cv2.rectangle(image, (0, y0 - int(14 * unit)), (w, h), color, -1)
            cv2.putText(image, message, ((w - tw) // 2, h - int(24 * unit)), FONT, scale, (255, 255, 255), thick, cv2.LINE_AA)
        return image
