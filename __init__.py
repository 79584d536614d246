"""Talking Photo node pack for ComfyUI: one portrait + text or a recording → a talking video.

The engine lives in ``pipelines/`` (no ComfyUI imports); ``nodes/`` adapts it to ComfyUI's V3
node API, which loads the pack through ``comfy_entrypoint``.
"""
from .nodes import comfy_entrypoint

__all__ = ["comfy_entrypoint"]
