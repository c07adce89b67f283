"""Pose model bundle (see models/README.md). Installed as the package formcheck.models."""
