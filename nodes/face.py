"""LoadPortrait node: an IMAGE from any node, or a photo from ComfyUI's input folder → TP_PORTRAIT."""
from __future__ import annotations

import hashlib
import os

import torch
from comfy_api.latest import io

from ..pipelines.common.errors import InputError
from ..pipelines.face.portrait import analyze_portrait, load_image_file
from ..pipelines.report.previews import portrait_overlay
from .comfy_glue import CATEGORY, Portrait, image_to_uint8, model_dirs, uint8_to_image

NO_FILE = ""  # the photo list's first entry: take the IMAGE input


def _input_photos() -> list[str]:
    import folder_paths

    folder = folder_paths.get_input_directory()
    files = [f for f in os.listdir(folder) if os.path.isfile(os.path.join(folder, f))]
    return [NO_FILE, *sorted(folder_paths.filter_files_content_types(files, ["image"]))]


def photo_path(photo: str) -> str:
    """The photo's path inside ComfyUI's input folder; anything that resolves outside it is refused
    with the same words whether it exists or not, so a prompt cannot read or probe the server's disk."""
    import folder_paths

    folder = os.path.realpath(folder_paths.get_input_directory())
    path = os.path.realpath(folder_paths.get_annotated_filepath(photo))
    if os.path.commonpath([folder, path]) != folder or not os.path.isfile(path):
        raise InputError(f"photo {photo!r} is not a file in ComfyUI's input folder; upload it with the "
                         "photo widget or connect an IMAGE.")
    return path


class LoadPortrait(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoLoadPortrait", display_name="Load Portrait (Talking Photo)",
            category=f"{CATEGORY}/input",
            description="Finds the face (MediaPipe Face Landmarker) and prepares the photo for animation.",
            inputs=[io.Int.Input("face_index", default=0, min=0, max=7, tooltip="0 = largest face, 1 = next largest, ..."),
                    io.Image.Input("image", optional=True, tooltip="a portrait from any node (used before the photo)"),
                    io.Combo.Input("photo", options=_input_photos(), default=NO_FILE, optional=True,
                                   upload=io.UploadType.image, tooltip="a photo in ComfyUI's input folder"),
                    io.Image.Input("background", optional=True,
                                   tooltip="put the person in front of this picture instead of the photo's background"),
                    io.Boolean.Input("glasses", default=True, optional=True,
                                     tooltip="find glasses' rims (outlined in magenta on the preview) and keep them "
                                             "rigid while the eyes blink; off if something else was taken for them")],
            outputs=[Portrait.Output("portrait", display_name="portrait"),
                     io.Image.Output("landmarks_preview", display_name="landmarks_preview")])

    @classmethod
    def fingerprint_inputs(cls, face_index: int, image: torch.Tensor | None = None, photo: str = NO_FILE,
                           background: torch.Tensor | None = None, glasses: bool = True):
        if image is None and photo:  # a new upload under the same name runs the node again
            with open(photo_path(photo), "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        return ""

    @classmethod
    def execute(cls, face_index: int, image: torch.Tensor | None = None, photo: str = NO_FILE,
                background: torch.Tensor | None = None, glasses: bool = True) -> io.NodeOutput:
        if image is not None:
            pixels, name = image_to_uint8(image[:1])[0], "IMAGE input"
        elif photo:
            pixels, name = load_image_file(photo_path(photo)), photo
        else:
            raise InputError("Load Portrait needs an IMAGE input or a photo from the input folder.")
        portrait = analyze_portrait(pixels, face_index=face_index, model_dirs=model_dirs(), name=name,
                                    background=image_to_uint8(background[:1])[0] if background is not None else None,
                                    glasses=glasses)
        return io.NodeOutput(portrait, uint8_to_image(portrait_overlay(portrait)))
