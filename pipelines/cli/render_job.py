"""The whole pipeline in one call, as the command line runs it: photo + text/audio → mp4 + report."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..common.atomic import write_atomic
from ..common.clock import check_fps
from ..common.errors import InputError
from ..common.progress import Progress
from ..face.portrait import analyze_portrait, fit_within, load_image_file
from ..motion.blinks import inject_blinks
from ..motion.expression import check_expression
from ..motion.head import generate_motion
from ..mouth.features import compute_features
from ..render.renderer import render_frames
from ..report.measure import build_report, measure_frames
from ..speech.audio import Audio, load_audio_file
from ..speech.silence import check_seconds, silence
from ..speech.tts import DEFAULT_VOICE, synthesize_speech
from ..video.writer import DEFAULT_VIDEO_QUALITY, VideoWriter, check_video_quality, output_format


@dataclass
class StageTimer:
    """Wall-clock seconds per named stage."""

    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, started: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def render_talking_video(image: np.ndarray | str | Path, out: str | Path, text: str | None = None,
                         audio: str | Path | None = None, transcript: str | None = None,
                         seconds: float | None = None,
                         fps: float = 25.0, seed: int = 0, device: str = "cpu",
                         report: str | Path | None = None, style: str = "calm", expression: str = "neutral",
                         voice: str = DEFAULT_VOICE,
                         progress: Progress | None = None, sync_report: str | Path | bool = False,
                         video_quality: int = DEFAULT_VIDEO_QUALITY,
                         background: np.ndarray | str | Path | None = None, glasses: bool = True,
                         max_side: int | None = None) -> dict:
    """Render a talking video; returns (and optionally writes) a report with the timeline,
    the per-frame tracks and per-stage timings. ``sync_report`` also measures every frame with
    the sync report's face detector before encoding (the renderer's numbers, free of codec loss)
    into ``result["sync_report"]``, and writes it as JSON when ``sync_report`` is a path.
    ``background`` (a picture or its file) replaces the photo's background behind the person;
    ``glasses`` False leaves glasses' rims to move with the skin (see ``analyze_portrait``).
    ``seconds`` instead of text or audio says nothing for that long (a living portrait, see ``silence``).
    ``max_side`` downscales the photo so its longer side is at most that many pixels (the video's size)."""
    if sum(x is not None for x in (text, audio, seconds)) != 1:
        raise InputError("give exactly one of text, audio or seconds (of silence).")
    if seconds is not None:
        check_seconds(seconds)  # refuse a bad length before the photo is analysed
    check_fps(fps)
    check_expression(expression)  # refuse a misspelt expression before synthesising speech
    out = Path(out)
    output_format(out)  # refuse an unknown suffix or video quality before any work
    check_video_quality(video_quality)
    timer = StageTimer()
    t0 = time.perf_counter()
    name = str(image) if isinstance(image, (str, Path)) else "image"
    pixels = load_image_file(image, max_side) if isinstance(image, (str, Path)) else fit_within(image, max_side)
    if isinstance(background, (str, Path)):
        background = load_image_file(background, max_side)
    portrait = analyze_portrait(pixels, name=name, background=background, glasses=glasses)
    timer.add("landmarks", t0)

    t0 = time.perf_counter()
    if text is not None:
        speech = synthesize_speech(text, voice, seed=seed)
        sound, timeline = Audio(speech.samples, speech.sample_rate), speech.timeline
        timer.add("tts", t0)
    elif audio is not None:
        sound, timeline = load_audio_file(audio), None
        timer.add("audio_load", t0)
    else:
        sound, timeline = silence(seconds)

    t0 = time.perf_counter()
    features = compute_features(sound, fps, timeline, transcript)
    timer.add("features" if timeline is not None else "alignment+features", t0)

    t0 = time.perf_counter()
    motion = generate_motion(features, style=style, seed=seed, expression=expression)
    motion = inject_blinks(motion, features, seed=seed)
    timer.add("motion+blinks", t0)

    h, w = portrait.image.shape[:2]
    measures = None
    with VideoWriter(out, fps, w, h, sound.samples, sound.sample_rate, video_quality) as writer:
        def encoded_frames():
            t_render = time.perf_counter()
            for batch in render_frames(portrait, features, motion, device, progress=progress):
                timer.add("render", t_render)
                t_enc = time.perf_counter()
                batch = batch.cpu().numpy()
                writer.write(batch)
                timer.add("encode", t_enc)
                yield from batch
                t_render = time.perf_counter()

        if not sync_report:
            for _ in encoded_frames():
                pass
        else:  # the detector reads each frame as it is encoded: no frame is kept
            t0 = time.perf_counter()
            before = timer.seconds.get("render", 0.0) + timer.seconds.get("encode", 0.0)
            measures = measure_frames(encoded_frames(), portrait.image)
            rendered = timer.seconds["render"] + timer.seconds["encode"] - before
            timer.seconds["sync_report"] = time.perf_counter() - t0 - rendered
    total = sum(timer.seconds.values())
    n = features.n_frames
    result = {
        "output": str(out),
        "device": str(torch.device(device)),
        "fps": float(fps),
        "n_frames": n,
        "duration_s": sound.duration_s,
        "image_size": [w, h],
        "crop": list(portrait.crop),
        "mouth_source": features.mouth_source,
        "notes": features.notes + portrait.notes,
        "timings_s": {k: round(v, 4) for k, v in timer.seconds.items()},
        "ms_per_frame": {k: round(1000 * v / n, 3) for k, v in timer.seconds.items()},
        "total_s": round(total, 3),
        "real_time_factor": round(total / sound.duration_s, 4),
        "timeline": features.timeline.to_dict() if features.timeline else None,
        "features": features.tracks(),
        "motion": motion.tracks(),
    }
    if report is not None:
        write_atomic(report, json.dumps(result, ensure_ascii=False))
    if measures is not None:
        result["sync_report"] = build_report(measures, float(fps), (w, h), sound, features.timeline)
        if not isinstance(sync_report, bool):
            write_atomic(sync_report, json.dumps(result["sync_report"], ensure_ascii=False))
    return result
