"""The talking-photo engine (plain torch/numpy, never ComfyUI): its stages in data-flow order.

    face.portrait.analyze_portrait      photo → Portrait (landmarks, animated region, crop)
    speech.tts.synthesize_speech        text → Speech (audio + the synthesizer's exact timeline)
    speech.audio.load_audio_file        a recording → Audio
    mouth.features.compute_features     Audio (+ Timeline, else aligned) → Features, per frame
    motion.head.generate_motion         Features → Motion (head pose, brows)
    motion.blinks.inject_blinks         Motion → Motion with blinks
    render.renderer.render_frames       Portrait + Features + Motion → frames
    video.writer.write_video            frames + audio → mp4 / webm / gif
    report.measure.measure_frames       frames → per-frame measures (the face re-detected on each)
    report.measure.build_report         measures (+ audio, timeline) → the sync report
    cli.render_job.render_talking_video all of the above in one call (the command line)

Each name is importable from here; the sub-package is imported on first use, so that
``python -m pipelines`` starts without loading numpy or torch (Ctrl-C is caught from the start).
"""
from __future__ import annotations

import importlib

ENTRY_POINTS = {
    "analyze_portrait": "face.portrait",
    "synthesize_speech": "speech.tts",
    "load_audio_file": "speech.audio",
    "compute_features": "mouth.features",
    "generate_motion": "motion.head",
    "inject_blinks": "motion.blinks",
    "render_frames": "render.renderer",
    "write_video": "video.writer",
    "measure_frames": "report.measure",
    "build_report": "report.measure",
    "render_talking_video": "cli.render_job",
}
__all__ = list(ENTRY_POINTS)


def __getattr__(name: str):
    if name not in ENTRY_POINTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{ENTRY_POINTS[name]}", __name__), name)
