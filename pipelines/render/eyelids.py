"""Blinks painted as eyelid skin: the upper lid slides down over the eye, ending in a lash line.

Warping alone squeezes the iris into a smear on small eyes; painting the lid from the skin just
above the lash line (sampled per column from the same frame) closes the eye cleanly at any size.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .curves import Columns, bounds

SKIN_ABOVE = (0.6, 0.8, 1.0)  # sample lid skin at these fractions of the eye opening above the lash line
SKIN_SMOOTH = 0.6  # ... and average it across columns over this fraction of the opening (no streaks)
LID_SHADE = 0.9  # lid skin darkens slightly towards its edge
LASH_WIDTH = 0.12  # of the eye opening (at least 0.8 px): closed lashes form a thick dark line
LASH_COVER = 0.5  # the lid also covers the open eye's own upper lash line, this far above the lid curve


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
    cover = col.between(col.top - max(1.0, LASH_COVER * opening_px) * b, edge) * (b > 0.01)
    skin = sum(col.gather_rows(crops, col.top - max(1.5, f * opening_px)) for f in SKIN_ABOVE) / len(SKIN_ABOVE)
    k = max(1, int(SKIN_SMOOTH * opening_px) // 2 * 2 + 1)  # odd width; a single row per column streaks
    if k > 1 and skin.shape[-1] > 1:
        flat = F.pad(skin[:, :, 0], (k // 2, k // 2), mode="replicate")
        skin = F.avg_pool1d(flat, k, stride=1)[:, :, None]
    lash = col.gather_rows(crops, col.top)
    depth = ((col.ys - col.top) / (edge - col.top).clamp_min(1.0)).clamp(0, 1)  # 0 at top .. 1 at edge
    colour = skin * (1 - (1 - LID_SHADE) * depth[:, None])
    lash_alpha = col.between(edge - max(0.8, LASH_WIDTH * opening_px), edge + 0.3) * b.clamp(0, 1)
    colour = colour + lash_alpha[:, None] * (lash - colour)
    return col.composite(crops, colour, torch.maximum(cover, lash_alpha))
