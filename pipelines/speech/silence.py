"""A clip in which nothing is said: the "living portrait" (an old photo that breathes, blinks and
looks about, with no voice).

Silence is given as audio *and* a timeline that holds one pause and no words, so the rest of the
engine runs unchanged: the mouth stays closed, blinks and look-aways fall in the pause, the head and
body keep their idle motion, and the video gets a silent sound track of the same length. A silent
*recording* is still refused (``checked_speech``): that is a wrong file or a muted microphone, while
this is asked for by name.
"""
from __future__ import annotations

import numpy as np

from ..common.errors import InputError
from .audio import Audio
from .timeline import SILENCE, Segment, Timeline

SAMPLE_RATE = 16000
MAX_SECONDS = 3600.0
SOURCE = "silence"


def check_seconds(seconds: float) -> float:
    """``seconds`` as a float, or a clear error for a length no clip can have."""
    seconds = float(seconds)
    if not np.isfinite(seconds) or not 0.0 < seconds <= MAX_SECONDS:
        raise InputError(f"seconds {seconds:g} of silence must be above 0 and at most {MAX_SECONDS:g} "
                         "(an hour); give the length of the clip you want.")
    if round(seconds * SAMPLE_RATE) == 0:
        raise InputError(f"seconds {seconds:g} is shorter than one audio sample; give at least 0.001 s.")
    return seconds


def silence(seconds: float) -> tuple[Audio, Timeline]:
    """``seconds`` of digital silence and its timeline (one pause, no words)."""
    samples = np.zeros(int(round(check_seconds(seconds) * SAMPLE_RATE)), np.float32)
    duration = samples.size / SAMPLE_RATE
    timeline = Timeline(words=[], phones=[Segment(SILENCE, 0.0, duration)], phone_set="ipa", source=SOURCE,
                        duration_s=duration)
    return Audio(samples, SAMPLE_RATE), timeline


def is_silence(timeline: Timeline | None) -> bool:
    """Whether ``timeline`` says nothing is said (a clip made by ``silence``)."""
    return timeline is not None and not timeline.words and all(p.label == SILENCE for p in timeline.phones)
