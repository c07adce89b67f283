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

    Laid out from the picture's own size and shape (`layout`): in a landscape picture the title
    and phase on the left of the top band, the hold clock in the middle, the rep count on the
    right; in a portrait one the band is taller and the rep count has a row of its own, so that
    nothing runs into anything else or off the picture. Sizes follow the picture's shorter side:
    the rep count's height is ~11 % of it in landscape (at 2 m on a laptop screen, well above the
    ~1 cm cap height read comfortably at that distance)."""

    def __init__(self, title: str):
        self.title = title

    def layout(self, w: int, h: int, state: MachineState) -> list[tuple[str, tuple[int, int], float, int, tuple]]:
        """The band's texts: (text, origin (x, baseline y), font scale, thickness, colour)."""
        unit = min(h / 480.0, w / 640.0)
        portrait = h > w
        t1 = max(1, int(2 * unit))
        items = []
        pad = int(12 * unit)

        def fit(text, scale, thick, width):   # the scale at which `text` fits in `width` pixels
            tw = cv2.getTextSize(text, FONT, scale, thick)[0][0]
            return scale if tw <= width else scale * width / tw

        reps = str(state.reps)
        if state.reps_by_side:
            reps += "  (L%d R%d)" % (state.reps_by_side.get("left", 0), state.reps_by_side.get("right", 0))
        rthick = max(2, int(3 * unit))
        if portrait:
            # rows: title, phase, then the count (and the hold clock) across the whole width
            # (the shorter side sets `unit`: a portrait picture has the width for larger text)
            title_s = fit(self.title, 1.1 * unit, t1, w - 2 * pad)
            items.append((self.title, (pad, int(34 * unit)), title_s, t1, (255, 255, 255)))
            phase = state.phase.upper()
            items.append((phase, (pad, int(72 * unit)), fit(phase, 1.1 * unit, t1, w - 2 * pad), t1, (180, 255, 180)))
            rthick = max(2, int(4 * unit))
            rs = fit(reps, 3.0 * unit, rthick, w - 2 * pad)
            items.append((reps, (pad, int(72 * unit) + int(cv2.getTextSize(reps, FONT, rs, rthick)[0][1] + 22 * unit)),
                          rs, rthick, (255, 255, 255)))
        else:
            rs = fit(reps, 1.9 * unit, rthick, 0.3 * w)
            (tw, _), _ = cv2.getTextSize(reps, FONT, rs, rthick)
            items.append((reps, (w - tw - int(14 * unit), int(66 * unit)), rs, rthick, (255, 255, 255)))
            left_w = 0.34 * w - pad
            items.append((self.title, (pad, int(30 * unit)), fit(self.title, 0.8 * unit, t1, left_w), t1, (255, 255, 255)))
            phase = state.phase.upper()
            items.append((phase, (pad, int(64 * unit)), fit(phase, 0.8 * unit, t1, left_w), t1, (180, 255, 180)))
        if state.hold_target_s > 0 and (state.holding or state.hold_s > 0):
            text = "HOLD %4.1f / %.0f s" % (state.hold_s, state.hold_target_s)
            color = (0, 255, 0) if state.holding else (0, 200, 255)
            thick = max(2, int(2 * unit))
            if portrait:
                y = items[-1][1][1] + int(cv2.getTextSize(text, FONT, 1.1 * unit, thick)[0][1] + 16 * unit)
                items.append((text, (pad, y), fit(text, 1.1 * unit, thick, w - 2 * pad), thick, color))
            else:
                items.append((text, (int(w * 0.36), int(60 * unit)), fit(text, 1.1 * unit, thick, 0.30 * w), thick, color))
        return items

    def band_height(self, w: int, h: int, items) -> int:
        unit = min(h / 480.0, w / 640.0)
        return max(y for _, (_, y), _, _, _ in items) + int(14 * unit)

    def draw(self, image: np.ndarray, landmarks: np.ndarray | None, state: MachineState) -> np.ndarray:
        h, w = image.shape[:2]
        unit = min(h / 480.0, w / 640.0)
        if landmarks is not None:
            pts = np.nan_to_num(landmarks[:, :2] * (w, h), nan=-1e4).astype(np.int32)
            lines = pts[_SKELETON]
            cv2.polylines(image, list(lines), False, (255, 255, 255), max(1, int(3 * unit)), cv2.LINE_AA)
            for x, y in pts[11:29]:
                cv2.circle(image, (int(x), int(y)), max(2, int(4 * unit)), (0, 220, 0), -1, cv2.LINE_AA)
        # Top band: exercise, phase, reps, hold.
        items = self.layout(w, h, state)
        band = max(int(78 * unit), self.band_height(w, h, items))
        top = image[:band]
        cv2.convertScaleAbs(top, dst=top, alpha=0.35)   # darken in place
        for text, org, scale, thick, color in items:
            cv2.putText(image, text, org, FONT, scale, color, thick, cv2.LINE_AA)
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
