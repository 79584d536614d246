"""The synthesizer's timeline: contiguous, covers the audio, words keep the user's spelling."""
from __future__ import annotations

import numpy as np
import pytest

from talking_photo.pipelines.common.errors import InputError
from talking_photo.pipelines.speech.tts import synthesize_speech
from talking_photo.pipelines.speech.timeline import SILENCE, Timeline


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


def test_a_doubled_full_stop_is_not_read_aloud_next():
    """espeak keeps the second stop of a closing '..' and reads it as 'dot' before whatever it is
    given next: the next sentence of the same text, or the first one of the next request."""
    plain = synthesize_speech("Then it rained.", seed=2)
    spoken = lambda speech: [p.label for p in speech.timeline.phones if p.label != SILENCE]
    doubled = synthesize_speech("It was late.. Then it rained.", seed=2)
    assert spoken(doubled)[-len(spoken(plain)):] == spoken(plain)
    assert spoken(doubled)[:-len(spoken(plain))] == spoken(synthesize_speech("It was late.", seed=2))
    synthesize_speech("It was late..", seed=2)
    assert np.array_equal(synthesize_speech("Then it rained.", seed=2).samples, plain.samples)


def test_abbreviations_do_not_end_their_sentence_and_keep_their_spelling():
    """'Dr. Smith' was read as two sentences ('Doctor.' with a falling voice, the sentence pause,
    then 'Smith'): 0.63-0.78 s of silence after 'Dr.', 'Mrs.', 'p.m.' and 'e.g.' at a 0.5 s pause.
    They are said in full inside their sentence, and the timeline keeps the user's spelling."""
    text = "Dr. Smith met Mrs. Jones at 5 p.m. today, e.g. for tea. Then St. James St. was empty."
    words = synthesize_speech(text, sentence_pause_s=0.5, seed=0).timeline.words
    assert [w.label for w in words] == text.split()
    gaps = [(a.label, round(b.start - a.end, 3)) for a, b in zip(words, words[1:])]
    assert all(gap < 0.1 for word, gap in gaps if word in ("Dr.", "Mrs.", "p.m.", "e.g.", "St.")), gaps
    assert dict(gaps)["tea."] >= 0.5, gaps


def test_a_price_is_read_with_its_unit_after_the_number():
    """espeak reads '$49.99' as 'dollar forty nine point nine nine'; a speaker says 'forty nine
    dollars ninety nine cents'. The timeline keeps '$49.99' as one word."""
    speech = synthesize_speech("Just $49.99 today.", seed=0)
    price = speech.timeline.words[1]
    phones = "".join(p.label for p in speech.timeline.phones if price.start <= p.start < price.end)
    assert price.label == "$49.99" and phones.startswith("fɔɹ") and "sɛnts" in phones and "pɔɪnt" not in phones


def test_ten_thousand_characters_join_without_clicks_and_keep_one_timeline():
    base = ('On 3 March 2024, Dr. Smith paid $12.50 for 2 books at 5 p.m. "Really?" she asked. '
            "It was, frankly, a bargain!\n")
    text = (base * 100)[:10_000]
    speech = synthesize_speech(text, speed=4.0, sentence_pause_s=0.1, seed=3)  # fast pace keeps it ~25 s
    timeline, rate = speech.timeline, speech.sample_rate
    assert timeline.duration_s == pytest.approx(len(speech.samples) / rate)
    assert timeline.phones[0].start == 0 and timeline.phones[-1].end == pytest.approx(timeline.duration_s)
    for a, b in zip(timeline.phones, timeline.phones[1:]):
        assert b.start == pytest.approx(a.end, abs=1e-6)
    assert all(b.start >= a.end - 1e-6 for a, b in zip(timeline.words, timeline.words[1:]))
    assert len(timeline.words) > 1500 and timeline.words[-1].end <= timeline.duration_s + 1e-6
    # each sentence is its own synthesis joined by an inserted pause of exact zeros: the pieces
    # must fade into and out of it (no step = no click), and the timeline must call it silence
    zero = np.concatenate([[0], (speech.samples == 0).astype(np.int8), [0]])
    starts, ends = np.flatnonzero(np.diff(zero) == 1), np.flatnonzero(np.diff(zero) == -1)
    joins = [(a, b) for a, b in zip(starts, ends) if b - a >= round(0.1 * rate)]
    assert len(joins) >= 300
    for a, b in joins:
        assert abs(speech.samples[a - 1]) < 0.01 and abs(speech.samples[min(b, len(speech.samples) - 1)]) < 0.01
    silent = [p for p in timeline.pauses(0.09)]
    for a, b in joins:
        assert any(p.start <= a / rate + 1e-3 and p.end >= b / rate - 1e-3 for p in silent), a / rate
    assert np.abs(np.diff(speech.samples)).max() < 1.0
    srt = timeline.to_srt()
    assert srt.count(" --> ") >= 100


def test_words_keep_the_users_spelling_once_however_espeak_expands_them():
    """Dates, titles, money, times and a dash: each token is one word of the subtitles, spelt as
    typed, and a token that is not spoken ('—') joins the word before it."""
    text = "On 3/4/2025 Dr. Smith paid $5.50 for 2 coffees at 7:30am — wow!"
    timeline = synthesize_speech(text).timeline
    assert [w.label for w in timeline.words] == ["On", "3/4/2025", "Dr.", "Smith", "paid", "$5.50", "for", "2",
                                                "coffees", "at", "7:30am —", "wow!"]
    assert " ".join(timeline.to_srt().splitlines()[2::4]) == text  # the cues' text lines
    merged = synthesize_speech("I learned more in that week than in the whole year before it.").timeline
    assert " ".join(w.label for w in merged.words) == "I learned more in that week than in the whole year before it."


def test_text_the_voice_cannot_read_is_refused_naming_its_language():
    with pytest.raises(InputError, match=r"Chinese characters, but the voice speaks English \(en-us\)"):
        synthesize_speech("你好，我是一张照片。")
    with pytest.raises(InputError, match="Cyrillic"):
        synthesize_speech("Привет, мир")
    mixed = synthesize_speech("My name is Wang 王, nice to meet you.")
    assert any("1 letter(s) in Chinese characters" in w for w in mixed.warnings)
    assert synthesize_speech("Café au lait, naïve señor.").warnings == []


def test_every_seed_gives_its_own_voice():
    """The voice's random nodes take float32 seeds and onnxruntime treats 0 as 1: seeds 0 and 1,
    and seeds 2**24 apart, must still sound different."""
    takes = {seed: synthesize_speech("Hello there.", seed=seed).samples for seed in (0, 1, 2**24, 2**31 - 1)}
    for a in takes:
        for b in takes:
            if a < b:
                assert len(takes[a]) != len(takes[b]) or not np.array_equal(takes[a], takes[b]), (a, b)


def test_progress_after_each_sentence_and_a_cancel_stops_synthesis():
    calls = []
    synthesize_speech("One. Two. Three.", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]

    class Cancelled(Exception):
        pass

    def cancel(done, total):
        raise Cancelled

    with pytest.raises(Cancelled):
        synthesize_speech("One. Two. Three.", progress=cancel)
