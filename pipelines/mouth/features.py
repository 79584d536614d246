"""TP_FEATURES: every per-frame speech track the later stages read, on the shared clock."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..common.channels import FEATURE_TRACKS
from ..common.progress import Progress
from ..speech.alignment import align
from ..speech.audio import Audio
from ..speech.acoustics import analyse
from ..common.clock import check_fps, frame_count
from .coarticulation import mouth_tracks
from ..speech.timeline import PAUSE_MIN_S, Timeline
from .visemes import VISEME_INDEX, VISEMES

ACOUSTIC_JAW_GAIN = 0.8
# Vocal effort: louder syllables open the jaw wider. The phone's jaw target is scaled between
# EFFORT_FLOOR (quiet) and 1 (loud) by the loudness, smoothed over EFFORT_SMOOTH_S.
EFFORT_FLOOR, EFFORT_SMOOTH_S = 0.3, 0.04


@dataclass
class Features:
    """Per-frame arrays of length ``n_frames``; ``visemes`` is ``[n_frames, 15]``.

    ``mouth_source`` says which path produced the mouth: ``tts`` (synthesizer timing),
    ``forced-alignment``, ``recognition+alignment`` or ``acoustic`` (loudness only).
    """

    fps: float
    n_frames: int
    duration_s: float
    loudness: np.ndarray
    pitch: np.ndarray
    voice_activity: np.ndarray
    visemes: np.ndarray
    jaw_open: np.ndarray
    lip_spread: np.ndarray
    lip_round: np.ndarray
    lip_press: np.ndarray
    mouth_source: str
    timeline: Timeline | None = None
    notes: list[str] = field(default_factory=list)

    def tracks(self) -> dict[str, list[float]]:
        """The 1-D tracks as plain lists (for JSON reports)."""
        return {k: np.round(getattr(self, k), 4).tolist() for k in FEATURE_TRACKS}

    def pauses(self) -> list[tuple[float, float]]:
        """Silent stretches ``(start, end)`` in seconds: the timeline's pauses or, without a timeline,
        where the voice is inactive. Motion places its phrase gestures, look-aways and blinks by them."""
        if self.timeline is not None:
            return [(p.start, p.end) for p in self.timeline.pauses()]
        quiet = self.voice_activity <= 0.5
        edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(int), [0]]))) / self.fps
        return [(float(a), float(b)) for a, b in zip(edges[::2], edges[1::2]) if b - a >= PAUSE_MIN_S]

    def phrases(self) -> list[tuple[float, float]]:
        """Stretches of speech ``(start, end)`` in seconds: from the first word to the last, split
        at the pauses."""
        spoken = ([(w.start, w.end) for w in self.timeline.words] if self.timeline is not None else
                  [(i / self.fps, (i + 1) / self.fps) for i in np.flatnonzero(self.voice_activity > 0.5).tolist()])
        if not spoken:
            return []
        first, last = spoken[0][0], spoken[-1][1]
        bounds = [first] + [t for pause in self.pauses() if first < pause[0] and pause[1] < last for t in pause] + [last]
        return list(zip(bounds[::2], bounds[1::2]))


def _acoustic_mouth(acoustic: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fallback when no words can be aligned: the jaw follows the smoothed loudness of voiced speech."""
    env = acoustic["loudness"] * acoustic["voice_activity"]
    env = np.convolve(np.pad(env, 1, mode="edge"), [0.25, 0.5, 0.25], mode="valid")
    jaw = np.clip(env * ACOUSTIC_JAW_GAIN, 0.0, 1.0).astype(np.float32)
    weights = np.zeros((len(jaw), len(VISEMES)), np.float32)
    weights[:, VISEME_INDEX["aa"]] = jaw
    weights[:, VISEME_INDEX["sil"]] = 1.0 - jaw
    zeros = np.zeros_like(jaw)
    return {"visemes": weights, "jaw_open": jaw, "lip_spread": zeros, "lip_round": zeros.copy(),
            "lip_press": zeros.copy()}


def _with_vocal_effort(jaw: np.ndarray, loudness: np.ndarray, fps: float) -> np.ndarray:
    """Scale the phone-driven jaw by loudness: stressed, loud syllables open wider than reduced ones,
    as in real speech; where the jaw is closed (silence, bilabials) it stays exactly closed."""
    from scipy.ndimage import gaussian_filter1d

    effort = gaussian_filter1d(loudness.astype(np.float64), EFFORT_SMOOTH_S * fps, mode="nearest")
    return (jaw * (EFFORT_FLOOR + (1 - EFFORT_FLOOR) * np.clip(effort, 0, 1))).astype(np.float32)


def compute_features(audio: Audio, fps: float = 25.0, timeline: Timeline | None = None,
                     transcript: str | None = None, progress: Progress | None = None) -> Features:
    """Speech → per-frame tracks. Without a timeline the recording is aligned (pocketsphinx);
    ``progress(done, total)`` follows that alignment and may raise to stop it."""
    fps = float(check_fps(fps))
    n = frame_count(len(audio.samples), audio.sample_rate, fps)
    acoustic = analyse(audio, fps)
    notes: list[str] = []
    if timeline is None:
        timeline = align(audio, transcript, progress)
        if timeline is None:
            notes.append("no words could be aligned; mouth follows loudness only")
    if timeline is not None and abs(timeline.duration_s - audio.duration_s) > 0.5:
        notes.append(f"timeline lasts {timeline.duration_s:.2f} s but the audio {audio.duration_s:.2f} s; "
                     "were they made from the same speech?")
    if timeline is not None:
        mouth = mouth_tracks(timeline, n, fps)
        mouth["jaw_open"] = _with_vocal_effort(mouth["jaw_open"], acoustic["loudness"], fps)
    else:
        mouth = _acoustic_mouth(acoustic)
    source = timeline.source if timeline is not None else "acoustic"
    if timeline is not None:
        notes.extend(timeline.notes)
    return Features(fps=fps, n_frames=n, duration_s=audio.duration_s, mouth_source=source,
                    timeline=timeline, notes=notes, **acoustic, **mouth)
