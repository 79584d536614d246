"""VideoCombine's engine: frames + audio → H.264/AAC mp4 with PyAV, written atomically.

Frames are encoded as they arrive (so memory does not grow with clip length) and audio is
interleaved batch by batch. Output goes to a temporary file beside the target and is renamed
only when complete; any failure or interruption removes it.
"""
from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from .clock import check_fps, video_samples

AUDIO_FRAME = 1024
AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)


class VideoWriter:
    """Context manager: ``write(frames)`` uint8 ``[B, H, W, 3]``; audio is padded to the video's length."""

    def __init__(self, path: str | Path, fps: float, width: int, height: int,
                 audio: np.ndarray | None = None, sample_rate: int = 0, crf: int = 20,
                 preset: str = "veryfast"):
        self.path = Path(path)
        self.fps = check_fps(fps)
        self.width, self.height = width + width % 2, height + height % 2  # yuv420p needs even sizes
        self.pad = (height % 2, width % 2)
        self.audio = None if audio is None else np.asarray(audio, np.float32).reshape(-1)
        self.sample_rate = sample_rate
        self.crf, self.preset = crf, preset
        self.frames_written = 0
        self.audio_written = 0

    def __enter__(self) -> "VideoWriter":
        import av

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".part.mp4", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self._container = av.open(str(self._tmp), mode="w", format="mp4")
        v = self._container.add_stream("libx264", rate=self.fps)
        v.width, v.height, v.pix_fmt = self.width, self.height, "yuv420p"
        v.time_base = Fraction(1, 1) / self.fps
        v.options = {"crf": str(self.crf), "preset": self.preset}
        self._video = v
        self._audio = None
        if self.audio is not None:
            if self.sample_rate not in AAC_RATES:
                raise ValueError(f"sample rate {self.sample_rate} is not an AAC rate; resample first.")
            a = self._container.add_stream("aac", rate=self.sample_rate)
            a.layout = "mono"
            a.time_base = Fraction(1, self.sample_rate)
            self._audio = a
        return self

    def write(self, frames: np.ndarray) -> None:
        import av

        frames = np.asarray(frames)
        if any(self.pad):
            frames = np.pad(frames, ((0, 0), (0, self.pad[0]), (0, self.pad[1]), (0, 0)), mode="edge")
        for f in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
            frame.pts = self.frames_written
            self.frames_written += 1
            self._container.mux(self._video.encode(frame))
        self._write_audio_until(self.frames_written)

    def _write_audio_until(self, n_frames: int, final: bool = False) -> None:
        import av

        if self._audio is None:
            return
        end = video_samples(n_frames, self.sample_rate, float(self.fps))
        if not final:
            end -= end % AUDIO_FRAME
        while self.audio_written < end:
            stop = min(end, self.audio_written + AUDIO_FRAME)
            chunk = self.audio[self.audio_written:stop]
            chunk = np.pad(chunk, (0, stop - self.audio_written - len(chunk)))  # silence past the speech
            frame = av.AudioFrame.from_ndarray(chunk[None].astype(np.float32), format="fltp", layout="mono")
            frame.sample_rate = self.sample_rate
            frame.pts = self.audio_written
            self.audio_written = stop
            self._container.mux(self._audio.encode(frame))

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._write_audio_until(self.frames_written, final=True)
                self._container.mux(self._video.encode(None))
                if self._audio is not None:
                    self._container.mux(self._audio.encode(None))
            self._container.close()
            if exc_type is None:
                os.replace(self._tmp, self.path)
        finally:
            if self._tmp.exists():
                self._tmp.unlink()


def write_video(path: str | Path, frames, fps: float, audio: np.ndarray | None = None,
                sample_rate: int = 0, crf: int = 20) -> Path:
    """Encode an iterable of ``[B, H, W, 3]`` uint8 batches (e.g. from ``render_frames``)."""
    batches = iter(frames)
    first = next(batches, None)
    if first is None:
        raise ValueError("no frames to write")
    first = np.asarray(first)
    with VideoWriter(path, fps, first.shape[2], first.shape[1], audio, sample_rate, crf) as writer:
        writer.write(first)
        for batch in batches:
            writer.write(np.asarray(batch))
    return Path(path)


def video_fps(path: str | Path) -> float:
    """Frame rate of a video file's first video stream."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return float(stream.average_rate or stream.guessed_rate)


def read_frames(path: str | Path):
    """Yield the decoded frames of a video file one by one as uint8 ``[H, W, 3]`` (streaming)."""
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")
