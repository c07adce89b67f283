"""Frame sources: where pictures come from. Each yields `Frame`s with timestamps from the source."""
from formcheck.sources.base import Frame, FrameSource
from formcheck.sources.video import VideoFileSource, probe_video
from formcheck.sources.camera import CameraSource

__all__ = ["Frame", "FrameSource", "VideoFileSource", "CameraSource", "probe_video"]
