"""Lets the CUDA-only torchvision wheel import on CPU torch, in the test host's venv only.

The registry's torchvision 0.28 is a CUDA build: its compiled ops link libtorch_cuda, which the
CPU torch wheel lacks, so they cannot load (torchvision then runs its pure-Python parts, which is
all ComfyUI needs at start). But ``torchvision._meta_registrations`` registers fake kernels for
``torchvision::nms`` and ``torchvision::qnms`` unconditionally, which fails when the ops were never
defined. Defining just those two schemas (no kernels: calling them raises) before torchvision is
first imported lets it import. Installed by ``tools/comfy_host.py`` as a ``.pth`` hook.
"""
import importlib.abc
import sys

SCHEMAS = ("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
           "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
_library = None


class _DefineBeforeTorchvision(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        global _library
        if name == "torchvision":
            sys.meta_path.remove(self)
            import torch

            _library = torch.library.Library("torchvision", "DEF")
            for schema in SCHEMAS:
                _library.define(schema)
        return None  # the normal finders import torchvision itself


sys.meta_path.insert(0, _DefineBeforeTorchvision())
