"""Keeping native libraries' chatter (MediaPipe, FFmpeg) off the user's terminal."""
import contextlib
import os
import sys


@contextlib.contextmanager
def quiet_native_stderr():
    """MediaPipe's C++ side prints start-up chatter (XNNPACK, feedback manager, projection notes)
    straight to file descriptor 2 at creation and on the first frames; hide it there only.
    Python exceptions are unaffected: their messages travel in the exception, not on fd 2."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)
