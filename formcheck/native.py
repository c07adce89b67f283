"""Keeping native libraries' chatter (MediaPipe, TFLite, OpenCV, FFmpeg) off the user's terminal,
and MediaPipe's analytics off the network (`no_native_analytics`).

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


# MediaPipe 1.x's task runner always creates an analytics logger (TasksStatsProtoLogger) that
# posts usage reports to https://play.googleapis.com/log through the libcurl linked into
# libmediapipe.so, from its own thread (HttpAsyncClient), every minute and when a landmarker
# closes. Neither the Python nor the C options have a switch for it (the logger is made
# unconditionally in TaskRunner::Create). libcurl does read its proxy from the environment at
# each transfer, though, and refuses a proxy whose scheme it does not know before it opens any
# socket: no DNS lookup, no connection (strace: the lookups of play.googleapis.com and the
# connections to port 53 are gone). A real proxy would still be a connection, so this value
# is not one.
NO_PROXY_VALUE = "formcheck-no-network://mediapipe-analytics.invalid"
ANALYTICS_ENV = ("https_proxy", "HTTPS_PROXY")


# The user's own proxy settings, as they were before no_native_analytics() replaced them.
USER_PROXY_ENV: dict[str, str] = {}


def no_native_analytics() -> None:
    """Point libcurl's HTTPS proxy nowhere in this process (before any landmarker is created;
    it holds for the life of the process). `no_proxy` is cleared as well, else a host in it
    would bypass the proxy. formcheck itself opens no HTTPS connection; the one library that
    may, botocore under an s3:// batch, is given the user's own proxies (user_proxies)."""
    if os.environ.get(ANALYTICS_ENV[0]) != NO_PROXY_VALUE:
        USER_PROXY_ENV.clear()
        USER_PROXY_ENV.update({k: v for k, v in os.environ.items() if k.lower().endswith("_proxy")})
    for key in ANALYTICS_ENV:
        os.environ[key] = NO_PROXY_VALUE
    for key in ("no_proxy", "NO_PROXY"):
        os.environ.pop(key, None)


def user_proxies() -> dict[str, str]:
    """The user's proxies by URL scheme ({"https": ..., "http": ...}, lower case first as
    libcurl and Python read them), whether or not no_native_analytics() has run."""
    env = USER_PROXY_ENV if os.environ.get(ANALYTICS_ENV[0]) == NO_PROXY_VALUE else os.environ
    found = {}
    for scheme in ("https", "http"):
        value = env.get(f"{scheme}_proxy") or env.get(f"{scheme.upper()}_PROXY")
        if value:
            found[scheme] = value
    return found


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
