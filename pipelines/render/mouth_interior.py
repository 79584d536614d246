"""Synthesised inside of the mouth: dark cavity, tongue, upper teeth fixed to the skull, lower
teeth with the jaw.

Painted column by column between the target inner-lip curves. Teeth get the gaps between
incisors and a shadow under the upper lip, so they read as teeth rather than a grey band; the
tongue rises from the floor of the cavity as the jaw opens. A closed mouth gets a thin dark seam
so that lips closed over the photo's own teeth never show a white line.

Every colour comes from the photo, in its own colour space: the teeth from its own teeth where the
mouth is open, else from the whites of its eyes; cavity and tongue from its lips. So a grayscale or
sepia photo keeps its tint inside the mouth. The painting is softened and given the grain measured on
the photo's skin, so it does not read as a sharp, clean sticker on a soft, grainy photo.
"""
from __future__ import annotations

import numpy as np
import torch

from ..common.luma import luma
from ..face import regions as fr
from .curves import Columns, bounds
from ..face.portrait import Portrait

UPPER_TEETH = 0.12  # visible height of upper incisors, in mouth widths
LOWER_TEETH = 0.05
DEFAULT_TEETH = (0.93, 0.89, 0.80)
# Gaps between teeth, as positions across the mouth (0 = left corner, 1 = right corner): central
# incisors meet at 0.5, then laterals and canines (further back the gaps are in shadow).
TOOTH_GAPS = (0.5, 0.4, 0.6, 0.31, 0.69)
GAP_DARKEN = 0.2
GAP_WIDTH = 0.01  # of the mouth width
LIP_SHADOW_PX = 3.0  # the upper lip shades the top of the teeth over this many pixels
TONGUE_HEIGHT = 0.45  # of the lip gap, mid-mouth, at full opening
TONGUE_COLOUR = 0.7  # relative to the lip colour
CAVITY_DARKEN = 0.3
SEAM_DARKEN = 0.55
SEAM_HALF_WIDTH = 0.7  # px
# Lips closer than this show no teeth or cavity, only the seam: a sliver of teeth between nearly
# closed lips reads as a parted mouth (an independent face detector measured it so).
INTERIOR_MIN_GAP_PX, INTERIOR_FADE_PX = 1.5, 2.0
TEETH_VS_SCLERA = 0.92  # teeth are a little darker than the whites of the eyes in the same light
OWN_TEETH_GAP_PX = 4.0  # a photo whose inner lips are this far apart shows its own teeth
BRIGHTEST = 0.3  # share of the brightest pixels in the eye (or open mouth) taken as sclera (or teeth)
SOFTEN_PX = 0.7  # Gaussian blur of the painting, in pixels of the photo's face at 150 px wide
GRAIN_SIGMA_PX = 1.5  # the photo's grain: skin minus its blur at this scale


class MouthInterior:
    """Colours sampled from the photo once; ``paint`` composites the interior into warped crops."""

    def __init__(self, portrait: Portrait, device: torch.device):
        img = portrait.image.astype(np.float32) / 255.0
        lm = portrait.landmarks
        h, w = img.shape[:2]
        lip_pts = lm[list(fr.OUTER_LOWER[2:-2]), :2].astype(int)
        lip = img[np.clip(lip_pts[:, 1] - 2, 0, h - 1), np.clip(lip_pts[:, 0], 0, w - 1)].mean(0)
        self.teeth = torch.tensor(_teeth_colour(img, lm), device=device, dtype=torch.float32)
        self.grain_level = _grain(img, lm, portrait.face_width)
        soften = SOFTEN_PX * portrait.face_width / 150.0
        self.soften_radius = max(1, int(np.ceil(2.5 * soften)))
        taps = torch.exp(-0.5 * (torch.arange(-self.soften_radius, self.soften_radius + 1) / max(soften, 1e-3)) ** 2)
        self.soften_taps = (taps / taps.sum()).to(device)
        self._grain: torch.Tensor | None = None
        self.tongue = torch.tensor(lip * TONGUE_COLOUR, device=device, dtype=torch.float32)
        self.cavity = torch.tensor(lip * CAVITY_DARKEN, device=device, dtype=torch.float32)
        self.seam = torch.tensor(lip * SEAM_DARKEN, device=device, dtype=torch.float32)

    def paint(self, crops: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor,
              teeth_line: torch.Tensor, mouth_width: float, opening: torch.Tensor) -> torch.Tensor:
        """Paint into ``crops`` ``[B, 3, H, W]`` between inner-lip curves ``upper``/``lower`` ``[B, N, 2]``.

        ``teeth_line`` is the upper inner lip at rest (skull-fixed); ``opening`` ``[B]`` scales how
        much of the lower teeth shows.
        """
        box = bounds(torch.cat([upper, lower], 1), crops.shape[2], crops.shape[3])
        if box is None:
            return crops
        col = Columns(box, upper, lower)
        ys = col.ys
        profile = torch.sqrt((1 - (2 * col.u - 1) ** 2).clamp_min(0))  # 0 at the corners, 1 mid-mouth
        alpha = col.between(col.top, col.bottom)
        mid = (col.top + col.bottom) / 2
        seam = col.between(mid - SEAM_HALF_WIDTH, mid + SEAM_HALF_WIDTH)
        rest = col.sample(teeth_line)
        opening = opening[:, None, None].clamp(0, 1)
        upper_teeth = (rest + UPPER_TEETH * mouth_width * profile - ys + 0.5).clamp(0, 1)
        lower_edge = col.bottom - LOWER_TEETH * mouth_width * profile * opening
        lower_teeth = (ys - lower_edge + 0.5).clamp(0, 1) * (opening > 0.05)
        teeth = torch.maximum(upper_teeth, lower_teeth) * (0.35 + 0.65 * profile)
        gap_x = col.left + (col.right - col.left) * torch.tensor(TOOTH_GAPS, dtype=ys.dtype, device=ys.device)
        gap_width = max(0.6, GAP_WIDTH * mouth_width)
        gaps = torch.exp(-((col.xs[:, None, :, None] - gap_x[:, :, None, :]) / gap_width) ** 2).amax(-1)
        under_lip = ((ys - col.top) / LIP_SHADOW_PX).clamp(0, 1)
        tooth_shade = (0.6 + 0.4 * under_lip) * (1 - GAP_DARKEN * gaps) * (0.55 + 0.45 * profile)
        tongue_top = col.bottom - TONGUE_HEIGHT * (col.bottom - col.top) * profile.sqrt() * opening
        tongue = (ys - tongue_top + 0.5).clamp(0, 1)[:, None]
        cavity = self.cavity[None, :, None, None] * (1.0 - 0.4 * profile[:, None])
        cavity = cavity + tongue * (self.tongue[None, :, None, None] * (0.5 + 0.5 * under_lip[:, None]) - cavity)
        colour = cavity + teeth[:, None] * (self.teeth[None, :, None, None] * tooth_shade[:, None] - cavity)
        shows = ((col.bottom - col.top - INTERIOR_MIN_GAP_PX) / INTERIOR_FADE_PX).clamp(0, 1)
        colour = self.seam[None, :, None, None] + shows[:, None] * (colour - self.seam[None, :, None, None])
        colour = colour + (seam * (1 - alpha))[:, None] * (self.seam[None, :, None, None] - colour)
        return col.composite(crops, self._like_the_photo(colour, crops, box), torch.maximum(alpha, seam))

    def _like_the_photo(self, colour: torch.Tensor, crops: torch.Tensor, box: tuple[int, int, int, int]) -> torch.Tensor:
        """The painting softened like the photo and given its grain (a fixed pattern: the photo's
        grain does not flicker either)."""
        import torch.nn.functional as F

        radius, taps = self.soften_radius, self.soften_taps
        c = colour.shape[1]
        soft = F.conv2d(F.pad(colour, (radius, radius, 0, 0), mode="replicate"), taps.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
        soft = F.conv2d(F.pad(soft, (0, 0, radius, radius), mode="replicate"), taps.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
        if self._grain is None or self._grain.shape[-2:] != crops.shape[-2:]:
            generator = torch.Generator().manual_seed(0)
            self._grain = (torch.randn(crops.shape[-2:], generator=generator) * self.grain_level).to(crops.device)
        x0, y0, x1, y1 = box
        return soft + self._grain[None, None, y0:y1, x0:x1]


def _teeth_colour(img: np.ndarray, lm: np.ndarray) -> np.ndarray:
    """RGB 0..1 of the teeth: the photo's own where its mouth is open, else its eye whites, darkened."""
    import cv2

    gap = float(np.median(lm[list(fr.INNER_LOWER[2:-2]), 1] - lm[list(fr.INNER_UPPER[2:-2]), 1]))
    if gap >= OWN_TEETH_GAP_PX:
        regions, scale = [list(fr.INNER_UPPER) + list(fr.INNER_LOWER[::-1])], 1.0
    else:
        regions = [list(fr.RIGHT_UPPER_LID) + list(fr.RIGHT_LOWER_LID[::-1]),
                   list(fr.LEFT_UPPER_LID) + list(fr.LEFT_LOWER_LID[::-1])]
        scale = TEETH_VS_SCLERA
    mask = np.zeros(img.shape[:2], np.uint8)
    for region in regions:
        cv2.fillPoly(mask, [np.round(lm[region, :2]).astype(np.int32)], 1)
    pixels = img[mask.astype(bool)]
    if len(pixels) < 4:
        return np.asarray(DEFAULT_TEETH, np.float32) * float(img.mean())
    brightness = luma(pixels)
    bright = pixels[brightness >= np.quantile(brightness, 1 - BRIGHTEST)]
    return (bright.mean(0) * scale).astype(np.float32)


def _grain(img: np.ndarray, lm: np.ndarray, face_width: float) -> float:
    """The photo's grain on the skin beside the nose: std of luma minus its blur, 0..1 units."""
    import cv2

    h, w = img.shape[:2]
    cx, cy = np.clip(lm[fr.CHEEK, :2].astype(int), 0, [w - 1, h - 1])
    s = max(3, int(0.06 * face_width))
    patch = luma(img[max(0, cy - s):cy + s, max(0, cx - s):cx + s])
    if patch.size < 16:
        return 0.0
    return float((patch - cv2.GaussianBlur(patch, (0, 0), GRAIN_SIGMA_PX)).std())
