"""AudioFeatures node: AUDIO (+ TP_TIMELINE) → TP_FEATURES, which sets the frame rate for every later node."""
from __future__ import annotations

from comfy_api.latest import io

from ..pipelines.mouth.features import compute_features
from ..pipelines.speech.silence import is_silence
from .comfy_glue import CATEGORY, Features, Timeline, audio_from_comfy, progress


class AudioFeatures(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoAudioFeatures", display_name="Audio Features (Talking Photo)",
            category=f"{CATEGORY}/speech",
            description="Per-frame loudness, pitch, visemes and mouth controls; aligns recordings without a "
                        "timeline. Its fps is the video's: the later nodes take it from here.",
            inputs=[io.Audio.Input("audio"),
                    io.Float.Input("fps", default=25.0, min=1.0, max=120.0, step=1.0),
                    Timeline.Input("timeline", optional=True),
                    io.String.Input("transcript", multiline=True, default="", optional=True)],
            outputs=[Features.Output("features", display_name="features")])

    @classmethod
    def execute(cls, audio: dict, fps: float, timeline=None, transcript: str = "") -> io.NodeOutput:
        sound = audio_from_comfy(audio, silence_ok=is_silence(timeline))
        return io.NodeOutput(compute_features(sound, fps, timeline, transcript or None, progress()))
