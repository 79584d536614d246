"""VideoCombine node: IMAGE frames (+ AUDIO, + MASK for a transparent or new background) → a video
file in ComfyUI's output folder."""
from __future__ import annotations

import os

import torch
from comfy_api.latest import InputImpl, io, ui

from ..pipelines.common.errors import InputError
from ..pipelines.video.alpha import matte_for, over, parse_colour, with_alpha
from ..pipelines.video.writer import AUDIO_FIT, DEFAULT_VIDEO_QUALITY, FORMATS, check_audio_fit, write_video
from .comfy_glue import CATEGORY, FPS_FROM_TRACKS, Features, fps_of, image_to_uint8, progress, waveform_from_comfy

BATCH = 32  # frames converted and encoded at a time
BACKGROUNDS = ("as rendered", "transparent", "colour", "image")


def _rgb_frames(images: torch.Tensor, mask, background: str, colour: str, picture):
    """IMAGE from any node → uint8 batches, a few frames at a time (no full uint8 copy): as they
    are, with the mask as alpha, or keyed over a colour or a picture."""
    if background != "as rendered" and mask is None:
        raise InputError(f"background '{background}' needs the person's mask: connect Lip Sync's person_matte "
                         "to Video Combine's mask.")
    if background == "image" and picture is None:
        raise InputError("background 'image' needs a picture: connect an IMAGE to background_image.")
    back = parse_colour(colour) if background == "colour" else None
    if background == "image":
        back = image_to_uint8(picture[:1])[0]
        if back.shape != tuple(images.shape[1:]):
            raise InputError(f"the background image is {back.shape[1]}x{back.shape[0]} but the frames are "
                             f"{images.shape[2]}x{images.shape[1]}; resize it to the frames' size first.")
    masks = None if mask is None else mask.cpu().numpy()
    for i in range(0, images.shape[0], BATCH):
        frames = image_to_uint8(images[i:i + BATCH])
        if background == "as rendered":
            yield frames
            continue
        matte = matte_for(frames, masks, i)
        yield with_alpha(frames, matte) if background == "transparent" else over(frames, matte, back)


class VideoCombine(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoVideoCombine", display_name="Video Combine (Talking Photo)",
            category=f"{CATEGORY}/output", is_output_node=True,
            description="Frames + audio → mp4 (H.264 + AAC), webm (VP9 + Opus, with transparency when the "
                        "background is 'transparent') or GIF (silent) in ComfyUI's output folder, written to a "
                        "temporary file and renamed when complete.",
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
                    io.Combo.Input("background", options=list(BACKGROUNDS), default="as rendered",
                                   tooltip="with a mask: the person over transparency (webm only), a colour or "
                                           "a picture"),
                    io.String.Input("background_colour", default="#00ff00", tooltip="#rrggbb, for background 'colour'"),
                    io.Audio.Input("audio", optional=True),
                    Features.Input("features", optional=True, tooltip="the frame rate comes from here"),
                    io.Mask.Input("mask", optional=True, tooltip="the person per frame: Lip Sync's person_matte"),
                    io.Image.Input("background_image", optional=True,
                                   tooltip="for background 'image': a picture the frames' size")],
            outputs=[io.String.Output("path", display_name="path"), io.Video.Output("video", display_name="video")])

    @classmethod
    def execute(cls, images: torch.Tensor, fps: float, filename_prefix: str, format: str = "mp4",
                video_quality: int = DEFAULT_VIDEO_QUALITY, audio_fit: str = "pad_or_trim",
                background: str = "as rendered", background_colour: str = "#00ff00", audio=None,
                features=None, mask=None, background_image=None) -> io.NodeOutput:
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
        if background == "transparent" and format != "webm":
            raise InputError(f"a transparent background needs the webm format (VP9 with alpha); {format} "
                             "cannot carry transparency.")
        frames = _rgb_frames(images, mask, background, background_colour, background_image)
        path = write_video(os.path.join(folder, filename), frames, fps, samples, rate, video_quality,
                           progress(images.shape[0]), images.shape[0])
        preview = ui.SavedResult(filename, subfolder, io.FolderType.output)
        return io.NodeOutput(str(path), InputImpl.VideoFromFile(str(path)), ui=ui.PreviewVideo([preview]))
