"""MotionGenerator and BlinkInjector nodes: TP_FEATURES → TP_MOTION (head, body, gaze, expressions, blinks)."""
from __future__ import annotations

import re

from comfy_api.latest import io

from ..pipelines.common.errors import InputError
from ..pipelines.motion.blinks import inject_blinks
from ..pipelines.motion.expression import EXPRESSIONS
from ..pipelines.motion.head import DEFAULT_LIMITS, STYLES, generate_motion
from ..pipelines.report.previews import motion_plot
from .comfy_glue import CATEGORY, Features, Motion, uint8_to_image


class MotionGenerator(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoMotionGenerator", display_name="Motion Generator (Talking Photo)",
            category=f"{CATEGORY}/motion",
            description="Speech-driven head, body and eye motion over slow idle motion, and the face's expression.",
            inputs=[Features.Input("features"),
                    io.Float.Input("intensity", default=1.0, min=0.0, max=3.0, step=0.05),
                    io.Combo.Input("style", options=list(STYLES), default="calm"),
                    io.Int.Input("seed", default=0, min=0, max=2**31 - 1, control_after_generate=True),
                    io.Boolean.Input("lock_yaw", default=False),
                    io.Boolean.Input("lock_pitch", default=False),
                    io.Boolean.Input("lock_roll", default=False),
                    *[io.Float.Input(f"max_{axis}", default=limit, min=0.0, max=30.0, step=0.5,
                                     tooltip=f"largest {axis} in degrees (soft limit)")
                      for axis, limit in DEFAULT_LIMITS.items()],
                    io.Combo.Input("expression", options=list(EXPRESSIONS), default="neutral",
                                   tooltip="the resting face and how speech moves it: friendly smiles as phrases "
                                           "end, serious frowns on emphasis, excited raises its brows")],
            outputs=[Motion.Output("motion", display_name="motion"), io.Image.Output("curves", display_name="curves")])

    @classmethod
    def execute(cls, features, intensity: float, style: str, seed: int, lock_yaw: bool, lock_pitch: bool,
                lock_roll: bool, max_yaw: float = DEFAULT_LIMITS["yaw"], max_pitch: float = DEFAULT_LIMITS["pitch"],
                max_roll: float = DEFAULT_LIMITS["roll"], expression: str = "neutral") -> io.NodeOutput:
        lock = tuple(a for a, on in (("yaw", lock_yaw), ("pitch", lock_pitch), ("roll", lock_roll)) if on)
        limits = {"yaw": max_yaw, "pitch": max_pitch, "roll": max_roll}
        motion = generate_motion(features, intensity, style, seed, lock, limits, expression)
        return io.NodeOutput(motion, uint8_to_image(motion_plot(motion, features)))


class BlinkInjector(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoBlinkInjector", display_name="Blink Injector (Talking Photo)",
            category=f"{CATEGORY}/motion", description="Adds natural eye blinks (placed in pauses) to any motion.",
            inputs=[Motion.Input("motion"),
                    io.Float.Input("rate_per_min", default=17.0, min=0.0, max=60.0, step=0.5),
                    io.Float.Input("duration", default=0.25, min=0.1, max=0.4, step=0.01),
                    io.Int.Input("seed", default=0, min=0, max=2**31 - 1, control_after_generate=True),
                    Features.Input("features", optional=True),
                    io.Float.Input("asymmetry", default=0.0, min=0.0, max=0.3, step=0.01, optional=True,
                                   tooltip="how much less the right eye closes (0 = both alike)"),
                    io.String.Input("times", default="", optional=True,
                                    tooltip="manual blink times in seconds, e.g. 1.2, 3.5")],
            outputs=[Motion.Output("motion_with_blinks", display_name="motion")])

    @classmethod
    def execute(cls, motion, rate_per_min: float, duration: float, seed: int, features=None,
                asymmetry: float = 0.0, times: str = "") -> io.NodeOutput:
        manual = None
        if times.strip():
            try:
                manual = [float(t) for t in re.split(r"[,\s;]+", times.strip()) if t]
            except ValueError as e:
                raise InputError(f"blink times {times!r} must be numbers in seconds, e.g. '1.2, 3.5'.") from e
        return io.NodeOutput(inject_blinks(motion, features, rate_per_min, duration, seed, manual, asymmetry))
