"""The photo's grain, measured once on its skin and laid over what is painted as a fixed pattern,
so the mouth's inside and the closed lids do not read as clean stickers on a grainy photo (and do
not flicker: the photo's own grain does not either)."""
from __future__ import annotations

import numpy as np
import torch

from ..common.luma import luma
from ..face import regions as fr
from ..face.portrait import Portrait

GRAIN_PATCH = 0.06  # half the side of the skin patch whose grain is measured, in face widths


class Grain:
    """A crop-sized noise pattern scaled to the photo's measured grain (``level``, 0..1 units)."""

    def __init__(self, portrait: Portrait):
        self.level = measure_grain(portrait.image.astype(np.float32) / 255.0, portrait.landmarks, portrait.face_width)
        self._pattern: torch.Tensor | None = None

    def over(self, crops: torch.Tensor, box: tuple[int, int, int, int]) -> torch.Tensor:
        """The pattern over ``box`` of ``crops`` (``[B, 3, H, W]``), ``[1, 1, h, w]``, to add to a painting."""
        if self._pattern is None or self._pattern.shape[-2:] != crops.shape[-2:]:
            generator = torch.Generator().manual_seed(0)
            self._pattern = (torch.randn(crops.shape[-2:], generator=generator) * self.level).to(crops)
        x0, y0, x1, y1 = box
        return self._pattern[None, None, y0:y1, x0:x1]


def measure_grain(img: np.ndarray, lm: np.ndarray, face_width: float) -> float:
    """The photo's grain on the skin beside the nose, 0..1 units: the finest diagonal detail's median
    size (a noise estimate that the skin's edges and shading do not inflate)."""
    h, w = img.shape[:2]
    cx, cy = np.clip(lm[fr.CHEEK, :2].astype(int), 0, [w - 1, h - 1])
    s = max(3, int(GRAIN_PATCH * face_width))
    patch = luma(img[max(0, cy - s):cy + s, max(0, cx - s):cx + s])
    if min(patch.shape) < 4:
        return 0.0
    diagonal = (patch[:-1, :-1] - patch[:-1, 1:] - patch[1:, :-1] + patch[1:, 1:]) / 2
    return float(np.median(np.abs(diagonal)) / 0.6745)
