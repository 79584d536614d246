"""A voice's ONNX graph read and edited as plain protobuf messages.

Importing the onnx package pulls in ml_dtypes, whose extension takes about a second to set up while
it holds the interpreter: every render from text paid that second, and a Ctrl-C landing in it
waited for it to end. The two edits a Piper voice needs (one more output, the random nodes' seeds)
need only onnx's message classes, which it ships as a generated module that imports nothing but
protobuf; it is loaded here on its own (the same descriptors, so a later ``import onnx`` elsewhere
in the process shares them).
"""
from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType


@cache
def onnx_messages() -> ModuleType:
    """onnx's generated protobuf module (``ModelProto``, ``ValueInfoProto``, ``AttributeProto``, ...)."""
    package = importlib.util.find_spec("onnx")  # finds the package without importing it
    if package is None or not package.submodule_search_locations:
        raise ModuleNotFoundError("the onnx package is not installed; run `pip install -r requirements.txt`.")
    path = Path(next(iter(package.submodule_search_locations))) / "onnx_ml_pb2.py"
    spec = importlib.util.spec_from_file_location("onnx.onnx_ml_pb2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_model(path: str | Path):
    """The ``ModelProto`` of a single-file ONNX model."""
    model = onnx_messages().ModelProto()
    model.ParseFromString(Path(path).read_bytes())
    return model


def add_duration_output(model) -> str:
    """Expose a VITS voice's phoneme durations (the output of its one ``Ceil`` node, per phoneme id
    the number of audio frames) as a graph output, unless it is one already; returns its name."""
    names = {name for node in model.graph.node if node.op_type == "Ceil" for name in node.output}
    if len(names) != 1:
        raise ValueError(f"expected one Ceil node's output as the phoneme durations, found {sorted(names)}")
    name = names.pop()
    if all(output.name != name for output in model.graph.output):
        model.graph.output.append(onnx_messages().ValueInfoProto(name=name))
    return name


def set_seed(node, seed: float) -> None:
    """Give a random node (``RandomNormalLike`` ...) the float ``seed`` attribute, replacing its own."""
    keep = [a for a in node.attribute if a.name != "seed"]
    del node.attribute[:]
    messages = onnx_messages()
    node.attribute.extend(keep + [messages.AttributeProto(name="seed", type=messages.AttributeProto.FLOAT, f=seed)])
