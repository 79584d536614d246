"""The writer's three containers, and audio of another length than the frames.

Frames are a still textured background with a moving square, so the still part can be checked
pixel by pixel and the moving part for fidelity.
"""
from __future__ import annotations

import av
import numpy as np
import pytest

from talking_photo.pipelines.common.clock import video_samples
from talking_photo.pipelines.common.errors import InputError
from talking_photo.pipelines.video.writer import check_audio_fit, write_video

FPS = 25.0
N = 30
RATE = 22050


@pytest.fixture(scope="module")
def frames(astronaut) -> np.ndarray:
    still = astronaut[::4, ::4].copy()  # 128x128
    out = np.repeat(still[None], N, axis=0)
    for i in range(N):
        out[i, 40:60, 10 + 2 * i:30 + 2 * i] = (255, 40, 40)
    return out


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _decode(path):
    with av.open(str(path)) as c:
        video = np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])
    with av.open(str(path)) as c:
        audio = [(s.codec_context.name, s.sample_rate) for s in c.streams.audio]
        samples = sum(f.samples for f in c.decode(audio=0)) if audio else 0
    return video, audio, samples


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse)


def test_webm_is_vp9_with_opus_spanning_exactly_the_frames(tmp_path, frames):
    path = write_video(tmp_path / "talk.webm", [frames[:16], frames[16:]], FPS, _tone(1.0), RATE, video_quality=20)
    video, audio, samples = _decode(path)
    with av.open(str(path)) as c:
        assert c.streams.video[0].codec_context.name == "vp9"
    assert video.shape == frames.shape and _psnr(video, frames) > 30
    assert audio == [("opus", 48000)]  # 22.05 kHz speech resampled to a rate Opus takes
    span = video_samples(N, 48000, FPS)
    assert abs(samples - span) <= 960  # within one Opus packet of the video's length
    assert [p.name for p in tmp_path.iterdir()] == ["talk.webm"]


def test_gif_keeps_the_still_background_identical_in_every_frame(tmp_path, frames):
    path = write_video(tmp_path / "talk.gif", [frames], FPS, _tone(1.0), RATE)
    video, audio, _ = _decode(path)
    assert video.shape == frames.shape and audio == []  # GIF carries no sound
    still = np.ones(frames.shape[1:3], bool)
    still[38:62, :] = False  # rows the square crosses
    assert np.array_equal(video[:, still], np.repeat(video[:1, still], N, axis=0))
    assert _psnr(video, frames) > 24  # 256 colours, no dithering
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        assert float(stream.duration * stream.time_base) == pytest.approx(N / FPS, abs=0.02)


def test_mp4_audio_is_padded_or_trimmed_to_the_frames(tmp_path, frames):
    span = video_samples(N, RATE, FPS)
    for seconds in (0.5, 2.0):  # shorter, then longer than the 1.2 s of frames
        path = write_video(tmp_path / f"{seconds}.mp4", [frames], FPS, _tone(seconds), RATE)
        video, audio, samples = _decode(path)
        assert len(video) == N and audio == [("aac", RATE)]
        assert abs(samples - span) <= 1024
    check_audio_fit(N, FPS, span, RATE, "pad_only")  # exactly as long: fine
    with pytest.raises(InputError, match="longer than the 30 frames"):
        check_audio_fit(N, FPS, span + RATE // 10, RATE, "pad_only")


def test_stereo_audio_is_mixed_down_not_played_channel_after_channel(tmp_path, frames):
    """0.5 s of stereo under 1.2 s of frames: the mix plays for 0.5 s, then silence (flattening
    [C, T] would play the left channel and then the right, for 1 s)."""
    left, right = _tone(0.5), 0.5 * _tone(0.5)
    path = write_video(tmp_path / "stereo.mp4", [frames], FPS, np.stack([left, right]), RATE)
    with av.open(str(path)) as c:
        decoded = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])
    rms = lambda a, b: float(np.sqrt(np.mean(decoded[int(a * RATE):int(b * RATE)] ** 2)))
    mixed = float(np.sqrt(np.mean(((left + right) / 2) ** 2)))
    assert rms(0.1, 0.4) == pytest.approx(mixed, rel=0.1)
    assert rms(0.65, 1.1) < 0.01 * mixed


def test_unknown_suffix_empty_frames_and_bad_quality_are_refused_without_a_file(tmp_path, frames):
    with pytest.raises(InputError, match=r"\.mp4, \.webm or \.gif"):
        write_video(tmp_path / "talk.avi", [frames], FPS)
    with pytest.raises(InputError, match="no frames"):
        write_video(tmp_path / "talk.mp4", [], FPS)
    for quality in (-1, 52, 99, 20.5):  # x264 would clamp 99 silently
        with pytest.raises(InputError, match=r"from 0 \(lossless\) to 51"):
            write_video(tmp_path / "talk.mp4", [frames], FPS, video_quality=quality)
    assert list(tmp_path.iterdir()) == []


def test_mp4_codes_the_still_background_once_even_across_keyframes(tmp_path, astronaut):
    """A moving head in front of a still photo. x264's adaptive quantizers (CRF) re-code background
    blocks frame after frame and differently at every keyframe (mean drift 0.50 levels here, 0.57%
    of values off by more than 8); a skipped block may still copy along its neighbours' motion
    vector, so a few values near the head move by a level or two."""
    still = astronaut[::2, ::2].copy()  # 256x256
    n = 300  # past the second keyframe (every 250 frames)
    clip = np.repeat(still[None], n, axis=0)
    for i in range(n):
        shift = (round(2 * np.sin(i / 11)), round(3 * np.sin(i / 7)))
        clip[i, 48:112, 96:160] = np.roll(still, shift, (0, 1))[48:112, 96:160]  # the head
        clip[i, 90:100, 115:140] = 60 + 60 * np.sin(i / 3)  # its mouth
    path = write_video(tmp_path / "talk.mp4", [clip[:150], clip[150:]], FPS)
    video, _, _ = _decode(path)
    assert len(video) == n
    background = np.ones(still.shape[:2], bool)
    background[16:144, 64:192] = False  # the head and two macroblocks around it
    drift = np.abs(video.astype(np.int16) - video[:1])[:, background]
    assert drift.mean() < 0.02 and (drift > 8).mean() < 1e-4, (drift.mean(), (drift > 8).mean())
    assert _psnr(video[:, background], clip[:, background]) > 33.5  # CRF 20: 33.0 dB


@pytest.mark.parametrize("suffix", ["mp4", "webm"])
def test_the_stream_names_its_colour_matrix_so_players_decode_the_colours_written(tmp_path, suffix):
    """Untagged, Chromium decodes video taller than 576 rows with BT.709's matrix; ours is written
    with BT.601's (a 1024×1536 portrait's greens showed 19 levels off, its skin 5). The stream must
    say BT.601, limited range, sRGB primaries and transfer, and decode to the colours written."""
    from talking_photo.pipelines.video.writer import COLOUR_TAGS

    patches = np.array([(224, 172, 140), (200, 30, 30), (30, 160, 60), (40, 60, 200), (128, 128, 128)], np.uint8)
    frame = np.repeat(np.repeat(patches[:, None], 64, axis=1), 160, axis=0)  # 800x64: taller than 576 rows
    path = write_video(tmp_path / f"patches.{suffix}", [np.stack([frame] * 3)], FPS, video_quality=10)
    with av.open(str(path)) as c:
        codec = c.streams.video[0].codec_context
        assert {name: int(getattr(codec, name)) for name in COLOUR_TAGS} == {"colorspace": 6, "color_range": 1,
                                                                             "color_primaries": 1, "color_trc": 13}
        decoded = next(iter(c.decode(video=0))).to_ndarray(format="rgb24")
    centres = decoded[80::160, 32].astype(int)
    assert np.abs(centres - patches).max() <= 3, centres  # swscale's decoding alone reads 2 levels low


def test_chroma_is_each_two_by_two_blocks_mean_in_limited_range():
    """The writer's own RGB → 4:2:0 conversion (OpenCV's, 6x faster than swscale's in the encoder):
    BT.601 luma within a level of the formula, chroma the mean of each 2×2 block within 1.5 levels."""
    from talking_photo.pipelines.video.writer import yuv420p

    rgb = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    planes = yuv420p(rgb).reshape(-1).astype(float)
    x = rgb.astype(float)
    luma = 16 + x @ [0.256788, 0.504129, 0.097906]
    block = x.reshape(24, 2, 32, 2, 3).mean((1, 3))
    cb = 128 + block @ [-0.148223, -0.290993, 0.439216]
    cr = 128 + block @ [0.439216, -0.367788, -0.071427]
    assert np.abs(planes[:48 * 64] - luma.ravel()).max() <= 1.0
    assert np.abs(planes[48 * 64:] - np.concatenate([cb.ravel(), cr.ravel()])).max() <= 1.5
