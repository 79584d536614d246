"""Timing of a user's own recording with pocketsphinx (bundled US-English model, ARPAbet).

With a transcript: two-pass forced alignment. Without: word recognition, then the same forced
alignment on the recognised words, which yields phones as well.
"""
from __future__ import annotations

import re

import numpy as np

from .audio import Audio, resample
from .timeline import SILENCE, Segment, Timeline

ALIGN_RATE = 16000
FRAME_S = 0.01  # pocketsphinx reports times in 10 ms frames


def _pcm16(audio: Audio) -> bytes:
    x = resample(audio.samples, audio.sample_rate, ALIGN_RATE)
    return (np.clip(x, -1.0, 1.0) * 32767).astype(np.int16).tobytes()


def _decode(decoder, pcm: bytes) -> None:
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()


def recognize_words(audio: Audio) -> str:
    """Best word hypothesis, lower case ('' when nothing is recognised)."""
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=ALIGN_RATE, loglevel="FATAL")
    _decode(decoder, _pcm16(audio))
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def normalise_transcript(text: str, decoder) -> tuple[str, list[str]]:
    """Lower-case words known to the dictionary; unknown words are dropped and reported."""
    words = re.findall(r"[a-z']+", text.lower())
    known = [w for w in words if decoder.lookup_word(w) is not None]
    unknown = sorted(set(words) - set(known))
    return " ".join(known), unknown


def align(audio: Audio, transcript: str | None = None) -> Timeline | None:
    """Word and phone timeline of ``audio``; None when no speech could be aligned."""
    from pocketsphinx import Decoder

    notes: list[str] = []
    source = "forced-alignment"
    if not transcript or not transcript.strip():
        transcript = recognize_words(audio)
        source = "recognition+alignment"
        notes.append(f"recognised: {transcript!r}")
    decoder = Decoder(samprate=ALIGN_RATE, bestpath=False, loglevel="FATAL")
    text, unknown = normalise_transcript(transcript, decoder)
    if unknown:
        notes.append(f"words not in the dictionary were skipped: {', '.join(unknown[:20])}")
    if not text:
        return None
    pcm = _pcm16(audio)
    decoder.set_align_text(text)
    _decode(decoder, pcm)
    decoder.set_alignment()
    _decode(decoder, pcm)
    alignment = decoder.get_alignment()
    if alignment is None:
        return None
    words: list[Segment] = []
    phones: list[Segment] = []
    for word in alignment:
        start, end = word.start * FRAME_S, (word.start + word.duration) * FRAME_S
        if word.name.startswith("<") or word.name.startswith("[") or word.name == "sil":
            phones.append(Segment(SILENCE, start, end))
            continue
        words.append(Segment(re.sub(r"\(\d+\)$", "", word.name), start, end))
        for phone in word:
            label = SILENCE if phone.name == "SIL" else phone.name
            phones.append(Segment(label, phone.start * FRAME_S, (phone.start + phone.duration) * FRAME_S))
    if not words:
        return None
    _fill_gaps_with_silence(phones, audio.duration_s)
    return Timeline(words, phones, "arpabet", source, audio.duration_s, transcript, notes)


def _fill_gaps_with_silence(phones: list[Segment], duration_s: float) -> None:
    """Make the phone track cover [0, duration] so every frame has a phone or a silence."""
    filled: list[Segment] = []
    t = 0.0
    for p in phones:
        if p.start > t + 1e-6:
            filled.append(Segment(SILENCE, t, p.start))
        filled.append(p)
        t = max(t, p.end)
    if duration_s > t + 1e-6:
        filled.append(Segment(SILENCE, t, duration_s))
    phones[:] = filled
