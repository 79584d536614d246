"""ComfyUI plumbing shared by the adapters: device, progress/interrupt, model folders, type conversion."""
from __future__ import annotations

import os

import numpy as np
import torch
from comfy_api.latest import io

from ..pipelines.common.errors import InputError
from ..pipelines.speech.audio import Audio, checked_speech

CATEGORY = "TalkingPhoto"
MEDIAPIPE_FOLDER = "mediapipe"
VOICE_FOLDER = "piper_voices"

# The pack's own types between its nodes (core types are used wherever ComfyUI has one).
Portrait = io.Custom("TP_PORTRAIT")
Timeline = io.Custom("TP_TIMELINE")
Features = io.Custom("TP_FEATURES")
Motion = io.Custom("TP_MOTION")
FPS_FROM_TRACKS = 0.0  # an fps widget at this value takes the frame rate of the connected features


def fps_of(fps: float, features, node: str) -> float:
    """The frame rate a node works at: Audio Features sets it, and it travels with the features.
    A node's own fps widget is for frames from elsewhere; set beside features it must agree."""
    if features is None:
        if fps == FPS_FROM_TRACKS:
            raise InputError(f"{node}: connect the features from Audio Features (they carry the frame rate), "
                             "or set fps to the frame rate of these frames.")
        return float(fps)
    if fps not in (FPS_FROM_TRACKS, features.fps):
        raise InputError(f"{node}: fps is {fps:g} but the features were made at {features.fps:g} fps; the lips "
                         "would drift. Set fps to 0 (from the features) or change Audio Features' fps.")
    return float(features.fps)


def torch_device() -> torch.device:
    import comfy.model_management

    return comfy.model_management.get_torch_device()


def progress(total: int = 100):
    """A ``progress(done, total)`` callback that drives the UI bar and honours Cancel; the bar
    takes each call's own total (alignment learns its amount of work as it goes)."""
    import comfy.model_management
    import comfy.utils

    bar = comfy.utils.ProgressBar(total)

    def update(done: int, _total: int) -> None:
        comfy.model_management.throw_exception_if_processing_interrupted()
        bar.update_absolute(done, _total)

    return update


def model_dirs(kind: str = MEDIAPIPE_FOLDER) -> tuple[str, ...]:
    """ComfyUI model folders for ``kind`` (registered on first use under ``models/<kind>``)."""
    import folder_paths

    if kind not in folder_paths.folder_names_and_paths:
        folder_paths.add_model_folder_path(kind, os.path.join(folder_paths.models_dir, kind))
    return tuple(folder_paths.get_folder_paths(kind))


def image_to_uint8(images: torch.Tensor) -> np.ndarray:
    """IMAGE ``[B, H, W, C]`` float 0..1 from any node (gray, RGB or RGBA) → uint8 RGB ``[B, H, W, 3]``."""
    rgb = images[..., :3]
    if rgb.shape[-1] == 1:
        rgb = rgb.expand(*rgb.shape[:-1], 3)
    return (rgb.clamp(0, 1) * 255 + 0.5).to(torch.uint8).cpu().numpy()


def uint8_to_image(frames: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 ``[H, W, 3]`` (a picture) or ``[B, H, W, 3]`` (frames) → IMAGE float32 0..1 on the CPU."""
    t = torch.as_tensor(frames).cpu()
    return (t[None] if t.ndim == 3 else t).float().div_(255.0)


def waveform_from_comfy(audio: dict) -> tuple[np.ndarray, int]:
    """Core AUDIO ``{"waveform": [B, C, T], "sample_rate": int}`` → the first item's ``[C, T]`` and its rate."""
    waveform = audio["waveform"]
    samples = waveform[0].detach().cpu().float().numpy() if waveform.ndim == 3 else waveform.cpu().numpy()
    return samples, int(audio["sample_rate"])


def audio_from_comfy(audio: dict, silence_ok: bool = False) -> Audio:
    """Core AUDIO → mono speech, checked (rate, silence unless ``silence_ok``, NaN) the way every
    speech input is."""
    return checked_speech(*waveform_from_comfy(audio), name="AUDIO input", silence_ok=silence_ok)


def audio_to_comfy(samples: np.ndarray, sample_rate: int) -> dict:
    return {"waveform": torch.from_numpy(np.asarray(samples, np.float32)).reshape(1, 1, -1),
            "sample_rate": int(sample_rate)}
