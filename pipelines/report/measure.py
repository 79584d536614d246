"""The sync report of a talking video, measured on its frames by re-detecting the face.

Nothing from the driving tracks is reused: the landmarks come from MediaPipe run afresh on each
frame, so the same measurement applies to videos made by any tool. Each job has its module: lip
sync (``sync``), blinks, head pose (``pose``), background stillness and sharpness; this one runs
the detector over the frames and puts their numbers together.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np

from ..common.errors import InputError
from ..common.luma import luma
from ..common.progress import Progress
from ..face import regions as fr
from ..face.landmarks import detect_faces, find_model
from ..face.person_matte import person_matte
from ..speech.acoustics import analyse
from ..speech.audio import Audio
from ..speech.timeline import Timeline
from .background import background_change, background_summary, beside_person_change, beside_person_mask
from .blinks import blink_measures, eye_aspect_ratios
from .pose import head_pose
from .sharpness import laplacian_variance
from .sync import mouth_aperture, sync_measures, timeline_measures


@dataclass
class FrameMeasures:
    """Per-frame values, NaN where no face was found."""

    aperture: np.ndarray
    eye_ratio: np.ndarray
    rigid_points: np.ndarray  # [n, len(fr.RIGID_POINTS), 3]
    background_drift: np.ndarray  # mean |frame - first frame| of the background beside the person, per frame
    background_moved: np.ndarray  # share of those values off by more than MOVED_LEVELS
    background_vs_source: np.ndarray  # mean |frame - source| there, per frame
    beside_person_moved: np.ndarray  # share of the background beside the person moved from the source
    beside_person_max: np.ndarray  # largest change there, in levels
    sharpness: np.ndarray  # Laplacian variance in the source's face box
    source_sharpness: float  # the same for the source


def measure_frames(frames: Iterable[np.ndarray], source: np.ndarray | None = None,
                   model_dirs: tuple[str, ...] = (), progress: Progress | None = None,
                   total: int = 0) -> FrameMeasures:
    """Detect the face on every frame (uint8 ``[H, W, 3]``) and measure it against ``source``
    (the photo; the first frame when None). ``progress(done, total)`` may raise to stop."""
    model = find_model(None, model_dirs)
    rows: dict[str, list] = {k: [] for k in ("aperture", "eye_ratio", "rigid_points", "background_drift",
                                             "background_moved", "background_vs_source", "beside_person_moved",
                                             "beside_person_max", "sharpness")}
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
            mask = beside_person_mask(person_matte(source, model_dirs))
            x0, y0 = np.maximum(ref[0][:, :2].min(0).astype(int), 0)
            x1, y1 = ref[0][:, :2].max(0).astype(int)
            box = (slice(y0, y1), slice(x0, x1))
            source_bg = source[mask].astype(np.int16)
            first_bg = frame[mask].astype(np.int16)
            source_sharpness = laplacian_variance(luma(source[box]))
        faces = detect_faces(frame, model)
        if faces:
            lm = faces[0]
            rows["aperture"].append(mouth_aperture(lm))
            rows["eye_ratio"].append(float(eye_aspect_ratios(lm).mean()))
            rows["rigid_points"].append(lm[list(fr.RIGID_POINTS)])
        else:
            rows["aperture"].append(np.nan)
            rows["eye_ratio"].append(np.nan)
            rows["rigid_points"].append(np.full((len(fr.RIGID_POINTS), 3), np.nan, np.float32))
        background = frame[mask].astype(np.int16)
        drift, moved, vs_source = background_change(background, first_bg, source_bg)
        rows["background_drift"].append(drift)
        rows["background_moved"].append(moved)
        rows["background_vs_source"].append(vs_source)
        moved_beside, max_beside = beside_person_change(background, source_bg)
        rows["beside_person_moved"].append(moved_beside)
        rows["beside_person_max"].append(max_beside)
        rows["sharpness"].append(laplacian_variance(luma(frame[box])))
        if progress is not None:
            progress(len(rows["aperture"]), max(total, len(rows["aperture"])))
    if mask is None:
        raise InputError("the video has no frames.")
    return FrameMeasures(**{k: np.asarray(v, np.float32) for k, v in rows.items()},
                         source_sharpness=source_sharpness)


def build_report(measures: FrameMeasures, fps: float, size: tuple[int, int], audio: Audio | None = None,
                 timeline: Timeline | None = None) -> dict:
    """All numbers of the report as one JSON-ready dict (per-frame series under ``series``)."""
    n = len(measures.aperture)
    loudness = analyse(audio, fps)["loudness"] if audio is not None else None
    pose = head_pose(measures.rigid_points, size)
    speed = np.abs(np.diff(pose, axis=0)) * fps
    report = {
        "frames": n, "fps": fps, "duration_s": round(n / fps, 3), "size": list(size),
        "face_found_share": round(float(np.isfinite(measures.aperture).mean()), 4),
        "sync": sync_measures(measures.aperture, loudness, fps) if loudness is not None and loudness.any() else None,
        "timeline": timeline_measures(measures.aperture, timeline, fps) if timeline is not None else None,
        "blinks": blink_measures(measures.eye_ratio, fps, timeline),
        "head_pose_deg": {axis: {"std": round(float(np.nanstd(pose[:, j])), 2),
                                 "range": round(float(np.nanmax(pose[:, j]) - np.nanmin(pose[:, j])), 2),
                                 "mean_speed_per_s": round(float(np.nanmean(speed[:, j])), 2) if n > 1 else 0.0}
                          for j, axis in enumerate(("yaw", "pitch", "roll"))},
        "background": background_summary(measures.background_drift, measures.background_moved,
                                         measures.background_vs_source, measures.beside_person_moved,
                                         measures.beside_person_max),
        "sharpness_vs_source": round(float(np.mean(measures.sharpness) / max(measures.source_sharpness, 1e-6)), 3),
        "series": {"aperture": np.round(measures.aperture, 4).tolist(),
                   "eye_ratio": np.round(measures.eye_ratio, 4).tolist(),
                   "pose_deg": np.round(pose, 2).tolist()},
    }
    if loudness is not None:
        report["series"]["loudness"] = np.round(loudness[:n], 4).tolist()
    return report


def report_video(video: str, audio: str | None = None, timeline: str | None = None,
                 source: str | None = None) -> dict:
    """The report of a video file; its own audio track is used unless ``audio`` names another file.
    ``timeline`` is a timeline JSON or a render report containing one (``--report`` of render)."""
    import json

    from ..face.portrait import load_image_file
    from ..speech.audio import load_audio_file
    from ..video.reader import read_frames, video_fps

    fps = video_fps(video)
    try:
        sound = load_audio_file(audio or video, silence_ok=True)  # the report says so: no sync to measure
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


def report_summary(report: dict) -> dict:
    """A sync report without its per-frame series and correlation curves: for a terminal or a node."""
    summary = {k: v for k, v in report.items() if k != "series"}
    if summary["sync"]:
        summary["sync"] = {k: v for k, v in summary["sync"].items() if not k.endswith("by_lag")}
    return summary
