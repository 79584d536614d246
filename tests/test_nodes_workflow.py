"""The node adapters, executed in the order of the shipped API-format workflow.

ComfyUI itself is not installed here, so its three modules the adapters touch
(comfy.model_management, comfy.utils, folder_paths) are replaced by small stand-ins; a test
inside a real ComfyUI host is separate work (issue 6).
"""
from __future__ import annotations

import importlib.util
import json
import math
import sys
import types
from pathlib import Path

import av
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


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
    spec = importlib.util.spec_from_file_location("talking_photo", ROOT / "__init__.py",
                                                  submodule_search_locations=[str(ROOT)])
    pack = importlib.util.module_from_spec(spec)
    sys.modules["talking_photo"] = pack
    spec.loader.exec_module(pack)
    yield pack, state, out_dir
    for name in ("comfy", "comfy.model_management", "comfy.utils", "folder_paths"):
        sys.modules.pop(name, None)


def run_workflow(pack, workflow: dict, image: torch.Tensor) -> dict:
    results: dict[str, tuple] = {}

    def run(node_id: str):
        if node_id in results:
            return results[node_id]
        node = workflow[node_id]
        kwargs = {}
        for name, value in node["inputs"].items():
            if isinstance(value, list):
                kwargs[name] = run(value[0])[value[1]]
            else:
                kwargs[name] = value
        if node["class_type"] == "LoadImage":
            out = (image, None)
        elif node["class_type"] == "PreviewImage":  # a core display node: nothing to compute
            out = ()
        else:
            cls = pack.NODE_CLASS_MAPPINGS[node["class_type"]]
            out = getattr(cls(), cls.FUNCTION)(**kwargs)
            out = out["result"] if isinstance(out, dict) else out
        results[node_id] = out
        return out

    for node_id in workflow:
        run(node_id)
    return results


def test_all_eight_nodes_are_registered(host):
    pack, _, _ = host
    names = {"LoadPortrait", "TextToSpeech", "AudioFeatures", "MotionGenerator", "BlinkInjector", "LipSync",
             "VideoCombine", "SyncReport"}
    assert {k.removeprefix("TalkingPhoto") for k in pack.NODE_CLASS_MAPPINGS} == names
    for cls in pack.NODE_CLASS_MAPPINGS.values():
        assert cls.CATEGORY.startswith("TalkingPhoto/")
        assert len(cls.RETURN_TYPES) == len(cls.RETURN_NAMES)


def test_text_workflow_renders_an_mp4(host, astronaut):
    pack, state, out_dir = host
    workflow = json.loads((ROOT / "workflows" / "api" / "text_to_talking_video.json").read_text())
    workflow["4"]["inputs"]["text"] = "Nice to meet you."
    image = torch.from_numpy(astronaut).float()[None] / 255.0
    results = run_workflow(pack, workflow, image)
    path = Path(results["9"][0])
    assert path.is_file() and out_dir in path.parents
    frames, mask = results["8"]
    assert frames.shape[1:] == image.shape[1:] and frames.dtype == torch.float32
    assert mask.shape == (1, 512, 512)
    audio = results["4"][0]
    duration = audio["waveform"].shape[-1] / audio["sample_rate"]
    with av.open(str(path)) as c:
        assert sum(1 for _ in c.decode(video=0)) == frames.shape[0] == math.ceil(duration * 25)
    assert state["progress"][-1] == frames.shape[0]


def test_interrupt_stops_lipsync(host, portrait, features):
    pack, state, _ = host
    state["calls"], state["interrupt_after"] = 0, 1
    try:
        with pytest.raises(Interrupted):
            pack.NODE_CLASS_MAPPINGS["TalkingPhotoLipSync"]().render(portrait, features, 4)
    finally:
        state["interrupt_after"] = None
    assert state["calls"] == 2


def test_prefix_cannot_escape_output_folder(host, astronaut):
    pack, _, _ = host
    frames = torch.zeros(2, 64, 64, 3)
    with pytest.raises(Exception, match="outside"):
        pack.NODE_CLASS_MAPPINGS["TalkingPhotoVideoCombine"]().combine(frames, 25.0, "../../evil", 20)


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
    assert report["frames"] == 50 and report["background"]["vs_source_mean"] == 0
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
    from talking_photo.pipelines.errors import InputError

    pack, _, out_dir = host
    node = pack.NODE_CLASS_MAPPINGS["TalkingPhotoVideoCombine"]()
    speech = {"waveform": torch.zeros(1, 1, 16000), "sample_rate": 16000}  # 1 s against 0.4 s of frames
    with pytest.raises(InputError, match="longer than the 10 frames"):
        node.combine(torch.rand(10, 32, 32, 3), 25.0, "padonly/t", "mp4", 20, "pad_only", speech)
    assert not (out_dir / "padonly").exists() or list((out_dir / "padonly").iterdir()) == []
