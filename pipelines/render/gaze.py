"""Gaze: the iris and pupil move inside the eye opening while the lids stay where they are.

A warp cannot move the iris without dragging the lids and lashes along; here the opening's content
is resampled along the eye: the iris translates, the white on either side stretches or compresses
towards the corners, and only pixels between the lids change.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .curves import Columns, bounds

EYEBALL_PER_IRIS = 2.0  # eyeball radius over iris radius (~12 mm / 6 mm): the iris's travel per sin(angle)
MIN_SHIFT_PX = 0.05  # smaller moves leave the frame untouched
# Up and down, the lid margins stay: the shift fades out over this share of the opening next to
# each lid, so the lash lines are never moved into the eye (the lids follow the gaze in the warp).
LID_MARGIN = 0.35


def iris_shift(gaze_x: torch.Tensor, gaze_y: torch.Tensor, radius: torch.Tensor) -> torch.Tensor:
    """``[B, 2]`` px along and across the eye: where an eye turned by ``gaze_x``/``gaze_y`` degrees
    carries an iris of ``radius`` px ``[B]``."""
    travel = EYEBALL_PER_IRIS * radius
    return torch.stack([travel * torch.sin(torch.deg2rad(gaze_x)), travel * torch.sin(torch.deg2rad(gaze_y))], 1)


def move_iris(crops: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor, centre: torch.Tensor,
              radius: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Move the iris at ``centre`` ``[B, 2]`` (``radius`` ``[B]`` px) by ``shift`` ``[B, 2]`` px inside
    the opening between lid curves ``upper``/``lower`` ``[B, N, 2]`` (corner to corner, x ascending).
    Up and down it slides under the lids: what is next to them is compressed, not moved."""
    moving = shift.abs().amax(1) > MIN_SHIFT_PX
    if not bool(moving.any()):
        return crops
    b, _, h, w = crops.shape
    box = bounds(torch.cat([upper, lower], 1), h, w, pad=int(math.ceil(float(shift[:, 1].abs().max()))) + 2)
    if box is None:
        return crops
    col = Columns(box, upper, lower)
    x0, y0, x1, y1 = box
    x = col.xs[:, None, :]  # [B, 1, W]
    left, right = col.left, col.right
    # How much of the shift each column takes: all of it across the iris where it lands, none at
    # the corners, linear between (the white stretches on one side and compresses on the other).
    lands = centre[:, 0, None, None] + shift[:, 0, None, None]
    r = radius[:, None, None]
    near = torch.minimum(torch.maximum(lands - r, left + 0.5), right - 0.5)
    far = torch.minimum(torch.maximum(lands + r, near), right - 0.5)
    weight = (((x - left) / (near - left).clamp_min(0.5)).clamp(0, 1)
              * ((right - x) / (right - far).clamp_min(0.5)).clamp(0, 1))  # [B, 1, W]
    sx = x - shift[:, 0, None, None] * weight
    ramp = (LID_MARGIN * (col.bottom - col.top)).clamp_min(1.0)
    from_lids = ((col.ys - col.top) / ramp).clamp(0, 1) * ((col.bottom - col.ys) / ramp).clamp(0, 1)
    sy = col.ys - shift[:, 1, None, None] * weight * from_lids  # [B, H, W]
    sx = sx.expand_as(sy)
    region = crops[:, :, y0:y1, x0:x1]
    grid = torch.stack([(sx - x0) * (2 / max(x1 - x0 - 1, 1)) - 1, (sy - y0) * (2 / max(y1 - y0 - 1, 1)) - 1], -1)
    moved = F.grid_sample(region, grid, mode="bicubic", padding_mode="border", align_corners=True)
    alpha = col.between(col.top, col.bottom) * moving[:, None, None]
    return col.composite(crops, moved, alpha)
