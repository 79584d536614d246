"""The photo's grain, measured once on its skin and in its shadows and laid over what is painted as
a fixed pattern, so the mouth's inside and the closed lids do not read as clean stickers on a grainy
photo (and do not flicker: the photo's own grain does not either; the pattern moves with the
painted feature, as the photo's grain moves with the face). A photo's texture often modulates
its light (a painting's craquelure, film grain in a print), so its shadows carry less of it than its
skin: a dark mouth given the skin's full grain sparkles like static. The grain painted at each
brightness is the photo's own at that brightness, between the shadows' and the skin's."""
from __future__ import annotations

import numpy as np
import torch

from ..common.luma import BT601, luma
from ..face import regions as fr
from ..face.portrait import Portrait

GRAIN_PATCH = 0.06  # half the side of the skin patch whose grain is measured, in face widths
AROUND_FACE = 0.25  # the shadows are looked for within this many face widths of the landmarks,
SHADOW = 0.35  # among 2×2 blocks darker than this share of the skin's luma
BLACK = 2 / 255  # (but not clipped to black, which has no grain left to measure)
MIN_SHADOW_BLOCKS = 200  # fewer and the skin's grain is used at every brightness


class Grain:
    """A crop-sized noise pattern at the photo's grain: ``level`` (0..1 units) on skin of luma
    ``skin_luma``, ``shadow_level`` in shadows of luma ``shadow_luma``."""

    def __init__(self, portrait: Portrait):
        img = portrait.image.astype(np.float32) / 255.0
        self.level, self.skin_luma = measure_grain(img, portrait.landmarks, portrait.face_width)
        shadow = measure_shadow_grain(img, portrait.landmarks, portrait.face_width, self.skin_luma)
        self.shadow_level, self.shadow_luma = shadow if shadow else (self.level, self.skin_luma)
        self.shadow_level = min(self.shadow_level, self.level)  # the shadows' texture is hair, not grain
        self._pattern: torch.Tensor | None = None
        self._bt601: torch.Tensor | None = None

    def add(self, colour: torch.Tensor, crops: torch.Tensor, box: tuple[int, int, int, int],
            moved: torch.Tensor) -> torch.Tensor:
        """``colour`` (``[B, 3, h, w]``, painted over ``box`` of ``crops`` ``[B, 3, H, W]``) with the
        pattern added at the photo's grain for each pixel's brightness. ``moved`` ``[B, 2]`` is how
        far (x, y px) the painted feature lies from its place in the photo: the pattern goes with it,
        as the photo's own grain goes with the warped face around it (a pattern fixed to the frame
        would slide over a moving mouth like a screen in front of it)."""
        if self._pattern is None or self._pattern.shape[-2:] != crops.shape[-2:]:
            generator = torch.Generator().manual_seed(0)
            self._pattern = torch.randn(crops.shape[-2:], generator=generator).to(crops)
            self._bt601 = torch.from_numpy(BT601).to(crops)
        x0, y0, x1, y1 = box
        h, w = self._pattern.shape
        shift = moved.round().long()
        rows = (torch.arange(y0, y1, device=crops.device)[None] - shift[:, 1:]) % h  # [B, h] (wrapping: noise has no seam)
        cols = (torch.arange(x0, x1, device=crops.device)[None] - shift[:, :1]) % w
        pattern = self._pattern[rows[:, :, None], cols[:, None, :]]
        brightness = torch.einsum("bchw,c->bhw", colour, self._bt601)
        lit = ((brightness - self.shadow_luma) / max(self.skin_luma - self.shadow_luma, 1e-3)).clamp(0, 1)
        level = self.shadow_level + lit * (self.level - self.shadow_level)
        return colour + (pattern * level)[:, None]


def _diagonal(y: np.ndarray) -> np.ndarray:
    """The finest diagonal detail of each 2×2 block: noise, which edges and shading hardly reach."""
    return (y[:-1, :-1] - y[:-1, 1:] - y[1:, :-1] + y[1:, 1:]) / 2


def measure_grain(img: np.ndarray, lm: np.ndarray, face_width: float) -> tuple[float, float]:
    """The photo's grain on the skin beside the nose, 0..1 units (the diagonal detail's median size,
    as a Gaussian's sigma), and that skin's median luma."""
    h, w = img.shape[:2]
    cx, cy = np.clip(lm[fr.CHEEK, :2].astype(int), 0, [w - 1, h - 1])
    s = max(3, int(GRAIN_PATCH * face_width))
    patch = luma(img[max(0, cy - s):cy + s, max(0, cx - s):cx + s])
    if min(patch.shape) < 4:
        return 0.0, 1.0
    return float(np.median(np.abs(_diagonal(patch))) / 0.6745), float(np.median(patch))


def measure_shadow_grain(img: np.ndarray, lm: np.ndarray, face_width: float,
                         skin_luma: float) -> tuple[float, float] | None:
    """The grain of the photo's shadows around the face (hair, nostrils, clothes, background darker
    than SHADOW of the skin) and their median luma; None where there are too few."""
    h, w = img.shape[:2]
    x0, y0 = np.clip(np.floor(lm[:, :2].min(0) - AROUND_FACE * face_width).astype(int), 0, None)
    x1, y1 = np.minimum(np.ceil(lm[:, :2].max(0) + AROUND_FACE * face_width).astype(int), [w, h])
    y = luma(img[y0:y1, x0:x1])
    if min(y.shape) < 2:
        return None
    blocks = np.stack([y[:-1, :-1], y[:-1, 1:], y[1:, :-1], y[1:, 1:]])
    shadow = (blocks.max(0) < SHADOW * skin_luma) & (blocks.min(0) > BLACK)
    if shadow.sum() < MIN_SHADOW_BLOCKS:
        return None
    return float(np.median(np.abs(_diagonal(y)[shadow])) / 0.6745), float(np.median(blocks.mean(0)[shadow]))
