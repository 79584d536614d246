"""Timing of a user's own recording with pocketsphinx (bundled US-English model, ARPAbet).

With a transcript: two-pass forced alignment. Without: word recognition, then the same forced
alignment on the recognised words, which yields phones as well. Long recordings are timed in
chunks cut at pauses; a transcript is shared out between them by matching it to what each chunk
was heard to say.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
import numpy as np

from ..common.progress import Progress
from .audio import Audio, resample
from .pronunciation import pronunciations
from .timeline import SILENCE, Segment, Timeline

ALIGN_RATE = 16000
FRAME_S = 0.01  # pocketsphinx reports times in 10 ms frames
BLOCK_BYTES = ALIGN_RATE * 2  # one second of int16: the decoder is fed (and can be stopped) per block
# pocketsphinx's alignment memory grows with utterance length (6 min took 3.6 GB), so recordings
# longer than LONG_S are cut at their quietest moment every CHUNK_MIN_S..CHUNK_MAX_S and timed
# chunk by chunk; streaming blocks and chunks give the same times as one pass within 10 ms.
LONG_S = 45.0
CHUNK_MIN_S, CHUNK_MAX_S = 15.0, 30.0
_PARTS = re.compile(r"\s+|(?<=\w)[-–—/](?=\w)")  # words, and the parts of 'well-known', '555-0199'
_EDGES = re.compile(r"^[^\w$£€&]+|[^\w%&]+$")  # punctuation around a word; a price's sign, a percent, & stay
_BRACKETS = re.compile(r"[()\[\]<>]")  # the dictionary's marks for alternates and fillers


def _pcm16(audio: Audio) -> bytes:
    x = resample(audio.samples, audio.sample_rate, ALIGN_RATE)
    return (np.clip(x, -1.0, 1.0) * 32767).astype(np.int16).tobytes()


def _batch_cmn(lexicon, pcm: bytes) -> str:
    """Cepstral mean of the whole utterance (a search-free pass): streamed decoders started from it
    time phones exactly as one whole-utterance pass does; from the default start they drift 30 ms."""
    # Under the default language model, end_utt() runs the search even after a search-free pass
    # (0.15x real time); a one-word alignment search gives the same cepstral mean in ~0.003x.
    lexicon.set_align_text("a")
    lexicon.start_utt()
    lexicon.process_raw(pcm, no_search=True, full_utt=True)
    lexicon.end_utt()
    return lexicon.get_cmn(False)


class _Work:
    """Counts decoded seconds across passes and chunks for ``progress(done, total)`` (which may
    raise to stop: ComfyUI's interrupt; Ctrl-C lands between blocks on its own)."""

    def __init__(self, total_bytes: int, progress: Progress | None):
        self.done, self.total, self.progress = 0, total_bytes, progress

    def decode(self, decoder, pcm: bytes) -> None:
        decoder.start_utt()
        for i in range(0, len(pcm), BLOCK_BYTES):
            decoder.process_raw(pcm[i:i + BLOCK_BYTES])
            self.done += len(pcm[i:i + BLOCK_BYTES])
            if self.progress is not None:
                self.progress(min(self.done, self.total), self.total)
        decoder.end_utt()


def _decoder(cmn: str | None = None, **options):
    from pocketsphinx import Decoder

    if cmn is not None:
        options.update(cmn="live", cmninit=cmn)
    return Decoder(samprate=ALIGN_RATE, loglevel="FATAL", **options)


def _recognize(pcm: bytes, cmn: str, work: _Work) -> str:
    decoder = _decoder(cmn)
    work.decode(decoder, pcm)
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def transcript_words(text: str, lexicon) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The transcript as the aligner's words: dictionary words as they are; other tokens (numbers,
    invented names) with espeak's pronunciations, for each decoder to add; tokens with none are
    left out and reported."""
    words: list[str] = []
    added: dict[str, list[str]] = {}
    unknown: set[str] = set()
    for part in _PARTS.split(text.lower()):
        token = _BRACKETS.sub("", _EDGES.sub("", part))
        if not token:
            continue
        if lexicon.lookup_word(token) is None and token not in added:
            found = pronunciations(token)
            if not found:
                unknown.add(token)
                continue
            added[token] = found
        words.append(token)
    return words, added, sorted(unknown)


def _add_words(decoder, words: list[str], added: dict[str, list[str]]) -> None:
    """Put the transcript's own words into ``decoder``'s dictionary, alternates as 'word(2)'."""
    entries = [(word if k == 0 else f"{word}({k + 1})", phones)
               for word in dict.fromkeys(w for w in words if w in added) for k, phones in enumerate(added[word])]
    for i, (name, phones) in enumerate(entries):
        decoder.add_word(name, phones, i == len(entries) - 1)


def chunk_bounds(pcm: bytes) -> list[tuple[int, int]]:
    """Sample ranges covering the recording, cut at the quietest 100 ms in each 15..30 s window."""
    n = len(pcm) // 2
    if n <= LONG_S * ALIGN_RATE:
        return [(0, n)]
    x = np.frombuffer(pcm, np.int16).astype(np.float32)
    hop = int(FRAME_S * ALIGN_RATE)
    energy = np.convolve((x[: n - n % hop].reshape(-1, hop) ** 2).mean(1), np.ones(10) / 10, mode="same")
    bounds, start = [], 0
    while n - start > CHUNK_MAX_S * ALIGN_RATE:
        lo, hi = (start + int(CHUNK_MIN_S * ALIGN_RATE)) // hop, (start + int(CHUNK_MAX_S * ALIGN_RATE)) // hop
        cut = (lo + int(np.argmin(energy[lo:hi]))) * hop
        bounds.append((start, cut))
        start = cut
    bounds.append((start, n))
    return bounds


def _split_transcript(words: list[str], heard: list[list[str]]) -> list[list[str]]:
    """Give each chunk its share of the transcript: the transcript is matched to the words
    recognised in each chunk, and cut where the recognised chunks meet."""
    flat = [w for chunk in heard for w in chunk]
    owner = [i for i, chunk in enumerate(heard) for _ in chunk]
    chunk_of = np.full(len(words), -1)
    for block in SequenceMatcher(None, words, flat, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            chunk_of[block.a + k] = owner[block.b + k]
    known = np.nonzero(chunk_of >= 0)[0]
    if len(known) == 0:  # nothing matched: share out by the number of words heard
        sizes = np.cumsum([len(c) for c in heard], dtype=float)
        chunk_of = np.searchsorted(sizes / max(sizes[-1], 1) * len(words), np.arange(len(words)), side="right")
    else:  # unmatched words go with the nearest matched word before them (or after, at the start)
        fill = np.maximum.accumulate(np.where(chunk_of >= 0, np.arange(len(words)), -1))
        chunk_of = np.where(fill >= 0, chunk_of[np.maximum(fill, 0)], chunk_of[known[0]])
    chunk_of = np.minimum(np.maximum.accumulate(chunk_of), len(heard) - 1)
    return [[w for w, c in zip(words, chunk_of) if c == i] for i in range(len(heard))]


def _align_chunk(pcm: bytes, cmn: str, words: list[str], added: dict[str, list[str]], offset_s: float,
                 work: _Work) -> tuple[list[Segment], list[Segment]]:
    """Two-pass forced alignment of one utterance; words and phones shifted by ``offset_s``."""
    if not words:
        return [], []
    decoder = _decoder(cmn, bestpath=False)
    _add_words(decoder, words, added)
    decoder.set_align_text(" ".join(words))
    work.decode(decoder, pcm)
    decoder.set_alignment()
    work.decode(decoder, pcm)
    alignment = decoder.get_alignment()
    if alignment is None:
        return [], []
    words: list[Segment] = []
    phones: list[Segment] = []
    t = lambda frames: offset_s + frames * FRAME_S
    for word in alignment:
        start, end = t(word.start), t(word.start + word.duration)
        if word.name.startswith("<") or word.name.startswith("[") or word.name == "sil":
            phones.append(Segment(SILENCE, start, end))
            continue
        words.append(Segment(re.sub(r"\(\d+\)$", "", word.name), start, end))
        for phone in word:
            label = SILENCE if phone.name == "SIL" else phone.name
            phones.append(Segment(label, t(phone.start), t(phone.start + phone.duration)))
    return words, phones


def align(audio: Audio, transcript: str | None = None, progress: Progress | None = None) -> Timeline | None:
    """Word and phone timeline of ``audio``; None when no speech could be aligned.

    ``progress(done, total)`` is called about once per decoded second and may raise to stop.
    """
    notes: list[str] = []
    pcm = _pcm16(audio)
    bounds = chunk_bounds(pcm)
    have_text = bool(transcript and transcript.strip())
    recognise = not have_text or len(bounds) > 1
    work = _Work(len(pcm) * (3 if recognise else 2), progress)
    pieces = [pcm[2 * a:2 * b] for a, b in bounds]
    lexicon = _decoder()
    cmns = [_batch_cmn(lexicon, p) for p in pieces]
    heard = [_recognize(p, c, work) for p, c in zip(pieces, cmns)] if recognise else []
    added: dict[str, list[str]] = {}
    unknown: list[str] = []
    if have_text:
        source = "forced-alignment"
        said, added, unknown = transcript_words(transcript, lexicon)
        chunk_words = _split_transcript(said, [h.split() for h in heard]) if recognise else [said]
    else:
        source = "recognition+alignment"
        transcript = " ".join(h for h in heard if h)
        notes.append(f"recognised: {transcript!r}")
        chunk_words = [h.split() for h in heard]
    if added:
        notes.append(f"timed by espeak's reading (not in the dictionary): {', '.join(list(added)[:20])}")
    if unknown:
        notes.append(f"words with nothing to say were skipped: {', '.join(unknown[:20])}")
    words: list[Segment] = []
    phones: list[Segment] = []
    for (a, _), piece, cmn, said in zip(bounds, pieces, cmns, chunk_words):
        w, p = _align_chunk(piece, cmn, said, added, a / ALIGN_RATE, work)
        words += w
        phones += p
    if not words:
        return None
    if len(bounds) > 1:
        notes.append(f"timed in {len(bounds)} chunks cut at pauses")
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
