"""TextToSpeech node: text → AUDIO and TP_TIMELINE; Silence node: seconds → the same, with nothing said."""
from __future__ import annotations

from comfy_api.latest import io

from ..pipelines.speech.silence import MAX_SECONDS, silence
from ..pipelines.speech.tts import DEFAULT_VOICE, available_voices, synthesize_speech
from .comfy_glue import CATEGORY, VOICE_FOLDER, Timeline, audio_to_comfy, model_dirs, progress


class TextToSpeech(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoTextToSpeech", display_name="Text to Speech (Talking Photo)",
            category=f"{CATEGORY}/speech", description="Offline speech (Piper, bundled CC0 voice) with exact phone timing.",
            inputs=[io.String.Input("text", multiline=True, default="Hello! I am a photo, and now I can talk."),
                    io.Combo.Input("voice", options=available_voices(model_dirs(VOICE_FOLDER)), default=DEFAULT_VOICE,
                                   tooltip="'joe' (bundled) or a Piper .onnx voice with its .onnx.json placed in "
                                           "models/piper_voices"),
                    io.Float.Input("speed", default=1.0, min=0.25, max=4.0, step=0.05),
                    io.Float.Input("sentence_pause", default=0.25, min=0.0, max=10.0, step=0.05),
                    io.Float.Input("noise", default=0.667, min=0.0, max=2.0, step=0.01),
                    io.Int.Input("seed", default=0, min=0, max=2**31 - 1, control_after_generate=True)],
            outputs=[io.Audio.Output("audio", display_name="audio"), Timeline.Output("timeline", display_name="timeline"),
                     io.String.Output("subtitles_srt", display_name="subtitles_srt")])

    @classmethod
    def execute(cls, text: str, voice: str, speed: float, sentence_pause: float, noise: float,
                seed: int) -> io.NodeOutput:
        speech = synthesize_speech(text, voice, speed, sentence_pause, noise, seed, model_dirs(VOICE_FOLDER),
                                   progress())
        return io.NodeOutput(audio_to_comfy(speech.samples, speech.sample_rate), speech.timeline,
                             speech.timeline.to_srt())


class Silence(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoSilence", display_name="Silence (Talking Photo)",
            category=f"{CATEGORY}/speech",
            description="A clip in which nothing is said: connect it in place of speech for a living portrait "
                        "that breathes, blinks and looks about with its mouth closed.",
            inputs=[io.Float.Input("seconds", default=6.0, min=0.1, max=MAX_SECONDS, step=0.5)],
            outputs=[io.Audio.Output("audio", display_name="audio"), Timeline.Output("timeline", display_name="timeline")])

    @classmethod
    def execute(cls, seconds: float) -> io.NodeOutput:
        sound, timeline = silence(seconds)
        return io.NodeOutput(audio_to_comfy(sound.samples, sound.sample_rate), timeline)
