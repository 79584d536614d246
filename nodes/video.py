"""VideoCombine node: IMAGE frames (+ AUDIO) → a video file in ComfyUI's output folder."""
from __future__ import annotations

import os

import torch
from comfy_api.latest import InputImpl, io, ui

from ..pipelines.video.writer import AUDIO_FIT, DEFAULT_VIDEO_QUALITY, FORMATS, check_audio_fit, write_video
from .comfy_glue import CATEGORY, FPS_FROM_TRACKS, Features, fps_of, image_to_uint8, progress, waveform_from_comfy

BATCH = 32  # frames converted and encoded at a time


def _rgb_frames(images: torch.Tensor):
    """IMAGE from any node → uint8 RGB batches, a few frames at a time (no full uint8 copy)."""
    for i in range(0, images.shape[0], BATCH):
        yield image_to_uint8(images[i:i + BATCH])


class VideoCombine(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoVideoCombine", display_name="Video Combine (Talking Photo)",
            category=f"{CATEGORY}/output", is_output_node=True,
            description="Frames + audio → mp4 (H.264 + AAC), webm (VP9 + Opus) or GIF (silent) in ComfyUI's output "
                        "folder, written to a temporary file and renamed when complete.",
            inputs=[io.Image.Input("images"),
                    io.Float.Input("fps", default=FPS_FROM_TRACKS, min=0.0, max=120.0, step=1.0,
                                   tooltip="0: the frame rate of the connected features; else the rate of these "
                                           "frames (it must agree with the features when both are given)"),
                    io.String.Input("filename_prefix", default="TalkingPhoto/talk"),
                    io.Combo.Input("format", options=list(FORMATS), default="mp4", tooltip="GIF has no sound"),
                    io.Int.Input("video_quality", default=DEFAULT_VIDEO_QUALITY, min=0, max=51,
                                 tooltip="H.264 quantizer (webm: VP9 crf): lower is sharper and larger, 0 is lossless"),
                    io.Combo.Input("audio_fit", options=list(AUDIO_FIT), default="pad_or_trim",
                                   tooltip="audio shorter than the frames is padded with silence; longer audio is cut "
                                           "at the last frame (pad_or_trim) or refused (pad_only)"),
                    io.Audio.Input("audio", optional=True),
                    Features.Input("features", optional=True, tooltip="the frame rate comes from here")],
            outputs=[io.String.Output("path", display_name="path"), io.Video.Output("video", display_name="video")])

    @classmethod
    def execute(cls, images: torch.Tensor, fps: float, filename_prefix: str, format: str = "mp4",
                video_quality: int = DEFAULT_VIDEO_QUALITY, audio_fit: str = "pad_or_trim", audio=None,
                features=None) -> io.NodeOutput:
        import folder_paths

        fps = fps_of(fps, features, "Video Combine")
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
        preview = ui.SavedResult(filename, subfolder, io.FolderType.output)
        return io.NodeOutput(str(path), InputImpl.VideoFromFile(str(path)), ui=ui.PreviewVideo([preview]))
