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
LASH_WIDTH = 0.18  # of the eye opening (at least LASH_MIN_PX): closed lashes form a thick dark line,
LASH_MIN_PX = 1.3
LASH_DARK = 0.35  # ... at most this bright relative to the lid skin (the photo's own lash row may be pale)
LASH_COVER = 0.5  # the lid also covers the open eye's own upper lash line, this far above the lid curve,
LID_FEATHER = 0.35  # ... fading in over this much of the opening above that (no outline of the open eye)


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
    feather = max(1.0, LID_FEATHER * opening_px)
    reach = col.top - max(1.0, LASH_COVER * opening_px) * b
    cover = ((col.ys - reach + feather) / feather).clamp(0, 1) * col.between(reach - feather, edge) * (b > 0.01)
    skin = sum(col.gather_rows(crops, col.top - max(1.5, f * opening_px)) for f in SKIN_ABOVE) / len(SKIN_ABOVE)
    k = max(1, int(SKIN_SMOOTH * opening_px) // 2 * 2 + 1)  # odd width; a single row per column streaks
    if k > 1 and skin.shape[-1] > 1:
        flat = F.pad(skin[:, :, 0], (k // 2, k // 2), mode="replicate")
        skin = F.avg_pool1d(flat, k, stride=1)[:, :, None]
    lash = torch.minimum(col.gather_rows(crops, col.top), skin * LASH_DARK)
    depth = ((col.ys - col.top) / (edge - col.top).clamp_min(1.0)).clamp(0, 1)  # 0 at top .. 1 at edge
    colour = skin * (1 - (1 - LID_SHADE) * depth[:, None])
    taper = (1 - (2 * col.u - 1) ** 2).clamp_min(0).sqrt()  # lashes thin out towards the corners
    width = max(LASH_MIN_PX, LASH_WIDTH * opening_px) * (0.5 + 0.5 * taper)
    lash_alpha = col.between(edge - width, edge + 0.3) * b.clamp(0, 1) * (0.6 + 0.4 * taper)
    colour = colour + lash_alpha[:, None] * (lash - colour)
    return col.composite(crops, colour, torch.maximum(cover, lash_alpha))
