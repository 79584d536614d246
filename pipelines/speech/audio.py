"""Audio as the pipeline holds it: mono float32 numpy at a known rate, loaded with PyAV."""
from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from ..common.errors import InputError

MIN_RATE = 8000
SILENCE_PEAK = 1e-3  # below this peak amplitude a clip has no usable speech


@dataclass
class Audio:
    """Mono samples in [-1, 1] and their rate."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def to_mono(waveform: np.ndarray) -> np.ndarray:
    """Average channels of a ``[C, T]`` (or ``[T]``) array; 5.1 and stereo alike."""
    w = np.asarray(waveform, dtype=np.float32)
    return w if w.ndim == 1 else w.reshape(-1, w.shape[-1]).mean(axis=0)


def resample(samples: np.ndarray, rate_from: int, rate_to: int) -> np.ndarray:
    """Polyphase resampling (exact ratio, no drift on long clips)."""
    if rate_from == rate_to:
        return samples.astype(np.float32, copy=False)
    g = gcd(rate_from, rate_to)
    return resample_poly(samples, rate_to // g, rate_from // g).astype(np.float32)


def checked_speech(samples: np.ndarray, sample_rate: int, name: str = "audio", silence_ok: bool = False) -> Audio:
    """Validate a speech clip and return it mono, finite and clipped to [-1, 1]. A silent clip is
    refused unless ``silence_ok`` (silence asked for by name, see ``silence``)."""
    if sample_rate < MIN_RATE:
        raise InputError(f"{name}: sample rate {sample_rate} Hz is below {MIN_RATE} Hz; "
                         "resample it to 16 kHz or more.")
    mono = to_mono(samples)
    if mono.size == 0:
        raise InputError(f"{name} is empty; give a recording with speech in it.")
    bad = ~np.isfinite(mono)
    if bad.all():
        raise InputError(f"{name} contains no valid samples (all NaN/inf); re-export the file.")
    if bad.any():
        mono = np.where(bad, 0.0, mono).astype(np.float32)
    if not silence_ok and np.abs(mono).max() < SILENCE_PEAK:
        raise InputError(f"{name} is silent (peak below {SILENCE_PEAK}); "
                         "check the recording level or pick another file.")
    return Audio(np.clip(mono, -1.0, 1.0), int(sample_rate))


def load_audio_file(path: str | Path, silence_ok: bool = False) -> Audio:
    """Decode any audio (or video-with-audio) file FFmpeg reads, to mono float32; a silent one is
    refused unless ``silence_ok`` (a living portrait's own track)."""
    import av

    path = Path(path)
    if not path.is_file():
        raise InputError(f"audio file {path} does not exist.")
    chunks: list[np.ndarray] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InputError(f"{path} has no audio stream.")
            stream = container.streams.audio[0]
            rate = stream.codec_context.sample_rate
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=rate)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray()[0])
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray()[0])
    except av.error.FFmpegError as e:
        raise InputError(f"cannot decode audio file {path}: {e}; convert it to WAV or MP3.") from e
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return checked_speech(samples, rate, name=str(path), silence_ok=silence_ok)
