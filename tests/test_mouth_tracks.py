"""Mouth controls from synthesized speech: bilabials seal the lips, pauses close the mouth."""
from __future__ import annotations

import numpy as np
import pytest

from talking_photo.pipelines.common.clock import frame_centers
from talking_photo.pipelines.speech.audio import Audio
from talking_photo.pipelines.mouth.features import compute_features
from talking_photo.pipelines.speech.tts import synthesize_speech
from talking_photo.pipelines.mouth.visemes import viseme_of

TEXT = ("Please bring me both maps. My mom paid for the big blue balloon, maybe by Monday. Bob, stop! "
        "Put the paper back in the box, please.")
FPS = 25


@pytest.fixture(scope="module")
def tracks():
    speech = synthesize_speech(TEXT, sentence_pause_s=0.4)
    return speech.timeline, compute_features(Audio(speech.samples, speech.sample_rate), FPS, speech.timeline)


def test_bilabials_reach_full_closure(tracks):
    timeline, f = tracks
    closed = []
    for p in timeline.phones:
        if viseme_of(p.label, timeline.phone_set) == "PP":
            a = int(p.start * FPS)
            b = max(a + 1, int(np.ceil(p.end * FPS)))
            closed.append(f.lip_press[a:b].max() >= 0.9)
    assert len(closed) >= 15
    assert np.mean(closed) >= 0.95


def test_mouth_is_closed_in_pauses_and_open_in_speech(tracks):
    timeline, f = tracks
    t = frame_centers(f.n_frames, f.fps)
    in_pause = np.zeros(f.n_frames, bool)
    for p in timeline.pauses(0.2):
        in_pause |= (t >= p.start) & (t < p.end)
    assert in_pause.sum() >= 20
    assert (f.jaw_open[in_pause] < 0.1).mean() >= 0.98
    assert f.jaw_open[~in_pause].max() > 0.4
    assert f.visemes.shape == (f.n_frames, 15) and np.allclose(f.visemes.sum(1), 1, atol=1e-3)


def test_no_flicker_and_shapes_are_anticipated(tracks):
    """No control makes a one-frame excursion (a frame more than 0.15 away from the mean of its
    neighbours, which reads as flicker; a short vowel's smooth 3-frame peak stays below it), and
    the lips start to close for a bilabial before its acoustic start (anticipation).
    ``lip_press`` is exempt: a 30 ms /p/ must still seal the lips, which at 25 fps is one frame."""
    timeline, features = tracks
    for name in ("jaw_open", "lip_spread", "lip_round"):
        x = getattr(features, name)
        excursion = np.abs(x[1:-1] - (x[:-2] + x[2:]) / 2)
        assert excursion.max() <= 0.15, (name, int(np.argmax(excursion)) + 1, excursion.max())
    t = frame_centers(features.n_frames, FPS)
    early = 0
    bilabials = [p for p in timeline.phones if viseme_of(p.label, timeline.phone_set) == "PP"]
    for p in bilabials:
        before = (t > p.start - 0.06) & (t < p.start)
        if before.any():
            early += features.lip_press[before].max() > 0.3
    assert early >= 0.8 * len(bilabials)
