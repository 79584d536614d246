"""The clean background plate: the photo with the animated person removed and the hole filled from
the background around it, so pixels a moving person uncovers show background and never a smear.

Each hole pixel first takes the colour of the nearest pixel outside the hole (so the wall beside a
cheek continues as that wall, a neighbour's shoulder as that shoulder), then the fill is blurred,
lightly near the hole's edge and strongly deep inside (where nearest colours would streak). The
blur runs at a quarter of the resolution: the fill has no fine detail to lose.
"""
from __future__ import annotations

import numpy as np

HOLE_GROW = 0.02  # of the photo's long side: the hole reaches this far past the matte's edge
HOLE_MATTE = 0.05  # pixels with more person than this are part of the hole
NEAR_BLUR, DEEP_BLUR, DEEP_AT = 0.01, 0.04, 0.05  # of the long side: blur at the edge, deep inside, and where deep starts
COARSE = 4  # the blur's resolution step


def _grown(hole: np.ndarray, pixels: int) -> np.ndarray:
    from scipy.ndimage import binary_dilation

    return binary_dilation(hole, iterations=pixels) if pixels > 0 else hole


def _blurred(picture: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of an ``[h, w, 3]`` float32 picture, computed at 1/COARSE resolution."""
    import torch
    import torch.nn.functional as F
    from scipy.ndimage import gaussian_filter

    t = torch.from_numpy(np.ascontiguousarray(picture)).permute(2, 0, 1)[None]
    small = F.avg_pool2d(t, COARSE, ceil_mode=True)[0].numpy()
    small = np.stack([gaussian_filter(c, sigma / COARSE, mode="nearest") for c in small])
    up = F.interpolate(torch.from_numpy(small)[None], size=picture.shape[:2], mode="bilinear", align_corners=False)
    return up[0].permute(1, 2, 0).numpy()


def fill_background(image: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """``[H, W, 3]`` uint8: ``image`` where it is background, the filled hole where the person is."""
    from scipy.ndimage import distance_transform_edt

    h, w = matte.shape
    side = max(h, w)
    hole = _grown(matte > HOLE_MATTE, int(HOLE_GROW * side))
    if not hole.any():
        return image.copy()
    depth, (iy, ix) = distance_transform_edt(hole, return_indices=True)
    nearest = image[iy, ix].astype(np.float32)
    deep = np.clip(depth / (DEEP_AT * side), 0.0, 1.0)[..., None]
    filled = _blurred(nearest, NEAR_BLUR * side) * (1 - deep) + _blurred(nearest, DEEP_BLUR * side) * deep
    plate = np.where(hole[..., None], filled, image.astype(np.float32))
    return np.clip(plate + 0.5, 0, 255).astype(np.uint8)
