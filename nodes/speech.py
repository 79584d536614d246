"""TextToSpeech node: text → AUDIO and TP_TIMELINE."""
from __future__ import annotations

from ..pipelines.speech.tts import DEFAULT_VOICE, available_voices, synthesize_speech
from .comfy_glue import CATEGORY, VOICE_FOLDER, audio_to_comfy, model_dirs, progress


class TextToSpeech:
    CATEGORY = f"{CATEGORY}/speech"
    RETURN_TYPES = ("AUDIO", "TP_TIMELINE", "STRING")
    RETURN_NAMES = ("audio", "timeline", "subtitles_srt")
    FUNCTION = "speak"
    DESCRIPTION = "Offline speech (Piper, bundled CC0 voice) with exact phone timing."

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "text": ("STRING", {"multiline": True, "default": "Hello! I am a photo, and now I can talk."}),
            "voice": (available_voices(model_dirs(VOICE_FOLDER)),
                      {"default": DEFAULT_VOICE, "tooltip": "'joe' (bundled) or a Piper .onnx voice with its "
                                                            ".onnx.json placed in models/piper_voices"}),
            "speed": ("FLOAT", {"default": 1.0, "min": 0.25, "max": 4.0, "step": 0.05}),
            "sentence_pause": ("FLOAT", {"default": 0.25, "min": 0.0, "max": 10.0, "step": 0.05}),
            "noise": ("FLOAT", {"default": 0.667, "min": 0.0, "max": 2.0, "step": 0.01}),
            "seed": ("INT", {"default": 0, "min": 0, "max": 2**31 - 1, "control_after_generate": True}),
        }}

    def speak(self, text: str, voice: str, speed: float, sentence_pause: float, noise: float, seed: int):
        speech = synthesize_speech(text, voice, speed, sentence_pause, noise, seed, model_dirs(VOICE_FOLDER),
                                   progress())
        return audio_to_comfy(speech.samples, speech.sample_rate), speech.timeline, speech.timeline.to_srt()
