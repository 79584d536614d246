"""Blinks seen on rendered frames: runs of frames whose eye aspect ratio dips."""
from __future__ import annotations

import numpy as np

from ..face import regions as fr
from ..speech.timeline import Timeline

BLINK_DROP = 0.7  # an eye-aspect-ratio dip below this share of the clip's median is a blink


def eye_aspect_ratios(landmarks: np.ndarray) -> np.ndarray:
    """Eye aspect ratio (right, left): about 0.25-0.35 open, falling towards 0 as the lids close."""
    values = []
    for idx in (fr.RIGHT_EYE_EAR, fr.LEFT_EYE_EAR):
        p1, p2, p3, p4, p5, p6 = (landmarks[i, :2] for i in idx)
        values.append((np.linalg.norm(p2 - p6) + np.linalg.norm(p3 - p5)) / (2 * np.linalg.norm(p1 - p4)))
    return np.array(values)


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last + 1)`` of every run of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], np.asarray(flags, bool).astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def blink_measures(eye_ratio: np.ndarray, fps: float, timeline: Timeline | None) -> dict:
    """Blinks are runs of frames whose eye aspect ratio dips below BLINK_DROP x the median."""
    finite = eye_ratio[np.isfinite(eye_ratio)]
    if finite.size == 0:
        return {"count": 0, "per_minute": 0.0, "durations_ms": [], "share_in_pauses": None}
    blinks = runs(np.nan_to_num(eye_ratio, nan=np.inf) < BLINK_DROP * np.median(finite))
    minutes = len(eye_ratio) / fps / 60
    result = {"count": len(blinks), "per_minute": round(len(blinks) / minutes, 1),
              "durations_ms": [round(1000 * (e - s) / fps) for s, e in blinks], "share_in_pauses": None}
    if timeline is not None and blinks:
        pauses = timeline.pauses()
        mid = [(s + e) / 2 / fps for s, e in blinks]
        result["share_in_pauses"] = round(float(np.mean([any(p.start <= t <= p.end for p in pauses)
                                                          for t in mid])), 3)
    return result
