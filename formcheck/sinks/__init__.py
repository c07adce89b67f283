"""Sinks: where a frame's results go (overlay, video file, landmark log, report). One method each."""
