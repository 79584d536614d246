"""Phone timeline → per-frame viseme weights and mouth controls, with coarticulation.

Each phone exerts a dominance over time (after Cohen & Massaro): full strength inside the phone,
decaying exponentially before it (anticipation) and after it (carry-over). Every control is the
dominance-weighted mean of the phones' targets, with its own dominance strengths, so bilabials
win lip closure outright while lip rounding still spreads across them. Evaluating on sub-frame
samples and taking the per-frame mean (max for lip press) keeps short phones visible for at
least one frame without flicker. Bilabials must seal the lips whatever their neighbours, so
their closure is an envelope (max), not one more vote in the average.
"""
from __future__ import annotations

import numpy as np

from ..common.clock import check_fps
from ..speech.timeline import Timeline
from .visemes import MOUTH_SHAPES, VISEME_INDEX, VISEMES, viseme_of

SUBSAMPLES = 5
ANTICIPATION_S = 0.07
CARRY_OVER_S = 0.04

# Dominance strength per viseme and control (jaw_open, lip_spread, lip_round, lip_press).
_STRENGTH = np.ones((len(VISEMES), 4), dtype=np.float32)
_STRENGTH[VISEME_INDEX["sil"]] = [6.0, 6.0, 6.0, 6.0]
_STRENGTH[VISEME_INDEX["PP"]] = [3.0, 1.0, 0.5, 3.0]
BILABIAL_EDGE_S = 0.03  # lips are sealed through a bilabial and part within ~30 ms of its edges
_STRENGTH[VISEME_INDEX["FF"]] = [2.0, 1.0, 0.5, 4.0]
_STRENGTH[VISEME_INDEX["ou"], 2] = 3.0
_STRENGTH[VISEME_INDEX["CH"], 2] = 2.0


CHUNK_FRAMES = 250
REACH_S = 1.0  # phones further than this from a frame have no influence on it (e^-14)
REST_EPS = 0.005  # smaller control values are exactly 0, so silence renders the identical rest pose


def mouth_tracks(timeline: Timeline, n_frames: int, fps: float) -> dict[str, np.ndarray]:
    """Viseme weights ``[n, 15]`` and the four mouth controls ``[n]`` from a phone timeline."""
    fps = float(check_fps(fps))
    weights = np.zeros((n_frames, len(VISEMES)), np.float32)
    weights[:, VISEME_INDEX["sil"]] = 1.0
    controls = np.zeros((n_frames, 4), np.float32)
    phones = timeline.phones
    starts = np.array([p.start for p in phones])
    ends = np.array([p.end for p in phones])
    vis = np.array([VISEME_INDEX[viseme_of(p.label, timeline.phone_set)] for p in phones], dtype=np.int64)
    for f0 in range(0, n_frames, CHUNK_FRAMES):  # bounded memory on long clips
        f1 = min(n_frames, f0 + CHUNK_FRAMES)
        near = np.nonzero((ends > f0 / fps - REACH_S) & (starts < f1 / fps + REACH_S))[0]
        if near.size:
            weights[f0:f1], controls[f0:f1] = _blend(starts[near], ends[near], vis[near], f0, f1, fps)
    controls[controls < REST_EPS] = 0.0
    return {
        "visemes": weights,
        "jaw_open": controls[:, 0].copy(),
        "lip_spread": controls[:, 1].copy(),
        "lip_round": controls[:, 2].copy(),
        "lip_press": controls[:, 3].copy(),
    }


def _blend(starts: np.ndarray, ends: np.ndarray, vis: np.ndarray, f0: int, f1: int, fps: float
           ) -> tuple[np.ndarray, np.ndarray]:
    n = f1 - f0
    t = (f0 * SUBSAMPLES + np.arange(n * SUBSAMPLES) + 0.5) / (SUBSAMPLES * fps)
    before = np.clip(starts[None, :] - t[:, None], 0, None) / ANTICIPATION_S
    after = np.clip(t[:, None] - ends[None, :], 0, None) / CARRY_OVER_S
    base = np.exp(-(before + after)).astype(np.float32)  # [T, P]
    dominance = base[:, :, None] * _STRENGTH[vis][None, :, :]  # [T, P, 4]
    values = (dominance * MOUTH_SHAPES[vis][None, :, :]).sum(1) / (dominance.sum(1) + 1e-9)
    bilabial = vis == VISEME_INDEX["PP"]
    if bilabial.any():
        closure = np.exp(-(before[:, bilabial] * ANTICIPATION_S + after[:, bilabial] * CARRY_OVER_S)
                         / BILABIAL_EDGE_S).max(1)
        values[:, 3] = np.maximum(values[:, 3], closure)
    values = values.reshape(n, SUBSAMPLES, 4)
    jaw_dom = dominance[:, :, 0].reshape(n, SUBSAMPLES, -1).mean(1)  # [n, P]
    weights = np.zeros((len(VISEMES), n), np.float32)
    np.add.at(weights, vis, jaw_dom.T)
    weights = weights.T / (weights.sum(0)[:, None] + 1e-9)
    controls = values.mean(1)
    controls[:, 3] = values[:, :, 3].max(1)  # a bilabial closure shows in every frame it touches
    return weights, controls
