"""TP_MOTION and MotionGenerator: speech-driven head motion over slow, never-repeating idle motion.

Idle motion is a sum of sinusoids at incommensurate random frequencies (it never repeats within
any practical clip length); speech adds nods at loudness onsets and a little extra movement while
speaking. Channels add: a stage that does not know a channel passes it through.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .features import Features

POSE_CHANNELS = ("yaw", "pitch", "roll", "tx", "ty", "scale")
# Style: amplitude of idle motion per channel (degrees / face widths), speech emphasis gain.
STYLES: dict[str, dict[str, float]] = {
    "calm": {"yaw": 2.5, "pitch": 1.5, "roll": 1.2, "tx": 0.006, "ty": 0.004, "scale": 0.004, "emphasis": 1.0},
    "lively": {"yaw": 4.0, "pitch": 2.5, "roll": 2.0, "tx": 0.010, "ty": 0.006, "scale": 0.006, "emphasis": 1.8},
    "news_anchor": {"yaw": 1.5, "pitch": 1.0, "roll": 0.6, "tx": 0.003, "ty": 0.002, "scale": 0.002, "emphasis": 0.7},
    "still": {"yaw": 0.0, "pitch": 0.0, "roll": 0.0, "tx": 0.0, "ty": 0.0, "scale": 0.0, "emphasis": 0.0},
}
EASE_S = 0.5
NOD_DEG = 2.0


@dataclass
class Motion:
    """Named per-frame channels (``[n_frames]`` float32 each) on the shared clock."""

    fps: float
    n_frames: int
    channels: dict[str, np.ndarray] = field(default_factory=dict)

    def with_channels(self, **updates: np.ndarray) -> "Motion":
        channels = dict(self.channels)
        channels.update({k: np.asarray(v, np.float32) for k, v in updates.items()})
        return Motion(self.fps, self.n_frames, channels)

    def tracks(self) -> dict[str, list[float]]:
        return {k: np.round(v, 4).tolist() for k, v in self.channels.items()}


def _smooth_noise(rng: np.random.Generator, t: np.ndarray, lo_hz: float, hi_hz: float, n: int = 6) -> np.ndarray:
    """Unit-variance smooth noise: sinusoids at random, incommensurate frequencies and phases."""
    freqs = np.exp(rng.uniform(np.log(lo_hz), np.log(hi_hz), n))
    phases = rng.uniform(0, 2 * np.pi, n)
    amps = 1.0 / np.sqrt(freqs)
    x = (amps[None] * np.sin(2 * np.pi * freqs[None] * t[:, None] + phases[None])).sum(1)
    return x / np.sqrt((amps**2).sum() / 2)


def _emphasis(features: Features) -> np.ndarray:
    """Loudness onsets (rises of the smoothed envelope), 0..1, where speakers tend to nod."""
    env = features.loudness * features.voice_activity
    k = max(1, int(round(features.fps * 0.08)))
    env = np.convolve(env, np.ones(k) / k, mode="same")
    rise = np.clip(np.diff(env, prepend=env[:1]), 0, None)
    return np.clip(rise / (rise.max() + 1e-9), 0, 1)


def _nod(pulses: np.ndarray, fps: float) -> np.ndarray:
    """Turn onset pulses into a smooth dip-and-return (~0.4 s) so nods look like nods."""
    length = max(3, int(round(0.4 * fps)))
    kernel = np.sin(np.linspace(0, np.pi, length)) ** 2
    return np.convolve(pulses, kernel, mode="full")[: len(pulses)]


def generate_motion(features: Features, intensity: float = 1.0, style: str = "calm", seed: int = 0,
                    lock: tuple[str, ...] = ()) -> Motion:
    """Head pose channels for every frame of ``features``."""
    if style not in STYLES:
        raise InputError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}.")
    if not 0.0 <= intensity <= 3.0:
        raise InputError(f"intensity {intensity} is outside 0..3 (1 = natural).")
    unknown = set(lock) - set(POSE_CHANNELS)
    if unknown:
        raise InputError(f"cannot lock {sorted(unknown)}; lockable axes are {', '.join(POSE_CHANNELS)}.")
    params = STYLES[style]
    n, fps = features.n_frames, features.fps
    t = np.arange(n) / fps
    rng = np.random.default_rng(seed)
    speaking = np.convolve(features.voice_activity, np.ones(int(fps)) / int(fps), mode="same")
    emphasis = _nod(_emphasis(features) * params["emphasis"], fps)
    ease = np.clip(np.minimum(t, t[-1] - t) / EASE_S, 0, 1) if n > 1 else np.ones(n)
    ease = ease * ease * (3 - 2 * ease)
    channels = {}
    for name in POSE_CHANNELS:
        idle = _smooth_noise(rng, t, 0.05, 0.4) * params[name]
        fast = _smooth_noise(rng, t, 0.4, 1.2) * params[name] * 0.3 * speaking
        channels[name] = idle + fast
    channels["pitch"] = channels["pitch"] + NOD_DEG * emphasis * (1 if params["emphasis"] else 0)
    channels["brow_raise"] = 0.6 * emphasis * (params["emphasis"] > 0)
    for name in channels:
        channels[name] = (channels[name] * intensity * ease).astype(np.float32)
        if name in lock:
            channels[name] = np.zeros(n, np.float32)
    return Motion(fps, n, channels)
