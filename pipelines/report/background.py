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
# Beside the person: what a person matte of the source calls background, farther than this share of
# the image's long side from the person, must never move; a change above BESIDE_LEVELS is a move
# (an mp4's re-coding stays below it).
BESIDE_MARGIN, BESIDE_LEVELS = 0.03, 12


def background_mask(source: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Pixels that must never change: outside the animated region (the same ellipse the renderer
    uses, taken generously for other tools' larger motion) and its codec margin."""
    (cx, cy), (rx, ry) = region_ellipse(landmarks)
    h, w = source.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    rx, ry = REGION_GENEROSITY * rx + CODEC_MARGIN_PX, REGION_GENEROSITY * ry + CODEC_MARGIN_PX
    return ((xs + 0.5 - cx) / rx) ** 2 + ((ys + 0.5 - cy) / ry) ** 2 > 1.0


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
