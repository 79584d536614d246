"""Shared real inputs: the astronaut photo, synthesized speech with a clear pause, their features.

The engine is imported the way ComfyUI loads the pack, as a sub-package (``talking_photo.pipelines``),
so the tests and the node adapters share one set of modules (one InputError, one model cache).
The pack's own ``__init__`` (node registration, which needs a ComfyUI host) is not run here.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACK = "talking_photo"
if PACK not in sys.modules:
    _spec = importlib.util.spec_from_file_location(PACK, ROOT / "__init__.py", submodule_search_locations=[str(ROOT)])
    sys.modules[PACK] = importlib.util.module_from_spec(_spec)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from talking_photo.pipelines.face import regions as fr  # noqa: E402
from talking_photo.pipelines.face.portrait import analyze_portrait  # noqa: E402
from talking_photo.pipelines.mouth.features import compute_features  # noqa: E402
from talking_photo.pipelines.render.renderer import render_frames  # noqa: E402
from talking_photo.pipelines.speech.audio import Audio  # noqa: E402
from talking_photo.pipelines.speech.tts import synthesize_speech  # noqa: E402

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


@pytest.fixture(scope="session", autouse=True)
def engine_imported_one_way():
    yield
    assert "pipelines" not in sys.modules, "a test imported the engine as `pipelines`: use talking_photo.pipelines"


def render_clip(portrait, features, motion=None) -> np.ndarray:
    """All frames of a clip as uint8 ``[n, H, W, 3]`` (the renderer reuses its buffer, so copy)."""
    return torch.cat([batch.clone() for batch in render_frames(portrait, features, motion)]).numpy()


def posed_tracks(*poses: dict[str, float]) -> dict[str, np.ndarray]:
    """Tracks of one frame per pose (channel → value), every other channel at rest."""
    from talking_photo.pipelines.common.channels import DRAWN

    tracks = {c: np.zeros(len(poses), np.float32) for c in DRAWN}
    for i, pose in enumerate(poses):
        for channel, value in pose.items():
            tracks[channel][i] = value
    return tracks


def inner_lip_gap(frames: np.ndarray) -> np.ndarray:
    """Independent measurement: re-detect landmarks on rendered frames, the gap at the middle of
    the mouth in face heights."""
    from talking_photo.pipelines.face.landmarks import detect_faces, find_model

    model = find_model()
    upper, lower = fr.INNER_LIP_MIDDLE
    gaps = []
    for f in frames:
        faces = detect_faces(np.ascontiguousarray(f), model)
        assert faces, "the rendered frame lost its face"
        lm = faces[0]
        gaps.append((lm[lower, 1] - lm[upper, 1]) / (lm[fr.CHIN, 1] - lm[fr.FOREHEAD, 1]))
    return np.array(gaps)


MEDIA = ROOT / "tests" / "media"


def beyond_person(portrait, face_widths: float = 0.3) -> np.ndarray:
    """``[H, W]`` bool: pixels farther than ``face_widths`` from the animated person's layer, which
    no motion can reach: they must be the photo, bit for bit, in every frame."""
    from scipy.ndimage import distance_transform_edt

    return distance_transform_edt(portrait.layer == 0) > face_widths * portrait.face_width


def media_file(name: str) -> Path:
    path = MEDIA / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make test` (it fetches the test media) "
                    "or `python tools/fetch_test_media.py tests/media`")
    return path


def media_photo(name: str) -> np.ndarray:
    """A test photo from the fetched media as RGB uint8."""
    from PIL import Image

    return np.asarray(Image.open(media_file(name)).convert("RGB"))


@pytest.fixture(scope="session")
def closed_mouth_photo() -> np.ndarray:
    """A second real photo: a closed-mouth, tilted, downcast face cut from the insightface group
    photo and enlarged to 640² (the astronaut shows teeth, is frontal and evenly lit)."""
    from PIL import Image

    image = Image.open(media_file("group_photo.jpg")).convert("RGB").crop((200, 60, 520, 380))
    return np.asarray(image.resize((640, 640), Image.LANCZOS))


