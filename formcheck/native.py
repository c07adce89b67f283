"""Keeping native libraries' chatter (MediaPipe, TFLite, OpenCV, FFmpeg) off the user's terminal.

The C/C++ libraries write straight to file descriptor 2, at any time and from any thread:
MediaPipe's start-up lines, `W0000 … landmark_projection_calculator` when a person enters the
picture, TFLite's `INFO: … DestroyAccelerator` when a landmarker closes (mediapipe 1.2.3),
OpenCV's camera probing. Wrapping each native call misses the ones nobody thought of, so the
command line does it once for the whole process (`native_stderr_off_terminal`): Python's own
`sys.stderr` (formcheck's messages, progress bars) keeps the terminal through a duplicate of
fd 2, and fd 2 itself points at /dev/null. `FORMCHECK_NATIVE_STDERR=1` leaves fd 2 alone (for
debugging a native library)."""
import contextlib
import io
import os
import sys

# Ask the libraries to be quiet as well, before they are loaded: fewer writes to throw away.
QUIET_ENV = {"GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2", "OPENCV_LOG_LEVEL": "SILENT",
             "OPENCV_FFMPEG_LOGLEVEL": "-8", "OPENCV_VIDEOIO_DEBUG": "0"}


def native_stderr_off_terminal() -> None:
    """For the command-line process (call once, before mediapipe or cv2 write anything)."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    if os.environ.get("FORMCHECK_NATIVE_STDERR") == "1":
        return
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return
    sys.stderr.flush()
    python_fd = os.dup(fd)
    os.set_inheritable(python_fd, False)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    stream = io.TextIOWrapper(io.FileIO(python_fd, "w", closefd=True), encoding=sys.stderr.encoding,
                              errors="backslashreplace", line_buffering=True, write_through=True)
    sys.stderr = stream


@contextlib.contextmanager
def quiet_native_stderr():
    """Hide fd 2 around one native call (library use without the command line, e.g. tests that
    import formcheck). Python exceptions are unaffected: their messages travel in the exception."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        yield
        return
    if fd != 2:   # the command line already moved Python's stderr off fd 2
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
