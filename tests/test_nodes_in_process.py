"""The node adapters called in this process with the host's real ComfyUI modules (comfy_api, comfy.utils,
comfy.model_management, folder_paths): Cancel stops every long node, the frame rate travels with the
features, Load Portrait reads only ComfyUI's input folder, Lip Sync's memory is what it estimates, and
Video Combine and Sync Report take frames and sound from any node. Running whole workflows in the host
over HTTP is test_comfy_host.py."""
from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
import torch
from PIL import Image

from talking_photo.pipelines.common.errors import InputError
from talking_photo.pipelines.report.page import summary_lines

ROOT = Path(__file__).resolve().parents[1]
COMFYUI = ROOT / ".host" / "ComfyUI"


@pytest.fixture(scope="module")
def comfy(tmp_path_factory, astronaut):
    if not COMFYUI.is_dir():
        pytest.skip("no ComfyUI host here: run `make host` (`make test` does)")
    sys.path.insert(0, str(COMFYUI))
    from comfy.cli_args import args

    args.cpu = True
    import comfy.model_management
    import comfy.utils
    import folder_paths

    base = tmp_path_factory.mktemp("comfy")
    for name, set_directory in (("input", folder_paths.set_input_directory), ("output", folder_paths.set_output_directory),
                                ("temp", folder_paths.set_temp_directory)):
        (base / name).mkdir()
        set_directory(str(base / name))
    Image.fromarray(astronaut).save(base / "input" / "portrait.png")
    state = SimpleNamespace(progress=[], interrupt_after=None)

    def hook(value, total, preview, node_id=None):
        state.progress.append(value)
        if state.interrupt_after is not None and len(state.progress) >= state.interrupt_after:
            comfy.model_management.interrupt_current_processing(True)  # what the UI's Cancel does

    comfy.utils.set_progress_bar_global_hook(hook)
    pack = sys.modules["talking_photo"]  # the package conftest registered: one engine for all tests
    pack.__spec__.loader.exec_module(pack)  # the pack's __init__, as ComfyUI runs it
    state.nodes = {node.define_schema().node_id.removeprefix("TalkingPhoto"): node for node in pack.nodes.NODES}
    state.base, state.interrupted = base, comfy.model_management.InterruptProcessingException
    yield state
    comfy.utils.set_progress_bar_global_hook(None)
    sys.path.remove(str(COMFYUI))


def _cancelled(comfy, after: int, run) -> None:
    comfy.progress.clear()
    comfy.interrupt_after = after
    try:
        with pytest.raises(comfy.interrupted):
            run()
    finally:
        comfy.interrupt_after = None
    assert len(comfy.progress) == after  # stopped at the next progress call


def test_cancel_stops_lipsync_alignment_and_speech(comfy, portrait, features, speech):
    _cancelled(comfy, 1, lambda: comfy.nodes["LipSync"].execute(portrait, features, 4))
    audio = {"waveform": torch.from_numpy(speech.samples)[None, None], "sample_rate": speech.sample_rate}
    _cancelled(comfy, 1, lambda: comfy.nodes["AudioFeatures"].execute(audio, 25.0))
    _cancelled(comfy, 1, lambda: comfy.nodes["TextToSpeech"].execute("One. Two. Three.", "joe", 1.0, 0.25, 0.667, 0))


def test_the_frame_rate_travels_with_the_features(comfy, speech):
    from talking_photo.pipelines.mouth.features import compute_features
    from talking_photo.pipelines.speech.audio import Audio

    at_30 = compute_features(Audio(speech.samples[:speech.sample_rate], speech.sample_rate), 30.0, None)
    frames = torch.rand(at_30.n_frames, 64, 48, 3, generator=torch.Generator().manual_seed(0))
    combine = comfy.nodes["VideoCombine"]
    out = combine.execute(frames, 0.0, "fps/from_features", "mp4", 20, "pad_or_trim", features=at_30)
    with av.open(out.args[0]) as c:
        assert float(c.streams.video[0].average_rate) == 30.0
    with pytest.raises(InputError, match="fps is 25 but the features were made at 30 fps"):
        combine.execute(frames, 25.0, "fps/disagree", "mp4", 20, "pad_or_trim", features=at_30)
    with pytest.raises(InputError, match="connect the features"):
        combine.execute(frames, 0.0, "fps/none", "mp4", 20)
    with pytest.raises(InputError, match="Sync Report: fps is 24"):
        comfy.nodes["SyncReport"].execute(frames, 24.0, features=at_30)
    assert not (comfy.base / "output" / "fps").exists() or [p.name for p in (comfy.base / "output" / "fps").iterdir()] \
        == [Path(out.args[0]).name]


def test_load_portrait_reads_only_comfyuis_input_folder(comfy, tmp_path):
    load = comfy.nodes["LoadPortrait"]
    portrait, preview = load.execute(0, None, "portrait.png").args
    assert portrait.size == (512, 512) and preview.shape == (1, 512, 512, 3)
    assert load.fingerprint_inputs(0, None, "portrait.png") == load.fingerprint_inputs(0, None, "portrait.png") != ""
    outside = tmp_path / "secret.png"
    Image.fromarray(np.zeros((80, 80, 3), np.uint8)).save(outside)
    refusals = set()
    for name in ("../" * 8 + str(outside).lstrip("/"), str(outside), "../../../etc/hostname", "/no/such/file.png",
                 "../output"):
        with pytest.raises(InputError) as refused:
            load.execute(0, None, name)
        refusals.add(str(refused.value).replace(repr(name), "NAME"))
    assert len(refusals) == 1, refusals  # one answer whether the file exists or not: nothing to probe
    assert "not a file in ComfyUI's input folder" in refusals.pop()
    options = load.define_schema().inputs[2].options
    assert options == ["", "portrait.png"]  # the widget lists the input folder's images only


def test_lipsync_memory_is_the_float_image_and_what_it_estimates(comfy, portrait, features):
    """The memory Lip Sync allocates while it renders, sampled every 2 ms, is the float32 IMAGE and
    MASK it returns (4 bytes per value) plus one batch, within 15 % of the estimate it refuses by.
    Counted as bytes in use (glibc's ``mallinfo2``: heap and mmap), on a second run: resident memory
    also moves with what the allocator keeps or hands back (one run alone grew 716 MiB, the same run
    late in the suite 432-480), and the first run sets up for good. In use: 665 MiB, alone or late
    in the suite; the estimate 656 MiB (it had counted 9 bytes per pixel of the batch where the
    uint8 frames, their float copy and the matte take 19: 616 MiB)."""
    import ctypes

    from talking_photo.nodes.render import memory_needed

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                          "fsmblks", "uordblks", "fordblks", "keepcost")]

    mallinfo2 = ctypes.CDLL("libc.so.6").mallinfo2
    mallinfo2.restype = MallInfo2

    def in_use() -> int:
        info = mallinfo2()
        return info.uordblks + info.hblkhd

    peak, running = [0], [True]

    def sample():
        while running[0]:
            peak[0] = max(peak[0], in_use())
            time.sleep(0.002)

    comfy.nodes["LipSync"].execute(portrait, features, 16)
    start = in_use()
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        frames, mattes = comfy.nodes["LipSync"].execute(portrait, features, 16).args
    finally:
        running[0] = False
        sampler.join()
    values = frames.numel() + mattes.numel()
    estimate = memory_needed(features.n_frames, 512, 512, 16)
    grown = peak[0] - start
    assert frames.dtype == torch.float32 and values == features.n_frames * 512 * 512 * 4
    assert abs(grown - estimate) <= 0.15 * estimate, (grown / 2**20, estimate / 2**20)
    assert grown / values < 4.6, grown / values


def test_long_clip_is_refused_at_once_with_its_memory_estimate(comfy, portrait, features):
    hour = dataclasses.replace(features, n_frames=90_000, duration_s=3600.0)
    comfy.progress.clear()
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"90000 frames of 512x512 need ~\d+\.\d GiB.*command line"):
        comfy.nodes["LipSync"].execute(portrait, hour, 16)
    assert time.perf_counter() - started < 1.0 and not comfy.progress


def test_sync_report_node_measures_frames_and_shows_its_page(comfy, portrait, features, speech):
    comfy.progress.clear()
    frames = comfy.nodes["LipSync"].execute(portrait, features, 0).args[0][:50]
    assert comfy.progress[:2] == [16, 32]  # batch size 0: the renderer's choice, 16 frames for a 512² photo
    audio = {"waveform": torch.from_numpy(speech.samples[: 2 * speech.sample_rate])[None, None],
             "sample_rate": speech.sample_rate}
    comfy.progress.clear()
    out = comfy.nodes["SyncReport"].execute(frames, 0.0, audio, features.timeline, portrait, features)
    report = json.loads(out.args[0])
    assert report["frames"] == 50 and report["fps"] == 25.0 and report["sync"]["confidence"] > 0
    page = out.args[1]
    assert page.ndim == 4 and page.shape[-1] == 3 and float(page.max()) <= 1.0
    shown = out.ui.as_dict()["images"][0]  # the page with the numbers, in the node itself
    assert (comfy.base / "temp" / shown["subfolder"] / shown["filename"]).is_file()
    assert comfy.progress[-1] == 50


def test_video_combine_takes_frames_and_audio_from_any_node(comfy):
    """RGBA or gray IMAGE batches, 8 kHz stereo audio (not speech), all three containers."""
    combine = comfy.nodes["VideoCombine"]
    generator = torch.Generator().manual_seed(0)
    stereo = {"waveform": torch.rand(1, 2, 3200, generator=generator) - 0.5, "sample_rate": 8000}
    for fmt, channels in (("webm", 4), ("gif", 1), ("mp4", 3)):
        frames = torch.rand(10, 64, 47, channels, generator=generator)
        out = combine.execute(frames, 25.0, f"formats/{fmt}", fmt, 30, "pad_or_trim", audio=stereo)
        path = Path(out.args[0])
        assert path.suffix == f".{fmt}" and out.ui.as_dict()["images"][0]["filename"] == path.name
        assert out.args[1].get_dimensions() == (47 if fmt == "gif" else 48, 64)  # a core VIDEO; 4:2:0 pads to even
        with av.open(str(path)) as c:
            assert sum(1 for _ in c.decode(video=0)) == 10
            assert len(c.streams.audio) == (fmt != "gif")
    assert sorted(p.suffix for p in (comfy.base / "output" / "formats").iterdir()) == [".gif", ".mp4", ".webm"]


def test_video_combine_pad_only_refuses_longer_audio_and_writes_nothing(comfy):
    speech = {"waveform": torch.zeros(1, 1, 16000), "sample_rate": 16000}  # 1 s against 0.4 s of frames
    with pytest.raises(InputError, match="longer than the 10 frames"):
        comfy.nodes["VideoCombine"].execute(torch.rand(10, 32, 32, 3), 25.0, "padonly/t", "mp4", 20, "pad_only",
                                            audio=speech)
    assert not (comfy.base / "output" / "padonly").exists() or not list((comfy.base / "output" / "padonly").iterdir())


def test_lipsync_mask_is_the_moving_person_and_keys_a_transparent_or_new_background(comfy, portrait, features):
    """Lip Sync's MASK is the person where they are in each frame (it moves with the head, the
    background beside the person is 0); Video Combine writes it as a WebM's alpha, or keys the
    person over a colour; transparency in an mp4 and a missing mask are refused by name."""
    from talking_photo.pipelines.motion.head import generate_motion

    motion = generate_motion(features, seed=0)
    frames, mattes = comfy.nodes["LipSync"].execute(portrait, features, 16, motion).args
    n = 30
    frames, mattes = frames[:n], mattes[:n]
    assert mattes.shape == (n, 512, 512) and 0 <= float(mattes.min()) and float(mattes.max()) <= 1
    x0, y0, x1, y1 = portrait.face_box
    assert float(mattes[:, y0:y1, x0:x1].mean()) > 0.95 and float(mattes[:, 40:80, 440:480].max()) == 0.0
    turn = int(np.argmax(np.abs(motion.channels["yaw"][:n])))
    assert float((mattes[turn] - mattes[0]).abs().max()) > 0.5  # the silhouette moved with the head
    combine = comfy.nodes["VideoCombine"]
    out = combine.execute(frames, 25.0, "keyed/alpha", "webm", 10, "pad_or_trim", "transparent", mask=mattes)
    with av.open(out.args[0]) as c:
        stream = c.streams.video[0]
        decoder = av.codec.CodecContext.create("libvpx-vp9", "r")  # libvpx decodes VP9's alpha plane
        alpha = [f.to_ndarray(format="rgba")[..., 3] for p in c.demux(stream) for f in decoder.decode(p)]
    assert len(alpha) == n
    expected = (mattes.numpy() * 255).astype(np.float32)
    assert np.abs(np.stack(alpha).astype(np.float32) - expected).mean() < 3.0
    out = combine.execute(frames, 25.0, "keyed/green", "mp4", 10, "pad_or_trim", "colour", "#00ff00", mask=mattes)
    with av.open(out.args[0]) as c:
        first = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert np.abs(first[40:80, 440:480].astype(int) - [0, 255, 0]).max() < 20  # beside the person: green
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    face = (slice(cy - 30, cy + 30), slice(cx - 30, cx + 30))  # the middle of the face: the person, unchanged
    assert np.abs(first[face].astype(int) - (frames[0][face].numpy() * 255)).mean() < 6
    with pytest.raises(InputError, match="needs the webm format"):
        combine.execute(frames, 25.0, "keyed/bad", "mp4", 10, "pad_or_trim", "transparent", mask=mattes)
    with pytest.raises(InputError, match="connect Lip Sync's person_matte"):
        combine.execute(frames, 25.0, "keyed/bad", "webm", 10, "pad_or_trim", "transparent")
    assert not (comfy.base / "output" / "keyed" / "bad_00001_.webm").exists()


def test_silence_node_feeds_audio_features_and_a_silent_recording_is_still_refused(comfy, portrait):
    """The Silence node's AUDIO and timeline make features of its length with the mouth closed; the
    same silent AUDIO without that timeline is a mistake (a muted microphone) and is refused."""
    audio, timeline = comfy.nodes["Silence"].execute(3.0).args
    assert audio["waveform"].shape == (1, 1, 48000) and audio["sample_rate"] == 16000
    features = comfy.nodes["AudioFeatures"].execute(audio, 25.0, timeline=timeline).args[0]
    assert features.n_frames == 75 and features.mouth_source == "silence"
    assert not features.jaw_open.any() and not features.loudness.any()
    with pytest.raises(InputError, match="silent"):
        comfy.nodes["AudioFeatures"].execute(audio, 25.0)
    # The report measures a living portrait with its silent track: no sync to measure, and it says so.
    frames = comfy.nodes["LipSync"].execute(portrait, features, 0).args[0][:20]
    report = json.loads(comfy.nodes["SyncReport"].execute(frames, 25.0, audio, timeline).args[0])
    assert report["sync"] is None and not any(report["series"]["loudness"])
    assert "sync: none to measure, the sound track is silent" in summary_lines(report)
