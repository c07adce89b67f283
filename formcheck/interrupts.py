"""Ctrl-C, SIGTERM (a system shutting down) and SIGHUP (the terminal closed) end a session the
same way: the report, the log and the history entry are written.

Each raises KeyboardInterrupt wherever the main thread is, and also sets a flag that the session
loop checks after every frame. Python reports and ignores an exception raised inside a finaliser
(`__del__`, a weakref callback), so a signal that lands there would otherwise be lost and the
session would run on to its end."""
from __future__ import annotations

import signal
import threading

_requested = threading.Event()
_shields = 0


def _stop(signum, frame):
    _requested.set()
    if _shields == 0:
        raise KeyboardInterrupt


def shield() -> None:
    """From here until `unshield`, a signal only sets the flag: the session's final writes (the
    report, the log's close, the history entry; well under a second) are not cut short by a second
    Ctrl-C. SIGKILL still ends the process at once."""
    global _shields
    _shields += 1


def unshield() -> None:
    global _shields
    _shields = max(0, _shields - 1)


def install() -> None:
    """A signal already ignored stays ignored, as Python itself does for SIGINT: a command started
    in the background by a script ignores Ctrl-C meant for the foreground, and `nohup formcheck
    score ...` must outlive its terminal."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) is not signal.SIG_IGN:
            signal.signal(getattr(signal, name), _stop)


def requested() -> bool:
    """Whether a stop was asked for (in a process where `install` ran)."""
    return _requested.is_set()
