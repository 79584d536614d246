"""AudioFeatures node: AUDIO (+ TP_TIMELINE) → TP_FEATURES."""
from __future__ import annotations

from ..pipelines.mouth.features import compute_features
from .comfy_glue import CATEGORY, audio_from_comfy, progress


class AudioFeatures:
    CATEGORY = f"{CATEGORY}/speech"
    RETURN_TYPES = ("TP_FEATURES",)
    RETURN_NAMES = ("features",)
    FUNCTION = "analyse"
    DESCRIPTION = "Per-frame loudness, pitch, visemes and mouth controls; aligns recordings without a timeline."

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {"audio": ("AUDIO",),
                         "fps": ("FLOAT", {"default": 25.0, "min": 1.0, "max": 120.0, "step": 1.0})},
            "optional": {"timeline": ("TP_TIMELINE",),
                         "transcript": ("STRING", {"multiline": True, "default": ""})},
        }

    def analyse(self, audio: dict, fps: float, timeline=None, transcript: str = ""):
        return (compute_features(audio_from_comfy(audio), fps, timeline, transcript or None, progress()),)
