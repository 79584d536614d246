"""VideoCombine node: IMAGE frames (+ AUDIO) → a video file in ComfyUI's output folder."""
from __future__ import annotations

import os

import torch

from ..pipelines.video.writer import AUDIO_FIT, DEFAULT_VIDEO_QUALITY, FORMATS, check_audio_fit, write_video
from .comfy_glue import CATEGORY, image_to_uint8, progress, waveform_from_comfy

BATCH = 32  # frames converted and encoded at a time


def _core_video(path: str):
    """A core VIDEO value (SaveVideo, video previews) where the host has the video API, else None."""
    try:
        from comfy_api.input_impl import VideoFromFile
    except ImportError:
        return None
    return VideoFromFile(path)


def _rgb_frames(images: torch.Tensor):
    """IMAGE from any node → uint8 RGB batches, a few frames at a time (no full uint8 copy)."""
    for i in range(0, images.shape[0], BATCH):
        yield image_to_uint8(images[i:i + BATCH])


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
                             "video_quality": ("INT", {"default": DEFAULT_VIDEO_QUALITY, "min": 0, "max": 51,
                                                 "tooltip": "H.264 quantizer (webm: VP9 crf): lower is sharper "
                                                            "and larger, 0 is lossless"}),
                             "audio_fit": (list(AUDIO_FIT), {
                                 "default": "pad_or_trim",
                                 "tooltip": "audio shorter than the frames is padded with silence; longer audio "
                                            "is cut at the last frame (pad_or_trim) or refused (pad_only)"})},
                "optional": {"audio": ("AUDIO",)}}

    def combine(self, images: torch.Tensor, fps: float, filename_prefix: str, format: str = "mp4",
                video_quality: int = DEFAULT_VIDEO_QUALITY, audio_fit: str = "pad_or_trim", audio=None):
        import folder_paths

        out_dir = folder_paths.get_output_directory()
        folder, name, counter, subfolder, _ = folder_paths.get_save_image_path(
            filename_prefix, out_dir, images.shape[2], images.shape[1])
        filename = f"{name}_{counter:05}_.{FORMATS[format].container}"
        samples, rate = None, 0
        if audio is not None:
            samples, rate = waveform_from_comfy(audio)  # any sound, not only speech; the writer mixes to mono
            check_audio_fit(images.shape[0], fps, samples.shape[-1], rate, audio_fit)
        path = write_video(os.path.join(folder, filename), _rgb_frames(images), fps, samples, rate, video_quality,
                           progress(images.shape[0]), images.shape[0])
        preview = {"filename": filename, "subfolder": subfolder, "type": "output", "format": FORMATS[format].mime}
        return {"ui": {"images": [preview], "animated": (True,)}, "result": (str(path), _core_video(str(path)))}
