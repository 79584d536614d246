"""Background stillness: which pixels must never change, and how far a frame's background moved.

The background is what a person matte of the source calls background, farther than
BESIDE_MARGIN from the person: the body breathes and the head turns, but nothing there may move.
Drift (change against the first frame: a moving camera or a warp leaking out) is kept apart
from the difference to the source photo, which for an mp4 includes the codec's loss.
"""
from __future__ import annotations

import numpy as np

MOVED_LEVELS = 8  # a background pixel off by more than this (of 255) from the first frame has moved
# A change from the source above BESIDE_LEVELS is a move (an mp4's re-coding stays below it).
BESIDE_MARGIN, BESIDE_LEVELS = 0.03, 12


def beside_person_mask(matte: np.ndarray) -> np.ndarray:
    """Background by the person matte (< 0.5), farther than BESIDE_MARGIN from the person."""
    from scipy.ndimage import distance_transform_edt

    return distance_transform_edt(matte < 0.5) > BESIDE_MARGIN * max(matte.shape)


def beside_person_change(background: np.ndarray, source: np.ndarray) -> tuple[float, int]:
    """Share of the values beside the person that moved by more than BESIDE_LEVELS from the source,
    and the largest change, for one frame (int16 values)."""
    if not background.size:
        return 0.0, 0
    change = np.abs(background - source)
    return float((change > BESIDE_LEVELS).mean()), int(change.max())


def background_change(background: np.ndarray, first: np.ndarray, source: np.ndarray) -> tuple[float, float, float]:
    """Mean drift from the first frame, share of values moved by more than MOVED_LEVELS, and mean
    difference to the source, for one frame's background values (int16)."""
    if not background.size:
        return 0.0, 0.0, 0.0
    drift = np.abs(background - first)
    return float(drift.mean()), float((drift > MOVED_LEVELS).mean()), float(np.abs(background - source).mean())


def background_summary(drift: np.ndarray, moved: np.ndarray, vs_source: np.ndarray, beside_moved: np.ndarray,
                       beside_max: np.ndarray) -> dict:
    """The clip's background numbers from the per-frame series."""
    return {"drift_mean": round(float(drift.mean()), 4), "drift_max": round(float(drift.max()), 4),
            "moved_share": round(float(moved.max()), 6), "vs_source_mean": round(float(vs_source.mean()), 4),
            "beside_person_moved_share": round(float(beside_moved.max()), 6),
            "beside_person_max_levels": int(beside_max.max())}
