"""SyncReport node: measures rendered frames (from any node) with a fresh face detector."""
from __future__ import annotations

import json

import torch

from ..pipelines.report.measure import build_report, measure_frames, report_summary
from ..pipelines.report.page import report_page
from .comfy_glue import CATEGORY, audio_from_comfy, image_to_uint8, model_dirs, progress, uint8_to_image


class SyncReport:
    CATEGORY = f"{CATEGORY}/analysis"
    RETURN_TYPES = ("STRING", "IMAGE")
    RETURN_NAMES = ("report_json", "report_page")
    FUNCTION = "measure"
    OUTPUT_NODE = True
    DESCRIPTION = ("Re-detects the face on every frame and reports lip-sync lag and confidence, lip closure "
                   "on bilabials and pauses (with a timeline), blinks, head pose, background drift, sharpness.")

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"frames": ("IMAGE",),
                             "fps": ("FLOAT", {"default": 25.0, "min": 1.0, "max": 120.0, "step": 1.0})},
                "optional": {"audio": ("AUDIO",), "timeline": ("TP_TIMELINE",), "portrait": ("TP_PORTRAIT",)}}

    def measure(self, frames: torch.Tensor, fps: float, audio=None, timeline=None, portrait=None):
        as_uint8 = (image_to_uint8(frames[i:i + 1])[0] for i in range(len(frames)))
        measures = measure_frames(as_uint8, portrait.image if portrait is not None else None, model_dirs(),
                                  progress(len(frames)), len(frames))
        report = build_report(measures, fps, (frames.shape[2], frames.shape[1]),
                              audio_from_comfy(audio) if audio is not None else None, timeline)
        text = json.dumps(report_summary(report), indent=1)
        return {"ui": {"text": [text]}, "result": (json.dumps(report), uint8_to_image(report_page(report)))}
