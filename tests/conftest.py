"""Shared real inputs: the astronaut photo, synthesized speech with a clear pause, their features."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipelines.audio import Audio
from pipelines.features import compute_features
from pipelines.portrait import analyze_portrait
from pipelines.speech import synthesize_speech

SPEECH_TEXT = "Hello, my name is Eileen. I flew to space. Would you like to come along?"
FPS = 25


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def portrait(astronaut):
    return analyze_portrait(astronaut)


@pytest.fixture(scope="session")
def speech():
    return synthesize_speech(SPEECH_TEXT, sentence_pause_s=0.6, seed=0)


@pytest.fixture(scope="session")
def features(speech):
    return compute_features(Audio(speech.samples, speech.sample_rate), FPS, speech.timeline)


def inner_lip_gap(frames: np.ndarray) -> np.ndarray:
    """Independent measurement: re-detect landmarks on rendered frames, gap 13-14 in face heights."""
    from pipelines.face_landmarks import detect_faces, find_model

    model = find_model()
    gaps = []
    for f in frames:
        faces = detect_faces(np.ascontiguousarray(f), model)
        assert faces, "the rendered frame lost its face"
        lm = faces[0]
        gaps.append((lm[14, 1] - lm[13, 1]) / (lm[152, 1] - lm[10, 1]))
    return np.array(gaps)


MEDIA = Path(__file__).parent / "media"


def media_file(name: str) -> Path:
    path = MEDIA / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make test` (it fetches the test media) "
                    "or `python tools/fetch_test_media.py tests/media`")
    return path


@pytest.fixture(scope="session")
def closed_mouth_photo() -> np.ndarray:
    """A second real photo: a closed-mouth, tilted, downcast face cut from the insightface group
    photo and enlarged to 640² (the astronaut shows teeth, is frontal and evenly lit)."""
    from PIL import Image

    image = Image.open(media_file("group_photo.jpg")).convert("RGB").crop((200, 60, 520, 380))
    return np.asarray(image.resize((640, 640), Image.LANCZOS))


