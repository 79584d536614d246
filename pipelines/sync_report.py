"""Quality report of a talking video, measured on its frames by re-detecting the face.

Nothing from the driving tracks is reused: the landmarks come from MediaPipe run afresh on each
frame, so the same measurement applies to videos made by any tool. What is measured and why:
- lip sync: lag of the best cross-correlation between mouth aperture and the loudness envelope,
  both band-passed to the syllable rate (2-7 Hz), and a confidence (peak minus median of the
  correlation over lags) beside the same number for the audio reversed in time, a control that
  has the same spectrum but no relation to the mouth;
- with a timeline: lips closed on bilabials (/p b m/) and the mouth closed in pauses;
- blinks from eye-aspect-ratio dips; head pose (solvePnP on points the jaw does not move);
- background outside the animated region: its drift (change against the first frame: a moving
  camera or a warp leaking out) apart from its difference to the source photo (which for an mp4
  includes the codec's loss), and face sharpness against the source.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Callable, Iterable

import numpy as np

from . import face_regions as fr
from .audio import Audio
from .audio_analysis import analyse
from .errors import InputError
from .face_landmarks import detect_faces, find_model
from .timeline import SILENCE, Timeline
from .visemes import viseme_of

Progress = Callable[[int, int], None]

MAX_LAG_FRAMES = 15
SYNC_BAND_HZ = (2.0, 7.0)
# Lips count as closed within CLOSED_MARGIN (of the mouth's width) of the clip's most closed
# state (its 10th percentile): the detector puts the inner-lip contours of closed, smiling lips
# 0.05-0.1 mouth widths apart, so an absolute zero would never be met.
CLOSED_PERCENTILE, CLOSED_MARGIN = 10, 0.03
BLINK_DROP = 0.7  # an eye-aspect-ratio dip below this share of the clip's median is a blink
PAUSE_MIN_S, PAUSE_EDGE_S = 0.3, 0.1  # pauses scored; lips part ~0.1 s before sound (anticipation)
CODEC_MARGIN_PX = 16  # H.264 codes 16-px macroblocks: pixels this close to the region may ripple
MOVED_LEVELS = 8  # a background pixel off by more than this (of 255) has moved, not just re-coded
# Points the jaw and lids do not move: forehead, nose ridge, eye corners, temples.
STABLE_POINTS = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 33, 133, 263, 362, 127, 356, 234, 454)


@dataclass
class FrameMeasures:
    """Per-frame values, NaN where no face was found."""

    aperture: np.ndarray
    eye_ratio: np.ndarray
    stable_points: np.ndarray  # [n, len(STABLE_POINTS), 3]
    background_drift: np.ndarray  # mean |frame - first frame| outside the region, per frame
    background_moved: np.ndarray  # share of those pixels off by more than MOVED_LEVELS
    background_vs_source: np.ndarray  # mean |frame - source| outside the region, per frame
    sharpness: np.ndarray  # Laplacian variance in the source's face box
    source_sharpness: float  # the same for the source


def eye_aspect_ratios(landmarks: np.ndarray) -> np.ndarray:
    """Eye aspect ratio (right, left): about 0.25-0.35 open, falling towards 0 as the lids close."""
    values = []
    for idx in (fr.RIGHT_EYE_EAR, fr.LEFT_EYE_EAR):
        p1, p2, p3, p4, p5, p6 = (landmarks[i, :2] for i in idx)
        values.append((np.linalg.norm(p2 - p6) + np.linalg.norm(p3 - p5)) / (2 * np.linalg.norm(p1 - p4)))
    return np.array(values)


def mouth_aperture(landmarks: np.ndarray) -> float:
    """Largest inner-lip gap over the mouth's width (scale-free)."""
    gap = np.max(landmarks[list(fr.INNER_LOWER[1:-1]), 1] - landmarks[list(fr.INNER_UPPER[1:-1]), 1])
    return float(max(gap, 0.0) / np.linalg.norm(landmarks[78, :2] - landmarks[308, :2]))


def _laplacian_variance(gray: np.ndarray) -> float:
    lap = gray[1:-1, :-2] + gray[1:-1, 2:] + gray[:-2, 1:-1] + gray[2:, 1:-1] - 4 * gray[1:-1, 1:-1]
    return float(lap.var())


def _gray(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def background_mask(source: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Pixels that must never change: outside the animated region (the same ellipse the renderer
    uses, taken generously at 1.25x for other tools' larger motion) and its codec margin."""
    from .portrait import region_ellipse

    (cx, cy), (rx, ry) = region_ellipse(landmarks)
    h, w = source.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    rx, ry = 1.25 * rx + CODEC_MARGIN_PX, 1.25 * ry + CODEC_MARGIN_PX
    return ((xs + 0.5 - cx) / rx) ** 2 + ((ys + 0.5 - cy) / ry) ** 2 > 1.0


def measure_frames(frames: Iterable[np.ndarray], source: np.ndarray | None = None,
                   model_dirs: tuple[str, ...] = (), progress: Progress | None = None,
                   total: int = 0) -> FrameMeasures:
    """Detect the face on every frame (uint8 ``[H, W, 3]``) and measure it against ``source``
    (the photo; the first frame when None). ``progress(done, total)`` may raise to stop."""
    model = find_model(None, model_dirs)
    rows: dict[str, list] = {k: [] for k in ("aperture", "eye_ratio", "stable_points", "background_drift",
                                             "background_moved", "background_vs_source", "sharpness")}
    mask = box = None
    source_sharpness = 0.0
    for frame in frames:
        frame = np.ascontiguousarray(frame)
        if source is None:
            source = frame
        if mask is None:
            ref = detect_faces(source, model)
            if not ref:
                raise InputError("no face found in the source (or first frame); the report needs a video of one face.")
            mask = background_mask(source, ref[0])
            x0, y0 = np.maximum(ref[0][:, :2].min(0).astype(int), 0)
            x1, y1 = ref[0][:, :2].max(0).astype(int)
            box = (slice(y0, y1), slice(x0, x1))
            source_bg = source[mask].astype(np.int16)
            first_bg = frame[mask].astype(np.int16)
            source_sharpness = _laplacian_variance(_gray(source[box]))
        faces = detect_faces(frame, model)
        if faces:
            lm = faces[0]
            rows["aperture"].append(mouth_aperture(lm))
            rows["eye_ratio"].append(float(eye_aspect_ratios(lm).mean()))
            rows["stable_points"].append(lm[list(STABLE_POINTS)])
        else:
            rows["aperture"].append(np.nan)
            rows["eye_ratio"].append(np.nan)
            rows["stable_points"].append(np.full((len(STABLE_POINTS), 3), np.nan, np.float32))
        background = frame[mask].astype(np.int16)
        drift = np.abs(background - first_bg)
        rows["background_drift"].append(float(drift.mean()) if drift.size else 0.0)
        rows["background_moved"].append(float((drift > MOVED_LEVELS).mean()) if drift.size else 0.0)
        rows["background_vs_source"].append(float(np.abs(background - source_bg).mean()) if drift.size else 0.0)
        rows["sharpness"].append(_laplacian_variance(_gray(frame[box])))
        if progress is not None:
            progress(len(rows["aperture"]), max(total, len(rows["aperture"])))
    if mask is None:
        raise InputError("the video has no frames.")
    return FrameMeasures(**{k: np.asarray(v, np.float32) for k, v in rows.items()},
                         source_sharpness=source_sharpness)


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


def sync_measures(aperture: np.ndarray, audio: Audio, fps: float) -> dict:
    """Lag (ms, sub-frame by a parabola through the peak) and confidence, with the reversed control."""
    n = len(aperture)
    envelope = analyse(audio, fps)["loudness"][:n]
    envelope = np.pad(envelope, (0, n - len(envelope)))
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
    for pause in timeline.pauses(PAUSE_MIN_S):
        pause_frames |= (times >= pause.start + PAUSE_EDGE_S) & (times <= pause.end - PAUSE_EDGE_S)
    return {"bilabials": len(bilabials),
            "bilabial_closure": round(float(np.mean(sealed)), 4) if sealed else None,
            "pause_frames": int(pause_frames.sum()),
            "pause_closure": round(float(closed[pause_frames].mean()), 4) if pause_frames.any() else None}


def blink_measures(eye_ratio: np.ndarray, fps: float, timeline: Timeline | None) -> dict:
    """Blinks are runs of frames whose eye aspect ratio dips below BLINK_DROP x the median."""
    finite = eye_ratio[np.isfinite(eye_ratio)]
    if finite.size == 0:
        return {"count": 0, "per_minute": 0.0, "durations_ms": [], "share_in_pauses": None}
    low = np.nan_to_num(eye_ratio, nan=np.inf) < BLINK_DROP * np.median(finite)
    edges = np.diff(np.concatenate([[0], low.astype(np.int8), [0]]))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    minutes = len(eye_ratio) / fps / 60
    result = {"count": len(starts), "per_minute": round(len(starts) / minutes, 1),
              "durations_ms": [round(1000 * (e - s) / fps) for s, e in zip(starts, ends)],
              "share_in_pauses": None}
    if timeline is not None and len(starts):
        pauses = timeline.pauses()
        mid = (starts + ends) / 2 / fps
        result["share_in_pauses"] = round(float(np.mean([any(p.start <= t <= p.end for p in pauses)
                                                          for t in mid])), 3)
    return result


def head_pose(stable_points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Yaw, pitch, roll in degrees relative to the first frame, ``[n, 3]`` (signs as in
    MotionGenerator's tracks): solvePnP of each
    frame's 2-D stable points against the first frame's 3-D landmarks (a pinhole camera)."""
    import cv2

    w, h = size
    focal = float(max(w, h))
    camera = np.array([[focal, 0, w / 2], [0, focal, h / 2], [0, 0, 1]], np.float64)
    first = next((p for p in stable_points if np.isfinite(p).all()), None)
    angles = np.full((len(stable_points), 3), np.nan)
    if first is None:
        return angles
    model = first.astype(np.float64).copy()
    model[:, :2] -= [w / 2, h / 2]
    model[:, 2] += focal  # the face at the distance where the pinhole reproduces the first frame
    model *= 1.0 / focal
    rotations = []
    rvec, tvec = np.zeros((3, 1)), np.zeros((3, 1))  # the first frame's pose; each frame starts from the last
    for pts in stable_points:
        if not np.isfinite(pts).all():
            rotations.append(None)
            continue
        ok, r, t = cv2.solvePnP(model, pts[:, :2].astype(np.float64), camera, None, rvec.copy(), tvec.copy(),
                                useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE)
        if ok:
            rvec, tvec = r, t
        rotations.append(cv2.Rodrigues(r)[0] if ok else None)
    base = next(r for r in rotations if r is not None)
    for i, rot in enumerate(rotations):
        if rot is None:
            continue
        rel = rot @ base.T
        yaw = np.degrees(np.arcsin(np.clip(rel[2, 0], -1, 1)))  # the sign MotionGenerator uses
        pitch = np.degrees(np.arctan2(rel[2, 1], rel[2, 2]))
        roll = np.degrees(np.arctan2(rel[1, 0], rel[0, 0]))
        angles[i] = (yaw, pitch, roll)
    return angles


def build_report(measures: FrameMeasures, fps: float, size: tuple[int, int], audio: Audio | None = None,
                 timeline: Timeline | None = None) -> dict:
    """All numbers of the report as one JSON-ready dict (per-frame series under ``series``)."""
    n = len(measures.aperture)
    pose = head_pose(measures.stable_points, size)
    speed = np.abs(np.diff(pose, axis=0)) * fps
    report = {
        "frames": n, "fps": fps, "duration_s": round(n / fps, 3), "size": list(size),
        "face_found_share": round(float(np.isfinite(measures.aperture).mean()), 4),
        "sync": sync_measures(measures.aperture, audio, fps) if audio is not None else None,
        "timeline": timeline_measures(measures.aperture, timeline, fps) if timeline is not None else None,
        "blinks": blink_measures(measures.eye_ratio, fps, timeline),
        "head_pose_deg": {axis: {"std": round(float(np.nanstd(pose[:, j])), 2),
                                 "range": round(float(np.nanmax(pose[:, j]) - np.nanmin(pose[:, j])), 2),
                                 "mean_speed_per_s": round(float(np.nanmean(speed[:, j])), 2) if n > 1 else 0.0}
                          for j, axis in enumerate(("yaw", "pitch", "roll"))},
        "background": {"drift_mean": round(float(measures.background_drift.mean()), 4),
                       "drift_max": round(float(measures.background_drift.max()), 4),
                       "moved_share": round(float(measures.background_moved.max()), 6),
                       "vs_source_mean": round(float(measures.background_vs_source.mean()), 4)},
        "sharpness_vs_source": round(float(np.mean(measures.sharpness) / max(measures.source_sharpness, 1e-6)), 3),
        "series": {"aperture": np.round(measures.aperture, 4).tolist(),
                   "eye_ratio": np.round(measures.eye_ratio, 4).tolist(),
                   "pose_deg": np.round(pose, 2).tolist()},
    }
    if audio is not None:
        envelope = analyse(audio, fps)["loudness"][:n]
        report["series"]["loudness"] = np.round(envelope, 4).tolist()
    return report


def report_video(video: str, audio: str | None = None, timeline: str | None = None,
                 source: str | None = None) -> dict:
    """The report of a video file; its own audio track is used unless ``audio`` names another file.
    ``timeline`` is a timeline JSON or a render report containing one (``--report`` of render)."""
    import json

    from .audio import load_audio_file
    from .portrait import load_image_file
    from .video import read_frames, video_fps

    fps = video_fps(video)
    try:
        sound = load_audio_file(audio or video)
    except InputError:
        if audio:
            raise
        sound = None  # a silent video: everything but the sync numbers
    spoken = None
    if timeline:
        data = json.loads(open(timeline, encoding="utf-8").read())
        spoken = Timeline.from_dict(data.get("timeline", data) if "phones" not in data else data)
    frames = read_frames(video)
    first = next(frames, None)
    if first is None:
        raise InputError(f"{video} has no video frames.")
    measures = measure_frames(chain([first], frames), load_image_file(source) if source else None)
    return build_report(measures, fps, (first.shape[1], first.shape[0]), sound, spoken)
