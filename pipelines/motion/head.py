"""TP_MOTION and MotionGenerator: speech-driven head motion over slow, never-repeating idle
motion, and the body's breathing and sway (``body``).

Idle motion is seeded white noise smoothed by a Gaussian kernel: it never repeats (unlike a loop
or a sum of a few sinusoids) and decorrelates within ~2 s. Speech adds faster motion while
speaking, scaled by loudness and pitch, nods on stressed syllables (loudness onsets), a lift and
tilt at phrase starts, and a settle (calmer idle) in pauses. Channels add: a stage that does not
know a channel passes it through.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..common.channels import BODY, GAZE, HEAD_POSE
from ..common.easing import smoothstep
from ..common.errors import InputError
from ..mouth.features import Features
from .body import body_motion
from .expression import check_expression, expression_motion
from .gaze import gaze_motion
from .noise import smooth_noise

# Style: amplitude (standard deviation) of idle motion per channel (degrees / face widths), the
# gain of speech-driven emphasis (nods, phrase-start lifts), the depth of breathing, and the eyes:
# the size of their small jumps (degrees) and the chance of looking away in a pause. Roll as asked
# here re-measures about as it is (an in-plane turn), yaw and pitch at under half; a filmed man in
# conversation re-measures at roll 2.5-4.1° (README, Motion), which calm's 1.7 and lively's 2.4 approach.
STYLES: dict[str, dict[str, float]] = {
    "calm": {"yaw": 5.4, "pitch": 3.8, "roll": 2.2, "tx": 0.006, "ty": 0.004, "scale": 0.004, "emphasis": 1.0,
             "breath": 1.0, "saccade": 1.2, "look_away": 0.35},
    "lively": {"yaw": 7.0, "pitch": 5.0, "roll": 3.2, "tx": 0.010, "ty": 0.006, "scale": 0.006, "emphasis": 1.8,
               "breath": 1.2, "saccade": 1.8, "look_away": 0.5},
    "news_anchor": {"yaw": 2.6, "pitch": 2.0, "roll": 0.6, "tx": 0.003, "ty": 0.002, "scale": 0.002,
                    "emphasis": 0.7, "breath": 0.7, "saccade": 0.8, "look_away": 0.1},
    "still": {"yaw": 0.0, "pitch": 0.0, "roll": 0.0, "tx": 0.0, "ty": 0.0, "scale": 0.0, "emphasis": 0.0,
              "breath": 0.0, "saccade": 0.0, "look_away": 0.0},
}
DEFAULT_LIMITS = {"yaw": 12.0, "pitch": 9.0, "roll": 7.0}  # degrees: beyond these a 2-D warp tears
EASE_S = 0.5
IDLE_SIGMA_S = 0.7  # smoothing of idle noise: correlation falls to 0.5 at ~1.2 s, to ~0 by 3 s
SPEECH_SIGMA_S = 0.18  # faster motion while speaking
SPEECH_GAIN = 0.45
NOD_DEG = 2.0
PHRASE_LIFT_DEG = 1.2
PHRASE_TILT_DEG = 1.0
PAUSE_SETTLE = 0.6  # idle amplitude in long pauses, relative to speaking


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


def _smoothed(x: np.ndarray, fps: float, seconds: float) -> np.ndarray:
    k = max(1, int(round(fps * seconds)))
    return np.convolve(np.pad(x, (k // 2, k - 1 - k // 2), mode="edge"), np.ones(k) / k, mode="valid")


def _emphasis(features: Features) -> np.ndarray:
    """Loudness onsets (rises of the smoothed envelope), 0..1: stressed syllables, where speakers nod."""
    env = _smoothed(features.loudness * features.voice_activity, features.fps, 0.08)
    rise = np.clip(np.diff(env, prepend=env[:1]), 0, None)
    return np.clip(rise / (rise.max() + 1e-9), 0, 1)


def _impulses(times: list[float], features: Features) -> np.ndarray:
    """1 at the frame of each time in ``times`` (seconds; the clip's end falls on its last frame), else 0."""
    events = np.zeros(features.n_frames)
    for t in times:
        i = int(t * features.fps)
        if features.n_frames and 0 <= i <= features.n_frames:
            events[min(i, features.n_frames - 1)] = 1.0
    return events


PHRASE_END_S = 1.5  # how long the face dwells on a phrase's end (a smile as it lands)


def _pulse(events: np.ndarray, fps: float, seconds: float = 0.4) -> np.ndarray:
    """Turn event impulses into a smooth rise-and-return (nod shape) of ``seconds``."""
    length = max(3, int(round(seconds * fps)))
    kernel = np.sin(np.linspace(0, np.pi, length)) ** 2
    return np.convolve(events, kernel, mode="full")[: len(events)]


def _normalised_pitch(features: Features) -> np.ndarray:
    """0..1: how high the voice is relative to this speaker's own voiced range."""
    voiced = features.pitch[features.pitch > 0]
    if voiced.size < 5:
        return np.zeros(features.n_frames)
    lo, hi = np.percentile(voiced, [10, 90])
    return np.where(features.pitch > 0, np.clip((features.pitch - lo) / max(hi - lo, 1.0), 0, 1), 0.0)


def _soft_limit(x: np.ndarray, limit: float) -> np.ndarray:
    """Linear for small angles, saturating smoothly at ``limit``."""
    return limit * np.tanh(x / limit) if limit > 0 else np.zeros_like(x)


def generate_motion(features: Features, intensity: float = 1.0, style: str = "calm", seed: int = 0,
                    lock: tuple[str, ...] = (), limits: dict[str, float] | None = None,
                    expression: str = "neutral") -> Motion:
    """Head pose, body (``breath``, ``sway``), gaze and expression channels for every frame of
    ``features``; ``expression`` (``expression.EXPRESSIONS``) sets the resting face and how speech
    moves it."""
    if style not in STYLES:
        raise InputError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}.")
    check_expression(expression)
    if not 0.0 <= intensity <= 3.0:
        raise InputError(f"intensity {intensity} is outside 0..3 (1 = natural).")
    unknown = set(lock) - set(HEAD_POSE + BODY + GAZE)
    if unknown:
        raise InputError(f"cannot lock {sorted(unknown)}; lockable axes are {', '.join(HEAD_POSE + BODY + GAZE)}.")
    limits = {**DEFAULT_LIMITS, **(limits or {})}
    bad = {k: v for k, v in limits.items() if k not in DEFAULT_LIMITS or not 0 <= v <= 30}
    if bad:
        raise InputError(f"limits {bad} must be yaw/pitch/roll between 0 and 30 degrees.")
    params = STYLES[style]
    n, fps = features.n_frames, features.fps
    t = np.arange(n) / fps
    rng = np.random.default_rng(seed)
    speaking = _smoothed(features.voice_activity.astype(np.float64), fps, 1.0)
    drive = speaking * (0.5 + 0.5 * _smoothed(features.loudness, fps, 0.3)
                        + 0.5 * _smoothed(_normalised_pitch(features), fps, 0.3))
    gain = params["emphasis"]
    nods = _pulse(_emphasis(features), fps) * gain
    phrases = features.phrases()
    starts = _impulses([start for start, _ in phrases], features)
    phrase = _pulse(starts, fps, 0.8) * gain
    ease = smoothstep(np.minimum(t, t[-1] - t) / EASE_S) if n > 1 else np.ones(n)
    settle = PAUSE_SETTLE + (1 - PAUSE_SETTLE) * np.clip(speaking * 1.5, 0, 1)
    channels = {}
    for name in HEAD_POSE:
        idle = smooth_noise(rng, n, fps, IDLE_SIGMA_S) * settle
        fast = smooth_noise(rng, n, fps, SPEECH_SIGMA_S) * SPEECH_GAIN * drive
        channels[name] = (idle + fast) * params[name]
    tilt_side = np.sign(rng.standard_normal(n) if n else 0.0)  # which way each phrase-start tilt goes
    channels["pitch"] = channels["pitch"] + NOD_DEG * nods - PHRASE_LIFT_DEG * phrase
    channels["roll"] = channels["roll"] + PHRASE_TILT_DEG * phrase * _hold(tilt_side, starts)
    ends = _pulse(_impulses([end for _, end in phrases], features), fps, PHRASE_END_S) * gain
    channels.update(expression_motion(expression, nods, phrase, ends))
    channels.update(body_motion(features, channels, starts, params["breath"], rng))
    channels.update(gaze_motion(features, channels, params["saccade"], params["look_away"], rng))
    for name in channels:
        values = channels[name] * intensity * ease
        if name in limits:
            values = _soft_limit(values, limits[name])
        channels[name] = (np.zeros(n) if name in lock else values).astype(np.float32)
    return Motion(fps, n, channels)


def _hold(signs: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Per frame, the sign drawn at the latest event (so one phrase tilts one way throughout)."""
    index = np.maximum.accumulate(np.where(events > 0, np.arange(len(events)), 0))
    return signs[index] if len(signs) else signs
