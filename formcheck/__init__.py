"""formcheck: counts reps, times holds and warns about unsafe spine positions from pose landmarks.

Data flows one way: sources -> pose -> features -> exercises -> sinks (see README "Architecture").
"""
import os as _os

# FFmpeg (inside OpenCV) would print its own decoder complaints ("overread", "moov atom not found")
# on the terminal; formcheck says what went wrong in one line instead. Read when FFmpeg starts.
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

__version__ = "0.1.0"
