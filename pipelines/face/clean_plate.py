"""The clean background plate: the photo with the person removed and the hole filled from the
surrounding background, so pixels a moving person uncovers show background and never a smear.

The hole is filled by push-pull over an image pyramid: each coarser level averages the known
pixels below it (weighted by how known they are), and going back up every unknown pixel takes the
coarser level's colour, so the fill continues the colours around the hole at every scale.
"""
from __future__ import annotations

import numpy as np

HOLE_GROW = 0.02  # of the photo's long side: the hole reaches this far past the matte's edge
HOLE_MATTE = 0.05  # pixels with more person than this are part of the hole


def _grown(hole: np.ndarray, pixels: int) -> np.ndarray:
    from scipy.ndimage import binary_dilation

    return binary_dilation(hole, iterations=pixels) if pixels > 0 else hole


def _pull(colour: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One level down: 2×2 sums of weighted colour and of weight (odd edges padded)."""
    h, w = weight.shape
    pad = ((0, h % 2), (0, w % 2))
    colour = np.pad(colour, (*pad, (0, 0)))
    weight = np.pad(weight, pad)
    c = colour.reshape(colour.shape[0] // 2, 2, colour.shape[1] // 2, 2, 3).sum((1, 3))
    k = weight.reshape(weight.shape[0] // 2, 2, weight.shape[1] // 2, 2).sum((1, 3))
    return c, k


def _upsampled(picture: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of an ``[h, w, 3]`` float32 picture to ``shape`` (no blocks in the fill)."""
    import torch
    import torch.nn.functional as F

    t = torch.from_numpy(np.ascontiguousarray(picture)).permute(2, 0, 1)[None]
    return F.interpolate(t, size=shape, mode="bilinear", align_corners=False)[0].permute(1, 2, 0).numpy()


def fill_background(image: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """``[H, W, 3]`` uint8: ``image`` where it is background, the filled hole where the person is."""
    h, w = matte.shape
    hole = _grown(matte > HOLE_MATTE, int(HOLE_GROW * max(h, w)))
    known = (~hole).astype(np.float32)
    levels = [(image.astype(np.float32) * known[..., None], known)]
    while min(levels[-1][1].shape) > 1 and (levels[-1][1] < 4 ** (len(levels) - 1)).any():
        levels.append(_pull(*levels[-1]))
    colour, weight = levels[-1]
    filled = colour / np.maximum(weight, 1e-6)[..., None]
    for level in range(len(levels) - 2, -1, -1):
        colour, weight = levels[level]
        share = np.clip(weight / 4 ** level, 0.0, 1.0)[..., None]  # how much of the cell is known
        own = colour / np.maximum(weight, 1e-6)[..., None]
        filled = share * own + (1 - share) * _upsampled(filled, weight.shape)
    plate = np.where(hole[..., None], filled, image.astype(np.float32))
    return np.clip(plate + 0.5, 0, 255).astype(np.uint8)
