"""The shared frame clock: every per-frame track and the video use these definitions.

Frame ``i`` covers ``[i/fps, (i+1)/fps)``; a clip of ``duration_s`` has ``ceil(duration_s*fps)``
frames, so video and audio start at 0 and the video ends less than one frame after the audio.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .errors import InputError

MAX_FPS = 120.0


def check_fps(fps: float) -> Fraction:
    """Validate ``fps`` and return it as an exact fraction (29.97 stays 2997/100)."""
    if not isinstance(fps, (int, float, Fraction)) or not math.isfinite(float(fps)) or fps <= 0:
        raise InputError(f"fps must be a positive number, got {fps!r}; use e.g. 25 or 30.")
    if fps > MAX_FPS:
        raise InputError(f"fps {fps} is above the supported {MAX_FPS:g}; use 25, 30 or 60.")
    return Fraction(str(fps)).limit_denominator(1001)


def frame_count(n_samples: int, sample_rate: int, fps: float) -> int:
    """``ceil(duration * fps)`` computed exactly in integers (no float rounding at boundaries)."""
    f = check_fps(fps)
    return max(1, -(-n_samples * f.numerator // (sample_rate * f.denominator)))


def video_samples(n_frames: int, sample_rate: int, fps: float) -> int:
    """Audio samples that span exactly ``n_frames`` video frames (the padded audio length)."""
    f = check_fps(fps)
    return math.ceil(Fraction(n_frames * sample_rate) / f)


def frame_centers(n_frames: int, fps: float) -> np.ndarray:
    """Time in seconds of the middle of each frame."""
    return (np.arange(n_frames, dtype=np.float64) + 0.5) / float(fps)
