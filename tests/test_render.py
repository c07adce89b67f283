"""The mannequin renderer draws a person where the skeleton says one is (CPU EGL; skipped without it)."""
import numpy as np
import pytest

from mannequin.camera import side_camera
from mannequin.render import Look, Renderer
from mannequin.scripts import ALL_FOURS
from mannequin.skeleton import Body, landmarks33, solve


@pytest.fixture(scope="module")
def renderer():
    pytest.importorskip("moderngl")
    try:
        r = Renderer(160, 120).__enter__()
    except Exception as err:  # no EGL / no Mesa on this machine
        pytest.skip(f"no EGL rendering here: {err}")
    yield r
    r.__exit__(None, None, None)


def test_small_frame_shows_the_mannequin(renderer):
    body, look = Body(), Look(shirt=(0.9, 0.1, 0.1))
    joints = solve(ALL_FOURS, body)
    cam = side_camera(joints["pelvis"][0] + 0.25, 1.4, "right", height=0.5, width=160, height_px=120)
    image = renderer.render(joints, body, cam, look)
    assert image.shape == (120, 160, 3)
    # The shirt (strong red) covers the torso's projected position, and nowhere far from the body.
    pts = cam.project(landmarks33(joints, body))
    chest = ((pts[11] + pts[23]) / 2)[:2] * (160, 120)
    x, y = int(chest[0]), int(chest[1])
    patch = image[y - 2:y + 3, x - 2:x + 3].reshape(-1, 3).astype(int)
    red = (patch[:, 2] > 1.6 * patch[:, 1]) & (patch[:, 2] > 1.6 * patch[:, 0])
    assert red.mean() > 0.5
    b, g, r = image[..., 0].astype(int), image[..., 1].astype(int), image[..., 2].astype(int)
    shirt = (r > 1.6 * g) & (r > 1.6 * b) & (r > 60)
    ys, xs = np.nonzero(shirt)
    assert xs.min() > pts[:, 0].min() * 160 - 15 and xs.max() < pts[:, 0].max() * 160 + 15


def test_same_script_same_frames(renderer):
    body, look = Body(), Look()
    joints = solve(ALL_FOURS, body)
    cam = side_camera(joints["pelvis"][0], 1.4, "left", width=160, height_px=120)
    a = renderer.render(joints, body, cam, look)
    b = renderer.render(joints, body, cam, look)
    assert np.array_equal(a, b)
