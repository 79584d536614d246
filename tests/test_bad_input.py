"""Bad-input catalogue: every case either works or raises InputError with a
message that names the input and says what to do; nothing crashes with a raw exception."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from conftest import beyond_person, media_file, render_clip
from talking_photo.pipelines.speech.audio import checked_speech, load_audio_file
from talking_photo.pipelines.common.clock import check_fps
from talking_photo.pipelines.common.errors import InputError
from talking_photo.pipelines.face.portrait import analyze_portrait, load_image_file
from talking_photo.pipelines.speech.tts import synthesize_speech


@pytest.fixture(scope="module")
def face_rgb(astronaut) -> Image.Image:
    return Image.fromarray(astronaut)


@pytest.mark.parametrize("mode", ["L", "LA", "RGBA", "P", "CMYK", "I;16"])
def test_image_modes_load_as_rgb_and_find_the_face(tmp_path, face_rgb, mode):
    if mode == "I;16":
        img = Image.fromarray((np.asarray(face_rgb.convert("L"), np.uint16) * 257))
    else:
        img = face_rgb.convert(mode)
    path = tmp_path / f"face.{'jpg' if mode == 'CMYK' else 'png'}"
    img.save(path)
    pixels = load_image_file(path)
    assert pixels.dtype == np.uint8 and pixels.shape == (512, 512, 3)
    assert analyze_portrait(pixels, name=str(path)).face_width > 64


def test_exif_rotated_jpeg_is_turned_upright(tmp_path, face_rgb):
    rotated = face_rgb.rotate(90, expand=True)  # stored sideways, EXIF says "rotate back"
    exif = Image.Exif()
    exif[0x0112] = 8
    path = tmp_path / "sideways.jpg"
    rotated.save(path, exif=exif)
    upright = load_image_file(path)
    lm = analyze_portrait(upright).landmarks
    assert lm[152, 1] > lm[10, 1]  # chin below forehead


@pytest.mark.parametrize("case,expect", [
    ("corrupt", "cannot read image"), ("missing", "does not exist"),
    ("tiny", "16x16"), ("no_face", "no face"),
])
def test_unusable_images_say_why(tmp_path, case, expect):
    path = tmp_path / "bad.png"
    if case == "corrupt":
        path.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    elif case == "tiny":
        Image.new("RGB", (16, 16), (128, 100, 90)).save(path)
    elif case == "no_face":
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (256, 256, 3), np.uint8)).save(path)
    with pytest.raises(InputError, match=f"(?i){expect}"):
        analyze_portrait(load_image_file(path), name=str(path))


def test_several_faces_pick_the_largest_or_by_index():
    group = load_image_file(media_file("group_photo.jpg"))
    first = analyze_portrait(group)
    second = analyze_portrait(group, face_index=1)
    assert first.face_width >= second.face_width
    assert abs(first.landmarks[:, 0].mean() - second.landmarks[:, 0].mean()) > 100
    with pytest.raises(InputError, match="face_index"):
        analyze_portrait(group, face_index=7)


@pytest.mark.parametrize("text", ["", "   \n\t ", "😀🎉👍", "<b></b>", "\x00\x07"])
def test_text_without_words_is_refused_clearly(text):
    with pytest.raises(InputError, match="(?i)text"):
        synthesize_speech(text)


def test_markup_control_characters_and_mixed_scripts_are_cleaned():
    speech = synthesize_speech("<b>Hello</b>\x07 there 😀, Привет and 你好 friend.")
    labels = " ".join(w.label for w in speech.timeline.words).lower()
    assert "hello" in labels and "friend" in labels
    assert speech.warnings


@pytest.mark.parametrize("samples,rate,expect", [
    (np.zeros(0, np.float32), 16000, "empty"),
    (np.zeros(16000, np.float32), 16000, "silent"),
    (np.full(16000, np.nan, np.float32), 16000, "no valid samples"),
    (np.random.default_rng(0).normal(0, 0.1, 4000).astype(np.float32), 4000, "below"),
])
def test_unusable_audio_says_why(samples, rate, expect):
    with pytest.raises(InputError, match=expect):
        checked_speech(samples, rate)


def test_clipped_audio_and_partial_nan_are_repaired():
    x = np.sin(np.linspace(0, 2000, 16000)).astype(np.float32) * 3.0
    x[100:200] = np.nan
    audio = checked_speech(np.stack([x, x]), 16000)
    assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() <= 1.0


def test_corrupt_audio_file(tmp_path):
    path = tmp_path / "voice.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(InputError, match="voice.wav"):
        load_audio_file(path)


@pytest.mark.parametrize("fps", [0, -5, 1000, float("nan")])
def test_bad_fps(fps):
    with pytest.raises(InputError, match="fps"):
        check_fps(fps)


def test_out_of_range_motion_parameters(features):
    from talking_photo.pipelines.motion.blinks import inject_blinks
    from talking_photo.pipelines.motion.head import generate_motion

    with pytest.raises(InputError, match="intensity"):
        generate_motion(features, intensity=5)
    with pytest.raises(InputError, match="style"):
        generate_motion(features, style="wild")
    with pytest.raises(InputError, match="blink rate"):
        inject_blinks(generate_motion(features), features, rate_per_min=100)


def test_a_batch_size_below_one_is_refused_before_rendering(portrait, features):
    from talking_photo.pipelines.render.renderer import render_frames

    with pytest.raises(InputError, match="batch size -4 .* 0 \\(automatic\\)"):
        next(render_frames(portrait, features, batch_size=-4))


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")  # our message, not PIL's
def test_huge_photo_is_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    Image.new("L", (12000, 12000), 128).save(path, compress_level=1)
    with pytest.raises(InputError, match=r"12000x12000 px; downscale it to at most 8192"):
        load_image_file(path)
    with pytest.raises(InputError, match=r"12000x12000 px; downscale"):  # an IMAGE from another node
        analyze_portrait(np.broadcast_to(np.uint8(128), (12000, 12000, 3)), name="IMAGE")


def test_face_cut_off_by_the_border(tmp_path, astronaut, portrait):
    """Partly outside: it animates, the photo's border stays put. Mouth outside: refused."""
    from talking_photo.pipelines.mouth.features import compute_features
    from talking_photo.pipelines.motion.head import generate_motion
    from talking_photo.pipelines.speech.tts import synthesize_speech
    from talking_photo.pipelines.speech.audio import Audio

    lips_x = portrait.landmarks[[61, 291], 0].min()
    x0 = int(portrait.face_box[0] + lips_x) // 2  # cut the face off halfway to the mouth
    cut = np.ascontiguousarray(astronaut[:, x0:])
    cut_portrait = analyze_portrait(cut, name="cut.png")
    assert any("cut off" in n for n in cut_portrait.notes)
    speech = synthesize_speech("Hello there.")
    features = compute_features(Audio(speech.samples, speech.sample_rate), 25.0, speech.timeline)
    motion = generate_motion(features, seed=1)
    frames = render_clip(cut_portrait, features, motion)
    assert frames.shape[0] == features.n_frames and np.isfinite(frames).all()
    outside = beyond_person(cut_portrait)
    assert (frames[:, outside] == cut[outside]).all()
    moved = np.abs(frames.astype(np.int16) - cut).max(axis=(0, 3))
    assert moved[:, 0].max() == 0  # the photo's edge, which cuts the face, never moves

    with pytest.raises(InputError, match="cut off by the image border"):
        analyze_portrait(np.ascontiguousarray(astronaut[:, int(lips_x) + 10:]), name="half.png")


def test_an_hour_of_audio_loads_and_analyses_in_bounded_memory(tmp_path, speech):
    """60 minutes: decoded, analysed in blocks (seconds, not minutes) and cut into alignment
    chunks of at most 30 s at pauses; rendering it is streamed by the CLI (README)."""
    import tracemalloc
    import wave

    from talking_photo.pipelines.speech.alignment import ALIGN_RATE, CHUNK_MAX_S, _pcm16, chunk_bounds
    from talking_photo.pipelines.speech.acoustics import analyse

    take = np.concatenate([speech.samples, np.zeros(speech.sample_rate // 2, np.float32)])
    hour = np.tile(take, int(3600 * speech.sample_rate / len(take)) + 1)[: 3600 * speech.sample_rate]
    path = tmp_path / "hour.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(speech.sample_rate)
        w.writeframes((hour * 32767).astype(np.int16).tobytes())
    del hour
    tracemalloc.start()
    audio = load_audio_file(path)
    assert audio.duration_s == 3600.0
    tracks = analyse(audio, 25.0)
    assert len(tracks["loudness"]) == 90_000 and 0.3 < tracks["voice_activity"].mean() < 0.95
    bounds = chunk_bounds(_pcm16(audio))
    assert bounds[0][0] == 0 and bounds[-1][1] == 3600 * ALIGN_RATE
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert max(b - a for a, b in bounds) <= CHUNK_MAX_S * ALIGN_RATE
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1.5 * 2**30, f"{peak / 2**30:.2f} GiB"  # whole-clip frame matrices took 4.7 GiB


def _nearly_in_profile() -> np.ndarray:
    """The group photo's man at the top right, turned about 53°, cut out and enlarged to 600²."""
    group = Image.open(media_file("group_photo.jpg")).convert("RGB")
    return np.asarray(group.crop((860, 10, 1100, 250)).resize((600, 600), Image.LANCZOS))


def test_a_face_turned_past_45_degrees_is_animated_with_a_note(closed_mouth_photo):
    """A face nearly in profile (turned about 53°) hides its mouth's far half: it animates, with a
    note that says so and what works better; the turned face of the tests (about 40°) opens its
    mouth cleanly and gets none."""
    portrait = analyze_portrait(_nearly_in_profile())
    assert any("turned about 5" in n and "more frontal photo" in n for n in portrait.notes), portrait.notes
    assert not any("turned" in n for n in analyze_portrait(closed_mouth_photo).notes)


def test_load_portraits_preview_shows_the_notes_and_only_the_ring_of_the_region(astronaut, portrait):
    """In ComfyUI the preview is where the notes can be read: they are written in white across its
    darkened foot. The region's ring, which runs past this photo's left edge, stays a ring (a dot
    beyond the edge used to paint a band 245 rows tall across the whole preview)."""
    from talking_photo.pipelines.report.previews import portrait_overlay

    preview = portrait_overlay(analyze_portrait(_nearly_in_profile())).astype(int)
    yellow = (np.abs(preview - (255, 220, 0)).max(-1) < 8).mean()
    assert yellow < 0.02, yellow
    foot = preview[-50:].min(-1)
    assert np.median(foot) < 60 and (foot > 200).sum() > 200, "no white text on a darkened foot"
    plain = portrait_overlay(portrait)[-50:].astype(int)  # no notes: the foot is not darkened
    assert not portrait.notes and np.median(plain) > 0.9 * np.median(portrait.image[-50:] * (0.4 + 0.6 * portrait.layer[-50:, :, None]))
