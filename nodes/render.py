"""LipSync node: TP_PORTRAIT + TP_FEATURES (+ TP_MOTION) → IMAGE frames and MASK."""
from __future__ import annotations

import torch

from ..pipelines.common.errors import InputError
from ..pipelines.render.renderer import render_frames
from .comfy_glue import CATEGORY, progress, torch_device, uint8_to_image

MEMORY_SHARE = 0.5  # refuse to build an IMAGE batch larger than this share of available RAM


def _check_memory(n_frames: int, width: int, height: int) -> None:
    import psutil

    need = n_frames * width * height * 3 * 4  # the float32 IMAGE, filled batch by batch
    available = psutil.virtual_memory().available
    if need > MEMORY_SHARE * available:
        raise InputError(f"{n_frames} frames of {width}x{height} need ~{need / 2**30:.1f} GiB as an IMAGE batch, "
                         f"more than half the free memory ({available / 2**30:.1f} GiB); shorten the audio, "
                         "downscale the photo, or render from the command line (it streams to disk).")


class LipSync:
    CATEGORY = f"{CATEGORY}/render"
    RETURN_TYPES = ("IMAGE", "MASK")
    RETURN_NAMES = ("frames", "animated_region")
    FUNCTION = "render"
    DESCRIPTION = "Renders the talking frames at the photo's full size; the background is the photo, unchanged."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"portrait": ("TP_PORTRAIT",), "features": ("TP_FEATURES",),
                             "batch_size": ("INT", {"default": 16, "min": 1, "max": 256})},
                "optional": {"motion": ("TP_MOTION",)}}

    def render(self, portrait, features, batch_size: int, motion=None):
        width, height = portrait.size
        _check_memory(features.n_frames, width, height)
        frames = torch.empty(features.n_frames, height, width, 3, dtype=torch.float32)
        done = 0
        for batch in render_frames(portrait, features, motion, torch_device(), batch_size,
                                   progress(features.n_frames)):
            frames[done:done + len(batch)] = uint8_to_image(batch)
            done += len(batch)
        mask = torch.from_numpy(portrait.region_mask())[None]
        return frames, mask
