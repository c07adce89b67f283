"""Features: named per-frame signals (angles, elevations, spine contour) from smoothed landmarks."""
from formcheck.features.smoothing import LandmarkSmoother, OneEuro
from formcheck.features.extract import FeatureExtractor, Features

__all__ = ["LandmarkSmoother", "OneEuro", "FeatureExtractor", "Features"]
