"""Per-frame acoustic tracks on the shared clock: loudness, pitch and voice activity."""
from __future__ import annotations

import numpy as np

from .audio import Audio, resample
from ..common.clock import frame_count

ANALYSIS_RATE = 16000
PITCH_MIN_HZ, PITCH_MAX_HZ = 70.0, 400.0
VOICING_THRESHOLD = 0.45  # normalised autocorrelation peak above which a frame is voiced
LOUDNESS_RANGE_DB = 40.0
QUIET_DB = -80.0  # loud parts quieter than this are no sound: loudness is measured from here (silence is 0)
BLOCK_FRAMES = 2048


def _frames(x: np.ndarray, n_frames: int, hop: float, win: int, part: slice) -> np.ndarray:
    """``[frames in part, win]`` float64 windows centred on each frame's middle (zero outside)."""
    centers = ((np.arange(n_frames)[part] + 0.5) * hop).astype(np.int64)
    idx = centers[:, None] + np.arange(win)[None, :] - win // 2
    inside = (idx >= 0) & (idx < len(x))
    return np.where(inside, x[np.clip(idx, 0, len(x) - 1)], 0.0).astype(np.float64)


def analyse(audio: Audio, fps: float) -> dict[str, np.ndarray]:
    """Loudness (0..1, relative to the clip's loud parts), pitch in Hz (0 unvoiced), voice activity.

    Frames are analysed in blocks so memory stays flat on hour-long recordings."""
    n = frame_count(len(audio.samples), audio.sample_rate, fps)
    x = resample(audio.samples, audio.sample_rate, ANALYSIS_RATE)
    hop = ANALYSIS_RATE / float(fps)
    win = max(int(2 * ANALYSIS_RATE / PITCH_MIN_HZ), int(hop))
    window = np.hanning(win)
    window_acf = np.fft.irfft(np.abs(np.fft.rfft(window, n=2 * win)) ** 2)[:win]
    lo, hi = int(ANALYSIS_RATE / PITCH_MAX_HZ), int(ANALYSIS_RATE / PITCH_MIN_HZ)
    db, lag, peak = np.empty(n), np.empty(n, np.int64), np.empty(n)
    for start in range(0, n, BLOCK_FRAMES):
        part = slice(start, min(n, start + BLOCK_FRAMES))
        frames = _frames(x, n, hop, win, part) * window[None, :]  # see window_acf
        db[part] = 10 * np.log10((frames**2).mean(axis=1) / 0.375 + 1e-12)  # 0.375 = mean of hann²
        acf = np.fft.irfft(np.abs(np.fft.rfft(frames, n=2 * win, axis=1)) ** 2, axis=1)[:, :win]
        acf = acf / np.maximum(acf[:, :1], 1e-12) / np.maximum(window_acf / window_acf[0], 1e-3)[None, :]
        lag[part] = lo + np.argmax(acf[:, lo:hi], axis=1)
        peak[part] = acf[np.arange(len(acf)), lag[part]]
    loud_db = max(float(np.percentile(db, 95)), QUIET_DB)
    loudness = np.clip(1.0 + (db - loud_db) / LOUDNESS_RANGE_DB, 0.0, 1.0)
    floor_db = np.percentile(db, 10)
    voice_activity = (db > max(loud_db - 35.0, floor_db + 8.0)).astype(np.float32)
    voiced = (peak > VOICING_THRESHOLD) & (voice_activity > 0)
    pitch = np.where(voiced, ANALYSIS_RATE / lag, 0.0)
    return {
        "loudness": loudness.astype(np.float32),
        "pitch": pitch.astype(np.float32),
        "voice_activity": voice_activity,
    }
