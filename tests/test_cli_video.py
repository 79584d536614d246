"""End to end through the command line: a decodable mp4 with exact frame count and aligned streams."""
from __future__ import annotations

import json
import math
import os

import av
import numpy as np
import pytest
from PIL import Image

from talking_photo.pipelines.cli.main import main
from talking_photo.pipelines.common.errors import InputError
from talking_photo.pipelines.cli.render_job import render_talking_video
from talking_photo.pipelines.video.writer import write_video


def _probe(path):
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        n = sum(1 for _ in c.decode(video=0))
        return {"frames": n, "v_start": float(v.start_time * v.time_base), "a_start": float(a.start_time * a.time_base),
                "v_dur": float(v.duration * v.time_base), "a_dur": float(a.duration * a.time_base),
                "codec": v.codec_context.name, "pix_fmt": v.codec_context.pix_fmt, "acodec": a.codec_context.name}


@pytest.fixture(scope="module")
def photo_file(tmp_path_factory, astronaut):
    path = tmp_path_factory.mktemp("img") / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    return path


def test_cli_text_render_has_exact_timing(tmp_path, photo_file, capsys):
    out, report = tmp_path / "talk.mp4", tmp_path / "talk.json"
    rc = main(["render", "--image", str(photo_file), "--text", "Maybe bring me a map, Bob.", "--out", str(out),
               "--fps", "25", "--report", str(report), "--srt", str(tmp_path / "talk.srt"),
               "--sync-report", str(tmp_path / "sync.json"), "--quality-png", str(tmp_path / "sync.png")])
    assert rc == 0
    assert "--quality-png is now --sync-report-png" in capsys.readouterr().err  # the old name still works
    info = json.loads(report.read_text())
    probe = _probe(out)
    assert probe["frames"] == info["n_frames"] == math.ceil(info["duration_s"] * 25)
    assert probe["codec"] == "h264" and probe["pix_fmt"] == "yuv420p" and probe["acodec"] == "aac"
    assert probe["v_start"] == 0 and probe["a_start"] == 0
    assert abs(probe["v_dur"] - probe["a_dur"]) < 1 / 25
    assert set(info["ms_per_frame"]) >= {"landmarks", "tts", "features", "render", "encode"}
    assert "-->" in (tmp_path / "talk.srt").read_text()
    sync = json.loads((tmp_path / "sync.json").read_text())  # measured before encoding
    assert sync["frames"] == probe["frames"] and sync["face_found_share"] == 1.0
    assert sync["timeline"]["bilabials"] >= 5 and sync["timeline"]["bilabial_closure"] >= 0.8, sync["timeline"]
    umask = os.umask(0)
    os.umask(umask)
    for name in ("talk.mp4", "talk.json", "talk.srt", "sync.json", "sync.png"):  # like any file the user makes
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask, name


def test_cli_audio_render_aligns_a_recording(tmp_path, photo_file, speech):
    wav = tmp_path / "voice.wav"
    write_wav(wav, speech.samples, speech.sample_rate)
    out = tmp_path / "rec.mp4"
    result = render_talking_video(str(photo_file), out, audio=wav, fps=30)
    assert result["mouth_source"] == "recognition+alignment"
    assert _probe(out)["frames"] == math.ceil(speech.samples.size / speech.sample_rate * 30)


def test_no_face_is_a_clear_error_and_leaves_no_file(tmp_path):
    from skimage import data

    out = tmp_path / "none.mp4"
    with pytest.raises(InputError, match="no face found"):
        render_talking_video(data.coffee(), out, text="Hello.")
    assert list(tmp_path.iterdir()) == []
    rc = main(["render", "--image", str(tmp_path / "missing.png"), "--text", "Hi.", "--out", str(out)])
    assert rc == 2 and list(tmp_path.iterdir()) == []


def test_max_side_opens_a_photo_too_large_to_render_at_the_size_asked(tmp_path, astronaut, capsys):
    """A photo over 8192 px is refused with the way out; --max-side decodes it at a reduced scale and
    the video comes out at that size (a JPEG of 8400 px, read at 4200)."""
    photo, out = tmp_path / "wide.jpg", tmp_path / "wide.mp4"
    canvas = Image.new("RGB", (8400, 1400), (128, 128, 128))
    canvas.paste(Image.fromarray(astronaut).resize((1400, 1400), Image.BICUBIC), (3500, 0))
    canvas.save(photo, quality=85)
    assert main(["render", "--image", str(photo), "--seconds", "0.2", "--out", str(out)]) == 2
    assert "--max-side" in capsys.readouterr().err and not out.exists()
    assert main(["render", "--image", str(photo), "--seconds", "0.2", "--out", str(out), "--max-side", "4200"]) == 0
    with av.open(str(out)) as c:
        video = c.streams.video[0]
        assert (video.width, video.height) == (4200, 700) and sum(1 for _ in c.decode(video=0)) == 5
    with pytest.raises(InputError, match="out of range"):
        render_talking_video(astronaut, out, seconds=0.2, max_side=32)
    small = render_talking_video(astronaut, tmp_path / "small.mp4", seconds=0.2, max_side=400)
    assert small["image_size"] == [400, 400]


def test_failed_encode_leaves_no_partial_file(tmp_path):
    def batches():
        yield np.zeros((2, 64, 64, 3), np.uint8)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_video(tmp_path / "x.mp4", batches(), 25)
    assert list(tmp_path.iterdir()) == []


def write_wav(path, samples, rate):
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def test_batch_renders_each_line_and_names_the_bad_ones_by_line(tmp_path, photo_file, capsys):
    """One render per line of a jobs file, in one process: a bad line or a bad input is reported with
    its line number, writes nothing, and the other lines still render; a job in a batch makes the
    same file, byte for byte, as the same render alone."""
    from shlex import quote

    photo, jobs = quote(str(photo_file)), tmp_path / "jobs.txt"
    jobs.write_text("\n".join([
        "# two good jobs and three bad ones",
        f'--image {photo} --text "Hello there." --out {quote(str(tmp_path / "a.mp4"))}',
        "",
        f'--image {quote(str(tmp_path / "missing.png"))} --text "Hi." --out {quote(str(tmp_path / "b.mp4"))}',
        f"--image {photo} --seconds 1.5 --style lively --out {quote(str(tmp_path / 'c.mp4'))}",
        f'--image {photo} --txt "a typo" --out {quote(str(tmp_path / "d.mp4"))}',
        f'--image {photo} --text "unclosed --out {quote(str(tmp_path / "e.mp4"))}']), encoding="utf-8")
    rc = main(["batch", str(jobs)])
    printed = capsys.readouterr()
    assert rc == 2
    assert sorted(p.name for p in tmp_path.glob("*.mp4")) == ["a.mp4", "c.mp4"]
    assert f"{jobs}:4: image file" in printed.err and f"{jobs}:6: not a render command line" in printed.err
    assert f"{jobs}:7: No closing quotation" in printed.err
    assert json.loads(printed.out.strip().splitlines()[-1]) == {"rendered": 2, "failed_lines": [4, 6, 7]}
    assert _probe(tmp_path / "c.mp4")["frames"] == math.ceil(1.5 * 25)
    alone = tmp_path / "alone.mp4"
    assert main(["render", "--image", str(photo_file), "--text", "Hello there.", "--out", str(alone)]) == 0
    assert alone.read_bytes() == (tmp_path / "a.mp4").read_bytes()
    assert main(["batch", str(tmp_path / "no_such_jobs.txt")]) == 2
