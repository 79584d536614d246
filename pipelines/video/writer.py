"""The video writer: frames + audio → mp4 (H.264 + AAC), webm (VP9 + Opus) or GIF, with PyAV.

Frames are encoded as they arrive (so memory does not grow with clip length) and audio is
interleaved batch by batch. Output goes to a temporary file beside the target and is renamed
only when complete; any failure or interruption removes it. The container follows the file's
suffix, so the command line and the node share one writer.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..common.atomic import AtomicFile
from ..common.clock import check_fps, video_samples
from ..common.errors import InputError
from ..common.progress import Progress
from ..speech.audio import resample, to_mono

AUDIO_FRAME = 1024
AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
OPUS_RATES = (48000, 24000, 16000, 12000, 8000)
AUDIO_FIT = ("pad_or_trim", "pad_only")  # how audio of another length than the frames is fitted
DEFAULT_VIDEO_QUALITY = 20
# x264 at a constant quantizer, keyframes 6 steps finer (ipratio 2): the still background is coded
# well once per keyframe, later frames cannot improve on it and skip it, and every keyframe codes it
# the same way. CRF's adaptive quantizers re-code background blocks (a 60 s clip drifts by 1.58
# levels with a pop at each keyframe, 0.016 at a constant quantizer). Quantizer 24 matches CRF 20's
# file size; 20 costs 1.5x that but keeps the thin closed-lip seam (pause closure on a 60 s clip:
# 96% against 91%). Preset superfast: 2.5 ms per 512² frame against veryfast's 3.6, files 11 %
# larger at the same quantizer (the end-to-end time budget is a third of real time).
X264_KEYFRAME_RATIO = 2
# RGB → Y'CbCr as BT.601 in limited range: FFmpeg's own conversion and what a decoder assumes for
# untagged SD video. The stream says so (COLOUR_TAGS): untagged, Chromium decodes video taller than
# 576 rows as BT.709, and a 1024×1536 portrait's greens came out 19 levels off, its skin 5 (with the
# tags: within 2 levels, as at 512²).
LIMITED_CHROMA = 224 / 255  # limited-range chroma spans 16..240 where full range spans 0..255
# FFmpeg's codes: BT.601 (SMPTE 170M) matrix, limited range, sRGB primaries (BT.709's) and transfer
COLOUR_TAGS = {"colorspace": 6, "color_range": 1, "color_primaries": 1, "color_trc": 13}


@dataclass(frozen=True)
class VideoFormat:
    """One output container: its codecs and encoder options (the quality is added per call)."""
    container: str
    video_codec: str
    pix_fmt: str
    options: dict
    audio_codec: str | None  # None: the container carries no sound (GIF)
    audio_rates: tuple[int, ...] = ()
    audio_options: dict | None = None


# FFmpeg's AAC encoder with its fast coder: its default (two-loop) search took 0.6 ms of audio per
# video frame at 25 fps (a fifth of the encode), the fast one 0.25, and its error is lower in every
# band up to 8 kHz (speech at 22 kHz: 38.6 dB SNR against 29.9, files 9 % larger).
AAC_OPTIONS = {"aac_coder": "fast"}
FORMATS = {
    "mp4": VideoFormat("mp4", "libx264", "yuv420p", {"preset": "superfast"}, "aac", AAC_RATES, AAC_OPTIONS),
    # realtime deadline: VP9's default 'good' speed is ~20x slower than rendering
    "webm": VideoFormat("webm", "libvpx-vp9", "yuv420p",
                        {"b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"},
                        "libopus", OPUS_RATES),
    "gif": VideoFormat("gif", "gif", "pal8", {}, None),
}
WEBM_ALPHA = VideoFormat("webm", "libvpx-vp9", "yuva420p", FORMATS["webm"].options, "libopus", OPUS_RATES)


def check_video_quality(video_quality: int) -> int:
    """x264 would clamp a quantizer past 51 silently (and VP9 reads it on another scale)."""
    if not isinstance(video_quality, (int, np.integer)) or not 0 <= video_quality <= 51:
        raise InputError(f"video quality {video_quality!r} is out of range: use a whole number from 0 "
                         f"(lossless) to 51 (smallest); {DEFAULT_VIDEO_QUALITY} is the default.")
    return int(video_quality)


def output_format(path: str | Path) -> VideoFormat:
    """The format a file name asks for (by suffix)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(f"cannot write '{Path(path).name}': use a .mp4, .webm or .gif file name.")
    return FORMATS[suffix]


def check_audio_fit(n_frames: int, fps: float, n_samples: int, sample_rate: int, fit: str) -> None:
    """'pad_only' refuses audio longer than the frames instead of cutting the end of the speech."""
    if fit not in AUDIO_FIT:
        raise InputError(f"audio fit must be one of {', '.join(AUDIO_FIT)}, got {fit!r}.")
    span = video_samples(n_frames, sample_rate, fps)
    if fit == "pad_only" and n_samples > span:
        raise InputError(f"the audio ({n_samples / sample_rate:.2f} s) is longer than the {n_frames} frames "
                         f"({span / sample_rate:.2f} s at {float(fps):g} fps); give all the frames, or choose "
                         "audio fit 'pad_or_trim' to cut the audio at the last frame.")


def yuv420p(frame: np.ndarray) -> np.ndarray:
    """An RGB uint8 frame ``[H, W, 3]`` (even sizes) as planar 4:2:0 Y'CbCr, BT.601 in limited range,
    in PyAV's layout ``[H * 3/2, W]``, chroma from each 2×2 block's mean. OpenCV's conversion is 6x
    faster than FFmpeg's swscale inside the encoder: writing a 512² frame takes 1.2 ms, not 1.6–2.2."""
    import cv2

    h, w = frame.shape[:2]
    planes = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420)  # its chroma is each block's top-left pixel
    block_means = cv2.resize(frame, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    full_range = cv2.cvtColor(block_means, cv2.COLOR_RGB2YCrCb)
    chroma = cv2.addWeighted(full_range, LIMITED_CHROMA, full_range, 0, 128 * (1 - LIMITED_CHROMA))
    _, cr, cb = cv2.split(chroma)
    flat = planes.reshape(-1)
    flat[h * w:h * w * 5 // 4], flat[h * w * 5 // 4:] = cb.reshape(-1), cr.reshape(-1)
    return planes


class _GifPalette:
    """One palette for the whole clip, from the first frames: the still background then maps to the
    same indices in every frame (a per-frame palette makes it flicker); no dithering for the same reason."""

    def __init__(self, frames: np.ndarray):
        from PIL import Image

        step = max(1, len(frames) // 8)
        sample = np.concatenate(list(frames[::step][:8]), axis=0)
        self._image = Image.fromarray(sample).quantize(256, method=Image.Quantize.MEDIANCUT)
        rgb = np.asarray(self._image.getpalette()[:768], np.uint8).reshape(-1, 3)
        self.colors = np.zeros((256, 4), np.uint8)  # PyAV takes pal8 entries as A, R, G, B bytes
        self.colors[:, 0], self.colors[:len(rgb), 1:] = 255, rgb

    def indices(self, frame: np.ndarray) -> np.ndarray:
        from PIL import Image

        return np.asarray(Image.fromarray(frame).quantize(palette=self._image, dither=Image.Dither.NONE))


class VideoWriter:
    """Context manager: ``write(frames)`` uint8 ``[B, H, W, 3]`` (``[B, H, W, 4]`` RGBA with
    ``alpha``, WebM only: VP9 carries transparency); audio (``[T]`` or ``[C, T]``, any
    rate) is mixed to mono, resampled to a rate the container takes and padded with silence or cut
    to the video's length. ``video_quality`` is the H.264 quantizer (VP9: its crf): lower is sharper
    and larger, 0 is lossless; GIF ignores it."""

    def __init__(self, path: str | Path, fps: float, width: int, height: int,
                 audio: np.ndarray | None = None, sample_rate: int = 0,
                 video_quality: int = DEFAULT_VIDEO_QUALITY, alpha: bool = False):
        self.path = Path(path)
        self.format = output_format(self.path)
        if alpha:
            if self.format.container != "webm":
                raise InputError(f"a transparent background needs the webm format (VP9 with alpha); "
                                 f"{self.format.container} cannot carry transparency.")
            self.format = WEBM_ALPHA
        self.fps = check_fps(fps)
        even = self.format.pix_fmt.endswith("420p")  # 4:2:0 chroma needs even sizes
        self.width, self.height = width + even * (width % 2), height + even * (height % 2)
        self.pad = (self.height - height, self.width - width)
        self.audio, self.sample_rate = None, 0
        if audio is not None and self.format.audio_codec is not None:
            rates = self.format.audio_rates
            self.sample_rate = sample_rate if sample_rate in rates else 48000
            self.audio = resample(to_mono(audio), sample_rate, self.sample_rate)
        self.video_quality = check_video_quality(video_quality)
        self.frames_written = 0
        self.audio_written = 0
        self._palette: _GifPalette | None = None

    def __enter__(self) -> "VideoWriter":
        import av

        self._file = AtomicFile(self.path)
        self._container = av.open(str(self._file.tmp), mode="w", format=self.format.container)
        v = self._container.add_stream(self.format.video_codec, rate=self.fps)
        v.width, v.height, v.pix_fmt = self.width, self.height, self.format.pix_fmt
        v.time_base = Fraction(1, 1) / self.fps
        options = dict(self.format.options)
        if self.format.video_codec == "libx264":
            options["x264-params"] = f"qp={self.video_quality}:ipratio={X264_KEYFRAME_RATIO}"
        elif self.format.video_codec == "libvpx-vp9":
            options["crf"] = str(self.video_quality)
        v.options = options
        if self.format.pix_fmt.endswith("420p"):  # with alpha too: swscale's conversion is also BT.601
            for name, code in COLOUR_TAGS.items():
                setattr(v.codec_context, name, code)
        self._video = v
        self._audio = None
        if self.audio is not None:
            a = self._container.add_stream(self.format.audio_codec, rate=self.sample_rate)
            a.layout = "mono"
            a.time_base = Fraction(1, self.sample_rate)
            a.options = dict(self.format.audio_options or {})
            self._audio = a
        return self

    def _video_frame(self, f: np.ndarray):
        import av

        if self.format.pix_fmt == "yuv420p":
            # Handed to the encoder without a copy (0.1 ms per 512² frame); PyAV reads the planes of
            # a frame whose height is not a multiple of 4 two rows short, so those are copied.
            make = av.VideoFrame.from_numpy_buffer if self.height % 4 == 0 else av.VideoFrame.from_ndarray
            return make(yuv420p(f), format="yuv420p")
        if self._palette is None:
            return av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgba" if f.shape[-1] == 4 else "rgb24")
        return av.VideoFrame.from_ndarray((self._palette.indices(f), self._palette.colors), format="pal8")

    def write(self, frames: np.ndarray) -> None:
        frames = np.asarray(frames)
        if any(self.pad):
            frames = np.pad(frames, ((0, 0), (0, self.pad[0]), (0, self.pad[1]), (0, 0)), mode="edge")
        if self.format.pix_fmt == "pal8" and self._palette is None:
            self._palette = _GifPalette(frames)
        for f in frames:
            frame = self._video_frame(f)
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
                self._file.commit()
        finally:
            self._file.discard()


def write_video(path: str | Path, frames, fps: float, audio: np.ndarray | None = None,
                sample_rate: int = 0, video_quality: int = DEFAULT_VIDEO_QUALITY,
                progress: Progress | None = None, n_frames: int = 0) -> Path:
    """Encode an iterable of ``[B, H, W, 3]`` uint8 batches (e.g. from ``render_frames``; RGBA
    ``[B, H, W, 4]`` batches make a transparent WebM); ``progress(done, n_frames)`` after each
    batch may raise to cancel (no file is left)."""
    batches = iter(frames)
    first = next(batches, None)
    if first is None:
        raise InputError("no frames to write; connect an IMAGE batch with at least one frame.")
    first = np.asarray(first)
    with VideoWriter(path, fps, first.shape[2], first.shape[1], audio, sample_rate, video_quality,
                     alpha=first.shape[-1] == 4) as writer:
        for batch in itertools.chain([first], batches):
            writer.write(np.asarray(batch))
            if progress is not None:
                progress(writer.frames_written, n_frames)
    return Path(path)
