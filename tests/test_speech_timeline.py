"""The synthesizer's timeline: contiguous, covers the audio, words keep the user's spelling."""
from __future__ import annotations

import numpy as np
import pytest

from pipelines.errors import InputError
from pipelines.speech import synthesize_speech
from pipelines.timeline import Timeline


def test_timeline_covers_audio_contiguously(speech):
    tl = speech.timeline
    assert tl.phone_set == "ipa" and tl.source == "tts"
    assert tl.phones[0].start == 0
    assert abs(tl.phones[-1].end - speech.samples.size / speech.sample_rate) < 1e-6
    for a, b in zip(tl.phones, tl.phones[1:]):
        assert abs(a.end - b.start) < 1e-9 and b.end > b.start
    assert [w.label for w in tl.words][:4] == ["Hello,", "my", "name", "is"]
    assert Timeline.from_dict(tl.to_dict()) == tl


def test_same_seed_same_samples_and_text_cleanup():
    a = synthesize_speech("Call me at 5 pm 😀.", seed=1)
    b = synthesize_speech("Call me at 5 pm 😀.", seed=1)
    assert np.array_equal(a.samples, b.samples)
    assert any("dropped" in w for w in a.warnings)
    with pytest.raises(InputError, match="empty"):
        synthesize_speech("   \n ")
    with pytest.raises(InputError, match="nothing speakable"):
        synthesize_speech("😀😀")
