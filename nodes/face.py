"""LoadPortrait node: an IMAGE from any node (or a file path) → TP_PORTRAIT + landmark preview."""
from __future__ import annotations

import torch

from ..pipelines.common.errors import InputError
from ..pipelines.face.portrait import analyze_portrait, load_image_file
from ..pipelines.report.previews import portrait_overlay
from .comfy_glue import CATEGORY, image_to_uint8, model_dirs, uint8_to_image


class LoadPortrait:
    CATEGORY = f"{CATEGORY}/input"
    RETURN_TYPES = ("TP_PORTRAIT", "IMAGE")
    RETURN_NAMES = ("portrait", "landmarks_preview")
    FUNCTION = "load"
    DESCRIPTION = "Finds the face (MediaPipe Face Landmarker) and prepares the photo for animation."

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {"face_index": ("INT", {"default": 0, "min": 0, "max": 7,
                                                "tooltip": "0 = largest face, 1 = next largest, ..."})},
            "optional": {"image": ("IMAGE",),
                         "image_path": ("STRING", {"default": "", "tooltip": "used when no IMAGE is connected"})},
        }

    def load(self, face_index: int, image: torch.Tensor | None = None, image_path: str = ""):
        if image is not None:
            pixels, name = image_to_uint8(image[:1])[0], "IMAGE input"
        elif image_path.strip():
            pixels, name = load_image_file(image_path.strip()), image_path.strip()
        else:
            raise InputError("LoadPortrait needs an IMAGE input or an image_path.")
        portrait = analyze_portrait(pixels, face_index=face_index, model_dirs=model_dirs(), name=name)
        return portrait, uint8_to_image(portrait_overlay(portrait))
