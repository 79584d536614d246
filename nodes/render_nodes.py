"""LipSync and VideoCombine nodes."""
from __future__ import annotations

import os

import torch

from ..pipelines.errors import InputError
from ..pipelines.lipsync import render_frames
from ..pipelines.video import AAC_RATES, write_video
from ..pipelines.audio import resample
from .comfy_glue import CATEGORY, audio_from_comfy, frames_to_image, progress, torch_device

MEMORY_SHARE = 0.5  # refuse to build an IMAGE batch larger than this share of available RAM


def _check_memory(n_frames: int, width: int, height: int) -> None:
    import psutil

    need = n_frames * width * height * 3 * 5  # float32 IMAGE + uint8 frames while rendering
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
        batches = list(render_frames(portrait, features, motion, torch_device(), batch_size,
                                     progress(features.n_frames)))
        mask = torch.from_numpy(portrait.region_mask())[None]
        return frames_to_image(batches), mask


class VideoCombine:
    CATEGORY = f"{CATEGORY}/output"
    RETURN_TYPES = ("STRING",)
    RETURN_NAMES = ("path",)
    FUNCTION = "combine"
    OUTPUT_NODE = True
    DESCRIPTION = "Frames + audio → H.264/AAC mp4 in ComfyUI's output folder."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"images": ("IMAGE",),
                             "fps": ("FLOAT", {"default": 25.0, "min": 1.0, "max": 120.0, "step": 1.0}),
                             "filename_prefix": ("STRING", {"default": "TalkingPhoto/talk"}),
                             "crf": ("INT", {"default": 20, "min": 0, "max": 51})},
                "optional": {"audio": ("AUDIO",)}}

    def combine(self, images: torch.Tensor, fps: float, filename_prefix: str, crf: int, audio=None):
        import folder_paths

        out_dir = folder_paths.get_output_directory()
        folder, name, counter, subfolder, _ = folder_paths.get_save_image_path(
            filename_prefix, out_dir, images.shape[2], images.shape[1])
        filename = f"{name}_{counter:05}.mp4"
        samples, rate = None, 0
        if audio is not None:
            speech = audio_from_comfy(audio)
            rate = speech.sample_rate if speech.sample_rate in AAC_RATES else 48000
            samples = resample(speech.samples, speech.sample_rate, rate)
        batches = ((images[i:i + 32].clamp(0, 1) * 255 + 0.5).to(torch.uint8).cpu().numpy()
                   for i in range(0, images.shape[0], 32))
        path = write_video(os.path.join(folder, filename), batches, fps, samples, rate, crf)
        preview = {"filename": filename, "subfolder": subfolder, "type": "output", "format": "video/h264-mp4"}
        return {"ui": {"images": [preview], "animated": (True,)}, "result": (str(path),)}


