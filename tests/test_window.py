"""The live window on a real X server (Xvfb, where installed: `apt install xvfb`): it opens at a
size readable across the room, and its X button ends the session as q does (it used to open a
new window at once and run on). The X button is what a window manager sends: WM_DELETE_WINDOW."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import first_seconds

Xlib = pytest.importorskip("Xlib")   # the test extra installs python-xlib
if not shutil.which("Xvfb"):
    pytest.skip("Xvfb is not installed (apt install xvfb)", allow_module_level=True)

from Xlib import X, display, protocol  # noqa: E402


@pytest.fixture(scope="module")
def screen():
    """A virtual 1280x800 screen: its DISPLAY, torn down afterwards."""
    for n in range(90, 120):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while not os.path.exists(f"/tmp/.X11-unix/X{n}") and time.time() < deadline:
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(timeout=20)


def _find(d, name):
    def walk(w):
        try:
            if w.get_wm_name() == name and w.get_attributes().map_state == X.IsViewable:
                return w
        except Exception:   # noqa: BLE001 - a window that went away while we looked
            return None
        for child in w.query_tree().children:
            found = walk(child)
            if found:
                return found
        return None
    return walk(d.screen().root)


def test_the_window_opens_large_and_its_x_button_ends_the_session(screen, tmp_path):
    clip = first_seconds("superman_good", 12.0, tmp_path / "clip.mp4")   # 180 frames, played in real time
    env = {**os.environ, "DISPLAY": screen}
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "-e", "superman", "--camera", str(clip), "--no-history",
                             "--mute", "--report", str(tmp_path / "r.json")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    d = display.Display(screen)
    deadline, window = time.time() + 60, None
    while window is None and time.time() < deadline and proc.poll() is None:
        window = _find(d, "formcheck")
        time.sleep(0.1)
    assert window is not None, proc.communicate(timeout=60)
    time.sleep(1.0)
    geometry = window.get_geometry()
    assert (geometry.width, geometry.height) == (960, 720)   # the 640x480 picture as large as a 1280x720 screen allows
    proto, delete = d.intern_atom("WM_PROTOCOLS"), d.intern_atom("WM_DELETE_WINDOW")
    window.send_event(protocol.event.ClientMessage(window=window, client_type=proto,
                                                   data=(32, [delete, X.CurrentTime, 0, 0, 0])),
                      event_mask=X.NoEventMask)
    d.flush()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err, err
    report = json.loads((tmp_path / "r.json").read_text())
    assert 0 < report["frames"] < 150                      # ended when closed, not at the clip's end
    assert _find(d, "formcheck") is None                   # and no new window took its place
