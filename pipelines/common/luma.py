"""Luma of an RGB picture (BT.601 weights): what edges, sharpness and mattes are measured on."""
from __future__ import annotations

import numpy as np

BT601 = np.array([0.299, 0.587, 0.114], np.float32)


def luma(rgb: np.ndarray) -> np.ndarray:
    """``[..., 3]`` → ``[...]`` float32 on the input's scale (0..255 for uint8)."""
    return rgb.astype(np.float32) @ BT601
