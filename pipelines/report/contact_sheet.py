"""A contact sheet: portraits rendered in the key poses, so people can judge the quality.

Why: a still sheet shows every mouth shape, the blink, the gaze, the expressions and the pose
range side by side, which a video does not; it is cheap to regenerate after any renderer change
(``python -m pipelines contact-sheet``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ..render.renderer import Renderer
from ..face.portrait import Portrait
from ..common.atomic import atomic_output
from ..common.channels import DRAWN, MOUTH_CONTROLS
from ..mouth.visemes import MOUTH_SHAPES, VISEME_INDEX

POSES: list[tuple[str, dict[str, float]]] = [
    ("neutral", {}),
    *[(v, dict(zip(MOUTH_CONTROLS, map(float, MOUTH_SHAPES[VISEME_INDEX[v]])))) for v in ("aa", "oh", "E", "PP", "FF")],
    ("blink", {"blink_l": 1.0, "blink_r": 1.0}),
    ("gaze left", {"gaze_x": -20.0}), ("gaze right", {"gaze_x": 20.0}), ("gaze up", {"gaze_y": -12.0}),
    ("smile", {"smile": 1.0}), ("smile, talking", {"smile": 1.0, "jaw_open": 0.4, "lip_spread": 0.5}),
    ("frown", {"brow_frown": 1.0}), ("brows up", {"brow_raise": 1.0}),
    ("squint", {"squint": 1.0}),
    ("yaw -12", {"yaw": -12.0}), ("yaw +12", {"yaw": 12.0}),
    ("pitch -8", {"pitch": -8.0}), ("pitch +8", {"pitch": 8.0}),
    ("roll -8", {"roll": -8.0}), ("roll +8", {"roll": 8.0}),
    ("breath in", {"breath": 1.0}), ("sway", {"sway": 0.03, "yaw": 6.0}),
]
AROUND_HEAD = 0.45  # face widths of background and shoulders shown around the head's region


def contact_sheet(portrait: Portrait, columns: int = 8, label_px: int = 18) -> np.ndarray:
    """``[H, W, 3]`` uint8 grid of the head, the background beside it and the shoulders in every
    pose of ``POSES``, labelled."""
    tracks = {name: np.zeros(len(POSES), np.float32) for name in DRAWN}
    for i, (_, values) in enumerate(POSES):
        for name, value in values.items():
            tracks[name][i] = value
    frames = Renderer(portrait).render(tracks).numpy()
    (cx, cy), (rx, ry) = portrait.region_center, portrait.region_radii
    margin = AROUND_HEAD * portrait.face_width
    h, w = portrait.image.shape[:2]
    x0, y0 = max(0, int(cx - rx - margin)), max(0, int(cy - ry - margin))
    x1, y1 = min(w, int(cx + rx + margin)), min(h, int(cy + ry + 2 * margin))
    tiles = []
    for (label, _), frame in zip(POSES, frames):
        tile = Image.fromarray(np.ascontiguousarray(frame[y0:y1, x0:x1]))
        canvas = Image.new("RGB", (tile.width, tile.height + label_px), (255, 255, 255))
        canvas.paste(tile, (0, label_px))
        ImageDraw.Draw(canvas).text((4, 3), label, fill=(0, 0, 0))
        tiles.append(np.asarray(canvas))
    rows = [np.concatenate(tiles[r:r + columns], axis=1) for r in range(0, len(tiles), columns)]
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate(rows, axis=0)


def write_contact_sheet(portraits: list[Portrait], out: str | Path) -> Path:
    """One sheet per portrait, stacked (narrower ones padded with white), written as a PNG."""
    sheets = [contact_sheet(p) for p in portraits]
    width = max(s.shape[1] for s in sheets)
    gap = np.full((12, width, 3), 255, np.uint8)
    stacked = np.concatenate([part for s in sheets for part in
                              (np.pad(s, ((0, 0), (0, width - s.shape[1]), (0, 0)), constant_values=255), gap)][:-1])
    with atomic_output(out) as tmp:
        Image.fromarray(stacked).save(tmp, format="PNG")
    return Path(out)
