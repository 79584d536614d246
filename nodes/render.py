"""LipSync node: TP_PORTRAIT + TP_FEATURES (+ TP_MOTION) → IMAGE frames and MASK (the moved person matte)."""
from __future__ import annotations

import torch
from comfy_api.latest import io

from ..pipelines.common.errors import InputError
from ..pipelines.render.renderer import batch_size_for, render_frames_and_mattes
from .comfy_glue import CATEGORY, Features, Motion, Portrait, progress, torch_device, uint8_to_image

MEMORY_SHARE = 0.5  # refuse to build an IMAGE batch larger than this share of available RAM


def memory_needed(n_frames: int, width: int, height: int, batch_size: int) -> int:
    """Bytes Lip Sync adds while rendering: the float32 IMAGE and MASK it returns, allocated once and
    filled batch by batch, plus one batch of uint8 frames, its float copy and its matte on the way in."""
    return 4 * n_frames * width * height * 4 + (3 + 12 + 4) * min(batch_size, n_frames) * width * height


def _check_memory(n_frames: int, width: int, height: int, batch_size: int) -> None:
    import psutil

    need = memory_needed(n_frames, width, height, batch_size)
    available = psutil.virtual_memory().available
    if need > MEMORY_SHARE * available:
        raise InputError(f"{n_frames} frames of {width}x{height} need ~{need / 2**30:.1f} GiB as an IMAGE batch, "
                         f"more than half the free memory ({available / 2**30:.1f} GiB); shorten the audio, "
                         "downscale the photo, or render from the command line (it streams to disk).")


class LipSync(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoLipSync", display_name="Lip Sync (Talking Photo)", category=f"{CATEGORY}/render",
            description="Renders the talking frames at the photo's full size and at the features' frame rate; "
                        "the background is the photo, unchanged. The mask is the person where they are in "
                        "each frame (for keying, or Video Combine's transparent or new background).",
            inputs=[Portrait.Input("portrait"), Features.Input("features"),
                    io.Int.Input("batch_size", default=0, min=0, max=256,
                                 tooltip="frames rendered at once; 0 = automatic (16 for a photo of up to "
                                         "a megapixel, 8 above or, on a CPU, for a head filling a 1024² close-up)"),
                    Motion.Input("motion", optional=True)],
            outputs=[io.Image.Output("frames", display_name="frames"),
                     io.Mask.Output("person_matte", display_name="person_matte")])

    @classmethod
    def execute(cls, portrait, features, batch_size: int, motion=None) -> io.NodeOutput:
        width, height = portrait.size
        batch_size = batch_size or batch_size_for(portrait, torch_device())
        _check_memory(features.n_frames, width, height, batch_size)
        frames = torch.empty(features.n_frames, height, width, 3, dtype=torch.float32)
        mattes = torch.empty(features.n_frames, height, width, dtype=torch.float32)
        done = 0
        for batch, matte in render_frames_and_mattes(portrait, features, motion, torch_device(), batch_size,
                                                     progress(features.n_frames)):
            frames[done:done + len(batch)] = uint8_to_image(batch)
            mattes[done:done + len(batch)] = matte.cpu()
            done += len(batch)
        return io.NodeOutput(frames, mattes)
