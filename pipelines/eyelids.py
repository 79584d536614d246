"""Blinks painted as eyelid skin: the upper lid slides down over the eye, ending in a lash line.

Warping alone squeezes the iris into a smear on small eyes; painting the lid from the skin just
above the lash line (sampled per column from the same frame) closes the eye cleanly at any size.
"""
from __future__ import annotations

import torch

from .curves import Columns, bounds

SKIN_ABOVE = 0.45  # sample lid skin this fraction of the eye opening above the lash line
LID_SHADE = 0.9  # lid skin darkens slightly towards its edge
LASH_WIDTH = 0.8  # px


def paint_eyelid(crops: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor, blink: torch.Tensor,
                 opening_px: float) -> torch.Tensor:
    """Cover the eye between lid curves ``upper``/``lower`` ``[B, N, 2]`` (x ascending) to ``blink`` ``[B]``."""
    if not bool((blink > 0.01).any()):
        return crops
    box = bounds(torch.cat([upper, lower], 1), crops.shape[2], crops.shape[3])
    if box is None:
        return crops
    col = Columns(box, upper, lower)
    b = blink[:, None, None].clamp(0, 1)
    edge = col.top + b * (col.bottom - col.top)
    cover = col.between(col.top - 1.0, edge) * (b > 0.01)
    skin = col.gather_rows(crops, col.top - max(1.5, SKIN_ABOVE * opening_px))  # [B, 3, 1, W]
    lash = col.gather_rows(crops, col.top)
    depth = ((col.ys - col.top) / (edge - col.top).clamp_min(1.0)).clamp(0, 1)  # 0 at top .. 1 at edge
    colour = skin * (1 - (1 - LID_SHADE) * depth[:, None])
    lash_alpha = col.between(edge - LASH_WIDTH, edge + 0.3) * b.clamp(0, 1)
    colour = colour + lash_alpha[:, None] * (lash - colour)
    return col.composite(crops, colour, torch.maximum(cover, lash_alpha))
