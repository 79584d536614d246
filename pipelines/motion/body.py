"""Body motion: breathing and a sway that follows the head, so the torso is never a still photo.

Breathing is a slow idle cycle of shallow breaths with a deeper, quick inhale just before each
phrase, let out slowly while speaking (speakers breathe at phrase boundaries). The sway is the
shoulders following the head's sideways shift and turn at a fraction of their amplitude, so the
head reads as carried by the body instead of floating over it.
"""
from __future__ import annotations

import numpy as np

from ..mouth.features import Features
from .noise import smooth_noise

BREATH_PERIOD_S = 4.2  # a resting adult breathes 12-16 times a minute
BREATH_RATE_JITTER = 0.15  # relative, slow: no two breaths last the same
IDLE_DEPTH = 0.35  # idle breaths are shallow (1 = the inhale before a phrase)
INHALE_S = 0.45  # the inhale before a phrase ends as the voice starts
EXHALE_S = 3.5  # ... and is let out over this long while speaking
SWAY_FOLLOW = 0.35  # share of the head's sideways shift (tx) the shoulders follow
YAW_SWAY = 0.0015  # shoulder shift per degree of head turn, in face widths


def _inhales(phrase_starts: np.ndarray, fps: float) -> np.ndarray:
    """0..1 lung volume from phrase starts: a smooth rise over INHALE_S up to each start, a slow
    release after it."""
    before = max(1, int(round(INHALE_S * fps)))
    after = max(1, int(round(EXHALE_S * fps)))
    rise = np.sin(np.linspace(0, np.pi / 2, before, endpoint=False)) ** 2
    fall = np.clip(1 - np.linspace(0, 1, after), 0, 1) ** 1.5
    kernel = np.concatenate([rise, fall])
    n = len(phrase_starts)
    padded = np.concatenate([phrase_starts, np.zeros(before)])
    return np.clip(np.convolve(padded, kernel)[before: before + n], 0, 1)


def body_motion(features: Features, head: dict[str, np.ndarray], phrase_starts: np.ndarray,
                depth: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``breath`` (0..1) and ``sway`` (face widths) for every frame; ``depth`` scales the breathing
    (0 = none)."""
    n, fps = features.n_frames, features.fps
    rate = (1 + BREATH_RATE_JITTER * smooth_noise(rng, n, fps, 2.0)) / BREATH_PERIOD_S
    phase = 2 * np.pi * (np.cumsum(rate) / fps + rng.uniform())
    idle = IDLE_DEPTH * (0.5 - 0.5 * np.cos(phase))
    breath = np.maximum(idle, _inhales(phrase_starts, fps)) * depth
    sway = SWAY_FOLLOW * head["tx"] + YAW_SWAY * head["yaw"]
    return {"breath": breath, "sway": sway}
