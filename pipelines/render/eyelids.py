"""Blinks painted as eyelid skin: the upper lid slides down over the eye, ending in a lash line.

Warping alone squeezes the iris into a smear on small eyes; painting the lid from the skin just
above the lash line (sampled per column from the same frame) closes the eye cleanly at any size.
The painted lid is almond-shaped: it meets the eye's corners, fades in there and at its top, so no
outline of the open eye or of a box is left, and it carries the photo's grain.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..common.luma import BT601, luma
from ..face import regions as fr
from ..face.portrait import Portrait
from .curves import Columns, bounds
from .grain import Grain

# Lid skin is sampled at these fractions of the eye opening above the lash line; per column the
# samples are averaged (after smoothing across columns), so the closed lid takes the socket's own
# light and shade. Their brightest alone made a lighter almond with an outline in a shaded socket
# (the Mona Lisa's), and the face detector read every closed eye less closed: 0.48/0.53 against
# 0.53/0.52 on her, 0.65/0.72 against 0.72/0.75 on a filmed man; on five faces of a group photo
# no setting was chosen on, more closed on two, within 0.02 on three.
SKIN_ABOVE = (0.5, 0.75, 1.0, 1.25, 1.5)
SKIN_SMOOTH = 1.0  # ... averaged across columns over this fraction of the opening (no streaks)
LID_SHADE = 0.2  # the lid darkens towards its lash line by this share (it turns away from the light)
CREASE_SHADE = 0.06  # ... and slightly towards its top
# Where the skin just above the lid is lighter than the lid (a lit socket), the lid's top half grades
# from it, so no darker outline of an almond is left at its top; where it is darker (a shaded socket)
# the lid keeps its own tone, lighter there (a closed eye read less closed with that shade carried down).
TOP_JOIN = 0.5
TOP_SMOOTH = 0.3  # ... that skin averaged across this fraction of the opening
LIGHTER = 0.05  # ... joined in full once this much lighter (in luma, relative)
LASH_WIDTH = 0.3  # of the eye opening (at least LASH_MIN_PX): closed lashes form a thick dark line,
LASH_MIN_PX = 1.3
LASH_DEPTH = 0.25  # ... coloured like the photo's own lashes: the darkest pixel within this much of the
# opening below each upper-lid landmark, the median over both eyes,
LASH_MAX = 0.75  # ... but at most this bright relative to the lid skin (a line always shows)
LASH_FULL = 0.3  # the lashes travel with the lid's edge: at full strength once it is this far closed
LASH_COVER = 0.5  # the lid also covers the open eye's own upper lash line, this far above the lid curve,
LID_FEATHER = 0.35  # ... fading in over this much of the opening above that (no outline of the open eye)
LOWER_OVERLAP = 0.12  # the closed lid reaches this far past the lower lid curve (no white line below it)
CORNER_SOFT = 0.08  # of the eye's width: the lid fades in over this at each corner
CORNER_REACH = 0.1  # of the eye's width: the closed lid reaches this far past each landmark corner,
# along the eye's midline: the landmarks sit inside the visible corners, whose dark lashes and
# shadow would otherwise stay as spots beside a closed eye.


def own_lashes(portrait: Portrait) -> np.ndarray:
    """RGB 0..1 of the person's upper lash line, so closed eyes keep their own lashes (mascara stays
    black, fair lashes stay soft)."""
    img, lm = portrait.image, portrait.landmarks
    h, w = img.shape[:2]
    found = []
    for upper, lower in ((fr.RIGHT_UPPER_LID, fr.RIGHT_LOWER_LID), (fr.LEFT_UPPER_LID, fr.LEFT_LOWER_LID)):
        depth = LASH_DEPTH * float(np.max(lm[list(lower), 1] - lm[list(upper), 1]))
        for j in upper:
            x = int(np.clip(round(lm[j, 0]), 0, w - 1))
            y0 = int(np.clip(round(lm[j, 1]), 0, h - 1))
            column = img[y0:max(y0 + 1, int(round(lm[j, 1] + depth)) + 1), x].astype(np.float32)
            found.append(column[np.argmin(luma(column))])
    return np.median(found, axis=0) / 255.0


def paint_eyelid(crops: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor, blink: torch.Tensor,
                 opening_px: float, grain: Grain, lashes: torch.Tensor, moved: torch.Tensor) -> torch.Tensor:
    """Cover the eye between lid curves ``upper``/``lower`` ``[B, N, 2]`` (x ascending) to ``blink`` ``[B]``;
    ``lashes`` ``[3]`` is the colour of the lash line (``own_lashes``); ``moved`` ``[B, 2]`` is how far
    the eye lies from its place in the photo (the grain goes with it)."""
    if not bool((blink > 0.01).any()):
        return crops
    upper, lower = _reach_past_corners(upper, lower)
    reach_px = int(opening_px * (LASH_COVER + LID_FEATHER + LOWER_OVERLAP)) + 3
    box = bounds(torch.cat([upper, lower], 1), crops.shape[2], crops.shape[3], pad=reach_px)
    if box is None:
        return crops
    col = Columns(box, upper, lower)
    b = blink[:, None, None].clamp(0, 1)
    taper = (1 - (2 * col.u - 1) ** 2).clamp_min(0).sqrt()  # 1 mid-eye, 0 at the corners
    x = col.xs[:, None, :]
    soft = CORNER_SOFT * (col.right - col.left).clamp_min(1.0)
    span = ((x - col.left) / soft).clamp(0, 1) * ((col.right - x) / soft).clamp(0, 1)
    edge = col.top + b * (col.bottom + LOWER_OVERLAP * opening_px * taper - col.top)
    reach = col.top - LASH_COVER * opening_px * b * taper
    feather = max(1.0, LID_FEATHER * opening_px) * taper + 0.5
    cover = ((col.ys - reach + feather) / feather).clamp(0, 1) * (edge - col.ys + 0.5).clamp(0, 1) * span * (b > 0.01)
    skin = _lid_skin(crops, col, opening_px)
    depth = ((col.ys - reach) / (edge - reach).clamp_min(1.0)).clamp(0, 1)  # 0 at its top .. 1 at the lashes
    colour = skin * (1 - LID_SHADE * depth ** 2 - CREASE_SHADE * (1 - depth) ** 2)[:, None]
    colour = _join_lit_skin_above(colour, crops, col, reach - feather - 1, depth, opening_px)
    width = max(LASH_MIN_PX, LASH_WIDTH * opening_px) * (0.5 + 0.5 * taper)  # lashes thin out to the corners
    lash = (1 - ((col.ys - edge + width / 2) / (width / 2 + 0.5)).abs()).clamp(0, 1) ** 0.7
    lash_alpha = lash * (b / LASH_FULL).clamp(max=1) * (0.6 + 0.4 * taper) * span
    lash_colour = torch.minimum(lashes[None, :, None, None], skin * LASH_MAX)
    colour = grain.add(colour + lash_alpha[:, None] * (lash_colour - colour), crops, box, moved)
    return col.composite(crops, colour, torch.maximum(cover, lash_alpha))


def _reach_past_corners(upper: torch.Tensor, lower: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Both lid curves with a shared point added beyond each corner, CORNER_REACH of the eye's width
    out along the line from the midline a quarter of the way in through the corner."""
    mid = (upper + lower) / 2
    k = max(1, mid.shape[1] // 4)
    reach = CORNER_REACH * (mid[:, -1:, :1] - mid[:, :1, :1]).clamp_min(1.0)

    def beyond(corner: torch.Tensor, inner: torch.Tensor) -> torch.Tensor:
        out = corner - inner
        return corner + out * reach / out[..., :1].abs().clamp_min(1e-3)

    left, right = beyond(mid[:, :1], mid[:, k:k + 1]), beyond(mid[:, -1:], mid[:, -1 - k:-k])
    return torch.cat([left, upper, right], 1), torch.cat([left, lower, right], 1)


def _join_lit_skin_above(colour: torch.Tensor, crops: torch.Tensor, col: Columns, above_row: torch.Tensor,
                         depth: torch.Tensor, opening_px: float) -> torch.Tensor:
    """``colour`` ``[B, 3, H, W]`` graded, over the top TOP_JOIN of the lid (``depth`` 0 at its top),
    into the skin at ``above_row`` ``[B, 1, W]`` where that skin is the lighter."""
    above = _smooth_columns(col.gather_rows(crops, above_row), TOP_SMOOTH * opening_px)
    bt601 = torch.tensor(BT601, dtype=colour.dtype, device=colour.device)[None, :, None, None]
    lit, own = (above * bt601).sum(1), (colour * bt601).sum(1)
    lighter = ((lit - own) / (LIGHTER * own).clamp_min(1e-3)).clamp(0, 1)
    join = (1 - (depth / TOP_JOIN).clamp(max=1)) ** 2 * lighter
    return colour + join[:, None] * (above - colour)


def _lid_skin(crops: torch.Tensor, col: Columns, opening_px: float) -> torch.Tensor:
    """Per column ``[B, 3, 1, W]``: the mean of the skin samples above the eye, smoothed across
    columns."""
    skin = torch.stack([col.gather_rows(crops, col.top - max(1.5, f * opening_px)) for f in SKIN_ABOVE]).mean(0)
    return _smooth_columns(skin, SKIN_SMOOTH * opening_px)


def _smooth_columns(rows: torch.Tensor, width_px: float) -> torch.Tensor:
    """``rows`` ``[B, 3, 1, W]`` averaged across ``width_px`` columns (a single column streaks)."""
    k = max(1, int(width_px) // 2 * 2 + 1)
    if k == 1 or rows.shape[-1] == 1:
        return rows
    flat = F.pad(rows[:, :, 0], (k // 2, k // 2), mode="replicate")
    return F.avg_pool1d(flat, k, stride=1)[:, :, None]
