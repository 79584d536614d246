"""MotionGenerator and BlinkInjector nodes."""
from __future__ import annotations

import re

from ..pipelines.motion.blinks import inject_blinks
from ..pipelines.common.errors import InputError
from ..pipelines.motion.head import DEFAULT_LIMITS, STYLES, generate_motion
from ..pipelines.report.previews import motion_plot
from .comfy_glue import CATEGORY, uint8_to_image


class MotionGenerator:
    CATEGORY = f"{CATEGORY}/motion"
    RETURN_TYPES = ("TP_MOTION", "IMAGE")
    RETURN_NAMES = ("motion", "curves")
    FUNCTION = "generate"
    DESCRIPTION = "Speech-driven head motion over slow idle motion."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "features": ("TP_FEATURES",),
            "intensity": ("FLOAT", {"default": 1.0, "min": 0.0, "max": 3.0, "step": 0.05}),
            "style": (list(STYLES), {"default": "calm"}),
            "seed": ("INT", {"default": 0, "min": 0, "max": 2**31 - 1, "control_after_generate": True}),
            "lock_yaw": ("BOOLEAN", {"default": False}),
            "lock_pitch": ("BOOLEAN", {"default": False}),
            "lock_roll": ("BOOLEAN", {"default": False}),
            **{f"max_{axis}": ("FLOAT", {"default": limit, "min": 0.0, "max": 30.0, "step": 0.5,
                                         "tooltip": f"largest {axis} in degrees (soft limit)"})
               for axis, limit in DEFAULT_LIMITS.items()},
        }}

    def generate(self, features, intensity: float, style: str, seed: int, lock_yaw: bool,
                 lock_pitch: bool, lock_roll: bool, max_yaw: float = DEFAULT_LIMITS["yaw"],
                 max_pitch: float = DEFAULT_LIMITS["pitch"], max_roll: float = DEFAULT_LIMITS["roll"]):
        lock = tuple(a for a, on in (("yaw", lock_yaw), ("pitch", lock_pitch), ("roll", lock_roll)) if on)
        limits = {"yaw": max_yaw, "pitch": max_pitch, "roll": max_roll}
        motion = generate_motion(features, intensity, style, seed, lock, limits)
        return motion, uint8_to_image(motion_plot(motion, features))


class BlinkInjector:
    CATEGORY = f"{CATEGORY}/motion"
    RETURN_TYPES = ("TP_MOTION",)
    RETURN_NAMES = ("motion",)
    FUNCTION = "inject"
    DESCRIPTION = "Adds natural eye blinks (placed in pauses) to any motion."

    @classmethod
    def INPUT_TYPES(cls):
        return {
            "required": {"motion": ("TP_MOTION",),
                         "rate_per_min": ("FLOAT", {"default": 17.0, "min": 0.0, "max": 60.0, "step": 0.5}),
                         "duration": ("FLOAT", {"default": 0.25, "min": 0.1, "max": 0.4, "step": 0.01}),
                         "seed": ("INT", {"default": 0, "min": 0, "max": 2**31 - 1, "control_after_generate": True})},
            "optional": {"features": ("TP_FEATURES",),
                         "asymmetry": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 0.3, "step": 0.01,
                                                 "tooltip": "how much less the right eye closes (0 = both alike)"}),
                         "times": ("STRING", {"default": "", "tooltip": "manual blink times in seconds, e.g. 1.2, 3.5"})},
        }

    def inject(self, motion, rate_per_min: float, duration: float, seed: int, features=None,
               asymmetry: float = 0.0, times: str = ""):
        manual = None
        if times.strip():
            try:
                manual = [float(t) for t in re.split(r"[,\s;]+", times.strip()) if t]
            except ValueError as e:
                raise InputError(f"blink times {times!r} must be numbers in seconds, e.g. '1.2, 3.5'.") from e
        return (inject_blinks(motion, features, rate_per_min, duration, seed, manual, asymmetry),)
