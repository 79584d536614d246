"""Template-browser thumbnails: ``workflows/NAME.jpg``, a frame of what each shipped workflow renders.

ComfyUI's template browser shows ``NAME.jpg`` beside ``NAME.json``. Each picture is rendered by the
engine from the workflow's own inputs (the astronaut as ``portrait.png``, the workflow's text, or the
ARCTIC recording as ``speech.wav``) at the frame where the mouth is widest (without speech, where the
head is turned furthest), cropped to the head. The
image-generation workflow needs SD 1.5 weights this machine does not have: its card shows the text
workflow's frame. Usage: .venv/bin/python tools/make_thumbnails.py  (after ``make test`` fetched the media)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines import analyze_portrait, compute_features, generate_motion, inject_blinks, render_frames  # noqa: E402
from pipelines.cli.sample_photo import astronaut  # noqa: E402
from pipelines.speech.audio import Audio, load_audio_file  # noqa: E402
from pipelines.speech.silence import silence  # noqa: E402
from pipelines.speech.tts import synthesize_speech  # noqa: E402

SIDE = 384
LIVING = "Living portrait without speech"


def _widget(name: str, node_type: str, widget: str):
    api = json.loads((ROOT / "workflows" / "api" / f"{name}.json").read_text())
    return next(n["inputs"][widget] for n in api.values() if n["class_type"] == node_type)


def thumbnail(name: str) -> Image.Image:
    portrait = analyze_portrait(astronaut())
    if name == "Recording to talking video":
        features = compute_features(load_audio_file(ROOT / "tests" / "media" / "arctic_a0009.wav"), 25.0)
    elif name == LIVING:
        sound, timeline = silence(_widget(name, "TalkingPhotoSilence", "seconds"))
        features = compute_features(sound, 25.0, timeline)
    else:
        speech = synthesize_speech(_widget(name, "TalkingPhotoTextToSpeech", "text"))
        features = compute_features(Audio(speech.samples, speech.sample_rate), 25.0, speech.timeline)
    style = _widget(name, "TalkingPhotoMotionGenerator", "style")
    motion = inject_blinks(generate_motion(features, style=style), features)
    frames = torch.cat([batch.clone() for batch in render_frames(portrait, features, motion)]).numpy()
    if name == LIVING:  # silent: the head turned furthest shows it moves
        tracks = motion.tracks()
        shown = np.abs(tracks["yaw"]) + np.abs(tracks["pitch"])
    else:
        shown = features.jaw_open
    frame = frames[int(np.argmax(shown))]
    x0, y0, x1, y1 = portrait.crop
    side = max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    left, top = max(0, min(cx - side // 2, frame.shape[1] - side)), max(0, min(cy - side // 2, frame.shape[0] - side))
    return Image.fromarray(frame[top:top + side, left:left + side]).resize((SIDE, SIDE), Image.LANCZOS)


def main() -> None:
    text = thumbnail("Text to talking video")
    pictures = {"Text to talking video": text, "Image generation to talking video": text,
                "Recording to talking video": thumbnail("Recording to talking video"),
                "Motion and blink tuning": thumbnail("Motion and blink tuning"), LIVING: thumbnail(LIVING)}
    for name, picture in pictures.items():
        picture.save(ROOT / "workflows" / f"{name}.jpg", quality=88)
        print("wrote", f"workflows/{name}.jpg")


if __name__ == "__main__":
    main()
