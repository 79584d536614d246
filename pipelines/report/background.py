"""Background stillness: which pixels must never change, and how far a frame's background moved.

Drift (change against the first frame: a moving camera or a warp leaking out) is kept apart
from the difference to the source photo, which for an mp4 includes the codec's loss.
"""
from __future__ import annotations

import numpy as np

from ..face.portrait import region_ellipse

CODEC_MARGIN_PX = 16  # H.264 codes 16-px macroblocks: pixels this close to the region may ripple
MOVED_LEVELS = 8  # a background pixel off by more than this (of 255) has moved, not just re-coded
REGION_GENEROSITY = 1.25  # other tools animate a larger region than ours


def background_mask(source: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Pixels that must never change: outside the animated region (the same ellipse the renderer
    uses, taken generously for other tools' larger motion) and its codec margin."""
    (cx, cy), (rx, ry) = region_ellipse(landmarks)
    h, w = source.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    rx, ry = REGION_GENEROSITY * rx + CODEC_MARGIN_PX, REGION_GENEROSITY * ry + CODEC_MARGIN_PX
    return ((xs + 0.5 - cx) / rx) ** 2 + ((ys + 0.5 - cy) / ry) ** 2 > 1.0


def background_change(background: np.ndarray, first: np.ndarray, source: np.ndarray) -> tuple[float, float, float]:
    """Mean drift from the first frame, share of values moved by more than MOVED_LEVELS, and mean
    difference to the source, for one frame's background values (int16)."""
    if not background.size:
        return 0.0, 0.0, 0.0
    drift = np.abs(background - first)
    return float(drift.mean()), float((drift > MOVED_LEVELS).mean()), float(np.abs(background - source).mean())


def background_summary(drift: np.ndarray, moved: np.ndarray, vs_source: np.ndarray) -> dict:
    """The clip's background numbers from the per-frame series."""
    return {"drift_mean": round(float(drift.mean()), 4), "drift_max": round(float(drift.max()), 4),
            "moved_share": round(float(moved.max()), 6), "vs_source_mean": round(float(vs_source.mean()), 4)}
