"""The node adapters' own behaviour, with ComfyUI's three modules they touch (comfy.model_management,
comfy.utils, folder_paths) replaced by stand-ins that record progress and can interrupt: cancelling,
refusing a clip too long for memory, the report node, and Video Combine's inputs from other nodes.
Running the shipped workflows is the real host's test (test_comfy_host.py).
"""
from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import av
import pytest
import torch

from talking_photo.pipelines.common.errors import InputError


class Interrupted(Exception):
    pass


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("output")
    state = {"interrupt_after": None, "calls": 0, "progress": []}
    mm = types.ModuleType("comfy.model_management")
    mm.get_torch_device = lambda: torch.device("cpu")

    def interrupted():
        state["calls"] += 1
        if state["interrupt_after"] is not None and state["calls"] > state["interrupt_after"]:
            raise Interrupted()

    mm.throw_exception_if_processing_interrupted = interrupted
    utils = types.ModuleType("comfy.utils")

    class ProgressBar:
        def __init__(self, total):
            self.total = total

        def update_absolute(self, value, total=None):
            state["progress"].append(value)

    utils.ProgressBar = ProgressBar
    comfy = types.ModuleType("comfy")
    comfy.model_management, comfy.utils = mm, utils
    fp = types.ModuleType("folder_paths")
    fp.models_dir = str(out_dir.parent / "models")
    fp.folder_names_and_paths = {}
    fp.add_model_folder_path = lambda name, path: fp.folder_names_and_paths.setdefault(name, ([path], set()))
    fp.get_folder_paths = lambda name: fp.folder_names_and_paths[name][0]
    fp.get_output_directory = lambda: str(out_dir)

    def get_save_image_path(prefix, output_dir, w=0, h=0):
        full = (Path(output_dir) / prefix).resolve()
        if Path(output_dir).resolve() not in full.parents:
            raise Exception("Saving image outside the output folder is not allowed.")
        full.parent.mkdir(parents=True, exist_ok=True)
        sub = str(full.parent.relative_to(Path(output_dir).resolve()))
        return str(full.parent), full.name, 1, sub, prefix

    fp.get_save_image_path = get_save_image_path
    sys.modules.update({"comfy": comfy, "comfy.model_management": mm, "comfy.utils": utils, "folder_paths": fp})
    pack = sys.modules["talking_photo"]  # the package conftest registered: one engine for all tests
    pack.__spec__.loader.exec_module(pack)  # the pack's __init__, as ComfyUI runs it
    yield pack, state, out_dir
    for name in ("comfy", "comfy.model_management", "comfy.utils", "folder_paths"):
        sys.modules.pop(name, None)


def test_interrupt_stops_lipsync(host, portrait, features):
    pack, state, _ = host
    state["calls"], state["interrupt_after"] = 0, 1
    try:
        with pytest.raises(Interrupted):
            pack.NODE_CLASS_MAPPINGS["TalkingPhotoLipSync"]().render(portrait, features, 4)
    finally:
        state["interrupt_after"] = None
    assert state["calls"] == 2


def test_long_clip_fails_before_rendering_with_a_memory_estimate(host, portrait, features):
    """60 minutes at 25 fps as an IMAGE batch would need hundreds of GiB: refused at once."""
    import dataclasses
    import time

    pack, state, _ = host
    hour = dataclasses.replace(features, n_frames=90_000, duration_s=3600.0)
    state["progress"].clear()
    started = time.perf_counter()
    with pytest.raises(Exception, match=r"90000 frames of 512x512 need ~\d+\.\d GiB.*command line"):
        pack.NODE_CLASS_MAPPINGS["TalkingPhotoLipSync"]().render(portrait, hour, 16)
    assert time.perf_counter() - started < 1.0 and not state["progress"]


def test_interrupt_stops_alignment_of_a_recording(host, speech):
    pack, state, _ = host
    audio = {"waveform": torch.from_numpy(speech.samples)[None, None], "sample_rate": speech.sample_rate}
    state["calls"], state["interrupt_after"] = 0, 1
    try:
        with pytest.raises(Interrupted):
            pack.NODE_CLASS_MAPPINGS["TalkingPhotoAudioFeatures"]().analyse(audio, 25.0)
    finally:
        state["interrupt_after"] = None
    assert state["calls"] == 2


def test_sync_report_node_measures_frames(host, portrait, features, speech):
    pack, state, _ = host
    frames, _ = pack.NODE_CLASS_MAPPINGS["TalkingPhotoLipSync"]().render(portrait, features, 16)
    frames = frames[:50]
    audio = {"waveform": torch.from_numpy(speech.samples[: 2 * speech.sample_rate])[None, None],
             "sample_rate": speech.sample_rate}
    out = pack.NODE_CLASS_MAPPINGS["TalkingPhotoSyncReport"]().measure(frames, 25.0, audio, features.timeline, portrait)
    report = json.loads(out["result"][0])
    assert report["frames"] == 50
    assert report["sync"]["confidence"] > 0
    page = out["result"][1]
    assert page.ndim == 4 and page.shape[-1] == 3 and float(page.max()) <= 1.0
    assert state["progress"][-1] == 50


def test_video_combine_takes_frames_and_audio_from_any_node(host):
    """RGBA or gray IMAGE batches, 8 kHz stereo audio (not speech), all three containers."""
    pack, _, out_dir = host
    node = pack.NODE_CLASS_MAPPINGS["TalkingPhotoVideoCombine"]()
    generator = torch.Generator().manual_seed(0)
    stereo = {"waveform": torch.rand(1, 2, 3200, generator=generator) - 0.5, "sample_rate": 8000}
    for fmt, channels in (("webm", 4), ("gif", 1), ("mp4", 3)):
        frames = torch.rand(10, 64, 47, channels, generator=generator)
        out = node.combine(frames, 25.0, f"formats/{fmt}", fmt, 30, "pad_or_trim", stereo)
        path = Path(out["result"][0])
        assert path.suffix == f".{fmt}" and out["ui"]["images"][0]["filename"] == path.name
        with av.open(str(path)) as c:
            assert sum(1 for _ in c.decode(video=0)) == 10
            assert len(c.streams.audio) == (fmt != "gif")
    assert sorted(p.suffix for p in (out_dir / "formats").iterdir()) == [".gif", ".mp4", ".webm"]


def test_video_combine_pad_only_refuses_longer_audio_and_writes_nothing(host):
    pack, _, out_dir = host
    node = pack.NODE_CLASS_MAPPINGS["TalkingPhotoVideoCombine"]()
    speech = {"waveform": torch.zeros(1, 1, 16000), "sample_rate": 16000}  # 1 s against 0.4 s of frames
    with pytest.raises(InputError, match="longer than the 10 frames"):
        node.combine(torch.rand(10, 32, 32, 3), 25.0, "padonly/t", "mp4", 20, "pad_only", speech)
    assert not (out_dir / "padonly").exists() or list((out_dir / "padonly").iterdir()) == []
