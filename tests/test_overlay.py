"""The overlay laid out from the picture's size and shape: in landscape and portrait pictures,
from 480 to 2160 px, nothing runs into anything else or off the picture, and the rep count stays
large enough to read from across the room."""
import cv2
import numpy as np
import pytest

from formcheck.events import MachineState
from formcheck.sinks.overlay import FONT, Overlay

SIZES = [(640, 480), (1280, 720), (480, 854), (720, 1280), (3840, 2160), (1080, 1920)]
STATES = {
    "bird-dog": ("Bird-dog (1/5, target 3 per side)", MachineState(phase="leg extended", reps=15,
                                                                    reps_by_side={"left": 8, "right": 7},
                                                                    hold_s=1.4, hold_target_s=2.0, holding=True)),
    "superman": ("Superman", MachineState(phase="lifted", reps=10, hold_s=7.3, hold_target_s=10.0, holding=True)),
}


def _box(text, org, scale, thick):
    (tw, th), base = cv2.getTextSize(text, FONT, scale, thick)
    x, y = org
    return x, y - th, x + tw, y + base


@pytest.mark.parametrize("w, h", SIZES)
@pytest.mark.parametrize("which", list(STATES))
def test_nothing_overlaps_or_leaves_the_picture(w, h, which):
    title, state = STATES[which]
    items = Overlay(title).layout(w, h, state)
    boxes = [_box(t, org, s, k) for t, org, s, k, _ in items]
    for (x0, y0, x1, y1), item in zip(boxes, items):
        assert 0 <= x0 and x1 <= w and 0 <= y0 and y1 <= h, item
    for i, a in enumerate(boxes):
        for b, item in zip(boxes[i + 1:], items[i + 1:]):
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (items[i][0], item[0])
    reps = next((t, org, s, k) for t, org, s, k, _ in items if t.startswith(str(state.reps)))
    height = cv2.getTextSize(reps[0], FONT, reps[2], reps[3])[0][1]
    assert height / min(w, h) >= 0.06   # at 3 m on a 1280x720 window, ~1 cm of cap height or more


def test_the_band_is_drawn_where_the_layout_says():
    image = np.full((854, 480, 3), 200, np.uint8)
    title, state = STATES["bird-dog"]
    Overlay(title).draw(image, None, state)
    band = Overlay(title).band_height(480, 854, Overlay(title).layout(480, 854, state))
    assert image[band - 2, 5].mean() < 100 and image[band + 5, 5].mean() == 200   # darkened band, then the picture
