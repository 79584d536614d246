"""Lip sync seen on rendered frames: the mouth's aperture against the loudness, and closure where
the timeline says the lips must be closed.

- lag of the best cross-correlation between mouth aperture and the loudness envelope, both
  band-passed to the syllable rate (2-7 Hz), and a confidence (peak minus median of the
  correlation over lags) beside the same number for the audio reversed in time, a control that
  has the same spectrum but no relation to the mouth;
- with a timeline: lips closed on bilabials (/p b m/) and the mouth closed in pauses.
"""
from __future__ import annotations

import numpy as np

from ..face import regions as fr
from ..mouth.visemes import viseme_of
from ..speech.timeline import SILENCE, Timeline

MAX_LAG_FRAMES = 15
SYNC_BAND_HZ = (2.0, 7.0)
# Lips count as closed within CLOSED_MARGIN (of the mouth's width) of the clip's most closed
# state (its 10th percentile): the detector puts the inner-lip contours of closed, smiling lips
# 0.05-0.1 mouth widths apart, so an absolute zero would never be met.
CLOSED_PERCENTILE, CLOSED_MARGIN = 10, 0.03
# Lips part ~0.1 s before sound (anticipation) and close after it, so PAUSE_EDGE_S at both ends of
# a pause is not scored; a pause is scored when at least 0.1 s remains (longer than the timeline's
# own PAUSE_MIN_S, which counts any breath).
PAUSE_EDGE_S = 0.1
SCORED_PAUSE_MIN_S = 0.3


def mouth_aperture(landmarks: np.ndarray) -> float:
    """Largest inner-lip gap over the mouth's width (scale-free)."""
    gap = np.max(landmarks[list(fr.INNER_LOWER[1:-1]), 1] - landmarks[list(fr.INNER_UPPER[1:-1]), 1])
    left, right = (landmarks[j, :2] for j in fr.INNER_CORNERS)
    return float(max(gap, 0.0) / np.linalg.norm(left - right))


def _band_pass(x: np.ndarray, fps: float) -> np.ndarray:
    from scipy.signal import butter, filtfilt

    x = np.where(np.isfinite(x), x, np.nanmedian(x))
    hi = min(SYNC_BAND_HZ[1], 0.45 * fps)
    b, a = butter(2, [SYNC_BAND_HZ[0], hi], btype="band", fs=fps)
    return filtfilt(b, a, x - x.mean(), padlen=min(len(x) - 1, 3 * max(len(a), len(b))))


def lag_correlation(mouth: np.ndarray, envelope: np.ndarray, max_lag: int) -> np.ndarray:
    """Pearson r between mouth[t] and envelope[t - k] for k = -max_lag..max_lag (k > 0: video late)."""
    out = []
    n = len(mouth)
    for k in range(-max_lag, max_lag + 1):
        a, b = (mouth[k:], envelope[:n - k]) if k >= 0 else (mouth[:n + k], envelope[-k:])
        out.append(np.corrcoef(a, b)[0, 1] if len(a) > 2 and a.std() > 0 and b.std() > 0 else 0.0)
    return np.nan_to_num(np.asarray(out))


def sync_measures(aperture: np.ndarray, loudness: np.ndarray, fps: float) -> dict:
    """Lag (ms, sub-frame by a parabola through the peak) and confidence, with the reversed control;
    ``loudness`` is the audio's per-frame loudness (cut or padded to the frames)."""
    n = len(aperture)
    envelope = np.pad(loudness[:n], (0, max(0, n - len(loudness))))
    max_lag = min(MAX_LAG_FRAMES, n // 4)
    mouth = _band_pass(aperture, fps)
    r = lag_correlation(mouth, _band_pass(envelope, fps), max_lag)
    control = lag_correlation(mouth, _band_pass(envelope[::-1].copy(), fps), max_lag)
    i = int(np.argmax(r))
    shift = 0.0
    if 0 < i < len(r) - 1 and (r[i - 1] - 2 * r[i] + r[i + 1]) < 0:
        shift = 0.5 * (r[i - 1] - r[i + 1]) / (r[i - 1] - 2 * r[i] + r[i + 1])
    confidence = float(r.max() - np.median(r))
    control_confidence = float(control.max() - np.median(control))
    return {"lag_ms": round(1000 * (i - max_lag + shift) / fps, 1), "peak_r": round(float(r.max()), 3),
            "confidence": round(confidence, 3), "reversed_audio_confidence": round(control_confidence, 3),
            "confidence_ratio": round(confidence / max(control_confidence, 1e-3), 2),
            "correlation_by_lag": np.round(r, 3).tolist(), "control_by_lag": np.round(control, 3).tolist()}


def closed_mouth(aperture: np.ndarray) -> np.ndarray:
    """Frames whose lips are closed (see CLOSED_MARGIN); frames without a face are not closed."""
    reference = np.nanpercentile(aperture, CLOSED_PERCENTILE) if np.isfinite(aperture).any() else 0.0
    return np.nan_to_num(aperture, nan=np.inf) <= reference + CLOSED_MARGIN


def timeline_measures(aperture: np.ndarray, timeline: Timeline, fps: float) -> dict:
    """Bilabials: a frame within the phone with the lips closed. Pauses: frames inside each pause
    (less PAUSE_EDGE_S at both ends, where speech is anticipated or released) with a closed mouth."""
    times = (np.arange(len(aperture)) + 0.5) / fps
    closed = closed_mouth(aperture)
    bilabials = [p for p in timeline.phones if p.label != SILENCE
                 and viseme_of(p.label, timeline.phone_set) == "PP"]
    sealed = []
    for p in bilabials:
        inside = (times >= p.start - 0.5 / fps) & (times <= p.end + 0.5 / fps)
        sealed.append(bool(closed[inside].any()))
    pause_frames = np.zeros(len(aperture), bool)
    for pause in timeline.pauses(SCORED_PAUSE_MIN_S):
        pause_frames |= (times >= pause.start + PAUSE_EDGE_S) & (times <= pause.end - PAUSE_EDGE_S)
    return {"bilabials": len(bilabials),
            "bilabial_closure": round(float(np.mean(sealed)), 4) if sealed else None,
            "pause_frames": int(pause_frames.sum()),
            "pause_closure": round(float(closed[pause_frames].mean()), 4) if pause_frames.any() else None}
