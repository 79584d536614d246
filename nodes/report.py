"""SyncReport node: measures rendered frames (from any node) with a fresh face detector."""
from __future__ import annotations

import json

import torch
from comfy_api.latest import io, ui

from ..pipelines.report.measure import build_report, measure_frames
from ..pipelines.report.page import report_page
from .comfy_glue import (CATEGORY, FPS_FROM_TRACKS, Features, Portrait, Timeline, audio_from_comfy, fps_of,
                         image_to_uint8, model_dirs, progress, uint8_to_image)


class SyncReport(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkingPhotoSyncReport", display_name="Sync Report (Talking Photo)",
            category=f"{CATEGORY}/analysis", is_output_node=True,
            description="Re-detects the face on every frame and reports lip-sync lag and confidence, lip closure "
                        "on bilabials and pauses (with a timeline), blinks, head pose, background drift, sharpness; "
                        "the node shows the one-page summary.",
            inputs=[io.Image.Input("frames"),
                    io.Float.Input("fps", default=FPS_FROM_TRACKS, min=0.0, max=120.0, step=1.0,
                                   tooltip="0: the frame rate of the connected features; else the rate of these frames"),
                    io.Audio.Input("audio", optional=True), Timeline.Input("timeline", optional=True),
                    Portrait.Input("portrait", optional=True), Features.Input("features", optional=True)],
            outputs=[io.String.Output("report_json", display_name="report_json"),
                     io.Image.Output("report_page", display_name="report_page")])

    @classmethod
    def execute(cls, frames: torch.Tensor, fps: float, audio=None, timeline=None, portrait=None,
                features=None) -> io.NodeOutput:
        fps = fps_of(fps, features, "Sync Report")
        as_uint8 = (image_to_uint8(frames[i:i + 1])[0] for i in range(len(frames)))
        measures = measure_frames(as_uint8, portrait.image if portrait is not None else None, model_dirs(),
                                  progress(len(frames)), len(frames))
        report = build_report(measures, fps, (frames.shape[2], frames.shape[1]),
                              audio_from_comfy(audio, silence_ok=True) if audio is not None else None, timeline)
        page = uint8_to_image(report_page(report))
        return io.NodeOutput(json.dumps(report), page, ui=ui.PreviewImage(page))
