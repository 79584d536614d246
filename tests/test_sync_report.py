"""The quality report measures what it claims: checked against renders whose truth is known
(the driving tracks), against a deliberately shifted soundtrack, and on a video no renderer of
ours made."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from talking_photo.pipelines.speech.audio import Audio
from talking_photo.pipelines.motion.blinks import inject_blinks
from talking_photo.pipelines.mouth.features import compute_features
from talking_photo.pipelines.motion.head import generate_motion
from conftest import render_clip
from talking_photo.pipelines.report.page import report_page, summary_lines
from talking_photo.pipelines.speech.tts import synthesize_speech
from talking_photo.pipelines.report.measure import build_report, measure_frames
from talking_photo.pipelines.video.writer import write_video

ROOT = Path(__file__).resolve().parents[1]
TEXT = ("Good morning, and welcome back. Today we talk about maps, about people, and about the "
        "places we remember. Please take a seat, and let us begin.")


@pytest.fixture(scope="module")
def talk(portrait):
    speech = synthesize_speech(TEXT, sentence_pause_s=0.6, seed=2)
    audio = Audio(speech.samples, speech.sample_rate)
    features = compute_features(audio, 25.0, speech.timeline)
    motion = inject_blinks(generate_motion(features, seed=2), features, seed=2, rate_per_min=20)
    frames = render_clip(portrait, features, motion)
    measures = measure_frames(iter(frames), portrait.image)
    return {"audio": audio, "features": features, "motion": motion, "frames": frames, "measures": measures,
            "report": build_report(measures, 25.0, portrait.size, audio, speech.timeline)}


def test_background_of_our_frames_is_exactly_the_photo(talk):
    bg = talk["report"]["background"]
    assert bg["drift_max"] == 0 and bg["moved_share"] == 0 and bg["vs_source_mean"] == 0
    assert talk["report"]["face_found_share"] == 1.0


def test_blinks_counted_are_the_blinks_rendered(talk):
    closed = talk["motion"].channels["blink_l"] > 0.6
    rendered = int((np.diff(closed.astype(int)) == 1).sum() + closed[0])
    assert rendered >= 3
    assert talk["report"]["blinks"]["count"] == rendered


def test_head_pose_follows_the_driving_roll(talk):
    roll = np.asarray(talk["report"]["series"]["pose_deg"])[:, 2]
    driven = talk["motion"].channels["roll"] - talk["motion"].channels["roll"][0]
    assert np.corrcoef(roll, driven)[0, 1] > 0.8
    assert abs(np.std(roll) - np.std(driven)) < 0.5 * np.std(driven) + 0.2


def test_lag_measures_a_deliberate_audio_shift(talk):
    """Delaying the sound by 4 frames (160 ms) moves the measured lag by 160 ms (±1 frame)."""
    base = talk["report"]["sync"]
    assert base["confidence"] > base["reversed_audio_confidence"]
    audio = talk["audio"]
    delay = int(0.16 * audio.sample_rate)
    late = Audio(np.concatenate([np.zeros(delay, np.float32), audio.samples[:-delay]]), audio.sample_rate)
    shifted = build_report(talk["measures"], 25.0, (512, 512), late)["sync"]
    assert abs((base["lag_ms"] - shifted["lag_ms"]) - 160) <= 40, (base["lag_ms"], shifted["lag_ms"])


def test_detector_sees_our_lips_closed_on_bilabials_and_in_pauses_and_page_renders(talk):
    """The acceptance targets of the quality report, measured on our render by the independent detector."""
    t, sync = talk["report"]["timeline"], talk["report"]["sync"]
    print(t, {k: sync[k] for k in ("lag_ms", "confidence", "reversed_audio_confidence")})
    assert t["bilabials"] >= 5 and t["pause_frames"] >= 10
    assert t["bilabial_closure"] >= 0.95 and t["pause_closure"] >= 0.98
    assert abs(sync["lag_ms"]) <= 40
    page = report_page(talk["report"])
    assert page.dtype == np.uint8 and page.shape[2] == 3 and page.std() > 10


def test_cli_reports_an_mp4_from_another_tool(tmp_path, astronaut):
    """A silent 'Ken Burns' pan of the photo: no audio (no sync numbers), the background moves."""
    frames = np.stack([astronaut[8 + i // 4: 8 + i // 4 + 480, 16: 496] for i in range(40)])
    video = write_video(tmp_path / "pan.mp4", [frames], 25.0)
    out_json, out_png = tmp_path / "r.json", tmp_path / "r.png"
    done = subprocess.run([sys.executable, "-m", "pipelines", "report", str(video), "--json", str(out_json),
                           "--png", str(out_png)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(out_json.read_text())
    assert report["frames"] == 40 and report["sync"] is None
    assert "sync: none to measure, the video has no sound track" in summary_lines(report)
    assert report["background"]["moved_share"] > 0.01
    assert out_png.stat().st_size > 10_000


def test_cli_report_of_our_render_with_its_timeline(tmp_path, talk):
    from talking_photo.pipelines.speech.audio import resample

    video = write_video(tmp_path / "talk.mp4", [talk["frames"]], 25.0,
                        resample(talk["audio"].samples, talk["audio"].sample_rate, 48000), 48000)
    timeline = tmp_path / "timeline.json"
    timeline.write_text(talk["features"].timeline.to_json())
    done = subprocess.run([sys.executable, "-m", "pipelines", "report", str(video), "--timeline", str(timeline)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["timeline"]["bilabials"] == talk["report"]["timeline"]["bilabials"]
    assert abs(summary["sync"]["lag_ms"] - talk["report"]["sync"]["lag_ms"]) <= 40
    assert summary["background"]["moved_share"] < 0.001  # only codec ripple, nothing moved


def test_background_beside_the_person_is_measured_by_a_person_matte(portrait):
    """A patch of wall beside the head that changes is seen (share and size of the change); a change
    on the person is not counted there, and frames equal to the photo give exactly zero."""
    photo = portrait.image
    wall = photo.copy()
    wall[60:90, 420:460] = np.clip(wall[60:90, 420:460].astype(int) + 40, 0, 255)  # beside the shuttle
    face = photo.copy()
    x0, y0, x1, y1 = portrait.face_box
    face[y0 + 10:y1 - 10, x0 + 10:x1 - 10] //= 2
    still = build_report(measure_frames([photo, face, photo], photo), 25.0, portrait.size)["background"]
    assert still["beside_person_moved_share"] == 0 and still["beside_person_max_levels"] == 0
    moved = build_report(measure_frames([photo, wall, photo], photo), 25.0, portrait.size)["background"]
    assert moved["beside_person_max_levels"] == 40 and 0.001 < moved["beside_person_moved_share"] < 0.05
