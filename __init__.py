"""Talking Photo node pack for ComfyUI: one portrait + text or a recording → a talking video.

The engine lives in ``pipelines/`` (no ComfyUI imports); ``nodes/`` adapts it to ComfyUI.
"""
from .nodes import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
