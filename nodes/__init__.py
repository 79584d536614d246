"""ComfyUI adapters (V3 node schema), one file per engine stage; each node converts ComfyUI types
and calls one function of ``pipelines``."""
from __future__ import annotations

from comfy_api.latest import ComfyExtension, io

from .face import LoadPortrait
from .motion import BlinkInjector, MotionGenerator
from .mouth import AudioFeatures
from .render import LipSync
from .report import SyncReport
from .speech import Silence, TextToSpeech
from .video import VideoCombine

NODES: list[type[io.ComfyNode]] = [LoadPortrait, TextToSpeech, Silence, AudioFeatures, MotionGenerator, BlinkInjector,
                                   LipSync, VideoCombine, SyncReport]


class TalkingPhotoExtension(ComfyExtension):
    async def get_node_list(self) -> list[type[io.ComfyNode]]:
        return NODES


async def comfy_entrypoint() -> TalkingPhotoExtension:
    return TalkingPhotoExtension()
