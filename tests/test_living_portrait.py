"""A living portrait: a clip in which nothing is said (``--seconds``, the Silence node). The photo
breathes, blinks and looks about with its mouth closed, over a silent sound track of the clip's
length; measured on the encoded file with the sync report's face detector run afresh. A silent
*recording* is still refused: only silence asked for by name is taken."""
from __future__ import annotations

import math

import av
import numpy as np
import pytest

from conftest import media_photo
from talking_photo.pipelines.cli.render_job import render_talking_video
from talking_photo.pipelines.common.errors import InputError
from talking_photo.pipelines.report.measure import report_video
from talking_photo.pipelines.report.page import summary_lines
from talking_photo.pipelines.speech.audio import checked_speech
from talking_photo.pipelines.speech.silence import is_silence, silence

SECONDS, FPS = 7.0, 25.0


@pytest.mark.parametrize("photo, style", [("astronaut", "calm"), ("real_open_eyes.jpg", "lively")])
def test_a_living_portrait_breathes_blinks_and_keeps_its_mouth_closed(astronaut, tmp_path, photo, style):
    image = astronaut if photo == "astronaut" else media_photo(photo)
    out = tmp_path / "alive.mp4"
    result = render_talking_video(image, out, seconds=SECONDS, fps=FPS, style=style, report=tmp_path / "r.json")
    assert result["n_frames"] == math.ceil(SECONDS * FPS) and result["mouth_source"] == "silence"
    with av.open(str(out)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    with av.open(str(out)) as container:
        sound = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
        audio_s = float(container.streams.audio[0].duration * container.streams.audio[0].time_base)
    assert frames == result["n_frames"] and abs(audio_s - SECONDS) <= 0.05 and np.abs(sound).max() <= 1e-4
    report = report_video(str(out), timeline=str(tmp_path / "r.json"))
    assert report["sync"] is None  # no sound to be in sync with
    assert "sync: none to measure, the sound track is silent" in summary_lines(report)
    assert report["timeline"]["pause_frames"] >= 0.95 * frames and report["timeline"]["pause_closure"] == 1.0
    assert report["blinks"]["count"] >= 1, report["blinks"]
    pose = report["head_pose_deg"]
    assert max(pose[a]["range"] for a in ("yaw", "pitch", "roll")) >= 1.0, pose  # the head is not frozen
    assert report["background"]["beside_person_moved_share"] <= 0.01, report["background"]


def test_silence_is_taken_only_when_asked_for_by_name(astronaut, tmp_path):
    sound, timeline = silence(2.5)
    assert len(sound.samples) == 40000 and not sound.samples.any() and is_silence(timeline)
    assert timeline.duration_s == 2.5 and timeline.pauses()[0].duration == 2.5
    with pytest.raises(InputError, match="silent"):
        checked_speech(sound.samples, sound.sample_rate)
    assert checked_speech(sound.samples, sound.sample_rate, silence_ok=True).samples.size == 40000
    for bad in (0.0, -1.0, float("nan"), 3601.0):
        with pytest.raises(InputError, match="seconds"):
            silence(bad)
    out = tmp_path / "none.mp4"
    with pytest.raises(InputError, match="exactly one of text, audio or seconds"):
        render_talking_video(astronaut, out, text="Hello.", seconds=2.0)
    with pytest.raises(InputError, match="at most 3600"):
        render_talking_video(astronaut, out, seconds=7200.0)
    assert not list(tmp_path.iterdir())
