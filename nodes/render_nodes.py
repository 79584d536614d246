"""LipSync and VideoCombine nodes."""
from __future__ import annotations

import os

import torch

from ..pipelines.errors import InputError
from ..pipelines.lipsync import render_frames
from ..pipelines.audio import to_mono
from ..pipelines.video import AUDIO_FIT, DEFAULT_QUALITY, FORMATS, check_audio_fit, write_video
from .comfy_glue import CATEGORY, frames_to_image, progress, torch_device, waveform_from_comfy

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


def _core_video(path: str):
    """A core VIDEO value (SaveVideo, video previews) where the host has the video API, else None."""
    try:
        from comfy_api.input_impl import VideoFromFile
    except ImportError:
        return None
    return VideoFromFile(path)


def _rgb_frames(images: torch.Tensor):
    """IMAGE from any node (gray, RGB or RGBA) → uint8 RGB batches, 32 frames at a time."""
    for i in range(0, images.shape[0], 32):
        batch = images[i:i + 32, ..., :3]
        if batch.shape[-1] == 1:
            batch = batch.expand(-1, -1, -1, 3)
        yield (batch.clamp(0, 1) * 255 + 0.5).to(torch.uint8).cpu().numpy()


class VideoCombine:
    CATEGORY = f"{CATEGORY}/output"
    RETURN_TYPES = ("STRING", "VIDEO")
    RETURN_NAMES = ("path", "video")
    FUNCTION = "combine"
    OUTPUT_NODE = True
    DESCRIPTION = ("Frames + audio → mp4 (H.264 + AAC), webm (VP9 + Opus) or GIF (silent) in ComfyUI's output "
                   "folder, written to a temporary file and renamed when complete.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"images": ("IMAGE",),
                             "fps": ("FLOAT", {"default": 25.0, "min": 1.0, "max": 120.0, "step": 1.0}),
                             "filename_prefix": ("STRING", {"default": "TalkingPhoto/talk"}),
                             "format": (list(FORMATS), {"default": "mp4", "tooltip": "GIF has no sound"}),
                             "quality": ("INT", {"default": DEFAULT_QUALITY, "min": 0, "max": 51,
                                                 "tooltip": "H.264 quantizer (webm: VP9 crf): lower is sharper "
                                                            "and larger, 0 is lossless"}),
                             "audio_fit": (list(AUDIO_FIT), {
                                 "default": "pad_or_trim",
                                 "tooltip": "audio shorter than the frames is padded with silence; longer audio "
                                            "is cut at the last frame (pad_or_trim) or refused (pad_only)"})},
                "optional": {"audio": ("AUDIO",)}}

    def combine(self, images: torch.Tensor, fps: float, filename_prefix: str, format: str = "mp4",
                quality: int = DEFAULT_QUALITY, audio_fit: str = "pad_or_trim", audio=None):
        import folder_paths

        out_dir = folder_paths.get_output_directory()
        folder, name, counter, subfolder, _ = folder_paths.get_save_image_path(
            filename_prefix, out_dir, images.shape[2], images.shape[1])
        filename = f"{name}_{counter:05}_.{FORMATS[format].container}"
        samples, rate = None, 0
        if audio is not None:
            samples, rate = waveform_from_comfy(audio)  # any sound, not only speech
            samples = to_mono(samples)
            check_audio_fit(images.shape[0], fps, samples.shape[-1], rate, audio_fit)
        path = write_video(os.path.join(folder, filename), _rgb_frames(images), fps, samples, rate, quality,
                           progress(images.shape[0]), images.shape[0])
        preview = {"filename": filename, "subfolder": subfolder, "type": "output", "format": FORMATS[format].mime}
        return {"ui": {"images": [preview], "animated": (True,)}, "result": (str(path), _core_video(str(path)))}
