"""BlinkInjector: human blink timing, placed preferentially in pauses, on any TP_MOTION."""
from __future__ import annotations

import numpy as np

from .errors import InputError
from .features import Features
from .motion import Motion

CLOSE_S, HOLD_S, OPEN_S = 0.10, 0.05, 0.15
MIN_INTERVAL_S = 1.0
SNAP_S = 1.0  # a blink moves to the start of a pause this close to its planned time
DOUBLE_BLINK_P = 0.08


def blink_shape(duration_s: float, fps: float) -> np.ndarray:
    """Closure 0..1 sampled per frame for one blink (close : hold : open = 2 : 1 : 3)."""
    scale = duration_s / (CLOSE_S + HOLD_S + OPEN_S)
    close, hold, opening = CLOSE_S * scale, HOLD_S * scale, OPEN_S * scale
    t = (np.arange(int(np.ceil(duration_s * fps)) + 1)) / fps
    up = np.clip(t / close, 0, 1)
    down = np.clip(1 - (t - close - hold) / opening, 0, 1)
    shape = np.minimum(up, down)
    return np.sin(shape * np.pi / 2) ** 2


def plan_blinks(duration_s: float, rate_per_min: float, pauses: list[tuple[float, float]],
                rng: np.random.Generator) -> list[float]:
    """Blink start times: gamma-distributed intervals (never < 1 s), pulled to nearby pause starts."""
    if rate_per_min <= 0:
        return []
    mean = 60.0 / rate_per_min
    times: list[float] = []
    t = rng.uniform(0.3, min(mean, 2.0))
    while t < duration_s - 0.3:
        snap = [p0 for p0, p1 in pauses if abs(p0 + 0.05 - t) <= SNAP_S and p1 - p0 > 0.15]
        chosen = min(snap, key=lambda p: abs(p - t)) + 0.05 if snap else t
        if not times or chosen - times[-1] >= MIN_INTERVAL_S:
            times.append(chosen)
            if rng.random() < DOUBLE_BLINK_P:
                times.append(chosen + 0.45)
        t = max(chosen, t) + max(MIN_INTERVAL_S, rng.gamma(4.0, mean / 4.0))
    return [x for x in times if x < duration_s - 0.3]


def inject_blinks(motion: Motion, features: Features | None = None, rate_per_min: float = 17.0,
                  duration_s: float = 0.25, seed: int = 0, times: list[float] | None = None,
                  asymmetry: float = 0.0) -> Motion:
    """Add ``blink_l``/``blink_r`` (0 open .. 1 closed) to ``motion``; manual ``times`` override the plan."""
    if not 0 <= rate_per_min <= 60:
        raise InputError(f"blink rate {rate_per_min}/min is outside 0..60 (people blink 10-30/min).")
    if not 0.1 <= duration_s <= 0.4:
        raise InputError(f"blink duration {duration_s} s is outside 0.1..0.4 s.")
    n, fps = motion.n_frames, motion.fps
    rng = np.random.default_rng(seed)
    pauses = []
    if features is not None and features.timeline is not None:
        pauses = [(p.start, p.end) for p in features.timeline.pauses()]
    starts = list(times) if times is not None else plan_blinks(n / fps, rate_per_min, pauses, rng)
    closure = np.zeros(n, np.float32)
    shape = blink_shape(duration_s, fps)
    for start in starts:
        i = int(round(start * fps))
        if 0 <= i < n:
            seg = shape[: n - i]
            closure[i: i + len(seg)] = np.maximum(closure[i: i + len(seg)], seg)
    lag = rng.uniform(-asymmetry, asymmetry) if asymmetry else 0.0
    right = np.clip(closure * (1 - abs(lag)), 0, 1)
    blink_l = motion.channels.get("blink_l", np.zeros(n, np.float32)) + closure
    blink_r = motion.channels.get("blink_r", np.zeros(n, np.float32)) + right
    return motion.with_channels(blink_l=np.clip(blink_l, 0, 1), blink_r=np.clip(blink_r, 0, 1))
