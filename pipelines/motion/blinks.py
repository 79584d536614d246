"""BlinkInjector: human blink timing, placed preferentially in pauses, on any TP_MOTION."""
from __future__ import annotations

import numpy as np

from ..common.errors import InputError
from ..mouth.features import Features
from .head import Motion

CLOSE_S, HOLD_S, OPEN_S = 0.10, 0.05, 0.15
MIN_INTERVAL_S = 1.0  # between blink events; the two halves of a double blink are closer
EDGE_S = 0.3  # no blink starts this close to the clip's start or end
SNAP_S = 1.5  # a blink moves into a pause that starts this close to its planned time
PAUSE_OFFSET_S = 0.05  # blinks start just after the voice stops
DOUBLE_BLINK_P = 0.08
DOUBLE_GAP_S = 0.45


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
    """Blink start times at ``rate_per_min`` (exact in expectation, within one blink per clip).

    The clip gets ``rate × duration`` blinks (stochastically rounded) at gamma-distributed
    intervals scaled to fill it, never closer than 1 s; each then moves into a pause that starts
    within 1.5 s when that keeps the spacing. Some events become double blinks (two blinks
    0.45 s apart) that replace the next planned blink, so the rate stays the same."""
    usable = duration_s - 2 * EDGE_S
    count = int(rate_per_min * duration_s / 60.0 + rng.random()) if rate_per_min > 0 else 0
    count = min(count, int(usable // MIN_INTERVAL_S) + 1) if usable > 0 else 0
    if count == 0:
        return []
    gaps = rng.gamma(4.0, 1.0, count + 1)
    planned = EDGE_S + np.cumsum(gaps)[:-1] / gaps.sum() * usable
    for i in range(1, count):  # enforce the minimum interval, pushing later blinks back
        planned[i] = max(planned[i], planned[i - 1] + MIN_INTERVAL_S)
    planned = [t for t in planned if t <= duration_s - EDGE_S]
    starts = [p0 + PAUSE_OFFSET_S for p0, p1 in pauses if p1 - p0 > 0.15]
    times: list[float] = []
    for i, t in enumerate(planned):
        nxt = planned[i + 1] if i + 1 < len(planned) else duration_s + MIN_INTERVAL_S
        prev = times[-1] if times else -MIN_INTERVAL_S
        options = [p for p in starts if abs(p - t) <= SNAP_S and p - prev >= MIN_INTERVAL_S
                   and nxt - p >= MIN_INTERVAL_S and EDGE_S <= p <= duration_s - EDGE_S]
        times.append(min(options, key=lambda p: abs(p - t)) if options else t)
    events: list[float] = []
    skip = False
    for t in times:
        if skip:
            skip = False
            continue
        events.append(t)
        if rng.random() < DOUBLE_BLINK_P and t + DOUBLE_GAP_S <= duration_s - EDGE_S:
            events.append(t + DOUBLE_GAP_S)
            skip = True
    return events


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
    pauses = features.pauses() if features is not None else []
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
