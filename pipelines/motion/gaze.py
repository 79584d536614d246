"""Where the eyes look: on the camera, with small saccades, and away at some phrase boundaries.

Speakers hold the listener's eyes with small jumps every second or two, and look aside or up
while they gather the next phrase: from the end of one phrase into the start of the next (the
features' pauses, short gaps between words left out). Eye rotations are relative to the head, so
holding the camera while the head turns means turning the eyes back (the vestibulo-ocular reflex):
without it the eyes would sweep across the viewer with every turn of the head.
"""
from __future__ import annotations

import numpy as np

from ..mouth.features import Features

SACCADE_INTERVAL_S = 1.6  # mean time between fixation jumps
SACCADE_S = 0.04  # a saccade lasts 30-50 ms: one frame or two
LOOK_AWAY_DEG = (7.0, 13.0)  # sideways range of a look-away
LOOK_UP_DEG = (2.0, 7.0)  # ... and upwards (thinking looks go up and aside)
LOOK_AWAY_BEFORE_S = 0.2  # the eyes leave this long before the phrase ends
LOOK_BACK_AFTER_S = 0.5  # ... and come back this far into the next phrase
LOOK_AWAY_MAX_S = 1.2
VOR_GAIN = 0.8  # share of the head's turn the eyes take back


def _steps(times: list[float], values: list[tuple[float, float]], n: int, fps: float) -> np.ndarray:
    """``[n, 2]``: a value held from each time on, reached over SACCADE_S (piecewise linear)."""
    out = np.zeros((n, 2))
    t = np.arange(n) / fps
    previous = np.zeros(2)
    for start, value in zip(times, values):
        ramp = np.clip((t - start) / SACCADE_S, 0, 1)[:, None]
        out = out + ramp * (np.asarray(value) - previous)
        previous = np.asarray(value)
    return out


def gaze_motion(features: Features, head: dict[str, np.ndarray], saccade_deg: float, look_away_p: float,
                rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``gaze_x`` (degrees, + towards the image's right) and ``gaze_y`` (+ down) for every frame."""
    n, fps = features.n_frames, features.fps
    duration = n / fps
    times: list[float] = []
    values: list[tuple[float, float]] = []
    if saccade_deg > 0:
        t = rng.exponential(SACCADE_INTERVAL_S)
        while t < duration:
            times.append(t)
            values.append((rng.normal(0, saccade_deg), rng.normal(0, 0.6 * saccade_deg)))
            t += SACCADE_INTERVAL_S * rng.gamma(4.0, 0.25)
    fixations = _steps(times, values, n, fps)
    away_times: list[float] = []
    away_values: list[tuple[float, float]] = []
    for start, end in features.pauses():
        leave = start - LOOK_AWAY_BEFORE_S
        if (leave <= 0 or end >= duration or (away_times and leave <= away_times[-1])
                or rng.random() >= look_away_p):
            continue
        side = rng.choice((-1.0, 1.0))
        away_times += [leave, min(end + LOOK_BACK_AFTER_S, leave + LOOK_AWAY_MAX_S, duration)]
        away_values += [(side * rng.uniform(*LOOK_AWAY_DEG), -rng.uniform(*LOOK_UP_DEG)), (0.0, 0.0)]
    away = _steps(away_times, away_values, n, fps)
    looking_away = np.abs(away).sum(1) > 0
    gaze = np.where(looking_away[:, None], away, fixations)
    return {"gaze_x": gaze[:, 0] - VOR_GAIN * head["yaw"], "gaze_y": gaze[:, 1] - VOR_GAIN * head["pitch"]}
